-- Everyday statuses, as Mastodon apps use them, and private conversations.

-- thread_root is the top post of the thread a post is in, as far as it is
-- known here: conversations group by it and muting a conversation mutes it.
-- Bounded in depth, as models.Thread is.
CREATE FUNCTION thread_root(post bigint) RETURNS bigint LANGUAGE sql STABLE AS $$
    WITH RECURSIVE up(id, parent, depth) AS (
        SELECT id, in_reply_to_id, 0 FROM posts WHERE id = post
        UNION ALL
        SELECT p.id, p.in_reply_to_id, up.depth + 1 FROM posts p JOIN up ON p.id = up.parent WHERE up.depth < 40)
    SELECT id FROM up ORDER BY depth DESC LIMIT 1
$$;

-- What a member typed, kept so that an edit starts from it (GET
-- /api/v1/statuses/:id/source); empty for posts from elsewhere.
ALTER TABLE posts ADD COLUMN source text NOT NULL DEFAULT '';

-- Each earlier version of an edited post, as it was then (local and remote
-- edits alike): the history Mastodon apps show.
CREATE TABLE post_versions (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    post_id     bigint NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    name        text NOT NULL DEFAULT '',
    content     text NOT NULL DEFAULT '',
    summary     text NOT NULL DEFAULT '',
    sensitive   boolean NOT NULL DEFAULT false,
    attachments json NOT NULL DEFAULT '[]',
    created_at  timestamptz NOT NULL -- when this version was published
);
CREATE INDEX post_versions_post ON post_versions (post_id, id);

-- A person's bookmarks: private, never federated.
CREATE TABLE bookmarks (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    actor_id   bigint NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    post_id    bigint NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (actor_id, post_id)
);
CREATE INDEX bookmarks_actor ON bookmarks (actor_id, id DESC);

-- Threads a person muted: nothing in them notifies her.
CREATE TABLE conversation_mutes (
    actor_id   bigint NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    root_id    bigint NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (actor_id, root_id)
);

-- Where a person stopped reading a timeline (Mastodon's markers), for
-- apps to pick up on another device.
CREATE TABLE markers (
    actor_id     bigint NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    timeline     text NOT NULL CHECK (timeline IN ('home', 'notifications')),
    last_read_id text NOT NULL,
    version      integer NOT NULL DEFAULT 1,
    updated_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (actor_id, timeline)
);

-- Private conversations: one row per local participant and thread of
-- direct posts. Removing it hides it from that person only; the next
-- direct post in the thread brings it back.
CREATE TABLE conversations (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    actor_id        bigint NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    root_id         bigint NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    last_post_id    bigint NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    participant_ids bigint[] NOT NULL DEFAULT '{}', -- the others in it
    unread          boolean NOT NULL DEFAULT false,
    updated_at      timestamptz NOT NULL DEFAULT now(),
    UNIQUE (actor_id, root_id)
);
CREATE INDEX conversations_actor ON conversations (actor_id, last_post_id DESC);

-- When the pins of a person elsewhere were last read from her featured collection.
ALTER TABLE actors ADD COLUMN featured_synced_at timestamptz;
