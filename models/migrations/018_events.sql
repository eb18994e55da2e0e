-- Meetups (issue 15). A meetup is a post of type 'Event' (its title in
-- posts.name, its description in posts.content, its group in
-- posts.group_id), so that threads, boosts, deletion and the group's
-- redistribution treat it like any post; this row holds what a calendar
-- needs. Events of remote groups and of Mobilizon instances are stored the
-- same way, with the counts their server announces.
CREATE TABLE events (
    post_id            bigint PRIMARY KEY REFERENCES posts (id) ON DELETE CASCADE,
    starts_at          timestamptz NOT NULL,
    ends_at            timestamptz,
    -- The place's IANA time zone ("Europe/Berlin"): times are shown, and
    -- calendars written, in it whatever the reader's zone.
    time_zone          text NOT NULL DEFAULT 'UTC',
    place_name         text NOT NULL DEFAULT '',
    street_address     text NOT NULL DEFAULT '',
    locality           text NOT NULL DEFAULT '',
    postal_code        text NOT NULL DEFAULT '',
    region             text NOT NULL DEFAULT '',
    country            text NOT NULL DEFAULT '',
    latitude           double precision CHECK (latitude BETWEEN -90 AND 90),
    longitude          double precision CHECK (longitude BETWEEN -180 AND 180),
    -- The street address (and coordinates) are shown only to people going.
    address_for_going  boolean NOT NULL DEFAULT false,
    -- NULL: no limit.
    capacity           integer CHECK (capacity > 0),
    -- Mobilizon's joinMode: free (anyone may come), restricted (the
    -- organizer or a moderator approves each), invite.
    join_mode          text NOT NULL DEFAULT 'free' CHECK (join_mode IN ('free', 'restricted', 'invite')),
    status             text NOT NULL DEFAULT 'CONFIRMED' CHECK (status IN ('CONFIRMED', 'TENTATIVE', 'CANCELLED')),
    -- iCalendar SEQUENCE: bumped on every change a calendar should see.
    sequence           integer NOT NULL DEFAULT 0,
    -- A remote event's counts, as its server announces them (NULL: not said).
    remote_participants integer CHECK (remote_participants >= 0),
    remote_remaining    integer CHECK (remote_remaining >= 0),
    -- When the day-before reminders went out.
    reminded_at        timestamptz,
    updated_at         timestamptz NOT NULL DEFAULT now(),
    CHECK (ends_at IS NULL OR ends_at >= starts_at)
);
CREATE INDEX events_starts ON events (starts_at);

-- Who answers a meetup, local or remote: going, maybe, not going, waiting
-- for a place (waitlist), or waiting for the organizer (pending). One row
-- per person and meetup; a change of mind updates it. since orders the
-- waitlist: the first to wait is the first promoted.
CREATE TABLE event_rsvps (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    event_id    bigint NOT NULL REFERENCES events (post_id) ON DELETE CASCADE,
    actor_id    bigint NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    status      text NOT NULL CHECK (status IN ('going', 'maybe', 'not_going', 'waitlist', 'pending')),
    -- How they answered, which decides how they are answered: 'local'
    -- (web or API here), 'join' (Mobilizon's Join: Accept or Reject of it),
    -- 'accept' (Friendica's and Gathio's Accept/TentativeAccept/Reject of
    -- the event), 'poll' (a vote in the group's RSVP poll: a direct note).
    via         text NOT NULL DEFAULT 'local' CHECK (via IN ('local', 'join', 'accept', 'poll')),
    -- The activity that made it (a Join, an Accept, a vote's Note), or
    -- for a local member's RSVP to a remote event, the one we sent.
    activity_uri text UNIQUE,
    message     text NOT NULL DEFAULT '',
    since       timestamptz NOT NULL DEFAULT now(),
    created_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (event_id, actor_id)
);
CREATE INDEX event_rsvps_actor ON event_rsvps (actor_id);
CREATE INDEX event_rsvps_waiting ON event_rsvps (event_id, since) WHERE status = 'waitlist';

-- A member's personal calendar feed lives at a secret URL; resetting it
-- replaces the token, and the old URL stops working.
CREATE TABLE calendar_tokens (
    actor_id   bigint PRIMARY KEY REFERENCES actors (id) ON DELETE CASCADE,
    token      text NOT NULL UNIQUE,
    created_at timestamptz NOT NULL DEFAULT now()
);
