//! Signing in and out, the language switch, password reset and invitations.

use askama::Template;
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum_extra::extract::cookie::Cookie;
use jardinier_domain::{DisplayName, Email, FieldError, Password, ValidationErrors};
use jardinier_i18n::Lang;
use jardinier_store::{NewMail, NewPasswordReset, NewSession, NewUser, User};
use serde::Deserialize;

use super::{
    Chrome, audit, gone, message, no_errors, redirect, render, render_invalid, role_key, safe_next,
};
use crate::auth::{self, ThrottlePolicy};
use crate::context::{LANG_COOKIE, RequestCtx, SESSION_COOKIE, cookie, set_cookie};
use crate::error::WebError;
use crate::{SharedState, unix_now};

#[derive(Template)]
#[template(path = "login.html")]
struct LoginTemplate {
    c: Chrome,
    errors: ValidationErrors,
    email: String,
    next: String,
    message: Option<String>,
    /// Too many failures: the page offers the sign-in link first.
    held_back: bool,
}

#[derive(Deserialize)]
pub struct NextQuery {
    #[serde(default)]
    next: String,
}

pub async fn login_form(ctx: RequestCtx, Query(q): Query<NextQuery>) -> Result<Response, WebError> {
    if ctx.user.is_some() {
        return Ok(redirect(&safe_next(&q.next)));
    }
    render(LoginTemplate {
        c: Chrome::new(&ctx),
        errors: no_errors(),
        email: String::new(),
        next: q.next,
        message: None,
        held_back: false,
    })
}

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: String,
}

/// The pair of an account and an address: from the configured number of failures on, each
/// further try from that address for that account waits longer (30 s, 1 min, 2 min, … at most
/// the lock-out window). The owner, elsewhere, is not held back.
fn pair_policy(state: &SharedState) -> ThrottlePolicy {
    ThrottlePolicy {
        max_failures: state.config.max_failed_logins,
        window: state.config.lockout_window.as_secs() as i64,
        growing_delay: Some(30),
    }
}

/// One account, from every address: only a guesser with many addresses reaches this, and then
/// the password is paused for the account while the sign-in link by e-mail still works.
fn account_policy(state: &SharedState) -> ThrottlePolicy {
    ThrottlePolicy::lock(
        state.config.max_failed_logins * 20,
        state.config.lockout_window.as_secs() as i64,
    )
}

/// One address may try four times as many sign-ins as one account: enough for an office behind
/// one address, not enough to guess passwords across accounts.
fn address_policy(state: &SharedState) -> ThrottlePolicy {
    ThrottlePolicy::lock(
        state.config.max_failed_logins * 4,
        state.config.lockout_window.as_secs() as i64,
    )
}

/// The throttle keys of a sign-in: `(policy, key)`, in the order their lock is explained.
pub(super) fn sign_in_keys(
    state: &SharedState,
    email: &Email,
    address: &str,
) -> [(ThrottlePolicy, String); 3] {
    [
        (pair_policy(state), format!("pair:{email}|{address}")),
        (address_policy(state), format!("address:{address}")),
        (account_policy(state), format!("email:{email}")),
    ]
}

/// Whoever reads the mailbox has proven who they are: what wrong passwords held back for this
/// account, from everywhere and from this address, is lifted (the address's own count stays:
/// it covers other accounts too).
pub(super) async fn lift_holds(
    state: &SharedState,
    email: &str,
    address: &str,
) -> Result<(), WebError> {
    if let Ok(email) = Email::parse("email", email) {
        for (_, key) in sign_in_keys(state, &email, address)
            .iter()
            .filter(|(_, key)| !key.starts_with("address:"))
        {
            state.store.clear_login_throttle(key).await?;
        }
    }
    Ok(())
}

/// The longest wait among the keys, and whether it is the account's (paused everywhere).
async fn held_back(
    store: &dyn jardinier_store::Store,
    keys: &[(ThrottlePolicy, String); 3],
    now: i64,
) -> Result<Option<(i64, bool)>, WebError> {
    let mut held = None;
    for (index, (policy, key)) in keys.iter().enumerate() {
        if let Some(seconds) =
            auth::throttle_check(store, policy, std::slice::from_ref(key), now).await?
        {
            let account = index == 2;
            held = Some(match held {
                Some((s, a)) if s >= seconds => (s, a),
                _ => (seconds, account),
            });
        }
    }
    Ok(held)
}

