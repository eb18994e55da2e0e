-- Mastodon apps: OAuth 2 applications registered through POST /api/v1/apps,
-- the authorization codes a member's consent issues, and tokens that
-- remember their app. Secrets, codes and tokens are kept only as SHA-256
-- digests: a leaked database gives nobody a working credential.
CREATE TABLE oauth_apps (
    id                   bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name                 text NOT NULL CHECK (name <> ''),
    website              text NOT NULL DEFAULT '',
    redirect_uris        text[] NOT NULL CHECK (cardinality(redirect_uris) > 0),
    scopes               text NOT NULL,
    client_id            text NOT NULL UNIQUE,
    client_secret_sha256 bytea NOT NULL,
    created_at           timestamptz NOT NULL DEFAULT now()
);

-- Codes live ten minutes and serve once; used_at stays so that a second
-- use is recognised (and the tokens of the first revoked).
CREATE TABLE oauth_codes (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    app_id         bigint NOT NULL REFERENCES oauth_apps (id) ON DELETE CASCADE,
    account_id     bigint NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    code_sha256    bytea NOT NULL UNIQUE,
    redirect_uri   text NOT NULL,
    scopes         text NOT NULL,
    code_challenge text NOT NULL DEFAULT '', -- PKCE S256 challenge; '' when the app sent none
    expires_at     timestamptz NOT NULL,
    used_at        timestamptz,
    created_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX oauth_codes_expires ON oauth_codes (expires_at);

-- A token of the client-credentials grant acts for its app alone, with no
-- account; the command line's tokens have no app.
ALTER TABLE access_tokens
    ALTER COLUMN account_id DROP NOT NULL,
    ADD COLUMN app_id bigint REFERENCES oauth_apps (id) ON DELETE CASCADE,
    ADD COLUMN code_id bigint REFERENCES oauth_codes (id) ON DELETE SET NULL,
    ADD CONSTRAINT access_tokens_owner CHECK (account_id IS NOT NULL OR app_id IS NOT NULL);
CREATE INDEX access_tokens_app ON access_tokens (app_id) WHERE app_id IS NOT NULL;
CREATE INDEX access_tokens_code ON access_tokens (code_id) WHERE code_id IS NOT NULL;

-- The app a local post was written with (Mastodon's Status.application).
ALTER TABLE posts ADD COLUMN app_id bigint REFERENCES oauth_apps (id) ON DELETE SET NULL;

-- Announcements admins write for every member (Mastodon's announcements);
-- a member may dismiss one.
CREATE TABLE announcements (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    text         text NOT NULL CHECK (text <> ''),
    starts_at    timestamptz,
    ends_at      timestamptz,
    published_at timestamptz,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    CHECK (ends_at IS NULL OR starts_at IS NULL OR ends_at > starts_at)
);

CREATE TABLE announcement_dismissals (
    announcement_id bigint NOT NULL REFERENCES announcements (id) ON DELETE CASCADE,
    account_id      bigint NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    PRIMARY KEY (announcement_id, account_id)
);
