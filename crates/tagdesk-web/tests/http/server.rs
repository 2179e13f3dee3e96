//! The real server loop on a loopback socket: half-open and idle connections are closed after the header
//! timeout while new clients are served; over the per-address limit a connection is closed at once, and
//! when all places are taken the connection waiting longest without a request makes room.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use tagdesk_web::limits::Limits;
use tagdesk_web::server::{ConnectionLimits, serve};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};

use crate::support::TestApp;

/// Starts the server on 127.0.0.1 with `limits`; returns its address and a stop switch.
async fn start(app: &TestApp, limits: ConnectionLimits) -> (SocketAddr, tokio::sync::oneshot::Sender<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let router = app.service();
    tokio::spawn(async move {
        serve(listener, router, limits, async {
            let _ = stopped.await;
        })
        .await
        .expect("serve");
    });
    (addr, stop)
}

/// A connection from `source` (a loopback address) that sends the start of a request and never ends it.
async fn half_open(addr: SocketAddr, source: [u8; 4]) -> TcpStream {
    let socket = TcpSocket::new_v4().expect("socket");
    socket.bind(SocketAddr::from((source, 0))).expect("bind source");
    let mut stream = socket.connect(addr).await.expect("connect");
    stream.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n").await.expect("write");
    stream
}

/// Whether the server closed the connection within `within` (EOF or reset).
async fn closed_within(stream: &mut TcpStream, within: Duration) -> bool {
    let mut buf = [0_u8; 256];
    loop {
        match tokio::time::timeout(within, stream.read(&mut buf)).await {
            Err(_) => return false,
            Ok(Ok(0) | Err(_)) => return true,
            Ok(Ok(_)) => {} // a 408 or similar before closing
        }
    }
}

/// `GET /healthz` on a new connection from `source`: the status line, or `None` when refused.
async fn healthz(addr: SocketAddr, source: [u8; 4]) -> Option<String> {
    let socket = TcpSocket::new_v4().ok()?;
    socket.bind(SocketAddr::from((source, 0))).ok()?;
    let mut stream = socket.connect(addr).await.ok()?;
    stream.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").await.ok()?;
    let mut answer = Vec::new();
    tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut answer)).await.ok()?.ok()?;
    String::from_utf8_lossy(&answer).lines().next().map(str::to_owned).filter(|l| !l.is_empty())
}

fn limits(max_connections: usize, per_client: usize) -> ConnectionLimits {
    let limits = Limits {
        max_connections,
        max_connections_per_client: per_client,
        header_read_timeout: Duration::from_millis(1500),
        ..Limits::default()
    };
    ConnectionLimits::new(&limits, false, None)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn half_open_and_idle_connections_are_closed_while_new_clients_are_served() {
    let app = TestApp::sqlite().await;
    let (addr, _stop) = start(&app, limits(200, 0)).await;
    let mut attackers = Vec::new();
    for i in 0..60_u8 {
        attackers.push(half_open(addr, [127, 0, 0, 2 + i % 8]).await);
    }
    // An idle keep-alive connection after one complete request.
    let mut idle = TcpStream::connect(addr).await.expect("connect");
    idle.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n").await.expect("write");
    let mut buf = [0_u8; 512];
    let n = idle.read(&mut buf).await.expect("answer");
    assert!(String::from_utf8_lossy(&buf[..n]).starts_with("HTTP/1.1 200"));

    let started = Instant::now();
    assert_eq!(healthz(addr, [127, 0, 0, 1]).await.as_deref(), Some("HTTP/1.1 200 OK"), "served during the attack");
    // Well before the 1.5 s header timeout frees anything: served during the attack, not after it.
    assert!(started.elapsed() < Duration::from_millis(1200), "at once: {:?}", started.elapsed());

    for (i, stream) in attackers.iter_mut().enumerate() {
        assert!(closed_within(stream, Duration::from_secs(3)).await, "half-open connection {i} was closed");
    }
    assert!(closed_within(&mut idle, Duration::from_secs(3)).await, "the idle keep-alive connection was closed");
    assert!(started.elapsed() < Duration::from_secs(5), "soon after the header timeout: {:?}", started.elapsed());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_over_the_limits_are_closed_at_once_and_the_places_come_back() {
    let app = TestApp::sqlite().await;
    let (addr, _stop) = start(&app, limits(12, 5)).await;
    // One client address holds its 5 places; a 6th connection of it is closed at once…
    let mut held = Vec::new();
    for _ in 0..5 {
        held.push(half_open(addr, [127, 0, 0, 2]).await);
    }
    tokio::time::sleep(Duration::from_millis(50)).await;
    let mut sixth = half_open(addr, [127, 0, 0, 2]).await;
    assert!(closed_within(&mut sixth, Duration::from_millis(300)).await, "the 6th connection of one client");
    // …while another client is served.
    assert_eq!(healthz(addr, [127, 0, 0, 3]).await.as_deref(), Some("HTTP/1.1 200 OK"));
    // Fill the total limit (12) from other addresses: a real client still gets in, because the connection
    // that has waited longest without a request is closed to make room.
    for i in 0..7_u8 {
        held.push(half_open(addr, [127, 0, 0, 10 + i]).await);
    }
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert_eq!(healthz(addr, [127, 0, 0, 30]).await.as_deref(), Some("HTTP/1.1 200 OK"), "served although full");
    assert!(closed_within(&mut held[0], Duration::from_millis(300)).await, "the oldest half-open one made room");
    // After the header timeout the places are free again.
    for stream in &mut held[1..] {
        assert!(closed_within(stream, Duration::from_secs(3)).await);
    }
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(healthz(addr, [127, 0, 0, 2]).await.as_deref(), Some("HTTP/1.1 200 OK"), "places given back");
}
