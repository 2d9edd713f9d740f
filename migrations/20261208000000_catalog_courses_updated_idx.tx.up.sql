-- catalog: the courses a caller may edit, most recently updated first (the
-- media library's "use in…" list, AttachTargets: ORDER BY updated_at DESC,
-- id DESC): a tutor's by author, an admin's among all. The author index
-- becomes (author_id, updated_at), which still serves lookups by author.
CREATE INDEX catalog_courses_author_updated_idx ON catalog_courses (author_id, updated_at);
DROP INDEX catalog_courses_author_idx;
CREATE INDEX catalog_courses_updated_idx ON catalog_courses (updated_at);
