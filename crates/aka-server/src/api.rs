//! The routes: writes go to the writer's queue and wait for their durable answer; reads take
//! the engine's read lock on a blocking thread. Every error is `{"error", "detail"}`.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use aka::{BareMention, DocumentInput, Engine, EntityId, Extracted, Judge, Verdict};
use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, Path, Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use tracing::{Instrument, info, info_span};

use crate::error::ApiError;
use crate::metrics::Gauges;
use crate::writer::{Done, Work};
use crate::{Shared, Unqueued};

/// The OpenAPI description, kept in the repo beside this crate.
pub const OPENAPI: &str = include_str!("../openapi.json");

type Shared_ = Arc<Shared>;

/// Every route.
pub fn router(shared: Shared_) -> Router {
    let body_max = shared.limits.body_bytes_max;
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .route("/v1/openapi.json", get(openapi))
        .route("/v1/documents", post(post_documents))
        .route("/v1/mentions", post(post_mentions))
        .route("/v1/entities", get(search_entities))
        .route("/v1/entities/{id}", get(get_entity))
        .route("/v1/entities/{id}/history", get(get_history))
        .route("/v1/entities/{id}/explain", get(get_explain))
        .route("/v1/judgements", post(post_judgement))
        .route("/v1/judgements/{id}", delete(delete_judgement))
        .route("/v1/events", get(get_events))
        .fallback(|| async { ApiError::not_found("no such route (see /v1/openapi.json)") })
        .method_not_allowed_fallback(|| async {
            let detail = "this route does not take that method (see /v1/openapi.json)";
            ApiError::new(StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed", detail)
        })
        .layer(DefaultBodyLimit::max(body_max))
        .layer(middleware::from_fn_with_state(Arc::clone(&shared), request_id))
        .with_state(shared)
}

/// Gives every request an id (the `x-request-id` header, in and out) and a tracing span.
async fn request_id(State(shared): State<Shared_>, request: Request, next: Next) -> Response {
    let id = request
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
        .unwrap_or_else(|| format!("r{}", shared.request_ids.fetch_add(1, Ordering::Relaxed)));
    let span = info_span!("request", id = %id, method = %request.method(), path = %request.uri().path());
    let started = Instant::now();
    let mut response = next.run(request).instrument(span.clone()).await;
    span.in_scope(|| info!(status = response.status().as_u16(), micros = started.elapsed().as_micros(), "answered"));
    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert("x-request-id", value);
    }
    response
}

async fn healthz() -> Response {
    json_response(StatusCode::OK, &json!({ "status": "ok" }))
}

async fn readyz(State(shared): State<Shared_>) -> Response {
    if shared.ready.load(Ordering::Acquire) {
        json_response(StatusCode::OK, &json!({ "status": "ready", "durable_seq": *shared.durable.borrow() }))
    } else {
        ApiError::unavailable("not_ready", "the state is still loading", 1).into_response()
    }
}

async fn metrics(State(shared): State<Shared_>) -> Response {
    let mut gauges = Gauges {
        queue_depth: shared.metrics.queue_depth.load(Ordering::Relaxed),
        durable_seq: *shared.durable.borrow(),
        ready: shared.ready.load(Ordering::Acquire),
        ..Gauges::default()
    };
    if let Ok(engine) = shared.engine() {
        let engine = engine.read().unwrap_or_else(std::sync::PoisonError::into_inner);
        gauges.last_seq = engine.log().last_seq();
        gauges.entities = engine.state().entity_count();
        gauges.snapshot_seq = engine.snapshot_seq();
    }
    let text = shared.metrics.render(&gauges);
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], text).into_response()
}

async fn openapi() -> Response {
    ([(header::CONTENT_TYPE, "application/json")], OPENAPI).into_response()
}

fn json_response(status: StatusCode, value: &impl serde::Serialize) -> Response {
    (status, [(header::CONTENT_TYPE, "application/json")], serde_json::to_vec(value).unwrap_or_default())
        .into_response()
}

/// The body as bytes, or the error that says why not (413 over the limit).
fn body(body: Result<Bytes, BytesRejection>) -> Result<Bytes, ApiError> {
    body.map_err(|rejection| {
        let status = rejection.status();
        if status == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::new(status, "too_large", format!("the request body is over the limit: {}", rejection.body_text()))
        } else {
            ApiError::new(status, "bad_body", rejection.body_text())
        }
    })
}

/// Parses JSON, naming the field at fault ("[2].text: invalid type: ...").
fn parse<T: DeserializeOwned>(bytes: &[u8], what: &str) -> Result<T, ApiError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::bad_request("invalid_json", format!("the body is empty; expected {what}")));
    }
    if let Err(error) = std::str::from_utf8(bytes) {
        return Err(ApiError::bad_request("invalid_utf8", format!("the body is not UTF-8: {error}")));
    }
    let deserializer = &mut serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize(deserializer).map_err(|error| refusal(error, what))
}

