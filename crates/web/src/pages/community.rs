//! The workbench's Community section (issue 16, staff side): the community site's settings and
//! look, its categories, the charter and its versions, the welcome message, and the week's
//! newcomers — who has not posted yet, and whose first post is waiting for a welcome. The
//! public pages themselves are `jardinier-site`'s.

use askama::Template;
use axum::extract::{Form, State};
use axum::response::Response;
use jardinier_community::{Access, CategoryKind};
use jardinier_domain::Permission;
use jardinier_domain::input::{FieldError, ValidationErrors};
use jardinier_store::{
    CommunityAccount, CommunityCategory, CommunitySite, NewCategory, StoreError,
};
use serde::Deserialize;

use super::{Chrome, audit_in, format_time, redirect, render, render_invalid};
use crate::context::InWorkspace;
use crate::error::WebError;
use crate::{SharedState, unix_now};

pub struct Newcomer {
    pub name: String,
    pub handle: String,
    pub joined: String,
    pub verified: bool,
    /// "first post on …", or None: has not posted yet.
    pub first_post: Option<String>,
}

#[derive(Template)]
#[template(path = "community.html")]
struct CommunityTemplate {
    c: Chrome,
    ws_slug: String,
    site: CommunitySite,
    /// Where members find the community.
    address: String,
    categories: Vec<CommunityCategory>,
    kinds: Vec<(&'static str, &'static str)>,
    accesses: Vec<(&'static str, &'static str)>,
    charter: Option<(i64, String, String, String)>,
    /// The charter's numbered rules in the teammate's language, as moderation cites them.
    rules: Vec<jardinier_community::charter::Rule>,
    newcomers: Vec<Newcomer>,
    silent: usize,
    can_manage: bool,
    errors: ValidationErrors,
    /// The category form as sent, when it had errors.
    category_form: Option<CategoryForm>,
}

fn kind_key(kind: CategoryKind) -> &'static str {
    match kind {
        CategoryKind::Discussion => "community.kind_discussion",
        CategoryKind::Questions => "community.kind_questions",
        CategoryKind::Ideas => "community.kind_ideas",
        CategoryKind::Introductions => "community.kind_introductions",
    }
}

fn access_key(access: Access) -> &'static str {
    match access {
        Access::Everyone => "community.access_everyone",
        Access::Members => "community.access_members",
        Access::Staff => "community.access_staff",
    }
}

/// A site not set up yet: the workspace's name, closed, with nothing written.
fn default_site(w: &InWorkspace) -> CommunitySite {
    CommunitySite {
        workspace_id: w.workspace.id,
        slug: w.workspace.slug.clone(),
        name: w.workspace.name.clone(),
        tagline: String::new(),
        accent: "#2f6f4f".into(),
        host: None,
        open: false,
        welcome_fr: String::new(),
        welcome_en: String::new(),
        remove_posts_on_delete: false,
    }
}

async fn page(
    state: &SharedState,
    w: &InWorkspace,
    errors: ValidationErrors,
    site_form: Option<CommunitySite>,
    category_form: Option<CategoryForm>,
) -> Result<Response, WebError> {
    let id = w.workspace.id;
    let tz = &w.workspace.timezone;
    let tr = w.ctx.tr;
    let site = match site_form {
        Some(site) => site,
        None => state
            .store
            .community_site(id)
            .await?
            .unwrap_or_else(|| default_site(w)),
    };
    let address = match &site.host {
        Some(host) => format!("https://{host}/"),
        None => format!("{}/c/{}/", state.config.base_url, w.workspace.slug),
    };
    let week_ago = unix_now() - 7 * 24 * 3600;
    let accounts: Vec<CommunityAccount> =
        state.store.community_newcomers(id, week_ago, 100).await?;
    let silent = accounts
        .iter()
        .filter(|a| a.first_posted_at.is_none())
        .count();
    let newcomers = accounts
        .into_iter()
        .map(|a| Newcomer {
            joined: format_time(tr, a.created_at, tz),
            first_post: a.first_posted_at.map(|at| format_time(tr, at, tz)),
            verified: a.verified_at.is_some(),
            name: a.display_name,
            handle: a.handle,
        })
        .collect();
    let charter = state.store.community_charter(id).await?.map(|ch| {
        (
            ch.version,
            tr.f(
                "community.charter_version",
                &[
                    ("version", &ch.version.to_string()),
                    ("who", &ch.published_by),
                    ("when", &format_time(tr, ch.published_at, tz)),
                ],
            ),
            ch.body_fr,
            ch.body_en,
        )
    });
    let rules = charter
        .as_ref()
        .map(|(_, _, fr, en)| {
            jardinier_community::charter::rules(match tr.lang {
                jardinier_i18n::Lang::Fr => fr,
                jardinier_i18n::Lang::En => en,
            })
        })
        .unwrap_or_default();
    let invalid = !errors.is_empty();
    let template = CommunityTemplate {
        rules,
        c: Chrome::workspace(w, "community"),
        ws_slug: w.workspace.slug.clone(),
        address,
        site,
        categories: state.store.community_categories(id).await?,
        kinds: CategoryKind::ALL
            .into_iter()
            .map(|k| (k.code(), kind_key(k)))
            .collect(),
        accesses: Access::ALL
            .into_iter()
            .map(|a| (a.code(), access_key(a)))
            .collect(),
        charter,
        newcomers,
        silent,
        can_manage: w.can(Permission::ManageCommunity),
        errors,
        category_form,
    };
    if invalid {
        render_invalid(template)
    } else {
        render(template)
    }
}

