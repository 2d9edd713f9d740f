-- catalog: the media module asks which courses use a video (a topic's, an
-- intro) or an image (a picture) before serving or deleting it; playback
-- asks on every request. The topic index is on the exact expression
-- platform/db's JSONText("content", "video") writes.
CREATE INDEX catalog_courses_intro_video_idx ON catalog_courses (intro_video);
CREATE INDEX catalog_courses_thumbnail_idx ON catalog_courses (thumbnail);
{{if .PG -}}
CREATE INDEX catalog_topics_video_idx ON catalog_topics (("content"->>'video'));
{{- else -}}
CREATE INDEX catalog_topics_video_idx ON catalog_topics (json_extract("content", '$.video'));
{{- end}}