/// A body already parsed as JSON, read as `T`, naming the field at fault: the bodies whose shape
/// decides what they are are parsed once, not once to look and once to read.
fn typed<T: DeserializeOwned>(value: Value, what: &str) -> Result<T, ApiError> {
    serde_path_to_error::deserialize(value).map_err(|error| refusal(error, what))
}

fn refusal(error: serde_path_to_error::Error<serde_json::Error>, what: &str) -> ApiError {
    let path = error.path().to_string();
    let inner = error.into_inner();
    let code = if inner.is_syntax() || inner.is_eof() { "invalid_json" } else { "invalid_input" };
    let at = if path == "." { String::new() } else { format!("field {path}: ") };
    ApiError::bad_request(code, format!("{at}{inner} (expected {what})"))
}

/// Queues `work` for the writer and waits for its durable answer.
async fn write(shared: &Shared_, work: Work) -> Result<Done, ApiError> {
    shared.engine()?;
    let answer = match shared.submit(work) {
        Ok(answer) => answer,
        Err(Unqueued::Full) => {
            shared.metrics.writes_rejected.fetch_add(1, Ordering::Relaxed);
            return Err(ApiError::unavailable("overloaded", "the write queue is full; retry later", 1));
        }
        Err(Unqueued::Stopping) => {
            return Err(ApiError::unavailable("shutting_down", "the server is shutting down", 5));
        }
    };
    answer.await.map_err(|_| ApiError::internal("the writer stopped before answering"))?
}

/// One document, a JSON array of them, or `{"documents": [...]}`.
async fn post_documents(
    State(shared): State<Shared_>,
    bytes: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let bytes = body(bytes)?;
    let value: Value = parse(&bytes, "a document {\"doc_id\",\"text\"} or an array of them")?;
    let documents: Vec<DocumentInput> = match value {
        Value::Array(_) => typed(value, "an array of documents {\"doc_id\",\"text\"}")?,
        Value::Object(ref object) if object.contains_key("documents") => {
            #[derive(Deserialize)]
            #[serde(deny_unknown_fields)]
            struct Batch {
                documents: Vec<DocumentInput>,
            }
            typed::<Batch>(value, "{\"documents\": [...]}")?.documents
        }
        _ => vec![typed(value, "a document {\"doc_id\",\"text\"}")?],
    };
    if documents.is_empty() {
        return Err(ApiError::bad_request("invalid_input", "the batch holds no document"));
    }
    let max = shared.limits.batch_documents_max;
    if documents.len() > max {
        let detail = format!("{} documents in one request, over the limit of {max}", documents.len());
        return Err(ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "too_large", detail));
    }
    // Extraction needs no state: it runs here, on the blocking pool, in parallel with other
    // requests, and leaves the writer only resolution and the append.
    let config = shared.engine_config.clone();
    let prepared = tokio::task::spawn_blocking(move || {
        documents
            .into_iter()
            .map(|d| {
                let extracted = Extracted::new(&config, &d);
                (d, extracted)
            })
            .collect::<Vec<_>>()
    })
    .await
    .map_err(|e| ApiError::internal(format!("extraction failed: {e}")))?;
    let done = write(&shared, Work::Documents(prepared)).await?;
    Ok(json_response(StatusCode::OK, &done))
}

/// A batch of bare mentions: an array, or `{"mentions": [...]}`.
async fn post_mentions(
    State(shared): State<Shared_>,
    bytes: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let bytes = body(bytes)?;
    let value: Value = parse(&bytes, "an array of mentions {\"doc_id\",\"text\"}")?;
    let mentions: Vec<BareMention> = if value.is_array() {
        typed(value, "an array of mentions {\"doc_id\",\"text\"}")?
    } else {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Batch {
            mentions: Vec<BareMention>,
        }
        typed::<Batch>(value, "{\"mentions\": [...]}")?.mentions
    };
    if mentions.is_empty() {
        return Err(ApiError::bad_request("invalid_input", "the batch holds no mention"));
    }
    let done = write(&shared, Work::Mentions(mentions)).await?;
    Ok(json_response(StatusCode::OK, &done))
}

/// Runs a read on a blocking thread under the engine's read lock.
async fn read<T: Send + 'static>(
    shared: &Shared_,
    f: impl FnOnce(&Engine) -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    let engine = Arc::clone(shared.engine()?);
    tokio::task::spawn_blocking(move || f(&engine.read().unwrap_or_else(std::sync::PoisonError::into_inner)))
        .await
        .map_err(|e| ApiError::internal(format!("the read failed: {e}")))?
}

