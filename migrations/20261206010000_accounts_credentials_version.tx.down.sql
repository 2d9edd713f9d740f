ALTER TABLE accounts_users DROP COLUMN credentials_version;
