DROP TABLE media_videos;
DROP TABLE media_images;
