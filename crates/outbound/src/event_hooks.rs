//! Outgoing webhooks (issue 14, item 8): the worker that posts the workspace's events to the
//! addresses subscribed to them.
//!
//! Each delivery is claimed (its attempt counted and committed) before the request, signed like
//! the webhooks Jardinier receives (`X-Jardinier-Signature: t=<unix>,v1=<hex HMAC-SHA256 of
//! "<t>.<body>">` with the subscription's secret, so a receiver refuses replays), and its outcome
//! recorded: a 2xx answer delivers it; anything else, or no answer, waits longer each time (30 s,
//! 1 min, … an hour) until the last attempt, after which it is listed as given up with its error.
//! A receiver may get a delivery twice (a crash between its answer and the record): the body's
//! `id` tells a retry from a new event.

use std::sync::Arc;
use std::time::Duration;

use jardinier_store::{Store, WebhookJob, WebhookOutcome};

use crate::unix_now;

pub struct EventHookSender {
    store: Arc<dyn Store>,
    client: reqwest::Client,
}

/// Deliveries in flight at once per round.
const BATCH: i64 = 50;
/// A delivery left `sending` this long (its sender stopped) is tried again.
const STALE_AFTER_SECS: i64 = 120;

impl EventHookSender {
    pub fn new(store: Arc<dyn Store>) -> EventHookSender {
        let client = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .timeout(Duration::from_secs(15))
            // A receiver that moved says so; following it could send the body somewhere else.
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("Jardinier-Webhooks/", env!("CARGO_PKG_VERSION")))
            .build()
            .expect("an HTTP client");
        EventHookSender { store, client }
    }

    /// Sends what is due at `now`; returns how many were tried.
    pub async fn deliver_due(&self, now: i64) -> jardinier_store::Result<usize> {
        let jobs = self
            .store
            .claim_webhook_deliveries(now, now - STALE_AFTER_SECS, BATCH)
            .await?;
        let tried = jobs.len();
        let sends = jobs.into_iter().map(|job| async move {
            let outcome = self.send(&job, now).await;
            (job.delivery.id, outcome)
        });
        for (id, outcome) in futures_util::future::join_all(sends).await {
            if let WebhookOutcome::Failed { error, .. } = &outcome {
                tracing::info!(delivery = id, %error, "webhook delivery failed");
            }
            self.store.record_webhook_outcome(id, &outcome, now).await?;
        }
        Ok(tried)
    }

    async fn send(&self, job: &WebhookJob, now: i64) -> WebhookOutcome {
        let body = job.delivery.payload.as_bytes().to_vec();
        let signature = jardinier_listening::sign_at(&job.secret, &body, now);
        let response = self
            .client
            .post(&job.url)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header("x-jardinier-event", &job.delivery.event)
            .header("x-jardinier-delivery", job.delivery.id.to_string())
            .header("x-jardinier-signature", signature)
            .body(body)
            .send()
            .await;
        match response {
            Ok(response) if response.status().is_success() => WebhookOutcome::Delivered {
                status: i64::from(response.status().as_u16()),
            },
            Ok(response) => {
                let status = response.status();
                let text = response.text().await.unwrap_or_default();
                let excerpt: String = text.chars().take(200).collect();
                WebhookOutcome::Failed {
                    status: Some(i64::from(status.as_u16())),
                    error: format!("the receiver answered {status}: {excerpt}")
                        .trim_end_matches([' ', ':'])
                        .to_owned(),
                }
            }
            Err(error) => WebhookOutcome::Failed {
                status: None,
                error: if error.is_timeout() {
                    "the receiver did not answer within 15 seconds".to_owned()
                } else {
                    format!("could not reach the receiver: {error}")
                },
            },
        }
    }

    pub async fn run(
        self,
        interval: Duration,
        wake: Arc<tokio::sync::Notify>,
        mut shutdown: tokio::sync::watch::Receiver<bool>,
    ) {
        loop {
            if let Err(error) = self.deliver_due(unix_now()).await {
                tracing::error!(%error, "webhook sender");
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
