//! Devices, their search, and the history of moves between deployments.

use sqlx::AssertSqlSafe;
use sqlx::FromRow;

use crate::Conn;
use crate::error::StoreResult;
use crate::sql::{SqlBuilder, contains_pattern};

/// A stored device with its deployment's name.
#[derive(Debug, Clone, FromRow)]
pub struct DeviceRow {
    pub id: String,
    pub workspace_id: String,
    pub deployment_id: String,
    pub deployment_name: String,
    pub name: String,
    pub serial_number: Option<String>,
    pub manufacturer: String,
    pub model: String,
    /// Stored as `,tag one,tag two,`; see [`DeviceRow::tag_list`].
    pub tags: String,
    pub notes: String,
    pub archived_at: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
    /// The customer-portal token printed on the label (canonical upper-case); `None` until assigned.
    pub portal_token: Option<String>,
}

impl DeviceRow {
    /// The tags as a list.
    pub fn tag_list(&self) -> Vec<String> {
        self.tags.split(',').filter(|t| !t.is_empty()).map(str::to_owned).collect()
    }
}

/// The writable fields of a device.
#[derive(Debug, Clone)]
pub struct DeviceFields<'a> {
    pub name: &'a str,
    pub serial_number: Option<&'a str>,
    pub manufacturer: &'a str,
    pub model: &'a str,
    pub tags: &'a [String],
    pub notes: &'a str,
}

/// Filters for listing devices.
#[derive(Debug, Clone, Default)]
pub struct DeviceFilter<'a> {
    pub workspace_id: &'a str,
    /// Only deployments where this user holds a role.
    pub member: Option<&'a str>,
    pub deployment_id: Option<&'a str>,
    pub tag: Option<&'a str>,
    /// Matches name, serial number, manufacturer, model.
    pub text: Option<&'a str>,
    pub include_archived: bool,
    /// Continue after this device id.
    pub after: Option<&'a str>,
    pub limit: i64,
}

/// A move of a device between deployments.
#[derive(Debug, Clone, FromRow)]
pub struct MoveRow {
    pub from_deployment_name: String,
    pub to_deployment_name: String,
    pub moved_by_name: Option<String>,
    pub moved_at: i64,
}

const SELECT: &str = "SELECT v.id, v.workspace_id, v.deployment_id, d.name AS deployment_name, v.name, v.serial_number, \
    v.manufacturer, v.model, v.tags, v.notes, v.archived_at, v.created_at, v.updated_at, v.portal_token \
    FROM devices v JOIN deployments d ON d.id = v.deployment_id";

fn stored_tags(tags: &[String]) -> (String, String) {
    if tags.is_empty() {
        return (String::new(), String::new());
    }
    let joined = format!(",{},", tags.join(","));
    let search = joined.to_lowercase();
    (joined, search)
}

