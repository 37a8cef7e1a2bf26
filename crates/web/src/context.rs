//! Per-request context: who is signed in, in which language they read, and the CSRF token their
//! forms must carry. [`layer`] resolves it once per request; handlers receive it through the
//! extractors [`RequestCtx`], [`SignedIn`] and [`InWorkspace`].

use axum::body::Body;
use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::{Cookie, CookieJar};
use jardinier_domain::{Permission, Role};
use jardinier_i18n::{Lang, Tr};
use jardinier_store::{User, Workspace};

use crate::error::{ErrorKind, WebError};
use crate::{SharedState, auth, unix_now};

pub const SESSION_COOKIE: &str = "jardinier_session";
pub const CSRF_COOKIE: &str = "jardinier_csrf";
pub const LANG_COOKIE: &str = "jardinier_lang";
pub const CSRF_FIELD: &str = "_csrf";

#[derive(Clone, Debug)]
pub struct RequestCtx {
    pub tr: Tr,
    pub csrf: String,
    pub user: Option<User>,
    pub session_hash: Option<String>,
    /// Path and query of this request, for `?next=` after signing in.
    pub path: String,
    pub client_ip: String,
    /// The demo's local mail log is on: pages link to it.
    pub mail_log: bool,
}

impl RequestCtx {
    pub fn lang(&self) -> Lang {
        self.tr.lang
    }
}

/// Requests from programs, not browsers: bearer tokens or signatures instead of sessions and
/// CSRF tokens, JSON errors instead of pages.
fn is_api(path: &str) -> bool {
    path.starts_with("/api/") || path.starts_with("/hooks/") || path.starts_with("/dev/hooks/")
}

/// The language to read in: the user's saved choice, then the language cookie (a choice made
/// before signing in), then the browser's `Accept-Language`, then English.
fn resolve_lang(user: Option<&User>, jar: &CookieJar, headers: &axum::http::HeaderMap) -> Lang {
    jardinier_webkit::http::resolve_lang(
        user.and_then(|u| u.lang.as_deref()),
        jar.get(LANG_COOKIE).map(|c| c.value()),
        headers,
    )
}

pub fn cookie(
    state: &SharedState,
    name: &'static str,
    value: String,
    max_age_secs: i64,
) -> Cookie<'static> {
    jardinier_webkit::http::cookie(
        name,
        value,
        "/".to_owned(),
        state.config.secure_cookies,
        max_age_secs,
    )
}

pub async fn layer(State(state): State<SharedState>, mut req: Request, next: Next) -> Response {
    let jar = CookieJar::from_headers(req.headers());
    let now = unix_now();
    let path = req.uri().path().to_owned();
    let path_and_query = req
        .uri()
        .path_and_query()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| path.clone());
    let client_ip = jardinier_webkit::http::client_ip(&req, &state.config.trusted_proxies);

    let session_hash = jar.get(SESSION_COOKIE).map(|c| auth::token_hash(c.value()));
    let session = match &session_hash {
        Some(hash) if !is_api(&path) => match state.store.session(hash, now).await {
            Ok(found) => found,
            Err(error) => {
                tracing::error!(%error, "could not read the session");
                None
            }
        },
        _ => None,
    };
    let lang = resolve_lang(session.as_ref().map(|(_, u)| u), &jar, req.headers());

    let mut new_csrf_cookie = None;
    let csrf = match &session {
        Some((s, _)) => s.csrf_token.clone(),
        None => match jar.get(CSRF_COOKIE) {
            Some(c) if c.value().len() == 64 => c.value().to_owned(),
            _ => {
                let token = auth::random_token();
                new_csrf_cookie = Some(token.clone());
                token
            }
        },
    };
    let ctx = RequestCtx {
        tr: Tr::new(lang),
        csrf: csrf.clone(),
        session_hash: session.as_ref().and(session_hash),
        user: session.map(|(_, u)| u),
        path: path_and_query,
        client_ip,
        mail_log: state.config.mail_log_page,
    };

    // CSRF: every unsafe request to a page must carry the token in its form. The API is exempt:
    // it authenticates with a bearer token, which a browser never attaches on its own.
    let unsafe_method = !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    // The newsletter's public links (/n/…) are capabilities carried in the address, and its
    // sign-up form is posted from the brand's own site: no CSRF token there.
    let multipart = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"));
    if unsafe_method && multipart && !is_api(&path) {
        // A file upload: its body is streamed, not read here; the form carries its token in
        // its address instead (`?_csrf=`).
        let submitted = req
            .uri()
            .query()
            .and_then(|q| {
                form_urlencoded::parse(q.as_bytes())
                    .find(|(k, _)| k == CSRF_FIELD)
                    .map(|(_, v)| v.into_owned())
            })
            .unwrap_or_default();
        if !auth::constant_time_eq(&submitted, &csrf) {
            tracing::info!(path = %path, "upload refused: missing or wrong CSRF token");
            return crate::pages::error_page(&ctx, ErrorKind::Csrf);
        }
    } else if unsafe_method && !is_api(&path) && !path.starts_with("/n/") {
        let (parts, body) = req.into_parts();
        let bytes = match axum::body::to_bytes(body, 1024 * 1024).await {
            Ok(bytes) => bytes,
            Err(_) => return crate::pages::error_page(&ctx, ErrorKind::TooLarge),
        };
        let submitted = form_urlencoded::parse(&bytes)
            .find(|(k, _)| k == CSRF_FIELD)
            .map(|(_, v)| v.into_owned())
            .unwrap_or_default();
        if !auth::constant_time_eq(&submitted, &csrf) {
            tracing::info!(path = %path, "form refused: missing or wrong CSRF token");
            let mut response = crate::pages::error_page(&ctx, ErrorKind::Csrf);
            if let Some(token) = new_csrf_cookie {
                set_cookie(
                    &mut response,
                    cookie(&state, CSRF_COOKIE, token, 7 * 24 * 3600),
                );
            }
            return response;
        }
        req = Request::from_parts(parts, Body::from(bytes));
    }

    req.extensions_mut().insert(ctx.clone());
    let mut response = next.run(req).await;

    // Turn error markers, and axum's own bare 404/405, into pages or JSON errors.
    let marker = response.extensions().get::<ErrorKind>().copied();
    let content_type = response.headers().get(header::CONTENT_TYPE);
    let bare = content_type.is_none();
    let json = content_type.is_some_and(|t| t.as_bytes().starts_with(b"application/json"));
    let kind = marker.or(match response.status() {
        StatusCode::NOT_FOUND if bare => Some(ErrorKind::NotFound),
        StatusCode::METHOD_NOT_ALLOWED if bare => Some(ErrorKind::MethodNotAllowed),
        // The body limit answers in plain text before any handler runs.
        StatusCode::PAYLOAD_TOO_LARGE if !json => Some(ErrorKind::TooLarge),
        _ => None,
    });
    if let Some(kind) = kind {
        let allow = response.headers().get(header::ALLOW).cloned();
        response = if is_api(&path) {
            crate::api::ApiError::from_kind(kind).into_response()
        } else {
            crate::pages::error_page(&ctx, kind)
        };
        if let Some(allow) = allow {
            response.headers_mut().insert(header::ALLOW, allow);
        }
    }
    if let Some(token) = new_csrf_cookie {
        set_cookie(
            &mut response,
            cookie(&state, CSRF_COOKIE, token, 7 * 24 * 3600),
        );
    }
    response
}

