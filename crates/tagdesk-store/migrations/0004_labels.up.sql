-- Labels (issue 8): label sheet templates a workspace defines or imports (geometry as JSON, read by
-- tagdesk-labels), printer calibration profiles, what each deployment prints by default, the workspace's
-- QR settings and logo, and background label jobs whose output waits in the file store for download.
CREATE TABLE label_templates (
    id TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    slug TEXT NOT NULL,
    name TEXT NOT NULL,
    source TEXT NOT NULL,
    geometry TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX label_templates_slug ON label_templates (workspace_id, slug);

-- Offsets in hundredths of a millimetre (integers keep both backends exact).
CREATE TABLE printer_profiles (
    id TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    offset_x_hmm BIGINT NOT NULL DEFAULT 0,
    offset_y_hmm BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX printer_profiles_name ON printer_profiles (workspace_id, lower(name));

CREATE TABLE deployment_label_settings (
    deployment_id TEXT PRIMARY KEY REFERENCES deployments (id) ON DELETE CASCADE,
    template_slug TEXT NOT NULL,
    fields TEXT NOT NULL,
    printer_profile_id TEXT REFERENCES printer_profiles (id) ON DELETE SET NULL,
    outlines BIGINT NOT NULL DEFAULT 0,
    updated_at BIGINT NOT NULL
);

CREATE TABLE workspace_label_settings (
    workspace_id TEXT PRIMARY KEY REFERENCES workspaces (id) ON DELETE CASCADE,
    qr_ec_level TEXT NOT NULL DEFAULT 'M',
    logo_key TEXT,
    updated_at BIGINT NOT NULL
);

CREATE TABLE label_jobs (
    id TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    created_by TEXT,
    status TEXT NOT NULL,
    format TEXT NOT NULL,
    request TEXT NOT NULL,
    total BIGINT NOT NULL,
    done BIGINT NOT NULL DEFAULT 0,
    result_key TEXT,
    result_name TEXT,
    result_bytes BIGINT,
    error TEXT,
    created_at BIGINT NOT NULL,
    -- Written with every progress update; a job whose heartbeat stops was left by a stopped process.
    heartbeat_at BIGINT NOT NULL,
    finished_at BIGINT
);
CREATE INDEX label_jobs_workspace ON label_jobs (workspace_id, created_at);

-- A device's label history (its "replace label" entries) is read from the audit log by target.
CREATE INDEX audit_log_target ON audit_log (target_type, target_id, created_at);
