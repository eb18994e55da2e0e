-- Meetups tell people going of changes (event_update) and remind them the
-- day before (event_reminder). 'poll' is listed too, so that this list
-- stays whole whichever of the meetup and poll migrations runs last.
ALTER TABLE notifications DROP CONSTRAINT notifications_type_check;
ALTER TABLE notifications ADD CONSTRAINT notifications_type_check
    CHECK (type IN ('mention', 'favourite', 'follow', 'follow_request', 'reblog', 'update', 'admin.report',
                    'poll', 'event_update', 'event_reminder'));
