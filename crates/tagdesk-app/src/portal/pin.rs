//! The portal PIN and its guard against guessing.
//!
//! A deployment's PIN has only 10,000 values, so the guard, not the PIN, carries the security target
//! (PRODUCT.md §3: with unlimited client addresses, at most a 5 % chance to hit the PIN within 7 days).
//! Three layers, all counted in the database so that every instance shares them:
//!
//! 1. **Per client** (deployment × client key): after [`CLIENT_FREE_FAILURES`] wrong PINs the client is
//!    locked out for [`FIRST_LOCK_MS`], and every further wrong PIN doubles the lock, up to [`MAX_LOCK_MS`].
//!    A correct PIN resets the client; its record is forgotten [`CLIENT_MEMORY_MS`] after its last lock-out
//!    (or last wrong PIN) ended. Trusted browsers (those holding a trust token from an earlier correct PIN)
//!    count in a bucket of their own, so an attacker behind the same address cannot lock them out.
//! 2. **Per deployment**: wrong PINs fill two leaky buckets. One holds [`BURST_FAILURES`] and drains in
//!    [`BURST_WINDOW_MS`] (so more than 20 wrong PINs within an hour overflow it), the other holds
//!    [`DAILY_FAILURES`] and drains in [`DAILY_WINDOW_MS`] (so an attacker pacing below the hourly limit is
//!    caught too). When either overflows, the deployment enters **guarded mode** for [`GUARDED_FOR_MS`],
//!    extended by every further overflow (not by a trickle of wrong PINs within the buckets' drain rate,
//!    which could otherwise hold it forever), and staff are alerted once per guarded period (an outbox row
//!    `portal.pin_attack`, written in the same transaction, plus the back-office banner fed by
//!    `portal::settings::guarded`).
//! 3. **In guarded mode** attempts from untrusted browsers are evaluated at most once per
//!    [`GUARDED_EVALUATION_INTERVAL_MS`] per deployment; the others get [`PinOutcome::Throttled`] without
//!    the PIN being checked at all. Trusted browsers are evaluated as usual.
//!
//! Every attempt is first counted as wrong (in one short transaction that serialises the deployment's
//! attempts), then checked with Argon2 outside the transaction, and refunded if it was right. So parallel
//! requests cannot slip past a limit, and a crash in between errs on the safe side. One consequence: any
//! attempt arriving when a deployment bucket is already full (e.g. after 20 wrong PINs within the hour)
//! starts guarded mode, even if it then turns out right.
//!
//! Because the PIN is checked outside the admission transaction, staff may change it (or disable the
//! portal) in between. A correct PIN therefore yields a [`PinProof`] naming the PIN hash and session epoch
//! it was checked against, and only [`crate::portal::session::start`] turns it into a session and a trust
//! token — in one transaction under the settings row lock that refuses a proof whose PIN or epoch is no
//! longer current. Someone who knew the old PIN cannot keep the door open across a PIN change.
//!
//! Worst case, derived from the constants: an attacker who never triggers guarded mode gets at most
//! `DAILY_FAILURES` + 7 days / (`DAILY_WINDOW_MS` / `DAILY_FAILURES`) = 40 + 280 = 320 evaluated guesses in
//! 7 days (3.2 %); one who floods gets per day about 21 before guarded mode and 32 in it (one per 45 min;
//! too few to overflow, so the period ends after a day and the flood starts it again): ≈ 7 × 45 ≈ 315
//! (3.1 %). `tests/pin_simulation.rs` runs both against the real store with a manual clock.

use tagdesk_domain::{DeploymentId, Pin};
use tagdesk_store::pin_guard::{self, BucketRow};

use crate::auth::secret_hash;
use crate::{App, AppError, AppResult};

const MINUTE_MS: i64 = 60 * 1000;
const HOUR_MS: i64 = 60 * MINUTE_MS;
const DAY_MS: i64 = 24 * HOUR_MS;

