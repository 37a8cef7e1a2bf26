//! Images in posts and members' avatars (issue 16, items 3 and 4).
//!
//! An upload is checked and stripped of its metadata by `jardinier_community::images`, written
//! whole under its hash in the media folder (`community/{workspace}/{sha256}.{ext}`, renamed
//! into place so a stop mid-write leaves no half file), then recorded. A post refers to it as
//! `upload://{sha256}.{ext}` (as Discourse does); the Markdown renderer turns that into the
//! community's address of the file, whichever host serves it.
//!
//! Without JavaScript the composer links to a small upload page that gives the line to paste;
//! with it, `site.js` sends the file from the composer and puts the line at the cursor.

use std::path::{Path as FsPath, PathBuf};

use askama::Template;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Json, Redirect, Response};
use jardinier_community::images::{self, Clean, ImageRefusal};
use jardinier_community::{Access, TopicState};
use jardinier_store::{CommunityImage, NewCommunityImage, Store};
use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::account::AvatarNote;
use crate::context::SiteCtx;
use crate::error::SiteError;
use crate::pages::render;
use crate::{SharedSite, unix_now};

/// The folder of a workspace's community images.
fn folder(media_dir: &FsPath, workspace_id: i64) -> PathBuf {
    media_dir.join("community").join(workspace_id.to_string())
}

pub use jardinier_community::images::upload_file as parse_file;

/// What a member sent: the file's bytes and name, and the text for people who cannot see it.
struct Sent {
    bytes: Vec<u8>,
    filename: String,
    alt: String,
    next: String,
    /// The avatar form's "remove" button.
    remove: bool,
}

async fn read_form(mut form: Multipart, file_field: &str) -> Result<Sent, ImageRefusal> {
    let mut sent = Sent {
        bytes: Vec::new(),
        filename: String::new(),
        alt: String::new(),
        next: String::new(),
        remove: false,
    };
    loop {
        let field = match form.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            // A body cut short or over the limit.
            Err(_) => {
                return Err(ImageRefusal::TooHeavy {
                    max_mb: images::MAX_BYTES / (1024 * 1024),
                });
            }
        };
        match field.name() {
            Some(name) if name == file_field => {
                sent.filename = jardinier_community::text::one_line_max(
                    field.file_name().unwrap_or("image"),
                    200,
                );
                sent.bytes = field
                    .bytes()
                    .await
                    .map_err(|_| ImageRefusal::TooHeavy {
                        max_mb: images::MAX_BYTES / (1024 * 1024),
                    })?
                    .to_vec();
            }
            Some("alt") => {
                let text = field.text().await.unwrap_or_default();
                sent.alt = jardinier_community::text::one_line_max(&text, 300);
            }
            Some("next") => sent.next = field.text().await.unwrap_or_default(),
            Some("remove") => sent.remove = true,
            _ => {}
        }
    }
    Ok(sent)
}

/// Writes the cleaned file (once per content) and records who sent it.
async fn keep(
    state: &SharedSite,
    c: &SiteCtx,
    clean: Clean,
    filename: &str,
) -> Result<CommunityImage, SiteError> {
    let sha = hex::encode(Sha256::digest(&clean.bytes));
    let extension = clean.kind.extension();
    let dir = folder(&state.config.media_dir, c.site.workspace_id);
    let path = dir.join(format!("{sha}.{extension}"));
    if tokio::fs::metadata(&path).await.is_err() {
        tokio::fs::create_dir_all(&dir).await.map_err(storage)?;
        let partial = dir.join(format!("{sha}.{extension}.partial"));
        tokio::fs::write(&partial, &clean.bytes)
            .await
            .map_err(storage)?;
        tokio::fs::rename(&partial, &path).await.map_err(storage)?;
    }
    let (account_id, user_id) = crate::write::authors(c);
    Ok(state
        .store
        .add_community_image(&NewCommunityImage {
            workspace_id: c.site.workspace_id,
            sha256: &sha,
            extension,
            content_type: clean.kind.mime(),
            size: clean.bytes.len() as i64,
            width: clean.width as i64,
            height: clean.height as i64,
            filename,
            account_id,
            user_id,
            now: unix_now(),
        })
        .await?)
}

fn storage(error: std::io::Error) -> SiteError {
    SiteError::Internal(anyhow::anyhow!(
        "the media folder could not be written: {error}"
    ))
}

