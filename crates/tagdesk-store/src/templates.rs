//! Case templates, with their custom-field definitions stored as JSON.

use sqlx::AssertSqlSafe;
use sqlx::FromRow;

use crate::Conn;
use crate::error::StoreResult;

/// A stored case template.
#[derive(Debug, Clone, FromRow)]
pub struct TemplateRow {
    pub id: String,
    pub workspace_id: String,
    pub name: String,
    pub title: String,
    pub case_type: String,
    pub description: String,
    pub solution_suggestion: String,
    pub fields_json: String,
    /// Every field key the template ever used, comma-separated, so keys are never reused.
    pub used_keys: String,
    pub active: i64,
    pub created_at: i64,
    pub updated_at: i64,
}

impl TemplateRow {
    /// Whether staff and the portal may still pick it.
    pub fn is_active(&self) -> bool {
        crate::flag(self.active)
    }
}

/// The writable fields of a template.
#[derive(Debug, Clone)]
pub struct TemplateFields<'a> {
    pub name: &'a str,
    pub title: &'a str,
    pub case_type: &'a str,
    pub description: &'a str,
    pub solution_suggestion: &'a str,
    pub fields_json: &'a str,
    pub used_keys: &'a str,
}

const COLUMNS: &str = "id, workspace_id, name, title, case_type, description, solution_suggestion, fields_json, \
    used_keys, active, created_at, updated_at";

/// Inserts a template; a duplicate name is a unique violation on `name`.
pub async fn insert(
    conn: &mut Conn,
    id: &str,
    workspace_id: &str,
    f: &TemplateFields<'_>,
    now: i64,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO case_templates (id, workspace_id, name, title, case_type, description, solution_suggestion, \
         fields_json, used_keys, active, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 1, $10, $10)",
    )
    .bind(id)
    .bind(workspace_id)
    .bind(f.name)
    .bind(f.title)
    .bind(f.case_type)
    .bind(f.description)
    .bind(f.solution_suggestion)
    .bind(f.fields_json)
    .bind(f.used_keys)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

/// Updates a template.
pub async fn update(conn: &mut Conn, id: &str, f: &TemplateFields<'_>, now: i64) -> StoreResult<()> {
    sqlx::query(
        "UPDATE case_templates SET name = $2, title = $3, case_type = $4, description = $5, solution_suggestion = $6, \
         fields_json = $7, used_keys = $8, updated_at = $9 WHERE id = $1",
    )
    .bind(id)
    .bind(f.name)
    .bind(f.title)
    .bind(f.case_type)
    .bind(f.description)
    .bind(f.solution_suggestion)
    .bind(f.fields_json)
    .bind(f.used_keys)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

/// Activates or deactivates a template.
pub async fn set_active(conn: &mut Conn, id: &str, active: bool, now: i64) -> StoreResult<()> {
    sqlx::query("UPDATE case_templates SET active = $2, updated_at = $3 WHERE id = $1")
        .bind(id)
        .bind(i64::from(active))
        .bind(now)
        .execute(conn)
        .await?;
    Ok(())
}

/// Loads a template of a workspace.
pub async fn get(conn: &mut Conn, workspace_id: &str, id: &str) -> StoreResult<Option<TemplateRow>> {
    let sql = format!("SELECT {COLUMNS} FROM case_templates WHERE workspace_id = $1 AND id = $2");
    Ok(sqlx::query_as(AssertSqlSafe(sql)).bind(workspace_id).bind(id).fetch_optional(conn).await?)
}

/// Templates of a workspace by name (active first unless `only_active`).
pub async fn list(conn: &mut Conn, workspace_id: &str, only_active: bool) -> StoreResult<Vec<TemplateRow>> {
    let active = if only_active { " AND active = 1" } else { "" };
    let sql = format!(
        "SELECT {COLUMNS} FROM case_templates WHERE workspace_id = $1{active} ORDER BY active DESC, lower(name), id"
    );
    Ok(sqlx::query_as(AssertSqlSafe(sql)).bind(workspace_id).fetch_all(conn).await?)
}
