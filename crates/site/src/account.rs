//! Members' accounts: sign-up with a verified address, sign-in by password or by a link sent by
//! e-mail, signing out, the charter, and the language of the pages. Accounts are the
//! community's own, never the team's.

use askama::Template;
use axum::extract::{Form, Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use jardinier_domain::input::{Email, FieldError, ValidationErrors};
use jardinier_store::{NewAccount, NewMail, NewToken, StoreError};
use jardinier_webkit::http::set_cookie;
use jardinier_webkit::secrets::{
    hash_password_blocking, random_token, token_hash, verify_password_blocking,
};
use serde::Deserialize;

use crate::context::{LANG_COOKIE, MEMBER_COOKIE, SiteCtx};
use crate::error::SiteError;
use crate::pages::render;
use crate::{SharedSite, unix_now};

/// How long a sign-in lasts, and how long an e-mailed link works.
const SESSION_SECONDS: i64 = 30 * 24 * 3600;
const VERIFY_SECONDS: i64 = 48 * 3600;
const SIGNIN_LINK_SECONDS: i64 = 30 * 60;
const PASSWORD_MIN: usize = 10;

#[derive(Template)]
#[template(path = "message.html")]
struct Message<'a> {
    c: &'a SiteCtx,
    title: String,
    text: String,
    link: Option<(String, &'a str)>,
}

/// A page with one message (`site.*` key) and maybe one link onwards.
pub fn message(
    c: &SiteCtx,
    key: &str,
    link: Option<(String, &str)>,
) -> Result<Response, SiteError> {
    render(Message {
        c,
        title: c.tr.t(&format!("{key}.title")).to_owned(),
        text: c.tr.t(&format!("{key}.text")).to_owned(),
        link,
    })
}

/// `next` as a path inside this community, or its home: never another site.
fn next_path(c: &SiteCtx, next: Option<&str>) -> String {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.contains('\\') => c.href(n),
        _ => c.href("/"),
    }
}

pub(crate) fn limited(
    limiter: &std::sync::Mutex<jardinier_domain::rate::RateLimiter>,
    key: &str,
) -> Result<(), u64> {
    let digest = token_hash(key);
    let key = i64::from_str_radix(&digest[..15], 16).unwrap_or_default();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or_default();
    limiter.lock().expect("limiter").take(key, now).map(|_| ())
}

/// Signs the member in: a session, its cookie, and where to go next.
async fn sign_in(
    state: &SharedSite,
    c: &SiteCtx,
    account_id: i64,
    to: String,
) -> Result<Response, SiteError> {
    // A suspended or banned member is told why and until when, and not signed in.
    if let Some(page) = crate::screening::sanction_page(state, c, account_id, true).await? {
        return Ok(page);
    }
    let token = random_token();
    let now = unix_now();
    state
        .store
        .create_community_session(
            &token_hash(&token),
            account_id,
            &random_token(),
            now,
            now + SESSION_SECONDS,
        )
        .await?;
    let mut response = Redirect::to(&to).into_response();
    set_cookie(
        &mut response,
        c.cookie(state, MEMBER_COOKIE, token, SESSION_SECONDS),
    );
    Ok(response)
}

#[derive(Template)]
#[template(path = "signup.html")]
struct Signup<'a> {
    c: &'a SiteCtx,
    name: String,
    email: String,
    errors: ValidationErrors,
    notice: Option<String>,
}

pub async fn signup_form(c: SiteCtx) -> Result<Response, SiteError> {
    if c.member.is_some() {
        return Ok(Redirect::to(&c.href("/")).into_response());
    }
    render(Signup {
        c: &c,
        name: String::new(),
        email: String::new(),
        errors: ValidationErrors::default(),
        notice: None,
    })
}

#[derive(Deserialize)]
pub struct SignupForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    charter: Option<String>,
}

/// A handle from a name: "Léa Martin" → "lea-martin".
fn handle_of(name: &str) -> String {
    let slug = jardinier_community::text::slug(name);
    if slug == "topic" {
        "membre".to_owned()
    } else {
        slug.chars()
            .take(30)
            .collect::<String>()
            .trim_end_matches('-')
            .to_owned()
    }
}

