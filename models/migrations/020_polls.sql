-- Polls (ActivityStreams Question): a post may carry one. Options and their
-- counts are arrays in the post's order: a local poll's counts are recounted
-- from poll_votes on every vote, a remote one's are what its author last
-- said (Update{Question}), plus the votes cast from here since.
CREATE TABLE polls (
    post_id            bigint PRIMARY KEY REFERENCES posts (id) ON DELETE CASCADE,
    options            text[] NOT NULL CHECK (cardinality(options) BETWEEN 1 AND 20),
    counts             integer[] NOT NULL,
    multiple           boolean NOT NULL DEFAULT false,
    hide_totals        boolean NOT NULL DEFAULT false,
    expires_at         timestamptz,          -- NULL: open until its author closes it
    closed_at          timestamptz,          -- closed early by its (remote) author
    voters_count       integer,              -- NULL: a remote author that never said
    results_changed_at timestamptz,          -- local: votes not yet sent as Update{Question}
    results_sent_at    timestamptz,          -- local: the last Update{Question}
    closed_sent_at     timestamptz,          -- local: the final Update{Question} with closed
    ended_notified_at  timestamptz,          -- voters (and a local author) told it ended
    CHECK (cardinality(counts) = cardinality(options))
);
CREATE INDEX polls_open ON polls (expires_at) WHERE ended_notified_at IS NULL;

-- One row per voter and chosen option. uri is a remote vote's Note id
-- (a replay is known by it); local votes have none.
CREATE TABLE poll_votes (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    post_id    bigint NOT NULL REFERENCES polls (post_id) ON DELETE CASCADE,
    voter_id   bigint NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    choice     smallint NOT NULL,
    uri        text UNIQUE,
    created_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (post_id, voter_id, choice)
);
CREATE INDEX poll_votes_voter ON poll_votes (voter_id);

-- The notification people get when a poll they voted in, or wrote, ends
-- (Mastodon's "poll") is allowed by 019_event_notifications.sql.
