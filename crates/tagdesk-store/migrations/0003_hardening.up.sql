-- Login names are matched on a key computed once in Rust (`Email::login_key`), not with the database's
-- lower(), which folds some letters (e.g. U+0130) differently on PostgreSQL than Rust does. Existing rows
-- get lower(email) here; `tagdesk_app::users::rekey_emails` recomputes the keys in Rust at every start.
ALTER TABLE users ADD COLUMN email_key TEXT NOT NULL DEFAULT '';
UPDATE users SET email_key = lower(email);
DROP INDEX users_email;
CREATE UNIQUE INDEX users_email_key ON users (email_key);

-- One-time links that let a visitor past the PIN gate once (staff hand them out, e.g. while the portal is
-- guarded); only the SHA-256 of the secret is stored.
CREATE TABLE portal_pass_links (
    token_hash TEXT PRIMARY KEY,
    deployment_id TEXT NOT NULL REFERENCES deployments (id) ON DELETE CASCADE,
    device_id TEXT NOT NULL REFERENCES devices (id) ON DELETE CASCADE,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at BIGINT
);
CREATE INDEX portal_pass_links_expiry ON portal_pass_links (expires_at);
