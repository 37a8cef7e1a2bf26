//! The community's images (issue 16, items 3 and 4): what was uploaded, by whom, and members'
//! avatars. The bytes are files in the media folder, written by the site before the row; the
//! checks (kind by content, size, metadata removed) are `jardinier_community::images`'.

use async_trait::async_trait;

use crate::Result;

/// An uploaded image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommunityImage {
    pub id: i64,
    pub workspace_id: i64,
    pub sha256: String,
    pub extension: String,
    pub content_type: String,
    pub size: i64,
    pub width: i64,
    pub height: i64,
    /// The name it had on the sender's device (shown as text only).
    pub filename: String,
    pub account_id: Option<i64>,
    pub user_id: Option<i64>,
    pub created_at: i64,
}

impl CommunityImage {
    /// `{sha256}.{extension}`: its name in the media folder and in its address.
    pub fn file(&self) -> String {
        format!("{}.{}", self.sha256, self.extension)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCommunityImage<'a> {
    pub workspace_id: i64,
    pub sha256: &'a str,
    pub extension: &'a str,
    pub content_type: &'a str,
    pub size: i64,
    pub width: i64,
    pub height: i64,
    pub filename: &'a str,
    pub account_id: Option<i64>,
    pub user_id: Option<i64>,
    pub now: i64,
}

#[async_trait]
pub trait CommunityImageStore {
    async fn add_community_image(&self, image: &NewCommunityImage<'_>) -> Result<CommunityImage>;
    /// The image of this file in the workspace (the first upload of those bytes), if any.
    async fn community_image(
        &self,
        workspace_id: i64,
        sha256: &str,
        extension: &str,
    ) -> Result<Option<CommunityImage>>;
    /// The images a member sent, newest first (their data export).
    async fn community_images_of(&self, account_id: i64) -> Result<Vec<CommunityImage>>;
    /// Sets (or, with `None`, removes) a member's avatar: `{sha256}.{extension}` of one of the
    /// workspace's images.
    async fn set_community_avatar(&self, account_id: i64, file: Option<&str>) -> Result<()>;
    /// Every file the workspace's images and avatars use (what the media folder must keep).
    async fn community_image_files(&self, workspace_id: i64) -> Result<Vec<String>>;
}
