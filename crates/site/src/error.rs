//! One error type for the site's handlers. Its response carries an [`ErrorKind`] marker that
//! [`crate::context::layer`] turns into the community's own error page, in the member's
//! language. Causes are logged, never shown.

use askama::Template;
use axum::response::{Html, IntoResponse, Response};
use jardinier_store::StoreError;

use crate::context::SiteCtx;

pub use jardinier_webkit::error::ErrorKind;

#[derive(Debug, thiserror::Error)]
pub enum SiteError {
    #[error("not found")]
    NotFound,
    #[error("forbidden")]
    Forbidden,
    #[error("{0:?}")]
    Page(ErrorKind),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl From<StoreError> for SiteError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::NotFound { .. } => SiteError::NotFound,
            other => SiteError::Internal(other.into()),
        }
    }
}

impl From<askama::Error> for SiteError {
    fn from(error: askama::Error) -> Self {
        SiteError::Internal(error.into())
    }
}

impl IntoResponse for SiteError {
    fn into_response(self) -> Response {
        let kind = match &self {
            SiteError::NotFound => ErrorKind::NotFound,
            SiteError::Forbidden => ErrorKind::Forbidden,
            SiteError::Page(kind) => *kind,
            SiteError::Internal(cause) => {
                tracing::error!(error = ?cause, "community request failed");
                ErrorKind::Internal
            }
        };
        let mut response = kind.status().into_response();
        response.extensions_mut().insert(kind);
        response
    }
}

pub async fn not_found() -> SiteError {
    SiteError::NotFound
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    c: &'a SiteCtx,
    status: u16,
    title: &'a str,
    text: &'a str,
}

/// The community's error page for `kind`, in the member's language.
pub fn page(c: &SiteCtx, kind: ErrorKind) -> Response {
    let title =
        c.tr.t(&format!("error_page.{}.title", kind.key()))
            .to_owned();
    let text =
        c.tr.t(&format!("error_page.{}.text", kind.key()))
            .to_owned();
    let body = ErrorPage {
        c,
        status: kind.status().as_u16(),
        title: &title,
        text: &text,
    }
    .render()
    .unwrap_or_else(|_| title.clone());
    (kind.status(), Html(body)).into_response()
}

/// An error page for a request that names no community this site serves (no brand, no
/// session): plain, in the reader's language.
pub fn bare_page(error: SiteError, lang: jardinier_i18n::Lang) -> Response {
    let kind = error
        .into_response()
        .extensions()
        .get::<ErrorKind>()
        .copied()
        .unwrap_or(ErrorKind::Internal);
    let tr = jardinier_i18n::Tr::new(lang);
    let title = tr.t(&format!("error_page.{}.title", kind.key())).to_owned();
    let text = tr.t(&format!("error_page.{}.text", kind.key())).to_owned();
    // Catalogue texts only: nothing from the request is written here.
    let body = format!(
        "<!DOCTYPE html><html lang=\"{}\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title}</title></head><body><main><h1>{title}</h1><p>{text}</p></main></body></html>",
        tr.code()
    );
    (kind.status(), Html(body)).into_response()
}
