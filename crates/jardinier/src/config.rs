//! Configuration: defaults, then `jardinier.toml`, then `JARDINIER_<SECTION>_<KEY>` environment
//! variables (e.g. `JARDINIER_DATABASE_URL`, `JARDINIER_SERVER_BIND`). Unknown keys in the file
//! are errors that name the key and its line, so a typo never silently falls back to a default.
//! `jardinier.example.toml` at the repository root lists every key with its default; a test
//! fails when the two disagree.

use std::path::Path;

use anyhow::{Context, bail};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[derive(Default)]
pub struct Config {
    pub server: ServerConfig,
    pub database: DatabaseConfig,
    pub mail: MailConfig,
    pub newsletter: NewsletterConfig,
    pub media: MediaConfig,
    pub oauth: OAuthConfig,
    pub metrics: MetricsConfig,
    pub api: ApiConfig,
    pub webhooks: WebhooksConfig,
    pub community: CommunityConfig,
    pub log: LogConfig,
}

/// The community site (issue 16).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CommunityConfig {
    /// Seconds a page for visitors who are not signed in is kept (the home, categories, topics,
    /// tags, searches); a post or an edit drops its topic's pages and the lists at once.
    /// 0: never kept.
    pub anonymous_cache_seconds: u64,
}

impl Default for CommunityConfig {
    fn default() -> Self {
        CommunityConfig {
            anonymous_cache_seconds: 10,
        }
    }
}

/// How signatures of incoming webhooks (`POST /hooks/{id}`) are checked.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WebhooksConfig {
    /// How far the signed time `t=` may be from this server's clock, in seconds.
    pub tolerance_seconds: i64,
    /// Whether the old `sha256=` signature (no time, so replayable) is still accepted; turn it
    /// off once every sender signs with `t=…,v1=…`.
    pub accept_legacy_signatures: bool,
}

impl Default for WebhooksConfig {
    fn default() -> Self {
        WebhooksConfig {
            tolerance_seconds: 300,
            accept_legacy_signatures: true,
        }
    }
}

/// How the API is used.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ApiConfig {
    /// Calls one API token may make in a minute, a burst of that many included; beyond, the API
    /// answers 429 with `Retry-After`. 0: no limit. Each process counts its own calls.
    pub requests_per_minute: u32,
}

impl Default for ApiConfig {
    fn default() -> Self {
        ApiConfig {
            requests_per_minute: 600,
        }
    }
}

/// Who may read `/metrics` (issue 14: its counts are not for everyone).
#[derive(Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct MetricsConfig {
    /// The bearer token Prometheus sends (`authorization: Bearer …`). Empty: `/metrics`
    /// answers 404 on the main address.
    pub token: String,
    /// An address of its own for `/metrics` and `/healthz` (say `127.0.0.1:9464`), reachable
    /// only by the scraper. Set: the main address answers 404 for `/metrics`, and this one
    /// needs the token only if one is set. Empty: no separate listener.
    pub bind: String,
}

impl std::fmt::Debug for MetricsConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MetricsConfig")
            .field("token", &(!self.token.is_empty()))
            .field("bind", &self.bind)
            .finish()
    }
}

/// Jardinier's applications with the networks that only take posts through OAuth. A network
/// whose `client_id` is empty cannot be connected.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct OAuthConfig {
    pub x: OAuthAppConfig,
    pub linkedin: OAuthAppConfig,
    pub meta: OAuthAppConfig,
}

#[derive(Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct OAuthAppConfig {
    pub client_id: String,
    pub client_secret: String,
    pub auth_url: String,
    pub token_url: String,
    pub api_url: String,
}

impl std::fmt::Debug for OAuthAppConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OAuthAppConfig")
            .field("client_id", &self.client_id)
            .field("client_key", &"<redacted>")
            .field("api_url", &self.api_url)
            .finish()
    }
}

impl Default for OAuthConfig {
    fn default() -> Self {
        let app = |auth: &str, token: &str, api: &str| OAuthAppConfig {
            auth_url: auth.into(),
            token_url: token.into(),
            api_url: api.into(),
            ..Default::default()
        };
        let of = |network: jardinier_outbound::oauth::Network| {
            let (auth, token, api) = network.endpoints();
            app(auth, token, api)
        };
        OAuthConfig {
            x: of(jardinier_outbound::oauth::Network::X),
            linkedin: of(jardinier_outbound::oauth::Network::LinkedIn),
            meta: of(jardinier_outbound::oauth::Network::Meta),
        }
    }
}

