//! Load on `aka serve` over loopback: sustained documents/s and mentions/s, client-side write
//! latency and 503s at 1, 8 and 64 client threads, query latency while ingesting, and where the
//! server's CPU goes.
//!
//! `cargo bench -p aka-cli --bench serve -- [SECONDS]` (default 15 per level). Builds the release
//! `aka`, then for each level starts a fresh `aka serve` on an empty store under target/tmp
//! (default flags, `--listen 127.0.0.1:0`) and runs that many client threads for SECONDS, each
//! with its own keep-alive ureq Agent, POSTing one document per request to /v1/documents in a
//! closed loop (a client sends its next document when the last is answered). During the 8-client
//! level one more thread searches (GET /v1/entities?q=NAME&limit=10) and fetches the first hit
//! (GET /v1/entities/{id}), back to back. Each server is stopped with SIGTERM and must exit 0.
//! Documents are seed-sized, as in benches/ingest.rs: a seed article plus a sentence naming two
//! invented people, every doc_id distinct. Prints one Markdown table.

#[path = "support.rs"]
mod support;

use std::collections::BTreeMap;
use std::fs;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use serde::Deserialize;
use serde_json::{Value, json};

const LEVELS: &[usize] = &[1, 8, 64];
const SECONDS_DEFAULT: u64 = 15;
/// The level during which the query thread runs, and the level the targets are for.
const QUERY_LEVEL: usize = 8;
const TARGET_DOCS_PER_S: f64 = 1_000.0;
const TARGET_P99_MS: f64 = 50.0;
const READY_WAIT: Duration = Duration::from_secs(60);
const EXIT_WAIT: Duration = Duration::from_secs(120);
const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);
/// After a 503 or a failed request a client pauses this long: short, so that overload shows in
/// the rate rather than being hidden by the server's `Retry-After: 1`, but not a busy loop.
const RETRY_PAUSE: Duration = Duration::from_millis(10);
/// Linux counts CPU time in ticks of 1/100 s (USER_HZ) on every architecture we run on.
const TICKS_PER_S: f64 = 100.0;
/// What `aka serve` holds by default: a closed loop of N clients never queues more than N
/// writes, so 503s need more clients than this.
const QUEUE_DEPTH_DEFAULT: usize = 1024;

fn main() {
    // `cargo bench` passes `--bench`; the first number is the seconds per level.
    let seconds = std::env::args().skip(1).find_map(|a| a.parse().ok()).unwrap_or(SECONDS_DEFAULT).max(1);
    let duration = Duration::from_secs(seconds);
    let aka = support::build_cli("serve").unwrap_or_else(|err| panic!("no aka binary: {err}"));
    eprintln!("serve bench: {} for {seconds} s per level", aka.display());
    let corpus = Corpus::read();
    let next_doc = AtomicUsize::new(0);
    let scratch_root = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    let rows: Vec<Row> =
        LEVELS.iter().map(|&clients| run_level(&aka, &scratch_root, &corpus, &next_doc, clients, duration)).collect();
    print_report(&rows, seconds);
    for row in &rows {
        assert!(
            row.exit.success(),
            "the server of the {}-client level exited with {} on SIGTERM",
            row.clients,
            row.exit
        );
    }
}

/// The documents: seed articles, and a sentence naming invented people for each.
struct Corpus {
    seeds: Vec<String>,
}

impl Corpus {
    fn read() -> Corpus {
        Corpus { seeds: support::seed_articles() }
    }

    /// Document `n`: as benches/ingest.rs makes them.
    fn document(&self, n: usize) -> Value {
        json!({ "doc_id": format!("serve-bench-{n}"), "text": support::seed_sized_text(&self.seeds, n) })
    }
}

/// A name the documents hold, for query `n`.
fn query_name(n: usize) -> String {
    let (first, last) = (support::FIRST, support::LAST);
    format!("{} {}", first[n % first.len()], last[(n / first.len()) % last.len()])
}

/// What one level measured.
struct Row {
    clients: usize,
    seconds: f64,
    writes: Tally,
    queries: Option<Queries>,
    cpu: Cpu,
    metrics: BTreeMap<String, f64>,
    exit: ExitStatus,
    exit_s: f64,
}

