//! What went wrong with a request, as both faces show it: the status it answers with and the
//! catalogue key of its page's texts (`error_page.{key}.title` and `….text`).

use axum::http::StatusCode;

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
