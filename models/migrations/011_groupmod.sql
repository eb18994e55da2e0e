-- Group moderation: bans of members from a group. A row is a ban by a local
-- group, or one a remote group announced (kept so that members here know).
CREATE TABLE group_bans (
    group_id     bigint NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    actor_id     bigint NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    moderator_id bigint REFERENCES actors (id) ON DELETE SET NULL,
    reason       text NOT NULL DEFAULT '',
    ends_at      timestamptz, -- NULL: until a moderator lifts it
    activity_uri text NOT NULL DEFAULT '', -- the Block, for its Undo
    created_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (group_id, actor_id)
);
CREATE INDEX group_bans_actor ON group_bans (actor_id);

-- What a group's moderators removed, kept so that they can restore it
-- (Undo{Delete}): the post itself is a tombstone meanwhile. Gone with the post.
CREATE TABLE removed_posts (
    post_id      bigint PRIMARY KEY REFERENCES posts (id) ON DELETE CASCADE,
    group_id     bigint NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    content      text NOT NULL,
    summary      text NOT NULL,
    name         text NOT NULL,
    attachments  json NOT NULL,
    tags         json NOT NULL,
    activity_uri text NOT NULL, -- the moderator's Delete
    removed_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX removed_posts_group ON removed_posts (group_id, removed_at DESC);
