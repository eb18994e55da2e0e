-- Photos (issue 13): what local people upload, decoded and re-encoded so
-- that no metadata survives. A row owns two files in the media store (the
-- picture, at most media.PhotoSide on its longer side, and its preview);
-- originals are never kept. An upload is unattached (post_id NULL) until a
-- post takes it; unattached uploads, and those of deleted posts, are
-- removed by the periodic cleanup (web/media). The post keeps a copy of
-- what it shows (posts.attachments), so that pages and Notes need no join.
CREATE TABLE media (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    owner_id       bigint NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    post_id        bigint REFERENCES posts (id) ON DELETE SET NULL,
    position       smallint NOT NULL DEFAULT 0,
    -- Storage keys, "photos/<64 hex>.jpg": long random names, the
    -- capability that lets members' servers fetch a members-only photo.
    file_key       text NOT NULL UNIQUE,
    preview_key    text NOT NULL UNIQUE,
    content_type   text NOT NULL CHECK (content_type IN ('image/jpeg', 'image/png')),
    width          integer NOT NULL CHECK (width > 0),
    height         integer NOT NULL CHECK (height > 0),
    file_size      bigint NOT NULL CHECK (file_size > 0),
    preview_width  integer NOT NULL CHECK (preview_width > 0),
    preview_height integer NOT NULL CHECK (preview_height > 0),
    blurhash       text NOT NULL,
    description    text NOT NULL DEFAULT '',
    focus_x        real NOT NULL DEFAULT 0 CHECK (focus_x BETWEEN -1 AND 1),
    focus_y        real NOT NULL DEFAULT 0 CHECK (focus_y BETWEEN -1 AND 1),
    created_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX media_unattached ON media (created_at) WHERE post_id IS NULL;
CREATE INDEX media_post ON media (post_id) WHERE post_id IS NOT NULL;

-- Profiles (issue 13): a header picture, up to four fields (name and
-- value: plain text for local people, sanitized HTML from elsewhere), and
-- the bot flag Mastodon shows.
ALTER TABLE actors
    ADD COLUMN header_url text,
    ADD COLUMN fields jsonb NOT NULL DEFAULT '[]',
    ADD COLUMN bot boolean NOT NULL DEFAULT false;

-- What a person's new posts start with when an app does not say
-- (Mastodon's source[privacy], source[sensitive], source[language]).
CREATE TABLE account_preferences (
    account_id         bigint PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
    default_visibility text NOT NULL DEFAULT 'public' CHECK (default_visibility IN ('public', 'unlisted', 'private')),
    default_sensitive  boolean NOT NULL DEFAULT false,
    default_language   text NOT NULL DEFAULT ''
);
