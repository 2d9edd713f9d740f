-- accounts: the dashboards' numbers. Sign-ups per day filter on the raw
-- creation time (created_at >= ? AND created_at < ?); the snapshot counts
-- the accounts not deleted per role (deleted_at IS NULL, GROUP BY role).
CREATE INDEX accounts_users_created_idx ON accounts_users (created_at);
CREATE INDEX accounts_users_live_role_idx ON accounts_users (role) WHERE deleted_at IS NULL;
