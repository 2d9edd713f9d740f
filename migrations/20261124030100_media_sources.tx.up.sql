-- media: where a video or an image came from, and a video's captions.
-- source_sha256 is the SHA-256 of the uploaded file: a bundle imported twice
-- (or the same clip named by several topics) becomes one video (or image)
-- per owner. captions lists the WebVTT tracks stored under
-- videos/<id>/captions/.
ALTER TABLE media_videos ADD COLUMN source_sha256 TEXT NOT NULL DEFAULT '';
ALTER TABLE media_videos ADD COLUMN captions {{.JSON}} NOT NULL DEFAULT '[]';
CREATE INDEX media_videos_source_idx ON media_videos (owner_id, source_sha256);
-- The sweeper looks for videos stuck in 'uploaded' or 'processing'.
CREATE INDEX media_videos_status_idx ON media_videos (status, updated_at);
ALTER TABLE media_images ADD COLUMN source_sha256 TEXT NOT NULL DEFAULT '';
CREATE INDEX media_images_source_idx ON media_images (owner_id, source_sha256);