pub async fn community_page(
    State(state): State<SharedState>,
    w: InWorkspace,
) -> Result<Response, WebError> {
    w.require(Permission::ViewCommunity)?;
    page(&state, &w, ValidationErrors::default(), None, None).await
}

#[derive(Deserialize)]
pub struct SiteForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    tagline: String,
    #[serde(default)]
    accent: String,
    #[serde(default)]
    host: String,
    #[serde(default)]
    open: Option<String>,
    #[serde(default)]
    welcome_fr: String,
    #[serde(default)]
    welcome_en: String,
    #[serde(default)]
    remove_posts: Option<String>,
}

/// A host name as a browser sends it: letters, digits, dots and hyphens, no scheme or port.
fn host_name(raw: &str) -> Result<Option<String>, FieldError> {
    let host = raw.trim().to_ascii_lowercase();
    if host.is_empty() {
        return Ok(None);
    }
    let valid = host.len() <= 253
        && host.contains('.')
        && host.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        });
    if valid {
        Ok(Some(host))
    } else {
        Err(FieldError::new("host", "error.community_host_invalid"))
    }
}

pub async fn save_site(
    State(state): State<SharedState>,
    w: InWorkspace,
    Form(form): Form<SiteForm>,
) -> Result<Response, WebError> {
    w.require(Permission::ManageCommunity)?;
    let mut errors = ValidationErrors::default();
    let name = errors.check(jardinier_community::text::display_name("name", &form.name));
    let tagline = errors.check(jardinier_community::text::bio("tagline", &form.tagline));
    let host = errors.check(host_name(&form.host));
    let accent = form.accent.trim().to_ascii_lowercase();
    if jardinier_community::safe_colour(&accent) != accent {
        errors.push(FieldError::new("accent", "error.colour_invalid"));
    }
    let site = CommunitySite {
        workspace_id: w.workspace.id,
        slug: w.workspace.slug.clone(),
        name: name.unwrap_or_else(|| form.name.clone()),
        tagline: tagline.unwrap_or_else(|| form.tagline.clone()),
        accent,
        host: host.flatten(),
        open: form.open.is_some(),
        welcome_fr: form.welcome_fr.trim().to_owned(),
        welcome_en: form.welcome_en.trim().to_owned(),
        remove_posts_on_delete: form.remove_posts.is_some(),
    };
    if !errors.is_empty() {
        return page(&state, &w, errors, Some(site), None).await;
    }
    match state.store.put_community_site(&site, unix_now()).await {
        Ok(()) => {}
        Err(StoreError::Conflict { .. }) => {
            let errors =
                ValidationErrors(vec![FieldError::new("host", "error.community_host_taken")]);
            return page(&state, &w, errors, Some(site), None).await;
        }
        Err(other) => return Err(other.into()),
    }
    audit_in(&state, &w, "community_site_saved", &site.name).await?;
    Ok(redirect(&format!(
        "/w/{}/community?done=community_saved",
        w.workspace.slug
    )))
}

#[derive(Deserialize, Clone, Default)]
pub struct CategoryForm {
    #[serde(default)]
    pub id: Option<i64>,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub slug: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub colour: String,
    #[serde(default)]
    pub position: String,
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub read_access: String,
    #[serde(default)]
    pub post_access: String,
}

