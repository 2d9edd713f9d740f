DROP INDEX media_images_source_idx;
ALTER TABLE media_images DROP COLUMN source_sha256;
DROP INDEX media_videos_status_idx;
DROP INDEX media_videos_source_idx;
ALTER TABLE media_videos DROP COLUMN captions;
ALTER TABLE media_videos DROP COLUMN source_sha256;
