DROP TABLE device_scan_stats;
DROP TABLE portal_event_days;
DROP TABLE portal_events;
