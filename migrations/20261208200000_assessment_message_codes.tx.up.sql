-- assessment: a graded submission's message as its grader said it, a code
-- and its arguments (modules/assessment/locales/grader.*.toml), so that
-- pages and the API show it in the reader's language. message keeps the
-- English text; rows graded before have no code and show it as it is.
-- (Each test's code and arguments are in results.)
ALTER TABLE assessment_submissions ADD COLUMN message_code TEXT NOT NULL DEFAULT '';
ALTER TABLE assessment_submissions ADD COLUMN message_args {{.JSON}} NOT NULL DEFAULT '{}';
