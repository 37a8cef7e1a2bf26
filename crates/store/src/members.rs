//! Storage for members: profiles, their identities, tags, custom fields, notes, merges (and
//! their undoing), and the personal-data requests (export, erasure).

use async_trait::async_trait;
use jardinier_members::{Identity, Profile};

use crate::Result;
use crate::inbox::Conversation;
use crate::listening::StoredItem;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    pub id: i64,
    pub workspace_id: i64,
    pub display_name: String,
    /// Custom fields, by name.
    pub fields: Vec<(String, String)>,
    pub created_at: i64,
    pub updated_at: i64,
    /// Set when this profile was merged into another one.
    pub merged_into: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredIdentity {
    pub id: i64,
    pub identity: Identity,
    pub created_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberNote {
    pub id: i64,
    pub author: Option<String>,
    pub body: String,
    pub at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MergeRecord {
    pub id: i64,
    pub kept_id: i64,
    pub absorbed_id: i64,
    pub absorbed_name: String,
    /// same_verified_identity, by_hand, or a likeness (`jardinier_members::Likeness`).
    pub reason: String,
    pub confidence: i64,
    pub actor: Option<String>,
    pub at: i64,
    pub undone_at: Option<i64>,
}

/// A member for lists: the profile and its identities.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonRow {
    pub person: Person,
    pub identities: Vec<StoredIdentity>,
    pub tags: Vec<String>,
}

/// Everything a profile page shows.
#[derive(Debug, Clone)]
pub struct PersonProfile {
    pub row: PersonRow,
    pub notes: Vec<MemberNote>,
    /// Merges into this profile, newest first.
    pub merges: Vec<MergeRecord>,
    pub conversations: Vec<Conversation>,
    /// Their mentions, newest first (at most 200).
    pub items: Vec<StoredItem>,
}

/// Two profiles found to be one person: `absorb`'s identities, notes, tags, fields and
/// conversations go to `keep`.
#[derive(Debug, Clone, Copy)]
pub struct Merge<'a> {
    pub workspace_id: i64,
    pub keep: i64,
    pub absorb: i64,
    /// same_verified_identity, or a likeness a person confirmed (`jardinier_members::Likeness`).
    pub reason: &'a str,
    /// 0–100.
    pub confidence: i64,
    pub actor_id: Option<i64>,
    pub now: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AddIdentity {
    Added,
    AlreadyThere,
    /// The identity was another profile's and one of them is verified: the same person, merged.
    Merged {
        merge_id: i64,
        other: i64,
    },
    /// Another profile has it, unverified: a person decides.
    BelongsTo {
        other: i64,
    },
}

/// What an erasure removed (counts only: the audit record keeps no identifier).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Erasure {
    pub profiles: i64,
    pub identities: i64,
    pub items: i64,
    pub conversations: i64,
    /// Community accounts deleted, with their posts (issue 16).
    pub community_accounts: i64,
}

#[async_trait]
pub trait MemberStore: Send + Sync {
    /// Profiles of the workspace (not merged away), by name; `search` matches names and
    /// identities (case-insensitive, anywhere).
    async fn people(
        &self,
        workspace_id: i64,
        search: Option<&str>,
        limit: i64,
    ) -> Result<Vec<PersonRow>>;
    /// Profiles (merged ones left out) with an id above `after_id`, by id: the API's pages,
    /// which new profiles never shift.
    async fn people_after(
        &self,
        workspace_id: i64,
        search: Option<&str>,
        after_id: i64,
        limit: i64,
    ) -> Result<Vec<PersonRow>>;
    async fn person(&self, workspace_id: i64, id: i64) -> Result<Option<PersonProfile>>;
    /// A profile created by hand.
    async fn create_person(&self, workspace_id: i64, name: &str, now: i64) -> Result<Person>;
    async fn update_person(
        &self,
        workspace_id: i64,
        id: i64,
        name: &str,
        tags: &[String],
        fields: &[(String, String)],
        now: i64,
    ) -> Result<()>;
    async fn add_person_note(
        &self,
        workspace_id: i64,
        id: i64,
        author_id: i64,
        body: &str,
        now: i64,
    ) -> Result<()>;
    async fn add_identity(
        &self,
        workspace_id: i64,
        member_id: i64,
        identity: &Identity,
        actor_id: Option<i64>,
        now: i64,
    ) -> Result<AddIdentity>;
    async fn remove_identity(
        &self,
        workspace_id: i64,
        member_id: i64,
        identity_id: i64,
    ) -> Result<()>;
    /// Moves everything of `absorb` to `keep`; returns the merge's id.
    async fn merge_members(&self, merge: &Merge<'_>) -> Result<i64>;
    /// Puts back what the merge moved; returns the profile that was absorbed.
    async fn undo_merge(
        &self,
        workspace_id: i64,
        merge_id: i64,
        actor_id: i64,
        now: i64,
    ) -> Result<i64>;
    /// Every profile with its identities (for merge suggestions), and the pairs people
    /// separated by undoing a merge.
    async fn member_profiles(&self, workspace_id: i64) -> Result<(Vec<Profile>, Vec<(i64, i64)>)>;
    /// The tags of the profile an item's author has (by the identity the item carries).
    async fn author_tags(
        &self,
        workspace_id: i64,
        source_kind: &str,
        author_handle: Option<&str>,
    ) -> Result<Vec<String>>;
    /// Everything stored about the person, for a personal-data request (JSON).
    async fn export_member(&self, workspace_id: i64, id: i64) -> Result<Option<serde_json::Value>>;
    /// Erases the person: profile(s), identities, notes, their mentions (with their archive
    /// terms), conversations with them and what was written to them; their identifiers are
    /// scrubbed from what others wrote and from alert and mail records. One audit record,
    /// without identifiers.
    async fn erase_member(
        &self,
        workspace_id: i64,
        id: i64,
        actor_id: i64,
        now: i64,
    ) -> Result<Erasure>;
}
