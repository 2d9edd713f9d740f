-- catalog: media references their owner deleted. The media module retires a
-- video or an image (catalog.MediaGate.RetireMedia) before deleting it, and
-- the catalog never attaches a retired reference again; both run under the
-- same per-reference lock, so a deletion and an attachment racing each other
-- cannot both succeed.
CREATE TABLE catalog_retired_media (
    ref        TEXT NOT NULL PRIMARY KEY,
    retired_at {{.Timestamp}} NOT NULL
);