fn run_level(
    aka: &Path,
    scratch_root: &Path,
    corpus: &Corpus,
    next_doc: &AtomicUsize,
    clients: usize,
    duration: Duration,
) -> Row {
    let scratch = tempfile::Builder::new().prefix("aka-serve-bench-").tempdir_in(scratch_root).expect("a dir");
    let server = Server::start(aka, scratch.path());
    eprintln!("serve bench: {clients} clients against {} (pid {})", server.base, server.pid());
    let before = Cpu::sample(server.pid());
    let started = Instant::now();
    let deadline = started + duration;
    let (writes, queries) = thread::scope(|scope| {
        let base = server.base.as_str();
        let writers: Vec<_> =
            (0..clients).map(|_| scope.spawn(move || client(base, corpus, next_doc, deadline))).collect();
        let querier = (clients == QUERY_LEVEL).then(|| scope.spawn(move || querier(base, deadline)));
        let mut writes = Tally::default();
        for writer in writers {
            writes.absorb(writer.join().expect("a client thread"));
        }
        (writes, querier.map(|q| q.join().expect("the query thread")))
    });
    let seconds = started.elapsed().as_secs_f64();
    let cpu = Cpu::sample(server.pid()).since(&before, seconds);
    let metrics = server.metrics();
    let stopping = Instant::now();
    let exit = server.stop();
    let exit_s = stopping.elapsed().as_secs_f64();
    report_errors(clients, &writes, queries.as_ref());
    Row { clients, seconds, writes, queries, cpu, metrics, exit, exit_s }
}

fn report_errors(clients: usize, writes: &Tally, queries: Option<&Queries>) {
    if writes.unchanged > 0 {
        eprintln!("serve bench: {clients} clients: {} documents answered unchanged", writes.unchanged);
    }
    if let Some(err) = &writes.first_error {
        eprintln!("serve bench: {clients} clients: {} failed writes, the first: {err}", writes.errors);
    }
    if let Some(err) = queries.and_then(|q| q.first_error.as_ref()) {
        eprintln!("serve bench: {clients} clients: failed queries, the first: {err}");
    }
}

/// What the write clients saw.
#[derive(Default)]
struct Tally {
    /// Per answered write (2xx), from sending the request to reading the whole answer.
    latencies: Vec<Duration>,
    appended: usize,
    unchanged: usize,
    mentions: usize,
    overloaded: usize,
    errors: usize,
    first_error: Option<String>,
}

impl Tally {
    fn absorb(&mut self, other: Tally) {
        self.latencies.extend(other.latencies);
        self.appended += other.appended;
        self.unchanged += other.unchanged;
        self.mentions += other.mentions;
        self.overloaded += other.overloaded;
        self.errors += other.errors;
        self.first_error = self.first_error.take().or(other.first_error);
    }

    fn error(&mut self, what: String) {
        self.errors += 1;
        self.first_error.get_or_insert(what);
        thread::sleep(RETRY_PAUSE);
    }
}

#[derive(Deserialize)]
struct Ingested {
    results: Vec<IngestedDocument>,
}

#[derive(Deserialize)]
struct IngestedDocument {
    status: String,
    mentions: usize,
}

/// One write client: POSTs documents one at a time until the deadline.
fn client(base: &str, corpus: &Corpus, next_doc: &AtomicUsize, deadline: Instant) -> Tally {
    let agent = ureq::AgentBuilder::new().timeout(REQUEST_TIMEOUT).build();
    let url = format!("{base}/v1/documents");
    let mut tally = Tally::default();
    while Instant::now() < deadline {
        let document = corpus.document(next_doc.fetch_add(1, Ordering::Relaxed));
        let started = Instant::now();
        let answer = agent.post(&url).send_json(document).map(|r| r.into_json::<Ingested>());
        let latency = started.elapsed();
        match answer {
            Ok(Ok(ingested)) => {
                tally.latencies.push(latency);
                for result in ingested.results {
                    match result.status.as_str() {
                        "appended" => tally.appended += 1,
                        _ => tally.unchanged += 1,
                    }
                    tally.mentions += result.mentions;
                }
            }
            Ok(Err(err)) => tally.error(format!("reading an answer: {err}")),
            Err(ureq::Error::Status(503, response)) => {
                tally.overloaded += 1;
                // Read to the end, so that the connection is kept.
                let _ = response.into_string();
                thread::sleep(RETRY_PAUSE);
            }
            Err(ureq::Error::Status(code, response)) => {
                tally.error(format!("{code}: {}", response.into_string().unwrap_or_default()));
            }
            Err(err) => tally.error(err.to_string()),
        }
    }
    tally
}