pub async fn signup(
    State(state): State<SharedSite>,
    c: SiteCtx,
    Form(form): Form<SignupForm>,
) -> Result<Response, SiteError> {
    let again = |errors: ValidationErrors, notice: Option<String>| {
        let page = Signup {
            c: &c,
            name: form.name.clone(),
            email: form.email.clone(),
            errors,
            notice,
        };
        Ok::<_, SiteError>(
            (axum::http::StatusCode::UNPROCESSABLE_ENTITY, render(page)?).into_response(),
        )
    };
    let mut errors = ValidationErrors::default();
    let name = errors.check(jardinier_community::text::display_name("name", &form.name));
    let email = errors.check(Email::parse("email", &form.email));
    if form.password.chars().count() < PASSWORD_MIN {
        errors.push(FieldError::new(
            "password",
            "error.community_password_short",
        ));
    }
    if c.charter.is_some() && form.charter.is_none() {
        errors.push(FieldError::new(
            "charter",
            "error.community_charter_required",
        ));
    }
    let (Some(name), Some(email), true) = (name, email, errors.is_empty()) else {
        return again(errors, None);
    };
    // Counted once the form is valid: someone correcting a typo is not slowed down.
    if let Err(wait) =
        limited(&state.signups, &c.client_ip).and_then(|()| limited(&state.mails, email.as_str()))
    {
        return again(
            ValidationErrors::default(),
            Some(c.tr.f("site.signup.too_many", &[("seconds", &wait.to_string())])),
        );
    }
    let hash = hash_password_blocking(form.password.clone()).await;
    let now = unix_now();
    let token = random_token();
    let link = format!("{}/verify/{token}", c.absolute);
    let subject =
        c.tr.f("site.mail.verify.subject", &[("community", &c.site.name)]);
    let body = c.tr.f(
        "site.mail.verify.body",
        &[
            ("name", &name),
            ("community", &c.site.name),
            ("link", &link),
        ],
    );
    let idempotency = format!("community-verify-{}", token_hash(&token));
    let mail = NewMail {
        idempotency_key: &idempotency,
        to: email.as_str(),
        subject: &subject,
        body_text: &body,
        created_at: now,
        list_unsubscribe: None,
    };
    let verify = NewToken {
        token_hash: &token_hash(&token),
        purpose: "verify",
        expires_at: now + VERIFY_SECONDS,
    };
    let base_handle = handle_of(&name);
    let mut handle = base_handle.clone();
    for attempt in 2..=50 {
        let account = NewAccount {
            workspace_id: c.site.workspace_id,
            email: email.as_str(),
            handle: &handle,
            display_name: &name,
            password_hash: Some(&hash),
            lang: Some(c.lang().code()),
            charter_version: c.charter.as_ref().map(|ch| ch.version),
            verified_at: None,
            now,
        };
        match state
            .store
            .create_community_account(&account, Some((&verify, &mail)))
            .await
        {
            Ok(account) => {
                state.mail_wake.notify_one();
                // Signed in at once (reading, and saying where the e-mail went); posting waits
                // for the address to be confirmed.
                return sign_in(&state, &c, account.id, c.href("/signup/sent")).await;
            }
            Err(StoreError::Conflict { what: "handle" }) => {
                handle = format!("{base_handle}{attempt}");
            }
            Err(StoreError::Conflict { .. }) => {
                // The address has an account: say the same as for a new one (no one learns
                // who is a member), and send its owner a sign-in link instead.
                send_signin_link(&state, &c, email.as_str()).await?;
                return message(&c, "site.signup.sent", None);
            }
            Err(other) => return Err(other.into()),
        }
    }
    Err(SiteError::Internal(anyhow::anyhow!(
        "no free handle for {base_handle:?}"
    )))
}

pub async fn signup_sent(c: SiteCtx) -> Result<Response, SiteError> {
    message(&c, "site.signup.sent", None)
}

pub async fn verify(
    State(state): State<SharedSite>,
    c: SiteCtx,
    Path((_, token)): Path<(String, String)>,
) -> Result<Response, SiteError> {
    link(state, c, token, "verify").await
}

pub async fn signin_link(
    State(state): State<SharedSite>,
    c: SiteCtx,
    Path((_, token)): Path<(String, String)>,
) -> Result<Response, SiteError> {
    link(state, c, token, "signin").await
}

