-- Streaming: the processes with apps connected, and what each change
-- tells them. Every `village serve` LISTENs on village_stream; the
-- triggers below NOTIFY it of new, edited and deleted posts, boosts,
-- notifications, conversations and filters, but only while some process
-- has a stream open (stream_listeners), since a NOTIFY makes commits
-- take turns: an instance nobody streams from pays one index probe.
-- Unlogged: after a crash the table is empty until each process's next
-- beat (half a minute), which only delays streaming, never loses data.
CREATE UNLOGGED TABLE stream_listeners (
    process_id text PRIMARY KEY,
    seen_at    timestamptz NOT NULL DEFAULT now()
);

CREATE FUNCTION stream_listened() RETURNS boolean LANGUAGE sql STABLE AS $$
    SELECT EXISTS (SELECT 1 FROM stream_listeners WHERE seen_at > now() - interval '2 minutes')
$$;

-- The payload is KIND:ID[:OWNER], read by models.ParseStreamEvent.
CREATE FUNCTION stream_posts_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NOT stream_listened() THEN
        RETURN NULL;
    END IF;
    IF TG_OP = 'INSERT' THEN
        IF NEW.deleted_at IS NULL THEN
            PERFORM pg_notify('village_stream', 'post:' || NEW.id);
        END IF;
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM pg_notify('village_stream', 'delete:' || OLD.id);
    ELSIF NEW.deleted_at IS NOT NULL AND OLD.deleted_at IS NULL THEN
        PERFORM pg_notify('village_stream', 'delete:' || NEW.id);
    ELSIF NEW.deleted_at IS NULL AND NEW.edited_at IS DISTINCT FROM OLD.edited_at THEN
        PERFORM pg_notify('village_stream', 'edit:' || NEW.id);
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER posts_stream AFTER INSERT OR DELETE OR UPDATE OF deleted_at, edited_at ON posts
    FOR EACH ROW EXECUTE FUNCTION stream_posts_changed();

CREATE FUNCTION stream_boosts_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NOT stream_listened() THEN
        RETURN NULL;
    END IF;
    IF TG_OP = 'INSERT' THEN
        PERFORM pg_notify('village_stream', 'boost:' || NEW.id);
    ELSE
        PERFORM pg_notify('village_stream', 'unboost:' || OLD.id || ':' || OLD.actor_id);
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER boosts_stream AFTER INSERT OR DELETE ON boosts
    FOR EACH ROW EXECUTE FUNCTION stream_boosts_changed();

CREATE FUNCTION stream_notifications_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF stream_listened() THEN
        PERFORM pg_notify('village_stream', 'notification:' || NEW.id || ':' || NEW.recipient_id);
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER notifications_stream AFTER INSERT ON notifications
    FOR EACH ROW EXECUTE FUNCTION stream_notifications_changed();

CREATE FUNCTION stream_conversations_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF stream_listened() THEN
        PERFORM pg_notify('village_stream', 'conversation:' || NEW.id || ':' || NEW.actor_id);
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER conversations_stream AFTER INSERT OR UPDATE OF last_post_id ON conversations
    FOR EACH ROW EXECUTE FUNCTION stream_conversations_changed();

-- A filter's keywords changing changes the filter: both tell its owner.
CREATE FUNCTION stream_filters_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    owner bigint;
BEGIN
    IF NOT stream_listened() THEN
        RETURN NULL;
    END IF;
    IF TG_TABLE_NAME = 'filters' AND TG_OP = 'DELETE' THEN
        owner := OLD.account_id;
    ELSIF TG_TABLE_NAME = 'filters' THEN
        owner := NEW.account_id;
    ELSIF TG_OP = 'DELETE' THEN
        SELECT account_id INTO owner FROM filters WHERE id = OLD.filter_id;
    ELSE
        SELECT account_id INTO owner FROM filters WHERE id = NEW.filter_id;
    END IF;
    IF owner IS NOT NULL THEN
        PERFORM pg_notify('village_stream', 'filters:' || owner || ':' || owner);
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER filters_stream AFTER INSERT OR UPDATE OR DELETE ON filters
    FOR EACH ROW EXECUTE FUNCTION stream_filters_changed();
CREATE TRIGGER filter_keywords_stream AFTER INSERT OR UPDATE OR DELETE ON filter_keywords
    FOR EACH ROW EXECUTE FUNCTION stream_filters_changed();