pub async fn login(
    State(state): State<SharedState>,
    ctx: RequestCtx,
    Form(form): Form<LoginForm>,
) -> Result<Response, WebError> {
    let mut errors = ValidationErrors::default();
    let email = errors.check(Email::parse("email", &form.email));
    if form.password.is_empty() {
        errors.push(FieldError::new("password", "error.required"));
    }
    let page = |ctx: &RequestCtx, errors, message| LoginTemplate {
        c: Chrome::new(ctx),
        errors,
        email: form.email.trim().to_owned(),
        next: form.next.clone(),
        message,
        held_back: false,
    };
    let Some(email) = email.filter(|_| errors.is_empty()) else {
        return render_invalid(page(&ctx, errors, None));
    };
    let now = unix_now();
    let store = state.store.as_ref();
    let keys = sign_in_keys(&state, &email, &ctx.client_ip);
    if let Some((seconds, account)) = held_back(store, &keys, now).await? {
        return held_back_page(&ctx, page(&ctx, no_errors(), None), seconds, account);
    }

    let credentials = store.user_credentials(email.as_str()).await?;
    let stored_hash = credentials.as_ref().map(|(_, hash)| hash.clone());
    let valid = auth::verify_password_blocking(form.password.clone(), stored_hash).await;
    let user = match (valid, credentials) {
        (true, Some((user, _))) => user,
        _ => {
            for (policy, key) in &keys {
                auth::throttle_record_failure(store, policy, std::slice::from_ref(key), now)
                    .await?;
            }
            tracing::info!(%email, address = %ctx.client_ip, "failed sign-in");
            if let Some((seconds, account)) = held_back(store, &keys, now).await? {
                return held_back_page(&ctx, page(&ctx, no_errors(), None), seconds, account);
            }
            let message = ctx.tr.t("login.failed").to_owned();
            let html = page(&ctx, no_errors(), Some(message)).render()?;
            return Ok((StatusCode::UNAUTHORIZED, axum::response::Html(html)).into_response());
        }
    };
    store.clear_login_throttle(&keys[0].1).await?;
    store.clear_login_throttle(&keys[2].1).await?;
    let mut response = redirect(&safe_next(&form.next));
    start_session(&state, &user, &mut response).await?;
    Ok(response)
}

/// The sign-in page held back: how long to wait, and the sign-in link by e-mail, which always
/// works.
fn held_back_page(
    ctx: &RequestCtx,
    mut template: LoginTemplate,
    seconds: i64,
    account: bool,
) -> Result<Response, WebError> {
    let wait = if seconds < 60 {
        ctx.tr
            .f("login.wait_seconds", &[("n", &seconds.to_string())])
    } else {
        let minutes = ((seconds + 59) / 60).to_string();
        ctx.tr.f("login.wait_minutes", &[("n", &minutes)])
    };
    let key = if account {
        "login.paused"
    } else {
        "login.locked"
    };
    template.message = Some(ctx.tr.f(key, &[("wait", &wait)]));
    template.held_back = true;
    Ok((
        StatusCode::TOO_MANY_REQUESTS,
        axum::response::Html(template.render()?),
    )
        .into_response())
}

/// Creates a session for `user` and sets its cookie on `response`.
pub async fn start_session(
    state: &SharedState,
    user: &User,
    response: &mut Response,
) -> Result<(), WebError> {
    let token = auth::random_token();
    let now = unix_now();
    let ttl = state.config.session_ttl.as_secs() as i64;
    state
        .store
        .create_session(&NewSession {
            token_hash: &auth::token_hash(&token),
            user_id: user.id,
            csrf_token: &auth::random_token(),
            created_at: now,
            expires_at: now + ttl,
        })
        .await?;
    set_cookie(response, cookie(state, SESSION_COOKIE, token, ttl));
    Ok(())
}

pub async fn logout(
    State(state): State<SharedState>,
    ctx: RequestCtx,
) -> Result<Response, WebError> {
    if let Some(hash) = &ctx.session_hash {
        state.store.delete_session(hash).await?;
    }
    let mut response = redirect("/login");
    let mut gone = Cookie::from(SESSION_COOKIE);
    gone.set_path("/");
    gone.make_removal();
    set_cookie(&mut response, gone);
    Ok(response)
}

#[derive(Deserialize)]
pub struct LangForm {
    #[serde(default)]
    lang: String,
    #[serde(default)]
    next: String,
}

pub async fn set_lang(
    State(state): State<SharedState>,
    ctx: RequestCtx,
    Form(form): Form<LangForm>,
) -> Result<Response, WebError> {
    let lang = Lang::parse(&form.lang).unwrap_or(ctx.lang());
    if let Some(user) = &ctx.user {
        state
            .store
            .set_user_lang(user.id, Some(lang.code()))
            .await?;
    }
    let mut response = redirect(&safe_next(&form.next));
    set_cookie(
        &mut response,
        cookie(&state, LANG_COOKIE, lang.code().to_owned(), 365 * 24 * 3600),
    );
    Ok(response)
}

#[derive(Template)]
#[template(path = "forgot.html")]
struct ForgotTemplate {
    c: Chrome,
    errors: ValidationErrors,
    email: String,
}

