-- Pinned posts (an actor's featured collection), and each group's welcome
-- note: written by the group itself, since Mastodon pins only a group's own posts.
CREATE TABLE pins (
    actor_id   bigint NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    post_id    bigint NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (actor_id, post_id)
);
ALTER TABLE groups ADD COLUMN welcome_post_id bigint REFERENCES posts (id) ON DELETE SET NULL;
