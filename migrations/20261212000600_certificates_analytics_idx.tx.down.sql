DROP INDEX certificates_revoked_idx;
DROP INDEX certificates_issued_idx;
