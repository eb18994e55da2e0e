-- The inbox's backlog (issue 12): when every synchronous apply is busy, an
-- activity is stored here, answered 202, and applied a moment later by the
-- process's backlog runner, oldest first. The row is written before the
-- 202, so nothing accepted is lost on a crash; the runner claims it in the
-- transaction that applies it (FOR UPDATE SKIP LOCKED), so it is applied
-- once whichever process runs it. Adding columns with constant defaults
-- rewrites nothing.
ALTER TABLE inbox_activities
    ADD COLUMN pending     boolean NOT NULL DEFAULT false,
    -- the local group whose own inbox it arrived at ('' for any other):
    -- a Flag sent there is about the group (inbox/arrival.go)
    ADD COLUMN group_inbox text NOT NULL DEFAULT '',
    -- failed applies (our own errors, never a refusal); given up at 5
    ADD COLUMN attempts    integer NOT NULL DEFAULT 0;

CREATE INDEX inbox_activities_pending ON inbox_activities (attempts, id) WHERE pending;

-- How many tokens the last take of a bucket got: a process may take
-- several at once and spend them without a statement each
-- (web/ratelimit), where every inbox POST from one host updating its one
-- row made those POSTs wait for each other's row lock.
ALTER TABLE rate_limit_buckets ADD COLUMN taken integer NOT NULL DEFAULT 0;

-- Each actor's pending activities in order: a worker takes an actor's
-- oldest only (models.ClaimPendingInboxActivity).
CREATE INDEX inbox_activities_pending_actor ON inbox_activities (actor_id, id) WHERE pending;
