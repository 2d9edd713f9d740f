-- media: resumable (tus) uploads, shared by every instance.
--
-- media_tus_uploads remembers what a finished upload became for tusExpiry
-- (24 h), so HEAD and GET /api/videos/tus/{id}/video can answer a client
-- whose final PATCH response was lost, on any instance and after a restart.
-- Exactly one of video_id and error_kind is set: the video it became, or the
-- apperr error (kind, code, message id, template data and field errors as
-- JSON) that refused it, rebuilt into the same problem document.
CREATE TABLE media_tus_uploads (
    upload_id  TEXT NOT NULL PRIMARY KEY,
    owner_id   {{.BigInt}} NOT NULL REFERENCES accounts_users (id) ON DELETE CASCADE,
    size       {{.BigInt}} NOT NULL,
    video_id   {{.BigInt}},
    error_kind TEXT NOT NULL DEFAULT '',
    error_code TEXT NOT NULL DEFAULT '',
    error_msg  TEXT NOT NULL DEFAULT '',
    error_data {{.JSON}},
    created_at {{.Timestamp}} NOT NULL,
    CHECK ((video_id IS NULL) <> (error_kind = ''))
);
CREATE INDEX media_tus_uploads_created_idx ON media_tus_uploads (created_at);

-- media_tus_locks are tusd's upload locks as leases: holder renews
-- expires_at while it works on the upload and deletes the row when done; a
-- lease left by a holder that died is taken over once it expires. A waiter
-- sets release_requested to ask the holder (tusd's requestUnlock) to stop.
CREATE TABLE media_tus_locks (
    upload_id         TEXT NOT NULL PRIMARY KEY,
    holder            TEXT NOT NULL,
    expires_at        {{.Timestamp}} NOT NULL,
    release_requested {{.Bool}} NOT NULL DEFAULT FALSE
);
CREATE INDEX media_tus_locks_expires_idx ON media_tus_locks (expires_at);
