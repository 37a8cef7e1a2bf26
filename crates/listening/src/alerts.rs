//! Alerts: rules on saved searches, evaluated as mentions arrive, grouped so that one burst
//! raises one alert, and delivered through an outbox (e-mail through the mail outbox; Slack,
//! Mattermost, Discord and ntfy through `alert_deliveries` and [`AlertSender`]).
//!
//! Rules:
//! - `volume_spike`: the last window's mentions exceed mean + k·σ of the previous windows of
//!   the same query, with a minimum volume (so 3 mentions after 1 is not a crisis);
//! - `negative_spike`: the last window's share of negative mentions is at least `min_share`
//!   and `rise` above the previous windows' share, with a minimum of negative mentions;
//! - `keyword`: a mention matches a query of its own (e.g. `intoxication OR malade* OR poison*`);
//! - `high_reach`: a mention's author reaches at least `min_reach` people.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use jardinier_i18n::{Lang, Tr};
use jardinier_query::{Query, parse};
use jardinier_store::{
    AlertRule, Delivery, NewAlertEvent, NewDelivery, NewItem, NewMail, Store, StoreError,
};
use rand::Rng;
use serde::Deserialize;
use sha2::{Digest, Sha256};

/// Stands for the saved search's name in a summary until a rule fires.
const QUERY_NAME_SLOT: &str = "\u{1}query\u{1}";

/// An alert gathers the burst's new mentions while they keep coming within this time of each
/// other, acknowledged or not (taking charge of a burst does not end it, so it raises no second
/// alert); a new alert is raised once the burst has been quiet this long.
pub const GROUP_SECS: i64 = 3600;

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct SpikeParams {
    #[serde(default = "default_window")]
    pub window_minutes: i64,
    #[serde(default = "default_history")]
    pub history_windows: i64,
    #[serde(default = "default_k")]
    pub k: f64,
    #[serde(default = "default_min_volume")]
    pub min_volume: i64,
    #[serde(default = "default_min_share")]
    pub min_share: f64,
    #[serde(default = "default_rise")]
    pub rise: f64,
}

fn default_window() -> i64 {
    60
}
fn default_history() -> i64 {
    24
}
fn default_k() -> f64 {
    3.0
}
fn default_min_volume() -> i64 {
    10
}
fn default_min_share() -> f64 {
    0.5
}
fn default_rise() -> f64 {
    0.25
}

#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct Channel {
    /// email, slack, mattermost, discord, ntfy.
    pub kind: String,
    pub target: String,
}

/// `oncall` e-mails whoever the workspace's rotation has on call at that moment.
pub const CHANNEL_KINDS: &[&str] = &["oncall", "email", "slack", "mattermost", "discord", "ntfy"];

