//! The API's errors: one JSON shape, `{"error": CODE, "detail": TEXT}`, with the status that fits.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// An error the API answers with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// The HTTP status.
    pub status: StatusCode,
    /// A stable machine-readable code (`invalid_json`, `not_found`, `overloaded`, ...).
    pub code: &'static str,
    /// What was wrong, in words, naming the field or id.
    pub detail: String,
    /// Seconds after which to retry (sent as `Retry-After`).
    pub retry_after: Option<u32>,
}

#[derive(Serialize)]
struct Body<'a> {
    error: &'a str,
    detail: &'a str,
}

impl ApiError {
    /// An error with no `Retry-After`.
    pub fn new(status: StatusCode, code: &'static str, detail: impl Into<String>) -> ApiError {
        ApiError { status, code, detail: detail.into(), retry_after: None }
    }

    /// 400: the request is malformed or names something invalid.
    pub fn bad_request(code: &'static str, detail: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, code, detail)
    }

    /// 404: an unknown id.
    pub fn not_found(detail: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, "not_found", detail)
    }

    /// 500: the store failed; the detail says how.
    pub fn internal(detail: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", detail)
    }

    /// 503 with `Retry-After`: the write queue is full, the state is loading, or the server is
    /// shutting down.
    pub fn unavailable(code: &'static str, detail: impl Into<String>, retry_after: u32) -> ApiError {
        ApiError { retry_after: Some(retry_after), ..ApiError::new(StatusCode::SERVICE_UNAVAILABLE, code, detail) }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = serde_json::to_vec(&Body { error: self.code, detail: &self.detail }).unwrap_or_default();
        let mut response = (self.status, [(header::CONTENT_TYPE, "application/json")], body).into_response();
        if let Some(seconds) = self.retry_after {
            response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}

/// The error for an engine's refusal of a document or batch.
pub fn ingest_error(error: &aka::IngestError) -> ApiError {
    use aka::IngestError as E;
    match error {
        E::ContentConflict { .. } | E::MentionConflict { .. } => {
            ApiError::new(StatusCode::CONFLICT, "conflict", error.to_string())
        }
        E::DocumentTooLarge { .. } | E::TooManyMentions { .. } => {
            ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "too_large", error.to_string())
        }
        E::Append(_) | E::Rebuild(_) => ApiError::internal(error.to_string()),
        _ => ApiError::bad_request("invalid_input", error.to_string()),
    }
}

/// The error for a judgement the engine refuses or could not append.
pub fn judge_error(error: &aka::JudgeError) -> ApiError {
    use aka::Refusal as Refused;
    match error {
        aka::JudgeError::Refused(refused) => match refused {
            Refused::Contradiction(_) => ApiError::new(StatusCode::CONFLICT, "contradiction", error.to_string()),
            Refused::UnknownEntity(_) | Refused::UnknownJudgement(_) => ApiError::not_found(error.to_string()),
            _ => ApiError::new(StatusCode::CONFLICT, "refused", error.to_string()),
        },
        _ => ApiError::internal(error.to_string()),
    }
}
