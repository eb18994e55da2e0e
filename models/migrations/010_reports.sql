-- Reports: a local member's report of a person or of posts (web, client
-- API), or a remote server's Flag about our accounts, our posts, or posts in
-- our groups. A report with a group goes to that group's moderators; one
-- without, to the instance's moderators.
CREATE TABLE reports (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- A local account's actor, or the remote actor that sent the Flag
    -- (usually its server's instance actor). Reports outlive their reporter.
    reporter_id    bigint REFERENCES actors (id) ON DELETE SET NULL,
    target_id      bigint NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    group_id       bigint REFERENCES actors (id) ON DELETE CASCADE,
    comment        text NOT NULL DEFAULT '',
    category       text NOT NULL DEFAULT 'other' CHECK (category IN ('spam', 'legal', 'violation', 'other')),
    flag_uri       text UNIQUE, -- the remote Flag's id: a replay finds it
    forwarded      boolean NOT NULL DEFAULT false,
    state          text NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'resolved', 'dismissed')),
    actioned_by_id bigint REFERENCES actors (id) ON DELETE SET NULL,
    actioned_at    timestamptz,
    created_at     timestamptz NOT NULL DEFAULT now(),
    CHECK ((state = 'open') = (actioned_at IS NULL))
);
CREATE INDEX reports_queue ON reports (group_id, id) WHERE state = 'open';
CREATE INDEX reports_reporter ON reports (reporter_id, created_at);

-- The posts a report points at.
CREATE TABLE report_posts (
    report_id bigint NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
    post_id   bigint NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    PRIMARY KEY (report_id, post_id)
);
CREATE INDEX report_posts_post ON report_posts (post_id);

-- Moderators are told of a new report (Mastodon's "admin.report").
ALTER TABLE notifications DROP CONSTRAINT notifications_type_check;
ALTER TABLE notifications ADD CONSTRAINT notifications_type_check
    CHECK (type IN ('mention', 'favourite', 'follow', 'follow_request', 'reblog', 'update', 'admin.report'));