fn entity_id(text: &str) -> Result<EntityId, ApiError> {
    text.parse().map_err(|_| {
        ApiError::bad_request("invalid_id", format!("{text:?} is not an entity id (E followed by digits)"))
    })
}

fn entity_json(engine: &Engine, asked: EntityId) -> Result<Value, ApiError> {
    let state = engine.state();
    let entity = state.entity(asked).ok_or_else(|| ApiError::not_found(format!("no entity {asked}")))?;
    let mut value = json!({
        "id": entity.id.to_string(),
        "kind": entity.kind.to_string(),
        "name": entity.name(),
        "aliases": entity.aliases(),
        "roles": entity.roles.iter().map(ToString::to_string).collect::<Vec<_>>(),
        "mentions": entity.mentions.len(),
        "mention_ids": entity.mentions.iter().take(100).collect::<Vec<_>>(),
        "absorbed": entity.absorbed.iter().map(ToString::to_string).collect::<Vec<_>>(),
    });
    if entity.id != asked {
        value["merged_from"] = json!(asked.to_string());
    }
    Ok(value)
}

async fn get_entity(State(shared): State<Shared_>, Path(id): Path<String>) -> Result<Response, ApiError> {
    let id = entity_id(&id)?;
    let value = read(&shared, move |engine| entity_json(engine, id)).await?;
    Ok(json_response(StatusCode::OK, &value))
}

async fn get_history(State(shared): State<Shared_>, Path(id): Path<String>) -> Result<Response, ApiError> {
    let id = entity_id(&id)?;
    let history = read(&shared, move |engine| {
        aka::history::history(engine, id).map_err(|e| match e {
            aka::history::HistoryError::UnknownEntity { .. } => ApiError::not_found(e.to_string()),
            other => ApiError::internal(other.to_string()),
        })
    })
    .await?;
    Ok(json_response(StatusCode::OK, &history))
}

