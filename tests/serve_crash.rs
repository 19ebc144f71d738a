//! `aka serve` as a real process under real faults: killed with SIGKILL while clients write,
//! stopped with SIGTERM under load, watching a folder across restarts, and asked to open a data
//! directory another server holds. Every document a client saw acknowledged (a 2xx) must be in
//! the log afterwards, and every document in the log must be whole.
//!
//! The kill moments and the document texts come from one seeded generator; the seed is printed,
//! and `AKA_SERVE_CRASH_SEED=N` runs the same kill moments and texts again (the interleaving of
//! the client threads is the operating system's). `AKA_SLOW_TESTS=1` runs more rounds.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::hash::{BuildHasher, RandomState};
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, ChildStdout, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::rng::Rng;
use common::{aka, json_lines, ok};
use serde_json::{Value, json};

/// Concurrent writers: enough that the server's writer groups several requests per flush.
const CLIENTS: usize = 6;
const READY_WAIT: Duration = Duration::from_secs(60);
const EXIT_WAIT: Duration = Duration::from_secs(60);
/// Longer than any write takes on a debug build, so that a timeout means a hung server.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// A client's pause after a 503 or a refused connection: not a busy loop, short enough to keep
/// the queue busy.
const RETRY_PAUSE: Duration = Duration::from_millis(10);
/// The SIGKILL comes this long after the clients start, plus up to `KILL_DELAY_MS_SPREAD`.
const KILL_DELAY_MS_MIN: u64 = 100;
const KILL_DELAY_MS_SPREAD: u64 = 1200;
/// Small, so that the crash rounds also kill the server around periodic snapshots and restart
/// from a snapshot plus a tail.
const SNAPSHOT_EVERY: &str = "400";
const WATCH_EVERY_MS: u64 = 50;

// Invented names for the document texts.
const PEOPLE: &[&str] = &[
    "Ilse Varnholt",
    "Tobiah Quennell",
    "Marisol Adeyemi-Lunt",
    "Kasimir Oduya",
    "Renata Vashkova",
    "Pell Okonkwo-Grier",
    "Dagny Solbrekke",
    "Anselm Rautiola",
];
const TITLES: &[&str] = &["Mayor", "Senator", "Governor", "Finance Minister", "Councillor"];
const ORGS: &[&str] = &[
    "Brenmark Harbour Authority",
    "Quillon Rail Company",
    "Vesterhold Farmers Union",
    "Northmere Water Board",
    "Calder Bay Fisheries Council",
];
const PLACES: &[&str] = &["Port Tarsa", "Vesterhold", "Northmere", "Calder Bay", "Lunmoor", "Greywick"];
const DAYS: &[&str] = &["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"];