pub async fn save_category(
    State(state): State<SharedState>,
    w: InWorkspace,
    Form(form): Form<CategoryForm>,
) -> Result<Response, WebError> {
    w.require(Permission::ManageCommunity)?;
    let mut errors = ValidationErrors::default();
    let name = errors.check(jardinier_community::text::title("name", &form.name));
    let slug_source = if form.slug.trim().is_empty() {
        form.name.as_str()
    } else {
        form.slug.as_str()
    };
    let slug = jardinier_community::text::slug(slug_source);
    let description = errors.check(jardinier_community::text::bio(
        "description",
        &form.description,
    ));
    let colour = form.colour.trim().to_ascii_lowercase();
    if jardinier_community::safe_colour(&colour) != colour {
        errors.push(FieldError::new("colour", "error.colour_invalid"));
    }
    let position = form.position.trim().parse::<i64>().unwrap_or(0);
    let kind = CategoryKind::parse(&form.kind);
    let read = Access::parse(&form.read_access);
    let post = Access::parse(&form.post_access);
    if kind.is_none() || read.is_none() || post.is_none() {
        errors.push(FieldError::new("kind", "error.kind_invalid"));
    }
    let (Some(name), Some(description), Some(kind), Some(read), Some(post), true) =
        (name, description, kind, read, post, errors.is_empty())
    else {
        return page(&state, &w, errors, None, Some(form)).await;
    };
    let category = NewCategory {
        slug: &slug,
        name: &name,
        description: &description,
        colour: &colour,
        position,
        kind: kind.code(),
        read_access: read.code(),
        post_access: post.code(),
    };
    let saved = match form.id {
        Some(id) => state
            .store
            .update_community_category(w.workspace.id, id, &category)
            .await
            .map(|_| id),
        None => {
            state
                .store
                .create_community_category(w.workspace.id, &category)
                .await
        }
    };
    match saved {
        Ok(_) => {}
        Err(StoreError::Conflict { .. }) => {
            let errors =
                ValidationErrors(vec![FieldError::new("slug", "error.community_slug_taken")]);
            return page(&state, &w, errors, None, Some(form)).await;
        }
        Err(other) => return Err(other.into()),
    }
    audit_in(&state, &w, "community_category_saved", &name).await?;
    Ok(redirect(&format!(
        "/w/{}/community?done=community_category_saved#categories",
        w.workspace.slug
    )))
}

#[derive(Deserialize)]
pub struct CharterForm {
    #[serde(default)]
    body_fr: String,
    #[serde(default)]
    body_en: String,
}

pub async fn publish_charter(
    State(state): State<SharedState>,
    w: InWorkspace,
    Form(form): Form<CharterForm>,
) -> Result<Response, WebError> {
    w.require(Permission::ManageCommunity)?;
    let mut errors = ValidationErrors::default();
    let fr = errors.check(jardinier_community::text::body("body_fr", &form.body_fr));
    let en = errors.check(jardinier_community::text::body("body_en", &form.body_en));
    let (Some(fr), Some(en)) = (fr, en) else {
        return page(&state, &w, errors, None, None).await;
    };
    let version = state
        .store
        .publish_community_charter(w.workspace.id, &fr, &en, &w.user.display_name, unix_now())
        .await?;
    audit_in(
        &state,
        &w,
        "community_charter_published",
        &version.to_string(),
    )
    .await?;
    Ok(redirect(&format!(
        "/w/{}/community?done=community_charter_published#charter",
        w.workspace.slug
    )))
}

pub fn routes() -> axum::Router<SharedState> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route("/w/{slug}/community", get(community_page))
        .route(
            "/w/{slug}/community/figures",
            get(super::community_figures::figures_page),
        )
        .route(
            "/w/{slug}/community/export.json",
            get(super::community_export::export),
        )
        .route(
            "/w/{slug}/community/archive.zip",
            get(super::community_export::static_archive),
        )
        .route(
            "/w/{slug}/community/moderation",
            get(super::moderation::moderation_page),
        )
        .route(
            "/w/{slug}/community/moderation/{item}",
            post(super::moderation::decide),
        )
        .route(
            "/w/{slug}/community/moderation/{item}/sanction",
            post(super::moderation::sanction),
        )
        .route(
            "/w/{slug}/community/moderation/watched",
            post(super::moderation::watch),
        )
        .route(
            "/w/{slug}/community/moderation/watched/{id}/delete",
            post(super::moderation::unwatch),
        )
        .route("/w/{slug}/community/site", post(save_site))
        .route("/w/{slug}/community/categories", post(save_category))
        .route("/w/{slug}/community/charter", post(publish_charter))
}
