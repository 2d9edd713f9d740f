DROP INDEX catalog_courses_updated_idx;
CREATE INDEX catalog_courses_author_idx ON catalog_courses (author_id);
DROP INDEX catalog_courses_author_updated_idx;
