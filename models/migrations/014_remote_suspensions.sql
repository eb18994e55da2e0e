-- An instance's moderators suspend one account of another server (as
-- Mastodon's admins suspend a remote account) rather than its whole domain:
-- nothing it sends is accepted, its follows both ways end, and its posts
-- here are taken down. Lifting it lets it back in; what was taken down
-- stays down.
CREATE TABLE remote_suspensions (
    actor_id     bigint PRIMARY KEY REFERENCES actors (id) ON DELETE CASCADE,
    reason       text NOT NULL DEFAULT '',
    moderator_id bigint REFERENCES actors (id) ON DELETE SET NULL,
    created_at   timestamptz NOT NULL DEFAULT now()
);