pub use jardinier_webkit::http::set_cookie;

impl<S: Send + Sync> FromRequestParts<S> for RequestCtx {
    type Rejection = WebError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<RequestCtx>()
            .cloned()
            .ok_or_else(|| {
                WebError::Internal(anyhow::anyhow!(
                    "request context missing: is context::layer installed?"
                ))
            })
    }
}

/// A signed-in person. Without a session, pages redirect to the sign-in form and come back.
pub struct SignedIn {
    pub ctx: RequestCtx,
    pub user: User,
}

pub fn login_redirect(next: &str) -> Response {
    let next: String = form_urlencoded::byte_serialize(next.as_bytes()).collect();
    Redirect::to(&format!("/login?next={next}")).into_response()
}

impl<S: Send + Sync> FromRequestParts<S> for SignedIn {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let ctx = RequestCtx::from_request_parts(parts, state)
            .await
            .map_err(IntoResponse::into_response)?;
        match ctx.user.clone() {
            Some(user) => Ok(SignedIn { ctx, user }),
            None => Err(login_redirect(&ctx.path)),
        }
    }
}

/// A signed-in member inside the workspace named by the path (`/w/{slug}/…`), with their role
/// there. Someone who is not a member gets "not found": the workspace's existence is not
/// revealed.
pub struct InWorkspace {
    pub ctx: RequestCtx,
    pub user: User,
    pub workspace: Workspace,
    pub role: Role,
    /// Every workspace of the user, for the switcher.
    pub workspaces: Vec<(Workspace, Role)>,
}

impl InWorkspace {
    pub fn require(&self, permission: Permission) -> Result<(), WebError> {
        if self.role.can(permission) {
            Ok(())
        } else {
            Err(WebError::Forbidden)
        }
    }

    pub fn can(&self, permission: Permission) -> bool {
        self.role.can(permission)
    }
}

impl FromRequestParts<SharedState> for InWorkspace {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &SharedState,
    ) -> Result<Self, Self::Rejection> {
        let SignedIn { ctx, user } = SignedIn::from_request_parts(parts, state).await?;
        let slug = parts
            .uri
            .path()
            .strip_prefix("/w/")
            .and_then(|rest| rest.split('/').next())
            .unwrap_or_default()
            .to_owned();
        let workspaces = state
            .store
            .workspaces_of_user(user.id)
            .await
            .map_err(|e| WebError::from(e).into_response())?;
        match workspaces.iter().find(|(w, _)| w.slug == slug).cloned() {
            Some((workspace, role)) => Ok(InWorkspace {
                ctx,
                user,
                workspace,
                role,
                workspaces,
            }),
            None => Err(WebError::NotFound.into_response()),
        }
    }
}