/// The seed of this test: `AKA_SERVE_CRASH_SEED`, else a fresh one; printed either way.
fn seed(test: &str) -> u64 {
    let seed = std::env::var("AKA_SERVE_CRASH_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| RandomState::new().hash_one(test));
    eprintln!("{test}: seed {seed} (AKA_SERVE_CRASH_SEED={seed} repeats it)");
    seed
}

fn slow_tests() -> bool {
    std::env::var_os("AKA_SLOW_TESTS").is_some_and(|value| value == "1")
}

/// A news item of two to four sentences about invented people, organisations and places, so
/// that the resolver creates, links and sometimes merges entities.
fn news(rng: &mut Rng) -> String {
    let mut sentences = Vec::new();
    for _ in 0..2 + rng.below(3) {
        let (person, other) = (rng.word(PEOPLE), rng.word(PEOPLE));
        let surname = person.rsplit(' ').next().unwrap_or(person);
        let (title, org, place, day) = (rng.word(TITLES), rng.word(ORGS), rng.word(PLACES), rng.word(DAYS));
        sentences.push(match rng.below(5) {
            0 => format!("{title} {person} of {place} met the {org} on {day}."),
            1 => format!("{surname} said the {org} would review the plan for {place}."),
            2 => format!("The {org} confirmed that {person} will visit {place} on {day}."),
            3 => format!("Former {title} {person} criticised the decision taken in {place}."),
            _ => format!("{person} and {other} signed an agreement with the {org} in {place}."),
        });
    }
    sentences.join(" ")
}

/// A running `aka serve`, killed when dropped so that a failing test leaves no server behind.
struct Server {
    child: Child,
    base: String,
    stderr: Arc<Mutex<String>>,
    /// Held open so that the server never writes into a closed pipe.
    _stdout: BufReader<ChildStdout>,
    exited: Option<ExitStatus>,
}

impl Server {
    /// Starts `aka --data DATA serve --listen 127.0.0.1:0 ARGS...` and waits until it is ready.
    fn start(data: &Path, args: &[&str]) -> Server {
        let server = Server::spawn(data, args);
        server.wait_ready();
        server
    }

    /// Starts the server and reads its address from the first line of its standard output.
    fn spawn(data: &Path, args: &[&str]) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_aka"))
            .arg("--data")
            .arg(data)
            .args(["serve", "--listen", "127.0.0.1:0"])
            .args(args)
            .env_remove("AKA_LOG")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("aka serve starts");
        // Standard error is read all along: a full pipe would stop the server.
        let stderr = Arc::new(Mutex::new(String::new()));
        let mut pipe = BufReader::new(child.stderr.take().unwrap());
        let sink = Arc::clone(&stderr);
        std::thread::spawn(move || {
            let mut line = String::new();
            while pipe.read_line(&mut line).is_ok_and(|n| n > 0) {
                sink.lock().unwrap().push_str(&line);
                line.clear();
            }
        });
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut first = String::new();
        let _ = stdout.read_line(&mut first);
        let Some(addr) = first.trim_end().strip_prefix("listening on ") else {
            let status = child.wait();
            std::thread::sleep(Duration::from_millis(100));
            panic!("aka serve printed {first:?}, then exited with {status:?}: {}", stderr.lock().unwrap());
        };
        Server { base: addr.to_string(), child, stderr, _stdout: stdout, exited: None }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    fn wait_ready(&self) {
        let started = Instant::now();
        let agent = agent();
        while agent.get(&self.url("/readyz")).call().is_err() {
            assert!(started.elapsed() < READY_WAIT, "aka serve not ready after {READY_WAIT:?}: {}", self.stderr());
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn stderr(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }

    fn pid(&self) -> String {
        self.child.id().to_string()
    }

    /// SIGTERM, then the exit status (a server that does not exit in time is killed and fails
    /// the test).
    fn terminate(&mut self) -> ExitStatus {
        let sent = Command::new("kill").args(["-TERM", &self.pid()]).status().expect("kill runs");
        assert!(sent.success(), "kill -TERM {} failed", self.pid());
        self.wait_exit()
    }

    /// SIGKILL: the process ends at once, wherever it was.
    fn crash(&mut self) {
        self.child.kill().expect("the server is killed");
        self.exited = Some(self.child.wait().expect("the killed server is reaped"));
    }

    fn wait_exit(&mut self) -> ExitStatus {
        let started = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().expect("the server's status can be read") {
                self.exited = Some(status);
                // Lets the reader thread take the last lines of standard error.
                std::thread::sleep(Duration::from_millis(50));
                return status;
            }
            if started.elapsed() > EXIT_WAIT {
                self.crash();
                panic!("aka serve did not exit within {EXIT_WAIT:?} of SIGTERM: {}", self.stderr());
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// SIGTERM, which must end the server with status 0.
    fn stop(&mut self) {
        let status = self.terminate();
        assert_eq!(status.code(), Some(0), "aka serve exited with {status} on SIGTERM: {}", self.stderr());
    }

    /// `durable_seq` from /readyz.
    fn durable_seq(&self) -> u64 {
        let body: Value = agent().get(&self.url("/readyz")).call().unwrap().into_json().unwrap();
        body["durable_seq"].as_u64().unwrap_or_else(|| panic!("/readyz without durable_seq: {body}"))
    }

    /// One value from /metrics.
    fn metric(&self, name: &str) -> f64 {
        let text = agent().get(&self.url("/metrics")).call().unwrap().into_string().unwrap();
        text.lines()
            .find_map(|line| line.strip_prefix(name)?.strip_prefix(' ')?.parse().ok())
            .unwrap_or_else(|| panic!("/metrics lacks {name}:\n{text}"))
    }

    /// Checks that the log holds nothing beyond what is durable, as after a restart.
    fn assert_all_durable(&self) {
        let last = self.durable_seq();
        let log_last = self.metric("aka_log_last_seq");
        assert_eq!(log_last, seq_as_f64(last), "after a restart the log's last event is the durable one");
    }

    /// Every event in the log, read from GET /v1/events up to the durable sequence number
    /// (the stream follows the log and never ends by itself).
    fn events(&self) -> Vec<Value> {
        let last = self.durable_seq();
        let mut events = Vec::new();
        if last == 0 {
            return events;
        }
        let response = agent().get(&self.url("/v1/events?from=1&format=jsonl")).call().unwrap();
        for line in BufReader::new(response.into_reader()).lines() {
            let event: Value = serde_json::from_str(&line.unwrap()).unwrap();
            let seq = event["seq"].as_u64().unwrap_or_else(|| panic!("an event line without seq: {event}"));
            assert_eq!(seq, u64::try_from(events.len()).unwrap() + 1, "the event stream skips or repeats");
            events.push(event);
            if seq == last {
                return events;
            }
        }
        panic!("the event stream ended after {} of {last} events", events.len());
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if self.exited.is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// Sequence numbers are far below 2^53, where f64 (the Prometheus text) holds them exactly.
fn seq_as_f64(seq: u64) -> f64 {
    f64::from(u32::try_from(seq).expect("a test log holds fewer than 2^32 events"))
}

fn agent() -> ureq::Agent {
    ureq::AgentBuilder::new().timeout_connect(Duration::from_secs(2)).timeout(REQUEST_TIMEOUT).build()
}

/// What the clients and the fault share.
#[derive(Default)]
struct Load {
    stop: AtomicBool,
    /// Set just before the signal is sent: a write sent after it may be refused, never lost.
    signalled: AtomicBool,
    acked: AtomicUsize,
}

/// What one client saw.
#[derive(Default)]
struct Tally {
    /// doc_id and text of every document answered with a 2xx.
    acked: Vec<(String, String)>,
    /// Of those, the ones sent after the signal.
    acked_after_signal: usize,
    /// Of those, the ones sent before the signal and answered after it: writes the shutdown
    /// finished.
    acked_across_signal: usize,
    refused_503: usize,
    transport_errors: usize,
    /// Any other answer: none is expected.
    unexpected: Vec<String>,
}

/// POSTs documents `PREFIX-N` one at a time until told to stop.
fn client(base: &str, prefix: &str, seed: u64, load: &Load) -> Tally {
    let agent = agent();
    let url = format!("{base}/v1/documents");
    let mut rng = Rng(seed);
    let mut tally = Tally::default();
    let mut n = 0;
    let mut document = (format!("{prefix}-{n}"), news(&mut rng));
    while !load.stop.load(Ordering::Acquire) {
        let after_signal = load.signalled.load(Ordering::Acquire);
        let body = json!({ "doc_id": document.0, "text": document.1 });
        let answer = agent.post(&url).send_json(body);
        let across_signal = !after_signal && load.signalled.load(Ordering::Acquire);
        match answer {
            Ok(response) => {
                let answer: Value = response.into_json().unwrap_or(Value::Null);
                if answer["results"][0]["doc_id"] != document.0.as_str() {
                    tally.unexpected.push(format!("{}: 2xx with {answer}", document.0));
                }
                tally.acked_after_signal += usize::from(after_signal);
                tally.acked_across_signal += usize::from(across_signal);
                load.acked.fetch_add(1, Ordering::AcqRel);
                tally.acked.push(document);
            }
            Err(ureq::Error::Status(503, _)) => {
                // Nothing was appended: the same document is sent again.
                tally.refused_503 += 1;
                std::thread::sleep(RETRY_PAUSE);
                continue;
            }
            Err(ureq::Error::Status(code, response)) => {
                let body = response.into_string().unwrap_or_default();
                tally.unexpected.push(format!("{}: {code} {body}", document.0));
            }
            Err(ureq::Error::Transport(_)) => {
                // The document may or may not have been appended: the next one gets a new id.
                tally.transport_errors += 1;
                std::thread::sleep(RETRY_PAUSE);
            }
        }
        n += 1;
        document = (format!("{prefix}-{n}"), news(&mut rng));
    }
    tally
}

/// Runs `CLIENTS` clients against `base` while `fault` runs on this thread; the clients stop
/// when it returns.
fn under_load<T>(base: &str, prefix: &str, rng: &mut Rng, fault: impl FnOnce(&Load) -> T) -> (T, Vec<Tally>) {
    let load = Load::default();
    let seeds: Vec<u64> = (0..CLIENTS).map(|_| rng.next()).collect();
    std::thread::scope(|scope| {
        let clients: Vec<_> = seeds
            .iter()
            .enumerate()
            .map(|(i, &seed)| {
                let (load, prefix) = (&load, format!("{prefix}-c{i}"));
                scope.spawn(move || client(base, &prefix, seed, load))
            })
            .collect();
        let faulted = fault(&load);
        load.stop.store(true, Ordering::Release);
        (faulted, clients.into_iter().map(|c| c.join().unwrap()).collect())
    })
}

/// Checks that every document in the log is whole (its `DocumentIngested`, a `MentionObserved`
/// for each mention of that document, then exactly one `EntityCreated` or `MentionLinked` for
/// each of them, merges in between) and appears once; returns each document's text.
fn whole_documents(events: &[Value]) -> BTreeMap<String, String> {
    struct Batch {
        doc_id: String,
        seq: u64,
        observed: BTreeSet<String>,
        decided: Vec<String>,
    }
    fn finish(batch: Option<Batch>) {
        let Some(mut batch) = batch else { return };
        batch.decided.sort();
        let observed: Vec<String> = batch.observed.into_iter().collect();
        assert_eq!(
            batch.decided, observed,
            "document {} (seq {}) is not whole: the mentions decided differ from those observed",
            batch.doc_id, batch.seq
        );
    }
    let mut documents = BTreeMap::new();
    let mut batch: Option<Batch> = None;
    for line in events {
        let (seq, event) = (line["seq"].as_u64().unwrap(), &line["event"]);
        let text = |field: &str| event[field].as_str().unwrap_or_else(|| panic!("seq {seq} lacks {field}")).to_string();
        match event["type"].as_str().unwrap_or_default() {
            "DocumentIngested" => {
                finish(batch.take());
                let doc_id = text("doc_id");
                let again = documents.insert(doc_id.clone(), text("text"));
                assert!(again.is_none(), "document {doc_id} ingested twice (again at seq {seq})");
                batch = Some(Batch { doc_id, seq, observed: BTreeSet::new(), decided: Vec::new() });
            }
            "MentionObserved" => {
                let batch = batch.as_mut().unwrap_or_else(|| panic!("seq {seq}: a mention before any document"));
                assert_eq!(
                    event["mention"]["doc_id"],
                    batch.doc_id.as_str(),
                    "seq {seq}: a mention of another document"
                );
                assert!(batch.decided.is_empty(), "seq {seq}: a mention observed after its document's decisions");
                batch.observed.insert(event["mention"]["mention_id"].as_str().unwrap().to_string());
            }
            "EntityCreated" | "MentionLinked" => {
                let batch = batch.as_mut().unwrap_or_else(|| panic!("seq {seq}: a decision before any document"));
                batch.decided.push(text("mention_id"));
            }
            "EntitiesMerged" => {}
            other => panic!("seq {seq}: a {other} event, but only documents were written"),
        }
    }
    finish(batch);
    documents
}

/// Checks that every acknowledged document is in the log with the text that was sent.
fn assert_acknowledged_are_logged(acked: &BTreeMap<String, String>, logged: &BTreeMap<String, String>, when: &str) {
    let lost: Vec<&String> = acked.keys().filter(|id| !logged.contains_key(*id)).collect();
    assert!(lost.is_empty(), "{when}: {} acknowledged documents are not in the log: {lost:?}", lost.len());
    for (doc_id, text) in acked {
        assert_eq!(&logged[doc_id], text, "{when}: document {doc_id} is in the log with other text");
    }
}

/// Compares the entities of a full replay with those of an open from the newest snapshot plus
/// the log after it (the server must not be running).
fn assert_replay_equals_recovered(data: &Path, when: &str) {
    let replayed = json_lines(&ok(aka(data, &["--replay", "entities", "--json"])));
    let recovered = json_lines(&ok(aka(data, &["entities", "--json"])));
    if let Some((i, (r, s))) = replayed.iter().zip(&recovered).enumerate().find(|(_, (r, s))| r != s) {
        panic!("{when}: entity {i} differs: replay gives {r}, snapshot and tail give {s}");
    }
    assert_eq!(replayed.len(), recovered.len(), "{when}: entity counts differ between replay and snapshot");
}

/// The sequence numbers the snapshots in DATA/snapshots cover (their names: SEQ-RULES.snap).
fn snapshot_seqs(data: &Path) -> Vec<u64> {
    let Ok(entries) = std::fs::read_dir(data.join("snapshots")) else { return Vec::new() };
    let mut seqs: Vec<u64> = entries
        .filter_map(|entry| {
            let name = entry.ok()?.file_name().into_string().ok()?;
            name.strip_suffix(".snap")?.split('-').next()?.parse().ok()
        })
        .collect();
    seqs.sort_unstable();
    seqs
}

fn sum(tallies: &[Tally], count: impl Fn(&Tally) -> usize) -> usize {
    tallies.iter().map(count).sum()
}

fn acked(tallies: &[Tally]) -> BTreeMap<String, String> {
    tallies.iter().flat_map(|t| t.acked.iter().cloned()).collect()
}

fn assert_no_unexpected_answers(tallies: &[Tally], when: &str) {
    let unexpected: Vec<&String> = tallies.iter().flat_map(|t| &t.unexpected).collect();
    assert!(unexpected.is_empty(), "{when}: unexpected answers: {unexpected:?}");
}

#[test]
fn sigkill_under_concurrent_writes_keeps_every_acknowledged_document_whole_and_replay_equals_recovery() {
    let mut rng = Rng(seed("sigkill"));
    let rounds = if slow_tests() { 20 } else { 3 };
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let mut acked_so_far: BTreeMap<String, String> = BTreeMap::new();
    let mut previous: Vec<Value> = Vec::new();
    for round in 0..rounds {
        let mut server = Server::start(&data, &["--snapshot-every", SNAPSHOT_EVERY]);
        let delay = Duration::from_millis(KILL_DELAY_MS_MIN + rng.below_u64(KILL_DELAY_MS_SPREAD));
        let base = server.base.clone();
        let ((), tallies) = under_load(&base, &format!("kill{round}"), &mut rng, |_| {
            std::thread::sleep(delay);
            server.crash();
        });
        assert_no_unexpected_answers(&tallies, &format!("round {round}"));
        acked_so_far.extend(acked(&tallies));
        assert_replay_equals_recovered(&data, &format!("round {round}, after SIGKILL"));

        let mut server = Server::start(&data, &[]);
        server.assert_all_durable();
        let events = server.events();
        let logged = whole_documents(&events);
        assert_acknowledged_are_logged(&acked_so_far, &logged, &format!("round {round}"));
        assert!(events.starts_with(&previous), "round {round}: events a clean stop had left changed or went");
        server.stop();
        assert_replay_equals_recovered(&data, &format!("round {round}, after SIGTERM"));
        eprintln!(
            "round {round}: killed after {delay:?}; {} acknowledged, {} transport errors, {} 503s; \
             log {} events, {} documents",
            sum(&tallies, |t| t.acked.len()),
            sum(&tallies, |t| t.transport_errors),
            sum(&tallies, |t| t.refused_503),
            events.len(),
            logged.len()
        );
        previous = events;
    }
    assert!(!acked_so_far.is_empty(), "no write was acknowledged in {rounds} rounds: nothing was tested");
}

#[test]
fn sigterm_under_load_exits_zero_and_loses_no_acknowledged_document() {
    let mut rng = Rng(seed("sigterm"));
    let rounds = if slow_tests() { 6 } else { 1 };
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let mut acked_so_far: BTreeMap<String, String> = BTreeMap::new();
    for round in 0..rounds {
        let mut server = Server::start(&data, &[]);
        let delay = Duration::from_millis(rng.below_u64(300));
        let base = server.base.clone();
        let (status, tallies) = under_load(&base, &format!("term{round}"), &mut rng, |load| {
            // The signal comes under load: after some writes were answered, at a random moment.
            let started = Instant::now();
            while load.acked.load(Ordering::Acquire) < 20 && started.elapsed() < Duration::from_secs(10) {
                std::thread::sleep(Duration::from_millis(5));
            }
            std::thread::sleep(delay);
            load.signalled.store(true, Ordering::Release);
            // The clients go on writing until the server has exited.
            server.terminate()
        });
        assert_eq!(status.code(), Some(0), "round {round}: SIGTERM under load gave {status}: {}", server.stderr());
        // A write sent after the signal may be refused (503) or find no server, but never
        // fail otherwise: one accepted before the signal must be answered.
        assert_no_unexpected_answers(&tallies, &format!("round {round}"));
        let acked_now = acked(&tallies);
        assert!(!acked_now.is_empty(), "round {round}: no write was acknowledged before SIGTERM");
        acked_so_far.extend(acked_now);

        let snapshots = snapshot_seqs(&data);
        let mut server = Server::start(&data, &[]);
        server.assert_all_durable();
        let events = server.events();
        let logged = whole_documents(&events);
        assert_acknowledged_are_logged(&acked_so_far, &logged, &format!("round {round}, after SIGTERM"));
        let last = u64::try_from(events.len()).unwrap();
        assert_eq!(snapshots.last(), Some(&last), "round {round}: the clean exit left no snapshot of the whole log");
        server.stop();
        eprintln!(
            "round {round}: SIGTERM after {delay:?} past 20 acknowledged; {} acknowledged ({} sent after the \
             signal, {} answered after it), {} 503s, {} transport errors; log {last} events",
            sum(&tallies, |t| t.acked.len()),
            sum(&tallies, |t| t.acked_after_signal),
            sum(&tallies, |t| t.acked_across_signal),
            sum(&tallies, |t| t.refused_503),
            sum(&tallies, |t| t.transport_errors),
        );
    }
}

/// The file names DATA/watched.jsonl lists.
fn watched(data: &Path) -> BTreeSet<String> {
    let text = std::fs::read_to_string(data.join("watched.jsonl")).unwrap_or_default();
    json_lines(&text).iter().map(|line| line["name"].as_str().unwrap().to_string()).collect()
}

/// Waits until `done` holds, looking every few milliseconds; fails after `what` took too long.
fn wait_until(server: &Server, what: &str, mut done: impl FnMut() -> bool) {
    let started = Instant::now();
    while !done() {
        assert!(started.elapsed() < Duration::from_secs(30), "waited 30 s for {what}: {}", server.stderr());
        std::thread::sleep(Duration::from_millis(WATCH_EVERY_MS / 2));
    }
}

fn logged_ids(server: &Server) -> BTreeSet<String> {
    whole_documents(&server.events()).into_keys().collect()
}

#[test]
fn watched_files_are_ingested_once_across_restarts_and_a_malformed_one_is_reported_once() {
    let dir = tempfile::tempdir().unwrap();
    let (data, drop) = (dir.path().join("data"), dir.path().join("drop"));
    std::fs::create_dir(&drop).unwrap();
    let every = WATCH_EVERY_MS.to_string();
    let args = ["--watch", drop.to_str().unwrap(), "--watch-every-ms", every.as_str()];
    let mut server = Server::start(&data, &args);

    let mut rng = Rng(seed("watch"));
    std::fs::write(drop.join("harbour-note.txt"), news(&mut rng)).unwrap();
    let lines =
        [json!({ "doc_id": "wire-1", "text": news(&mut rng) }), json!({ "doc_id": "wire-2", "text": news(&mut rng) })];
    std::fs::write(drop.join("wire.jsonl"), format!("{}\n{}\n", lines[0], lines[1])).unwrap();
    let expected: BTreeSet<String> = ["harbour-note", "wire-1", "wire-2"].map(String::from).into();
    // A file is recorded once its documents are durable.
    wait_until(&server, "watched.jsonl to list both files", || watched(&data).len() == 2);
    assert_eq!(logged_ids(&server), expected);
    assert_eq!(watched(&data), ["harbour-note.txt", "wire.jsonl"].map(String::from).into());

    // A malformed line: the file is reported, recorded as done and not looked at again.
    let good = json!({ "doc_id": "wire-3", "text": news(&mut rng) });
    std::fs::write(drop.join("broken.jsonl"), format!("{good}\n{{\"doc_id\": \"wire-4\", \"text\": \n")).unwrap();
    let reports = |server: &Server| server.stderr().lines().filter(|l| l.contains("broken.jsonl")).count();
    wait_until(&server, "broken.jsonl to be reported", || reports(&server) > 0);
    wait_until(&server, "watched.jsonl to list broken.jsonl", || watched(&data).contains("broken.jsonl"));
    let log_len = server.durable_seq();
    std::thread::sleep(Duration::from_millis(WATCH_EVERY_MS * 10));
    assert_eq!(reports(&server), 1, "broken.jsonl is retried: {}", server.stderr());
    assert_eq!(server.durable_seq(), log_len, "the log grew after broken.jsonl was reported");
    let ids = logged_ids(&server);
    server.stop();

    // Restarted on the same folder: nothing already taken goes to the writer again (a document
    // sent again would append nothing, so the count of writes is what shows it). A new file,
    // taken on the same look as the old ones would be, shows that the watcher has looked.
    let mut server = Server::start(&data, &args);
    // Named to sort last: the watcher takes the files of a look in name order, so once this one
    // is recorded, any file taken again on the same look has been sent already.
    std::fs::write(drop.join("zz-after-restart.txt"), news(&mut rng)).unwrap();
    wait_until(&server, "zz-after-restart.txt", || watched(&data).contains("zz-after-restart.txt"));
    assert_eq!(server.metric("aka_writes_ok_total"), 1.0, "files already taken were sent to the writer again");
    assert_eq!(reports(&server), 0, "broken.jsonl is retried after a restart: {}", server.stderr());
    let mut expected_ids = ids;
    expected_ids.insert("zz-after-restart".to_string());
    assert_eq!(logged_ids(&server), expected_ids);
    server.stop();
}

#[test]
fn sigterm_during_a_watch_pass_leaves_the_files_it_did_not_take_for_the_next_start() {
    let dir = tempfile::tempdir().unwrap();
    let (data, drop) = (dir.path().join("data"), dir.path().join("drop"));
    std::fs::create_dir(&drop).unwrap();
    // Every file is there before the server starts, so that one look takes them all, one after
    // the other, each through its own flush: the pass lasts far longer than the time to SIGTERM.
    let files = 200;
    let mut rng = Rng(seed("watch-sigterm"));
    for n in 0..files {
        std::fs::write(drop.join(format!("item-{n:03}.txt")), news(&mut rng)).unwrap();
    }
    let every = WATCH_EVERY_MS.to_string();
    let mut server = Server::start(&data, &["--watch", drop.to_str().unwrap(), "--watch-every-ms", every.as_str()]);
    wait_until(&server, "five watched files", || server.metric("aka_documents_ingested_total") >= 5.0);
    server.stop();

    let logged: BTreeSet<String> = json_lines(&ok(aka(&data, &["log", "--json"])))
        .iter()
        .filter(|line| line["event"]["type"] == "DocumentIngested")
        .map(|line| line["event"]["doc_id"].as_str().unwrap().to_string())
        .collect();
    let recorded = watched(&data);
    let lost: Vec<&String> =
        recorded.iter().filter(|name| !logged.contains(name.strip_suffix(".txt").unwrap())).collect();
    eprintln!(
        "{} of {files} files recorded as done, {} documents logged, {} recorded but not logged",
        recorded.len(),
        logged.len(),
        lost.len()
    );
    // A file the watcher comes to after the write queue closed is not recorded: the next start
    // takes it.
    assert!(lost.is_empty(), "recorded as done but not in the log: {lost:?}");
    let taken: BTreeSet<String> = logged.iter().map(|id| format!("{id}.txt")).collect();
    assert!(taken.is_subset(&recorded), "a file whose document is durable was not recorded at SIGTERM");
    assert!(logged.len() < files, "SIGTERM came after the whole pass; the test proves nothing");

    let before = u32::try_from(logged.len()).unwrap();
    let mut server = Server::start(&data, &["--watch", drop.to_str().unwrap(), "--watch-every-ms", every.as_str()]);
    let all = f64::from(u32::try_from(files).unwrap());
    wait_until(&server, "every watched file after the restart", || {
        server.metric("aka_documents_ingested_total") + f64::from(before) >= all
    });
    server.stop();
    assert_eq!(watched(&data).len(), files, "every file is recorded once it is in the log");
}

#[test]
fn a_second_server_on_a_data_directory_in_use_fails_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let mut first = Server::start(&data, &[]);

    let mut second = Command::new(env!("CARGO_BIN_EXE_aka"))
        .arg("--data")
        .arg(&data)
        .args(["serve", "--listen", "127.0.0.1:0"])
        .env_remove("AKA_LOG")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the second aka serve starts");
    // A second server that wrongly ran would run until stopped: it gets EXIT_WAIT to fail.
    let started = Instant::now();
    while second.try_wait().unwrap().is_none() {
        if started.elapsed() > EXIT_WAIT {
            let _ = second.kill();
            let _ = second.wait();
            panic!("a second server on {} is still running after {EXIT_WAIT:?}", data.display());
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    let output = second.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "a second server on {} exited with {}", data.display(), output.status);
    assert!(stderr.contains("in use"), "the second server's error does not say the directory is in use: {stderr}");
    let named = stderr.contains(data.to_str().unwrap());
    assert!(named, "the second server's error does not name {}: {stderr}", data.display());

    // The first server is untouched.
    assert_eq!(first.durable_seq(), 0);
    first.stop();
}
