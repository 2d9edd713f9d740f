DROP TABLE assessment_standings;
DROP TABLE assessment_submissions;
DROP TABLE assessment_quiz_attempts;
