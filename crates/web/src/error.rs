//! One error type for pages. A handler returns `WebError`; its response carries an
//! [`ErrorKind`] marker that [`crate::context::layer`] turns into a page in the reader's
//! language (or a JSON error under `/api`). Causes are logged, never shown.

use axum::response::{IntoResponse, Response};
use jardinier_store::StoreError;

pub use jardinier_webkit::error::ErrorKind;

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
