-- Web app sessions. The cookie carries a random token; only its SHA-256 is
-- kept, so a leaked database holds no usable session.
CREATE TABLE sessions (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id   bigint NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    token_sha256 bytea NOT NULL UNIQUE,
    created_at   timestamptz NOT NULL,
    last_seen_at timestamptz NOT NULL,
    expires_at   timestamptz NOT NULL
);
CREATE INDEX sessions_account ON sessions (account_id);

-- Instance settings an admin changes at run time (the sign-up mode, ...).
CREATE TABLE instance_settings (
    key        text PRIMARY KEY,
    value      text NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- Server secrets made on first use (the key that signs CSRF tokens), apart
-- from the settings so that no settings screen ever lists them.
CREATE TABLE instance_keys (
    name       text PRIMARY KEY,
    secret     bytea NOT NULL CHECK (length(secret) >= 32),
    created_at timestamptz NOT NULL DEFAULT now()
);

-- Invite links for sign-ups: /signup?invite=CODE. The code is kept as is so
-- that an admin can show the link again; it only lets someone sign up.
CREATE TABLE invites (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    code       text NOT NULL UNIQUE CHECK (code <> ''),
    created_by bigint REFERENCES accounts (id) ON DELETE SET NULL,
    max_uses   integer CHECK (max_uses > 0), -- NULL: unlimited
    uses       integer NOT NULL DEFAULT 0 CHECK (uses >= 0),
    expires_at timestamptz,                  -- NULL: never
    revoked_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    CHECK (max_uses IS NULL OR uses <= max_uses)
);

-- Accounts made before this migration, and by `village admin user create`,
-- are approved; a sign-up waiting for an admin has no approved_at.
ALTER TABLE accounts
    ADD COLUMN approved_at   timestamptz DEFAULT now(),
    ADD COLUMN invite_id     bigint REFERENCES invites (id) ON DELETE SET NULL,
    ADD COLUMN signup_reason text NOT NULL DEFAULT '';
CREATE INDEX accounts_pending ON accounts (created_at) WHERE approved_at IS NULL;
