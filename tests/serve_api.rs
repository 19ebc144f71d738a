//! `aka serve` as an HTTP client sees it: a real server process on a free port, each route's
//! answers and errors, the live event stream, and the OpenAPI description checked against the
//! router's routes.

use std::collections::{BTreeMap, BTreeSet};
use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, ChildStdout, Command, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// How long any one answer, stream line or start-up may take before the test fails.
const WAIT_MAX: Duration = Duration::from_secs(30);

/// A running `aka serve` on a fresh data directory; killed when dropped, so a failing test
/// leaves no server behind.
struct Server {
    child: Child,
    base: String,
    agent: ureq::Agent,
    stderr: PathBuf,
    // Kept open so that the server never writes to a closed pipe.
    _stdout: BufReader<ChildStdout>,
    _dir: tempfile::TempDir,
}

impl Server {
    fn start() -> Server {
        Server::with_flags(&[])
    }

    /// Starts a server with extra `serve` flags (limits), waits for its address on the first
    /// line of standard output and then for `/readyz`.
    fn with_flags(flags: &[&str]) -> Server {
        let dir = tempfile::tempdir().unwrap();
        let stderr = dir.path().join("stderr.log");
        let mut child = Command::new(env!("CARGO_BIN_EXE_aka"))
            .arg("--data")
            .arg(dir.path().join("data"))
            .args(["serve", "--listen", "127.0.0.1:0"])
            .args(flags)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(File::create(&stderr).unwrap())
            .spawn()
            .expect("the aka binary starts");
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut first = String::new();
        stdout.read_line(&mut first).unwrap();
        let Some(base) = first.trim().strip_prefix("listening on ").map(str::to_string) else {
            let _ = child.kill();
            panic!("first line {first:?}; stderr: {}", std::fs::read_to_string(&stderr).unwrap_or_default());
        };
        let agent = ureq::AgentBuilder::new().timeout(WAIT_MAX).build();
        let server = Server { child, base, agent, stderr, _stdout: stdout, _dir: dir };
        let started = Instant::now();
        while server.get("/readyz").status != 200 {
            assert!(started.elapsed() < WAIT_MAX, "never ready: {}", server.stderr());
            std::thread::sleep(Duration::from_millis(20));
        }
        server
    }

