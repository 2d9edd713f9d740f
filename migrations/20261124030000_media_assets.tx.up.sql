-- media: uploaded images (re-encoded variants) and videos (original + HLS
-- renditions + poster), owned by their uploader. Files live in the blob
-- store under images/<id>/ and videos/<id>/.
CREATE TABLE media_images (
    id         {{.PK}},
    owner_id   {{.BigInt}} NOT NULL REFERENCES accounts_users (id),
    alt        TEXT NOT NULL DEFAULT '',
    format     TEXT NOT NULL,
    width      INTEGER NOT NULL,
    height     INTEGER NOT NULL,
    size       {{.BigInt}} NOT NULL,
    variants   {{.JSON}} NOT NULL,
    created_at {{.Timestamp}} NOT NULL,
    updated_at {{.Timestamp}} NOT NULL,
    deleted_at {{.Timestamp}}
);
CREATE INDEX media_images_owner_idx ON media_images (owner_id, created_at);

CREATE TABLE media_videos (
    id          {{.PK}},
    owner_id    {{.BigInt}} NOT NULL REFERENCES accounts_users (id),
    title       TEXT NOT NULL DEFAULT '',
    status      TEXT NOT NULL CHECK (status IN ('uploaded', 'processing', 'ready', 'failed')),
    failure     TEXT NOT NULL DEFAULT '',
    size        {{.BigInt}} NOT NULL,
    duration_ms {{.BigInt}} NOT NULL DEFAULT 0,
    width       INTEGER NOT NULL DEFAULT 0,
    height      INTEGER NOT NULL DEFAULT 0,
    video_codec TEXT NOT NULL DEFAULT '',
    audio_codec TEXT NOT NULL DEFAULT '',
    renditions  {{.JSON}} NOT NULL,
    progress    INTEGER NOT NULL DEFAULT 0,
    job_id      {{.BigInt}},
    created_at  {{.Timestamp}} NOT NULL,
    updated_at  {{.Timestamp}} NOT NULL,
    deleted_at  {{.Timestamp}}
);
CREATE INDEX media_videos_owner_idx ON media_videos (owner_id, created_at);