/// Follows an e-mailed link: it proves the address and signs its owner in.
async fn link(
    state: SharedSite,
    c: SiteCtx,
    token: String,
    purpose: &str,
) -> Result<Response, SiteError> {
    let now = unix_now();
    let Some(account_id) = state
        .store
        .take_community_token(&token_hash(&token), purpose, now)
        .await?
    else {
        return message(
            &c,
            "site.link.expired",
            Some((c.href("/signin"), "site.signin.title")),
        );
    };
    let account = state
        .store
        .community_account(account_id)
        .await?
        .ok_or(SiteError::NotFound)?;
    if purpose == "verify" {
        send_welcome(&state, &c, &account).await?;
    }
    let must_accept = jardinier_community::must_accept_charter(
        account.charter_version,
        c.charter.as_ref().map(|ch| ch.version),
    );
    let to = if must_accept {
        c.href("/charter")
    } else if purpose == "verify" {
        c.href("/?welcome=1")
    } else {
        c.href("/")
    };
    sign_in(&state, &c, account_id, to).await
}

/// The welcome message the team wrote, in the member's language, by e-mail.
async fn send_welcome(
    state: &SharedSite,
    c: &SiteCtx,
    account: &jardinier_store::CommunityAccount,
) -> Result<(), SiteError> {
    let lang = account
        .lang
        .as_deref()
        .and_then(jardinier_i18n::Lang::parse)
        .unwrap_or(c.lang());
    let text = match lang {
        jardinier_i18n::Lang::Fr => &c.site.welcome_fr,
        jardinier_i18n::Lang::En => &c.site.welcome_en,
    };
    if text.trim().is_empty() {
        return Ok(());
    }
    let tr = jardinier_i18n::Tr::new(lang);
    let subject = tr.f("site.mail.welcome.subject", &[("community", &c.site.name)]);
    let body = format!(
        "{}\n\n-- \n{}\n{}/\n",
        text.replace("{name}", &account.display_name),
        c.site.name,
        c.absolute
    );
    let key = format!("community-welcome-{}", account.id);
    state
        .store
        .enqueue_mail(&NewMail {
            idempotency_key: &key,
            to: &account.email,
            subject: &subject,
            body_text: &body,
            created_at: unix_now(),
            list_unsubscribe: None,
        })
        .await?;
    state.mail_wake.notify_one();
    Ok(())
}

async fn send_signin_link(state: &SharedSite, c: &SiteCtx, email: &str) -> Result<(), SiteError> {
    let Some((account, _)) = state
        .store
        .community_account_by_email(c.site.workspace_id, email)
        .await?
    else {
        return Ok(());
    };
    let token = random_token();
    let now = unix_now();
    let tr = jardinier_i18n::Tr::new(
        account
            .lang
            .as_deref()
            .and_then(jardinier_i18n::Lang::parse)
            .unwrap_or(c.lang()),
    );
    let link = format!("{}/signin/{token}", c.absolute);
    let subject = tr.f("site.mail.signin.subject", &[("community", &c.site.name)]);
    let body = tr.f(
        "site.mail.signin.body",
        &[
            ("name", &account.display_name),
            ("community", &c.site.name),
            ("link", &link),
        ],
    );
    let key = format!("community-signin-{}", token_hash(&token));
    state
        .store
        .add_community_token(
            account.id,
            &NewToken {
                token_hash: &token_hash(&token),
                purpose: "signin",
                expires_at: now + SIGNIN_LINK_SECONDS,
            },
            &NewMail {
                idempotency_key: &key,
                to: &account.email,
                subject: &subject,
                body_text: &body,
                created_at: now,
                list_unsubscribe: None,
            },
        )
        .await?;
    state.mail_wake.notify_one();
    Ok(())
}

#[derive(Template)]
#[template(path = "signin.html")]
struct Signin<'a> {
    c: &'a SiteCtx,
    email: String,
    next: String,
    error: Option<&'a str>,
}

#[derive(Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

pub async fn signin_form(c: SiteCtx, Query(q): Query<NextQuery>) -> Result<Response, SiteError> {
    render(Signin {
        c: &c,
        email: String::new(),
        next: q.next.unwrap_or_default(),
        error: None,
    })
}

#[derive(Deserialize)]
pub struct SigninForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: String,
    /// "link": send a sign-in link instead of checking a password.
    #[serde(default)]
    by: String,
}