/// Inserts a device; a duplicate serial number in the workspace is a unique violation on `serial`.
pub async fn insert(
    conn: &mut Conn,
    id: &str,
    workspace_id: &str,
    deployment_id: &str,
    f: &DeviceFields<'_>,
    now: i64,
) -> StoreResult<()> {
    let (tags, tags_search) = stored_tags(f.tags);
    sqlx::query(
        "INSERT INTO devices (id, workspace_id, deployment_id, name, serial_number, manufacturer, model, tags, \
         tags_search, notes, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11)",
    )
    .bind(id)
    .bind(workspace_id)
    .bind(deployment_id)
    .bind(f.name)
    .bind(f.serial_number)
    .bind(f.manufacturer)
    .bind(f.model)
    .bind(tags)
    .bind(tags_search)
    .bind(f.notes)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

/// Updates a device's fields.
pub async fn update(conn: &mut Conn, id: &str, f: &DeviceFields<'_>, now: i64) -> StoreResult<()> {
    let (tags, tags_search) = stored_tags(f.tags);
    sqlx::query(
        "UPDATE devices SET name = $2, serial_number = $3, manufacturer = $4, model = $5, tags = $6, tags_search = $7, \
         notes = $8, updated_at = $9 WHERE id = $1",
    )
    .bind(id)
    .bind(f.name)
    .bind(f.serial_number)
    .bind(f.manufacturer)
    .bind(f.model)
    .bind(tags)
    .bind(tags_search)
    .bind(f.notes)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

/// Loads a device of a workspace.
pub async fn get(conn: &mut Conn, workspace_id: &str, id: &str) -> StoreResult<Option<DeviceRow>> {
    let sql = format!("{SELECT} WHERE v.workspace_id = $1 AND v.id = $2");
    Ok(sqlx::query_as(AssertSqlSafe(sql)).bind(workspace_id).bind(id).fetch_optional(conn).await?)
}

/// Finds a device by serial number (ignoring case) in a workspace.
pub async fn find_by_serial(conn: &mut Conn, workspace_id: &str, serial: &str) -> StoreResult<Option<DeviceRow>> {
    let sql = format!("{SELECT} WHERE v.workspace_id = $1 AND lower(v.serial_number) = lower($2)");
    Ok(sqlx::query_as(AssertSqlSafe(sql)).bind(workspace_id).bind(serial).fetch_optional(conn).await?)
}

/// Lists devices in id (creation) order.
pub async fn list(conn: &mut Conn, filter: &DeviceFilter<'_>) -> StoreResult<Vec<DeviceRow>> {
    let mut q = SqlBuilder::new(SELECT);
    q.push(" WHERE v.workspace_id = ").bind_text(filter.workspace_id);
    if let Some(user) = filter.member {
        q.push(" AND v.deployment_id IN (SELECT deployment_id FROM deployment_roles WHERE user_id = ")
            .bind_text(user)
            .push(")");
    }
    if let Some(deployment) = filter.deployment_id {
        q.push(" AND v.deployment_id = ").bind_text(deployment);
    }
    if let Some(tag) = filter.tag.map(str::trim).filter(|t| !t.is_empty()) {
        q.push(" AND v.tags_search LIKE ").bind_text(contains_pattern(&format!(",{tag},"))).push(" ESCAPE '\\'");
    }
    if let Some(text) = filter.text.map(str::trim).filter(|t| !t.is_empty()) {
        let pattern = contains_pattern(text);
        q.push(" AND (lower(v.name) LIKE ").bind_text(pattern.clone()).push(" ESCAPE '\\'");
        for column in ["v.serial_number", "v.manufacturer", "v.model"] {
            q.push(&format!(" OR lower({column}) LIKE ")).bind_text(pattern.clone()).push(" ESCAPE '\\'");
        }
        q.push(")");
    }
    if !filter.include_archived {
        q.push(" AND v.archived_at IS NULL");
    }
    if let Some(after) = filter.after {
        q.push(" AND v.id > ").bind_text(after);
    }
    q.push(" ORDER BY v.id LIMIT ").bind_int(filter.limit);
    Ok(q.query_as().fetch_all(conn).await?)
}

/// Archives (Some) or restores (None) a device.
pub async fn set_archived(conn: &mut Conn, id: &str, archived_at: Option<i64>, now: i64) -> StoreResult<()> {
    sqlx::query("UPDATE devices SET archived_at = $2, updated_at = $3 WHERE id = $1")
        .bind(id)
        .bind(archived_at)
        .bind(now)
        .execute(conn)
        .await?;
    Ok(())
}

/// A move to record.
#[derive(Debug, Clone)]
pub struct NewMove<'a> {
    pub id: &'a str,
    pub device_id: &'a str,
    pub from: (&'a str, &'a str),
    pub to: (&'a str, &'a str),
    pub moved_by: Option<&'a str>,
    pub now: i64,
}

/// Moves a device to another deployment and records the move.
pub async fn move_to(conn: &mut Conn, m: &NewMove<'_>) -> StoreResult<()> {
    sqlx::query("UPDATE devices SET deployment_id = $2, updated_at = $3 WHERE id = $1")
        .bind(m.device_id)
        .bind(m.to.0)
        .bind(m.now)
        .execute(&mut *conn)
        .await?;
    sqlx::query(
        "INSERT INTO device_moves (id, device_id, from_deployment_id, from_deployment_name, to_deployment_id, \
         to_deployment_name, moved_by, moved_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(m.id)
    .bind(m.device_id)
    .bind(m.from.0)
    .bind(m.from.1)
    .bind(m.to.0)
    .bind(m.to.1)
    .bind(m.moved_by)
    .bind(m.now)
    .execute(conn)
    .await?;
    Ok(())
}

/// A device's moves, oldest first.
pub async fn moves(conn: &mut Conn, device_id: &str) -> StoreResult<Vec<MoveRow>> {
    Ok(sqlx::query_as(
        "SELECT m.from_deployment_name, m.to_deployment_name, u.display_name AS moved_by_name, m.moved_at \
         FROM device_moves m LEFT JOIN users u ON u.id = m.moved_by WHERE m.device_id = $1 ORDER BY m.moved_at, m.id",
    )
    .bind(device_id)
    .fetch_all(conn)
    .await?)
}

/// Every serial number in a workspace, as stored (lets an import check thousands of rows in one query).
pub async fn serial_numbers(conn: &mut Conn, workspace_id: &str) -> StoreResult<Vec<String>> {
    Ok(sqlx::query_scalar("SELECT serial_number FROM devices WHERE workspace_id = $1 AND serial_number IS NOT NULL")
        .bind(workspace_id)
        .fetch_all(conn)
        .await?)
}
