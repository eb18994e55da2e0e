-- A group's share is queued as one fan-out job, expanded into one delivery
-- per follower inbox by the worker, in batches (issue 12): the inbox's 202
-- then no longer waits for 10,000 job rows. Each batch of deliveries is
-- inserted in the same transaction that moves the fan-out's cursor, so a
-- process killed mid-expansion resumes after the last inbox queued: no
-- delivery lost, none doubled. The row stays once done, so that a fan-out
-- job run again (River's rescue of a killed process) queues nothing twice.
CREATE TABLE delivery_fanouts (
    activity_id bigint PRIMARY KEY REFERENCES activities (id) ON DELETE CASCADE,
    after_inbox text NOT NULL DEFAULT '',
    done        boolean NOT NULL DEFAULT false
);
