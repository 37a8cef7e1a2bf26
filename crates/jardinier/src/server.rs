//! Start-up and shutdown: open and migrate the database, bind, start the mail worker, serve
//! until SIGINT or SIGTERM, then let requests in flight and the worker finish.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use jardinier_mail::{Mailer, Transport};
use jardinier_store::Store;
use jardinier_web::{AppState, Application, WebConfig};
use tokio::sync::{Notify, watch};

use crate::config::{Config, LogConfig};

pub fn init_logging(log: &LogConfig) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .or_else(|_| tracing_subscriber::EnvFilter::try_new(&log.level))
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if log.format == "json" {
        builder.json().init();
    } else {
        builder.init();
    }
}

pub async fn open_store(url: &str) -> anyhow::Result<Arc<dyn Store>> {
    let store = jardinier_store::connect(url).await?;
    store.migrate().await?;
    Ok(Arc::new(store))
}

pub async fn migrate(config: &Config) -> anyhow::Result<()> {
    let store = open_store(&config.database.url).await?;
    println!("The {} database is up to date.", store.backend().name());
    Ok(())
}

/// Resolves on Ctrl+C or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {}
        _ = terminate => {}
    }
    tracing::info!("shutting down: finishing requests in flight");
}

/// A bound listening socket and the address people reach it by.
pub struct Bound {
    listener: tokio::net::TcpListener,
    pub base_url: String,
}

/// Binds first, so the base URL can name the real port when port 0 was asked for.
pub async fn bind(config: &Config) -> anyhow::Result<Bound> {
    let listener = tokio::net::TcpListener::bind(&config.server.bind)
        .await
        .with_context(|| format!("could not listen on {} (server.bind)", config.server.bind))?;
    let base_url = config
        .base_url(&listener.local_addr()?)
        .trim_end_matches('/')
        .to_owned();
    Ok(Bound { listener, base_url })
}

pub async fn serve(config: Config) -> anyhow::Result<()> {
    let store = open_store(&config.database.url).await?;
    let bound = bind(&config).await?;
    let ingestor = new_ingestor(&store, &bound.base_url).await?;
    serve_bound(config, store, ingestor, bound).await
}

/// The listening pipeline with the real analysis and the alert engine, matchers and rules loaded.
pub async fn new_ingestor(
    store: &Arc<dyn Store>,
    base_url: &str,
) -> anyhow::Result<Arc<jardinier_listening::Ingestor>> {
    // A damaged sentiment model is an error now, not wrong scores later.
    jardinier_analysis::check_model()?;
    jardinier_site::screening::check()?;
    let engine = Arc::new(jardinier_listening::alerts::AlertEngine::new(
        store.clone(),
        base_url,
    ));
    engine.reload().await?;
    let mut ingestor = jardinier_listening::Ingestor::new(store.clone(), crate::analysis::enrich)
        .with_learning(Arc::new(crate::analysis::Learned::default()));
    ingestor.alerts = Some(engine);
    ingestor.reload_queries().await?;
    // Each workspace's sentiment, as its corrections taught it.
    if let Err(error) = ingestor.relearn_all().await {
        tracing::error!(%error, "could not learn from the sentiment corrections");
    }
    // The in-memory quote index, as it was before the stop.
    if let Err(error) = ingestor.warm_quotes().await {
        tracing::error!(%error, "could not rebuild the quote index");
    }
    // What a stop left between storing mentions and evaluating their alerts.
    if let Err(error) = ingestor.evaluate_backlog(jardinier_web::unix_now()).await {
        tracing::error!(%error, "could not evaluate the alerts a stop left unevaluated");
    }
    Ok(Arc::new(ingestor))
}

