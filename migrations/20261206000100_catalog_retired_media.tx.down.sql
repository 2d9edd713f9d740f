DROP TABLE catalog_retired_media;