/// A rule ready to evaluate.
#[derive(Debug, Clone)]
pub enum Rule {
    VolumeSpike(SpikeParams),
    NegativeSpike(SpikeParams),
    Keyword(Query),
    HighReach(i64),
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RuleError {
    #[error("unknown rule kind {0:?} (volume_spike, negative_spike, keyword, high_reach)")]
    UnknownKind(String),
    #[error("invalid parameters: {0}")]
    Params(String),
    #[error("invalid keyword query: {0}")]
    Keyword(String),
    #[error("invalid channels: {0}")]
    Channels(String),
}

pub fn parse_rule(kind: &str, params: &str) -> Result<Rule, RuleError> {
    let spike = || -> Result<SpikeParams, RuleError> {
        let p: SpikeParams = serde_json::from_str(if params.trim().is_empty() {
            "{}"
        } else {
            params
        })
        .map_err(|e| RuleError::Params(e.to_string()))?;
        if p.window_minutes < 1 || p.history_windows < 2 || p.k < 0.0 || p.min_volume < 1 {
            return Err(RuleError::Params(
                "window_minutes ≥ 1, history_windows ≥ 2, k ≥ 0 and min_volume ≥ 1".into(),
            ));
        }
        Ok(p)
    };
    match kind {
        "volume_spike" => Ok(Rule::VolumeSpike(spike()?)),
        "negative_spike" => Ok(Rule::NegativeSpike(spike()?)),
        "keyword" => {
            #[derive(Deserialize)]
            struct P {
                query: String,
            }
            let p: P =
                serde_json::from_str(params).map_err(|e| RuleError::Params(e.to_string()))?;
            parse(&p.query)
                .map(Rule::Keyword)
                .map_err(|e| RuleError::Keyword(e.to_string()))
        }
        "high_reach" => {
            #[derive(Deserialize)]
            struct P {
                min_reach: i64,
            }
            let p: P =
                serde_json::from_str(params).map_err(|e| RuleError::Params(e.to_string()))?;
            Ok(Rule::HighReach(p.min_reach.max(1)))
        }
        other => Err(RuleError::UnknownKind(other.to_owned())),
    }
}

pub fn parse_channels(json: &str) -> Result<Vec<Channel>, RuleError> {
    let channels: Vec<Channel> =
        serde_json::from_str(json).map_err(|e| RuleError::Channels(e.to_string()))?;
    for c in &channels {
        if !CHANNEL_KINDS.contains(&c.kind.as_str()) {
            return Err(RuleError::Channels(format!(
                "unknown channel {:?} (email, slack, mattermost, discord, ntfy)",
                c.kind
            )));
        }
        let ok = match c.kind.as_str() {
            "oncall" => true,
            "email" => c.target.contains('@'),
            _ => c.target.starts_with("http://") || c.target.starts_with("https://"),
        };
        if !ok {
            return Err(RuleError::Channels(format!(
                "{} needs {}",
                c.kind,
                if c.kind == "email" {
                    "an e-mail address"
                } else {
                    "an http(s) URL"
                }
            )));
        }
    }
    Ok(channels)
}

/// Whether `current` is a spike against `history`: above mean + k·σ (σ at least 1, so a flat
/// history of zeros does not make every mention a spike) and at least `min_volume`.
pub fn is_volume_spike(current: i64, history: &[i64], k: f64, min_volume: i64) -> bool {
    if current < min_volume || history.is_empty() {
        return false;
    }
    let n = history.len() as f64;
    let mean = history.iter().sum::<i64>() as f64 / n;
    let variance = history
        .iter()
        .map(|&x| (x as f64 - mean).powi(2))
        .sum::<f64>()
        / n;
    current as f64 > mean + k * variance.sqrt().max(1.0)
}

/// Whether the negative share jumped: at least `min_share`, `rise` above the history's share,
/// and at least `min_negative` negative mentions.
pub fn is_negative_spike(
    current: (i64, i64),
    history: &[(i64, i64)],
    min_share: f64,
    rise: f64,
    min_negative: i64,
) -> bool {
    let (total, negative) = current;
    if total == 0 || negative < min_negative {
        return false;
    }
    let share = negative as f64 / total as f64;
    let (past_total, past_negative) = history.iter().fold((0, 0), |(t, n), (a, b)| (t + a, n + b));
    let past_share = if past_total == 0 {
        0.0
    } else {
        past_negative as f64 / past_total as f64
    };
    share >= min_share && share >= past_share + rise
}

struct LoadedRule {
    rule: AlertRule,
    parsed: Rule,
    channels: Vec<Channel>,
    lang: Lang,
}

/// One mention just stored, as the alert engine sees it.
pub struct Arrived<'a> {
    pub id: i64,
    pub item: &'a NewItem,
    pub query_ids: &'a [i64],
}

pub struct AlertEngine {
    store: Arc<dyn Store>,
    base_url: String,
    rules: RwLock<HashMap<i64, Vec<Arc<LoadedRule>>>>,
    /// Woken when an alert is raised, so the sender delivers at once.
    pub wake: Arc<tokio::sync::Notify>,
    /// Woken when an alert writes e-mail, so the mail worker sends at once.
    pub mail_wake: Arc<tokio::sync::Notify>,
}

fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

impl AlertEngine {
    pub fn new(store: Arc<dyn Store>, base_url: &str) -> AlertEngine {
        AlertEngine {
            store,
            base_url: base_url.trim_end_matches('/').to_owned(),
            rules: RwLock::new(HashMap::new()),
            wake: Arc::new(tokio::sync::Notify::new()),
            mail_wake: Arc::new(tokio::sync::Notify::new()),
        }
    }

    /// Loads every enabled rule, by query. Rules that no longer parse are skipped with a warning.
    pub async fn reload(&self) -> Result<(), StoreError> {
        let mut by_query: HashMap<i64, Vec<Arc<LoadedRule>>> = HashMap::new();
        for rule in self.store.all_enabled_alert_rules().await? {
            let lang = serde_json::from_str::<serde_json::Value>(&rule.params)
                .ok()
                .and_then(|v| v.get("lang").and_then(|l| l.as_str()).and_then(Lang::parse))
                .unwrap_or(Lang::Fr);
            let params = strip_lang(&rule.params);
            match (
                parse_rule(&rule.kind, &params),
                parse_channels(&rule.channels),
            ) {
                (Ok(parsed), Ok(channels)) => {
                    by_query
                        .entry(rule.query_id)
                        .or_default()
                        .push(Arc::new(LoadedRule {
                            rule,
                            parsed,
                            channels,
                            lang,
                        }))
                }
                (Err(e), _) | (_, Err(e)) => {
                    tracing::warn!(rule_id = rule.id, error = %e, "alert rule skipped")
                }
            }
        }
        *self.rules.write().expect("rules lock") = by_query;
        Ok(())
    }

    fn rules_for(&self, query_id: i64) -> Vec<Arc<LoadedRule>> {
        self.rules
            .read()
            .expect("rules lock")
            .get(&query_id)
            .cloned()
            .unwrap_or_default()
    }

