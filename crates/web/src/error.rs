//! One error type for pages. A handler returns `WebError`; its response carries an
//! [`ErrorKind`] marker that [`crate::context::layer`] turns into a page in the reader's
//! language (or a JSON error under `/api`). Causes are logged, never shown.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use jardinier_store::StoreError;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    NotFound,
    Forbidden,
    MethodNotAllowed,
    Csrf,
    TooLarge,
    Internal,
}

impl ErrorKind {
    pub fn status(self) -> StatusCode {
        match self {
            ErrorKind::NotFound => StatusCode::NOT_FOUND,
            ErrorKind::Forbidden | ErrorKind::Csrf => StatusCode::FORBIDDEN,
            ErrorKind::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            ErrorKind::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            ErrorKind::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The catalogue key prefix of the page (`error_page.not_found.title`, `….text`).
    pub fn key(self) -> &'static str {
        match self {
            ErrorKind::NotFound => "not_found",
            ErrorKind::Forbidden => "forbidden",
            ErrorKind::MethodNotAllowed => "method_not_allowed",
            ErrorKind::Csrf => "csrf",
            ErrorKind::TooLarge => "too_large",
            ErrorKind::Internal => "internal",
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum WebError {
    #[error("not found")]
    NotFound,
    #[error("forbidden")]
    Forbidden,
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl From<StoreError> for WebError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::NotFound { .. } => WebError::NotFound,
            other => WebError::Internal(other.into()),
        }
    }
}

impl From<askama::Error> for WebError {
    fn from(error: askama::Error) -> Self {
        WebError::Internal(error.into())
    }
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        let kind = match &self {
            WebError::NotFound => ErrorKind::NotFound,
            WebError::Forbidden => ErrorKind::Forbidden,
            WebError::Internal(cause) => {
                tracing::error!(error = ?cause, "request failed");
                ErrorKind::Internal
            }
        };
        let mut response = kind.status().into_response();
        response.extensions_mut().insert(kind);
        response
    }
}

pub async fn not_found() -> WebError {
    WebError::NotFound
}
