-- Search and profiles (issue 14). indexable is Mastodon's opt-in to
-- full-text search: a person's public posts are found by strangers only
-- when she says so (local accounts: the settings page and
-- update_credentials; remote ones: their actor document). Off by default,
-- as on Mastodon: parents did not sign up to be searchable.
ALTER TABLE actors ADD COLUMN indexable boolean NOT NULL DEFAULT false;

-- Hashtags a person shows on her profile (Mastodon's featured tags).
CREATE TABLE featured_tags (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    actor_id   bigint NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    tag        text NOT NULL CHECK (tag = lower(tag) AND char_length(tag) BETWEEN 1 AND 100),
    name       text NOT NULL CHECK (lower(name) = tag), -- as she wrote it
    created_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (actor_id, tag)
);
