-- accounts: a counter bumped with every password change, reset or removal.
-- Sessions record the value they were signed in with (auth_sessions), and
-- die when it differs: a sign-in that checked the old password while a
-- change was committing cannot keep its session. Existing rows and existing
-- sessions both start at 0, so nobody is signed out by the upgrade.
ALTER TABLE accounts_users ADD COLUMN credentials_version {{.BigInt}} NOT NULL DEFAULT 0;
