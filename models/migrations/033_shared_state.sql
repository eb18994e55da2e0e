-- What several web and worker processes on one database must share
-- (issue 17): rate limits, per-host delivery slots, and word of changes to
-- what they keep in memory.
--
-- The first two tables are UNLOGGED: they change on every log-in failure,
-- post, inbox POST and delivery, and need no WAL. A crash of PostgreSQL
-- empties them, which forgives a few minutes of rate limits and frees the
-- delivery slots of POSTs that died with it anyway.

-- Sliding windows (web/ratelimit Limiter): each key's events in the
-- window, oldest first, at most the limit (more never changes a decision).
CREATE UNLOGGED TABLE rate_limit_events (
    name       text NOT NULL,        -- which limit: posts, login-account, ...
    key        text NOT NULL,        -- whose: an account id, an address
    events     timestamptz[] NOT NULL,
    refused    boolean NOT NULL DEFAULT false, -- the last take was refused
    expires_at timestamptz NOT NULL, -- the newest event leaves the window: the row is then as good as none
    PRIMARY KEY (name, key)
);
CREATE INDEX rate_limit_events_expires ON rate_limit_events (expires_at);

-- The newest keep of events later than since, oldest first.
CREATE FUNCTION village_rate_window(events timestamptz[], since timestamptz, keep integer)
    RETURNS timestamptz[] LANGUAGE sql IMMUTABLE AS $$
    SELECT coalesce(array_agg(e ORDER BY e), '{}')
    FROM (SELECT e FROM unnest(events) e WHERE e > since ORDER BY e DESC LIMIT keep) newest
$$;

-- Token buckets (web/ratelimit TokenBuckets): inbox POSTs per remote host.
CREATE UNLOGGED TABLE rate_limit_buckets (
    name       text NOT NULL,
    key        text NOT NULL,
    tokens     double precision NOT NULL, -- as of at
    at         timestamptz NOT NULL,
    granted    boolean NOT NULL,          -- the last take got a token
    expires_at timestamptz NOT NULL,      -- the bucket is full again: as good as no row
    PRIMARY KEY (name, key)
);
CREATE INDEX rate_limit_buckets_expires ON rate_limit_buckets (expires_at);

-- The tokens of a bucket last seen at at, refilled at rate a second up to
-- burst by now (a clock that went back refills nothing).
CREATE FUNCTION village_bucket_refill(tokens double precision, at timestamptz, now timestamptz,
    rate double precision, burst double precision)
    RETURNS double precision LANGUAGE sql IMMUTABLE AS $$
    SELECT least(burst, tokens + greatest(0, extract(epoch FROM now - at)) * rate)
$$;

-- Per-host delivery slots of every worker process (federation/delivery):
-- slot 1..n of a host is held by one POST at a time. A holder's lease
-- expires, so that the slots of a killed process come back.
CREATE UNLOGGED TABLE delivery_slots (
    host       text NOT NULL,
    slot       integer NOT NULL CHECK (slot > 0),
    holder     text,        -- NULL: free
    expires_at timestamptz, -- the holder's lease
    used_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (host, slot)
);

-- A local actor's document is kept in each web process's memory
-- (web/activitypub): whatever changes it, in any process or on the
-- command line, tells every process on the changes channel.
CREATE FUNCTION village_notify_actor_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('village_changes', 'actors');
    RETURN NULL;
END $$;

CREATE TRIGGER actors_local_changed AFTER UPDATE ON actors FOR EACH ROW
    WHEN (OLD.domain IS NULL AND (OLD.display_name, OLD.summary, OLD.url, OLD.icon_url, OLD.header_url, OLD.fields,
          OLD.bot, OLD.indexable, OLD.manually_approves_followers, OLD.discoverable, OLD.public_key_pem, OLD.featured_url)
          IS DISTINCT FROM (NEW.display_name, NEW.summary, NEW.url, NEW.icon_url, NEW.header_url, NEW.fields,
          NEW.bot, NEW.indexable, NEW.manually_approves_followers, NEW.discoverable, NEW.public_key_pem, NEW.featured_url))
    EXECUTE FUNCTION village_notify_actor_changed();
CREATE TRIGGER actors_local_deleted AFTER DELETE ON actors FOR EACH ROW
    WHEN (OLD.domain IS NULL)
    EXECUTE FUNCTION village_notify_actor_changed();
CREATE TRIGGER groups_changed AFTER UPDATE OR DELETE ON groups FOR EACH ROW
    EXECUTE FUNCTION village_notify_actor_changed();
CREATE TRIGGER accounts_suspension_changed AFTER UPDATE ON accounts FOR EACH ROW
    WHEN (OLD.suspended_at IS DISTINCT FROM NEW.suspended_at)
    EXECUTE FUNCTION village_notify_actor_changed();
