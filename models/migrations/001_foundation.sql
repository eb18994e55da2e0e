-- Actors are everyone who speaks ActivityPub: local and remote people, groups,
-- and the instance actor. Local actors have no domain and no stored URI: their
-- URIs follow from the instance's domain, which the operator may set after
-- creating the first accounts.
CREATE TABLE actors (
    id                          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    type                        text NOT NULL CHECK (type IN ('Person', 'Group', 'Application', 'Service', 'Organization')),
    username                    text NOT NULL CHECK (username <> ''),
    domain                      text CHECK (domain <> ''),
    uri                         text UNIQUE,
    url                         text,
    display_name                text NOT NULL DEFAULT '',
    summary                     text NOT NULL DEFAULT '',
    inbox_url                   text,
    shared_inbox_url            text,
    outbox_url                  text,
    followers_url               text,
    following_url               text,
    featured_url                text,
    icon_url                    text,
    public_key_pem              text NOT NULL,
    private_key_pem             text,
    manually_approves_followers boolean NOT NULL DEFAULT false,
    discoverable                boolean NOT NULL DEFAULT true,
    created_at                  timestamptz NOT NULL DEFAULT now(),
    updated_at                  timestamptz NOT NULL DEFAULT now(),
    fetched_at                  timestamptz,
    CHECK ((domain IS NULL) = (uri IS NULL)),
    CHECK (domain IS NOT NULL OR private_key_pem IS NOT NULL)
);
-- One namespace for local people and groups: WebFinger must resolve a name to one actor.
CREATE UNIQUE INDEX actors_local_username ON actors (username) WHERE domain IS NULL;
CREATE UNIQUE INDEX actors_remote_username ON actors (lower(username), lower(domain)) WHERE domain IS NOT NULL;
CREATE INDEX actors_inbox ON actors (inbox_url) WHERE domain IS NOT NULL;

-- Local people who log in.
CREATE TABLE accounts (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    actor_id      bigint NOT NULL UNIQUE REFERENCES actors (id) ON DELETE CASCADE,
    email         text,
    password_hash text NOT NULL,
    is_admin      boolean NOT NULL DEFAULT false,
    created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX accounts_email ON accounts (lower(email)) WHERE email IS NOT NULL;

-- Local groups: a Group actor plus what makes it a community.
CREATE TABLE groups (
    actor_id                   bigint PRIMARY KEY REFERENCES actors (id) ON DELETE CASCADE,
    title                      text NOT NULL CHECK (title <> ''),
    summary                    text NOT NULL DEFAULT '',
    rules                      text NOT NULL DEFAULT '',
    location                   text NOT NULL DEFAULT '',
    latitude                   double precision CHECK (latitude BETWEEN -90 AND 90),
    longitude                  double precision CHECK (longitude BETWEEN -180 AND 180),
    visibility                 text NOT NULL DEFAULT 'public' CHECK (visibility IN ('public', 'members')),
    posting_restricted_to_mods boolean NOT NULL DEFAULT false,
    created_at                 timestamptz NOT NULL DEFAULT now(),
    CHECK ((latitude IS NULL) = (longitude IS NULL))
);

-- Moderators of local groups; they may be local or remote actors.
CREATE TABLE group_moderators (
    group_id   bigint NOT NULL REFERENCES groups (actor_id) ON DELETE CASCADE,
    actor_id   bigint NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    role       text NOT NULL DEFAULT 'moderator' CHECK (role IN ('owner', 'moderator')),
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (group_id, actor_id)
);
CREATE INDEX group_moderators_actor ON group_moderators (actor_id);

-- Bearer tokens for the client API; only a SHA-256 of each token is kept.
CREATE TABLE access_tokens (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id   bigint NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    token_sha256 bytea NOT NULL UNIQUE,
    scopes       text NOT NULL DEFAULT 'read write follow push',
    created_at   timestamptz NOT NULL DEFAULT now(),
    last_used_at timestamptz,
    revoked_at   timestamptz
);
CREATE INDEX access_tokens_account ON access_tokens (account_id);