/// Wrong PINs a client may enter at a deployment before its first lock-out.
pub const CLIENT_FREE_FAILURES: i64 = 5;
/// The first lock-out, after the [`CLIENT_FREE_FAILURES`]th wrong PIN: 1 minute. Every further wrong PIN
/// doubles it (2, 4, 8 … minutes).
pub const FIRST_LOCK_MS: i64 = MINUTE_MS;
/// The longest lock-out: 24 hours.
pub const MAX_LOCK_MS: i64 = DAY_MS;
/// A client's wrong PINs are forgotten this long (24 hours) after its lock-out (or its last wrong PIN, when
/// not locked out) ended.
pub const CLIENT_MEMORY_MS: i64 = DAY_MS;
/// Deployment-wide burst limit: more than this many wrong PINs within [`BURST_WINDOW_MS`] start guarded
/// mode (a leaky bucket of 20 that drains one wrong PIN every 3 minutes).
pub const BURST_FAILURES: i64 = 20;
/// The window of [`BURST_FAILURES`]: 1 hour.
pub const BURST_WINDOW_MS: i64 = HOUR_MS;
/// Deployment-wide daily limit: more than this many wrong PINs within [`DAILY_WINDOW_MS`] start guarded
/// mode (a leaky bucket of 40 that drains one wrong PIN every 36 minutes); it catches attackers who pace
/// themselves below the burst limit.
pub const DAILY_FAILURES: i64 = 40;
/// The window of [`DAILY_FAILURES`]: 24 hours.
pub const DAILY_WINDOW_MS: i64 = DAY_MS;
/// How long guarded mode lasts after the wrong PIN that started or last extended it: 24 hours.
pub const GUARDED_FOR_MS: i64 = DAY_MS;
/// In guarded mode, browsers without a trust token are evaluated at most once per this interval per
/// deployment (45 minutes); other attempts are refused without checking the PIN.
pub const GUARDED_EVALUATION_INTERVAL_MS: i64 = 45 * MINUTE_MS;

/// Evidence that a PIN was right when it was checked: the deployment, and the PIN hash and session epoch
/// it was checked against. Only this module makes one; [`crate::portal::session::start`] consumes it and
/// starts a session only while the PIN and epoch are still the same.
#[derive(PartialEq, Eq)]
pub struct PinProof {
    pub(super) deployment: DeploymentId,
    pub(super) pin_hash: String,
    pub(super) session_epoch: i64,
}

impl PinProof {
    /// The deployment whose PIN was entered.
    pub fn deployment(&self) -> DeploymentId {
        self.deployment
    }
}

impl std::fmt::Debug for PinProof {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Not the PIN hash: it would allow an offline search of the 10,000 PINs.
        f.debug_struct("PinProof")
            .field("deployment", &self.deployment)
            .field("session_epoch", &self.session_epoch)
            .finish_non_exhaustive()
    }
}

/// What became of a PIN attempt.
#[derive(Debug, PartialEq, Eq)]
pub enum PinOutcome {
    /// The PIN was right when checked; pass the proof to [`crate::portal::session::start`], which starts a
    /// portal session and issues a trust token unless the PIN changed meanwhile.
    Correct(PinProof),
    /// The PIN is wrong (or not four digits); `locked_for_s` is set when this attempt started a lock-out.
    Wrong {
        /// Seconds the client is now locked out for.
        locked_for_s: Option<i64>,
    },
    /// This client is locked out; the PIN was not checked.
    Locked {
        /// Seconds until the lock-out ends.
        retry_after_s: i64,
    },
    /// The deployment is in guarded mode and this browser has no trust token; the PIN was not checked.
    Throttled {
        /// Seconds until an attempt may be evaluated again (not a promise: others may take that turn).
        retry_after_s: i64,
    },
}

impl PinOutcome {
    /// Whether the PIN was actually compared with the deployment's (an attacker learned something).
    pub fn was_evaluated(&self) -> bool {
        matches!(self, Self::Correct(_) | Self::Wrong { .. })
    }

    /// Whether the PIN was right.
    pub fn is_correct(&self) -> bool {
        matches!(self, Self::Correct(_))
    }
}

/// Guarded-mode state of a deployment, for staff pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GuardStatus {
    /// End of guarded mode (UTC ms) while it lasts; `None` when the deployment is not guarded.
    pub guarded_until: Option<i64>,
}

