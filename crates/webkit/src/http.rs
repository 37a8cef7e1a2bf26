//! Cookies, the reader's language and the client's address, read the same way by both faces.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, Request};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::Response;
use axum_extra::extract::cookie::{Cookie, SameSite};
use jardinier_i18n::Lang;

/// A cookie scripts cannot read, sent back only by this site's own pages and forms.
pub fn cookie(
    name: &'static str,
    value: String,
    path: String,
    secure: bool,
    max_age_secs: i64,
) -> Cookie<'static> {
    Cookie::build((name, value))
        .path(path)
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(secure)
        .max_age(time::Duration::seconds(max_age_secs))
        .build()
}

pub fn set_cookie(response: &mut Response, cookie: Cookie<'static>) {
    if let Ok(value) = HeaderValue::from_str(&cookie.to_string()) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
}

/// The language to read in: a saved choice, then a choice kept in a cookie (made before signing
/// in), then the browser's `Accept-Language`, then English.
pub fn resolve_lang(saved: Option<&str>, cookie: Option<&str>, headers: &HeaderMap) -> Lang {
    saved
        .and_then(Lang::parse)
        .or_else(|| cookie.and_then(Lang::parse))
        .or_else(|| {
            headers
                .get(header::ACCEPT_LANGUAGE)
                .and_then(|v| v.to_str().ok())
                .and_then(Lang::negotiate)
        })
        .unwrap_or_default()
}

/// The real client's address: the peer, or what the trusted proxies say (issue 14).
pub fn client_ip(
    req: &Request,
    trusted: &jardinier_domain::client_address::TrustedProxies,
) -> String {
    let Some(peer) = req.extensions().get::<ConnectInfo<SocketAddr>>() else {
        return String::new();
    };
    let values = |name: header::HeaderName| -> Vec<&str> {
        req.headers()
            .get_all(name)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .collect()
    };
    jardinier_domain::client_address::client_address(
        peer.0.ip(),
        &values(header::FORWARDED),
        &values(header::HeaderName::from_static("x-forwarded-for")),
        trusted,
    )
    .to_string()
}

/// The value of a form field in an `application/x-www-form-urlencoded` body or a query.
pub fn form_field(encoded: &[u8], name: &str) -> Option<String> {
    form_urlencoded::parse(encoded)
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}