    /// Evaluates the rules of the queries these mentions matched. Returns the ids of alerts
    /// raised or extended.
    pub async fn evaluate(
        &self,
        arrived: &[Arrived<'_>],
        now: i64,
    ) -> Result<Vec<i64>, StoreError> {
        let mut fired_rules = Vec::new();
        let mut by_query: HashMap<i64, Vec<&Arrived>> = HashMap::new();
        for a in arrived {
            for q in a.query_ids {
                by_query.entry(*q).or_default().push(a);
            }
        }
        for (query_id, items) in by_query {
            for loaded in self.rules_for(query_id) {
                let tr = Tr::new(loaded.lang);
                // The saved search's name is looked up only when a rule fires (rare), not for
                // every evaluation: summaries are built with a placeholder, filled in below.
                let query_name = QUERY_NAME_SLOT.to_owned();
                let fired: Option<(String, i64, i64)> = match &loaded.parsed {
                    Rule::VolumeSpike(p) | Rule::NegativeSpike(p) => {
                        let counts = self
                            .store
                            .match_counts(
                                query_id,
                                now,
                                p.window_minutes * 60,
                                p.history_windows + 1,
                            )
                            .await?;
                        let (current, history) = counts.split_last().expect("at least 3 buckets");
                        let totals: Vec<i64> = history.iter().map(|c| c.0).collect();
                        let mean = totals.iter().sum::<i64>() as f64 / totals.len() as f64;
                        match &loaded.parsed {
                            Rule::VolumeSpike(_)
                                if is_volume_spike(current.0, &totals, p.k, p.min_volume) =>
                            {
                                Some((
                                    tr.f(
                                        "alert.volume",
                                        &[
                                            ("query", &query_name),
                                            ("count", &current.0.to_string()),
                                            ("minutes", &p.window_minutes.to_string()),
                                            ("usual", &format!("{mean:.1}")),
                                        ],
                                    ),
                                    items.len() as i64,
                                    items[0].id,
                                ))
                            }
                            Rule::NegativeSpike(_)
                                if is_negative_spike(
                                    *current,
                                    history,
                                    p.min_share,
                                    p.rise,
                                    p.min_volume.min(5),
                                ) =>
                            {
                                Some((
                                    tr.f(
                                        "alert.negative",
                                        &[
                                            ("query", &query_name),
                                            (
                                                "share",
                                                &format!(
                                                    "{:.0}",
                                                    100.0 * current.1 as f64 / current.0 as f64
                                                ),
                                            ),
                                            ("negative", &current.1.to_string()),
                                            ("count", &current.0.to_string()),
                                            ("minutes", &p.window_minutes.to_string()),
                                        ],
                                    ),
                                    items.len() as i64,
                                    items[0].id,
                                ))
                            }
                            _ => None,
                        }
                    }
                    Rule::Keyword(query) => {
                        let hits: Vec<&&Arrived> = items
                            .iter()
                            .filter(|a| matches_item(query, a.item))
                            .collect();
                        hits.first().map(|a| {
                            (
                                tr.f(
                                    "alert.keyword",
                                    &[
                                        ("query", &query_name),
                                        ("author", &author(a.item)),
                                        ("excerpt", &excerpt(&a.item.body)),
                                    ],
                                ),
                                hits.len() as i64,
                                a.id,
                            )
                        })
                    }
                    Rule::HighReach(min) => {
                        let hits: Vec<&&Arrived> = items
                            .iter()
                            .filter(|a| a.item.author_reach.unwrap_or(0) >= *min)
                            .collect();
                        hits.first().map(|a| {
                            (
                                tr.f(
                                    "alert.reach",
                                    &[
                                        ("query", &query_name),
                                        ("author", &author(a.item)),
                                        ("reach", &a.item.author_reach.unwrap_or(0).to_string()),
                                        ("excerpt", &excerpt(&a.item.body)),
                                    ],
                                ),
                                hits.len() as i64,
                                a.id,
                            )
                        })
                    }
                };
                if let Some((summary, count, first_item)) = fired {
                    fired_rules.push((loaded, tr, summary, count, first_item));
                }
            }
        }
        // Each rule fires once per evaluation at most, so rules can raise (or extend) their
        // alerts at once: each waits for its writes, not for the other rules'.
        let outcomes = futures_util::future::join_all(fired_rules.into_iter().map(
            |(loaded, tr, summary, count, first_item)| async move {
                self.fire(&loaded, tr, &summary, count, first_item, now)
                    .await
            },
        ))
        .await;
        outcomes.into_iter().collect()
    }

    /// A rule that fired: its alert of the same burst (updated less than [`GROUP_SECS`] ago,
    /// acknowledged or not) counts the new items; otherwise a new alert is raised.
    async fn fire(
        &self,
        loaded: &LoadedRule,
        tr: Tr,
        summary: &str,
        count: i64,
        first_item: i64,
        now: i64,
    ) -> Result<i64, StoreError> {
        let query_id = loaded.rule.query_id;
        let summary = summary.replace(
            QUERY_NAME_SLOT,
            &self.query_name(loaded.rule.workspace_id, query_id).await?,
        );
        if let Some(open) = self
            .store
            .open_alert(loaded.rule.id, now - GROUP_SECS)
            .await?
        {
            self.store.add_to_alert(open.id, count, now).await?;
            return Ok(open.id);
        }
        self.raise(loaded, tr, &summary, count, first_item, now)
            .await
    }

    /// When an e-mail to `address` may go: now, or the end of the quiet hours of the member
    /// with that address (in the workspace's time zone).
    async fn after_quiet_hours(
        &self,
        workspace_id: i64,
        address: &str,
        now: i64,
    ) -> Result<i64, StoreError> {
        let Some((user, _)) = self
            .store
            .user_credentials(&address.trim().to_lowercase())
            .await?
        else {
            return Ok(now);
        };
        let Some(quiet) = self.store.quiet_hours(user.id).await? else {
            return Ok(now);
        };
        let tz = self
            .store
            .workspace_by_id(workspace_id)
            .await?
            .map(|w| w.timezone)
            .unwrap_or_else(|| "UTC".into());
        let zone = jiff::tz::TimeZone::get(&tz).unwrap_or(jiff::tz::TimeZone::UTC);
        let Ok(local) = jiff::Timestamp::from_second(now).map(|t| t.to_zoned(zone)) else {
            return Ok(now);
        };
        let minute = i64::from(local.hour()) * 60 + i64::from(local.minute());
        Ok(quiet
            .remaining(minute)
            .map_or(now, |left| now + left * 60 - i64::from(local.second())))
    }

    async fn query_name(&self, workspace_id: i64, query_id: i64) -> Result<String, StoreError> {
        Ok(self
            .store
            .listening_query(workspace_id, query_id)
            .await?
            .map(|q| q.name)
            .unwrap_or_else(|| format!("#{query_id}")))
    }

    async fn raise(
        &self,
        loaded: &LoadedRule,
        tr: Tr,
        summary: &str,
        count: i64,
        first_item: i64,
        now: i64,
    ) -> Result<i64, StoreError> {
        let mut bytes = [0_u8; 32];
        rand::rng().fill_bytes(&mut bytes);
        let token = hex::encode(bytes);
        let ack = format!("{}/alerts/ack/{token}", self.base_url);
        let open = format!("{}/w/-/listening/alerts", self.base_url);
        let mut deliveries = Vec::new();
        let mut mails = Vec::new();
        let subject = tr.f("alert.mail_subject", &[("summary", summary)]);
        let body = tr.f("alert.mail_body", &[("summary", summary), ("ack", &ack)]);
        let urgent = matches!(loaded.parsed, Rule::VolumeSpike(_) | Rule::NegativeSpike(_));
        for channel in &loaded.channels {
            let payload = match channel.kind.as_str() {
                "oncall" => {
                    // The on-call person gets every alert, day or night: that is the rotation's point.
                    let rotation = self.store.oncall_rotation(loaded.rule.workspace_id).await?;
                    if let Some(user) = rotation.and_then(|r| r.on_call(now))
                        && let Some(user) = self.store.user_by_id(user).await?
                    {
                        mails.push((user.email, now));
                    }
                    continue;
                }
                "email" => {
                    let not_before = if urgent {
                        now
                    } else {
                        self.after_quiet_hours(loaded.rule.workspace_id, &channel.target, now)
                            .await?
                    };
                    mails.push((channel.target.clone(), not_before));
                    continue;
                }
                "discord" => {
                    serde_json::json!({"content": format!("🚨 {summary}\n{}: {ack}", tr.t("alert.acknowledge"))})
                }
                "ntfy" => {
                    serde_json::json!({"title": tr.t("alert.title"), "message": summary, "click": open, "ack": ack, "ack_label": tr.t("alert.acknowledge")})
                }
                // Slack and Mattermost incoming webhooks share this format.
                _ => {
                    serde_json::json!({"text": format!("🚨 {summary}\n<{ack}|{}>", tr.t("alert.acknowledge"))})
                }
            };
            deliveries.push(NewDelivery {
                channel: channel.kind.clone(),
                target: channel.target.clone(),
                payload: payload.to_string(),
            });
        }
        let keys: Vec<String> = mails
            .iter()
            .map(|(to, _)| format!("alert:{}:{to}", token_hash(&token)))
            .collect();
        let new_mails: Vec<(NewMail, i64)> = mails
            .iter()
            .zip(&keys)
            .map(|((to, not_before), key)| {
                (
                    NewMail {
                        idempotency_key: key,
                        to,
                        subject: &subject,
                        body_text: &body,
                        created_at: now,
                        list_unsubscribe: None,
                    },
                    *not_before,
                )
            })
            .collect();
        let event = self
            .store
            .create_alert(
                &NewAlertEvent {
                    workspace_id: loaded.rule.workspace_id,
                    rule_id: loaded.rule.id,
                    query_id: loaded.rule.query_id,
                    now,
                    summary,
                    item_count: count,
                    first_item_id: Some(first_item),
                    ack_token_hash: &token_hash(&token),
                },
                &deliveries,
                &new_mails,
            )
            .await?;
        tracing::info!(alert_id = event.id, rule_id = loaded.rule.id, %summary, "alert raised");
        self.wake.notify_one();
        if !mails.is_empty() {
            self.mail_wake.notify_one();
        }
        Ok(event.id)
    }
}

/// Rule parameters may carry the alert's language; the rule parsers do not know that key.
fn strip_lang(params: &str) -> String {
    match serde_json::from_str::<serde_json::Value>(params) {
        Ok(serde_json::Value::Object(mut map)) => {
            map.remove("lang");
            serde_json::Value::Object(map).to_string()
        }
        _ => params.to_owned(),
    }
}

fn author(item: &NewItem) -> String {
    item.author_name
        .clone()
        .or_else(|| item.author_handle.clone())
        .unwrap_or_else(|| "?".into())
}

fn excerpt(text: &str) -> String {
    let short: String = text.chars().take(140).collect();
    if text.chars().count() > 140 {
        format!("{short}…")
    } else {
        short
    }
}

fn matches_item(query: &Query, item: &NewItem) -> bool {
    query.matches(&crate::item_document(
        item.title.as_deref(),
        &item.body,
        &crate::author_of(item.author_name.as_deref(), item.author_handle.as_deref()),
        item.site.as_deref(),
        item.lang.as_deref(),
        &item.source_kind,
    ))
}

/// Sends pending webhook and push deliveries; retries with backoff, gives up on refusals.
pub struct AlertSender {
    store: Arc<dyn Store>,
    client: reqwest::Client,
}

impl AlertSender {
    pub fn new(store: Arc<dyn Store>) -> AlertSender {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .build()
            .expect("an HTTP client");
        AlertSender { store, client }
    }