pub async fn signin(
    State(state): State<SharedSite>,
    c: SiteCtx,
    Form(form): Form<SigninForm>,
) -> Result<Response, SiteError> {
    let email = form.email.trim().to_lowercase();
    if form.by == "link" {
        if Email::parse("email", &email).is_ok() && limited(&state.mails, &email).is_ok() {
            send_signin_link(&state, &c, &email).await?;
        }
        return message(&c, "site.signin.link_sent", None);
    }
    let found = state
        .store
        .community_account_by_email(c.site.workspace_id, &email)
        .await?;
    let hash = found.as_ref().and_then(|(_, h)| h.clone());
    let ok = verify_password_blocking(form.password.clone(), hash).await;
    match (ok, found) {
        (true, Some((account, _))) => {
            let to = next_path(&c, Some(&form.next));
            sign_in(&state, &c, account.id, to).await
        }
        _ => {
            let page = Signin {
                c: &c,
                email: form.email.clone(),
                next: form.next.clone(),
                error: Some("site.signin.wrong"),
            };
            Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, render(page)?).into_response())
        }
    }
}

pub async fn signout(State(state): State<SharedSite>, c: SiteCtx) -> Result<Response, SiteError> {
    if let Some(hash) = &c.session_hash {
        state.store.delete_community_session(hash).await?;
    }
    let mut response = Redirect::to(&c.href("/")).into_response();
    set_cookie(&mut response, c.forget(MEMBER_COOKIE));
    Ok(response)
}

#[derive(Template)]
#[template(path = "charter.html")]
struct CharterPage<'a> {
    c: &'a SiteCtx,
    html: String,
    must_accept: bool,
    next: String,
}

fn charter_html(c: &SiteCtx) -> String {
    match &c.charter {
        Some(ch) => {
            let body = match c.lang() {
                jardinier_i18n::Lang::Fr => &ch.body_fr,
                jardinier_i18n::Lang::En => &ch.body_en,
            };
            jardinier_community::markup::render_charter(body, |p| c.href(p)).html
        }
        None => String::new(),
    }
}

pub async fn charter(c: SiteCtx, Query(q): Query<NextQuery>) -> Result<Response, SiteError> {
    let must_accept = matches!(
        c.viewer(),
        jardinier_community::Viewer::Member {
            charter_accepted: false,
            ..
        }
    );
    render(CharterPage {
        html: charter_html(&c),
        must_accept,
        next: q.next.unwrap_or_default(),
        c: &c,
    })
}

#[derive(Deserialize)]
pub struct AcceptForm {
    /// The version the member read: a newer one published meanwhile must be read first.
    version: i64,
    #[serde(default)]
    next: String,
}

pub async fn accept_charter(
    State(state): State<SharedSite>,
    c: SiteCtx,
    Form(form): Form<AcceptForm>,
) -> Result<Response, SiteError> {
    let (Some(member), Some(current)) = (&c.member, &c.charter) else {
        return Ok(Redirect::to(&c.href("/signin?next=/charter")).into_response());
    };
    if form.version != current.version {
        return Ok(Redirect::to(&c.href("/charter")).into_response());
    }
    state
        .store
        .accept_community_charter(member.id, current.version, unix_now())
        .await?;
    Ok(Redirect::to(&next_path(&c, Some(&form.next))).into_response())
}

#[derive(Deserialize)]
pub struct LangForm {
    lang: String,
    #[serde(default)]
    next: String,
}

pub async fn set_lang(
    State(state): State<SharedSite>,
    c: SiteCtx,
    Form(form): Form<LangForm>,
) -> Result<Response, SiteError> {
    let Some(lang) = jardinier_i18n::Lang::parse(&form.lang) else {
        return Err(SiteError::NotFound);
    };
    if let Some(member) = &c.member {
        state
            .store
            .set_community_account_lang(member.id, lang.code())
            .await?;
    }
    let mut response = Redirect::to(&next_path(&c, Some(&form.next))).into_response();
    set_cookie(
        &mut response,
        c.cookie(&state, LANG_COOKIE, lang.code().to_owned(), 365 * 24 * 3600),
    );
    Ok(response)
}

#[derive(Template)]
#[template(path = "account.html")]
struct AccountPage<'a> {
    c: &'a SiteCtx,
    /// The avatar's address, or the letter shown instead.
    avatar: Option<String>,
    initial: String,
    avatar_done: Option<&'static str>,
    avatar_error: Option<String>,
    max_mb: usize,
    handle: String,
    email: String,
    name: String,
    bio: String,
    links: String,
    lang: String,
    frequency: String,
    frequencies: Vec<(&'static str, &'static str)>,
    /// (id, name, watched) of the categories the member may read.
    categories: Vec<(i64, String, bool)>,
    errors: ValidationErrors,
    saved: bool,
}

const FREQUENCIES: [(&str, &str); 4] = [
    ("immediate", "site.account.immediate"),
    ("daily", "site.account.daily"),
    ("weekly", "site.account.weekly"),
    ("never", "site.account.never"),
];

