//! The signed-in person's own account: name, language, password.

use askama::Template;
use axum::extract::{Form, State};
use axum::response::Response;
use jardinier_domain::{DisplayName, FieldError, Password, ValidationErrors};
use jardinier_i18n::Lang;
use serde::Deserialize;

use super::auth::start_session;
use super::{Chrome, audit, no_errors, redirect, render, render_invalid};
use crate::SharedState;
use crate::auth;
use crate::context::SignedIn;
use crate::error::WebError;

#[derive(Template)]
#[template(path = "account.html")]
struct AccountTemplate {
    c: Chrome,
    errors: ValidationErrors,
    display_name: String,
    lang: String,
    quiet_start: String,
    quiet_end: String,
}

fn page(me: &SignedIn, errors: ValidationErrors) -> AccountTemplate {
    AccountTemplate {
        c: Chrome::new(&me.ctx),
        errors,
        display_name: me.user.display_name.clone(),
        lang: me.user.lang.clone().unwrap_or_default(),
        quiet_start: String::new(),
        quiet_end: String::new(),
    }
}

pub async fn account_page(
    State(state): State<SharedState>,
    me: SignedIn,
) -> Result<Response, WebError> {
    let mut template = page(&me, no_errors());
    if let Some(q) = state.store.quiet_hours(me.user.id).await? {
        template.quiet_start = format!("{:02}:{:02}", q.start / 60, q.start % 60);
        template.quiet_end = format!("{:02}:{:02}", q.end / 60, q.end % 60);
    }
    render(template)
}

#[derive(Deserialize)]
pub struct ProfileForm {
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    lang: String,
}

pub async fn update_profile(
    State(state): State<SharedState>,
    me: SignedIn,
    Form(form): Form<ProfileForm>,
) -> Result<Response, WebError> {
    let mut errors = ValidationErrors::default();
    let name = errors.check(DisplayName::parse("display_name", &form.display_name));
    let lang = match form.lang.as_str() {
        "" => Some(None),
        code => match Lang::parse(code) {
            Some(lang) => Some(Some(lang.code())),
            None => {
                errors.push(FieldError::new("lang", "error.lang_invalid"));
                None
            }
        },
    };
    let (Some(name), Some(lang)) = (name, lang) else {
        let mut template = page(&me, errors);
        template.display_name = form.display_name;
        return render_invalid(template);
    };
    state
        .store
        .set_display_name(me.user.id, name.as_str())
        .await?;
    state.store.set_user_lang(me.user.id, lang).await?;
    Ok(redirect("/account?done=saved"))
}

#[derive(Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    current_password: String,
    #[serde(default)]
    password: String,
}

pub async fn change_password(
    State(state): State<SharedState>,
    me: SignedIn,
    Form(form): Form<PasswordForm>,
) -> Result<Response, WebError> {
    let mut errors = ValidationErrors::default();
    let stored = state
        .store
        .user_credentials(&me.user.email)
        .await?
        .map(|(_, hash)| hash);
    if !auth::verify_password_blocking(form.current_password.clone(), stored).await {
        errors.push(FieldError::new("current_password", "error.password_wrong"));
    }
    let password = errors.check(Password::parse("password", &form.password));
    let Some(password) = password.filter(|_| errors.is_empty()) else {
        return render_invalid(page(&me, errors));
    };
    let hash = auth::hash_password_blocking(password.expose().to_owned()).await;
    // Changing the password signs out every other browser; this one gets a fresh session.
    state.store.set_password_hash(me.user.id, &hash).await?;
    audit(&state, None, Some(me.user.id), "password_changed", "").await?;
    let mut response = redirect("/account?done=password_changed");
    start_session(&state, &me.user, &mut response).await?;
    Ok(response)
}
