-- catalog: what a course asks of a learner before it issues a certificate
-- (catalog.CertificateRule: disabled, min_progress, missions, min_score).
-- '{}' is the zero rule, the default: every topic completed and every
-- midterm and final mission passed at its own pass score.
ALTER TABLE catalog_courses ADD COLUMN certificate {{.JSON}} NOT NULL DEFAULT '{}';
