DROP TABLE media_tus_locks;
DROP TABLE media_tus_uploads;
