//! Signing in with a link sent by e-mail: it always works, even while wrong passwords hold the
//! password back (issue 14, defect 3), because whoever reads the mailbox has proven who they are.
//!
//! The link works once, for 15 minutes. Opening it shows a button: mail scanners that follow
//! links do not use it up. Its token is kept hashed beside password resets, under a different
//! hash (`sign-in:` + token), so a reset link cannot sign in nor a sign-in link set a password.

use askama::Template;
use axum::extract::{Form, Path, Query, State};
use axum::response::Response;
use jardinier_domain::{Email, ValidationErrors};
use serde::Deserialize;

use super::auth::{AccountLink, lift_holds, mail_link, start_session};
use super::{Chrome, audit, gone, message, no_errors, redirect, render, render_invalid, safe_next};
use crate::auth;
use crate::context::RequestCtx;
use crate::error::WebError;
use crate::{SharedState, unix_now};

pub const LINK_TTL_SECS: i64 = 15 * 60;

/// The stored hash of a sign-in link's token.
fn link_hash(token: &str) -> String {
    auth::token_hash(&format!("sign-in:{token}"))
}

#[derive(Template)]
#[template(path = "login_link.html")]
struct AskTemplate {
    c: Chrome,
    errors: ValidationErrors,
    email: String,
    next: String,
}

#[derive(Deserialize)]
pub struct AskQuery {
    #[serde(default)]
    email: String,
    #[serde(default)]
    next: String,
}

pub async fn ask_form(ctx: RequestCtx, Query(q): Query<AskQuery>) -> Result<Response, WebError> {
    render(AskTemplate {
        c: Chrome::new(&ctx),
        errors: no_errors(),
        email: q.email,
        next: q.next,
    })
}

pub async fn ask(
    State(state): State<SharedState>,
    ctx: RequestCtx,
    Form(form): Form<AskQuery>,
) -> Result<Response, WebError> {
    let email = match Email::parse("email", &form.email) {
        Ok(email) => email,
        Err(error) => {
            return render_invalid(AskTemplate {
                c: Chrome::new(&ctx),
                errors: error.into(),
                email: form.email,
                next: form.next,
            });
        }
    };
    let next = safe_next(&form.next);
    let link = |token: &str| {
        let mut link = format!("{}/login/link/{token}", state.config.base_url);
        if next != "/" {
            link.push_str("?next=");
            link.extend(form_urlencoded::byte_serialize(next.as_bytes()));
        }
        link
    };
    mail_link(
        &state,
        &ctx,
        &email,
        AccountLink {
            kind: "sign-in",
            ttl: LINK_TTL_SECS,
            subject_key: "mail.sign_in_link.subject",
            body_key: "mail.sign_in_link.body",
            link: &link,
            hash: &link_hash,
        },
    )
    .await?;
    // The same answer whether or not the account exists.
    message(
        &ctx,
        "login_link.sent_title",
        ctx.tr.t("login_link.sent").to_owned(),
        Some(("/login", "forgot.back")),
    )
}

#[derive(Template)]
#[template(path = "login_link_use.html")]
struct UseTemplate {
    c: Chrome,
    token: String,
    next: String,
    email: String,
}

#[derive(Deserialize)]
pub struct NextQuery {
    #[serde(default)]
    next: String,
}

fn link_invalid(ctx: &RequestCtx) -> Result<Response, WebError> {
    gone(ctx, "login_link", ("/login/link", "login_link.ask_again"))
}

pub async fn use_form(
    State(state): State<SharedState>,
    ctx: RequestCtx,
    Path(token): Path<String>,
    Query(q): Query<NextQuery>,
) -> Result<Response, WebError> {
    let Some(user_id) = state
        .store
        .password_reset_user(&link_hash(&token), unix_now())
        .await?
    else {
        return link_invalid(&ctx);
    };
    let email = state
        .store
        .user_by_id(user_id)
        .await?
        .map(|u| u.email)
        .unwrap_or_default();
    render(UseTemplate {
        c: Chrome::new(&ctx),
        token,
        next: q.next,
        email,
    })
}

pub async fn use_link(
    State(state): State<SharedState>,
    ctx: RequestCtx,
    Path(token): Path<String>,
    Form(form): Form<NextQuery>,
) -> Result<Response, WebError> {
    let Some(user_id) = state
        .store
        .take_password_reset(&link_hash(&token), unix_now())
        .await?
    else {
        return link_invalid(&ctx);
    };
    let Some(user) = state.store.user_by_id(user_id).await? else {
        return link_invalid(&ctx);
    };
    lift_holds(&state, &user.email, &ctx.client_ip).await?;
    audit(&state, None, Some(user.id), "signed_in_by_link", "").await?;
    let mut response = redirect(&safe_next(&form.next));
    start_session(&state, &user, &mut response).await?;
    Ok(response)
}
