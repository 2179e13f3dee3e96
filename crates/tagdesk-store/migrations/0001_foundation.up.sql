-- Tagdesk foundation schema. One file for SQLite and PostgreSQL: only the portable subset of SQL is used
-- (TEXT, BIGINT, partial and expression indexes, ON CONFLICT, RETURNING). Ids are UUIDv7 text,
-- timestamps are UTC milliseconds since the Unix epoch, flags are 0/1 BIGINT.

CREATE TABLE workspaces (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    next_case_number BIGINT NOT NULL DEFAULT 1,
    created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX workspaces_name ON workspaces (lower(name));

CREATE TABLE users (
    id TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces (id),
    email TEXT NOT NULL,
    display_name TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    workspace_role TEXT NOT NULL CHECK (workspace_role IN ('admin', 'member')),
    active BIGINT NOT NULL DEFAULT 1,
    created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX users_email ON users (lower(email));
CREATE INDEX users_workspace ON users (workspace_id);

CREATE TABLE deployments (
    id TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces (id),
    name TEXT NOT NULL,
    address TEXT NOT NULL DEFAULT '',
    timezone TEXT NOT NULL,
    language TEXT NOT NULL DEFAULT 'en',
    default_assignee_id TEXT REFERENCES users (id),
    notification_emails TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX deployments_name ON deployments (workspace_id, lower(name));

CREATE TABLE deployment_roles (
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    deployment_id TEXT NOT NULL REFERENCES deployments (id) ON DELETE CASCADE,
    role TEXT NOT NULL CHECK (role IN ('admin', 'technician', 'viewer')),
    PRIMARY KEY (user_id, deployment_id)
);
CREATE INDEX deployment_roles_deployment ON deployment_roles (deployment_id);

CREATE TABLE devices (
    id TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces (id),
    deployment_id TEXT NOT NULL REFERENCES deployments (id),
    name TEXT NOT NULL,
    serial_number TEXT,
    manufacturer TEXT NOT NULL DEFAULT '',
    model TEXT NOT NULL DEFAULT '',
    -- tags stored as ",tag one,tag two," (lower-case copy in tags_search) so one LIKE finds a whole tag
    tags TEXT NOT NULL DEFAULT '',
    tags_search TEXT NOT NULL DEFAULT '',
    notes TEXT NOT NULL DEFAULT '',
    archived_at BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX devices_serial ON devices (workspace_id, lower(serial_number)) WHERE serial_number IS NOT NULL;
CREATE INDEX devices_deployment ON devices (deployment_id, id);
CREATE INDEX devices_workspace ON devices (workspace_id, id);

CREATE TABLE device_moves (
    id TEXT PRIMARY KEY,
    device_id TEXT NOT NULL REFERENCES devices (id),
    -- no foreign keys to deployments: the history outlives a deleted deployment, so names are copied too
    from_deployment_id TEXT NOT NULL,
    from_deployment_name TEXT NOT NULL,
    to_deployment_id TEXT NOT NULL,
    to_deployment_name TEXT NOT NULL,
    moved_by TEXT REFERENCES users (id),
    moved_at BIGINT NOT NULL
);
CREATE INDEX device_moves_device ON device_moves (device_id, moved_at);

CREATE TABLE case_templates (
    id TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces (id),
    name TEXT NOT NULL,
    title TEXT NOT NULL DEFAULT '',
    case_type TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    solution_suggestion TEXT NOT NULL DEFAULT '',
    fields_json TEXT NOT NULL DEFAULT '[]',
    used_keys TEXT NOT NULL DEFAULT '',
    active BIGINT NOT NULL DEFAULT 1,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX case_templates_name ON case_templates (workspace_id, lower(name));

CREATE TABLE cases (
    id TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces (id),
    number BIGINT NOT NULL,
    deployment_id TEXT NOT NULL REFERENCES deployments (id),
    device_id TEXT REFERENCES devices (id),
    template_id TEXT REFERENCES case_templates (id),
    title TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    case_type TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('open', 'resolved', 'archived')),
    origin TEXT NOT NULL CHECK (origin IN ('portal', 'staff', 'api')),
    field_values_json TEXT NOT NULL DEFAULT '{}',
    fields_json TEXT NOT NULL DEFAULT '[]',
    solution_suggestion TEXT NOT NULL DEFAULT '',
    solution TEXT NOT NULL DEFAULT '',
    reporter_name TEXT NOT NULL DEFAULT '',
    reporter_email TEXT NOT NULL DEFAULT '',
    reporter_phone TEXT NOT NULL DEFAULT '',
    assignee_id TEXT REFERENCES users (id),
    created_by TEXT REFERENCES users (id),
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX cases_number ON cases (workspace_id, number);
CREATE INDEX cases_deployment ON cases (deployment_id, status);
CREATE INDEX cases_device ON cases (device_id);
CREATE INDEX cases_assignee ON cases (assignee_id);

CREATE TABLE case_events (
    id TEXT PRIMARY KEY,
    case_id TEXT NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    actor_user_id TEXT REFERENCES users (id),
    actor_label TEXT NOT NULL DEFAULT '',
    body TEXT NOT NULL DEFAULT '',
    public BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL
);
CREATE INDEX case_events_case ON case_events (case_id, id);

CREATE TABLE api_keys (
    id TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces (id),
    name TEXT NOT NULL,
    prefix TEXT NOT NULL,
    key_hash TEXT NOT NULL UNIQUE,
    created_by TEXT REFERENCES users (id),
    created_at BIGINT NOT NULL,
    last_used_at BIGINT,
    revoked_at BIGINT
);
CREATE INDEX api_keys_workspace ON api_keys (workspace_id);

CREATE TABLE staff_sessions (
    id_hash TEXT PRIMARY KEY,
    user_id TEXT REFERENCES users (id) ON DELETE CASCADE,
    csrf_token TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX staff_sessions_user ON staff_sessions (user_id);
CREATE INDEX staff_sessions_expiry ON staff_sessions (expires_at);

CREATE TABLE rate_limits (
    bucket TEXT PRIMARY KEY,
    window_start BIGINT NOT NULL,
    hits BIGINT NOT NULL
);

CREATE TABLE audit_log (
    id TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces (id),
    actor_user_id TEXT REFERENCES users (id),
    actor_label TEXT NOT NULL,
    action TEXT NOT NULL,
    target_type TEXT NOT NULL,
    target_id TEXT NOT NULL,
    summary TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL
);
CREATE INDEX audit_log_workspace ON audit_log (workspace_id, id);

CREATE TABLE setup_tokens (
    token_hash TEXT PRIMARY KEY,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
