//! The media library: images and videos uploaded once, kept on local disk under the media
//! folder (named by their SHA-256, so a file is stored once per workspace), each with the
//! description people who cannot see it will hear (alt text); served back to the team only.

use askama::Template;
use axum::extract::{Multipart, Path, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use jardinier_domain::Permission;
use jardinier_store::NewMedia;
use serde::Deserialize;
use sha2::{Digest, Sha256};

use super::{Chrome, redirect, render};
use crate::context::InWorkspace;
use crate::error::WebError;
use crate::{SharedState, unix_now};

/// The kinds of file the library takes (what the networks take).
pub const ACCEPTED: [&str; 7] = [
    "image/jpeg",
    "image/png",
    "image/gif",
    "image/webp",
    "video/mp4",
    "video/quicktime",
    "video/webm",
];

pub struct MediaLine {
    pub id: i64,
    pub filename: String,
    pub content_type: String,
    pub video: bool,
    pub size: String,
    pub dimensions: String,
    pub alt: String,
}

#[derive(Template)]
#[template(path = "publishing_media.html")]
struct MediaTemplate {
    c: Chrome,
    ws_slug: String,
    media: Vec<MediaLine>,
    may_publish: bool,
    max_mb: usize,
    error: Option<String>,
}

pub fn size_text(bytes: i64) -> String {
    if bytes >= 1_000_000 {
        format!("{:.1} MB", bytes as f64 / 1_000_000.0)
    } else {
        format!("{} kB", (bytes + 999) / 1_000)
    }
}

pub fn lines(media: Vec<jardinier_store::Media>) -> Vec<MediaLine> {
    media
        .into_iter()
        .map(|m| MediaLine {
            video: m.is_video(),
            size: size_text(m.size),
            dimensions: match (m.width, m.height) {
                (Some(w), Some(h)) => format!("{w} × {h}"),
                _ => String::new(),
            },
            id: m.id,
            filename: m.filename,
            content_type: m.content_type,
            alt: m.alt,
        })
        .collect()
}

async fn page(
    state: &SharedState,
    w: &InWorkspace,
    error: Option<String>,
) -> Result<Response, WebError> {
    let media = state.store.media_library(w.workspace.id, 200).await?;
    let template = MediaTemplate {
        c: Chrome::workspace(w, "publishing"),
        ws_slug: w.workspace.slug.clone(),
        media: lines(media),
        may_publish: w.role.can(Permission::Publish),
        max_mb: state.config.max_upload_bytes / (1024 * 1024),
        error,
    };
    if template.error.is_some() {
        super::render_invalid(template)
    } else {
        render(template)
    }
}

pub async fn library(
    State(state): State<SharedState>,
    w: InWorkspace,
) -> Result<Response, WebError> {
    w.require(Permission::ViewPublishing)?;
    page(&state, &w, None).await
}

/// Takes the files of the form (`file`, repeated) with one description (`alt`) for them.
pub async fn upload(
    State(state): State<SharedState>,
    w: InWorkspace,
    mut form: Multipart,
) -> Result<Response, WebError> {
    w.require(Permission::Publish)?;
    let tr = w.ctx.tr;
    let mut files: Vec<(String, Vec<u8>)> = Vec::new();
    let mut alt = String::new();
    loop {
        let field = match form.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(_) => {
                return page(&state, &w, Some(tr.t("media.upload_broken").to_owned())).await;
            }
        };
        match field.name() {
            Some("alt") => alt = field.text().await.unwrap_or_default().trim().to_owned(),
            Some("file") => {
                let name = field.file_name().unwrap_or("file").to_owned();
                match field.bytes().await {
                    Ok(bytes) if !bytes.is_empty() => files.push((name, bytes.to_vec())),
                    Ok(_) => {}
                    Err(_) => {
                        return page(
                            &state,
                            &w,
                            Some(tr.f(
                                "media.too_big",
                                &[(
                                    "max",
                                    &(state.config.max_upload_bytes / (1024 * 1024)).to_string(),
                                )],
                            )),
                        )
                        .await;
                    }
                }
            }
            _ => {}
        }
    }
    if files.is_empty() {
        return page(&state, &w, Some(tr.t("media.no_file").to_owned())).await;
    }
    // Every file is checked before any is kept.
    let mut checked = Vec::new();
    for (name, bytes) in files {
        match Checked::read(name, bytes) {
            Ok(file) => checked.push(file),
            Err(name) => {
                return page(
                    &state,
                    &w,
                    Some(tr.f("media.not_accepted", &[("name", &name)])),
                )
                .await;
            }
        }
    }
    for file in checked {
        keep(&state, w.workspace.id, file, &alt).await?;
    }
    Ok(redirect(&format!(
        "/w/{}/publishing/media?done=media_saved",
        w.workspace.slug
    )))
}

