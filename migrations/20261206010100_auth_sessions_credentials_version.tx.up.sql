-- auth: the account's credentials version a session was signed in with
-- (accounts_users.credentials_version); Authenticate and Refresh refuse a
-- session whose account has changed its password since.
ALTER TABLE auth_sessions ADD COLUMN credentials_version {{.BigInt}} NOT NULL DEFAULT 0;
