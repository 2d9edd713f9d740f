DROP TABLE auth_identities;
DROP TABLE auth_throttle;
DROP TABLE auth_sessions;
