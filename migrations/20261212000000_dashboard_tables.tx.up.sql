-- dashboard: who is on the platform (presence: the last time each signed-in
-- user was seen, written at most once a minute per user and instance; the
-- days each user was active, for daily and monthly active users), and the
-- numbers the rollup job gathers from every module (rollup.Source) so that
-- a dashboard reads a few hundred stored points instead of scanning the
-- modules' tables.

CREATE TABLE dashboard_presence (
    user_id {{.BigInt}} PRIMARY KEY,
    seen_at {{.Timestamp}} NOT NULL
);
CREATE INDEX dashboard_presence_seen_idx ON dashboard_presence (seen_at);

-- day is the calendar day in the dashboards' time zone ("2026-12-07").
CREATE TABLE dashboard_active_days (
    day     TEXT NOT NULL,
    user_id {{.BigInt}} NOT NULL,
    PRIMARY KEY (day, user_id)
);

-- A number: metric ("learning.enrollments") on a day ('' for the state
-- now), for a course (0: the platform) and an item in it (a topic; 0).
CREATE TABLE dashboard_points (
    metric    TEXT NOT NULL,
    day       TEXT NOT NULL,
    course_id {{.BigInt}} NOT NULL,
    item_id   {{.BigInt}} NOT NULL,
    value     {{.BigInt}} NOT NULL,
    PRIMARY KEY (day, metric, course_id, item_id)
);

-- The rollup's progress: the first day it gathered and when it last ran.
CREATE TABLE dashboard_rollups (
    name      TEXT NOT NULL PRIMARY KEY,
    first_day TEXT NOT NULL,
    ran_at    {{.Timestamp}} NOT NULL
);
