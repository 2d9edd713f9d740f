DROP TABLE platform_event_deliveries;