    fn stderr(&self) -> String {
        std::fs::read_to_string(&self.stderr).unwrap_or_default()
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    fn get(&self, path: &str) -> Reply {
        Reply::of(self.agent.get(&self.url(path)).call())
    }

    fn post(&self, path: &str, body: &str) -> Reply {
        Reply::of(self.agent.post(&self.url(path)).send_string(body))
    }

    fn post_json(&self, path: &str, body: &Value) -> Reply {
        self.post(path, &body.to_string())
    }

    fn delete(&self, path: &str) -> Reply {
        Reply::of(self.agent.delete(&self.url(path)).call())
    }

    /// Posts and insists on a 2xx; the JSON answer.
    fn ok(&self, path: &str, body: &Value) -> Value {
        let reply = self.post_json(path, body);
        assert!(reply.status / 100 == 2, "POST {path} {body}: {} {}", reply.status, reply.body);
        reply.json()
    }

    /// One integer-valued line of `/metrics`.
    fn metric(&self, name: &str) -> u64 {
        let text = self.get("/metrics").body;
        let line = text.lines().find(|l| l.split(' ').next() == Some(name)).unwrap_or_else(|| panic!("no {name}"));
        line.rsplit(' ').next().unwrap().parse().unwrap_or_else(|e| panic!("{line}: {e}"))
    }

    /// Opens `GET /v1/events?QUERY` (with `headers`) and hands its lines, as they come, to a
    /// thread; the answer's content type, and the lines.
    fn stream(&self, query: &str, headers: &[(&str, &str)]) -> (String, Receiver<String>) {
        // No overall timeout: the stream does not end. It ends when the server is killed.
        let agent = ureq::AgentBuilder::new().timeout_connect(WAIT_MAX).build();
        let mut request = agent.get(&self.url(&format!("/v1/events?{query}")));
        for (name, value) in headers {
            request = request.set(name, value);
        }
        let response = request.call().expect("the event stream opens");
        let content_type = response.header("content-type").unwrap_or_default().to_string();
        let reader = BufReader::new(response.into_reader());
        let (lines, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in reader.lines() {
                let Ok(line) = line else { return };
                if lines.send(line).is_err() {
                    return;
                }
            }
        });
        (content_type, rx)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// An answer, whatever its status.
struct Reply {
    status: u16,
    content_type: String,
    request_id: Option<String>,
    body: String,
}

impl Reply {
    fn of(result: Result<ureq::Response, ureq::Error>) -> Reply {
        // ureq 2 reports 4xx and 5xx as errors; they are answers like any other here.
        let response = match result {
            Ok(response) | Err(ureq::Error::Status(_, response)) => response,
            Err(other) => panic!("no answer: {other}"),
        };
        Reply {
            status: response.status(),
            content_type: response.header("content-type").unwrap_or_default().to_string(),
            request_id: response.header("x-request-id").map(str::to_string),
            body: response.into_string().unwrap(),
        }
    }

    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {:?}", self.body))
    }

    /// Checks that this is the API's error shape, exactly `{"error", "detail"}`, with `status`
    /// and `code`, and a detail that says `says`; the detail.
    fn error(&self, status: u16, code: &str, says: &str) -> String {
        assert_eq!(self.status, status, "{}", self.body);
        assert_eq!(self.content_type, "application/json", "{}", self.body);
        let value = self.json();
        let object = value.as_object().unwrap_or_else(|| panic!("not an object: {value}"));
        assert_eq!(object.len(), 2, "an error is exactly {{error, detail}}: {value}");
        assert_eq!(value["error"], code, "{value}");
        let detail = value["detail"].as_str().unwrap_or_else(|| panic!("no detail: {value}")).to_string();
        assert!(detail.contains(says), "detail {detail:?} should say {says:?}");
        detail
    }
}

/// The next line of a stream, or a failure naming what was awaited.
fn next_line(lines: &Receiver<String>, awaited: &str) -> String {
    lines.recv_timeout(WAIT_MAX).unwrap_or_else(|e| panic!("waiting for {awaited}: {e}"))
}

/// The next JSON line of a JSON-lines stream.
fn next_event(lines: &Receiver<String>, awaited: &str) -> Value {
    let line = next_line(lines, awaited);
    serde_json::from_str(&line).unwrap_or_else(|e| panic!("{awaited}: not JSON ({e}): {line}"))
}

/// The `seqs` of a write's result: first and one-past-last sequence number.
fn seqs(result: &Value) -> (u64, u64) {
    (result["seqs"][0].as_u64().unwrap(), result["seqs"][1].as_u64().unwrap())
}

/// A JSON array of strings.
fn strings(values: &Value) -> Vec<String> {
    values.as_array().unwrap().iter().map(|v| v.as_str().unwrap().to_string()).collect()
}

/// Three people, each an entity of their own: E1, E2, E3.
fn three_people(server: &Server) -> [String; 3] {
    let body = json!([
        {"doc_id": "registry", "text": "Halvard Quist", "kind": "PERSON"},
        {"doc_id": "registry", "text": "Brin Okafor", "kind": "PERSON"},
        {"doc_id": "registry", "text": "Ulrike Damsgaard", "kind": "PERSON"},
    ]);
    let done = server.ok("/v1/mentions", &body);
    assert_eq!(strings(&done["results"][0]["entities"]), ["E1", "E2", "E3"], "{done}");
    ["E1".to_string(), "E2".to_string(), "E3".to_string()]
}

/// `POST /v1/judgements` with a reason.
fn judge(server: &Server, verdict: &str, a: &str, b: &str) -> Reply {
    server.post_json("/v1/judgements", &json!({"verdict": verdict, "a": a, "b": b, "reason": "checked the registry"}))
}

const FIRST_TEXT: &str =
    "Minister Talia Vornekk met Oskar Brandvold in Port Tessal on Monday. Vornekk said the talks went well.";
const SECOND_TEXT: &str = "Ulrike Damsgaard opened the Fenwick Library on Tuesday.";

#[test]
fn healthz_readyz_and_metrics_answer_and_metrics_count_a_posted_document() {
    let server = Server::start();
    let health = server.get("/healthz");
    assert_eq!((health.status, health.json()), (200, json!({"status": "ok"})));
    let ready = server.get("/readyz").json();
    assert_eq!(ready, json!({"status": "ready", "durable_seq": 0}));

    let metrics = server.get("/metrics");
    assert_eq!(metrics.status, 200);
    assert!(metrics.content_type.starts_with("text/plain"), "{}", metrics.content_type);
    for name in ["aka_write_latency_seconds_count", "aka_queue_depth", "aka_snapshot_age_events", "aka_ready"] {
        assert!(metrics.body.contains(&format!("\n{name} ")), "no {name} in\n{}", metrics.body);
    }
    assert_eq!(server.metric("aka_documents_ingested_total"), 0);
    assert_eq!(server.metric("aka_ready"), 1);

    let done = server.ok("/v1/documents", &json!({"doc_id": "d1", "text": FIRST_TEXT}));
    let (_, end) = seqs(&done["results"][0]);
    assert_eq!(server.metric("aka_documents_ingested_total"), 1);
    assert_eq!(server.metric("aka_log_last_seq"), end - 1);
    assert_eq!(server.metric("aka_durable_seq"), end - 1, "a 2xx means flushed");
    assert_eq!(server.metric("aka_writes_ok_total"), 1);
    assert_eq!(server.get("/readyz").json()["durable_seq"], end - 1);
}

#[test]
fn posting_one_document_an_array_or_a_documents_object_returns_seqs_and_entities_for_each() {
    let server = Server::start();
    let one = server.ok("/v1/documents", &json!({"doc_id": "d1", "text": FIRST_TEXT, "source": "wire"}));
    let results = one["results"].as_array().unwrap();
    assert_eq!(results.len(), 1);
    let first = &results[0];
    assert_eq!((first["doc_id"].as_str(), first["status"].as_str()), (Some("d1"), Some("appended")));
    let (start, end) = seqs(first);
    assert_eq!(start, 1, "the first event of the store is #1");
    assert!(end > start + 1, "a document, its mentions and decisions: {first}");
    assert!(first["mentions"].as_u64().unwrap() >= 2, "{first}");
    let entities = strings(&first["entities"]);
    assert!(!entities.is_empty() && entities.iter().all(|e| e.starts_with('E')), "{first}");

    let array = server.ok(
        "/v1/documents",
        &json!([{"doc_id": "d2", "text": SECOND_TEXT}, {"doc_id": "d3", "text": "Oskar Brandvold returned home."}]),
    );
    let results = array["results"].as_array().unwrap();
    assert_eq!(results.iter().map(|r| r["doc_id"].as_str().unwrap()).collect::<Vec<_>>(), ["d2", "d3"]);
    assert_eq!(seqs(&results[0]).0, end, "the batch follows the first document in the log");
    assert_eq!(seqs(&results[1]).0, seqs(&results[0]).1, "one document's events after the other's");
    assert!(results.iter().all(|r| r["status"] == "appended" && !strings(&r["entities"]).is_empty()), "{array}");

    let wrapped = server
        .ok("/v1/documents", &json!({"documents": [{"doc_id": "d4", "text": "Brin Okafor spoke in Port Tessal."}]}));
    assert_eq!(wrapped["results"][0]["doc_id"], "d4");
    assert_eq!(wrapped["results"][0]["status"], "appended");
    assert_eq!(seqs(&wrapped["results"][0]).0, seqs(&results[1]).1);
    assert_eq!(server.metric("aka_documents_ingested_total"), 4);
}

#[test]
fn the_same_document_again_is_unchanged_and_other_text_under_its_id_is_409() {
    let server = Server::start();
    server.ok("/v1/documents", &json!({"doc_id": "d1", "text": FIRST_TEXT}));
    let last = server.metric("aka_log_last_seq");

    let again = server.ok("/v1/documents", &json!({"doc_id": "d1", "text": FIRST_TEXT}));
    assert_eq!(
        again["results"][0],
        json!({"doc_id": "d1", "status": "unchanged", "seqs": [0, 0], "mentions": 0, "entities": []})
    );
    let other = server.post_json("/v1/documents", &json!({"doc_id": "d1", "text": SECOND_TEXT}));
    other.error(409, "conflict", "\"d1\" was already ingested with other content");
    let twice = server.post_json(
        "/v1/documents",
        &json!([{"doc_id": "d9", "text": FIRST_TEXT}, {"doc_id": "d9", "text": SECOND_TEXT}]),
    );
    twice.error(409, "conflict", "document 1 of the batch: doc_id \"d9\" comes twice with different text");
    assert_eq!(server.metric("aka_log_last_seq"), last, "neither the unchanged nor the refused appended anything");
}

#[test]
fn a_batch_with_one_empty_text_is_400_naming_it_and_appends_nothing() {
    let server = Server::start();
    let batch = json!([{"doc_id": "good", "text": SECOND_TEXT}, {"doc_id": "bad", "text": "   "}]);
    let detail = server.post_json("/v1/documents", &batch).error(400, "invalid_input", "document 1 of the batch");
    assert!(detail.contains("\"bad\"") && detail.contains("\"text\" is empty"), "{detail}");
    assert!(detail.contains("nothing of the batch was appended"), "{detail}");
    let wrapped = json!({"documents": [{"doc_id": "good", "text": SECOND_TEXT}, {"doc_id": "", "text": "x"}]});
    server.post_json("/v1/documents", &wrapped).error(400, "invalid_input", "document 1 of the batch");
    assert_eq!(server.metric("aka_log_last_seq"), 0, "the good document was not appended either");
    assert_eq!(server.metric("aka_documents_ingested_total"), 0);

    let alone = server.ok("/v1/documents", &json!({"doc_id": "good", "text": SECOND_TEXT}));
    assert_eq!(alone["results"][0]["status"], "appended", "so it was not stored before: {alone}");
    assert_eq!(seqs(&alone["results"][0]).0, 1);
}

#[test]
fn malformed_json_wrong_types_invalid_utf8_and_empty_bodies_are_400_naming_the_problem() {
    let server = Server::start();
    server.post("/v1/documents", "{\"doc_id\": \"d1\", \"text\": ").error(400, "invalid_json", "EOF");
    server.post("/v1/documents", "{\"doc_id\": 5, \"text\": \"x\"}").error(400, "invalid_input", "field doc_id");
    server
        .post("/v1/documents", "[{\"doc_id\": \"a\", \"text\": \"Brin Okafor\"}, {\"doc_id\": \"b\", \"text\": 7}]")
        .error(400, "invalid_input", "field [1].text: invalid type: integer `7`");
    server.post("/v1/documents", "{\"text\": \"Brin Okafor\"}").error(400, "invalid_input", "missing field `doc_id`");
    let invalid_utf8 =
        Reply::of(server.agent.post(&server.url("/v1/documents")).send_bytes(b"{\"doc_id\": \"\xff\xfe\"}"));
    invalid_utf8.error(400, "invalid_utf8", "not UTF-8");
    server.post("/v1/documents", "").error(400, "invalid_json", "the body is empty");
    server.post("/v1/documents", " \n").error(400, "invalid_json", "the body is empty");
    server.post("/v1/documents", "[]").error(400, "invalid_input", "no document");
    server.post("/v1/mentions", "").error(400, "invalid_json", "the body is empty");
    server.post("/v1/judgements", "not json").error(400, "invalid_json", "expected");
    let judgement = json!({"verdict": "same", "a": 1, "b": "E2", "reason": "r"});
    server.post_json("/v1/judgements", &judgement).error(400, "invalid_input", "field a: invalid type");
    assert_eq!(server.metric("aka_log_last_seq"), 0);
}

#[test]
fn a_body_over_body_max_is_413_json() {
    let server = Server::with_flags(&["--body-max", "2000"]);
    let text = "Halvard Quist spoke. ".repeat(150);
    let reply = server.post_json("/v1/documents", &json!({"doc_id": "long", "text": text}));
    reply.error(413, "too_large", "the request body is over the limit");
    let small = server.ok("/v1/documents", &json!({"doc_id": "short", "text": SECOND_TEXT}));
    assert_eq!(small["results"][0]["status"], "appended", "the limit is on size, not on the route");
    assert_eq!(server.metric("aka_documents_ingested_total"), 1);
}

#[test]
fn more_documents_than_batch_max_or_a_text_over_document_max_is_413() {
    let server = Server::with_flags(&["--batch-max", "3", "--document-max", "80"]);
    let four: Vec<Value> =
        (0..4).map(|i| json!({"doc_id": format!("d{i}"), "text": format!("Brin Okafor spoke {i}.")})).collect();
    server.post_json("/v1/documents", &json!(four)).error(413, "too_large", "4 documents in one request");
    server.post_json("/v1/documents", &json!({"documents": four})).error(413, "too_large", "over the limit of 3");
    let long = json!({"doc_id": "long", "text": FIRST_TEXT});
    server.post_json("/v1/documents", &long).error(413, "too_large", "over the limit of 80");
    assert_eq!(server.metric("aka_log_last_seq"), 0);
    let three = server.ok("/v1/documents", &json!(four[..3]));
    assert_eq!(three["results"].as_array().unwrap().len(), 3);
}

#[test]
fn more_mentions_than_mentions_max_is_413_given_extracted_or_bare() {
    let server = Server::with_flags(&["--mentions-max", "2"]);
    // Given mentions are counted before anything is appended.
    let given = json!({"doc_id": "given", "text": "Sven Aldo met Rika Tomm and Ivo Pell.",
        "mentions": [{"start": 0, "end": 9}, {"start": 14, "end": 23}, {"start": 28, "end": 36}]});
    server.post_json("/v1/documents", &given).error(413, "too_large", "has 3 mentions, over the limit of 2");
    let bare = json!([{"doc_id": "r", "text": "Sven Aldo"}, {"doc_id": "r", "text": "Rika Tomm"},
        {"doc_id": "r", "text": "Ivo Pell"}]);
    server.post_json("/v1/mentions", &bare).error(413, "too_large", "has 3 mentions, over the limit of 2");
    let crowded = json!({"doc_id": "crowded", "text": "Sven Aldo met Rika Tomm and Ivo Pell."});
    let detail = server.post_json("/v1/documents", &crowded).error(413, "too_large", "has 3 mentions");
    assert!(!detail.contains("of the batch"), "a request of one document is no batch: {detail}");
    assert_eq!(server.metric("aka_log_last_seq"), 0);

    let batch = json!([
        {"doc_id": "short", "text": "Sven Aldo spoke."},
        {"doc_id": "crowded", "text": "Sven Aldo met Rika Tomm and Ivo Pell."},
    ]);
    let detail = server.post_json("/v1/documents", &batch).error(413, "too_large", "document 1 of the batch");
    // The extracted mentions are counted before anything is appended: the batch appends nothing.
    assert!(detail.contains("nothing of the batch was appended"), "{detail}");
    assert_eq!(server.metric("aka_documents_ingested_total"), 0);
    assert_eq!(server.metric("aka_log_last_seq"), 0);
}

#[test]
fn a_mention_batch_is_one_atomic_append_as_an_array_or_a_mentions_object() {
    let server = Server::start();
    let done = server.ok(
        "/v1/mentions",
        &json!([
            {"doc_id": "rec1", "text": "Halvard Quist", "kind": "PERSON", "roles": ["harbour master of Port Tessal"]},
            {"doc_id": "rec1", "text": "Quist Shipping", "kind": "ORG", "mention_id": "rec1-m2"},
        ]),
    );
    let result = &done["results"][0];
    assert_eq!(done["results"].as_array().unwrap().len(), 1, "one entry for the whole batch: {done}");
    assert_eq!((result["doc_id"].clone(), result["status"].clone()), (Value::Null, json!("appended")));
    assert_eq!(result["mentions"], 2);
    assert_eq!(strings(&result["entities"]), ["E1", "E2"]);
    assert_eq!(seqs(result).0, 1);
    let halvard = server.get("/v1/entities?q=Halvard%20Quist").json()["entities"][0]["id"].clone();

    let wrapped = server.ok("/v1/mentions", &json!({"mentions": [{"doc_id": "rec2", "text": "Halvard Quist"}]}));
    assert_eq!(wrapped["results"][0]["entities"], json!([halvard]), "the same name links: {wrapped}");
    assert_eq!(server.metric("aka_mention_batches_ingested_total"), 2);
    assert_eq!(server.metric("aka_mentions_ingested_total"), 3);

    let last = server.metric("aka_log_last_seq");
    let one_bad = json!([{"doc_id": "rec3", "text": "Brin Okafor"}, {"doc_id": "rec3", "text": ""}]);
    server.post_json("/v1/mentions", &one_bad).error(400, "invalid_input", "mention 1: field \"text\" is empty");
    let misspelt = json!([{"doc_id": "rec3", "txt": "Brin Okafor"}]);
    server.post_json("/v1/mentions", &misspelt).error(400, "invalid_input", "unknown field `txt`");
    server.post_json("/v1/mentions", &json!({"mentions": []})).error(400, "invalid_input", "no mention");
    assert_eq!(server.metric("aka_log_last_seq"), last, "no refused batch appended anything");
}

/// Five entities whose names hold "Quist" (two organisations) and one that does not; their ids
/// by name (the resolver numbers organisations first, so the ids are looked up, not assumed).
fn quists(server: &Server) -> BTreeMap<String, String> {
    let names = [
        ("Halvard Quist", "PERSON"),
        ("Mira Quist", "PERSON"),
        ("Quist Shipping", "ORG"),
        ("Brin Okafor", "PERSON"),
        ("Quist Foundation", "ORG"),
        ("Sela Quist", "PERSON"),
    ];
    let batch: Vec<Value> =
        names.iter().map(|(text, kind)| json!({"doc_id": "registry", "text": text, "kind": kind})).collect();
    let done = server.ok("/v1/mentions", &json!(batch));
    assert_eq!(strings(&done["results"][0]["entities"]).len(), 6, "six entities: {done}");
    let all = server.get("/v1/entities?limit=100").json();
    let by_name: BTreeMap<String, String> = all["entities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["name"].as_str().unwrap().to_string(), e["id"].as_str().unwrap().to_string()))
        .collect();
    assert_eq!(by_name.keys().cloned().collect::<BTreeSet<_>>(), names.iter().map(|(n, _)| n.to_string()).collect());
    by_name
}

/// The ids of `names`, sorted.
fn ids_of(by_name: &BTreeMap<String, String>, names: &[&str]) -> Vec<String> {
    let mut ids: Vec<String> = names.iter().map(|n| by_name[*n].clone()).collect();
    ids.sort();
    ids
}

/// Every page of a search, following `next_cursor`: the ids in order.
fn all_pages(server: &Server, query: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut cursor: Option<String> = None;
    for _ in 0..100 {
        let path = match &cursor {
            None => format!("/v1/entities?{query}"),
            Some(c) => format!("/v1/entities?{query}&cursor={c}"),
        };
        let page = server.get(&path);
        assert_eq!(page.status, 200, "{path}: {}", page.body);
        let page = page.json();
        found.extend(page["entities"].as_array().unwrap().iter().map(|e| e["id"].as_str().unwrap().to_string()));
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_string()),
            None => return found,
        }
    }
    panic!("the cursor never ran out: {found:?}")
}