pub async fn forgot_form(ctx: RequestCtx) -> Result<Response, WebError> {
    render(ForgotTemplate {
        c: Chrome::new(&ctx),
        errors: no_errors(),
        email: String::new(),
    })
}

#[derive(Deserialize)]
pub struct ForgotForm {
    #[serde(default)]
    email: String,
}

pub const RESET_TTL_SECS: i64 = 3600;

/// A single-use link mailed to an account's owner (a password reset, a sign-in link).
pub(super) struct AccountLink<'a> {
    /// Names the throttle and the mail's idempotency key.
    pub kind: &'static str,
    pub ttl: i64,
    /// The mail's catalogue entries: its subject, and its body with `{name}` and `{link}`.
    pub subject_key: &'static str,
    pub body_key: &'static str,
    /// The link, from the token.
    pub link: &'a (dyn Fn(&str) -> String + Sync),
    /// How the token is kept (its hash).
    pub hash: &'a (dyn Fn(&str) -> String + Sync),
}

/// Mails the link if the address is an account's, at most three times an hour per address so
/// the form cannot flood a mailbox; says nothing either way (the caller answers the same).
pub(super) async fn mail_link(
    state: &SharedState,
    ctx: &RequestCtx,
    email: &Email,
    spec: AccountLink<'_>,
) -> Result<(), WebError> {
    let now = unix_now();
    let policy = ThrottlePolicy::lock(3, 3600);
    let key = vec![format!("{}:{email}", spec.kind)];
    let throttled = auth::throttle_check(state.store.as_ref(), &policy, &key, now)
        .await?
        .is_some();
    let Some((user, _)) = state.store.user_credentials(email.as_str()).await? else {
        return Ok(());
    };
    if throttled {
        return Ok(());
    }
    auth::throttle_record_failure(state.store.as_ref(), &policy, &key, now).await?;
    let token = auth::random_token();
    let hash = (spec.hash)(&token);
    let tr = jardinier_i18n::Tr::new(
        user.lang
            .as_deref()
            .and_then(Lang::parse)
            .unwrap_or(ctx.lang()),
    );
    let link = (spec.link)(&token);
    let body = tr.f(
        spec.body_key,
        &[("name", &user.display_name), ("link", &link)],
    );
    state
        .store
        .create_password_reset(
            &NewPasswordReset {
                token_hash: &hash,
                user_id: user.id,
                created_at: now,
                expires_at: now + spec.ttl,
            },
            &NewMail {
                idempotency_key: &format!("{}:{hash}", spec.kind),
                to: &user.email,
                subject: tr.t(spec.subject_key),
                body_text: &body,
                created_at: now,
                list_unsubscribe: None,
            },
        )
        .await?;
    state.mail_wake.notify_one();
    Ok(())
}

pub async fn forgot(
    State(state): State<SharedState>,
    ctx: RequestCtx,
    Form(form): Form<ForgotForm>,
) -> Result<Response, WebError> {
    let email = match Email::parse("email", &form.email) {
        Ok(email) => email,
        Err(error) => {
            return render_invalid(ForgotTemplate {
                c: Chrome::new(&ctx),
                errors: error.into(),
                email: form.email,
            });
        }
    };
    mail_link(
        &state,
        &ctx,
        &email,
        AccountLink {
            kind: "reset",
            ttl: RESET_TTL_SECS,
            subject_key: "mail.reset.subject",
            body_key: "mail.reset.body",
            link: &|token| format!("{}/password/reset/{token}", state.config.base_url),
            hash: &auth::token_hash,
        },
    )
    .await?;
    // The same answer whether or not the account exists.
    message(
        &ctx,
        "forgot.sent_title",
        ctx.tr.t("forgot.sent").to_owned(),
        Some(("/login", "forgot.back")),
    )
}

#[derive(Template)]
#[template(path = "reset.html")]
struct ResetTemplate {
    c: Chrome,
    errors: ValidationErrors,
    token: String,
}

fn reset_link_invalid(ctx: &RequestCtx) -> Result<Response, WebError> {
    gone(ctx, "reset", ("/password/forgot", "reset.ask_again"))
}

pub async fn reset_form(
    State(state): State<SharedState>,
    ctx: RequestCtx,
    Path(token): Path<String>,
) -> Result<Response, WebError> {
    if state
        .store
        .password_reset_user(&auth::token_hash(&token), unix_now())
        .await?
        .is_none()
    {
        return reset_link_invalid(&ctx);
    }
    render(ResetTemplate {
        c: Chrome::new(&ctx),
        errors: no_errors(),
        token,
    })
}

#[derive(Deserialize)]
pub struct ResetForm {
    #[serde(default)]
    password: String,
}

