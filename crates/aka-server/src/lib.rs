//! `aka serve`: the engine as a long-running tokio service with an HTTP/JSON API (axum).
//!
//! One writer thread owns every write ([`writer`]): requests queue their work on a bounded
//! channel, the writer applies it in order and answers a group of requests after one flush, so
//! a 2xx means durable. Readers take the engine's read lock between the writer's jobs. The
//! listener is bound first; the state loads behind it (`/readyz` says when), and SIGTERM or
//! SIGINT stops accepting, lets the writer finish and flush what was accepted, writes a
//! snapshot and returns.

mod api;
mod error;
mod events;
mod metrics;
mod watch;
mod writer;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, OnceLock, RwLock};
use std::time::Duration;

use aka::{Engine, EngineConfig};
use tokio::sync::{mpsc, oneshot, watch as tokio_watch};
use tracing::{error, info, warn};

pub use crate::error::ApiError;
pub use crate::metrics::Metrics;

/// Limits of the service, on top of the engine's own.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Largest request body, in bytes (413 above).
    pub body_bytes_max: usize,
    /// Writes waiting for the writer; when full, writes get 503 with `Retry-After`.
    pub queue_depth_max: usize,
    /// Most documents in one POST.
    pub batch_documents_max: usize,
    /// Most writes made durable by one flush.
    pub group_commit_max: usize,
    /// Most entities in one page of `GET /v1/entities`.
    pub page_len_max: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            body_bytes_max: 32 * 1024 * 1024,
            queue_depth_max: 1024,
            batch_documents_max: 1000,
            group_commit_max: 256,
            page_len_max: 1000,
        }
    }
}

/// How `aka serve` runs.
#[derive(Clone, Debug)]
pub struct ServeConfig {
    /// The data directory.
    pub data: PathBuf,
    /// Where to listen (port 0: any free port; the bound address is printed).
    pub listen: SocketAddr,
    /// The engine's configuration.
    pub engine: EngineConfig,
    /// Limits.
    pub limits: Limits,
    /// A folder whose new .txt and .jsonl files are ingested, each once.
    pub watch: Option<PathBuf>,
    /// How often the watched folder is looked at.
    pub watch_every: Duration,
}

