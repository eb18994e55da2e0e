-- Help calendars (issue 16): a group carries someone through a hard time
-- with dated slots (meals, rides, childcare, ...) that members claim. All
-- of it stays with the group's members; the address and the practical
-- notes only with organizers, the recipient and people who claimed a slot.
-- Nothing here is sent on the wire yet: each calendar, slot and claim has
-- a stable id, so that {base}/help/{id}/slots/{slot} can name it later.
CREATE TABLE help_calendars (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    group_id        bigint NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    opened_by       bigint NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    -- Who it is for: a member (recipient_id), or a person named in words.
    recipient_id    bigint REFERENCES actors (id) ON DELETE SET NULL,
    recipient_name  text NOT NULL DEFAULT '' CHECK (char_length(recipient_name) <= 100),
    title           text NOT NULL CHECK (char_length(title) BETWEEN 1 AND 200),
    -- Sanitized HTML, as a post's content.
    story           text NOT NULL DEFAULT '',
    kind            text NOT NULL CHECK (kind IN ('meals', 'rides', 'childcare', 'errands', 'visits', 'card', 'fund', 'other')),
    starts_on       date NOT NULL,
    ends_on         date NOT NULL,
    -- The IANA zone its days and times are in.
    time_zone       text NOT NULL DEFAULT 'UTC',
    -- Private: organizers, the recipient and claimers only.
    notes           text NOT NULL DEFAULT '' CHECK (char_length(notes) <= 2000),
    drop_off        text NOT NULL DEFAULT '' CHECK (char_length(drop_off) <= 200),
    no_visits       boolean NOT NULL DEFAULT false,
    address         text NOT NULL DEFAULT '' CHECK (char_length(address) <= 500),
    -- A fund: Village never moves money, it links the fundraiser.
    fund_url        text NOT NULL DEFAULT '' CHECK (char_length(fund_url) <= 500),
    fund_note       text NOT NULL DEFAULT '' CHECK (char_length(fund_note) <= 1000),
    status          text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'paused', 'closed')),
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    CHECK (ends_on >= starts_on)
);
CREATE INDEX help_calendars_group ON help_calendars (group_id, status);

CREATE TABLE help_organizers (
    calendar_id bigint NOT NULL REFERENCES help_calendars (id) ON DELETE CASCADE,
    actor_id    bigint NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    PRIMARY KEY (calendar_id, actor_id)
);
CREATE INDEX help_organizers_actor ON help_organizers (actor_id);

-- A slot is a day's need: "dinner", "school pick-up" at 15:00, for places people.
CREATE TABLE help_slots (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    calendar_id bigint NOT NULL REFERENCES help_calendars (id) ON DELETE CASCADE,
    day         date NOT NULL,
    label       text NOT NULL CHECK (char_length(label) BETWEEN 1 AND 100),
    at_time     time,
    places      integer NOT NULL CHECK (places BETWEEN 1 AND 20),
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX help_slots_calendar ON help_slots (calendar_id, day, at_time);

-- A claim takes one place of a slot: a member's (actor_id), or one an
-- organizer filled for someone not on Village (actor_id NULL, name).
CREATE TABLE help_claims (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    slot_id     bigint NOT NULL REFERENCES help_slots (id) ON DELETE CASCADE,
    actor_id    bigint REFERENCES actors (id) ON DELETE CASCADE,
    name        text NOT NULL DEFAULT '' CHECK (char_length(name) <= 100),
    bringing    text NOT NULL DEFAULT '' CHECK (char_length(bringing) <= 300),
    filled_by   bigint REFERENCES actors (id) ON DELETE SET NULL,
    -- When the day-before reminder went out.
    reminded_at timestamptz,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (slot_id, actor_id),
    CHECK (actor_id IS NOT NULL OR name <> '')
);
CREATE INDEX help_claims_actor ON help_claims (actor_id);

-- Updates from organizers and the recipient, helpers' notes of support,
-- and the recipient's thanks.
CREATE TABLE help_updates (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    calendar_id bigint NOT NULL REFERENCES help_calendars (id) ON DELETE CASCADE,
    author_id   bigint NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    kind        text NOT NULL CHECK (kind IN ('update', 'support', 'thanks')),
    body        text NOT NULL CHECK (char_length(body) BETWEEN 1 AND 2000),
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX help_updates_calendar ON help_updates (calendar_id, id DESC);

-- Helpers are told of updates (help_update), thanked (help_thanks) and
-- reminded the day before their slot (help_reminder); the notice names
-- the calendar, never its address.
ALTER TABLE notifications ADD COLUMN help_calendar_id bigint REFERENCES help_calendars (id) ON DELETE CASCADE;
ALTER TABLE notifications DROP CONSTRAINT notifications_recipient_id_type_from_id_post_id_group_id_key;
ALTER TABLE notifications ADD CONSTRAINT notifications_once
    UNIQUE NULLS NOT DISTINCT (recipient_id, type, from_id, post_id, group_id, help_calendar_id);
ALTER TABLE notifications DROP CONSTRAINT notifications_type_check;
ALTER TABLE notifications ADD CONSTRAINT notifications_type_check
    CHECK (type IN ('mention', 'favourite', 'follow', 'follow_request', 'reblog', 'update', 'admin.report',
                    'poll', 'event_update', 'event_reminder', 'help_update', 'help_thanks', 'help_reminder'));