pub async fn reset(
    State(state): State<SharedState>,
    ctx: RequestCtx,
    Path(token): Path<String>,
    Form(form): Form<ResetForm>,
) -> Result<Response, WebError> {
    let password = match Password::parse("password", &form.password) {
        Ok(p) => p,
        Err(error) => {
            return render_invalid(ResetTemplate {
                c: Chrome::new(&ctx),
                errors: error.into(),
                token,
            });
        }
    };
    let hash = auth::hash_password_blocking(password.expose().to_owned()).await;
    let Some(user_id) = state
        .store
        .take_password_reset(&auth::token_hash(&token), unix_now())
        .await?
    else {
        return reset_link_invalid(&ctx);
    };
    state.store.set_password_hash(user_id, &hash).await?;
    if let Some(user) = state.store.user_by_id(user_id).await? {
        lift_holds(&state, &user.email, &ctx.client_ip).await?;
    }
    audit(&state, None, Some(user_id), "password_reset", "").await?;
    message(
        &ctx,
        "reset.done_title",
        ctx.tr.t("reset.done").to_owned(),
        Some(("/login", "login.submit")),
    )
}

#[derive(Template)]
#[template(path = "invite.html")]
struct InviteTemplate {
    c: Chrome,
    errors: ValidationErrors,
    token: String,
    workspace_name: String,
    email: String,
    role_key: &'static str,
    signed_in: bool,
    signed_in_as_other: bool,
    has_account: bool,
    display_name: String,
}

fn invitation_invalid(ctx: &RequestCtx) -> Result<Response, WebError> {
    gone(ctx, "invite", ("/", "error_page.home"))
}

async fn invite_template(
    state: &SharedState,
    ctx: &RequestCtx,
    token: &str,
) -> Result<Option<InviteTemplate>, WebError> {
    let Some((invitation, workspace)) = state.store.invitation(&auth::token_hash(token)).await?
    else {
        return Ok(None);
    };
    if !invitation.is_pending(unix_now()) {
        return Ok(None);
    }
    let has_account = state
        .store
        .user_credentials(&invitation.email)
        .await?
        .is_some();
    Ok(Some(InviteTemplate {
        c: Chrome::new(ctx),
        errors: no_errors(),
        token: token.to_owned(),
        workspace_name: workspace.name,
        role_key: role_key(&invitation.role),
        signed_in: ctx.user.is_some(),
        signed_in_as_other: ctx
            .user
            .as_ref()
            .is_some_and(|u| u.email != invitation.email),
        has_account: has_account && ctx.user.is_none(),
        email: invitation.email,
        display_name: String::new(),
    }))
}

pub async fn invitation_page(
    State(state): State<SharedState>,
    ctx: RequestCtx,
    Path(token): Path<String>,
) -> Result<Response, WebError> {
    match invite_template(&state, &ctx, &token).await? {
        Some(template) => render(template),
        None => invitation_invalid(&ctx),
    }
}

#[derive(Deserialize)]
pub struct AcceptForm {
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    password: String,
}

pub async fn accept_invitation(
    State(state): State<SharedState>,
    ctx: RequestCtx,
    Path(token): Path<String>,
    Form(form): Form<AcceptForm>,
) -> Result<Response, WebError> {
    let Some(mut template) = invite_template(&state, &ctx, &token).await? else {
        return invitation_invalid(&ctx);
    };
    let hash = auth::token_hash(&token);
    let now = unix_now();
    if template.signed_in_as_other || template.has_account {
        return render(template);
    }
    if let Some(user) = &ctx.user {
        let workspace = state.store.accept_invitation(&hash, user.id, now).await?;
        audit(
            &state,
            Some(workspace.id),
            Some(user.id),
            "invitation_accepted",
            &user.email,
        )
        .await?;
        return Ok(redirect(&format!("/w/{}?done=joined", workspace.slug)));
    }
    // A newcomer: create the account, then join.
    let mut errors = ValidationErrors::default();
    let name = errors.check(DisplayName::parse("display_name", &form.display_name));
    let password = errors.check(Password::parse("password", &form.password));
    let (Some(name), Some(password)) = (name, password) else {
        template.errors = errors;
        template.display_name = form.display_name.trim().to_owned();
        return render_invalid(template);
    };
    let password_hash = auth::hash_password_blocking(password.expose().to_owned()).await;
    let user = state
        .store
        .create_user(
            &NewUser {
                email: &template.email,
                display_name: name.as_str(),
                password_hash: &password_hash,
                lang: Some(ctx.lang().code()),
            },
            now,
        )
        .await?;
    let workspace = state.store.accept_invitation(&hash, user.id, now).await?;
    audit(
        &state,
        Some(workspace.id),
        Some(user.id),
        "invitation_accepted",
        &user.email,
    )
    .await?;
    let mut response = redirect(&format!("/w/{}?done=joined", workspace.slug));
    start_session(&state, &user, &mut response).await?;
    Ok(response)
}
