-- Hashtags (issue 14): a post's hashtags are read from its tags, the
-- Mastodon way (case does not matter), through an index on that reading,
-- so no code that writes posts has to keep a second list in step.
CREATE FUNCTION post_hashtags(tags json) RETURNS text[]
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT coalesce(array_agg(DISTINCT lower(ltrim(t ->> 'name', '#'))), '{}')
    FROM json_array_elements(CASE WHEN json_typeof(tags) = 'array' THEN tags ELSE '[]'::json END) t
    WHERE json_typeof(t) = 'object' AND t ->> 'type' = 'Hashtag' AND ltrim(coalesce(t ->> 'name', ''), '#') <> ''
$$;
CREATE INDEX posts_hashtags ON posts USING gin (post_hashtags(tags)) WHERE deleted_at IS NULL;

-- Tags a member follows: their public posts join her home timeline.
CREATE TABLE followed_tags (
    actor_id   bigint NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    tag        text NOT NULL CHECK (tag = lower(tag) AND char_length(tag) BETWEEN 1 AND 100),
    created_at timestamptz NOT NULL DEFAULT now(),
    id         bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
    PRIMARY KEY (actor_id, tag)
);
