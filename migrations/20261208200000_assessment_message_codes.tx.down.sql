ALTER TABLE assessment_submissions DROP COLUMN message_args;
ALTER TABLE assessment_submissions DROP COLUMN message_code;
