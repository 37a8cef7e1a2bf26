//! The HTTP face of Jardinier: server-rendered pages in French and English, the JSON API under
//! `/api/v1`, `/healthz` and `/metrics`.
//!
//! Handlers stay thin: they turn input into domain types (`jardinier_domain`), call the store or
//! a function of [`auth`], and render a template. Cross-cutting work happens once, in
//! [`context::layer`]: it resolves the session and the language, checks the CSRF token of every
//! unsafe form request, and turns error markers into error pages in the reader's language.

pub mod api;
mod api_doc;
mod api_extract;
mod api_figures;
mod api_inbox;
mod api_listening;
mod api_posts;
mod api_publishing;
mod api_sections;
mod api_webhooks;
pub mod auth;
mod charts;
pub mod context;
pub mod error;
mod hooks;
pub mod metrics;
mod pages;
mod post_approval;
mod post_compose;
pub mod publish_watch;
pub mod sla_watch;
mod static_files;
mod work;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::http::{HeaderValue, header};
use jardinier_store::Store;
use tokio::net::TcpListener;
use tokio::sync::Notify;
use tower_http::set_header::SetResponseHeaderLayer;

pub use error::WebError;
pub use hooks::SIGNATURE_HEADER;

/// What the web layer needs to know about its deployment.
#[derive(Debug, Clone)]
pub struct WebConfig {
    /// The address people use to reach Jardinier, for links in e-mails (no trailing slash).
    pub base_url: String,
    /// Mark cookies `Secure` (HTTPS only). On by default when `base_url` is https.
    pub secure_cookies: bool,
    /// Show every outgoing e-mail at `/dev/mail` to anyone: only for the demo, where mail is
    /// kept locally and never sent.
    pub mail_log_page: bool,
    /// How long a sign-in lasts.
    pub session_ttl: Duration,
    /// Failed sign-ins for one account from one address before each further try waits (30 s,
    /// doubling, at most `lockout_window`); twenty times as many from all addresses pause the
    /// password for the account (a sign-in link by e-mail still works), four times as many from
    /// one address lock that address for `lockout_window`.
    pub max_failed_logins: i64,
    pub lockout_window: Duration,
    /// Where the media library's files are kept.
    pub media_dir: std::path::PathBuf,
    /// The largest file accepted into the media library.
    pub max_upload_bytes: usize,
    /// Applications registered with the OAuth networks (X, LinkedIn, Meta).
    pub oauth: Vec<jardinier_outbound::oauth::OAuthApp>,
    /// The bearer token Prometheus sends to read `/metrics`; `None`: `/metrics` answers 404
    /// (issue 14: the counts it shows are not for everyone).
    pub metrics_token: Option<String>,
    /// `/metrics` is served on a listener of its own (`metrics.bind`): the main one answers 404.
    pub metrics_on_own_listener: bool,
    /// Reverse proxies whose `Forwarded` / `X-Forwarded-For` name the client (none by default).
    pub trusted_proxies: jardinier_domain::client_address::TrustedProxies,
    /// How far the `t=` of an incoming webhook's signature may be from now, in seconds.
    pub webhook_tolerance_seconds: i64,
    /// Whether incoming webhooks may still sign with the old `sha256=` form (no time in it).
    pub webhook_accept_legacy_signatures: bool,
    /// API calls one token may make in a minute (burst included); 0: no limit. Counted by each
    /// process: with several, a token may make this many on each.
    pub api_requests_per_minute: u32,
}

impl WebConfig {
    pub fn new(base_url: &str) -> WebConfig {
        let base_url = base_url.trim_end_matches('/').to_owned();
        WebConfig {
            secure_cookies: base_url.starts_with("https://"),
            base_url,
            mail_log_page: false,
            session_ttl: Duration::from_secs(14 * 24 * 3600),
            max_failed_logins: 5,
            lockout_window: Duration::from_secs(15 * 60),
            media_dir: std::path::PathBuf::from("jardinier-data/media"),
            max_upload_bytes: 100 * 1024 * 1024,
            oauth: Vec::new(),
            metrics_token: None,
            metrics_on_own_listener: false,
            trusted_proxies: Default::default(),
            webhook_tolerance_seconds: 300,
            webhook_accept_legacy_signatures: true,
            api_requests_per_minute: 600,
        }
    }
}

