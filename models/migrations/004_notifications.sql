-- What a local person is told: someone followed or asked to, mentioned or
-- answered them, liked or shared their post. A moderator is told of join
-- requests to the groups they moderate.
CREATE TABLE notifications (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    recipient_id bigint NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    type         text NOT NULL CHECK (type IN ('mention', 'favourite', 'follow', 'follow_request', 'reblog', 'update')),
    from_id      bigint NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    post_id      bigint REFERENCES posts (id) ON DELETE CASCADE,
    group_id     bigint REFERENCES actors (id) ON DELETE CASCADE,
    created_at   timestamptz NOT NULL DEFAULT now(),
    UNIQUE NULLS NOT DISTINCT (recipient_id, type, from_id, post_id, group_id)
);
CREATE INDEX notifications_recipient ON notifications (recipient_id, id DESC);