/// Why the service stopped with an error.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ServeError {
    /// The address could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// Why.
        source: std::io::Error,
    },
    /// The store could not be opened.
    #[error("opening data directory {}", data.display())]
    Open {
        /// The data directory.
        data: PathBuf,
        /// Why.
        #[source]
        source: aka::OpenError,
    },
    /// Serving failed.
    #[error("serving: {0}")]
    Io(#[from] std::io::Error),
    /// The final snapshot on shutdown failed (every accepted write is in the log).
    #[error("the snapshot on shutdown failed (the log holds every accepted write): {0}")]
    Snapshot(#[from] aka::SnapshotError),
}

/// What every handler shares.
pub(crate) struct Shared {
    pub engine: OnceLock<Arc<RwLock<Engine>>>,
    /// Taken (closed) at shutdown: the writer then drains what was accepted and stops.
    pub queue: std::sync::Mutex<Option<mpsc::Sender<writer::Job>>>,
    pub durable: tokio_watch::Receiver<u64>,
    pub stopping: tokio_watch::Receiver<bool>,
    pub metrics: Metrics,
    pub limits: Limits,
    /// The engine's configuration, for work done outside the writer (extraction).
    pub engine_config: EngineConfig,
    pub ready: AtomicBool,
    pub request_ids: AtomicU64,
}

/// Why work was not queued for the writer.
pub(crate) enum Unqueued {
    /// The queue is full.
    Full,
    /// The server is shutting down.
    Stopping,
}

impl Shared {
    /// The engine, once loaded.
    pub fn engine(&self) -> Result<&Arc<RwLock<Engine>>, ApiError> {
        self.engine.get().ok_or_else(|| ApiError::unavailable("not_ready", "the state is still loading", 1))
    }

    /// Queues work for the writer without waiting for room; the answer comes on the receiver
    /// once the work is durable (or refused).
    pub fn submit(&self, work: writer::Work) -> Result<oneshot::Receiver<Result<writer::Done, ApiError>>, Unqueued> {
        let (reply, answer) = oneshot::channel();
        let job = writer::Job { work, reply, queued: std::time::Instant::now() };
        let queue = self.queue.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        match queue.as_ref().map(|queue| queue.try_send(job)) {
            Some(Ok(())) => Ok(answer),
            Some(Err(mpsc::error::TrySendError::Full(_))) => Err(Unqueued::Full),
            Some(Err(mpsc::error::TrySendError::Closed(_))) | None => Err(Unqueued::Stopping),
        }
    }
}

/// Runs the service until SIGTERM or SIGINT, then shuts down cleanly: stops accepting, lets
/// the writer finish and flush every accepted write, takes a snapshot and returns.
/// `on_listening` is called with the bound address once the listener is up.
pub async fn serve(config: ServeConfig, on_listening: impl FnOnce(SocketAddr)) -> Result<(), ServeError> {
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .map_err(|source| ServeError::Bind { addr: config.listen, source })?;
    let addr = listener.local_addr()?;
    let (queue_tx, queue_rx) = mpsc::channel(config.limits.queue_depth_max.max(1));
    let (durable_tx, durable_rx) = tokio_watch::channel(0u64);
    let (stop_tx, stop_rx) = tokio_watch::channel(false);
    let shared = Arc::new(Shared {
        engine: OnceLock::new(),
        queue: std::sync::Mutex::new(Some(queue_tx)),
        durable: durable_rx,
        stopping: stop_rx.clone(),
        metrics: Metrics::default(),
        limits: config.limits.clone(),
        engine_config: config.engine.clone(),
        ready: AtomicBool::new(false),
        request_ids: AtomicU64::new(1),
    });
    let stop_tx = Arc::new(stop_tx);
    {
        let stop_tx = Arc::clone(&stop_tx);
        tokio::spawn(async move {
            signal().await;
            let _ = stop_tx.send(true);
        });
    }
    on_listening(addr);
    info!(%addr, data = %config.data.display(), "listening");

    // The state loads behind the listener; then the writer starts (and the watcher).
    let loader = {
        let (shared, config, stop_tx) = (Arc::clone(&shared), config.clone(), Arc::clone(&stop_tx));
        tokio::task::spawn_blocking(move || {
            // Periodic snapshots are the writer's, taken beside it, not the engine's inside an
            // ingest (which would stall every write while one is written).
            let snapshot_every = config.engine.snapshots.every;
            let engine_config = EngineConfig {
                snapshots: aka::SnapshotPolicy { every: 0, ..config.engine.snapshots.clone() },
                ..config.engine.clone()
            };
            let opened = Engine::open(&config.data, engine_config);
            let engine = match opened {
                Ok(engine) => engine,
                Err(source) => {
                    let _ = stop_tx.send(true);
                    return Err(ServeError::Open { data: config.data.clone(), source });
                }
            };
            durable_tx.send_replace(engine.log().last_seq());
            let engine = Arc::new(RwLock::new(engine));
            let _ = shared.engine.set(Arc::clone(&engine));
            shared.ready.store(true, Ordering::Release);
            info!(events = durable_tx.borrow().to_owned(), "ready");
            let (group_max, every) = (config.limits.group_commit_max, snapshot_every);
            Ok(std::thread::spawn(move || {
                writer::run(&engine, queue_rx, &durable_tx, &shared.metrics, group_max, every)
            }))
        })
    };
    if let Some(folder) = config.watch.clone() {
        tokio::spawn(watch::run(Arc::clone(&shared), folder, config.watch_every));
    }

    let mut stop = stop_rx.clone();
    axum::serve(listener, api::router(Arc::clone(&shared)))
        .with_graceful_shutdown(async move {
            let _ = stop.wait_for(|stop| *stop).await;
        })
        .await?;
    info!("stopped accepting; finishing the writes accepted");
    let writer = loader.await.map_err(|e| std::io::Error::other(e.to_string()))??;
    // Closing the queue: the writer drains it, flushes, answers every accepted write, returns.
    drop(shared.queue.lock().unwrap_or_else(std::sync::PoisonError::into_inner).take());
    tokio::task::spawn_blocking(move || writer.join())
        .await
        .map_err(|e| std::io::Error::other(e.to_string()))?
        .map_err(|_| std::io::Error::other("the writer thread panicked"))?;
    let engine = Arc::clone(shared.engine().map_err(|e| std::io::Error::other(e.detail))?);
    tokio::task::spawn_blocking(move || engine.write().unwrap_or_else(std::sync::PoisonError::into_inner).finish())
        .await
        .map_err(|e| std::io::Error::other(e.to_string()))??;
    info!("flushed and snapshotted; stopped");
    Ok(())
}

/// SIGTERM or SIGINT.
async fn signal() {
    let ctrl_c = async {
        if let Err(err) = tokio::signal::ctrl_c().await {
            warn!(error = %err, "cannot listen for SIGINT");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut term) => {
                term.recv().await;
            }
            Err(err) => {
                error!(error = %err, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => info!("SIGINT: shutting down"),
        () = term => info!("SIGTERM: shutting down"),
    }
}
