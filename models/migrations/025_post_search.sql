-- Full-text search of posts (issue 14): words of a post's title, content
-- warning and text (its HTML tags taken out), language-neutral ('simple':
-- parents write in many languages), matched by prefix, through an index
-- on that reading, so no code that writes posts keeps a second copy.
CREATE FUNCTION post_search_vector(name text, summary text, content text) RETURNS tsvector
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT to_tsvector('simple'::regconfig,
        coalesce(name, '') || ' ' || coalesce(summary, '') || ' ' || regexp_replace(coalesce(content, ''), '<[^>]*>', ' ', 'g'))
$$;
CREATE INDEX posts_search ON posts USING gin (post_search_vector(name, summary, content)) WHERE deleted_at IS NULL;
CREATE INDEX posts_url ON posts (url) WHERE url <> '';