#[test]
fn entity_search_pages_through_every_match_once_by_next_cursor() {
    let server = Server::start();
    let by_name = quists(&server);
    let first = server.get("/v1/entities?q=Quist&limit=2").json();
    assert_eq!(first["total"], 5, "{first}");
    assert_eq!(first["entities"].as_array().unwrap().len(), 2);
    assert!(first["next_cursor"].is_string(), "{first}");
    let hit = &first["entities"][0];
    for field in ["id", "kind", "name", "aliases", "roles", "mentions", "absorbed", "score"] {
        assert!(hit.get(field).is_some(), "a match lacks {field}: {hit}");
    }

    let pages = all_pages(&server, "q=Quist&limit=2");
    let mut unique = pages.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), pages.len(), "no entity twice: {pages:?}");
    let quist = ["Halvard Quist", "Mira Quist", "Quist Shipping", "Quist Foundation", "Sela Quist"];
    assert_eq!(unique, ids_of(&by_name, &quist), "every Quist and not Brin Okafor");
    assert_eq!(all_pages(&server, "q=Quist&limit=1"), pages, "the page size does not change the order");

    let everyone = all_pages(&server, "limit=4");
    assert_eq!(everyone, ["E1", "E2", "E3", "E4", "E5", "E6"], "without q: every entity in id order");
    let exact = server.get("/v1/entities?q=Brin%20Okafor").json();
    assert_eq!((exact["total"].clone(), exact["entities"][0]["id"].clone()), (json!(1), json!(by_name["Brin Okafor"])));
    assert_eq!(exact["entities"][0]["score"], 1.0);
}