    /// Sends what is due, all at once: a slow or unreachable webhook does not hold up the
    /// others (a Slack that times out must not delay the on-call person's push). Returns how
    /// many were delivered.
    pub async fn send_due(&self, now: i64) -> Result<usize, StoreError> {
        let due = self.store.due_deliveries(now, 50).await?;
        let outcomes =
            futures_util::future::join_all(due.into_iter().map(|d| self.deliver(d, now))).await;
        let mut sent = 0;
        for outcome in outcomes {
            sent += usize::from(outcome?);
        }
        Ok(sent)
    }

    /// Sends one delivery and records the outcome; whether it was delivered.
    async fn deliver(&self, d: Delivery, now: i64) -> Result<bool, StoreError> {
        let payload: serde_json::Value = serde_json::from_str(&d.payload).unwrap_or_default();
        let request = match d.channel.as_str() {
            "ntfy" => {
                let mut r = self
                    .client
                    .post(&d.target)
                    .body(payload["message"].as_str().unwrap_or_default().to_owned());
                r = r
                    .header("Title", payload["title"].as_str().unwrap_or("Jardinier"))
                    .header("Priority", "urgent")
                    .header("Tags", "rotating_light");
                if let Some(click) = payload["click"].as_str() {
                    r = r.header("Click", click);
                }
                if let Some(ack) = payload["ack"].as_str() {
                    r = r.header(
                        "Actions",
                        format!(
                            "view, {}, {ack}",
                            payload["ack_label"].as_str().unwrap_or("Acknowledge")
                        ),
                    );
                }
                r
            }
            _ => self.client.post(&d.target).json(&payload),
        };
        match request.send().await {
            Ok(response) if response.status().is_success() => {
                self.store.delivery_done(d.id, now).await?;
                Ok(true)
            }
            Ok(response) => {
                let status = response.status();
                let permanent =
                    status.is_client_error() && status.as_u16() != 429 && status.as_u16() != 408;
                let next =
                    (!permanent && d.attempts < 8).then(|| now + (15_i64 << d.attempts.min(8)));
                self.store
                    .delivery_failed(d.id, &format!("HTTP {status} from {}", d.target), next)
                    .await?;
                Ok(false)
            }
            Err(error) => {
                let next = (d.attempts < 8).then(|| now + (15_i64 << d.attempts.min(8)));
                self.store
                    .delivery_failed(
                        d.id,
                        &format!("could not reach {}: {error}", d.target),
                        next,
                    )
                    .await?;
                Ok(false)
            }
        }
    }

