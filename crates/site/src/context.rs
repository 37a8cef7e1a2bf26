//! Per-request context of the community site: which community (from the path or the host), who
//! is reading (a member's session, or a teammate's), in which language, and the CSRF token their
//! forms carry. [`layer`] resolves it once; handlers receive it as [`SiteCtx`].

use axum::body::Body;
use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;
use axum_extra::extract::cookie::CookieJar;
use jardinier_community::Viewer;
use jardinier_i18n::{Lang, Tr};
use jardinier_store::{Charter, CommunityAccount, CommunitySite};
use jardinier_webkit::http::{cookie, set_cookie};
use jardinier_webkit::secrets::{constant_time_eq, random_token, token_hash};

use crate::error::{ErrorKind, SiteError};
use crate::{SharedSite, unix_now};

pub const MEMBER_COOKIE: &str = "jardinier_member";
pub const CSRF_COOKIE: &str = "jardinier_member_csrf";
pub const LANG_COOKIE: &str = "jardinier_member_lang";
pub const CSRF_FIELD: &str = "_csrf";
/// The largest form with a file: an image and the few fields around it.
pub const MULTIPART_LIMIT: usize = jardinier_community::images::MAX_BYTES + 64 * 1024;
/// The team's session cookie (the workbench's): a teammate reading their workspace's community
/// is staff there.
pub const TEAM_SESSION_COOKIE: &str = "jardinier_session";

/// Set by [`crate::in_front_of`] when the request came on the community's own host name.
#[derive(Clone)]
pub struct OwnHost(pub String);

#[derive(Clone)]
pub struct SiteCtx {
    pub tr: Tr,
    pub site: CommunitySite,
    /// Where the community's pages are, for links: `/c/{slug}`, or empty on its own host.
    pub base: String,
    /// Its address from outside, for e-mails, feeds and canonical links (no trailing slash).
    pub absolute: String,
    pub member: Option<CommunityAccount>,
    pub session_hash: Option<String>,
    /// The teammate reading, if one is signed in to the workbench and in this workspace.
    pub staff: Option<(i64, String)>,
    pub charter: Option<Charter>,
    /// Unread notifications of the signed-in member (the bell).
    pub unread: i64,
    pub csrf: String,
    pub path: String,
    pub client_ip: String,
    /// The workspace's time zone, for dates.
    pub timezone: String,
    pub mail_log: bool,
}

impl SiteCtx {
    pub fn lang(&self) -> Lang {
        self.tr.lang
    }

    pub fn viewer(&self) -> Viewer {
        if self.staff.is_some() {
            return Viewer::Staff;
        }
        match &self.member {
            None => Viewer::Visitor,
            Some(m) => Viewer::Member {
                verified: m.verified_at.is_some(),
                charter_accepted: !jardinier_community::must_accept_charter(
                    m.charter_version,
                    self.charter.as_ref().map(|c| c.version),
                ),
            },
        }
    }