#[test]
fn entity_search_filters_by_kind_and_refuses_a_bad_limit_cursor_or_kind() {
    let server = Server::start();
    let by_name = quists(&server);
    let orgs = all_pages(&server, "q=Quist&kind=ORG");
    assert_eq!(orgs, ids_of(&by_name, &["Quist Shipping", "Quist Foundation"]));
    let page = server.get("/v1/entities?kind=ORG").json();
    assert!(page["entities"].as_array().unwrap().iter().all(|e| e["kind"] == "ORG"), "{page}");
    assert_eq!(all_pages(&server, "kind=PERSON&limit=10").len(), 4);

    server.get("/v1/entities?limit=0").error(400, "invalid_query", "limit must be 1..=1000, not 0");
    server.get("/v1/entities?limit=1001").error(400, "invalid_query", "limit must be 1..=1000");
    server.get("/v1/entities?limit=abc").error(400, "invalid_query", "limit");
    server.get("/v1/entities?limit=-1").error(400, "invalid_query", "limit");
    server.get("/v1/entities?cursor=zz").error(400, "invalid_query", "cursor \"zz\"");
    // A query is a name: a text of a whole page is refused before any name is compared.
    let long = "Quist".repeat(41);
    server.get(&format!("/v1/entities?q={long}")).error(
        400,
        "invalid_query",
        "q has 205 characters; a name has at most 200",
    );
    assert_eq!(
        server.get(&format!("/v1/entities?q=%20{}%20", &long[..200])).json()["total"],
        0,
        "200 characters are a query"
    );
    let past = server.get("/v1/entities?cursor=99").json();
    assert_eq!(past, json!({"entities": [], "total": 6, "next_cursor": null}), "past the last page: an empty one");
    server.get("/v1/entities?kind=SHIP").error(400, "invalid_query", "kind: unknown kind \"SHIP\"");
    server.get("/v1/entities?sort=name").error(400, "invalid_query", "unknown field `sort`");
}

