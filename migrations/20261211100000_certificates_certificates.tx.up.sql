-- certificates: what learners earned. A row is issued once the course's
-- certificate rule is met (or, for a curriculum, once every course of it is
-- certified) and is never deleted: a refund or an administrator revokes it,
-- and verification keeps saying so. Holder name, title and scores are
-- snapshots taken at issue time.
CREATE TABLE certificates (
    id            {{.PK}},
    serial        TEXT NOT NULL UNIQUE,
    user_id       {{.BigInt}} NOT NULL REFERENCES accounts_users (id),
    kind          TEXT NOT NULL CHECK (kind IN ('course', 'curriculum')),
    -- The certified course (kind course) or curriculum (kind curriculum).
    course_id     {{.BigInt}} REFERENCES catalog_courses (id),
    curriculum_id {{.BigInt}} REFERENCES catalog_curriculums (id),
    holder_name   TEXT NOT NULL,
    title         TEXT NOT NULL,
    credits       INTEGER NOT NULL DEFAULT 0,
    -- Mission scores, the courses of a curriculum, learning hours.
    details       {{.JSON}} NOT NULL,
    -- Salts the hash of the holder's e-mail in the signed credential.
    salt          TEXT NOT NULL,
    -- How it was issued: auto (on completion), claim (asked for).
    source        TEXT NOT NULL,
    issued_at     {{.Timestamp}} NOT NULL,
    status        TEXT NOT NULL DEFAULT 'valid' CHECK (status IN ('valid', 'revoked')),
    revoked_at    {{.Timestamp}},
    -- Why: refund or admin (shown publicly); an administrator's note (not).
    revoke_reason TEXT NOT NULL DEFAULT '',
    revoke_note   TEXT NOT NULL DEFAULT '',
    revoked_by    {{.BigInt}},
    CHECK ((kind = 'course') = (course_id IS NOT NULL)),
    CHECK ((kind = 'curriculum') = (curriculum_id IS NOT NULL))
);
-- One valid certificate per learner and course (or curriculum): issuing
-- twice at once leaves one; a revoked one may be earned again.
CREATE UNIQUE INDEX certificates_valid_course_idx ON certificates (user_id, course_id) WHERE status = 'valid' AND kind = 'course';
CREATE UNIQUE INDEX certificates_valid_curriculum_idx ON certificates (user_id, curriculum_id) WHERE status = 'valid' AND kind = 'curriculum';
CREATE INDEX certificates_user_idx ON certificates (user_id, issued_at);
CREATE INDEX certificates_status_idx ON certificates (status, issued_at);
CREATE INDEX certificates_course_idx ON certificates (course_id);
{{.TextSearch "certificates" "holder_name" "title"}}
