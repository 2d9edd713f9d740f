-- catalog: curriculums (nano-degrees) → courses → lectures → topics, plus
-- quiz questions and choices. Rows are soft-deleted (deleted_at) so ids stay
-- stable for progress, submissions and orders; slugs name rows for imports.
CREATE TABLE catalog_curriculums (
    id          {{.PK}},
    slug        TEXT NOT NULL UNIQUE,
    author_id   {{.BigInt}} NOT NULL REFERENCES accounts_users (id),
    title       TEXT NOT NULL,
    summary     TEXT NOT NULL DEFAULT '',
    description TEXT NOT NULL DEFAULT '',
    category    TEXT NOT NULL,
    skill_level TEXT NOT NULL,
    price       {{.BigInt}} NOT NULL CHECK (price >= 0),
    access_days INTEGER NOT NULL,
    tags        {{.JSON}} NOT NULL,
    status      TEXT NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'published', 'archived')),
    created_at  {{.Timestamp}} NOT NULL,
    updated_at  {{.Timestamp}} NOT NULL,
    deleted_at  {{.Timestamp}}
);
CREATE INDEX catalog_curriculums_list_idx ON catalog_curriculums (status, category, skill_level, created_at);
{{.TextSearch "catalog_curriculums" "title" "summary" "description"}}

CREATE TABLE catalog_courses (
    id              {{.PK}},
    slug            TEXT NOT NULL UNIQUE,
    curriculum_id   {{.BigInt}} REFERENCES catalog_curriculums (id),
    position        INTEGER NOT NULL DEFAULT 0,
    author_id       {{.BigInt}} NOT NULL REFERENCES accounts_users (id),
    title           TEXT NOT NULL,
    summary         TEXT NOT NULL DEFAULT '',
    description     TEXT NOT NULL DEFAULT '',
    category        TEXT NOT NULL,
    skill_level     TEXT NOT NULL,
    price           {{.BigInt}} NOT NULL CHECK (price >= 0),
    access_days     INTEGER NOT NULL,
    credits         INTEGER NOT NULL DEFAULT 0,
    estimated_hours INTEGER NOT NULL DEFAULT 0,
    tags            {{.JSON}} NOT NULL,
    status          TEXT NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'published', 'archived')),
    thumbnail       TEXT NOT NULL DEFAULT '',
    intro_video     TEXT NOT NULL DEFAULT '',
    created_at      {{.Timestamp}} NOT NULL,
    updated_at      {{.Timestamp}} NOT NULL,
    deleted_at      {{.Timestamp}}
);
CREATE INDEX catalog_courses_list_idx ON catalog_courses (status, category, skill_level, created_at);
CREATE INDEX catalog_courses_price_idx ON catalog_courses (status, price);
CREATE INDEX catalog_courses_curriculum_idx ON catalog_courses (curriculum_id, position);
CREATE INDEX catalog_courses_author_idx ON catalog_courses (author_id);
{{.TextSearch "catalog_courses" "title" "summary" "description"}}

CREATE TABLE catalog_prerequisites (
    course_id       {{.BigInt}} NOT NULL REFERENCES catalog_courses (id) ON DELETE CASCADE,
    prerequisite_id {{.BigInt}} NOT NULL REFERENCES catalog_courses (id) ON DELETE CASCADE,
    PRIMARY KEY (course_id, prerequisite_id)
);

CREATE TABLE catalog_lectures (
    id         {{.PK}},
    course_id  {{.BigInt}} NOT NULL REFERENCES catalog_courses (id),
    slug       TEXT NOT NULL,
    position   INTEGER NOT NULL,
    title      TEXT NOT NULL,
    summary    TEXT NOT NULL DEFAULT '',
    created_at {{.Timestamp}} NOT NULL,
    updated_at {{.Timestamp}} NOT NULL,
    deleted_at {{.Timestamp}}
);
CREATE INDEX catalog_lectures_course_idx ON catalog_lectures (course_id, position);
-- Slugs are unique among live rows only: a deleted lecture keeps its slug, so
-- re-adding it restores the row (and its id).
CREATE UNIQUE INDEX catalog_lectures_slug_idx ON catalog_lectures (course_id, slug) WHERE deleted_at IS NULL;

-- A topic's kind-specific content (article body, video notes and
-- references, assignment spec) is JSON; quiz questions have rows, because
-- attempts refer to them.
CREATE TABLE catalog_topics (
    id         {{.PK}},
    lecture_id {{.BigInt}} NOT NULL REFERENCES catalog_lectures (id),
    course_id  {{.BigInt}} NOT NULL REFERENCES catalog_courses (id),
    slug       TEXT NOT NULL,
    position   INTEGER NOT NULL,
    title      TEXT NOT NULL,
    kind       TEXT NOT NULL,
    is_premium {{.Bool}} NOT NULL DEFAULT FALSE,
    mission    TEXT NOT NULL DEFAULT 'none' CHECK (mission IN ('none', 'midterm', 'final')),
    pass_score INTEGER NOT NULL DEFAULT 0,
    duration   INTEGER NOT NULL DEFAULT 0,
    content    {{.JSON}} NOT NULL,
    created_at {{.Timestamp}} NOT NULL,
    updated_at {{.Timestamp}} NOT NULL,
    deleted_at {{.Timestamp}}
);
CREATE INDEX catalog_topics_course_idx ON catalog_topics (course_id, lecture_id, position);
CREATE UNIQUE INDEX catalog_topics_slug_idx ON catalog_topics (lecture_id, slug) WHERE deleted_at IS NULL;

CREATE TABLE catalog_questions (
    id          {{.PK}},
    topic_id    {{.BigInt}} NOT NULL REFERENCES catalog_topics (id),
    position    INTEGER NOT NULL,
    prompt      TEXT NOT NULL,
    explanation TEXT NOT NULL DEFAULT '',
    deleted_at  {{.Timestamp}}
);
CREATE INDEX catalog_questions_topic_idx ON catalog_questions (topic_id, position);

CREATE TABLE catalog_choices (
    id          {{.PK}},
    question_id {{.BigInt}} NOT NULL REFERENCES catalog_questions (id),
    position    INTEGER NOT NULL,
    text        TEXT NOT NULL,
    is_correct  {{.Bool}} NOT NULL DEFAULT FALSE,
    deleted_at  {{.Timestamp}}
);
CREATE INDEX catalog_choices_question_idx ON catalog_choices (question_id, position);