#[test]
fn a_cursor_near_the_largest_integer_is_answered_without_overflow() {
    let server = Server::start();
    quists(&server);
    let reply = server.get(&format!("/v1/entities?cursor={}&limit=2", usize::MAX));
    // A cursor past every match is an empty last page, not an overflow or a way back.
    let page = reply.json();
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!((page["entities"].as_array().map(Vec::len), page["next_cursor"].clone()), (Some(0), Value::Null));
}

#[test]
fn an_entity_its_history_and_its_explanation_are_served_by_id() {
    let server = Server::start();
    let done = server.ok("/v1/documents", &json!({"doc_id": "d1", "text": FIRST_TEXT}));
    let search = server.get("/v1/entities?q=Talia%20Vornekk").json();
    let id = search["entities"][0]["id"].as_str().unwrap().to_string();
    assert!(strings(&done["results"][0]["entities"]).contains(&id), "{done}");

    let entity = server.get(&format!("/v1/entities/{id}")).json();
    assert_eq!((entity["id"].as_str(), entity["kind"].as_str()), (Some(id.as_str()), Some("PERSON")));
    assert_eq!(entity["name"], "Talia Vornekk");
    assert_eq!(entity["mentions"], 2, "the full name and \"Vornekk\": {entity}");
    assert_eq!(entity["mention_ids"].as_array().unwrap().len(), 2);
    assert!(entity.get("merged_from").is_none(), "{entity}");
    let lower = server.get(&format!("/v1/entities/{}", id.to_lowercase())).json();
    assert_eq!(lower["id"], entity["id"], "e1 is E1");

    let history = server.get(&format!("/v1/entities/{id}/history")).json();
    assert_eq!((history["asked"].as_str(), history["entity"].as_str()), (Some(id.as_str()), Some(id.as_str())));
    assert_eq!(history["merged_into"], json!([]));
    let entries = history["entries"].as_array().unwrap();
    assert_eq!(entries.iter().map(|e| e["change"].as_str().unwrap()).collect::<Vec<_>>(), ["created", "linked"]);
    assert_eq!(entries[0]["rule"], "new_entity");
    assert_eq!(entries[1]["mention"]["text"], "Vornekk");

    let explain = server.get(&format!("/v1/entities/{id}/explain")).json();
    assert_eq!((explain["asked"].as_str(), explain["entity"].as_str()), (Some(id.as_str()), Some(id.as_str())));
    let events = explain["events"].as_array().unwrap();
    let types: Vec<&str> = events.iter().map(|e| e["event"]["type"].as_str().unwrap()).collect();
    assert_eq!(types, ["EntityCreated", "MentionLinked"]);
    assert_eq!(events[0]["seq"], entries[0]["seq"]);
    assert!(events.iter().all(|e| e["event"]["decision"]["rule"].is_string()), "{explain}");
}

