-- catalog: the media module asks which courses use a video (intro) or an
-- image (thumbnail) before serving it.
CREATE INDEX catalog_courses_intro_video_idx ON catalog_courses (intro_video);
CREATE INDEX catalog_courses_thumbnail_idx ON catalog_courses (thumbnail);