/// What the query thread saw.
#[derive(Default)]
struct Queries {
    search: Vec<Duration>,
    get: Vec<Duration>,
    /// Searches that found nothing (no GET follows them).
    misses: usize,
    errors: usize,
    first_error: Option<String>,
}

impl Queries {
    fn fail(&mut self, what: String) {
        self.errors += 1;
        self.first_error.get_or_insert(what);
        thread::sleep(RETRY_PAUSE);
    }
}

/// Searches for a name the documents hold and fetches the first hit, until the deadline.
fn querier(base: &str, deadline: Instant) -> Queries {
    let agent = ureq::AgentBuilder::new().timeout(REQUEST_TIMEOUT).build();
    let mut queries = Queries::default();
    for n in 0.. {
        if Instant::now() >= deadline {
            break;
        }
        let name = query_name(n);
        let started = Instant::now();
        let found = agent
            .get(&format!("{base}/v1/entities"))
            .query("q", &name)
            .query("limit", "10")
            .call()
            .map_err(|e| e.to_string())
            .and_then(|r| r.into_json::<Value>().map_err(|e| e.to_string()));
        let found = match found {
            Ok(found) => found,
            Err(err) => {
                queries.fail(format!("search {name:?}: {err}"));
                continue;
            }
        };
        queries.search.push(started.elapsed());
        let Some(id) = found["entities"][0]["id"].as_str() else {
            queries.misses += 1;
            continue;
        };
        let started = Instant::now();
        match agent.get(&format!("{base}/v1/entities/{id}")).call().map(ureq::Response::into_string) {
            Ok(Ok(_)) => queries.get.push(started.elapsed()),
            Ok(Err(err)) => queries.fail(format!("reading entity {id}: {err}")),
            Err(err) => queries.fail(format!("entity {id}: {err}")),
        }
    }
    queries
}

/// A running `aka serve`; killed if dropped before it was stopped (a panicking bench leaves no
/// server behind).
struct Server {
    child: Option<Child>,
    base: String,
}

impl Server {
    fn start(aka: &Path, scratch: &Path) -> Server {
        let stderr = fs::File::create(scratch.join("server.stderr")).expect("a log file");
        let mut child = Command::new(aka)
            .arg("--data")
            .arg(scratch.join("data"))
            .args(["serve", "--listen", "127.0.0.1:0"])
            .stdout(Stdio::piped())
            .stderr(stderr)
            .spawn()
            .expect("start aka serve");
        let mut stdout = BufReader::new(child.stdout.take().expect("the server's stdout"));
        let mut line = String::new();
        stdout.read_line(&mut line).expect("the server's first line");
        // Nothing else is expected on stdout; whatever comes must not fill the pipe.
        thread::spawn(move || std::io::copy(&mut stdout, &mut std::io::sink()));
        let addr = line.trim().strip_prefix("listening on ").map(str::to_string);
        // Made before the check, so that a failed check kills the server as it unwinds.
        let server = Server { child: Some(child), base: addr.clone().unwrap_or_default() };
        assert!(addr.is_some(), "the server's first line is {line:?}, not \"listening on http://ADDR\"");
        server.wait_ready();
        server
    }

    fn pid(&self) -> u32 {
        self.child.as_ref().expect("a running server").id()
    }

    fn wait_ready(&self) {
        let agent = ureq::AgentBuilder::new().timeout(REQUEST_TIMEOUT).build();
        let started = Instant::now();
        while agent.get(&format!("{}/readyz", self.base)).call().is_err() {
            assert!(started.elapsed() < READY_WAIT, "the server was not ready within {READY_WAIT:?}");
            thread::sleep(Duration::from_millis(20));
        }
    }