pub async fn serve_bound(
    config: Config,
    store: Arc<dyn Store>,
    ingestor: Arc<jardinier_listening::Ingestor>,
    bound: Bound,
) -> anyhow::Result<()> {
    let transport = Transport::from_config(&config.mail.transport)?;
    // One wake-up for the mail worker, shared by requests and by alerts that write e-mail.
    let mail_wake = ingestor
        .alerts
        .as_ref()
        .map(|engine| engine.mail_wake.clone())
        .unwrap_or_else(|| Arc::new(Notify::new()));
    let reply_wake = Arc::new(Notify::new());
    let newsletter_sender = if config.newsletter.smtp.is_empty() {
        None
    } else {
        Some(jardinier_outbound::newsletter::NewsletterSender::new(
            store.clone(),
            jardinier_outbound::newsletter::NewsletterSettings {
                smtp_url: config.newsletter.smtp.clone(),
                return_path: config.newsletter.return_path.clone(),
                base_url: bound.base_url.clone(),
            },
        )?)
    };
    let newsletter_wake = newsletter_sender.as_ref().map(|_| Arc::new(Notify::new()));
    let mut web_config = WebConfig::new(&bound.base_url);
    // The mail log shows reset links: only where no mail is really sent.
    web_config.mail_log_page = config.mail.log_page && transport.is_log();
    web_config.media_dir = config.media.dir.clone().into();
    web_config.oauth = config.oauth.apps();
    web_config.metrics_token = Some(config.metrics.token.clone()).filter(|t| !t.is_empty());
    let metrics_listener = if config.metrics.bind.is_empty() {
        None
    } else {
        Some(
            tokio::net::TcpListener::bind(&config.metrics.bind)
                .await
                .with_context(|| {
                    format!("could not listen on {} (metrics.bind)", config.metrics.bind)
                })?,
        )
    };
    web_config.metrics_on_own_listener = metrics_listener.is_some();
    // Checked when the configuration was read.
    web_config.trusted_proxies =
        jardinier_domain::client_address::TrustedProxies::parse(&config.server.trusted_proxies)
            .map_err(|e| anyhow::anyhow!("server.trusted_proxies: {e}"))?;
    web_config.webhook_tolerance_seconds = config.webhooks.tolerance_seconds;
    web_config.webhook_accept_legacy_signatures = config.webhooks.accept_legacy_signatures;
    web_config.max_upload_bytes = (config.media.max_upload_mb as usize) * 1024 * 1024;
    web_config.api_requests_per_minute = config.api.requests_per_minute;
    let api_limiter = std::sync::Mutex::new(jardinier_domain::rate::RateLimiter::new(
        config.api.requests_per_minute,
    ));
    let state = Arc::new(AppState {
        store: store.clone(),
        config: web_config,
        mail_wake: mail_wake.clone(),
        reply_wake: reply_wake.clone(),
        metrics: Default::default(),
        ingestor: ingestor.clone(),
        dev_inbox: Default::default(),
        viewers: Default::default(),
        stopping: Default::default(),
        inbox_counts: Default::default(),
        newsletter_wake: newsletter_wake.clone(),
        api_limiter,
    });
    let metrics_task = metrics_listener.map(|listener| {
        let router = jardinier_web::metrics::own_listener(state.clone());
        if let Ok(address) = listener.local_addr() {
            tracing::info!(%address, "metrics on their own address");
        }
        tokio::spawn(async move { axum::serve(listener, router).await })
    });
    // The community site (issue 16) answers /c/… and the communities' own host names.
    let mut site_config = jardinier_site::SiteConfig::new(&bound.base_url);
    site_config.mail_log = state.config.mail_log_page;
    site_config.secure_cookies = state.config.secure_cookies;
    site_config.trusted_proxies = state.config.trusted_proxies.clone();
    site_config.media_dir = config.media.dir.clone().into();
    site_config.anonymous_cache = Duration::from_secs(config.community.anonymous_cache_seconds);
    let site = jardinier_site::SiteState::new(
        store.clone(),
        site_config,
        mail_wake.clone(),
        Some(ingestor.clone()),
    );
    let app = Application::from_listener(bound.listener, state)
        .in_front(|workbench| jardinier_site::in_front_of(workbench, site));

    let (shutdown_tx, shutdown_rx) = watch::channel(false);
    let mailer = Mailer::new(store.clone(), transport, &config.mail.from)?;
    let worker = tokio::spawn(mailer.run(
        Duration::from_secs(5),
        mail_wake.clone(),
        shutdown_rx.clone(),
    ));
    // Community posts written before the search index existed are indexed in the background.
    let indexing = store.clone();
    tokio::spawn(async move {
        match jardinier_site::search::index_waiting_posts(indexing.as_ref()).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(posts = n, "community search: older posts indexed"),
            Err(error) => tracing::warn!(%error, "community search: could not index older posts"),
        }
    });
    // Images no post or avatar uses any more (an account deleted with its posts) leave the
    // media folder; before any upload can be under way.
    let sweeping = store.clone();
    let media_dir: std::path::PathBuf = config.media.dir.clone().into();
    tokio::spawn(async move {
        match jardinier_site::images::sweep(sweeping.as_ref(), &media_dir).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(files = n, "community images no longer used removed"),
            Err(error) => tracing::warn!(%error, "community images: the sweep failed"),
        }
    });
    // The community's digests of notifications (daily, weekly), checked every ten minutes.
    let digest_task = tokio::spawn(jardinier_site::notify::run_digests(
        store.clone(),
        bound.base_url.clone(),
        bound.base_url.starts_with("https://"),
        mail_wake.clone(),
        Duration::from_secs(600),
        shutdown_rx.clone(),
    ));
    let sla_task = tokio::spawn(jardinier_web::sla_watch::run(
        store.clone(),
        bound.base_url.clone(),
        mail_wake.clone(),
        Duration::from_secs(60),
        shutdown_rx.clone(),
    ));
    // Scheduled posts: published as they fall due (one publisher per database).
    let publisher_task = tokio::spawn(
        jardinier_outbound::publish::Publisher::new(store.clone())
            .with_media_dir(&config.media.dir)
            .with_oauth(config.oauth.apps())
            .with_public_base(bound.base_url.clone())
            .run(
                Duration::from_secs(5),
                Arc::new(Notify::new()),
                shutdown_rx.clone(),
            ),
    );
    // Newsletters: sent at their campaign's pace; bounces read from their mailbox.
    let newsletter_task = newsletter_sender
        .zip(newsletter_wake)
        .map(|(sender, wake)| {
            tokio::spawn(sender.run(Duration::from_secs(5), wake, shutdown_rx.clone()))
        });
    let bounce_task = match config.newsletter.bounce_mailbox.as_str() {
        "" => None,
        url => {
            let (imap, password) = jardinier_outbound::newsletter::bounce_mailbox(url)
                .map_err(|e| anyhow::anyhow!("newsletter.bounce_mailbox: {e}"))?;
            Some(tokio::spawn(
                jardinier_outbound::newsletter::run_bounce_reader(
                    store.clone(),
                    imap,
                    password,
                    config.newsletter.return_path.clone(),
                    Duration::from_secs(60),
                    shutdown_rx.clone(),
                ),
            ))
        }
    };
    // Engagement counts of published posts, read back from the networks that give them.
    // Outgoing webhooks: the workspace's events posted to the addresses subscribed to them.
    let event_hooks_task = tokio::spawn(
        jardinier_outbound::event_hooks::EventHookSender::new(store.clone()).run(
            Duration::from_secs(5),
            Arc::new(Notify::new()),
            shutdown_rx.clone(),
        ),
    );
    let results_task = tokio::spawn(
        jardinier_outbound::results::ResultsFetcher::new(store.clone())
            .with_oauth(config.oauth.apps())
            .run(Duration::from_secs(60), shutdown_rx.clone()),
    );
    let replies = jardinier_outbound::ReplyWorker::new(store.clone());
    let reply_task =
        tokio::spawn(replies.run(Duration::from_secs(5), reply_wake, shutdown_rx.clone()));
    let poller =
        jardinier_connectors::Poller::new(store.clone(), ingestor.clone(), Default::default());
    let poller_task = tokio::spawn(poller.run(shutdown_rx.clone()));
    let streams =
        jardinier_connectors::streaming::MastodonStreams::new(store.clone(), ingestor.clone());
    let streams_task = tokio::spawn(streams.run(shutdown_rx.clone()));
    let alert_worker = ingestor.alerts.as_ref().map(|engine| {
        let sender = jardinier_listening::alerts::AlertSender::new(store.clone());
        tokio::spawn(sender.run(Duration::from_secs(5), engine.wake.clone(), shutdown_rx))
    });

    tracing::info!(address = %bound.base_url, backend = store.backend().name(), "Jardinier is listening");
    println!("Jardinier is listening on {}", bound.base_url);
    app.serve(shutdown_signal())
        .await
        .context("the HTTP server stopped")?;
    // Alerts of the last stored batches are evaluated before the workers stop.
    ingestor.settle_alerts().await;
    let _ = shutdown_tx.send(true);
    let _ = worker.await;
    let _ = reply_task.await;
    let _ = sla_task.await;
    let _ = digest_task.await;
    let _ = publisher_task.await;
    let _ = event_hooks_task.await;
    let _ = results_task.await;
    for task in [newsletter_task, bounce_task].into_iter().flatten() {
        let _ = task.await;
    }
    let _ = poller_task.await;
    if let Some(task) = metrics_task {
        task.abort();
    }
    let _ = streams_task.await;
    if let Some(alert_worker) = alert_worker {
        let _ = alert_worker.await;
    }
    tracing::info!("stopped cleanly");
    Ok(())
}
