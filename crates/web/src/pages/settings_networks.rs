//! Settings → Networks (issue 15, item 6): an owner registers Jardinier with X, LinkedIn and
//! Meta by following a guide per network and pasting the application's keys here, instead of
//! editing `jardinier.toml`. The secret is kept and never shown again; keys in the
//! configuration file win and are shown as such.

use askama::Template;
use axum::extract::{Form, Path, State};
use axum::response::Response;
use jardinier_domain::Role;
use jardinier_outbound::oauth::Network;
use jardinier_store::OAuthKeys;
use serde::Deserialize;

use super::{Chrome, audit_in, format_time, redirect, render, render_invalid};
use crate::context::InWorkspace;
use crate::error::WebError;
use crate::{SharedState, unix_now};

pub struct NetworkCard {
    pub network: &'static str,
    pub label: &'static str,
    /// Keys come from jardinier.toml (not editable here).
    pub from_file: bool,
    /// "Entered by Camille on 2026-12-05 14:02", when stored here.
    pub stored: Option<String>,
    pub client_id: String,
    /// How many steps the guide has (`networks.{network}_step{n}`).
    pub steps: Vec<String>,
    pub error: Option<String>,
}

#[derive(Template)]
#[template(path = "settings_networks.html")]
struct NetworksTemplate {
    c: Chrome,
    ws_slug: String,
    callback: String,
    cards: Vec<NetworkCard>,
}

fn label(network: Network) -> &'static str {
    match network {
        Network::X => "X",
        Network::LinkedIn => "LinkedIn",
        Network::Meta => "Facebook & Instagram (Meta)",
    }
}

fn owner_only(w: &InWorkspace) -> Result<(), WebError> {
    if w.role == Role::Owner {
        Ok(())
    } else {
        Err(WebError::Forbidden)
    }
}

async fn page(
    state: &SharedState,
    w: &InWorkspace,
    problem: Option<(Network, String, String)>,
) -> Result<Response, WebError> {
    let t = &w.ctx.tr;
    let mut cards = Vec::new();
    for network in Network::ALL {
        let stored = state.store.oauth_keys(network.name()).await?;
        let steps = (1..=5)
            .map(|n| format!("networks.{}_step{n}", network.name()))
            .filter(|key| t.has(key))
            .map(|key| t.t(&key).to_owned())
            .collect();
        let mine = problem.as_ref().filter(|p| p.0 == network);
        cards.push(NetworkCard {
            network: network.name(),
            label: label(network),
            from_file: state.config.oauth.iter().any(|a| a.network == network),
            stored: stored.as_ref().map(|k| {
                t.f(
                    "networks.stored",
                    &[
                        ("who", &k.updated_by),
                        (
                            "when",
                            &format_time(w.ctx.tr, k.updated_at, &w.workspace.timezone),
                        ),
                    ],
                )
            }),
            client_id: mine
                .map(|p| p.1.clone())
                .or(stored.map(|k| k.client_id))
                .unwrap_or_default(),
            steps,
            error: mine.map(|p| p.2.clone()),
        });
    }
    let template = NetworksTemplate {
        c: Chrome::workspace(w, "settings"),
        ws_slug: w.workspace.slug.clone(),
        callback: super::publishing_connect::callback_uri(state),
        cards,
    };
    if problem.is_some() {
        render_invalid(template)
    } else {
        render(template)
    }
}

pub async fn networks_page(
    State(state): State<SharedState>,
    w: InWorkspace,
) -> Result<Response, WebError> {
    owner_only(&w)?;
    page(&state, &w, None).await
}

#[derive(Deserialize)]
pub struct KeysForm {
    #[serde(default)]
    client_id: String,
    #[serde(default)]
    client_secret: String,
    /// "remove" forgets the keys.
    #[serde(default)]
    action: String,
}

pub async fn save_keys(
    State(state): State<SharedState>,
    w: InWorkspace,
    Path((_slug, network)): Path<(String, String)>,
    Form(form): Form<KeysForm>,
) -> Result<Response, WebError> {
    owner_only(&w)?;
    let network = Network::parse(&network).ok_or(WebError::NotFound)?;
    let t = w.ctx.tr;
    let back = |done: &str| {
        redirect(&format!(
            "/w/{}/settings/networks?done={done}#{}",
            w.workspace.slug,
            network.name()
        ))
    };
    if form.action == "remove" {
        state.store.remove_oauth_keys(network.name()).await?;
        audit_in(&state, &w, "oauth_keys_removed", label(network)).await?;
        return Ok(back("oauth_keys_removed"));
    }
    let client_id = form.client_id.trim();
    let secret = form.client_secret.trim();
    let kept = state.store.oauth_keys(network.name()).await?;
    // An empty secret keeps the one stored (it is never shown, so it is never sent back).
    let secret = match (secret.is_empty(), &kept) {
        (false, _) => secret.to_owned(),
        (true, Some(k)) => k.client_secret.clone(),
        (true, None) => String::new(),
    };
    let invalid =
        |text: &str| text.is_empty() || text.len() > 500 || text.chars().any(char::is_whitespace);
    let problem = if invalid(client_id) {
        Some(t.t("networks.id_invalid").to_owned())
    } else if invalid(&secret) {
        Some(t.t("networks.secret_invalid").to_owned())
    } else {
        None
    };
    if let Some(problem) = problem {
        return page(&state, &w, Some((network, client_id.to_owned(), problem))).await;
    }
    state
        .store
        .set_oauth_keys(&OAuthKeys {
            network: network.name().to_owned(),
            client_id: client_id.to_owned(),
            client_secret: secret,
            updated_by: w.user.display_name.clone(),
            updated_at: unix_now(),
        })
        .await?;
    audit_in(&state, &w, "oauth_keys_saved", label(network)).await?;
    Ok(back("oauth_keys_saved"))
}