/// A file whose kind is read from its bytes (never from its name or the type the client sent)
/// and is one the networks take.
pub struct Checked {
    name: String,
    bytes: Vec<u8>,
    kind: &'static str,
    dimensions: Option<imagesize::ImageSize>,
    sha: String,
}

impl Checked {
    /// The file, or its name back when its bytes are not an accepted image or video.
    pub fn read(name: String, bytes: Vec<u8>) -> Result<Checked, String> {
        let kind = infer::get(&bytes).map(|k| k.mime_type()).unwrap_or("");
        if !ACCEPTED.contains(&kind) {
            return Err(name);
        }
        Ok(Checked {
            dimensions: imagesize::blob_size(&bytes).ok(),
            sha: hex::encode(Sha256::digest(&bytes)),
            name,
            bytes,
            kind,
        })
    }
}

/// Keeps a checked file in the workspace's library: its bytes under their hash in the media
/// folder (once, however often it is uploaded), its record with the description.
pub async fn keep(
    state: &SharedState,
    workspace_id: i64,
    file: Checked,
    alt: &str,
) -> Result<jardinier_store::Media, WebError> {
    let folder = state.config.media_dir.join(workspace_id.to_string());
    tokio::fs::create_dir_all(&folder).await.map_err(storage)?;
    let path = folder.join(&file.sha);
    if tokio::fs::metadata(&path).await.is_err() {
        // Written whole, then renamed: a stop mid-write leaves no half file under its name.
        let partial = folder.join(format!("{}.partial", file.sha));
        tokio::fs::write(&partial, &file.bytes)
            .await
            .map_err(storage)?;
        tokio::fs::rename(&partial, &path).await.map_err(storage)?;
    }
    Ok(state
        .store
        .add_media(&NewMedia {
            workspace_id,
            sha256: &file.sha,
            filename: &file.name.chars().take(200).collect::<String>(),
            content_type: file.kind,
            size: file.bytes.len() as i64,
            width: file.dimensions.map(|d| d.width as i64),
            height: file.dimensions.map(|d| d.height as i64),
            alt: &alt.trim().chars().take(2_000).collect::<String>(),
            now: unix_now(),
        })
        .await?)
}

fn storage(error: std::io::Error) -> WebError {
    WebError::Internal(anyhow::anyhow!(
        "the media folder could not be written: {error}"
    ))
}

#[derive(Deserialize)]
pub struct AltForm {
    #[serde(default)]
    alt: String,
}

pub async fn set_alt(
    State(state): State<SharedState>,
    w: InWorkspace,
    Path((_slug, id)): Path<(String, i64)>,
    axum::extract::Form(form): axum::extract::Form<AltForm>,
) -> Result<Response, WebError> {
    w.require(Permission::Publish)?;
    let alt: String = form.alt.trim().chars().take(2_000).collect();
    state.store.set_media_alt(w.workspace.id, id, &alt).await?;
    Ok(redirect(&format!(
        "/w/{}/publishing/media?done=media_saved",
        w.workspace.slug
    )))
}

/// A file of the library, for the team's pages.
pub async fn file(
    State(state): State<SharedState>,
    w: InWorkspace,
    Path((_slug, id)): Path<(String, i64)>,
) -> Result<Response, WebError> {
    w.require(Permission::ViewPublishing)?;
    let Some(media) = state.store.media(w.workspace.id, id).await? else {
        return Err(WebError::NotFound);
    };
    file_response(&state, &media, Some("private, max-age=86400, immutable")).await
}

/// A library file's bytes with its type (and the given caching); not found when the file is
/// missing from the media folder.
pub async fn file_response(
    state: &SharedState,
    media: &jardinier_store::Media,
    cache: Option<&'static str>,
) -> Result<Response, WebError> {
    let bytes = tokio::fs::read(state.config.media_dir.join(media.relative_path()))
        .await
        .map_err(|_| WebError::NotFound)?;
    let mut response = bytes.into_response();
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(&media.content_type) {
        headers.insert(header::CONTENT_TYPE, value);
    }
    if let Some(cache) = cache {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    }
    Ok(response)
}