    /// Runs until `shutdown` flips, checking every `interval` or when woken.
    pub async fn run(
        self,
        interval: Duration,
        wake: Arc<tokio::sync::Notify>,
        mut shutdown: tokio::sync::watch::Receiver<bool>,
    ) {
        loop {
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs() as i64)
                .unwrap_or(0);
            if let Err(error) = self.send_due(now).await {
                tracing::error!(%error, "alert sender");
            }
            tokio::select! {
                _ = tokio::time::sleep(interval) => {}
                _ = wake.notified() => {}
                _ = shutdown.changed() => {}
            }
            if *shutdown.borrow() {
                break;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn volume_spikes_need_a_real_jump_and_a_minimum() {
        let calm = [3, 4, 2, 5, 3, 4, 3, 2];
        assert!(is_volume_spike(30, &calm, 3.0, 10));
        assert!(
            !is_volume_spike(7, &calm, 3.0, 10),
            "below the minimum volume"
        );
        assert!(
            !is_volume_spike(12, &[10, 14, 9, 13, 11, 12], 3.0, 10),
            "ordinary for this query"
        );
        assert!(
            is_volume_spike(10, &[0, 0, 0, 0], 3.0, 10),
            "from silence, the minimum volume decides"
        );
        assert!(
            !is_volume_spike(3, &[0, 0, 0], 3.0, 3),
            "σ is at least 1: 3 after nothing is not above 0 + 3·1"
        );
    }

    #[test]
    fn negative_spikes_compare_shares() {
        let history = [(20, 2), (18, 3), (25, 2)];
        assert!(is_negative_spike((12, 9), &history, 0.5, 0.25, 5));
        assert!(
            !is_negative_spike((12, 4), &history, 0.5, 0.25, 5),
            "too few negative"
        );
        assert!(
            !is_negative_spike((20, 11), &[(20, 10), (20, 11)], 0.5, 0.25, 5),
            "already that negative"
        );
    }

    #[test]
    fn rules_and_channels_are_checked() {
        assert!(
            matches!(parse_rule("volume_spike", "{}"), Ok(Rule::VolumeSpike(p)) if p.k == 3.0 && p.window_minutes == 60)
        );
        assert!(matches!(
            parse_rule("volume_spike", "{\"windw\": 5}"),
            Err(RuleError::Params(_))
        ));
        assert!(matches!(
            parse_rule("keyword", "{\"query\": \"intox* OR malade*\"}"),
            Ok(Rule::Keyword(_))
        ));
        assert!(matches!(
            parse_rule("keyword", "{\"query\": \"(oops\"}"),
            Err(RuleError::Keyword(_))
        ));
        assert!(matches!(
            parse_rule("high_reach", "{\"min_reach\": 10000}"),
            Ok(Rule::HighReach(10000))
        ));
        assert!(matches!(
            parse_rule("sms", "{}"),
            Err(RuleError::UnknownKind(_))
        ));
        assert!(parse_channels(r#"[{"kind": "slack", "target": "https://hooks.example/x"}, {"kind": "email", "target": "cm@brand.example"}]"#).is_ok());
        assert!(parse_channels(r#"[{"kind": "pager", "target": "x"}]"#).is_err());
        assert!(parse_channels(r#"[{"kind": "ntfy", "target": "ntfy.sh/topic"}]"#).is_err());
    }
}
