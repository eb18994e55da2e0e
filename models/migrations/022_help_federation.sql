-- Help calendars across servers (issue 16, point 5).
-- At home, a claim may come from another server: by a Join (join_uri,
-- answered with Accept or Reject) or a vote in the sign-up poll.
-- Another Village keeps a copy of a calendar its members were sent
-- (uri set: the home server's id), its slots (uri: the slot's id there,
-- remote_taken: the places taken as home counts them) and its own
-- members' claims (pending until home accepts the Join).
ALTER TABLE help_calendars ADD COLUMN uri text UNIQUE;
ALTER TABLE help_slots ADD COLUMN uri text;
ALTER TABLE help_slots ADD COLUMN remote_taken integer CHECK (remote_taken >= 0);
CREATE UNIQUE INDEX help_slots_uri ON help_slots (calendar_id, uri) WHERE uri IS NOT NULL;
ALTER TABLE help_claims ADD COLUMN join_uri text;
ALTER TABLE help_claims ADD COLUMN pending boolean NOT NULL DEFAULT false;
CREATE INDEX help_claims_join ON help_claims (join_uri) WHERE join_uri IS NOT NULL;
