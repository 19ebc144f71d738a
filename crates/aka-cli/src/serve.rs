//! `aka serve`: the flags of the service, and the tokio runtime it runs on.

use std::io::Write;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use aka::{EngineConfig, Rules, SnapshotPolicy};
use aka_server::{Limits, ServeConfig};
use anyhow::{Context, Result};
use clap::Args;

#[derive(Args)]
pub struct ServeArgs {
    /// Address to listen on; port 0 takes any free port. The bound address is printed on the
    /// first line of standard output: "listening on http://ADDR".
    #[arg(long, default_value = "127.0.0.1:7878")]
    listen: SocketAddr,
    /// Also ingest .txt and .jsonl files that appear in this folder, each once (remembered in
    /// DATA/watched.jsonl across restarts).
    #[arg(long, value_name = "DIR")]
    watch: Option<PathBuf>,
    /// How often the watched folder is looked at, in milliseconds.
    #[arg(long, value_name = "MS", default_value_t = 1000)]
    watch_every_ms: u64,
    /// Writes that may wait for the writer; beyond, writes get 503 with Retry-After.
    #[arg(long, value_name = "N", default_value_t = Limits::default().queue_depth_max)]
    queue_depth: usize,
    /// Largest request body in bytes (413 above).
    #[arg(long, value_name = "BYTES", default_value_t = Limits::default().body_bytes_max)]
    body_max: usize,
    /// Most documents in one POST /v1/documents.
    #[arg(long, value_name = "N", default_value_t = Limits::default().batch_documents_max)]
    batch_max: usize,
    /// Most writes made durable together by one flush.
    #[arg(long, value_name = "N", default_value_t = Limits::default().group_commit_max)]
    group_commit_max: usize,
    /// Largest document text in bytes.
    #[arg(long, value_name = "BYTES", default_value_t = EngineConfig::default().document_len_max)]
    document_max: usize,
    /// Most mentions in one document or batch.
    #[arg(long, value_name = "N", default_value_t = EngineConfig::default().mentions_per_doc_max)]
    mentions_max: usize,
}

/// Runs the service until SIGTERM or SIGINT.
pub fn run(data: &Path, rules: Rules, snapshots: SnapshotPolicy, args: &ServeArgs) -> Result<()> {
    // One more than the limit, so that a text with too many mentions is refused, not cut.
    let extract = aka::ExtractConfig {
        mentions_per_doc_max: args.mentions_max.saturating_add(1),
        ..aka::ExtractConfig::default()
    };
    let engine = EngineConfig {
        extract,
        rules: Arc::new(rules),
        durability: aka::Durability::Deferred,
        // A daemon stops rarely, and restarts should not replay: it always leaves a snapshot.
        snapshots: SnapshotPolicy { on_close_min: 0, ..snapshots },
        document_len_max: args.document_max,
        mentions_per_doc_max: args.mentions_max,
        ..EngineConfig::default()
    };
    let config = ServeConfig {
        data: data.to_path_buf(),
        listen: args.listen,
        engine,
        limits: Limits {
            body_bytes_max: args.body_max,
            queue_depth_max: args.queue_depth,
            batch_documents_max: args.batch_max,
            group_commit_max: args.group_commit_max,
            ..Limits::default()
        },
        watch: args.watch.clone(),
        watch_every: Duration::from_millis(args.watch_every_ms.max(10)),
    };
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().context("starting tokio")?;
    runtime.block_on(aka_server::serve(config, |addr| {
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "listening on http://{addr}");
        let _ = out.flush();
    }))?;
    Ok(())
}
