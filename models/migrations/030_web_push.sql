-- Issue 14: Web Push. A subscription belongs to one access token (a
-- Mastodon app: a new one replaces the token's old one, revoking the token
-- removes it) or to one web app session (a browser that opted in). The
-- plain access token is kept with a token's subscription because Mastodon's
-- payload carries it and apps find the account a push is for by it; it is
-- removed with the subscription.
CREATE TABLE push_subscriptions (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    actor_id     bigint NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    token_id     bigint UNIQUE REFERENCES access_tokens (id) ON DELETE CASCADE,
    session_id   bigint UNIQUE REFERENCES sessions (id) ON DELETE CASCADE,
    access_token text NOT NULL DEFAULT '',
    endpoint     text NOT NULL CHECK (endpoint <> ''),
    key_p256dh   text NOT NULL CHECK (key_p256dh <> ''),
    key_auth     text NOT NULL CHECK (key_auth <> ''),
    -- The Mastodon notification types pushed ("mention", "admin.report", ...).
    alerts       text[] NOT NULL DEFAULT '{}',
    policy       text NOT NULL DEFAULT 'all' CHECK (policy IN ('all', 'followed', 'follower', 'none')),
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    CHECK (num_nonnulls(token_id, session_id) = 1)
);
CREATE INDEX push_subscriptions_actor ON push_subscriptions (actor_id);

-- web_push_type is the Mastodon type a stored notification is pushed as
-- (a meetup's change reaches apps as an edit, as the notifications API says).
CREATE FUNCTION web_push_type(stored text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE stored WHEN 'event_update' THEN 'update' ELSE stored END
$$;

-- web_push_wanted says whether a subscription's alerts and policy let a
-- notification of typ from from_id to recipient through (Mastodon's
-- "followed": from someone she follows; "follower": from a follower).
CREATE FUNCTION web_push_wanted(alerts text[], policy text, recipient bigint, from_id bigint, typ text)
RETURNS boolean LANGUAGE plpgsql STABLE AS $$
BEGIN
    IF NOT web_push_type(typ) = ANY (alerts) THEN
        RETURN false;
    END IF;
    RETURN CASE policy
        WHEN 'all' THEN true
        WHEN 'followed' THEN EXISTS (SELECT 1 FROM follows f
            WHERE f.follower_id = recipient AND f.followee_id = from_id AND f.state = 'accepted')
        WHEN 'follower' THEN EXISTS (SELECT 1 FROM follows f
            WHERE f.follower_id = from_id AND f.followee_id = recipient AND f.state = 'accepted')
        ELSE false
    END;
END
$$;

-- Every notification, whichever code path wrote it, becomes one push job
-- per subscription that wants it, in the same transaction: a notification
-- rolled back is never pushed, and one committed is never lost. The job is
-- a River job of kind "web_push" in queue "push" (web/push works it); with
-- no subscription the trigger costs one index probe.
CREATE FUNCTION queue_web_push() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO river_job (args, kind, max_attempts, queue, priority)
    SELECT jsonb_build_object('subscription_id', s.id, 'notification_id', NEW.id), 'web_push', 8, 'push', 1
    FROM push_subscriptions s
    WHERE s.actor_id = NEW.recipient_id
      AND web_push_wanted(s.alerts, s.policy, NEW.recipient_id, NEW.from_id, NEW.type);
    RETURN NULL;
END
$$;
CREATE TRIGGER notifications_web_push AFTER INSERT ON notifications
    FOR EACH ROW EXECUTE FUNCTION queue_web_push();

-- A revoked token's subscription goes with it (tokens are revoked, not
-- deleted, so the foreign key alone would keep it).
CREATE FUNCTION drop_revoked_web_push() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM push_subscriptions WHERE token_id = NEW.id;
    RETURN NULL;
END
$$;
CREATE TRIGGER access_tokens_web_push AFTER UPDATE OF revoked_at ON access_tokens
    FOR EACH ROW WHEN (NEW.revoked_at IS NOT NULL AND OLD.revoked_at IS NULL)
    EXECUTE FUNCTION drop_revoked_web_push();