impl OAuthConfig {
    /// The configured applications.
    pub fn apps(&self) -> Vec<jardinier_outbound::oauth::OAuthApp> {
        use jardinier_outbound::oauth::{Network, OAuthApp};
        [
            (Network::X, &self.x),
            (Network::LinkedIn, &self.linkedin),
            (Network::Meta, &self.meta),
        ]
        .into_iter()
        .filter(|(_, c)| !c.client_id.is_empty())
        .map(|(network, c)| OAuthApp {
            network,
            client_id: c.client_id.clone(),
            client_secret: c.client_secret.clone(),
            auth_url: c.auth_url.clone(),
            token_url: c.token_url.clone(),
            api_url: c.api_url.clone(),
        })
        .collect()
    }
}

/// The media library's files.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MediaConfig {
    /// The folder the library's images and videos are kept in.
    pub dir: String,
    /// The largest file accepted, in megabytes.
    pub max_upload_mb: u64,
}

impl Default for MediaConfig {
    fn default() -> Self {
        MediaConfig {
            dir: "jardinier-data/media".into(),
            max_upload_mb: 100,
        }
    }
}

/// Where newsletters go out and where their bounces come back.
#[derive(Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct NewsletterConfig {
    /// The SMTP server newsletters go through (`smtp://…`, `smtps://…`). Empty: newsletters can
    /// be written and previewed, not sent.
    pub smtp: String,
    /// The envelope sender, `bounces@your-domain`: each message goes out as
    /// `bounces+KEY@your-domain`, so every bounce names its message.
    pub return_path: String,
    /// The mailbox that receives those bounces, read every minute:
    /// `imaps://user:password@host:993/INBOX`. Empty: only refusals during sending are seen.
    pub bounce_mailbox: String,
}

impl std::fmt::Debug for NewsletterConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Both URLs may hold passwords.
        f.debug_struct("NewsletterConfig")
            .field("smtp", &(!self.smtp.is_empty()))
            .field("return_path", &self.return_path)
            .field("bounce_mailbox", &(!self.bounce_mailbox.is_empty()))
            .finish()
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ServerConfig {
    /// Address and port to listen on.
    pub bind: String,
    /// The address people use to reach Jardinier (for links in e-mails). Empty: `http://` + bind.
    pub base_url: String,
    /// Reverse proxies (addresses or CIDR ranges) whose `Forwarded` / `X-Forwarded-For` name
    /// the client; sign-in limits count that client. Empty: the peer address, headers ignored.
    pub trusted_proxies: Vec<String>,
}

#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DatabaseConfig {
    /// `sqlite://path/file.db` (default, embedded) or `postgres://user:password@host/db`.
    pub url: String,
}

impl std::fmt::Debug for DatabaseConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The URL may hold a password: show the scheme and host only.
        let redacted = match self.url.split_once('@') {
            Some((_, host)) => format!(
                "{}://<redacted>@{host}",
                self.url.split("://").next().unwrap_or("")
            ),
            None => self.url.clone(),
        };
        f.debug_struct("DatabaseConfig")
            .field("url", &redacted)
            .finish()
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MailConfig {
    /// `log` keeps e-mails in the database (shown at /dev/mail when `log_page` is on) and sends
    /// nothing; or an SMTP URL: `smtp://user:password@host:587?tls=required`, `smtps://…:465`.
    pub transport: String,
    /// The sender of every e-mail.
    pub from: String,
    /// Show all outgoing e-mail at /dev/mail to anyone. For the demo only.
    pub log_page: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LogConfig {
    /// A tracing filter: `info`, `debug`, `jardinier_web=debug,info`… (`RUST_LOG` wins if set).
    pub level: String,
    /// `text` for people, `json` for log collectors.
    pub format: String,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            bind: "127.0.0.1:8080".into(),
            base_url: String::new(),
            trusted_proxies: Vec::new(),
        }
    }
}

impl Default for DatabaseConfig {
    fn default() -> Self {
        DatabaseConfig {
            url: "sqlite://jardinier-data/jardinier.db".into(),
        }
    }
}

impl Default for MailConfig {
    fn default() -> Self {
        MailConfig {
            transport: "log".into(),
            from: "Jardinier <jardinier@localhost>".into(),
            log_page: false,
        }
    }
}

impl Default for LogConfig {
    fn default() -> Self {
        LogConfig {
            level: "info".into(),
            format: "text".into(),
        }
    }
}

