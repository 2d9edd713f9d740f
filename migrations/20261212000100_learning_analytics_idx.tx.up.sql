-- learning: the dashboards' aggregate reads (modules/learning/store_analytics.go).
-- Daily counts filter a time range on the raw column and group by its day:
-- the watch log by occurred_at (all users), grants by created_at, course
-- and topic completions by completed_at. Snapshots group by course (and
-- topic, or video): course progress by course (learners, who stopped where),
-- topic completions by course and topic, video progress by video.
CREATE INDEX learning_watch_events_occurred_at_idx ON learning_watch_events (occurred_at);
CREATE INDEX learning_enrollments_created_idx ON learning_enrollments (created_at);
CREATE INDEX learning_course_progress_completed_idx ON learning_course_progress (completed_at);
CREATE INDEX learning_course_progress_course_idx ON learning_course_progress (course_id, last_activity_at);
CREATE INDEX learning_topic_completions_completed_idx ON learning_topic_completions (completed_at);
CREATE INDEX learning_topic_completions_topic_idx ON learning_topic_completions (course_id, topic_id);
CREATE INDEX learning_video_progress_video_idx ON learning_video_progress (video_id);
