-- Moderating a group of another server from here (a local person listed in
-- that group's moderators collection).

-- What this server last read in a remote group's moderators collection
-- about its local people: a row means she moderates it; checked_at says
-- how fresh that is (the web app reads the collection again when stale).
CREATE TABLE remote_group_moderators (
    group_id   bigint NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    actor_id   bigint NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    checked_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (group_id, actor_id)
);
CREATE INDEX remote_group_moderators_actor ON remote_group_moderators (actor_id);

-- A request to join a remote members-only group, which the group sent its
-- moderators here (Announce{Follow}); decided_at is set once one of them
-- answered from here.
CREATE TABLE remote_join_requests (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    group_id     bigint NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    requester_id bigint NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    follow_uri   text NOT NULL,
    answers      text NOT NULL DEFAULT '',
    received_at  timestamptz NOT NULL DEFAULT now(),
    decided_at   timestamptz,
    accepted     boolean,
    UNIQUE (group_id, follow_uri)
);
