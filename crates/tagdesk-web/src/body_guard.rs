//! Every request body is read under limits, whether it declares a `Content-Length` or comes chunked:
//! the size limit of its address ([`body_limit`]), a pause limit between pieces, a minimum average
//! transfer rate after a grace period, and a total time (see [`crate::limits::Limits`]). A body that
//! breaks one ends with a [`BodyTimeout`] error (the handler answers 408) or a length error (413), and
//! the connection is closed by hyper afterwards.

use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::Request;
use http_body::{Frame, SizeHint};
use tokio::time::{Instant, Sleep};

use crate::limits::Limits;

/// Why a body was cut off for being too slow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum BodyTimeout {
    /// No data for longer than the pause limit.
    #[error("the request body stalled")]
    Stalled,
    /// Slower on average than the minimum rate.
    #[error("the request body arrives too slowly")]
    TooSlow,
    /// Reading took longer than the total limit.
    #[error("the request body took too long")]
    TooLong,
}

impl BodyTimeout {
    /// Whether `err` (or anything in its source chain) is a body timeout.
    pub fn is_in(err: &(dyn std::error::Error + 'static)) -> bool {
        let mut current: Option<&(dyn std::error::Error + 'static)> = Some(err);
        while let Some(err) = current {
            if err.is::<BodyTimeout>() {
                return true;
            }
            current = err.source();
        }
        false
    }
}

/// The timing rules of one body.
#[derive(Debug, Clone, Copy)]
pub struct BodyTiming {
    /// Longest pause between pieces.
    pub idle: Duration,
    /// Slowest average rate after `grace`, in bytes per second.
    pub min_bytes_per_s: u64,
    /// No rate check before this.
    pub grace: Duration,
    /// Longest time in all.
    pub total: Duration,
}

impl BodyTiming {
    /// The rules of `limits`.
    pub fn from_limits(limits: &Limits) -> Self {
        Self {
            idle: limits.body_idle_timeout,
            min_bytes_per_s: limits.body_min_bytes_per_s,
            grace: limits.body_rate_grace,
            total: limits.body_total_timeout,
        }
    }
}

pin_project_lite::pin_project! {
    /// A body that fails with [`BodyTimeout`] when it breaks its [`BodyTiming`].
    pub struct TimedBody<B> {
        #[pin]
        inner: B,
        #[pin]
        wake: Sleep,
        timing: BodyTiming,
        started: Instant,
        last_data: Instant,
        received: u64,
    }
}

impl<B> TimedBody<B> {
    /// Wraps `inner`; the clock starts now.
    pub fn new(inner: B, timing: BodyTiming) -> Self {
        let now = Instant::now();
        let wake = tokio::time::sleep_until(next_check(now, now, now, timing));
        Self { inner, wake, timing, started: now, last_data: now, received: 0 }
    }
}

/// When to look again: the pause deadline, the total deadline, and — for the rate — the end of the grace
/// period, then once a second.
fn next_check(started: Instant, last_data: Instant, now: Instant, timing: BodyTiming) -> Instant {
    let mut at = (last_data + timing.idle).min(started + timing.total);
    if timing.min_bytes_per_s > 0 {
        let rate_check =
            if now < started + timing.grace { started + timing.grace } else { now + Duration::from_secs(1) };
        at = at.min(rate_check);
    }
    at.max(now + Duration::from_millis(1))
}

/// Whether `received` bytes after `elapsed` are below the minimum rate (only after the grace period).
fn too_slow(received: u64, elapsed: Duration, timing: BodyTiming) -> bool {
    if timing.min_bytes_per_s == 0 || elapsed < timing.grace {
        return false;
    }
    let expected = u128::from(timing.min_bytes_per_s) * elapsed.as_millis() / 1000;
    u128::from(received) < expected
}

/// The rule a body breaks at `now`, if any.
fn broken(
    started: Instant,
    last_data: Instant,
    received: u64,
    now: Instant,
    timing: BodyTiming,
) -> Option<BodyTimeout> {
    if now >= started + timing.total {
        Some(BodyTimeout::TooLong)
    } else if too_slow(received, now - started, timing) {
        Some(BodyTimeout::TooSlow)
    } else if now >= last_data + timing.idle {
        Some(BodyTimeout::Stalled)
    } else {
        None
    }
}

impl<B> http_body::Body for TimedBody<B>
where
    B: http_body::Body<Data = Bytes>,
    B::Error: Into<axum::BoxError>,
{
    type Data = Bytes;
    type Error = axum::BoxError;

    fn poll_frame(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        let mut this = self.project();
        let timing = *this.timing;
        match this.inner.poll_frame(cx) {
            Poll::Ready(Some(Ok(frame))) => {
                let now = Instant::now();
                if let Some(data) = frame.data_ref() {
                    *this.received += data.len() as u64;
                    *this.last_data = now;
                }
                if let Some(err) = broken(*this.started, *this.last_data, *this.received, now, timing) {
                    return Poll::Ready(Some(Err(err.into())));
                }
                this.wake.as_mut().reset(next_check(*this.started, *this.last_data, now, timing));
                Poll::Ready(Some(Ok(frame)))
            }
            Poll::Ready(Some(Err(err))) => Poll::Ready(Some(Err(err.into()))),
            Poll::Ready(None) => Poll::Ready(None),
            Poll::Pending => loop {
                if this.wake.as_mut().poll(cx).is_pending() {
                    return Poll::Pending;
                }
                let now = Instant::now();
                if let Some(err) = broken(*this.started, *this.last_data, *this.received, now, timing) {
                    return Poll::Ready(Some(Err(err.into())));
                }
                this.wake.as_mut().reset(next_check(*this.started, *this.last_data, now, timing));
            },
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

/// The largest body accepted at `path`: portal reports (photos) get the portal's larger limit, the label
/// logo upload of the API its 2 MB, everything else `max_body_bytes`.
pub fn body_limit(path: &str, max_body_bytes: usize) -> usize {
    let is_report = path.starts_with("/d/") && path.ends_with("/report");
    if is_report {
        max_body_bytes.max(tagdesk_app::portal::settings::REPORT_BODY_LIMIT_BYTES)
    } else if path == crate::api::labels::settings::LOGO_PATH {
        max_body_bytes.min(tagdesk_app::labels::settings::MAX_LOGO_BYTES)
    } else {
        max_body_bytes
    }
}

/// Wraps the request's body in the size limit of its path and the timing rules of `limits` (a body known
/// to be empty, as of most GET requests, is left alone).
pub fn guard(request: Request, limits: &Limits) -> Request {
    if http_body::Body::size_hint(request.body()).exact() == Some(0) {
        return request;
    }
    let max = body_limit(request.uri().path(), limits.max_body_bytes);
    let timing = BodyTiming::from_limits(limits);
    request.map(|body| Body::new(http_body_util::Limited::new(TimedBody::new(body, timing), max)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn timing() -> BodyTiming {
        BodyTiming {
            idle: Duration::from_secs(30),
            min_bytes_per_s: 1000,
            grace: Duration::from_secs(10),
            total: Duration::from_secs(120),
        }
    }

    #[test]
    fn the_rate_is_checked_only_after_the_grace_period() {
        assert!(!too_slow(0, Duration::from_secs(9), timing()));
        assert!(too_slow(0, Duration::from_secs(11), timing()));
        assert!(!too_slow(11_000, Duration::from_secs(11), timing()));
        assert!(too_slow(10_999, Duration::from_secs(11), timing()));
    }

    #[test]
    fn report_addresses_get_the_larger_limit() {
        assert_eq!(body_limit("/devices/import", 1000), 1000);
        assert!(body_limit("/d/ABC/report", 1000) > 1000);
        assert_eq!(body_limit("/api/v1/labels/logo", 10 << 20), 2 << 20, "a logo is at most 2 MB");
    }

    #[tokio::test(start_paused = true)]
    async fn a_body_dribbling_one_byte_at_a_time_is_cut_off_after_the_grace_period() {
        use http_body_util::BodyExt;
        let (tx, rx) = tokio::sync::mpsc::channel::<Result<Frame<Bytes>, std::io::Error>>(4);
        let stream = http_body_util::StreamBody::new(tokio_stream::wrappers::ReceiverStream::new(rx));
        let body = TimedBody::new(stream, timing());
        let feeder = tokio::spawn(async move {
            for _ in 0..100 {
                if tx.send(Ok(Frame::data(Bytes::from_static(b"x")))).await.is_err() {
                    return;
                }
                tokio::time::sleep(Duration::from_secs(5)).await;
            }
        });
        let started = Instant::now();
        let err = body.collect().await.expect_err("cut off");
        assert!(BodyTimeout::is_in(err.as_ref()), "{err}");
        assert_eq!(err.downcast_ref::<BodyTimeout>(), Some(&BodyTimeout::TooSlow));
        let took = started.elapsed();
        assert!(took >= Duration::from_secs(10) && took <= Duration::from_secs(12), "cut after {took:?}");
        feeder.abort();
    }

    #[tokio::test(start_paused = true)]
    async fn a_stalled_body_ends_after_the_pause_limit() {
        use http_body_util::BodyExt;
        let (tx, rx) = tokio::sync::mpsc::channel::<Result<Frame<Bytes>, std::io::Error>>(4);
        let stream = http_body_util::StreamBody::new(tokio_stream::wrappers::ReceiverStream::new(rx));
        let body = TimedBody::new(stream, BodyTiming { min_bytes_per_s: 0, ..timing() });
        tx.send(Ok(Frame::data(Bytes::from_static(b"start")))).await.expect("send");
        let started = Instant::now();
        let err = body.collect().await.expect_err("cut off");
        assert_eq!(err.downcast_ref::<BodyTimeout>(), Some(&BodyTimeout::Stalled));
        assert!(started.elapsed() >= Duration::from_secs(30) && started.elapsed() < Duration::from_secs(31));
        drop(tx);
    }

    #[tokio::test(start_paused = true)]
    async fn a_steady_body_passes() {
        use http_body_util::BodyExt;
        let (tx, rx) = tokio::sync::mpsc::channel::<Result<Frame<Bytes>, std::io::Error>>(4);
        let stream = http_body_util::StreamBody::new(tokio_stream::wrappers::ReceiverStream::new(rx));
        let body = TimedBody::new(stream, timing());
        tokio::spawn(async move {
            for _ in 0..30 {
                let _ = tx.send(Ok(Frame::data(Bytes::from(vec![b'x'; 2000])))).await;
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        });
        let bytes = body.collect().await.expect("complete").to_bytes();
        assert_eq!(bytes.len(), 60_000);
    }
}
