-- auth: one row per sign-in (a refresh-token family). Only the refresh token
-- whose jti is refresh_jti may be used; presenting an older one of the family
-- revokes the session (reuse detection). Access tokens carry the session id
-- and die with it.
CREATE TABLE auth_sessions (
    id            TEXT NOT NULL PRIMARY KEY,
    user_id       {{.BigInt}} NOT NULL REFERENCES accounts_users (id) ON DELETE CASCADE,
    refresh_jti   TEXT NOT NULL,
    generation    INTEGER NOT NULL DEFAULT 1,
    method        TEXT NOT NULL DEFAULT 'password',
    user_agent    TEXT NOT NULL DEFAULT '',
    ip            TEXT NOT NULL DEFAULT '',
    created_at    {{.Timestamp}} NOT NULL,
    last_used_at  {{.Timestamp}} NOT NULL,
    expires_at    {{.Timestamp}} NOT NULL,
    max_expires_at {{.Timestamp}} NOT NULL,
    revoked_at    {{.Timestamp}},
    revoke_reason TEXT NOT NULL DEFAULT ''
);
CREATE INDEX auth_sessions_user_idx ON auth_sessions (user_id, revoked_at);

-- auth: failed-login counters per key ("acct:<email>", "ip:<addr>") in a
-- fixed window, shared by every instance.
CREATE TABLE auth_throttle (
    key          TEXT NOT NULL PRIMARY KEY,
    failures     INTEGER NOT NULL,
    window_start {{.Timestamp}} NOT NULL
);
CREATE INDEX auth_throttle_window_idx ON auth_throttle (window_start);

-- auth: links to social-login identities (provider + subject), never by e-mail alone.
CREATE TABLE auth_identities (
    id            {{.PK}},
    user_id       {{.BigInt}} NOT NULL REFERENCES accounts_users (id) ON DELETE CASCADE,
    provider      TEXT NOT NULL,
    subject       TEXT NOT NULL,
    email         TEXT NOT NULL DEFAULT '',
    created_at    {{.Timestamp}} NOT NULL,
    last_login_at {{.Timestamp}} NOT NULL,
    UNIQUE (provider, subject)
);
CREATE INDEX auth_identities_user_idx ON auth_identities (user_id);
