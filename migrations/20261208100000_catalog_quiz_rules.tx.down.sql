ALTER TABLE catalog_questions DROP COLUMN multiple;
ALTER TABLE catalog_topics DROP COLUMN max_attempts;