impl Config {
    /// Loads `path` if it exists (an explicitly named file must exist), then the environment.
    pub fn load(
        path: &Path,
        explicit: bool,
        env: impl Fn(&str) -> Option<String>,
    ) -> anyhow::Result<Config> {
        let mut config = if path.exists() {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("reading {}", path.display()))?;
            toml::from_str(&text).with_context(|| {
                format!("{} is not a valid Jardinier configuration", path.display())
            })?
        } else if explicit {
            bail!("the configuration file {} does not exist", path.display());
        } else {
            Config::default()
        };
        config.apply_env(env)?;
        config.check()?;
        Ok(config)
    }

    fn apply_env(&mut self, env: impl Fn(&str) -> Option<String>) -> anyhow::Result<()> {
        let text = |name: &str, target: &mut String| {
            if let Some(value) = env(name) {
                *target = value;
            }
        };
        text("JARDINIER_SERVER_BIND", &mut self.server.bind);
        text("JARDINIER_SERVER_BASE_URL", &mut self.server.base_url);
        if let Some(value) = env("JARDINIER_SERVER_TRUSTED_PROXIES") {
            self.server.trusted_proxies = value
                .split(',')
                .map(str::trim)
                .filter(|p| !p.is_empty())
                .map(str::to_owned)
                .collect();
        }
        text("JARDINIER_DATABASE_URL", &mut self.database.url);
        text("JARDINIER_MAIL_TRANSPORT", &mut self.mail.transport);
        text("JARDINIER_MAIL_FROM", &mut self.mail.from);
        text("JARDINIER_NEWSLETTER_SMTP", &mut self.newsletter.smtp);
        text(
            "JARDINIER_NEWSLETTER_RETURN_PATH",
            &mut self.newsletter.return_path,
        );
        text(
            "JARDINIER_NEWSLETTER_BOUNCE_MAILBOX",
            &mut self.newsletter.bounce_mailbox,
        );
        text("JARDINIER_MEDIA_DIR", &mut self.media.dir);
        text("JARDINIER_METRICS_TOKEN", &mut self.metrics.token);
        text("JARDINIER_METRICS_BIND", &mut self.metrics.bind);
        if let Some(value) = env("JARDINIER_API_REQUESTS_PER_MINUTE") {
            self.api.requests_per_minute = value.trim().parse().with_context(|| {
                format!(
                    "JARDINIER_API_REQUESTS_PER_MINUTE must be a whole number of calls (0: no limit), not {value:?}"
                )
            })?;
        }
        if let Some(value) = env("JARDINIER_COMMUNITY_ANONYMOUS_CACHE_SECONDS") {
            self.community.anonymous_cache_seconds = value.trim().parse().with_context(|| {
                format!(
                    "JARDINIER_COMMUNITY_ANONYMOUS_CACHE_SECONDS must be a whole number of seconds (0: never), not {value:?}"
                )
            })?;
        }
        if let Some(value) = env("JARDINIER_MEDIA_MAX_UPLOAD_MB") {
            self.media.max_upload_mb = value.trim().parse().with_context(|| {
                format!(
                    "JARDINIER_MEDIA_MAX_UPLOAD_MB must be a number of megabytes, not {value:?}"
                )
            })?;
        }
        for (name, app) in [
            ("X", &mut self.oauth.x),
            ("LINKEDIN", &mut self.oauth.linkedin),
            ("META", &mut self.oauth.meta),
        ] {
            text(
                &format!("JARDINIER_OAUTH_{name}_CLIENT_ID"),
                &mut app.client_id,
            );
            text(
                &format!("JARDINIER_OAUTH_{name}_CLIENT_SECRET"),
                &mut app.client_secret,
            );
        }
        text("JARDINIER_LOG_LEVEL", &mut self.log.level);
        text("JARDINIER_LOG_FORMAT", &mut self.log.format);
        if let Some(value) = env("JARDINIER_MAIL_LOG_PAGE") {
            self.mail.log_page = match value.as_str() {
                "true" | "1" | "yes" => true,
                "false" | "0" | "no" | "" => false,
                other => bail!("JARDINIER_MAIL_LOG_PAGE must be true or false, not {other:?}"),
            };
        }
        Ok(())
    }

    fn check(&self) -> anyhow::Result<()> {
        if jardinier_store::Backend::from_url(&self.database.url).is_none() {
            bail!(
                "database.url {:?} is not supported: use sqlite://PATH or postgres://USER@HOST/DB",
                self.database.url
            );
        }
        jardinier_domain::client_address::TrustedProxies::parse(&self.server.trusted_proxies)
            .map_err(|e| anyhow::anyhow!("server.trusted_proxies: {e}"))?;
        if self.webhooks.tolerance_seconds < 1 {
            bail!(
                "webhooks.tolerance_seconds must be a number of seconds above 0, not {}",
                self.webhooks.tolerance_seconds
            );
        }
        if !self.metrics.bind.is_empty()
            && self.metrics.bind.parse::<std::net::SocketAddr>().is_err()
        {
            bail!(
                "metrics.bind must be an address and port such as 127.0.0.1:9464, not {:?}",
                self.metrics.bind
            );
        }
        if !matches!(self.log.format.as_str(), "text" | "json") {
            bail!(
                "log.format must be \"text\" or \"json\", not {:?}",
                self.log.format
            );
        }
        jardinier_mail::Transport::from_config(&self.mail.transport).context("mail.transport")?;
        for (name, app) in [
            ("x", &self.oauth.x),
            ("linkedin", &self.oauth.linkedin),
            ("meta", &self.oauth.meta),
        ] {
            if !app.client_id.is_empty() && app.client_secret.is_empty() {
                bail!(
                    "oauth.{name}.client_secret is missing: give the application's secret with its client_id"
                );
            }
            for (key, value) in [
                ("auth_url", &app.auth_url),
                ("token_url", &app.token_url),
                ("api_url", &app.api_url),
            ] {
                if !value.starts_with("https://") && !value.starts_with("http://") {
                    bail!("oauth.{name}.{key} must be an http(s) address, not {value:?}");
                }
            }
        }
        if self.media.dir.trim().is_empty() {
            bail!("media.dir is empty: give the folder the media library is kept in");
        }
        if !(1..=2_000).contains(&self.media.max_upload_mb) {
            bail!(
                "media.max_upload_mb must be between 1 and 2000, not {}",
                self.media.max_upload_mb
            );
        }
        let newsletter = &self.newsletter;
        if !newsletter.smtp.is_empty() {
            jardinier_mail::Transport::from_config(&newsletter.smtp).context("newsletter.smtp")?;
            if newsletter.return_path.is_empty() {
                bail!(
                    "newsletter.return_path is missing: with newsletter.smtp set, give the address bounces come back to (bounces@your-domain)"
                );
            }
        }
        if !newsletter.return_path.is_empty() {
            jardinier_newsletter::check_return_path(&newsletter.return_path)
                .context("newsletter.return_path")?;
        }
        if !newsletter.bounce_mailbox.is_empty()
            && let Err(e) =
                jardinier_outbound::newsletter::bounce_mailbox(&newsletter.bounce_mailbox)
        {
            bail!("newsletter.bounce_mailbox: {e}");
        }
        Ok(())
    }

    pub fn base_url(&self, bound: &std::net::SocketAddr) -> String {
        if self.server.base_url.is_empty() {
            format!("http://{bound}")
        } else {
            self.server.base_url.clone()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_example_file_lists_the_real_defaults() {
        let example: Config =
            toml::from_str(include_str!("../../../jardinier.example.toml")).unwrap();
        assert_eq!(
            example,
            Config::default(),
            "jardinier.example.toml is out of date"
        );
    }

    #[test]
    fn environment_overrides_the_file() {
        let dir = jardinier_store::testing::TempDir::new("config");
        let path = dir.0.join("jardinier.toml");
        std::fs::write(
            &path,
            "[server]\nbind = \"0.0.0.0:9000\"\n[database]\nurl = \"sqlite://x.db\"\n",
        )
        .unwrap();
        let env =
            |name: &str| (name == "JARDINIER_DATABASE_URL").then(|| "postgres://u@h/db".to_owned());
        let config = Config::load(&path, true, env).unwrap();
        assert_eq!(config.server.bind, "0.0.0.0:9000");
        assert_eq!(config.database.url, "postgres://u@h/db");
        assert!(
            !format!(
                "{:?}",
                Config {
                    database: DatabaseConfig {
                        url: "postgres://u:secret@h/db".into()
                    },
                    ..config
                }
            )
            .contains("secret")
        );
    }

    #[test]
    fn typos_and_bad_values_are_named() {
        let dir = jardinier_store::testing::TempDir::new("config");
        let path = dir.0.join("jardinier.toml");
        std::fs::write(&path, "[server]\nbnd = \"0.0.0.0:9000\"\n").unwrap();
        let error = format!("{:#}", Config::load(&path, true, |_| None).unwrap_err());
        assert!(error.contains("bnd") && error.contains("line 2"), "{error}");
        let error = Config::load(&dir.0.join("missing.toml"), true, |_| None)
            .unwrap_err()
            .to_string();
        assert!(error.contains("does not exist"), "{error}");
        let env = |name: &str| (name == "JARDINIER_DATABASE_URL").then(|| "mysql://x".to_owned());
        let error = Config::load(&dir.0.join("none.toml"), false, env)
            .unwrap_err()
            .to_string();
        assert!(error.contains("sqlite://"), "{error}");
        let env = |name: &str| {
            (name == "JARDINIER_SERVER_TRUSTED_PROXIES")
                .then(|| "127.0.0.1, 10.0.0.0/40".to_owned())
        };
        let error = Config::load(&dir.0.join("none.toml"), false, env)
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("server.trusted_proxies") && error.contains("10.0.0.0/40"),
            "{error}"
        );
    }
}
