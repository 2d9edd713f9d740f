-- assessment: the dashboards' aggregate reads (modules/assessment/store_analytics.go).
-- Daily counts filter a time range on the raw column and group by its day:
-- quiz attempts by created_at (graded when stored), code submissions by
-- graded_at. The snapshot groups the standings by course and mission topic.
CREATE INDEX assessment_quiz_attempts_created_idx ON assessment_quiz_attempts (created_at);
CREATE INDEX assessment_submissions_graded_idx ON assessment_submissions (graded_at);
CREATE INDEX assessment_standings_course_topic_idx ON assessment_standings (course_id, topic_id);
