//! `GET /v1/events?from=SEQ`: the log as a live stream. It catches up from SEQ, then follows
//! new events as they become durable (never one that a crash could still take back), as JSON
//! lines or, when the client accepts `text/event-stream`, as server-sent events whose ids are
//! sequence numbers (a client resumes with `from` = last id + 1).

use std::convert::Infallible;
use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use tokio::sync::watch;

use crate::Shared;

/// Events read from the log per chunk of the stream.
const CHUNK_LEN_MAX: u64 = 512;

struct Cursor {
    shared: Arc<Shared>,
    next: u64,
    durable: watch::Receiver<u64>,
    stopping: watch::Receiver<bool>,
    sse: bool,
    failed: bool,
}

/// The stream from `from` on.
pub fn stream(shared: Arc<Shared>, from: u64, sse: bool) -> Response {
    let cursor = Cursor {
        durable: shared.durable.clone(),
        stopping: shared.stopping.clone(),
        shared,
        next: from.max(1),
        sse,
        failed: false,
    };
    let body = futures_util::stream::unfold(cursor, |mut cursor| async move {
        loop {
            if cursor.failed || *cursor.stopping.borrow() {
                return None;
            }
            let upto = *cursor.durable.borrow_and_update();
            if cursor.next <= upto {
                let chunk = read(&cursor, upto);
                let bytes = match chunk {
                    Ok((bytes, next)) => {
                        cursor.next = next;
                        bytes
                    }
                    Err(detail) => {
                        cursor.failed = true;
                        error_line(&detail, cursor.sse)
                    }
                };
                return Some((Ok::<Bytes, Infallible>(Bytes::from(bytes)), cursor));
            }
            tokio::select! {
                changed = cursor.durable.changed() => if changed.is_err() { return None },
                _ = cursor.stopping.changed() => {},
            }
        }
    });
    let content_type = if sse { "text/event-stream" } else { "application/x-ndjson" };
    ([(header::CONTENT_TYPE, content_type), (header::CACHE_CONTROL, "no-cache")], Body::from_stream(body))
        .into_response()
}

/// Up to [`CHUNK_LEN_MAX`] events from `cursor.next`, at most `upto`, encoded; and the next
/// sequence number to read.
fn read(cursor: &Cursor, upto: u64) -> Result<(Vec<u8>, u64), String> {
    let engine = cursor.shared.engine().map_err(|e| e.detail)?;
    let engine = engine.read().unwrap_or_else(std::sync::PoisonError::into_inner);
    let mut out = Vec::new();
    let mut next = cursor.next;
    for item in engine.log().iter_from(cursor.next).take(usize::try_from(CHUNK_LEN_MAX).unwrap_or(usize::MAX)) {
        let (seq, envelope) = item.map_err(|e| e.to_string())?;
        if seq > upto {
            break;
        }
        let line = serde_json::json!({ "seq": seq, "schema": envelope.schema, "event": envelope.event });
        if cursor.sse {
            out.extend_from_slice(format!("id: {seq}\nevent: aka\ndata: {line}\n\n").as_bytes());
        } else {
            out.extend_from_slice(line.to_string().as_bytes());
            out.push(b'\n');
        }
        next = seq + 1;
    }
    Ok((out, next))
}

fn error_line(detail: &str, sse: bool) -> Vec<u8> {
    let line = serde_json::json!({ "error": "read_failed", "detail": detail });
    if sse { format!("event: error\ndata: {line}\n\n").into_bytes() } else { format!("{line}\n").into_bytes() }
}
