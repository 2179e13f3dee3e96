//! API keys, stored only as SHA-256 hashes of the secret.

use sqlx::AssertSqlSafe;
use sqlx::FromRow;

use crate::Conn;
use crate::error::StoreResult;

/// A stored API key (never the secret itself).
#[derive(Debug, Clone, FromRow)]
pub struct ApiKeyRow {
    pub id: String,
    pub workspace_id: String,
    pub name: String,
    /// The first characters of the key, shown so people can tell keys apart.
    pub prefix: String,
    pub created_by_name: Option<String>,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
    pub revoked_at: Option<i64>,
}

const SELECT: &str = "SELECT k.id, k.workspace_id, k.name, k.prefix, u.display_name AS created_by_name, k.created_at, \
    k.last_used_at, k.revoked_at FROM api_keys k LEFT JOIN users u ON u.id = k.created_by";

/// A key to insert.
#[derive(Debug, Clone)]
pub struct NewApiKey<'a> {
    pub id: &'a str,
    pub workspace_id: &'a str,
    pub name: &'a str,
    pub prefix: &'a str,
    pub key_hash: &'a str,
    pub created_by: Option<&'a str>,
    pub now: i64,
}

/// Inserts a key.
pub async fn insert(conn: &mut Conn, k: &NewApiKey<'_>) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO api_keys (id, workspace_id, name, prefix, key_hash, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(k.id)
    .bind(k.workspace_id)
    .bind(k.name)
    .bind(k.prefix)
    .bind(k.key_hash)
    .bind(k.created_by)
    .bind(k.now)
    .execute(conn)
    .await?;
    Ok(())
}

/// Keys of a workspace, newest first.
pub async fn list(conn: &mut Conn, workspace_id: &str) -> StoreResult<Vec<ApiKeyRow>> {
    let sql = format!("{SELECT} WHERE k.workspace_id = $1 ORDER BY k.id DESC");
    Ok(sqlx::query_as(AssertSqlSafe(sql)).bind(workspace_id).fetch_all(conn).await?)
}

/// Loads a key of a workspace.
pub async fn get(conn: &mut Conn, workspace_id: &str, id: &str) -> StoreResult<Option<ApiKeyRow>> {
    let sql = format!("{SELECT} WHERE k.workspace_id = $1 AND k.id = $2");
    Ok(sqlx::query_as(AssertSqlSafe(sql)).bind(workspace_id).bind(id).fetch_optional(conn).await?)
}

/// Finds an unrevoked key by the hash of its secret.
pub async fn find_active_by_hash(conn: &mut Conn, key_hash: &str) -> StoreResult<Option<ApiKeyRow>> {
    let sql = format!("{SELECT} WHERE k.key_hash = $1 AND k.revoked_at IS NULL");
    Ok(sqlx::query_as(AssertSqlSafe(sql)).bind(key_hash).fetch_optional(conn).await?)
}

/// Marks a key revoked.
pub async fn revoke(conn: &mut Conn, id: &str, now: i64) -> StoreResult<()> {
    sqlx::query("UPDATE api_keys SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL")
        .bind(id)
        .bind(now)
        .execute(conn)
        .await?;
    Ok(())
}

/// Records use, at most once a minute per key to spare writes.
pub async fn touch(conn: &mut Conn, id: &str, now: i64) -> StoreResult<()> {
    sqlx::query("UPDATE api_keys SET last_used_at = $2 WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < $3)")
        .bind(id)
        .bind(now)
        .bind(now - 60_000)
        .execute(conn)
        .await?;
    Ok(())
}