/// The lock-out a client earns with its `failures`th wrong PIN (0 while under the free allowance).
pub fn lock_ms(failures: i64) -> i64 {
    if failures < CLIENT_FREE_FAILURES {
        return 0;
    }
    let doublings = u32::try_from(failures - CLIENT_FREE_FAILURES).unwrap_or(u32::MAX).min(20);
    FIRST_LOCK_MS.saturating_mul(1_i64 << doublings).min(MAX_LOCK_MS)
}

/// Milliseconds as whole seconds, rounded up, at least 1.
fn ceil_s(ms: i64) -> i64 {
    ((ms + 999) / 1000).max(1)
}

/// A deployment-wide leaky bucket: holds `capacity` wrong PINs and drains them evenly over `window_ms`.
#[derive(Debug, Clone, Copy)]
struct LeakyBucket {
    part: &'static str,
    capacity: i64,
    window_ms: i64,
}

const BURST: LeakyBucket = LeakyBucket { part: "hour", capacity: BURST_FAILURES, window_ms: BURST_WINDOW_MS };
const DAILY: LeakyBucket = LeakyBucket { part: "day", capacity: DAILY_FAILURES, window_ms: DAILY_WINDOW_MS };

impl LeakyBucket {
    /// The time one wrong PIN takes to drain.
    fn step_ms(self) -> i64 {
        self.window_ms / self.capacity
    }

    /// Adds one wrong PIN to a bucket that is empty at `empty_at`; returns the new "empty at" time (kept
    /// at most one unit above capacity, so an overflow drains within a window) and whether it overflowed.
    fn charge(self, empty_at: i64, now: i64) -> (i64, bool) {
        let step = self.step_ms();
        let empty_at = (empty_at.max(now) + step).min(now + (self.capacity + 1) * step);
        (empty_at, empty_at - now > self.capacity * step)
    }
}

/// Buckets of one attempt.
struct Buckets {
    client: String,
    burst: String,
    daily: String,
    slot: String,
}

impl Buckets {
    fn new(deployment: &str, client_key: &str, trusted: bool) -> Self {
        Self {
            client: pin_guard::client_bucket(deployment, trusted, &secret_hash(client_key)),
            burst: pin_guard::deployment_bucket(deployment, BURST.part),
            daily: pin_guard::deployment_bucket(deployment, DAILY.part),
            slot: pin_guard::deployment_bucket(deployment, "slot"),
        }
    }
}

/// The admission decision, taken and recorded in one transaction before the PIN is checked.
enum Admission {
    /// Refused without evaluation.
    Refused(PinOutcome),
    /// Counted as wrong; check the PIN against `pin_hash` (current under `session_epoch`).
    Evaluate { pin_hash: String, session_epoch: i64, locked_for_s: Option<i64> },
}

/// One PIN attempt at a deployment's portal.
///
/// `client_key` identifies the client (a keyed hash of its address, from the web layer); `trusted` says
/// the browser presented a valid trust token for this deployment (it then skips guarded mode and counts
/// in a per-client bucket of its own). Input that is not four digits counts as a wrong PIN and is
/// reported as [`PinOutcome::Wrong`]. A right PIN gives [`PinOutcome::Correct`] with the proof to start a
/// session with (see [`crate::portal::session::start`]). A deployment without an enabled portal and a PIN gives
/// [`AppError::NotFound`].
pub async fn attempt(
    app: &App,
    deployment_id: DeploymentId,
    pin_text: &str,
    client_key: &str,
    trusted: bool,
) -> AppResult<PinOutcome> {
    let deployment = deployment_id.to_string();
    let buckets = Buckets::new(&deployment, client_key, trusted);
    let (pin_hash, session_epoch, locked_for_s) = match admit(app, &deployment, &buckets, trusted).await? {
        Admission::Refused(outcome) => return Ok(outcome),
        Admission::Evaluate { pin_hash, session_epoch, locked_for_s } => (pin_hash, session_epoch, locked_for_s),
    };
    let (correct, pin_hash) = match Pin::parse(pin_text) {
        Ok(pin) => {
            let pin = pin.as_str().to_owned();
            (app.hashing.verify(pin_hash.clone(), pin).await?, pin_hash)
        }
        Err(_) => (false, pin_hash),
    };
    if !correct {
        let client = crate::auth::log_key(&buckets.client);
        match locked_for_s {
            Some(lock_s) => tracing::warn!(
                deployment.id = %deployment, client.key = %client, lock_s, "portal PIN wrong: client locked out"
            ),
            None => tracing::info!(deployment.id = %deployment, client.key = %client, "portal PIN wrong"),
        }
        return Ok(PinOutcome::Wrong { locked_for_s });
    }
    // Right after all: give the counted failure back.
    let now = app.now();
    let mut tx = app.store.begin().await?;
    pin_guard::delete_bucket(&mut tx, &buckets.client).await?;
    pin_guard::refund(&mut tx, &buckets.burst, BURST.step_ms(), now).await?;
    pin_guard::refund(&mut tx, &buckets.daily, DAILY.step_ms(), now).await?;
    tx.commit().await?;
    Ok(PinOutcome::Correct(PinProof { deployment: deployment_id, pin_hash, session_epoch }))
}

