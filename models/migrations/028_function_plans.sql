-- Issue 12: the inbox asks these once per notification (is the sender's
-- server silenced? is the thread muted?). PostgreSQL cannot inline SQL
-- functions like them, so it planned their bodies again on every call
-- (about 0.3 ms for thread_root's recursive query, more than the insert
-- itself); a PL/pgSQL function is planned once per connection. Same
-- answers as before.
CREATE OR REPLACE FUNCTION thread_root(post bigint) RETURNS bigint LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN (WITH RECURSIVE up(id, parent, depth) AS (
        SELECT p.id, p.in_reply_to_id, 0 FROM posts p WHERE p.id = post
        UNION ALL
        SELECT p.id, p.in_reply_to_id, up.depth + 1 FROM posts p JOIN up ON p.id = up.parent WHERE up.depth < 40)
    SELECT up.id FROM up ORDER BY up.depth DESC LIMIT 1);
END
$$;

CREATE OR REPLACE FUNCTION blocked_domain_severity(d text) RETURNS text LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN (SELECT b.severity FROM domain_blocks b
        WHERE d IS NOT NULL AND (
            lower(d) = b.domain
            OR regexp_replace(lower(d), ':[0-9]+$', '') = b.domain
            OR right(regexp_replace(lower(d), ':[0-9]+$', ''), length(b.domain) + 1) = '.' || b.domain)
        ORDER BY b.severity = 'suspend' DESC
        LIMIT 1);
END
$$;
