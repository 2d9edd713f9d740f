-- platform: instance-wide settings and markers (e.g. "default content imported").
CREATE TABLE platform_settings (
    key        TEXT NOT NULL PRIMARY KEY,
    value      TEXT NOT NULL,
    updated_at {{.Timestamp}} NOT NULL
);