    /// The counters and gauges of `/metrics`, by name (histogram lines left out).
    fn metrics(&self) -> BTreeMap<String, f64> {
        let text = ureq::get(&format!("{}/metrics", self.base))
            .call()
            .expect("GET /metrics")
            .into_string()
            .expect("the metrics text");
        text.lines()
            .filter(|l| !l.starts_with('#') && !l.contains('{'))
            .filter_map(|l| l.split_once(' '))
            .filter_map(|(name, value)| Some((name.to_string(), value.trim().parse().ok()?)))
            .collect()
    }

    /// SIGTERM, then waits for the exit.
    fn stop(mut self) -> ExitStatus {
        let mut child = self.child.take().expect("a running server");
        let sent = Command::new("kill").args(["-TERM", &child.id().to_string()]).status().expect("run kill");
        assert!(sent.success(), "kill -TERM {} failed", child.id());
        let started = Instant::now();
        loop {
            if let Some(status) = child.try_wait().expect("wait for the server") {
                return status;
            }
            if started.elapsed() > EXIT_WAIT {
                let _ = child.kill();
                panic!("the server did not exit within {EXIT_WAIT:?} of SIGTERM");
            }
            thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(child) = self.child.as_mut() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// CPU time of the server's threads and of this process, from /proc (zeros elsewhere).
struct Cpu {
    /// Per server thread id: its name and CPU seconds.
    threads: BTreeMap<String, (String, f64)>,
    /// This process (the clients), CPU seconds.
    bench: f64,
    /// Over a level: server CPU seconds per wall second.
    server_cores: f64,
    /// Over a level: the busiest server thread's name and its CPU seconds per wall second.
    busiest: (String, f64),
    /// Over a level: this process's CPU seconds per wall second.
    bench_cores: f64,
}

impl Cpu {
    fn sample(pid: u32) -> Cpu {
        let mut threads = BTreeMap::new();
        for entry in fs::read_dir(format!("/proc/{pid}/task")).into_iter().flatten().flatten() {
            let stat = fs::read_to_string(entry.path().join("stat")).unwrap_or_default();
            if let Some((name, seconds)) = cpu_of(&stat) {
                threads.insert(entry.file_name().to_string_lossy().into_owned(), (name, seconds));
            }
        }
        let bench = cpu_of(&fs::read_to_string("/proc/self/stat").unwrap_or_default()).map_or(0.0, |(_, s)| s);
        Cpu { threads, bench, server_cores: 0.0, busiest: (String::new(), 0.0), bench_cores: 0.0 }
    }

    /// The rates between `before` and this sample, `seconds` apart.
    fn since(mut self, before: &Cpu, seconds: f64) -> Cpu {
        let spent = |tid: &String, now: f64| now - before.threads.get(tid).map_or(0.0, |(_, s)| *s);
        self.server_cores = self.threads.iter().map(|(tid, (_, s))| spent(tid, *s)).sum::<f64>() / seconds;
        self.busiest = self
            .threads
            .iter()
            .map(|(tid, (name, s))| (name.clone(), spent(tid, *s) / seconds))
            .max_by(|a, b| a.1.total_cmp(&b.1))
            .unwrap_or_default();
        self.bench_cores = (self.bench - before.bench) / seconds;
        self
    }
}

/// The name and CPU seconds (user + system) in a /proc stat line.
fn cpu_of(stat: &str) -> Option<(String, f64)> {
    let (head, tail) = stat.rsplit_once(')')?;
    let name = head.split_once('(')?.1.to_string();
    // After the name: state is field 3, utime field 14 and stime field 15.
    let fields: Vec<&str> = tail.split_whitespace().collect();
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    Some((name, f64::from(u32::try_from(ticks).unwrap_or(u32::MAX)) / TICKS_PER_S))
}

fn print_report(rows: &[Row], seconds: u64) {
    let cores = thread::available_parallelism().map_or(0, std::num::NonZero::get);
    // The servers inherit the environment: an AKA_ variable set there changes their settings.
    let settings: Vec<String> =
        std::env::vars().filter(|(k, _)| k.starts_with("AKA_")).map(|(k, v)| format!("{k}={v}")).collect();
    let settings = if settings.is_empty() {
        "default flags".to_string()
    } else {
        format!("default flags but {}", settings.join(" "))
    };
    println!(
        "A fresh `aka serve` per level (empty store under target/tmp, {settings}), {seconds} s per level, \
         clients on the same machine ({cores} cores) over loopback; one document per POST, closed loop."
    );
    println!();
    println!(
        "| clients | seconds | documents | docs/s | mentions/s | write p50 ms | write p99 ms | write max ms | 503s | other errors | docs per flush | server CPU, cores | busiest server thread, % of a core | bench CPU, cores | entities at end | SIGTERM exit, s |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");
    for r in rows {
        print_row(r);
    }
    println!();
    for r in rows {
        if let Some(q) = &r.queries {
            let (mut search, mut get) = (q.search.clone(), q.get.clone());
            search.sort_unstable();
            get.sort_unstable();
            println!(
                "Queries while ingesting at {} clients (one more thread, back to back): GET /v1/entities?q=NAME&limit=10: {} requests, p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms ({} found nothing); GET /v1/entities/{{id}}: {} requests, p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms; {} failed.",
                r.clients,
                search.len(),
                ms(percentile(&search, 50)),
                ms(percentile(&search, 99)),
                ms(percentile(&search, 100)),
                q.misses,
                get.len(),
                ms(percentile(&get, 50)),
                ms(percentile(&get, 99)),
                ms(percentile(&get, 100)),
                q.errors
            );
        }
    }
    println!(
        "503s: a closed loop of N clients queues at most N writes, under the default queue depth of {QUEUE_DEPTH_DEFAULT}, so none are expected here."
    );
    print_target(rows);
}

fn print_row(r: &Row) {
    let mut w = r.writes.latencies.clone();
    w.sort_unstable();
    let metric = |name: &str| r.metrics.get(name).copied().unwrap_or(0.0);
    let per_flush = metric("aka_documents_ingested_total") / metric("aka_flushes_total").max(1.0);
    println!(
        "| {} | {:.1} | {} | {:.0} | {:.0} | {:.2} | {:.2} | {:.2} | {} | {} | {:.1} | {:.2} | {:.0} ({}) | {:.2} | {:.0} | {:.1}: {} |",
        r.clients,
        r.seconds,
        r.writes.appended,
        count(r.writes.appended) / r.seconds,
        count(r.writes.mentions) / r.seconds,
        ms(percentile(&w, 50)),
        ms(percentile(&w, 99)),
        ms(percentile(&w, 100)),
        r.writes.overloaded,
        r.writes.errors,
        per_flush,
        r.cpu.server_cores,
        r.cpu.busiest.1 * 100.0,
        r.cpu.busiest.0,
        r.cpu.bench_cores,
        metric("aka_entities"),
        r.exit_s,
        r.exit.code().map_or_else(|| r.exit.to_string(), |c| c.to_string())
    );
}

fn print_target(rows: &[Row]) {
    let Some(r) = rows.iter().find(|r| r.clients == QUERY_LEVEL) else { return };
    let mut w = r.writes.latencies.clone();
    w.sort_unstable();
    let (rate, p99) = (count(r.writes.appended) / r.seconds, ms(percentile(&w, 99)));
    let met = rate >= TARGET_DOCS_PER_S && p99 < TARGET_P99_MS;
    println!(
        "Target: ≥ {TARGET_DOCS_PER_S:.0} seed-sized documents/s sustained with p99 write latency < {TARGET_P99_MS:.0} ms at {QUERY_LEVEL} clients; measured {rate:.0} documents/s, p99 {p99:.2} ms: {}.",
        if met { "met" } else { "NOT met" }
    );
}

/// The nearest-rank percentile `p` (0..=100) of sorted durations; zero when there are none.
fn percentile(sorted: &[Duration], p: usize) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = (sorted.len() * p).div_ceil(100).clamp(1, sorted.len());
    sorted[rank - 1]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn count(n: usize) -> f64 {
    f64::from(u32::try_from(n).unwrap_or(u32::MAX))
}
