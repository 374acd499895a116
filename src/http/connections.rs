//! Accepting connections: a cap on how many are open, a deadline for a request's head,
//! and a graceful drain at shutdown.
//!
//! `axum::serve` exposes neither hyper's header-read timeout nor a connection cap, so a
//! client that opens connections and trickles (or never sends) its headers could hold
//! sockets and file descriptors without end. This loop is axum's, with those two limits.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tower::ServiceExt;

/// Largest request head (request line and headers) read, in bytes; a larger one gets 431.
/// Session cookies and the contract's headers fit many times over.
pub const MAX_HEAD_BYTES: usize = 64 * 1024;

/// How long requests in flight may finish once shutdown begins.
const DRAIN_PATIENCE: Duration = Duration::from_secs(30);

/// The limits a connection lives under.
#[derive(Debug, Clone, Copy)]
pub struct ConnectionLimits {
    /// Connections open at once; the next ones wait in the kernel's backlog.
    pub max_connections: usize,
    /// Time for a request's head to arrive, counted from when the server starts reading
    /// it (on a new connection, from its opening; on a kept-alive one, from the previous
    /// response): idle and slow connections are closed after it.
    pub header_timeout: Duration,
}

/// Serves `app` on `listener` until `shutdown` resolves, then lets open requests finish.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    limits: ConnectionLimits,
    shutdown: impl Future<Output = ()>,
) {
    let slots = Arc::new(Semaphore::new(limits.max_connections));
    let graceful = GracefulShutdown::new();
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout)
        .max_header_size(MAX_HEAD_BYTES);
    tokio::pin!(shutdown);
    loop {
        let accepted = tokio::select! {
            () = &mut shutdown => break,
            accepted = accept(&listener, &slots) => accepted,
        };
        let Some((stream, peer, slot)) = accepted else {
            continue;
        };
        let service = hyper::service::service_fn({
            let app = app.clone();
            move |mut request: hyper::Request<Incoming>| {
                // What `into_make_service_with_connect_info` would add: throttling keys on it.
                request.extensions_mut().insert(ConnectInfo(peer));
                app.clone().oneshot(request.map(Body::new))
            }
        });
        let connection = graceful.watch(http.serve_connection(TokioIo::new(stream), service));
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                tracing::debug!(%peer, error = %e, "connection ended with an error");
            }
            drop(slot);
        });
    }
    drop(listener);
    if tokio::time::timeout(DRAIN_PATIENCE, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!("requests still open after {DRAIN_PATIENCE:?}; stopping anyway");
    }
}

/// The next connection, once a slot is free. `None` when accepting failed: out of file
/// descriptors, for instance, which passes; the loop waits a little and goes on.
async fn accept(
    listener: &TcpListener,
    slots: &Arc<Semaphore>,
) -> Option<(
    tokio::net::TcpStream,
    SocketAddr,
    tokio::sync::OwnedSemaphorePermit,
)> {
    let slot = slots.clone().acquire_owned().await.ok()?;
    match listener.accept().await {
        Ok((stream, peer)) => {
            let _ = stream.set_nodelay(true);
            Some((stream, peer, slot))
        }
        Err(e) => {
            tracing::warn!(error = %e, "accepting a connection failed");
            tokio::time::sleep(Duration::from_millis(50)).await;
            None
        }
    }
}
