DROP INDEX media_videos_created_idx;
DROP INDEX media_images_created_idx;
