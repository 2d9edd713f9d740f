DROP TABLE catalog_choices;
DROP TABLE catalog_questions;
DROP TABLE catalog_topics;
DROP TABLE catalog_lectures;
DROP TABLE catalog_prerequisites;
{{.DropTextSearch "catalog_courses" "title" "summary" "description"}}
DROP TABLE catalog_courses;
{{.DropTextSearch "catalog_curriculums" "title" "summary" "description"}}
DROP TABLE catalog_curriculums;