#[test]
fn an_unknown_entity_is_404_and_a_malformed_id_is_400_on_every_entity_route() {
    let server = Server::start();
    three_people(&server);
    for suffix in ["", "/history", "/explain"] {
        server.get(&format!("/v1/entities/E99{suffix}")).error(404, "not_found", "no entity E99");
        server.get(&format!("/v1/entities/E0{suffix}")).error(404, "not_found", "no entity E0");
        server.get(&format!("/v1/entities/Q7{suffix}")).error(400, "invalid_id", "\"Q7\" is not an entity id");
        server.get(&format!("/v1/entities/E1x{suffix}")).error(400, "invalid_id", "\"E1x\"");
    }
}

#[test]
fn a_merged_away_id_resolves_to_its_survivor_in_entity_history_and_explain() {
    let server = Server::start();
    let [a, b, _] = three_people(&server);
    let judged = judge(&server, "same", &b, &a);
    assert_eq!(judged.status, 201, "{}", judged.body);

    let entity = server.get(&format!("/v1/entities/{b}")).json();
    assert_eq!(entity["id"], a.as_str(), "the older id survives: {entity}");
    assert_eq!(entity["merged_from"], b.as_str());
    assert_eq!(entity["absorbed"], json!([b]));
    assert_eq!(entity["mentions"], 2);
    let mut names = strings(&entity["aliases"]);
    names.push(entity["name"].as_str().unwrap().to_string());
    names.sort();
    assert_eq!(names, ["Brin Okafor", "Halvard Quist"], "both names, one as an alias: {entity}");

    let history = server.get(&format!("/v1/entities/{b}/history")).json();
    assert_eq!((history["asked"].as_str(), history["entity"].as_str()), (Some(b.as_str()), Some(a.as_str())));
    let step = &history["merged_into"][0];
    assert_eq!((step["absorbed"].as_str(), step["survivor"].as_str()), (Some(b.as_str()), Some(a.as_str())));
    assert_eq!(step["rule"], "judgement");
    let changes: Vec<&str> =
        history["entries"].as_array().unwrap().iter().map(|e| e["change"].as_str().unwrap()).collect();
    assert_eq!(changes, ["created", "created", "merged"]);

    let explain = server.get(&format!("/v1/entities/{b}/explain")).json();
    assert_eq!((explain["asked"].as_str(), explain["entity"].as_str()), (Some(b.as_str()), Some(a.as_str())));
    let last = explain["events"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["event"]["type"], "EntitiesMerged", "{explain}");
    assert_eq!((last["event"]["survivor"].clone(), last["event"]["absorbed"].clone()), (json!(1), json!(2)));
}

#[test]
fn judgements_merge_and_split_and_a_contradiction_is_409_naming_the_chain() {
    let server = Server::start();
    let [a, b, c] = three_people(&server);
    let same = judge(&server, "same", &a, &b);
    assert_eq!(same.status, 201, "{}", same.body);
    let same = same.json();
    assert_eq!(same["judgement"], "J1");
    let (start, end) = seqs(&same);
    assert_eq!(end - start, 2, "the judgement and the merge it causes: {same}");
    assert_eq!(server.metric("aka_log_last_seq"), end - 1, "a 2xx means appended and flushed");
    assert_eq!(server.get("/v1/entities?limit=10").json()["total"], 2);

    let different = judge(&server, "different", &b, &c);
    assert_eq!((different.status, different.json()["judgement"].clone()), (201, json!("J2")));

    let last = server.metric("aka_log_last_seq");
    let detail = judge(&server, "same", &a, &c).error(409, "contradiction", "contradicts standing judgements");
    for part in ["J1: E2 same E1; new: E1 same E3 join E2 and E3", "which J2 judged different"] {
        assert!(detail.contains(part), "the chain should name {part:?}: {detail}");
    }
    judge(&server, "different", &a, &b).error(409, "contradiction", "J1: E1 same E2, so E1 different E2 cannot stand");
    assert_eq!(server.metric("aka_log_last_seq"), last, "refused judgements append nothing");

    judge(&server, "same", &a, "E99").error(404, "not_found", "no entity E99");
    judge(&server, "same", &a, &a).error(409, "refused", "are one id");
    judge(&server, "maybe", &a, &b).error(400, "invalid_input", "field verdict: \"maybe\"");
    judge(&server, "same", &a, "Brin").error(400, "invalid_id", "\"Brin\"");
    let blank = json!({"verdict": "same", "a": a, "b": c, "reason": "  "});
    server.post_json("/v1/judgements", &blank).error(400, "invalid_input", "field reason");
    let extra = json!({"verdict": "same", "a": a, "b": c, "reason": "r", "weight": 2});
    server.post_json("/v1/judgements", &extra).error(400, "invalid_input", "unknown field `weight`");
}

