-- accounts: what admins did to accounts (created, role changed,
-- deactivated, reactivated, deleted, password reset sent): who, to whom,
-- when, from which address. Rows are only ever appended.
CREATE TABLE accounts_audit (
    id         {{.PK}},
    actor_id   {{.BigInt}},
    action     TEXT NOT NULL,
    target_id  {{.BigInt}},
    detail     TEXT NOT NULL DEFAULT '',
    ip         TEXT NOT NULL DEFAULT '',
    created_at {{.Timestamp}} NOT NULL
);
CREATE INDEX accounts_audit_recent_idx ON accounts_audit (id);
CREATE INDEX accounts_audit_target_idx ON accounts_audit (target_id, id);
