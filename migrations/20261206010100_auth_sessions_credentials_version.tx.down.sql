ALTER TABLE auth_sessions DROP COLUMN credentials_version;