#[test]
fn deleting_a_judgement_undoes_its_merge_and_an_unknown_judgement_is_404() {
    let server = Server::start();
    let [a, b, _] = three_people(&server);
    assert_eq!(judge(&server, "same", &a, &b).status, 201);
    assert_eq!(server.get(&format!("/v1/entities/{b}")).json()["id"], a.as_str());

    let retracted = server.delete("/v1/judgements/J1?reason=wrong%20record&by=clerk");
    assert_eq!(retracted.status, 200, "{}", retracted.body);
    let retracted = retracted.json();
    assert_eq!(retracted["judgement"], "J1");
    let (start, end) = seqs(&retracted);
    assert_eq!(end - start, 2, "the withdrawal and the split it causes: {retracted}");
    let revived = server.get(&format!("/v1/entities/{b}")).json();
    assert_eq!(revived["id"], b.as_str(), "the absorbed id lives again: {revived}");
    assert!(revived.get("merged_from").is_none());

    server.delete("/v1/judgements/J1").error(409, "refused", "judgement J1 was withdrawn already");
    server.delete("/v1/judgements/J99").error(404, "not_found", "no judgement J99");
    server.delete("/v1/judgements/J1?why=x").error(400, "invalid_query", "unknown field `why`");
}

#[test]
fn the_event_stream_catches_up_then_follows_a_document_posted_after_it_opened() {
    let server = Server::start();
    let first = server.ok("/v1/documents", &json!({"doc_id": "d1", "text": FIRST_TEXT}));
    let (_, end) = seqs(&first["results"][0]);

    let (content_type, lines) = server.stream("from=1", &[]);
    assert_eq!(content_type, "application/x-ndjson");
    for seq in 1..end {
        let event = next_event(&lines, &format!("event #{seq}"));
        assert_eq!(event["seq"], seq, "{event}");
        assert!(event["schema"].is_u64() && event["event"]["type"].is_string(), "{event}");
    }
    // Caught up, the stream stays open and waits rather than ending or repeating itself.
    assert!(lines.recv_timeout(Duration::from_millis(200)).is_err(), "nothing past the end of the log");

    let second = server.ok("/v1/documents", &json!({"doc_id": "d2", "text": SECOND_TEXT}));
    let (start, end) = seqs(&second["results"][0]);
    let followed = next_event(&lines, "the document posted after the stream opened");
    assert_eq!(followed["seq"], start);
    assert_eq!(followed["event"]["type"], "DocumentIngested");
    assert_eq!(followed["event"]["doc_id"], "d2");
    for seq in start + 1..end {
        assert_eq!(next_event(&lines, &format!("event #{seq}"))["seq"], seq);
    }
}

#[test]
fn the_event_stream_resumes_from_the_middle_of_the_log() {
    let server = Server::start();
    let done = server.ok("/v1/documents", &json!({"doc_id": "d1", "text": FIRST_TEXT}));
    let (_, end) = seqs(&done["results"][0]);
    let middle = end / 2;
    assert!(middle > 1);
    let lines = server.stream(&format!("from={middle}"), &[]).1;
    assert_eq!(next_event(&lines, "the event asked for")["seq"], middle);
    assert_eq!(next_event(&lines, "the one after it")["seq"], middle + 1);
    let zero = server.stream("from=0", &[]).1;
    assert_eq!(next_event(&zero, "the first event")["seq"], 1, "from=0 starts at the first event");

    server.get("/v1/events?from=-3").error(400, "invalid_query", "from");
    server.get("/v1/events?format=xml").error(400, "invalid_query", "format \"xml\": use sse or jsonl");
}

/// Reads one server-sent event: its id line, its event line, its data (parsed), the blank line.
fn next_sse(lines: &Receiver<String>) -> (u64, Value) {
    let id = next_line(lines, "an id line");
    let seq = id.strip_prefix("id: ").unwrap_or_else(|| panic!("not an id line: {id:?}")).parse().unwrap();
    assert_eq!(next_line(lines, "the event line"), "event: aka");
    let data = next_line(lines, "the data line");
    let data: Value = serde_json::from_str(data.strip_prefix("data: ").unwrap()).unwrap();
    assert_eq!(next_line(lines, "the blank line"), "");
    (seq, data)
}

#[test]
fn the_event_stream_is_server_sent_events_with_sequence_ids_when_asked() {
    let server = Server::start();
    server.ok("/v1/documents", &json!({"doc_id": "d1", "text": SECOND_TEXT}));
    let (content_type, lines) = server.stream("from=1", &[("Accept", "text/event-stream")]);
    assert_eq!(content_type, "text/event-stream");
    for seq in 1..=3 {
        let (id, data) = next_sse(&lines);
        assert_eq!((id, data["seq"].as_u64()), (seq, Some(seq)));
    }

    let (content_type, lines) = server.stream("from=2&format=sse", &[]);
    assert_eq!(content_type, "text/event-stream");
    assert_eq!(next_sse(&lines).0, 2);
    let (content_type, lines) = server.stream("from=2&format=jsonl", &[("Accept", "text/event-stream")]);
    assert_eq!(content_type, "application/x-ndjson", "format wins over Accept");
    assert_eq!(next_event(&lines, "a JSON line")["seq"], 2);
}

