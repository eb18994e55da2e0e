-- Speaking safely: what a group asks of posts about hard topics, whether it
-- takes anonymous posts, and each member's keyword filters (Mastodon's
-- filters API v2).

-- A group's speaking settings, apart from the groups row that other
-- settings change. sensitive_topics: one topic a line, "name: kw, kw".
CREATE TABLE group_speaking (
    group_id         bigint PRIMARY KEY REFERENCES actors (id) ON DELETE CASCADE,
    sensitive_topics text NOT NULL DEFAULT '',
    allow_anonymous  boolean NOT NULL DEFAULT false
);

-- A member's filter: what to do (warn or hide) with posts that say one of
-- its keywords, in which contexts, until when.
CREATE TABLE filters (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id bigint NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    title      text NOT NULL CHECK (title <> ''),
    contexts   text[] NOT NULL,
    action     text NOT NULL DEFAULT 'warn' CHECK (action IN ('warn', 'hide')),
    expires_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX filters_account ON filters (account_id, id);

CREATE TABLE filter_keywords (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    filter_id  bigint NOT NULL REFERENCES filters (id) ON DELETE CASCADE,
    keyword    text NOT NULL CHECK (keyword <> ''),
    whole_word boolean NOT NULL DEFAULT true
);
CREATE INDEX filter_keywords_filter ON filter_keywords (filter_id, id);
