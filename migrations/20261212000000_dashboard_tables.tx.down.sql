DROP TABLE dashboard_rollups;
DROP TABLE dashboard_points;
DROP TABLE dashboard_active_days;
DROP TABLE dashboard_presence;
