//! Staff sessions (stored by the hash of their cookie value) and the one-time setup token.

use sqlx::FromRow;

use crate::Conn;
use crate::error::StoreResult;

/// A stored session. `user_id` is empty for a signed-out visitor who only holds a CSRF token.
#[derive(Debug, Clone, FromRow)]
pub struct SessionRow {
    pub id_hash: String,
    pub user_id: Option<String>,
    pub csrf_token: String,
    pub created_at: i64,
    pub expires_at: i64,
}

/// Inserts a session.
pub async fn insert(conn: &mut Conn, row: &SessionRow) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO staff_sessions (id_hash, user_id, csrf_token, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(&row.id_hash)
    .bind(&row.user_id)
    .bind(&row.csrf_token)
    .bind(row.created_at)
    .bind(row.expires_at)
    .execute(conn)
    .await?;
    Ok(())
}

/// Loads an unexpired session.
pub async fn get(conn: &mut Conn, id_hash: &str, now: i64) -> StoreResult<Option<SessionRow>> {
    Ok(sqlx::query_as(
        "SELECT id_hash, user_id, csrf_token, created_at, expires_at FROM staff_sessions WHERE id_hash = $1 AND expires_at > $2",
    )
    .bind(id_hash)
    .bind(now)
    .fetch_optional(conn)
    .await?)
}

/// Deletes a session.
pub async fn delete(conn: &mut Conn, id_hash: &str) -> StoreResult<()> {
    sqlx::query("DELETE FROM staff_sessions WHERE id_hash = $1").bind(id_hash).execute(conn).await?;
    Ok(())
}

/// Deletes every session of a user (deactivation, password change).
pub async fn delete_for_user(conn: &mut Conn, user_id: &str) -> StoreResult<()> {
    sqlx::query("DELETE FROM staff_sessions WHERE user_id = $1").bind(user_id).execute(conn).await?;
    Ok(())
}

/// Removes expired sessions; returns how many.
pub async fn purge_expired(conn: &mut Conn, now: i64) -> StoreResult<u64> {
    Ok(sqlx::query("DELETE FROM staff_sessions WHERE expires_at <= $1").bind(now).execute(conn).await?.rows_affected())
}

/// Stores a setup token hash (replacing older ones).
pub async fn put_setup_token(conn: &mut Conn, token_hash: &str, now: i64, expires_at: i64) -> StoreResult<()> {
    sqlx::query("DELETE FROM setup_tokens").execute(&mut *conn).await?;
    sqlx::query("INSERT INTO setup_tokens (token_hash, created_at, expires_at) VALUES ($1, $2, $3)")
        .bind(token_hash)
        .bind(now)
        .bind(expires_at)
        .execute(conn)
        .await?;
    Ok(())
}

/// Consumes a setup token: true when it existed and was unexpired.
pub async fn take_setup_token(conn: &mut Conn, token_hash: &str, now: i64) -> StoreResult<bool> {
    let deleted = sqlx::query("DELETE FROM setup_tokens WHERE token_hash = $1 AND expires_at > $2")
        .bind(token_hash)
        .bind(now)
        .execute(conn)
        .await?
        .rows_affected();
    Ok(deleted == 1)
}

/// Whether a setup token is currently valid (without consuming it).
pub async fn setup_token_valid(conn: &mut Conn, token_hash: &str, now: i64) -> StoreResult<bool> {
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM setup_tokens WHERE token_hash = $1 AND expires_at > $2")
        .bind(token_hash)
        .bind(now)
        .fetch_one(conn)
        .await?;
    Ok(n == 1)
}
