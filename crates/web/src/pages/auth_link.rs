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
use jardinier_i18n::Lang;
use jardinier_store::{NewMail, NewPasswordReset};
use serde::Deserialize;

use super::auth::{lift_holds, start_session};
use super::{Chrome, audit, gone, message, no_errors, redirect, render, render_invalid, safe_next};
use crate::auth::{self, ThrottlePolicy};
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
    let now = unix_now();
    // At most three links per address and hour, so the form cannot flood a mailbox.
    let policy = ThrottlePolicy::lock(3, 3600);
    let key = vec![format!("link:{email}")];
    let throttled = auth::throttle_check(state.store.as_ref(), &policy, &key, now)
        .await?
        .is_some();
    if let (false, Some((user, _))) = (
        throttled,
        state.store.user_credentials(email.as_str()).await?,
    ) {
        auth::throttle_record_failure(state.store.as_ref(), &policy, &key, now).await?;
        let token = auth::random_token();
        let hash = link_hash(&token);
        let tr = jardinier_i18n::Tr::new(
            user.lang
                .as_deref()
                .and_then(Lang::parse)
                .unwrap_or(ctx.lang()),
        );
        let mut link = format!("{}/login/link/{token}", state.config.base_url);
        let next = safe_next(&form.next);
        if next != "/" {
            link.push_str("?next=");
            link.extend(form_urlencoded::byte_serialize(next.as_bytes()));
        }
        let body = tr.f(
            "mail.sign_in_link.body",
            &[("name", &user.display_name), ("link", &link)],
        );
        state
            .store
            .create_password_reset(
                &NewPasswordReset {
                    token_hash: &hash,
                    user_id: user.id,
                    created_at: now,
                    expires_at: now + LINK_TTL_SECS,
                },
                &NewMail {
                    idempotency_key: &format!("sign-in:{hash}"),
                    to: &user.email,
                    subject: tr.t("mail.sign_in_link.subject"),
                    body_text: &body,
                    created_at: now,
                },
            )
            .await?;
        state.mail_wake.notify_one();
    }
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