/// Decides whether an attempt is evaluated and, if so, counts it as wrong (lock-outs, deployment buckets,
/// guarded mode, alert) — all in one transaction under the deployment's settings row lock.
async fn admit(app: &App, deployment: &str, buckets: &Buckets, trusted: bool) -> AppResult<Admission> {
    let now = app.now();
    let mut tx = app.store.begin().await?;
    let settings = pin_guard::lock_settings(&mut tx, deployment).await?.ok_or(AppError::NotFound)?;
    if !settings.is_enabled() || settings.pin_hash.is_empty() {
        return Err(AppError::NotFound);
    }
    let rows = pin_guard::get_buckets(
        &mut tx,
        &[buckets.client.as_str(), buckets.burst.as_str(), buckets.daily.as_str(), buckets.slot.as_str()],
    )
    .await?;
    let row = |name: &str| rows.iter().find(|r| r.bucket == name).cloned();

    // 1. This client's own lock-out (a record past its memory counts as a fresh start).
    let mut client = row(&buckets.client)
        .filter(|r| now < r.locked_until.saturating_add(CLIENT_MEMORY_MS))
        .unwrap_or(BucketRow { bucket: buckets.client.clone(), failures: 0, locked_until: now, updated_at: now });
    if client.failures >= CLIENT_FREE_FAILURES && client.locked_until > now {
        tracing::info!(
            deployment.id = %deployment, client.key = %crate::auth::log_key(&buckets.client), failures = client.failures,
            "portal PIN attempt refused: client locked out"
        );
        return Ok(Admission::Refused(PinOutcome::Locked { retry_after_s: ceil_s(client.locked_until - now) }));
    }

    // 2. Guarded mode: one evaluation per interval for browsers without a trust token.
    let guarded_until = settings.guarded_until.filter(|until| *until > now);
    if let Some(until) = guarded_until
        && !trusted
    {
        let next_slot = row(&buckets.slot).map_or(i64::MIN, |r| r.locked_until);
        if next_slot > now {
            let retry_after_s = ceil_s(next_slot.min(until) - now);
            tracing::info!(
                deployment.id = %deployment, client.key = %crate::auth::log_key(&buckets.client),
                "portal PIN attempt refused: guarded mode"
            );
            return Ok(Admission::Refused(PinOutcome::Throttled { retry_after_s }));
        }
    }

    // 3. Count the attempt as wrong until Argon2 says otherwise.
    client.failures += 1;
    let lock = lock_ms(client.failures);
    client.locked_until = now + lock;
    client.updated_at = now;
    let mut writes = vec![client];
    let mut overflow = false;
    for (bucket, name) in [(BURST, &buckets.burst), (DAILY, &buckets.daily)] {
        let previous = row(name);
        let (empty_at, over) = bucket.charge(previous.as_ref().map_or(now, |r| r.locked_until), now);
        overflow |= over;
        let failures = previous.map_or(0, |r| r.failures) + 1;
        writes.push(BucketRow { bucket: name.clone(), failures, locked_until: empty_at, updated_at: now });
    }
    if overflow || guarded_until.is_some() {
        // Only new attack volume (an overflowing bucket) starts or extends guarded mode: a trickle of
        // wrong PINs within the buckets' drain rate lets it end GUARDED_FOR_MS after the last overflow.
        let newly = guarded_until.is_none();
        if overflow {
            let until = guarded_until.unwrap_or(now).max(now + GUARDED_FOR_MS);
            pin_guard::set_guarded(&mut tx, deployment, until, newly.then_some(now), now).await?;
            if newly {
                pin_guard::enqueue_alert(&mut tx, deployment, until, now).await?;
                tracing::warn!(deployment.id = %deployment, guarded_until = until, "portal PIN attack suspected: guarded mode");
            }
        }
        if !trusted {
            // This attempt takes the guarded period's current evaluation turn.
            let slot = BucketRow {
                bucket: buckets.slot.clone(),
                failures: 0,
                locked_until: now + GUARDED_EVALUATION_INTERVAL_MS,
                updated_at: now,
            };
            writes.push(slot);
        }
    }
    pin_guard::put_buckets(&mut tx, &writes).await?;
    tx.commit().await?;
    Ok(Admission::Evaluate {
        pin_hash: settings.pin_hash,
        session_epoch: settings.session_epoch,
        locked_for_s: (lock > 0).then(|| ceil_s(lock)),
    })
}

