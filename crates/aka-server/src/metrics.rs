//! Counters and a latency histogram for `/metrics`, in Prometheus' text format. Atomics only:
//! the writer and the handlers update them without a lock.

use std::fmt::Write;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering::Relaxed};
use std::time::Duration;

/// Upper bounds of the write-latency buckets, in seconds.
const BUCKETS: [f64; 11] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5];

/// What the server counts.
#[derive(Debug, Default)]
pub struct Metrics {
    /// Documents appended.
    pub documents: AtomicU64,
    /// Batches of bare mentions appended.
    pub mention_batches: AtomicU64,
    /// Mentions observed.
    pub mentions: AtomicU64,
    /// Writes answered with success.
    pub writes_ok: AtomicU64,
    /// Writes answered with an error.
    pub writes_failed: AtomicU64,
    /// Writes refused with 503 because the queue was full.
    pub writes_rejected: AtomicU64,
    /// Group commits (flushes).
    pub flushes: AtomicU64,
    /// Jobs waiting in the queue when the writer last looked.
    pub queue_depth: AtomicUsize,
    buckets: [AtomicU64; BUCKETS.len()],
    latency_count: AtomicU64,
    latency_micros: AtomicU64,
}

impl Metrics {
    /// Counts an appended document (or mention batch) and its mentions.
    pub fn count_ingest(&self, document: bool, mentions: usize) {
        if document { &self.documents } else { &self.mention_batches }.fetch_add(1, Relaxed);
        self.mentions.fetch_add(u64::try_from(mentions).unwrap_or(u64::MAX), Relaxed);
    }

    /// Records a write's latency, from queueing to its answer.
    pub fn observe_write(&self, latency: Duration, ok: bool) {
        if ok { &self.writes_ok } else { &self.writes_failed }.fetch_add(1, Relaxed);
        let seconds = latency.as_secs_f64();
        for (bound, bucket) in BUCKETS.iter().zip(&self.buckets) {
            if seconds <= *bound {
                bucket.fetch_add(1, Relaxed);
            }
        }
        self.latency_count.fetch_add(1, Relaxed);
        self.latency_micros.fetch_add(u64::try_from(latency.as_micros()).unwrap_or(u64::MAX), Relaxed);
    }

    /// The text of `/metrics`, with the gauges read from the engine passed in.
    pub fn render(&self, gauges: &Gauges) -> String {
        let mut out = String::new();
        let counter = |out: &mut String, name: &str, help: &str, value: u64| {
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} counter\n{name} {value}");
        };
        let gauge = |out: &mut String, name: &str, help: &str, value: f64| {
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} gauge\n{name} {value}");
        };
        counter(&mut out, "aka_documents_ingested_total", "Documents appended.", self.documents.load(Relaxed));
        counter(
            &mut out,
            "aka_mention_batches_ingested_total",
            "Batches of bare mentions appended.",
            self.mention_batches.load(Relaxed),
        );
        counter(&mut out, "aka_mentions_ingested_total", "Mentions observed.", self.mentions.load(Relaxed));
        counter(
            &mut out,
            "aka_writes_ok_total",
            "Writes answered with success (durable).",
            self.writes_ok.load(Relaxed),
        );
        counter(
            &mut out,
            "aka_writes_failed_total",
            "Writes answered with an error.",
            self.writes_failed.load(Relaxed),
        );
        counter(
            &mut out,
            "aka_writes_rejected_total",
            "Writes refused with 503: queue full.",
            self.writes_rejected.load(Relaxed),
        );
        counter(
            &mut out,
            "aka_flushes_total",
            "Group commits: one flush for each group of writes.",
            self.flushes.load(Relaxed),
        );
        let _ = writeln!(out, "# HELP aka_write_latency_seconds Time from queueing a write to its durable answer.");
        let _ = writeln!(out, "# TYPE aka_write_latency_seconds histogram");
        for (bound, bucket) in BUCKETS.iter().zip(&self.buckets) {
            let _ = writeln!(out, "aka_write_latency_seconds_bucket{{le=\"{bound}\"}} {}", bucket.load(Relaxed));
        }
        let count = self.latency_count.load(Relaxed);
        let _ = writeln!(out, "aka_write_latency_seconds_bucket{{le=\"+Inf\"}} {count}");
        let sum = Duration::from_micros(self.latency_micros.load(Relaxed)).as_secs_f64();
        let _ = writeln!(out, "aka_write_latency_seconds_sum {sum}\naka_write_latency_seconds_count {count}");
        gauge(&mut out, "aka_queue_depth", "Writes waiting for the writer.", gauges.queue_depth as f64);
        gauge(&mut out, "aka_log_last_seq", "Sequence number of the last event in the log.", gauges.last_seq as f64);
        gauge(
            &mut out,
            "aka_durable_seq",
            "Sequence number of the last event flushed to disk.",
            gauges.durable_seq as f64,
        );
        gauge(&mut out, "aka_entities", "Live entities.", gauges.entities as f64);
        gauge(
            &mut out,
            "aka_snapshot_seq",
            "Sequence number the newest snapshot covers (0: none).",
            gauges.snapshot_seq as f64,
        );
        gauge(
            &mut out,
            "aka_snapshot_age_events",
            "Events appended since the newest snapshot.",
            gauges.last_seq.saturating_sub(gauges.snapshot_seq) as f64,
        );
        gauge(&mut out, "aka_ready", "1 once the state is loaded.", if gauges.ready { 1.0 } else { 0.0 });
        out
    }
}

/// Values `/metrics` reads from the engine and the queue when asked.
#[derive(Debug, Default)]
pub struct Gauges {
    /// Jobs in the queue.
    pub queue_depth: usize,
    /// The log's last sequence number.
    pub last_seq: u64,
    /// The last flushed sequence number.
    pub durable_seq: u64,
    /// Live entities.
    pub entities: u64,
    /// What the newest snapshot covers.
    pub snapshot_seq: u64,
    /// Whether the state is loaded.
    pub ready: bool,
}
