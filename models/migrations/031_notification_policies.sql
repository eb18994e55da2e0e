-- Notifications as Mastodon 4.3 apps expect (issue 14, point 3).
--
-- filtered: the recipient's notification policy held the notification
-- back (Mastodon's "filtered"). It is decided in the INSERT itself, so a
-- trigger on notifications sees the final state; a filtered row is never
-- shown, counted, pushed or streamed until its sender's request is
-- accepted, which sets it false.
-- group_key: Mastodon's grouping of favourites and boosts of one post, of
-- follows and of sign-ups, within a 12-hour span; NULL for the rest
-- (apps see "ungrouped-<id>").
ALTER TABLE notifications ADD COLUMN filtered boolean NOT NULL DEFAULT false;
ALTER TABLE notifications ADD COLUMN group_key text;
CREATE INDEX notifications_shown ON notifications (recipient_id, id DESC) WHERE NOT filtered;
CREATE INDEX notifications_held ON notifications (recipient_id, from_id, id DESC) WHERE filtered;
CREATE INDEX notifications_group ON notifications (recipient_id, group_key, id DESC) WHERE group_key IS NOT NULL;

-- New posts of people one follows with notify=true ("status"), and
-- new sign-ups for the instance's staff ("admin.sign_up").
ALTER TABLE notifications DROP CONSTRAINT notifications_type_check;
ALTER TABLE notifications ADD CONSTRAINT notifications_type_check
    CHECK (type IN ('mention', 'favourite', 'follow', 'follow_request', 'reblog', 'update', 'admin.report',
                    'poll', 'event_update', 'event_reminder', 'help_update', 'help_thanks', 'help_reminder',
                    'help_released', 'status', 'admin.sign_up'));

-- A follower who asked to be told of each new post (Mastodon's notify).
ALTER TABLE follows ADD COLUMN notify boolean NOT NULL DEFAULT false;

-- What a person does with notifications from those she has no tie to.
-- No row means Mastodon's defaults.
CREATE TABLE notification_policies (
    actor_id             bigint PRIMARY KEY REFERENCES actors (id) ON DELETE CASCADE,
    for_not_following    text NOT NULL DEFAULT 'accept' CHECK (for_not_following IN ('accept', 'filter', 'drop')),
    for_not_followers    text NOT NULL DEFAULT 'accept' CHECK (for_not_followers IN ('accept', 'filter', 'drop')),
    for_new_accounts     text NOT NULL DEFAULT 'accept' CHECK (for_new_accounts IN ('accept', 'filter', 'drop')),
    for_private_mentions text NOT NULL DEFAULT 'filter' CHECK (for_private_mentions IN ('accept', 'filter', 'drop')),
    for_limited_accounts text NOT NULL DEFAULT 'filter' CHECK (for_limited_accounts IN ('accept', 'filter', 'drop')),
    updated_at           timestamptz NOT NULL DEFAULT now()
);

-- Senders whose notifications the person accepted: never filtered again.
CREATE TABLE notification_permissions (
    recipient_id bigint NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    from_id      bigint NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    created_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (recipient_id, from_id)
);

-- One request per sender whose mentions were filtered, as Mastodon keeps.
CREATE TABLE notification_requests (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    recipient_id bigint NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    from_id      bigint NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    last_post_id bigint REFERENCES posts (id) ON DELETE SET NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    UNIQUE (recipient_id, from_id)
);
CREATE INDEX notification_requests_recipient ON notification_requests (recipient_id, id DESC);

-- The policy's verdict on one notification: 'accept', 'filter' or
-- 'drop', as Mastodon's NotifyService decides it. Only mentions, follows,
-- follow requests, favourites and boosts are ever held back; a sender the
-- person accepted, and a mention from the instance's staff, never are.
CREATE FUNCTION notification_verdict(recipient bigint, sender bigint, typ text, post bigint) RETURNS text
LANGUAGE plpgsql STABLE AS $$
DECLARE
    p notification_policies%ROWTYPE;
    following boolean;
    verdicts text[] := '{}';
BEGIN
    following := EXISTS (SELECT 1 FROM follows WHERE follower_id = recipient AND followee_id = sender AND state = 'accepted');
    -- A suspended server's people reach only those who follow them.
    IF NOT following AND EXISTS (SELECT 1 FROM actors WHERE id = sender AND domain IS NOT NULL
            AND blocked_domain_severity(domain) = 'suspend') THEN
        RETURN 'drop';
    END IF;
    IF typ NOT IN ('mention', 'follow', 'follow_request', 'favourite', 'reblog') THEN
        RETURN 'accept';
    END IF;
    IF EXISTS (SELECT 1 FROM notification_permissions WHERE recipient_id = recipient AND from_id = sender) THEN
        RETURN 'accept';
    END IF;
    IF typ = 'mention' AND EXISTS (SELECT 1 FROM accounts WHERE actor_id = sender AND (is_admin OR is_moderator)) THEN
        RETURN 'accept';
    END IF;
    SELECT * INTO p FROM notification_policies WHERE actor_id = recipient;
    IF NOT FOUND THEN
        p.for_not_following := 'accept'; p.for_not_followers := 'accept'; p.for_new_accounts := 'accept';
        p.for_private_mentions := 'filter'; p.for_limited_accounts := 'filter';
    END IF;
    IF following THEN
        -- Every rule but "not followers" is about strangers.
        IF p.for_not_followers <> 'accept' AND NOT EXISTS (SELECT 1 FROM follows WHERE follower_id = sender
                AND followee_id = recipient AND state = 'accepted' AND created_at <= now() - interval '3 days') THEN
            RETURN p.for_not_followers;
        END IF;
        RETURN 'accept';
    END IF;
    verdicts := verdicts || p.for_not_following;
    IF p.for_not_followers <> 'accept' AND NOT EXISTS (SELECT 1 FROM follows WHERE follower_id = sender
            AND followee_id = recipient AND state = 'accepted' AND created_at <= now() - interval '3 days') THEN
        verdicts := verdicts || p.for_not_followers;
    END IF;
    IF p.for_new_accounts <> 'accept' AND EXISTS (SELECT 1 FROM actors WHERE id = sender AND created_at > now() - interval '30 days') THEN
        verdicts := verdicts || p.for_new_accounts;
    END IF;
    IF p.for_limited_accounts <> 'accept' AND EXISTS (SELECT 1 FROM actors WHERE id = sender AND domain IS NOT NULL
            AND blocked_domain_severity(domain) = 'silence') THEN
        verdicts := verdicts || p.for_limited_accounts;
    END IF;
    -- A private mention that does not answer one of the person's own.
    IF p.for_private_mentions <> 'accept' AND typ = 'mention' AND post IS NOT NULL
        AND EXISTS (SELECT 1 FROM posts WHERE id = post AND visibility = 'direct')
        AND NOT EXISTS (WITH RECURSIVE up(id, parent, author, vis, depth) AS (
                SELECT q.id, q.in_reply_to_id, q.author_id, q.visibility, 0 FROM posts q
                WHERE q.id = (SELECT in_reply_to_id FROM posts WHERE id = post)
                UNION ALL
                SELECT q.id, q.in_reply_to_id, q.author_id, q.visibility, up.depth + 1 FROM posts q JOIN up ON q.id = up.parent
                WHERE up.depth < 100)
            SELECT 1 FROM up WHERE up.author = recipient AND up.vis = 'direct') THEN
        verdicts := verdicts || p.for_private_mentions;
    END IF;
    IF 'drop' = ANY (verdicts) THEN
        RETURN 'drop';
    ELSIF 'filter' = ANY (verdicts) THEN
        RETURN 'filter';
    END IF;
    RETURN 'accept';
END
$$;

-- The group a new notification joins: favourites or boosts of one post,
-- follows, sign-ups; it goes on joining the recipient's latest group of
-- that kind until the group spans 12 hours (Mastodon's hour buckets).
CREATE FUNCTION notification_group_key(recipient bigint, typ text, post bigint) RETURNS text
LANGUAGE plpgsql STABLE AS $$
DECLARE
    prefix text;
    bucket bigint := floor(extract(epoch FROM now()) / 3600);
    previous text;
BEGIN
    IF typ IN ('favourite', 'reblog') AND post IS NOT NULL THEN
        prefix := typ || '-' || post;
    ELSIF typ IN ('follow', 'admin.sign_up') THEN
        prefix := typ;
    ELSE
        RETURN NULL;
    END IF;
    SELECT n.group_key INTO previous FROM notifications n
    WHERE n.recipient_id = recipient AND n.type = typ AND n.post_id IS NOT DISTINCT FROM post
      AND n.group_key IS NOT NULL AND n.created_at > now() - interval '12 hours'
    ORDER BY n.id DESC LIMIT 1;
    IF previous IS NOT NULL AND bucket < split_part(previous, '-', -1)::bigint + 12 THEN
        bucket := split_part(previous, '-', -1)::bigint;
    END IF;
    RETURN prefix || '-' || bucket;
END
$$;

-- A notification its recipient's policy holds back is neither pushed
-- (migration 030) nor streamed (029): she sees it only among her
-- requests, and accepting them later tells no device either, as on
-- Mastodon.
DROP TRIGGER notifications_web_push ON notifications;
CREATE TRIGGER notifications_web_push AFTER INSERT ON notifications
    FOR EACH ROW WHEN (NOT NEW.filtered) EXECUTE FUNCTION queue_web_push();
DROP TRIGGER notifications_stream ON notifications;
CREATE TRIGGER notifications_stream AFTER INSERT ON notifications
    FOR EACH ROW WHEN (NOT NEW.filtered) EXECUTE FUNCTION stream_notifications_changed();
