-- A course's version counts its saves: editors send the version they
-- loaded (If-Match, or the form's hidden field) and a save of an older one
-- is refused as a conflict instead of overwriting another tab's work.
ALTER TABLE catalog_courses ADD COLUMN version BIGINT NOT NULL DEFAULT 1;