    /// A link inside the community: `href("/t/3")` → `/c/jardins/t/3`.
    pub fn href(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// This page's path inside the community, encoded for a `?next=`.
    pub fn here(&self) -> String {
        form_urlencoded::byte_serialize(self.path.as_bytes()).collect()
    }

    pub fn time(&self, unix: &i64) -> String {
        jardinier_webkit::format::format_time(self.tr, *unix, &self.timezone)
    }

    pub fn datetime(&self, unix: &i64) -> String {
        jardinier_webkit::format::rfc3339(*unix)
    }

    fn cookie_path(&self) -> String {
        if self.base.is_empty() {
            "/".to_owned()
        } else {
            format!("{}/", self.base)
        }
    }

    /// A cookie of this community's that the browser forgets.
    pub fn forget(&self, name: &'static str) -> axum_extra::extract::cookie::Cookie<'static> {
        let mut gone = axum_extra::extract::cookie::Cookie::from(name);
        gone.set_path(self.cookie_path());
        gone.make_removal();
        gone
    }

    pub fn cookie(
        &self,
        state: &SharedSite,
        name: &'static str,
        value: String,
        max_age_secs: i64,
    ) -> axum_extra::extract::cookie::Cookie<'static> {
        cookie(
            name,
            value,
            self.cookie_path(),
            state.config.secure_cookies,
            max_age_secs,
        )
    }
}

/// The workspace slug of a `/c/{slug}/…` path.
fn slug_of(path: &str) -> Option<&str> {
    path.strip_prefix("/c/")?
        .split('/')
        .next()
        .filter(|s| !s.is_empty())
}

/// A text field of a multipart body already read.
async fn multipart_field(bytes: axum::body::Bytes, boundary: String, name: &str) -> Option<String> {
    let stream = futures_util::stream::once(async move { Ok::<_, std::io::Error>(bytes) });
    let mut multipart = multer::Multipart::new(stream, boundary);
    while let Ok(Some(field)) = multipart.next_field().await {
        if field.name() == Some(name) {
            return field.text().await.ok();
        }
    }
    None
}

pub async fn layer(State(state): State<SharedSite>, req: Request, next: Next) -> Response {
    let lang = jardinier_webkit::http::resolve_lang(None, None, req.headers());
    match resolve(&state, req, next).await {
        Ok(response) => response,
        // Before the community is known (an unknown or closed one): a page without its look.
        Err(error) => crate::error::bare_page(error, lang),
    }
}

async fn resolve(state: &SharedSite, mut req: Request, next: Next) -> Result<Response, SiteError> {
    let now = unix_now();
    let path = req.uri().path().to_owned();
    let Some(slug) = slug_of(&path).map(str::to_owned) else {
        return Err(SiteError::NotFound);
    };
    let own_host = req.extensions().get::<OwnHost>().is_some();
    let (site, timezone, charter) = state
        .store
        .community_context(&slug)
        .await?
        .ok_or(SiteError::NotFound)?;
    let base = if own_host {
        String::new()
    } else {
        format!("/c/{slug}")
    };
    let absolute = match (&site.host, own_host) {
        (Some(host), true) => {
            let scheme = if state.config.secure_cookies {
                "https"
            } else {
                "http"
            };
            format!("{scheme}://{host}")
        }
        _ => format!("{}/c/{slug}", state.config.base_url),
    };
    let jar = CookieJar::from_headers(req.headers());

    let session_hash = jar.get(MEMBER_COOKIE).map(|c| token_hash(c.value()));
    let session = match &session_hash {
        Some(hash) => state
            .store
            .community_session(hash, now)
            .await?
            .filter(|(_, account, _)| account.workspace_id == site.workspace_id),
        None => None,
    };
    // A teammate signed in to the workbench (same host only) reads as staff.
    let staff = match jar.get(TEAM_SESSION_COOKIE) {
        Some(c) if !own_host => match state.store.session(&token_hash(c.value()), now).await? {
            Some((_, user)) => state
                .store
                .membership(user.id, &slug)
                .await?
                .filter(|(_, role)| role.can(jardinier_domain::Permission::ViewCommunity))
                .map(|_| (user.id, user.display_name.clone())),
            None => None,
        },
        _ => None,
    };
    if !site.open && staff.is_none() {
        return Err(SiteError::NotFound);
    }
    let member = session.as_ref().map(|(_, m, _)| m.clone());
    let lang = jardinier_webkit::http::resolve_lang(
        member.as_ref().and_then(|m| m.lang.as_deref()),
        jar.get(LANG_COOKIE).map(|c| c.value()),
        req.headers(),
    );
    let mut new_csrf = None;
    let csrf = match &session {
        Some((token, _, _)) => token.clone(),
        None => match jar.get(CSRF_COOKIE) {
            Some(c) if c.value().len() == 64 => c.value().to_owned(),
            _ => {
                let token = random_token();
                new_csrf = Some(token.clone());
                token
            }
        },
    };
    let unread = session.as_ref().map_or(0, |(_, _, unread)| *unread);
    let ctx = SiteCtx {
        tr: Tr::new(lang),
        site,
        absolute,
        member,
        session_hash: session.as_ref().and(session_hash),
        staff,
        charter,
        unread,
        csrf: csrf.clone(),
        path: req
            .uri()
            .path_and_query()
            .map(|p| {
                p.as_str()
                    .strip_prefix(&format!("/c/{slug}"))
                    .unwrap_or(p.as_str())
                    .to_owned()
            })
            .unwrap_or_default(),
        client_ip: jardinier_webkit::http::client_ip(&req, &state.config.trusted_proxies),
        timezone,
        mail_log: state.config.mail_log,
        base,
    };

    // Every form carries the CSRF token, but the one-click unsubscribe that mail clients post
    // (RFC 8058), whose secret is in its address.
    let unsubscribe = path
        .strip_prefix(&format!("/c/{slug}"))
        .is_some_and(|p| p.starts_with("/unsubscribe/"));
    if !unsubscribe && !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        let (parts, body) = req.into_parts();
        let boundary = parts
            .headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| multer::parse_boundary(v).ok());
        let limit = if boundary.is_some() {
            MULTIPART_LIMIT
        } else {
            1024 * 1024
        };
        let bytes = axum::body::to_bytes(body, limit)
            .await
            .map_err(|_| SiteError::Page(ErrorKind::TooLarge))?;
        let submitted = match boundary {
            Some(boundary) => multipart_field(bytes.clone(), boundary, CSRF_FIELD).await,
            None => jardinier_webkit::http::form_field(&bytes, CSRF_FIELD),
        }
        .unwrap_or_default();
        if !constant_time_eq(&submitted, &csrf) {
            tracing::info!(path = %path, "community form refused: missing or wrong CSRF token");
            let mut response = crate::error::page(&ctx, ErrorKind::Csrf);
            if let Some(token) = new_csrf {
                set_cookie(
                    &mut response,
                    ctx.cookie(state, CSRF_COOKIE, token, 7 * 24 * 3600),
                );
            }
            return Ok(response);
        }
        req = Request::from_parts(parts, Body::from(bytes));
    }

    // A visitor who is not signed in may be given a page kept a few seconds (`anon_cache`).
    let inner_path = ctx.path.split('?').next().unwrap_or_default().to_owned();
    let method = req.method().clone();
    let cache_key = (method == Method::GET
        && ctx.member.is_none()
        && ctx.staff.is_none()
        && state.anon.enabled()
        && crate::anon_cache::cacheable(&inner_path))
    .then(|| crate::anon_cache::AnonCache::key(&slug, own_host, ctx.lang().code(), &ctx.path));
    if let Some(key) = &cache_key
        && let Some(html) = state.anon.get(key, &ctx.csrf)
    {
        let mut response = axum::response::IntoResponse::into_response(axum::response::Html(html));
        // Said, as caches say it, for whoever measures.
        response
            .headers_mut()
            .insert("x-cache", axum::http::HeaderValue::from_static("hit"));
        if let Some(token) = new_csrf {
            set_cookie(
                &mut response,
                ctx.cookie(state, CSRF_COOKIE, token, 7 * 24 * 3600),
            );
        }
        return Ok(response);
    }

    req.extensions_mut().insert(ctx.clone());
    let mut response = next.run(req).await;
    if let Some(key) = cache_key
        && response.status() == StatusCode::OK
        && response
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("text/html"))
        && response.extensions().get::<ErrorKind>().is_none()
    {
        let (parts, body) = response.into_parts();
        let bytes = axum::body::to_bytes(body, 16 * 1024 * 1024)
            .await
            .map_err(|e| SiteError::Internal(anyhow::anyhow!("a page could not be read: {e}")))?;
        state
            .anon
            .put(key, &String::from_utf8_lossy(&bytes), &ctx.csrf);
        response = Response::from_parts(parts, Body::from(bytes));
    }
    if method != Method::GET && method != Method::HEAD && response.status().as_u16() < 400 {
        state.anon.written(&slug, &inner_path);
    }
    // Error markers and bare 404/405 become the site's own pages.
    let marker = response.extensions().get::<ErrorKind>().copied();
    let bare = response.headers().get(header::CONTENT_TYPE).is_none();
    let kind = marker.or(match response.status() {
        StatusCode::NOT_FOUND if bare => Some(ErrorKind::NotFound),
        StatusCode::METHOD_NOT_ALLOWED if bare => Some(ErrorKind::MethodNotAllowed),
        _ => None,
    });
    if let Some(kind) = kind {
        response = crate::error::page(&ctx, kind);
    }
    if let Some(token) = new_csrf {
        set_cookie(
            &mut response,
            ctx.cookie(state, CSRF_COOKIE, token, 7 * 24 * 3600),
        );
    }
    Ok(response)
}

impl<S: Send + Sync> FromRequestParts<S> for SiteCtx {
    type Rejection = SiteError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        parts.extensions.get::<SiteCtx>().cloned().ok_or_else(|| {
            SiteError::Internal(anyhow::anyhow!(
                "site context missing: is context::layer installed?"
            ))
        })
    }
}