/// The account form as sent, when it comes back with its errors.
struct ProfileForm {
    name: String,
    bio: String,
    links: String,
    lang: String,
    frequency: String,
    watch: Vec<i64>,
}

/// What the avatar form did: saved or removed (a notice), or why the image was refused.
pub(crate) enum AvatarNote {
    None,
    Done(&'static str),
    Refused(String),
}

async fn account_page(
    state: &SharedSite,
    c: &SiteCtx,
    form: Option<ProfileForm>,
    errors: ValidationErrors,
    saved: bool,
) -> Result<Response, SiteError> {
    account_page_with(state, c, form, errors, saved, AvatarNote::None).await
}

/// The account page after the avatar form.
pub(crate) async fn avatar_page(
    state: &SharedSite,
    c: &SiteCtx,
    note: AvatarNote,
) -> Result<Response, SiteError> {
    account_page_with(state, c, None, ValidationErrors::default(), false, note).await
}

async fn account_page_with(
    state: &SharedSite,
    c: &SiteCtx,
    form: Option<ProfileForm>,
    errors: ValidationErrors,
    saved: bool,
    avatar_note: AvatarNote,
) -> Result<Response, SiteError> {
    let Some(member) = &c.member else {
        return Ok(Redirect::to(&c.href("/signin?next=/account")).into_response());
    };
    let watched = match &form {
        Some(form) => form.watch.clone(),
        None => state.store.watched_community_categories(member.id).await?,
    };
    let categories = crate::pages::readable(state, c)
        .await?
        .into_iter()
        .map(|cat| (cat.id, cat.name, watched.contains(&cat.id)))
        .collect();
    let form = form.unwrap_or_else(|| ProfileForm {
        name: member.display_name.clone(),
        bio: member.bio.clone(),
        links: member.links.join("\n"),
        lang: member
            .lang
            .clone()
            .unwrap_or_else(|| c.lang().code().to_owned()),
        frequency: member.email_frequency.clone(),
        watch: Vec::new(),
    });
    let invalid = !errors.is_empty() || matches!(avatar_note, AvatarNote::Refused(_));
    let page = render(AccountPage {
        c,
        avatar: member
            .avatar
            .as_ref()
            .map(|file| c.href(&format!("/images/{file}"))),
        initial: crate::pages::initial(&member.display_name),
        avatar_done: match &avatar_note {
            AvatarNote::Done(key) => Some(*key),
            _ => None,
        },
        avatar_error: match avatar_note {
            AvatarNote::Refused(text) => Some(text),
            _ => None,
        },
        max_mb: jardinier_community::images::MAX_BYTES / (1024 * 1024),
        handle: member.handle.clone(),
        email: member.email.clone(),
        name: form.name,
        bio: form.bio,
        links: form.links,
        lang: form.lang,
        frequency: form.frequency,
        frequencies: FREQUENCIES.to_vec(),
        categories,
        errors,
        saved,
    })?;
    Ok(if invalid {
        (axum::http::StatusCode::UNPROCESSABLE_ENTITY, page).into_response()
    } else {
        page
    })
}

#[derive(Deserialize)]
pub struct SavedQuery {
    saved: Option<String>,
    done: Option<String>,
}

/// The member's own page: name, bio, language, e-mails of notifications, watched categories.
pub async fn account(
    State(state): State<SharedSite>,
    c: SiteCtx,
    Query(q): Query<SavedQuery>,
) -> Result<Response, SiteError> {
    let note = match q.done.as_deref() {
        Some("avatar_saved") => AvatarNote::Done("site.account.avatar_saved"),
        Some("avatar_removed") => AvatarNote::Done("site.account.avatar_removed"),
        _ => AvatarNote::None,
    };
    account_page_with(
        &state,
        &c,
        None,
        ValidationErrors::default(),
        q.saved.is_some(),
        note,
    )
    .await
}

pub async fn save_account(
    State(state): State<SharedSite>,
    c: SiteCtx,
    body: axum::body::Bytes,
) -> Result<Response, SiteError> {
    let Some(member) = c.member.clone() else {
        return Ok(Redirect::to(&c.href("/signin?next=/account")).into_response());
    };
    // Several `watch` fields: read the form by hand.
    let fields: Vec<(String, String)> = form_urlencoded::parse(&body).into_owned().collect();
    let field = |name: &str| {
        fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let readable: Vec<i64> = crate::pages::readable(&state, &c)
        .await?
        .iter()
        .map(|cat| cat.id)
        .collect();
    let watch: Vec<i64> = fields
        .iter()
        .filter(|(k, _)| k == "watch")
        .filter_map(|(_, v)| v.parse().ok())
        .filter(|id| readable.contains(id))
        .collect();
    let mut errors = ValidationErrors::default();
    let name = errors.check(jardinier_community::text::display_name(
        "name",
        &field("name"),
    ));
    let bio = errors.check(jardinier_community::text::bio("bio", &field("bio")));
    let links = errors.check(jardinier_community::text::links("links", &field("links")));
    let lang = jardinier_i18n::Lang::parse(&field("lang")).map(|l| l.code());
    let frequency = FREQUENCIES
        .iter()
        .map(|(code, _)| *code)
        .find(|code| *code == field("frequency"))
        .unwrap_or("immediate");
    let (Some(name), Some(bio), Some(links), true) = (name, bio, links, errors.is_empty()) else {
        let form = ProfileForm {
            name: field("name"),
            bio: field("bio"),
            links: field("links"),
            lang: field("lang"),
            frequency: frequency.to_owned(),
            watch,
        };
        return account_page(&state, &c, Some(form), errors, false).await;
    };
    state
        .store
        .update_community_profile(member.id, &name, &bio, &links, lang)
        .await?;
    state
        .store
        .set_community_email_frequency(member.id, frequency)
        .await?;
    for id in readable {
        state
            .store
            .watch_community_category(member.id, id, watch.contains(&id))
            .await?;
    }
    let mut response = Redirect::to(&c.href("/account?saved=1")).into_response();
    if let Some(lang) = lang {
        set_cookie(
            &mut response,
            c.cookie(&state, LANG_COOKIE, lang.to_owned(), 365 * 24 * 3600),
        );
    }
    Ok(response)
}

/// Everything kept about the member, as a JSON file to keep.
pub async fn export(State(state): State<SharedSite>, c: SiteCtx) -> Result<Response, SiteError> {
    let Some(member) = &c.member else {
        return Ok(Redirect::to(&c.href("/signin?next=/account")).into_response());
    };
    let mut data = state.store.export_community_account(member.id).await?;
    data["community"] = serde_json::json!({ "name": c.site.name, "address": c.absolute });
    // The images they sent, with the address each is at.
    data["images"] = state
        .store
        .community_images_of(member.id)
        .await?
        .into_iter()
        .map(|image| {
            serde_json::json!({
                "address": format!("{}/images/{}", c.absolute, image.file()),
                "name": image.filename,
                "type": image.content_type,
                "bytes": image.size,
                "sent_at": jardinier_webkit::format::rfc3339(image.created_at),
            })
        })
        .collect();
    data["avatar"] = match &member.avatar {
        Some(file) => serde_json::Value::String(format!("{}/images/{file}", c.absolute)),
        None => serde_json::Value::Null,
    };
    let body = serde_json::to_vec_pretty(&data)
        .map_err(|e| SiteError::Internal(anyhow::anyhow!("the export: {e}")))?;
    Ok((
        [
            (
                axum::http::header::CONTENT_TYPE,
                "application/json; charset=utf-8".to_owned(),
            ),
            (
                axum::http::header::CONTENT_DISPOSITION,
                format!(
                    "attachment; filename=\"{}-{}.json\"",
                    c.site.slug, member.handle
                ),
            ),
        ],
        body,
    )
        .into_response())
}

#[derive(Deserialize)]
pub struct DeleteForm {
    #[serde(default)]
    confirm: Option<String>,
}

/// Deletes the member's account, at once; its posts stay signed by nobody, or go, as the
/// workspace chose.
pub async fn delete(
    State(state): State<SharedSite>,
    c: SiteCtx,
    Form(form): Form<DeleteForm>,
) -> Result<Response, SiteError> {
    let Some(member) = c.member.clone() else {
        return Ok(Redirect::to(&c.href("/signin?next=/account")).into_response());
    };
    if form.confirm.is_none() {
        let errors = ValidationErrors(vec![FieldError::new(
            "confirm",
            "error.community_delete_confirm",
        )]);
        return account_page(&state, &c, None, errors, false).await;
    }
    state
        .store
        .delete_community_account(member.id, c.site.remove_posts_on_delete)
        .await?;
    let mut response = message(&c, "site.account.deleted", None)?;
    set_cookie(&mut response, c.forget(MEMBER_COOKIE));
    Ok(response)
}