/// The routes of the router, as `api.rs` writes them: (path, method).
fn router_routes() -> Vec<(String, String)> {
    let source = include_str!("../crates/aka-server/src/api.rs");
    source
        .split(".route(\"")
        .skip(1)
        .map(|rest| {
            let (path, after) = rest.split_once('"').unwrap();
            let method = after.trim_start_matches(',').trim_start().split('(').next().unwrap();
            (path.to_string(), method.to_string())
        })
        .collect()
}

#[test]
fn the_openapi_description_is_served_and_lists_every_route_of_the_router() {
    let server = Server::start();
    let reply = server.get("/v1/openapi.json");
    assert_eq!((reply.status, reply.content_type.as_str()), (200, "application/json"));
    let served = reply.json();
    let in_repo: Value = serde_json::from_str(include_str!("../crates/aka-server/openapi.json")).unwrap();
    assert_eq!(served, in_repo, "the served description is the file in the repository");
    assert!(served["openapi"].as_str().unwrap().starts_with("3.1"), "{}", served["openapi"]);

    let routes = router_routes();
    assert!(routes.len() >= 13, "the parse of api.rs found too few routes: {routes:?}");
    let paths = served["paths"].as_object().unwrap();
    for (path, method) in &routes {
        let operation = &served["paths"][path][method];
        assert!(operation.is_object(), "openapi.json lacks {} {path}", method.to_uppercase());
        assert!(operation["responses"].is_object(), "{method} {path} has no responses");
    }
    for (path, item) in paths {
        for method in item.as_object().unwrap().keys() {
            assert!(
                routes.iter().any(|(p, m)| p == path && m == method),
                "openapi.json describes {method} {path}, which the router does not have"
            );
        }
    }
    let error = &served["components"]["schemas"]["Error"];
    assert_eq!(error["required"], json!(["error", "detail"]));
    let unavailable = &served["components"]["responses"]["Unavailable"];
    assert!(unavailable["headers"]["Retry-After"].is_object(), "503 documents Retry-After");
}

#[test]
fn an_unknown_route_is_404_json() {
    let server = Server::start();
    server.get("/v2/entities").error(404, "not_found", "no such route");
    server.get("/v1/entities/E1/friends").error(404, "not_found", "no such route");
    server.post("/nowhere", "{}").error(404, "not_found", "no such route");
}

#[test]
fn a_known_route_with_the_wrong_method_is_405_with_an_allow_header() {
    let server = Server::start();
    let response = match server.agent.get(&server.url("/v1/documents")).call() {
        Err(ureq::Error::Status(405, response)) => response,
        other => panic!("expected 405: {other:?}"),
    };
    assert_eq!(response.header("allow"), Some("POST"));
    assert_eq!(response.header("content-type"), Some("application/json"));
    let body: Value = serde_json::from_str(&response.into_string().unwrap()).unwrap();
    assert_eq!(body["error"], "method_not_allowed", "{body}");
}

#[test]
fn the_x_request_id_sent_is_echoed_and_one_is_made_up_when_none_is_sent() {
    let server = Server::start();
    let sent = Reply::of(server.agent.get(&server.url("/healthz")).set("x-request-id", "trace-4711").call());
    assert_eq!(sent.request_id.as_deref(), Some("trace-4711"));
    let error = Reply::of(server.agent.get(&server.url("/v1/entities/E9")).set("x-request-id", "trace-4712").call());
    assert_eq!((error.status, error.request_id.as_deref()), (404, Some("trace-4712")), "errors carry it too");
    let made = server.get("/healthz").request_id.expect("an id is made up");
    let other = server.get("/healthz").request_id.expect("an id is made up");
    assert!(!made.is_empty() && made != other, "{made} and {other} should differ");
}

/// With a write queue of one, many clients at once overflow it: the overflow is 503
/// `overloaded` with `Retry-After` and appends nothing; every 2xx is counted as appended.
#[test]
fn a_full_write_queue_answers_503_with_retry_after_and_appends_nothing_for_it() {
    let server = Server::with_flags(&["--queue-depth", "1", "--group-commit-max", "1"]);
    let text = "Harbour master Halvard Quist of Port Tessal met Senator Ilse Brandvik and Mayor Oskar Lund. \
                Quist said the Tessal Shipping Board would meet Brandvik again in Vell on Monday.";
    let answers: Vec<(u16, Option<String>, String)> = std::thread::scope(|scope| {
        let threads: Vec<_> = (0..24)
            .map(|client| {
                let server = &server;
                scope.spawn(move || {
                    (0..6)
                        .map(|n| {
                            let body = json!({"doc_id": format!("c{client}-{n}"), "text": format!("{text} Item {n}.")});
                            let url = server.url("/v1/documents");
                            match server.agent.post(&url).send_json(body) {
                                Ok(response) => (response.status(), None, String::new()),
                                Err(ureq::Error::Status(status, response)) => {
                                    let retry = response.header("retry-after").map(str::to_string);
                                    (status, retry, response.into_string().unwrap_or_default())
                                }
                                Err(other) => panic!("no answer: {other}"),
                            }
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        threads.into_iter().flat_map(|t| t.join().unwrap()).collect()
    });
    let ok = answers.iter().filter(|(status, _, _)| *status == 200).count();
    let overloaded: Vec<_> = answers.iter().filter(|(status, _, _)| *status == 503).collect();
    assert_eq!(ok + overloaded.len(), answers.len(), "only 200 or 503: {answers:?}");
    assert!(!overloaded.is_empty(), "24 clients never filled a queue of one");
    for (_, retry, body) in &overloaded {
        assert_eq!(retry.as_deref(), Some("1"), "{body}");
        assert!(body.contains("\"overloaded\""), "{body}");
    }
    assert_eq!(server.metric("aka_documents_ingested_total"), u64::try_from(ok).unwrap());
    assert_eq!(server.metric("aka_writes_rejected_total"), u64::try_from(overloaded.len()).unwrap());
}