/// The refusal in the member's words.
fn refusal_text(c: &SiteCtx, refusal: &ImageRefusal) -> String {
    match refusal {
        ImageRefusal::Empty => c.tr.t("site.image.empty").to_owned(),
        ImageRefusal::TooHeavy { max_mb } => {
            c.tr.f("site.image.too_heavy", &[("max", &max_mb.to_string())])
        }
        ImageRefusal::NotAnImage => c.tr.t("site.image.not_an_image").to_owned(),
        ImageRefusal::Broken => c.tr.t("site.image.broken").to_owned(),
        ImageRefusal::TooLarge { max } => c.tr.f(
            "site.image.too_large",
            &[("max", &c.tr.number(*max as i64))],
        ),
    }
}

/// Uploads in a minute by one member (a burst, then one every six seconds).
pub const UPLOADS_PER_MINUTE: u32 = 10;

fn may_upload(state: &SharedSite, c: &SiteCtx) -> Result<(), String> {
    if let Err(refusal) =
        jardinier_community::may_post(Access::Members, c.viewer(), TopicState::default())
    {
        return Err(c
            .tr
            .t(&format!("{}.text", crate::pages::refusal_key(refusal)))
            .to_owned());
    }
    let who = match (&c.staff, &c.member) {
        (Some((user, _)), _) => format!("user:{user}"),
        (None, Some(member)) => format!("account:{}", member.id),
        _ => c.client_ip.clone(),
    };
    crate::account::limited(&state.uploads, &who).map_err(|wait| {
        c.tr.f("site.image.too_many", &[("seconds", &wait.to_string())])
    })
}

#[derive(Template)]
#[template(path = "image.html")]
struct ImagePage<'a> {
    c: &'a SiteCtx,
    /// The line to paste, and the image's address, once sent.
    sent: Option<(String, String)>,
    error: Option<String>,
    next: String,
    max_mb: usize,
}

#[derive(Deserialize)]
pub struct NextQuery {
    #[serde(default)]
    next: String,
}

/// `next` when it is a path of this community.
fn inside(next: &str) -> String {
    if next.starts_with('/') && !next.starts_with("//") && !next.contains('\\') {
        next.to_owned()
    } else {
        String::new()
    }
}

/// The upload page (for writers without JavaScript).
pub async fn form(
    State(state): State<SharedSite>,
    c: SiteCtx,
    Query(q): Query<NextQuery>,
) -> Result<Response, SiteError> {
    if c.member.is_none() && c.staff.is_none() {
        return Ok(Redirect::to(&c.href(&format!("/signin?next={}", c.here()))).into_response());
    }
    let _ = &state;
    render(ImagePage {
        next: inside(&q.next),
        c: &c,
        sent: None,
        error: None,
        max_mb: images::MAX_BYTES / (1024 * 1024),
    })
}

fn wants_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("application/json"))
}

/// Takes an image for a post: JSON (`markdown`, `url`) for the composer's script, the upload
/// page otherwise. A refusal says why, in the member's language (422), and keeps nothing.
pub async fn upload(
    State(state): State<SharedSite>,
    c: SiteCtx,
    headers: HeaderMap,
    form: Multipart,
) -> Result<Response, SiteError> {
    let json = wants_json(&headers);
    let answer = |error: String, next: String| -> Result<Response, SiteError> {
        if json {
            return Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                Json(serde_json::json!({ "error": error })),
            )
                .into_response());
        }
        let page = render(ImagePage {
            c: &c,
            sent: None,
            error: Some(error),
            next,
            max_mb: images::MAX_BYTES / (1024 * 1024),
        })?;
        Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
    };
    if let Err(error) = may_upload(&state, &c) {
        return answer(error, String::new());
    }
    let sent = match read_form(form, "image").await {
        Ok(sent) => sent,
        Err(refusal) => return answer(refusal_text(&c, &refusal), String::new()),
    };
    let next = inside(&sent.next);
    let clean = match images::clean(&sent.bytes) {
        Ok(clean) => clean,
        Err(refusal) => return answer(refusal_text(&c, &refusal), next),
    };
    let image = keep(&state, &c, clean, &sent.filename).await?;
    let alt = if sent.alt.is_empty() {
        alt_from_name(&sent.filename)
    } else {
        sent.alt.clone()
    };
    let markdown = format!(
        "![{}](upload://{})",
        jardinier_community::markup::escape_inline(&alt),
        image.file()
    );
    let url = c.href(&format!("/images/{}", image.file()));
    if json {
        return Ok(Json(serde_json::json!({ "markdown": markdown, "url": url })).into_response());
    }
    render(ImagePage {
        c: &c,
        sent: Some((markdown, url)),
        error: None,
        next,
        max_mb: images::MAX_BYTES / (1024 * 1024),
    })
}

/// "IMG_2024-café.jpg" → "IMG 2024 café": a description until the writer gives one.
fn alt_from_name(filename: &str) -> String {
    let stem = filename.rsplit_once('.').map_or(filename, |(stem, _)| stem);
    let words: Vec<&str> = stem
        .split(|c: char| c == '_' || c == '-' || c.is_whitespace())
        .filter(|w| !w.is_empty())
        .collect();
    words.join(" ")
}

