-- Safety: roles, moderated posts, the audit log. Each capability of the
-- safety work (reports, bans, blocks, filters) adds its own tables in the
-- migrations that follow; this one holds what they share.

-- Instance roles: admins (accounts.is_admin) and moderators; a suspended
-- account cannot log in, post or federate.
ALTER TABLE accounts
    ADD COLUMN is_moderator boolean NOT NULL DEFAULT false,
    ADD COLUMN suspended_at timestamptz;

ALTER TABLE posts
    -- A locked thread takes no new replies.
    ADD COLUMN locked_at     timestamptz,
    -- An anonymous post is stored as written by its group (author_id); the
    -- member who wrote it is kept here, for the group's moderators only.
    ADD COLUMN real_author_id bigint REFERENCES actors (id) ON DELETE SET NULL,
    -- A group's followers-only copy of a member's post, for servers that
    -- cannot receive the member's own post through the group (Mastodon).
    ADD COLUMN relay_of_id   bigint REFERENCES posts (id) ON DELETE CASCADE;
CREATE INDEX posts_relay_of ON posts (relay_of_id) WHERE relay_of_id IS NOT NULL;

-- Every moderation action, by group (NULL: instance level), for the
-- moderators' audit log. Rows outlive the people and posts they name.
CREATE TABLE moderation_log (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    group_id       bigint REFERENCES actors (id) ON DELETE CASCADE,
    moderator_id   bigint REFERENCES actors (id) ON DELETE SET NULL,
    action         text NOT NULL CHECK (action <> ''),
    target_actor_id bigint REFERENCES actors (id) ON DELETE SET NULL,
    target_post_id bigint REFERENCES posts (id) ON DELETE SET NULL,
    target_text    text NOT NULL DEFAULT '', -- a domain, a handle: what the row is about, kept readable
    reason         text NOT NULL DEFAULT '',
    created_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX moderation_log_group ON moderation_log (group_id, id DESC);
