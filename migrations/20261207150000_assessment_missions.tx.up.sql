-- assessment: quiz attempts, code submissions, and each learner's standing
-- per quiz or assignment topic (updated in the attempt's or the grading's
-- transaction, so a course's missions are read in one indexed query).

-- A quiz attempt, graded at once. number is the user's nth attempt of the
-- topic: the unique key refuses a second submission of the same attempt
-- (a double click), and the shuffled order of its choices derives from it.
CREATE TABLE assessment_quiz_attempts (
    id          {{.PK}},
    user_id     {{.BigInt}} NOT NULL REFERENCES accounts_users (id),
    topic_id    {{.BigInt}} NOT NULL REFERENCES catalog_topics (id),
    course_id   {{.BigInt}} NOT NULL REFERENCES catalog_courses (id),
    number      INTEGER NOT NULL,
    answers     {{.JSON}} NOT NULL,
    results     {{.JSON}} NOT NULL,
    correct     INTEGER NOT NULL,
    total       INTEGER NOT NULL,
    score       INTEGER NOT NULL,
    passed      {{.Bool}} NOT NULL,
    created_at  {{.Timestamp}} NOT NULL
);
CREATE UNIQUE INDEX assessment_quiz_attempts_number_idx ON assessment_quiz_attempts (user_id, topic_id, number);
CREATE INDEX assessment_quiz_attempts_user_idx ON assessment_quiz_attempts (user_id, created_at);

-- A code submission: queued when stored, running while a grader has it
-- (claimed_at says since when: a stale claim is taken over), graded with
-- its results, or error when no grader could run it.
CREATE TABLE assessment_submissions (
    id          {{.PK}},
    user_id     {{.BigInt}} NOT NULL REFERENCES accounts_users (id),
    topic_id    {{.BigInt}} NOT NULL REFERENCES catalog_topics (id),
    course_id   {{.BigInt}} NOT NULL REFERENCES catalog_courses (id),
    number      INTEGER NOT NULL,
    language    TEXT NOT NULL,
    code        TEXT NOT NULL,
    status      TEXT NOT NULL CHECK (status IN ('queued', 'running', 'graded', 'error')),
    score       INTEGER NOT NULL DEFAULT 0,
    passed      {{.Bool}} NOT NULL DEFAULT FALSE,
    verdict     TEXT NOT NULL DEFAULT '',
    message     TEXT NOT NULL DEFAULT '',
    results     {{.JSON}} NOT NULL,
    created_at  {{.Timestamp}} NOT NULL,
    claimed_at  {{.Timestamp}},
    graded_at   {{.Timestamp}}
);
CREATE UNIQUE INDEX assessment_submissions_number_idx ON assessment_submissions (user_id, topic_id, number);
CREATE INDEX assessment_submissions_user_idx ON assessment_submissions (user_id, created_at);

-- A learner's standing in a quiz or assignment topic.
CREATE TABLE assessment_standings (
    user_id     {{.BigInt}} NOT NULL REFERENCES accounts_users (id),
    topic_id    {{.BigInt}} NOT NULL REFERENCES catalog_topics (id),
    course_id   {{.BigInt}} NOT NULL REFERENCES catalog_courses (id),
    kind        TEXT NOT NULL,
    attempts    INTEGER NOT NULL DEFAULT 0,
    pending     INTEGER NOT NULL DEFAULT 0,
    best_score  INTEGER NOT NULL DEFAULT 0,
    last_score  INTEGER NOT NULL DEFAULT 0,
    passed_at   {{.Timestamp}},
    updated_at  {{.Timestamp}} NOT NULL,
    PRIMARY KEY (user_id, topic_id)
);
CREATE INDEX assessment_standings_course_idx ON assessment_standings (user_id, course_id);
CREATE INDEX assessment_standings_topic_idx ON assessment_standings (topic_id, passed_at);
