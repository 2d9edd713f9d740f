ALTER TABLE catalog_courses DROP COLUMN certificate;
