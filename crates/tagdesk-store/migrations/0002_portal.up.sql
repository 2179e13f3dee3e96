-- The customer portal: per-deployment settings, device tokens, visitor sessions, PIN guarding,
-- follow-up links, idempotent submissions, photos, and the durable outbox for notifications.

ALTER TABLE devices ADD COLUMN portal_token TEXT;
CREATE UNIQUE INDEX devices_portal_token ON devices (portal_token) WHERE portal_token IS NOT NULL;

-- Tokens replaced by "replace label": they show a "this label was replaced" page.
CREATE TABLE replaced_portal_tokens (
    token TEXT PRIMARY KEY,
    device_id TEXT NOT NULL REFERENCES devices (id),
    replaced_at BIGINT NOT NULL
);

CREATE TABLE portal_settings (
    deployment_id TEXT PRIMARY KEY REFERENCES deployments (id) ON DELETE CASCADE,
    enabled BIGINT NOT NULL DEFAULT 0,
    -- Argon2id hash of the 4-digit PIN; '' until one is set (the portal cannot be enabled without it)
    pin_hash TEXT NOT NULL DEFAULT '',
    pin_changed_at BIGINT,
    -- bumped when the PIN changes or the portal is disabled: every visitor session of an older epoch ends
    session_epoch BIGINT NOT NULL DEFAULT 0,
    show_open_cases BIGINT NOT NULL DEFAULT 1,
    open_case_window_days BIGINT NOT NULL DEFAULT 30,
    welcome_md TEXT NOT NULL DEFAULT '',
    instructions_md TEXT NOT NULL DEFAULT '',
    contact_md TEXT NOT NULL DEFAULT '',
    allow_free_description BIGINT NOT NULL DEFAULT 1,
    contact_rule TEXT NOT NULL DEFAULT 'name_and_email_or_phone',
    language TEXT NOT NULL DEFAULT 'en',
    photos_allowed BIGINT NOT NULL DEFAULT 1,
    max_photos BIGINT NOT NULL DEFAULT 5,
    max_photo_bytes BIGINT NOT NULL DEFAULT 10485760,
    -- guarded mode after a deployment-wide burst of wrong PINs
    guarded_until BIGINT,
    attack_alerted_at BIGINT,
    updated_at BIGINT NOT NULL
);

-- Which case templates the portal offers, in order.
CREATE TABLE portal_templates (
    deployment_id TEXT NOT NULL REFERENCES deployments (id) ON DELETE CASCADE,
    template_id TEXT NOT NULL REFERENCES case_templates (id) ON DELETE CASCADE,
    position BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (deployment_id, template_id)
);

-- A visitor's session for one deployment, after the right PIN.
CREATE TABLE portal_sessions (
    id_hash TEXT PRIMARY KEY,
    deployment_id TEXT NOT NULL REFERENCES deployments (id) ON DELETE CASCADE,
    epoch BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX portal_sessions_deployment ON portal_sessions (deployment_id);

-- Browsers that entered the right PIN before: never locked out by guarded mode.
CREATE TABLE portal_trusted_browsers (
    token_hash TEXT PRIMARY KEY,
    deployment_id TEXT NOT NULL REFERENCES deployments (id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL
);

-- Escalating lock-outs for wrong PINs, per (deployment, client address hash) and per deployment.
CREATE TABLE pin_lockouts (
    bucket TEXT PRIMARY KEY,
    failures BIGINT NOT NULL,
    locked_until BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

ALTER TABLE cases ADD COLUMN follow_token_hash TEXT;
CREATE UNIQUE INDEX cases_follow_token ON cases (follow_token_hash) WHERE follow_token_hash IS NOT NULL;
ALTER TABLE cases ADD COLUMN idempotency_key TEXT;
CREATE UNIQUE INDEX cases_idempotency ON cases (deployment_id, idempotency_key) WHERE idempotency_key IS NOT NULL;
ALTER TABLE cases ADD COLUMN reporter_language TEXT NOT NULL DEFAULT '';

-- Photos attached to cases; the bytes live in the attachment store under storage_key.
CREATE TABLE attachments (
    id TEXT PRIMARY KEY,
    case_id TEXT NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    storage_key TEXT NOT NULL,
    content_type TEXT NOT NULL,
    byte_size BIGINT NOT NULL,
    width BIGINT NOT NULL,
    height BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX attachments_case ON attachments (case_id);

-- Durable outbox: written in the same transaction as the change; a worker delivers it.
CREATE TABLE outbox (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    payload_json TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    available_at BIGINT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    done_at BIGINT
);
CREATE INDEX outbox_pending ON outbox (available_at) WHERE done_at IS NULL;
