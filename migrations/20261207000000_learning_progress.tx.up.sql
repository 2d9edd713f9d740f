-- learning: who may take which course (enrollments), what they watched (an
-- append-only event log and one progress row per user and video, updated
-- in the event's transaction), which topics they completed, and where they
-- are in each course.

-- An enrollment is one grant of access: a purchase (ref names the order), a
-- grant by an admin or the course's tutor, or a free course's enrollment.
-- Access holds while one live row covers now; a refund revokes its
-- purchase's row only, so a manual grant survives it. Revoked and expired
-- rows stay: history and certificates do not depend on access.
CREATE TABLE learning_enrollments (
    id            {{.PK}},
    user_id       {{.BigInt}} NOT NULL REFERENCES accounts_users (id),
    course_id     {{.BigInt}} NOT NULL REFERENCES catalog_courses (id),
    source        TEXT NOT NULL CHECK (source IN ('purchase', 'grant', 'free')),
    ref           TEXT NOT NULL DEFAULT '',
    reason        TEXT NOT NULL DEFAULT '',
    granted_by    {{.BigInt}} REFERENCES accounts_users (id),
    starts_at     {{.Timestamp}} NOT NULL,
    expires_at    {{.Timestamp}},
    revoked_at    {{.Timestamp}},
    revoked_by    {{.BigInt}} REFERENCES accounts_users (id),
    revoke_reason TEXT NOT NULL DEFAULT '',
    created_at    {{.Timestamp}} NOT NULL,
    updated_at    {{.Timestamp}} NOT NULL
);
CREATE UNIQUE INDEX learning_enrollments_key_idx ON learning_enrollments (user_id, course_id, source, ref);
CREATE INDEX learning_enrollments_course_idx ON learning_enrollments (course_id, created_at);

-- The watch log: raw events as players sent them, positions in
-- milliseconds, occurred_at on the server's clock (a buffered batch's
-- client times only space its events). counted_ms is the watching time the
-- event added. No foreign keys: this is the hottest write path, and users
-- and videos are deleted softly.
CREATE TABLE learning_watch_events (
    id            {{.PK}},
    user_id       {{.BigInt}} NOT NULL,
    video_id      {{.BigInt}} NOT NULL,
    event_type    TEXT NOT NULL,
    position_ms   {{.BigInt}} NOT NULL,
    duration_ms   {{.BigInt}},
    rate_milli    INTEGER NOT NULL DEFAULT 1000,
    client_time   {{.Timestamp}},
    occurred_at   {{.Timestamp}} NOT NULL,
    counted_ms    {{.BigInt}} NOT NULL DEFAULT 0
);
CREATE INDEX learning_watch_events_user_video_idx ON learning_watch_events (user_id, video_id, id);
CREATE INDEX learning_watch_events_occurred_idx ON learning_watch_events (user_id, occurred_at);

-- Progress per user and video, folded from the events as they arrive:
-- intervals are the unique watched stretches [start_ms, end_ms], merged.
CREATE TABLE learning_video_progress (
    user_id         {{.BigInt}} NOT NULL,
    video_id        {{.BigInt}} NOT NULL,
    duration_ms     {{.BigInt}} NOT NULL,
    position_ms     {{.BigInt}} NOT NULL DEFAULT 0,
    watched_ms      {{.BigInt}} NOT NULL DEFAULT 0,
    learning_ms     {{.BigInt}} NOT NULL DEFAULT 0,
    intervals       {{.JSON}} NOT NULL,
    playing         {{.Bool}} NOT NULL DEFAULT FALSE,
    rate_milli      INTEGER NOT NULL DEFAULT 1000,
    last_event_at   {{.Timestamp}},
    last_watched_at {{.Timestamp}},
    completed_at    {{.Timestamp}},
    events          {{.BigInt}} NOT NULL DEFAULT 0,
    created_at      {{.Timestamp}} NOT NULL,
    updated_at      {{.Timestamp}} NOT NULL,
    PRIMARY KEY (user_id, video_id)
);
CREATE INDEX learning_video_progress_recent_idx ON learning_video_progress (user_id, last_watched_at);

-- Completed topics: a video watched, an article read, a mission passed.
CREATE TABLE learning_topic_completions (
    user_id      {{.BigInt}} NOT NULL,
    topic_id     {{.BigInt}} NOT NULL,
    course_id    {{.BigInt}} NOT NULL,
    source       TEXT NOT NULL CHECK (source IN ('video', 'read', 'assessment', 'grant')),
    completed_at {{.Timestamp}} NOT NULL,
    PRIMARY KEY (user_id, topic_id)
);
CREATE INDEX learning_topic_completions_course_idx ON learning_topic_completions (user_id, course_id);

-- Where a learner is in a course: the last topic opened ("continue where I
-- left off"), and when the course was completed.
CREATE TABLE learning_course_progress (
    user_id          {{.BigInt}} NOT NULL,
    course_id        {{.BigInt}} NOT NULL,
    last_topic_id    {{.BigInt}},
    started_at       {{.Timestamp}} NOT NULL,
    last_activity_at {{.Timestamp}} NOT NULL,
    completed_at     {{.Timestamp}},
    PRIMARY KEY (user_id, course_id)
);
CREATE INDEX learning_course_progress_recent_idx ON learning_course_progress (user_id, last_activity_at);