/// Guarded-mode state of a deployment (no rights check: callers show it on pages they already guard).
pub async fn status(app: &App, deployment_id: DeploymentId) -> AppResult<GuardStatus> {
    let now = app.now();
    let mut conn = app.store.read().await?;
    let settings = pin_guard::read_settings(&mut conn, &deployment_id.to_string()).await?;
    Ok(GuardStatus { guarded_until: settings.and_then(|s| s.guarded_until).filter(|until| *until > now) })
}

/// Whether the deployment is in guarded mode now.
pub async fn is_guarded(app: &App, deployment_id: DeploymentId) -> AppResult<bool> {
    Ok(status(app, deployment_id).await?.guarded_until.is_some())
}

/// Deletes per-client records that are past [`CLIENT_MEMORY_MS`] (housekeeping; safe to run any time).
pub async fn purge_forgotten(app: &App) -> AppResult<u64> {
    let mut tx = app.store.begin().await?;
    let purged = pin_guard::purge_client_buckets(&mut tx, app.now() - CLIENT_MEMORY_MS).await?;
    tx.commit().await?;
    Ok(purged)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lock_outs_double_from_the_fifth_wrong_pin_up_to_a_day() {
        assert_eq!((1..=4).map(lock_ms).collect::<Vec<_>>(), vec![0, 0, 0, 0]);
        assert_eq!(lock_ms(5), 60_000);
        assert_eq!(lock_ms(6), 120_000);
        assert_eq!(lock_ms(7), 240_000);
        assert_eq!(lock_ms(15), 1024 * 60_000);
        assert_eq!(lock_ms(16), MAX_LOCK_MS);
        assert_eq!(lock_ms(1_000_000), MAX_LOCK_MS);
    }

    #[test]
    fn leaky_buckets_overflow_past_their_capacity() {
        let now = 1_000_000;
        let mut empty_at = now;
        for n in 1..=BURST_FAILURES {
            let (next, over) = BURST.charge(empty_at, now);
            assert!(!over, "wrong PIN {n} of a burst must not overflow");
            empty_at = next;
        }
        assert!(BURST.charge(empty_at, now).1, "the 21st wrong PIN within the hour overflows");
        // An hour later the bucket has drained.
        assert!(!BURST.charge(empty_at, now + BURST_WINDOW_MS).1);
        // Pacing at exactly the drain rate of the daily bucket never overflows it.
        let mut empty_at = now;
        for i in 0..10_000 {
            let (next, over) = DAILY.charge(empty_at, now + i * DAILY.step_ms());
            assert!(!over);
            empty_at = next;
        }
    }
}
