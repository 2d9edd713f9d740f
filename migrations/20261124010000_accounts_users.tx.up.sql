-- accounts: users. E-mail and nickname are unique ignoring case through their
-- *_key columns (lower-cased by the application). The phone number is
-- encrypted (AES-256-GCM, see platform/crypto); the password hash is argon2id
-- and NULL for accounts that only sign in through a social provider.
CREATE TABLE accounts_users (
    id                  {{.PK}},
    email               TEXT NOT NULL,
    email_key           TEXT NOT NULL UNIQUE,
    nickname            TEXT NOT NULL,
    nickname_key        TEXT NOT NULL UNIQUE,
    password_hash       TEXT,
    role                TEXT NOT NULL DEFAULT 'student' CHECK (role IN ('student', 'tutor', 'admin')),
    phone_enc           TEXT,
    introduction        TEXT NOT NULL DEFAULT '',
    profile_image_id    {{.BigInt}},
    is_active           {{.Bool}} NOT NULL DEFAULT TRUE,
    email_verified      {{.Bool}} NOT NULL DEFAULT FALSE,
    password_changed_at {{.Timestamp}},
    last_login_at       {{.Timestamp}},
    deactivated_at      {{.Timestamp}},
    deleted_at          {{.Timestamp}},
    created_at          {{.Timestamp}} NOT NULL,
    updated_at          {{.Timestamp}} NOT NULL
);
CREATE INDEX accounts_users_role_idx ON accounts_users (role, is_active, created_at);
{{.TextSearch "accounts_users" "email" "nickname"}}

-- accounts: password-reset tokens, stored as SHA-256 hashes, single use.
CREATE TABLE accounts_password_resets (
    id         {{.PK}},
    user_id    {{.BigInt}} NOT NULL REFERENCES accounts_users (id) ON DELETE CASCADE,
    token_hash TEXT NOT NULL UNIQUE,
    ip         TEXT NOT NULL DEFAULT '',
    created_at {{.Timestamp}} NOT NULL,
    expires_at {{.Timestamp}} NOT NULL,
    used_at    {{.Timestamp}}
);
CREATE INDEX accounts_password_resets_user_idx ON accounts_password_resets (user_id, created_at);