/// An image of the community, to anyone who has its address (a hash nobody guesses).
pub async fn file(
    State(state): State<SharedSite>,
    c: SiteCtx,
    Path((_workspace, file)): Path<(String, String)>,
) -> Result<Response, SiteError> {
    let Some((sha, kind)) = parse_file(&file) else {
        return Err(SiteError::NotFound);
    };
    if state
        .store
        .community_image(c.site.workspace_id, sha, kind.extension())
        .await?
        .is_none()
    {
        return Err(SiteError::NotFound);
    }
    let path = folder(&state.config.media_dir, c.site.workspace_id).join(&file);
    let bytes = tokio::fs::read(path)
        .await
        .map_err(|_| SiteError::NotFound)?;
    let mut response = bytes.into_response();
    let h = response.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(kind.mime()));
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=31536000, immutable"),
    );
    // Shown, never run: a browser that sniffed would still find an image.
    h.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_static("inline"),
    );
    Ok(response)
}

/// A member's avatar: a new image, or `remove`.
pub async fn avatar(
    State(state): State<SharedSite>,
    c: SiteCtx,
    form: Multipart,
) -> Result<Response, SiteError> {
    let Some(member) = c.member.clone() else {
        return Ok(Redirect::to(&c.href("/signin?next=%2Faccount")).into_response());
    };
    let back = |done: &str| Redirect::to(&c.href(&format!("/account?done={done}"))).into_response();
    let refused = |refusal: ImageRefusal| AvatarNote::Refused(refusal_text(&c, &refusal));
    let sent = match read_form(form, "avatar").await {
        Ok(sent) => sent,
        Err(refusal) => return crate::account::avatar_page(&state, &c, refused(refusal)).await,
    };
    // `remove` comes alone, from its own button.
    if sent.remove {
        state.store.set_community_avatar(member.id, None).await?;
        return Ok(back("avatar_removed"));
    }
    let clean = match images::clean(&sent.bytes) {
        Ok(clean) => clean,
        Err(refusal) => return crate::account::avatar_page(&state, &c, refused(refusal)).await,
    };
    if let Err(error) = may_upload(&state, &c) {
        return crate::account::avatar_page(&state, &c, AvatarNote::Refused(error)).await;
    }
    let image = keep(&state, &c, clean, &sent.filename).await?;
    state
        .store
        .set_community_avatar(member.id, Some(&image.file()))
        .await?;
    Ok(back("avatar_saved"))
}

/// Removes from the media folder the files no image or avatar uses any more (an account
/// deleted with its posts): run when the server starts, so no upload is between its file and
/// its row. Files changed in the last hour are left.
pub async fn sweep(store: &dyn Store, media_dir: &FsPath) -> anyhow::Result<usize> {
    let root = media_dir.join("community");
    let Ok(mut workspaces) = tokio::fs::read_dir(&root).await else {
        return Ok(0);
    };
    let mut removed = 0;
    while let Some(entry) = workspaces.next_entry().await? {
        let Some(workspace_id) = entry
            .file_name()
            .to_str()
            .and_then(|n| n.parse::<i64>().ok())
        else {
            continue;
        };
        let used: std::collections::HashSet<String> = store
            .community_image_files(workspace_id)
            .await?
            .into_iter()
            .collect();
        let mut files = tokio::fs::read_dir(entry.path()).await?;
        while let Some(file) = files.next_entry().await? {
            let name = file.file_name().to_string_lossy().into_owned();
            let recent = file
                .metadata()
                .await
                .ok()
                .and_then(|m| m.modified().ok())
                .and_then(|t| t.elapsed().ok())
                .is_none_or(|age| age.as_secs() < 3600);
            if !used.contains(&name) && !recent {
                tokio::fs::remove_file(file.path()).await?;
                removed += 1;
            }
        }
    }
    Ok(removed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upload_names_are_hashes_with_a_known_extension() {
        let sha = "a".repeat(64);
        assert!(parse_file(&format!("{sha}.jpg")).is_some());
        assert!(parse_file(&format!("{sha}.svg")).is_none());
        assert!(parse_file(&format!("{}.png", "A".repeat(64))).is_none());
        assert!(parse_file("../../etc/passwd.png").is_none());
        assert!(parse_file(&format!("{sha}.png.partial")).is_none());
    }

    #[test]
    fn a_file_name_becomes_a_description() {
        assert_eq!(alt_from_name("IMG_2024-café.jpg"), "IMG 2024 café");
        assert_eq!(alt_from_name("plain"), "plain");
    }
}
