-- Scan tracking (issue 8): what visitors do in the customer portal, written in batches off the request
-- path by `tagdesk_app::scans`. No client address is stored: `client_key` is an HMAC-SHA-256 of the
-- address and `visitor_key` one of the browser's identity (its visitor cookie, else address + user agent),
-- both keyed with the installation's secret key. Bot events are kept here for inspection but never counted
-- in `portal_event_days` or `device_scan_stats`.

CREATE TABLE portal_events (
    id TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces (id),
    deployment_id TEXT NOT NULL REFERENCES deployments (id) ON DELETE CASCADE,
    device_id TEXT NOT NULL REFERENCES devices (id),
    kind TEXT NOT NULL CHECK (kind IN ('scan', 'pin_accepted', 'pin_rejected', 'lockout', 'form_opened',
        'case_submitted', 'note_added')),
    occurred_at BIGINT NOT NULL,
    client_key TEXT NOT NULL,
    visitor_key TEXT NOT NULL,
    device_class TEXT NOT NULL CHECK (device_class IN ('phone', 'tablet', 'desktop', 'bot'))
);
CREATE INDEX portal_events_deployment ON portal_events (deployment_id, occurred_at);
CREATE INDEX portal_events_device ON portal_events (device_id, occurred_at);
-- retention: raw events older than the configured time are deleted by housekeeping
CREATE INDEX portal_events_occurred ON portal_events (occurred_at);

-- Daily counts (bots excluded), kept after the raw events expire. `day` is YYYY-MM-DD in the deployment's
-- time zone at the time of the event.
CREATE TABLE portal_event_days (
    deployment_id TEXT NOT NULL REFERENCES deployments (id) ON DELETE CASCADE,
    device_id TEXT NOT NULL REFERENCES devices (id),
    day TEXT NOT NULL,
    kind TEXT NOT NULL,
    count BIGINT NOT NULL,
    PRIMARY KEY (deployment_id, day, device_id, kind)
);
CREATE INDEX portal_event_days_device ON portal_event_days (device_id, day);

-- Per device, for the device page and the label selection "never scanned / not scanned in N days"
-- (bots excluded; kept forever).
CREATE TABLE device_scan_stats (
    device_id TEXT PRIMARY KEY REFERENCES devices (id),
    scans BIGINT NOT NULL DEFAULT 0,
    last_scan_at BIGINT,
    portal_cases BIGINT NOT NULL DEFAULT 0
);