pub struct AppState {
    pub store: Arc<dyn Store>,
    pub config: WebConfig,
    /// Notified when a request enqueues mail, so the mail worker delivers it at once.
    pub mail_wake: Arc<Notify>,
    /// Notified when a reply is accepted, so the reply worker sends it at once.
    pub reply_wake: Arc<Notify>,
    pub metrics: metrics::Metrics,
    /// Listening's ingest pipeline (webhooks and the pages that change saved queries use it).
    pub ingestor: Arc<jardinier_listening::Ingestor>,
    /// The demo's local stand-in for chat webhooks (only used with `mail_log_page`).
    pub dev_inbox: DevInbox,
    /// Who has which conversation open right now (this process's live pages).
    pub viewers: Viewers,
    /// Set when the server begins to stop: live streams end, so shutdown does not wait on them.
    pub stopping: tokio::sync::watch::Sender<bool>,
    /// The inbox's counts per state, per workspace, with the inbox version they were counted at.
    pub inbox_counts: InboxCountsCache,
    /// Notified when a newsletter starts sending; `None` when no SMTP server is configured for
    /// newsletters (the pages say so instead of queueing mail that cannot go).
    pub newsletter_wake: Option<Arc<Notify>>,
    /// Calls per API token (`WebConfig::api_requests_per_minute`).
    pub api_limiter: std::sync::Mutex<jardinier_domain::rate::RateLimiter>,
}

/// Workspace id → (inbox version, counts).
pub type InboxCountsCache =
    std::sync::Mutex<std::collections::HashMap<i64, (i64, jardinier_store::InboxCounts)>>;

/// A conversation's viewers: user id → (name, pages open).
pub type ConversationViewers = std::collections::HashMap<i64, (String, usize)>;

/// Conversation id → its viewers.
#[derive(Default)]
pub struct Viewers(pub std::sync::Mutex<std::collections::HashMap<i64, ConversationViewers>>);

/// What alerts posted to the demo's local webhook stand-in: (time, channel name, body).
#[derive(Default)]
pub struct DevInbox(pub std::sync::Mutex<std::collections::VecDeque<(i64, String, String)>>);

pub type SharedState = Arc<AppState>;

/// The catalogue a teammate's e-mail is written in: their language, French when they chose none.
pub fn mail_tr(user: &jardinier_store::User) -> jardinier_i18n::Tr {
    jardinier_i18n::Tr::new(
        user.lang
            .as_deref()
            .and_then(jardinier_i18n::Lang::parse)
            .unwrap_or(jardinier_i18n::Lang::Fr),
    )
}

pub fn router(state: SharedState) -> Router {
    let security_headers = [
        (
            header::CONTENT_SECURITY_POLICY,
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
             frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
        ),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::REFERRER_POLICY, "same-origin"),
        (header::X_FRAME_OPTIONS, "DENY"),
    ];
    // Uploads to the media library (the page's and the API's) are the only bodies over 1 MB.
    let uploads = pages::upload_routes().merge(api::upload_routes()).layer(
        tower_http::limit::RequestBodyLimitLayer::new(state.config.max_upload_bytes + 64 * 1024),
    );
    let mut app = Router::new()
        .merge(pages::routes())
        .nest("/api/v1", api::routes())
        .merge(static_files::routes())
        .merge(metrics::routes())
        .merge(hooks::routes())
        .fallback(error::not_found)
        .layer(tower_http::limit::RequestBodyLimitLayer::new(1024 * 1024))
        .merge(uploads)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            context::layer,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            metrics::layer,
        ))
        // One log line per request: method, path (without query, secret tokens redacted),
        // status and latency.
        .layer(
            tower_http::trace::TraceLayer::new_for_http()
                .make_span_with(|req: &axum::http::Request<_>| {
                    tracing::info_span!("request", method = %req.method(), path = %redact_path(req.uri().path()))
                })
                .on_response(tower_http::trace::DefaultOnResponse::new().level(tracing::Level::INFO)),
        );
    for (name, value) in security_headers {
        app = app.layer(SetResponseHeaderLayer::if_not_present(
            name,
            HeaderValue::from_static(value),
        ));
    }
    app.with_state(state)
}

/// A bound, not yet running server: tests bind port 0 and read the port back.
pub struct Application {
    listener: TcpListener,
    router: Router,
    stopping: tokio::sync::watch::Sender<bool>,
}

impl Application {
    pub fn from_listener(listener: TcpListener, state: SharedState) -> Application {
        Application {
            listener,
            stopping: state.stopping.clone(),
            router: router(state),
        }
    }

    /// Puts another face in front of the workbench (the community site): `front` receives the
    /// workbench's router and returns the one served.
    pub fn in_front(mut self, front: impl FnOnce(Router) -> Router) -> Application {
        self.router = front(self.router);
        self
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.listener
            .local_addr()
            .expect("a bound listener has an address")
    }

    /// Serves until `shutdown` resolves, then finishes the requests in flight.
    pub async fn serve(
        self,
        shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        axum::serve(
            self.listener,
            self.router
                .into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(async move {
            shutdown.await;
            // Live pages hold their connection open: tell them to end.
            self.stopping.send_replace(true);
        })
        .await
    }
}

/// Paths that carry a secret token (`/password/reset/{token}`, `/invite/{token}`, …) are logged
/// without it.
fn redact_path(path: &str) -> String {
    for prefix in ["/password/reset/", "/login/link/", "/invite/", "/approve/"] {
        if path.starts_with(prefix) {
            return format!("{prefix}<token>");
        }
    }
    path.to_owned()
}

pub fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}
