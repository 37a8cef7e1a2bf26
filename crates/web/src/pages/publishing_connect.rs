//! Connecting accounts through OAuth (X, LinkedIn, Facebook Pages and Instagram): "Connect"
//! sends the teammate to the network with a state (kept as a hash, ten minutes, used once) and,
//! for X, a PKCE challenge; the network sends them back to `/oauth/callback`, where the code is
//! exchanged for tokens and the accounts found become channels. Also the public address of a
//! library image, which Meta fetches to publish on Instagram.

use axum::extract::{Path, Query, State};
use axum::response::Response;
use jardinier_domain::Permission;
use jardinier_outbound::oauth::{Network, authorize_url, discover, exchange_code};
use serde::Deserialize;

use super::redirect;
use crate::context::{InWorkspace, RequestCtx, SignedIn};
use crate::error::WebError;
use crate::{SharedState, unix_now};

/// How long the network may take to send the teammate back.
const STATE_SECONDS: i64 = 600;

pub(crate) fn callback_uri(state: &SharedState) -> String {
    format!("{}/oauth/callback", state.config.base_url)
}

pub async fn connect(
    State(state): State<SharedState>,
    w: InWorkspace,
    Path((_slug, network)): Path<(String, String)>,
) -> Result<Response, WebError> {
    w.require(Permission::Publish)?;
    let Some(network) = Network::parse(&network) else {
        return Err(WebError::NotFound);
    };
    let found =
        jardinier_outbound::oauth::app_for(&state.config.oauth, &*state.store, network).await?;
    let Some(app) = found.as_ref() else {
        return super::publishing::page_error(
            &state,
            &w,
            &w.ctx.tr.f(
                "publishing.oauth_not_configured",
                &[("network", network.name())],
            ),
        )
        .await;
    };
    let token = crate::auth::random_token();
    let verifier = crate::auth::random_token();
    state
        .store
        .save_oauth_state(
            &crate::auth::token_hash(&token),
            w.workspace.id,
            w.user.id,
            network.name(),
            &verifier,
            unix_now(),
        )
        .await?;
    Ok(redirect(&authorize_url(
        app,
        &callback_uri(&state),
        &token,
        &verifier,
    )))
}

#[derive(Deserialize)]
pub struct CallbackQuery {
    #[serde(default)]
    code: String,
    #[serde(default)]
    state: String,
    /// The network's refusal (`access_denied` when the person said no).
    #[serde(default)]
    error: String,
}

pub async fn callback(
    State(state): State<SharedState>,
    ctx: RequestCtx,
    signed: SignedIn,
    Query(q): Query<CallbackQuery>,
) -> Result<Response, WebError> {
    let now = unix_now();
    let Some((workspace_id, user_id, network, verifier)) = state
        .store
        .take_oauth_state(&crate::auth::token_hash(&q.state), now - STATE_SECONDS)
        .await?
    else {
        return super::gone(&ctx, "oauth", ("/", "error_page.home"));
    };
    if user_id != signed.user.id {
        return Err(WebError::Forbidden);
    }
    let Some(workspace) = state.store.workspace_by_id(workspace_id).await? else {
        return Err(WebError::NotFound);
    };
    let back = format!("/w/{}/publishing", workspace.slug);
    if !q.error.is_empty() || q.code.is_empty() {
        return super::message(
            &ctx,
            "oauth.refused_title",
            ctx.tr.f("oauth.refused", &[("error", q.error.as_str())]),
            Some((&back, "oauth.back")),
        );
    }
    let Some(network) = Network::parse(&network) else {
        return Err(WebError::NotFound);
    };
    let Some(app) =
        jardinier_outbound::oauth::app_for(&state.config.oauth, &*state.store, network).await?
    else {
        return Err(WebError::NotFound);
    };
    let app = &app;
    let client = jardinier_outbound::oauth::http_client();
    let found =
        match exchange_code(&client, app, &q.code, &callback_uri(&state), &verifier, now).await {
            Ok(tokens) => discover(&client, app, &tokens).await,
            Err(e) => Err(e),
        };
    let accounts = match found {
        Ok(accounts) if !accounts.is_empty() => accounts,
        Ok(_) => {
            return super::message(
                &ctx,
                "oauth.refused_title",
                ctx.tr.t("oauth.no_account").to_owned(),
                Some((&back, "oauth.back")),
            );
        }
        Err(e) => {
            return super::message(
                &ctx,
                "oauth.refused_title",
                ctx.tr.f("oauth.failed", &[("error", &e.to_string())]),
                Some((&back, "oauth.back")),
            );
        }
    };
    for account in &accounts {
        state
            .store
            .create_channel(&jardinier_store::NewChannel {
                workspace_id,
                kind: account.kind,
                name: &account.name,
                config: &account.config.to_string(),
                secret: Some(&account.tokens.to_secret()),
                now,
            })
            .await?;
    }
    super::audit(
        &state,
        Some(workspace_id),
        Some(signed.user.id),
        "channels_connected",
        &accounts
            .iter()
            .map(|a| a.name.as_str())
            .collect::<Vec<_>>()
            .join(", "),
    )
    .await?;
    Ok(redirect(&format!("{back}?done=channels_connected")))
}

/// A library image at its public address (`/m/{workspace}/{sha256}`): the file's hash is the
/// capability, so only someone who has the image (or its post) can find it.
pub async fn public_media(
    State(state): State<SharedState>,
    Path((workspace_id, sha)): Path<(i64, String)>,
) -> Result<Response, WebError> {
    if sha.len() != 64 || !sha.chars().all(|c| c.is_ascii_hexdigit()) {
        return Err(WebError::NotFound);
    }
    let Some(media) = state.store.media_by_hash(workspace_id, &sha).await? else {
        return Err(WebError::NotFound);
    };
    super::publishing_media::file_response(&state, &media, None).await
}
