//! Staff users and their per-deployment roles.

use sqlx::AssertSqlSafe;
use sqlx::FromRow;

use crate::Conn;
use crate::error::StoreResult;

/// A stored user.
#[derive(Debug, Clone, FromRow)]
pub struct UserRow {
    pub id: String,
    pub workspace_id: String,
    pub email: String,
    pub display_name: String,
    pub password_hash: String,
    pub workspace_role: String,
    pub active: i64,
    pub created_at: i64,
}

impl UserRow {
    /// Whether the user may sign in.
    pub fn is_active(&self) -> bool {
        crate::flag(self.active)
    }
}

/// One deployment role of a user, with the deployment's name.
#[derive(Debug, Clone, FromRow)]
pub struct RoleRow {
    pub user_id: String,
    pub deployment_id: String,
    pub deployment_name: String,
    pub role: String,
}

const COLUMNS: &str = "id, workspace_id, email, display_name, password_hash, workspace_role, active, created_at";

/// A new user.
#[derive(Debug, Clone)]
pub struct NewUser<'a> {
    pub id: &'a str,
    pub workspace_id: &'a str,
    pub email: &'a str,
    /// The normalised login name (`Email::login_key`), unique across workspaces.
    pub email_key: &'a str,
    pub display_name: &'a str,
    pub password_hash: &'a str,
    pub workspace_role: &'a str,
    pub now: i64,
}

/// Inserts a user; a taken login name is a unique violation on `email_key`.
pub async fn insert(conn: &mut Conn, user: &NewUser<'_>) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO users (id, workspace_id, email, email_key, display_name, password_hash, workspace_role, \
         active, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, 1, $8)",
    )
    .bind(user.id)
    .bind(user.workspace_id)
    .bind(user.email)
    .bind(user.email_key)
    .bind(user.display_name)
    .bind(user.password_hash)
    .bind(user.workspace_role)
    .bind(user.now)
    .execute(conn)
    .await?;
    Ok(())
}

/// Finds a user by login name (`Email::login_key`, computed by the caller), in any workspace. The key is
/// compared as it is: no database case folding, which differs between backends.
pub async fn find_by_login_key(conn: &mut Conn, email_key: &str) -> StoreResult<Option<UserRow>> {
    let sql = format!("SELECT {COLUMNS} FROM users WHERE email_key = $1");
    Ok(sqlx::query_as(AssertSqlSafe(sql)).bind(email_key).fetch_optional(conn).await?)
}

/// Every user's id, email and stored login key (to recompute keys after a normalisation change).
pub async fn login_keys(conn: &mut Conn) -> StoreResult<Vec<(String, String, String)>> {
    Ok(sqlx::query_as("SELECT id, email, email_key FROM users").fetch_all(conn).await?)
}

/// Sets a user's login key.
pub async fn set_login_key(conn: &mut Conn, id: &str, email_key: &str) -> StoreResult<()> {
    sqlx::query("UPDATE users SET email_key = $1 WHERE id = $2").bind(email_key).bind(id).execute(conn).await?;
    Ok(())
}

/// Loads a user by id (any workspace: callers scope).
pub async fn get(conn: &mut Conn, id: &str) -> StoreResult<Option<UserRow>> {
    let sql = format!("SELECT {COLUMNS} FROM users WHERE id = $1");
    Ok(sqlx::query_as(AssertSqlSafe(sql)).bind(id).fetch_optional(conn).await?)
}

/// Users of a workspace, by name.
pub async fn list(conn: &mut Conn, workspace_id: &str) -> StoreResult<Vec<UserRow>> {
    let sql = format!("SELECT {COLUMNS} FROM users WHERE workspace_id = $1 ORDER BY lower(display_name), id");
    Ok(sqlx::query_as(AssertSqlSafe(sql)).bind(workspace_id).fetch_all(conn).await?)
}

/// Number of users in the whole installation (zero means first-run setup).
pub async fn count_all(conn: &mut Conn) -> StoreResult<i64> {
    Ok(sqlx::query_scalar("SELECT COUNT(*) FROM users").fetch_one(conn).await?)
}

/// Updates name, workspace role and active flag.
pub async fn update(
    conn: &mut Conn,
    id: &str,
    display_name: &str,
    workspace_role: &str,
    active: bool,
) -> StoreResult<()> {
    sqlx::query("UPDATE users SET display_name = $2, workspace_role = $3, active = $4 WHERE id = $1")
        .bind(id)
        .bind(display_name)
        .bind(workspace_role)
        .bind(i64::from(active))
        .execute(conn)
        .await?;
    Ok(())
}

/// Replaces the password hash.
pub async fn set_password_hash(conn: &mut Conn, id: &str, password_hash: &str) -> StoreResult<()> {
    sqlx::query("UPDATE users SET password_hash = $2 WHERE id = $1").bind(id).bind(password_hash).execute(conn).await?;
    Ok(())
}

/// Active workspace admins other than `except` (so the last admin cannot be demoted).
pub async fn count_other_active_admins(conn: &mut Conn, workspace_id: &str, except: &str) -> StoreResult<i64> {
    Ok(sqlx::query_scalar(
        "SELECT COUNT(*) FROM users WHERE workspace_id = $1 AND id <> $2 AND workspace_role = 'admin' AND active = 1",
    )
    .bind(workspace_id)
    .bind(except)
    .fetch_one(conn)
    .await?)
}

/// A user's deployment roles.
pub async fn roles_of_user(conn: &mut Conn, user_id: &str) -> StoreResult<Vec<RoleRow>> {
    Ok(sqlx::query_as(
        "SELECT r.user_id, r.deployment_id, d.name AS deployment_name, r.role FROM deployment_roles r \
         JOIN deployments d ON d.id = r.deployment_id WHERE r.user_id = $1 ORDER BY lower(d.name)",
    )
    .bind(user_id)
    .fetch_all(conn)
    .await?)
}

/// All deployment roles in a workspace.
pub async fn roles_in_workspace(conn: &mut Conn, workspace_id: &str) -> StoreResult<Vec<RoleRow>> {
    Ok(sqlx::query_as(
        "SELECT r.user_id, r.deployment_id, d.name AS deployment_name, r.role FROM deployment_roles r \
         JOIN deployments d ON d.id = r.deployment_id WHERE d.workspace_id = $1 ORDER BY lower(d.name)",
    )
    .bind(workspace_id)
    .fetch_all(conn)
    .await?)
}

/// Sets (or replaces) a user's role at a deployment.
pub async fn set_role(conn: &mut Conn, user_id: &str, deployment_id: &str, role: &str) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO deployment_roles (user_id, deployment_id, role) VALUES ($1, $2, $3) \
         ON CONFLICT (user_id, deployment_id) DO UPDATE SET role = excluded.role",
    )
    .bind(user_id)
    .bind(deployment_id)
    .bind(role)
    .execute(conn)
    .await?;
    Ok(())
}

/// Removes a user's role at a deployment.
pub async fn remove_role(conn: &mut Conn, user_id: &str, deployment_id: &str) -> StoreResult<()> {
    sqlx::query("DELETE FROM deployment_roles WHERE user_id = $1 AND deployment_id = $2")
        .bind(user_id)
        .bind(deployment_id)
        .execute(conn)
        .await?;
    Ok(())
}
