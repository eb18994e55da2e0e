-- Who follows whom: local and remote actors alike. The Follow activity's id is
-- kept so that Accept, Reject and Undo can name it.
CREATE TABLE follows (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    follower_id bigint NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    followee_id bigint NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    uri         text NOT NULL UNIQUE,
    state       text NOT NULL CHECK (state IN ('pending', 'accepted')),
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (follower_id, followee_id),
    CHECK (follower_id <> followee_id)
);
CREATE INDEX follows_followee ON follows (followee_id, state, id);
CREATE INDEX follows_follower ON follows (follower_id, state, id);

-- Every activity accepted at an inbox, once: a replay of the same id is a no-op.
CREATE TABLE inbox_activities (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    activity_uri text NOT NULL UNIQUE,
    actor_id     bigint REFERENCES actors (id) ON DELETE SET NULL,
    type         text NOT NULL,
    body         json NOT NULL,
    received_at  timestamptz NOT NULL DEFAULT now()
);

-- Activities local actors sent: their outboxes, and the exact JSON delivered.
CREATE TABLE activities (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    uri        text NOT NULL UNIQUE,
    actor_id   bigint NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    type       text NOT NULL,
    object_uri text NOT NULL DEFAULT '',
    public     boolean NOT NULL DEFAULT false,
    body       json NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX activities_actor ON activities (actor_id, id DESC);

-- Remote hosts that keep failing are paused as a whole, so they never hold up others.
CREATE TABLE delivery_hosts (
    host         text PRIMARY KEY,
    failures     integer NOT NULL DEFAULT 0,
    paused_until timestamptz,
    last_error   text NOT NULL DEFAULT '',
    updated_at   timestamptz NOT NULL DEFAULT now()
);

-- The id remote servers sign with (Mastodon: ACTOR#main-key; GoToSocial:
-- ACTOR/main-key), so that a known key needs no fetch.
ALTER TABLE actors ADD COLUMN public_key_id text;
CREATE UNIQUE INDEX actors_public_key_id ON actors (public_key_id) WHERE public_key_id IS NOT NULL;
