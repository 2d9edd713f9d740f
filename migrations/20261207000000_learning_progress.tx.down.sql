DROP TABLE learning_course_progress;
DROP TABLE learning_topic_completions;
DROP TABLE learning_video_progress;
DROP TABLE learning_watch_events;
DROP TABLE learning_enrollments;
