-- media: an admin's library lists everyone's images and videos newest first
-- (ORDER BY created_at DESC), and the sweeper looks for images whose
-- variants were never stored, older than a cutoff (created_at < ?). Owners'
-- lists use the (owner_id, created_at) indexes.
CREATE INDEX media_images_created_idx ON media_images (created_at);
CREATE INDEX media_videos_created_idx ON media_videos (created_at);
