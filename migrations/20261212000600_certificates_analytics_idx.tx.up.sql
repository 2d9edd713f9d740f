-- certificates: the dashboards' numbers. Certificates issued and revoked
-- per day filter on the raw times (issued_at >= ? AND issued_at < ?, the
-- same on revoked_at; only revoked certificates have one). The valid ones
-- per course are read through certificates_status_idx (status, issued_at).
CREATE INDEX certificates_issued_idx ON certificates (issued_at);
CREATE INDEX certificates_revoked_idx ON certificates (revoked_at) WHERE revoked_at IS NOT NULL;
