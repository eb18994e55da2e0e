-- Lists (issue 14): a member's own reading lists of accounts she follows,
-- as Mastodon has them; an exclusive list's members leave her home
-- timeline and are read in the list only.
CREATE TABLE lists (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    owner_id       bigint NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    title          text NOT NULL CHECK (char_length(title) BETWEEN 1 AND 100),
    replies_policy text NOT NULL DEFAULT 'list' CHECK (replies_policy IN ('followed', 'list', 'none')),
    exclusive      boolean NOT NULL DEFAULT false,
    created_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX lists_owner ON lists (owner_id, id);

CREATE TABLE list_members (
    list_id  bigint NOT NULL REFERENCES lists (id) ON DELETE CASCADE,
    actor_id bigint NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    added_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (list_id, actor_id)
);
CREATE INDEX list_members_actor ON list_members (actor_id);
