-- Instance moderation: domain blocks, and people's blocks and mutes.

-- A blocked domain, and its subdomains: "suspend" refuses everything from
-- it and sends nothing to it; "silence" keeps its posts off public pages
-- and timelines (people here who follow its actors still see them).
CREATE TABLE domain_blocks (
    domain     text PRIMARY KEY CHECK (domain <> '' AND domain = lower(domain)),
    severity   text NOT NULL CHECK (severity IN ('suspend', 'silence')),
    reason     text NOT NULL DEFAULT '',
    created_by bigint REFERENCES actors (id) ON DELETE SET NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);

-- blocked_domain_severity is the block that covers an actor's domain
-- (host[:port]): the domain itself, its host without the port, or a parent
-- domain; "suspend" wins over "silence"; NULL when none.
CREATE FUNCTION blocked_domain_severity(d text) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT b.severity FROM domain_blocks b
    WHERE d IS NOT NULL AND (
        lower(d) = b.domain
        OR regexp_replace(lower(d), ':[0-9]+$', '') = b.domain
        OR right(regexp_replace(lower(d), ':[0-9]+$', ''), length(b.domain) + 1) = '.' || b.domain)
    ORDER BY b.severity = 'suspend' DESC
    LIMIT 1
$$;

-- One actor blocks another: a local person's block of anyone (sent as
-- Block), or a remote person's Block of someone here (recorded so that the
-- person here cannot follow them again).
CREATE TABLE blocks (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    blocker_id bigint NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    blocked_id bigint NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    uri        text NOT NULL UNIQUE, -- the Block activity's id
    created_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (blocker_id, blocked_id),
    CHECK (blocker_id <> blocked_id)
);
CREATE INDEX blocks_blocked ON blocks (blocked_id);

-- A local person mutes someone: never federated, only hides.
CREATE TABLE mutes (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    muter_id   bigint NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    muted_id   bigint NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (muter_id, muted_id),
    CHECK (muter_id <> muted_id)
);
