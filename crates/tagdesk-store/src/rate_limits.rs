//! Fixed-window counters in the database, shared by every instance (login throttling today; PIN
//! guessing and submission quotas build on the same table).

use crate::Conn;
use crate::error::StoreResult;

/// Counts one hit in `bucket` for the window of `window_ms` containing `now`; returns the hits so far.
pub async fn hit(conn: &mut Conn, bucket: &str, window_ms: i64, now: i64) -> StoreResult<i64> {
    let window_start = now - now.rem_euclid(window_ms.max(1));
    Ok(sqlx::query_scalar(
        "INSERT INTO rate_limits (bucket, window_start, hits) VALUES ($1, $2, 1) \
         ON CONFLICT (bucket) DO UPDATE SET \
         hits = CASE WHEN rate_limits.window_start = excluded.window_start THEN rate_limits.hits + 1 ELSE 1 END, \
         window_start = excluded.window_start RETURNING hits",
    )
    .bind(bucket)
    .bind(window_start)
    .fetch_one(conn)
    .await?)
}

/// Hits counted in the current window, without counting one.
pub async fn peek(conn: &mut Conn, bucket: &str, window_ms: i64, now: i64) -> StoreResult<i64> {
    let window_start = now - now.rem_euclid(window_ms.max(1));
    let hits: Option<i64> = sqlx::query_scalar("SELECT hits FROM rate_limits WHERE bucket = $1 AND window_start = $2")
        .bind(bucket)
        .bind(window_start)
        .fetch_optional(conn)
        .await?;
    Ok(hits.unwrap_or(0))
}

/// Forgets a bucket (e.g. after a successful sign-in).
pub async fn reset(conn: &mut Conn, bucket: &str) -> StoreResult<()> {
    sqlx::query("DELETE FROM rate_limits WHERE bucket = $1").bind(bucket).execute(conn).await?;
    Ok(())
}

/// Gives back one counted hit (e.g. an attempt that turned out to be legitimate).
pub async fn refund(conn: &mut Conn, bucket: &str) -> StoreResult<()> {
    sqlx::query("UPDATE rate_limits SET hits = hits - 1 WHERE bucket = $1 AND hits > 0")
        .bind(bucket)
        .execute(conn)
        .await?;
    Ok(())
}