async fn get_explain(State(shared): State<Shared_>, Path(id): Path<String>) -> Result<Response, ApiError> {
    let id = entity_id(&id)?;
    let value = read(&shared, move |engine| {
        let live = engine.state().entity(id).ok_or_else(|| ApiError::not_found(format!("no entity {id}")))?.id;
        let events = engine.explain(id).map_err(|e| ApiError::internal(e.to_string()))?;
        let events: Vec<Value> = events.into_iter().map(|(seq, event)| json!({ "seq": seq, "event": event })).collect();
        Ok(json!({ "asked": id.to_string(), "entity": live.to_string(), "events": events }))
    })
    .await?;
    Ok(json_response(StatusCode::OK, &value))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SearchParams {
    q: Option<String>,
    kind: Option<String>,
    limit: Option<usize>,
    cursor: Option<String>,
}

/// Search by name (exact and contained names first, then Jaro-Winkler over every name), ranked,
/// paged by an opaque cursor; without `q`, every entity in id order.
async fn search_entities(
    State(shared): State<Shared_>,
    params: Result<Query<SearchParams>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(params) = params.map_err(|e| ApiError::bad_request("invalid_query", e.body_text()))?;
    let max = shared.limits.page_len_max;
    let limit = params.limit.unwrap_or(50);
    if limit == 0 || limit > max {
        return Err(ApiError::bad_request("invalid_query", format!("limit must be 1..={max}, not {limit}")));
    }
    let offset = match params.cursor.as_deref() {
        None => 0,
        Some(c) => c
            .parse::<usize>()
            .map_err(|_| ApiError::bad_request("invalid_query", format!("cursor {c:?} is not one this server gave")))?,
    };
    if let Some(q) = &params.q {
        let chars = q.trim().chars().count();
        if chars > SEARCH_QUERY_CHARS_MAX {
            return Err(ApiError::bad_request(
                "invalid_query",
                format!("q has {chars} characters; a name has at most {SEARCH_QUERY_CHARS_MAX}"),
            ));
        }
    }
    let kind = match params.kind.as_deref() {
        None | Some("") => None,
        Some(k) => {
            Some(k.parse::<aka::Kind>().map_err(|e| ApiError::bad_request("invalid_query", format!("kind: {e}")))?)
        }
    };
    let value = read(&shared, move |engine| Ok(search(engine, params.q.as_deref(), kind, limit, offset))).await?;
    Ok(json_response(StatusCode::OK, &value))
}

/// The Jaro-Winkler similarity at which a name is a search result.
const SEARCH_SCORE_MIN: f64 = 0.85;

/// The longest query a search takes, in characters: a name, not a text. A search compares the
/// query with every name, at a cost that grows with the query's length.
const SEARCH_QUERY_CHARS_MAX: usize = 200;

fn search(engine: &Engine, q: Option<&str>, kind: Option<aka::Kind>, limit: usize, offset: usize) -> Value {
    let state = engine.state();
    let kind_ok = |k: aka::Kind| kind.is_none_or(|want| want == k);
    let mut ranked: Vec<(f64, EntityId)> = Vec::new();
    match q.map(str::trim).filter(|q| !q.is_empty()) {
        None => ranked.extend(state.entity_names().filter(|e| kind_ok(e.kind)).map(|e| (1.0, e.id))),
        Some(q) => {
            // `find` gives its ids in order.
            let found = engine.find(q);
            // Names too far from the query to reach the minimum are passed over by their
            // characters, without a comparison (the search scans every entity's names).
            let similarity = aka::query::Similarity::new(q);
            for entity in state.entity_names().filter(|e| kind_ok(e.kind)) {
                let score = if found.binary_search(&entity.id).is_ok() {
                    1.0
                } else {
                    entity
                        .names
                        .iter()
                        .filter_map(|name| similarity.at_least(name, SEARCH_SCORE_MIN))
                        .fold(0.0, f64::max)
                };
                if score >= SEARCH_SCORE_MIN {
                    ranked.push((score, entity.id));
                }
            }
            ranked.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        }
    }
    let total = ranked.len();
    let page: Vec<Value> = ranked
        .iter()
        .skip(offset)
        .take(limit)
        .filter_map(|(score, id)| {
            let mut value = entity_json(engine, *id).ok()?;
            value["score"] = json!((score * 1000.0).round() / 1000.0);
            value.as_object_mut()?.remove("mention_ids");
            Some(value)
        })
        .collect();
    let end = offset.saturating_add(limit);
    let next = (end < total).then(|| end.to_string());
    json!({ "entities": page, "total": total, "next_cursor": next })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct JudgementBody {
    verdict: String,
    a: String,
    b: String,
    reason: String,
    #[serde(default)]
    by: Option<String>,
}

fn now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

fn who(headers: &HeaderMap, by: Option<String>, reason: String) -> Judge {
    let by = by.or_else(|| headers.get("x-aka-user").and_then(|v| v.to_str().ok()).map(str::to_string));
    Judge { by: by.unwrap_or_else(|| "api".to_string()), at: now(), reason }
}

async fn post_judgement(
    State(shared): State<Shared_>,
    headers: HeaderMap,
    bytes: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let bytes = body(bytes)?;
    let expected = "{\"verdict\": \"same\"|\"different\", \"a\", \"b\", \"reason\"[, \"by\"]}";
    let judgement: JudgementBody = parse(&bytes, expected)?;
    let verdict = match judgement.verdict.as_str() {
        "same" => Verdict::Same,
        "different" => Verdict::Different,
        other => {
            return Err(ApiError::bad_request(
                "invalid_input",
                format!("field verdict: {other:?} is neither \"same\" nor \"different\""),
            ));
        }
    };
    if judgement.reason.trim().is_empty() {
        return Err(ApiError::bad_request("invalid_input", "field reason: is empty; say why"));
    }
    let (a, b) = (entity_id(&judgement.a)?, entity_id(&judgement.b)?);
    let work = Work::Judge { verdict, a, b, who: who(&headers, judgement.by, judgement.reason) };
    let done = write(&shared, work).await?;
    Ok(json_response(StatusCode::CREATED, &done))
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RetractParams {
    reason: Option<String>,
    by: Option<String>,
}

async fn delete_judgement(
    State(shared): State<Shared_>,
    headers: HeaderMap,
    Path(id): Path<String>,
    params: Result<Query<RetractParams>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(params) = params.map_err(|e| ApiError::bad_request("invalid_query", e.body_text()))?;
    let reason = params.reason.unwrap_or_else(|| "withdrawn through the API".to_string());
    let work = Work::Retract { judgement: id, who: who(&headers, params.by, reason) };
    let done = write(&shared, work).await?;
    Ok(json_response(StatusCode::OK, &done))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EventParams {
    from: Option<u64>,
    format: Option<String>,
}

async fn get_events(
    State(shared): State<Shared_>,
    headers: HeaderMap,
    params: Result<Query<EventParams>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(params) = params.map_err(|e| ApiError::bad_request("invalid_query", e.body_text()))?;
    shared.engine()?;
    let accepts_sse =
        headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|a| a.contains("text/event-stream"));
    let sse = match params.format.as_deref() {
        None => accepts_sse,
        Some("sse") => true,
        Some("jsonl") => false,
        Some(other) => {
            return Err(ApiError::bad_request("invalid_query", format!("format {other:?}: use sse or jsonl")));
        }
    };
    Ok(crate::events::stream(Arc::clone(&shared), params.from.unwrap_or(1), sse))
}
