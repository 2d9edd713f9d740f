-- A quiz may cap how many times a learner takes it (0: no cap), and a
-- question may have several correct choices: it is then flagged, so
-- learners are told to choose every correct one.
ALTER TABLE catalog_topics ADD COLUMN max_attempts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE catalog_questions ADD COLUMN multiple {{.Bool}} NOT NULL DEFAULT FALSE;
