-- Help calendars kept from another Village (issue 16, point 5): a local
-- member whose place in a copy's slot goes (home no longer lists her
-- among its helpers, the group refused her Join, the slot went) is told,
-- with the calendar's name only.
ALTER TABLE notifications DROP CONSTRAINT notifications_type_check;
ALTER TABLE notifications ADD CONSTRAINT notifications_type_check
    CHECK (type IN ('mention', 'favourite', 'follow', 'follow_request', 'reblog', 'update', 'admin.report',
                    'poll', 'event_update', 'event_reminder', 'help_update', 'help_thanks', 'help_reminder',
                    'help_released'));
