//! [`MemberStore`] for [`SqlStore`].

use async_trait::async_trait;
use jardinier_members::{Identity, IdentityKind, Profile, identity_of};
use serde_json::{Value, json};
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::Result;
use crate::error::StoreError;
use crate::members::*;
use crate::sql::SqlStore;
use crate::sql_inbox::Tx;

/// The profile of an item's author: found by the identity the item carries, or created with
/// it. `None` when the item names no author.
pub(crate) async fn member_for_author(
    tx: &mut Tx,
    workspace_id: i64,
    source_kind: &str,
    author_name: Option<&str>,
    author_handle: Option<&str>,
    now: i64,
) -> Result<Option<i64>> {
    let Some(identity) = identity_of(source_kind, author_handle) else {
        return Ok(None);
    };
    let existing: Option<i64> = sqlx::query_scalar(
        "SELECT member_id FROM member_identities WHERE workspace_id = $1 AND kind = $2 AND value = $3",
    )
    .bind(workspace_id)
    .bind(identity.kind.as_str())
    .bind(&identity.value)
    .fetch_optional(&mut **tx)
    .await?;
    if let Some(member) = existing {
        return Ok(Some(member));
    }
    // A member of the brand's community whose confirmed address a profile already has: that
    // profile, which gains the community identity (issue 16, item 10).
    if identity.kind == IdentityKind::Community {
        let email: Option<String> = sqlx::query_scalar(
            "SELECT email FROM community_accounts WHERE workspace_id = $1 \
             AND '@' || handle = $2 AND verified_at IS NOT NULL",
        )
        .bind(workspace_id)
        .bind(&identity.value)
        .fetch_optional(&mut **tx)
        .await?;
        if let Some(email) = email {
            let member: Option<i64> = sqlx::query_scalar(
                "SELECT i.member_id FROM member_identities i JOIN members m ON m.id = i.member_id \
                 WHERE i.workspace_id = $1 AND i.kind = 'email' AND LOWER(i.value) = LOWER($2) \
                 AND m.merged_into IS NULL ORDER BY i.member_id LIMIT 1",
            )
            .bind(workspace_id)
            .bind(&email)
            .fetch_optional(&mut **tx)
            .await?;
            if let Some(member) = member {
                insert_identity(tx, workspace_id, member, &identity, now).await?;
                return Ok(Some(member));
            }
        }
    }
    let name = author_name
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .unwrap_or(&identity.value);
    let member: i64 = sqlx::query_scalar(
        "INSERT INTO members (workspace_id, display_name, fields, created_at, updated_at) \
         VALUES ($1, $2, '{}', $3, $3) RETURNING id",
    )
    .bind(workspace_id)
    .bind(name)
    .bind(now)
    .fetch_one(&mut **tx)
    .await?;
    insert_identity(tx, workspace_id, member, &identity, now).await?;
    Ok(Some(member))
}

async fn insert_identity(
    tx: &mut Tx,
    workspace_id: i64,
    member: i64,
    identity: &Identity,
    now: i64,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO member_identities (workspace_id, member_id, kind, value, verified, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(workspace_id)
    .bind(member)
    .bind(identity.kind.as_str())
    .bind(&identity.value)
    .bind(i64::from(identity.verified))
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

fn member_row(row: &AnyRow) -> Result<Person> {
    let fields: String = row.try_get("fields")?;
    let fields: serde_json::Map<String, Value> = serde_json::from_str(&fields).unwrap_or_default();
    Ok(Person {
        id: row.try_get("id")?,
        workspace_id: row.try_get("workspace_id")?,
        display_name: row.try_get("display_name")?,
        fields: fields
            .into_iter()
            .map(|(k, v)| (k, v.as_str().unwrap_or_default().to_owned()))
            .collect(),
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
        merged_into: row.try_get("merged_into")?,
    })
}

fn identity_row(row: &AnyRow) -> Result<StoredIdentity> {
    let kind: String = row.try_get("kind")?;
    Ok(StoredIdentity {
        id: row.try_get("id")?,
        identity: Identity {
            kind: IdentityKind::parse(&kind)
                .ok_or_else(|| StoreError::Corrupt(format!("identity kind {kind:?}")))?,
            value: row.try_get("value")?,
            verified: row.try_get::<i64, _>("verified")? != 0,
        },
        created_at: row.try_get("created_at")?,
    })
}

const MEMBER_COLS: &str =
    "id, workspace_id, display_name, fields, created_at, updated_at, merged_into";

/// What a merge moved, to put it back.
#[derive(serde::Serialize, serde::Deserialize, Default)]
struct Moved {
    identities: Vec<i64>,
    notes: Vec<i64>,
    conversations: Vec<i64>,
    /// The absorbed profile's tags (removed from it), and those that were new to the kept one.
    tags: Vec<String>,
    tags_added: Vec<String>,
    fields_added: Vec<String>,
}

async fn ids(tx: &mut Tx, sql: &'static str, id: i64) -> Result<Vec<i64>> {
    Ok(sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_all(&mut **tx)
        .await?)
}

async fn member_in(tx: &mut Tx, workspace_id: i64, id: i64) -> Result<Person> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {MEMBER_COLS} FROM members WHERE workspace_id = $1 AND id = $2"
    )))
    .bind(workspace_id)
    .bind(id)
    .fetch_optional(&mut **tx)
    .await?
    .ok_or(StoreError::NotFound { what: "member" })?;
    member_row(&row)
}

fn fields_json(fields: &[(String, String)]) -> String {
    let map: serde_json::Map<String, Value> = fields
        .iter()
        .map(|(k, v)| (k.clone(), Value::String(v.clone())))
        .collect();
    Value::Object(map).to_string()
}

async fn merge_in(tx: &mut Tx, merge: &Merge<'_>) -> Result<i64> {
    let Merge {
        workspace_id,
        keep,
        absorb,
        reason,
        confidence,
        actor_id,
        now,
    } = *merge;
    if keep == absorb {
        return Err(StoreError::Refused(
            "a profile cannot be merged into itself",
        ));
    }
    let kept = member_in(tx, workspace_id, keep).await?;
    let absorbed = member_in(tx, workspace_id, absorb).await?;
    if kept.merged_into.is_some() || absorbed.merged_into.is_some() {
        return Err(StoreError::Refused(
            "this profile was already merged into another one",
        ));
    }
    let mut moved = Moved {
        identities: ids(
            tx,
            "SELECT id FROM member_identities WHERE member_id = $1",
            absorb,
        )
        .await?,
        notes: ids(
            tx,
            "SELECT id FROM member_notes WHERE member_id = $1",
            absorb,
        )
        .await?,
        conversations: ids(
            tx,
            "SELECT id FROM conversations WHERE member_id = $1",
            absorb,
        )
        .await?,
        ..Default::default()
    };
    sqlx::query("UPDATE member_identities SET member_id = $2 WHERE member_id = $1")
        .bind(absorb)
        .bind(keep)
        .execute(&mut **tx)
        .await?;
    sqlx::query("UPDATE member_notes SET member_id = $2 WHERE member_id = $1")
        .bind(absorb)
        .bind(keep)
        .execute(&mut **tx)
        .await?;
    sqlx::query("UPDATE conversations SET member_id = $2 WHERE member_id = $1")
        .bind(absorb)
        .bind(keep)
        .execute(&mut **tx)
        .await?;
    let kept_tags: Vec<String> =
        sqlx::query_scalar("SELECT tag FROM member_tags WHERE member_id = $1")
            .bind(keep)
            .fetch_all(&mut **tx)
            .await?;
    moved.tags = sqlx::query_scalar("SELECT tag FROM member_tags WHERE member_id = $1")
        .bind(absorb)
        .fetch_all(&mut **tx)
        .await?;
    for tag in &moved.tags {
        if !kept_tags.contains(tag) {
            sqlx::query("INSERT INTO member_tags (member_id, tag) VALUES ($1, $2)")
                .bind(keep)
                .bind(tag)
                .execute(&mut **tx)
                .await?;
            moved.tags_added.push(tag.clone());
        }
    }
    sqlx::query("DELETE FROM member_tags WHERE member_id = $1")
        .bind(absorb)
        .execute(&mut **tx)
        .await?;
    let mut fields = kept.fields.clone();
    for (name, value) in &absorbed.fields {
        if !fields.iter().any(|(k, _)| k == name) {
            fields.push((name.clone(), value.clone()));
            moved.fields_added.push(name.clone());
        }
    }
    sqlx::query("UPDATE members SET fields = $2, updated_at = $3 WHERE id = $1")
        .bind(keep)
        .bind(fields_json(&fields))
        .bind(now)
        .execute(&mut **tx)
        .await?;
    sqlx::query("UPDATE members SET merged_into = $2, updated_at = $3 WHERE id = $1")
        .bind(absorb)
        .bind(keep)
        .bind(now)
        .execute(&mut **tx)
        .await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO member_merges (workspace_id, kept_id, absorbed_id, reason, confidence, moved, actor_id, at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
    )
    .bind(workspace_id)
    .bind(keep)
    .bind(absorb)
    .bind(reason)
    .bind(confidence)
    .bind(serde_json::to_string(&moved).expect("serialise"))
    .bind(actor_id)
    .bind(now)
    .fetch_one(&mut **tx)
    .await?;
    let data = serde_json::json!({
        "merge": {"id": id, "kept_id": keep, "absorbed_id": absorb, "reason": reason,
                  "confidence": confidence}, "actor_id": actor_id,
    });
    crate::sql_webhooks::emit(tx, workspace_id, "member.merged", data, now).await?;
    Ok(id)
}

/// Replaces `needle` (and its lower-case form) in one text column of a table, for the rows of
/// the workspace where it occurs.
async fn scrub(
    tx: &mut Tx,
    table: &str,
    column: &str,
    scope: &str,
    workspace_id: i64,
    needle: &str,
) -> Result<()> {
    for form in [needle.to_owned(), needle.to_lowercase()] {
        let sql = format!(
            "UPDATE {table} SET {column} = REPLACE({column}, $2, '[effacé]') \
             WHERE {scope} AND {column} LIKE '%' || $2 || '%'"
        );
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(workspace_id)
            .bind(&form)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

#[async_trait]
impl MemberStore for SqlStore {
    async fn people(
        &self,
        workspace_id: i64,
        search: Option<&str>,
        limit: i64,
    ) -> Result<Vec<PersonRow>> {
        let pattern = search
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| format!("%{}%", s.to_lowercase()));
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {MEMBER_COLS} FROM members m WHERE workspace_id = $1 AND merged_into IS NULL \
             AND ($2 = '' OR LOWER(display_name) LIKE $2 OR EXISTS (SELECT 1 FROM member_identities i \
             WHERE i.member_id = m.id AND LOWER(i.value) LIKE $2)) ORDER BY display_name, id LIMIT $3"
        )))
        .bind(workspace_id)
        .bind(pattern.unwrap_or_default())
        .bind(limit.clamp(1, 1_000))
        .fetch_all(&self.pool)
        .await?;
        let mut out = Vec::with_capacity(rows.len());
        for row in &rows {
            let member = member_row(row)?;
            out.push(self.member_parts(member).await?);
        }
        Ok(out)
    }

    async fn people_after(
        &self,
        workspace_id: i64,
        search: Option<&str>,
        after_id: i64,
        limit: i64,
    ) -> Result<Vec<PersonRow>> {
        let pattern = search
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| format!("%{}%", s.to_lowercase()));
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {MEMBER_COLS} FROM members m WHERE workspace_id = $1 AND merged_into IS NULL \
             AND id > $3 \
             AND ($2 = '' OR LOWER(display_name) LIKE $2 OR EXISTS (SELECT 1 FROM member_identities i \
             WHERE i.member_id = m.id AND LOWER(i.value) LIKE $2)) ORDER BY id LIMIT $4"
        )))
        .bind(workspace_id)
        .bind(pattern.unwrap_or_default())
        .bind(after_id)
        .bind(limit.clamp(1, 1_000))
        .fetch_all(&self.pool)
        .await?;
        let mut out = Vec::with_capacity(rows.len());
        for row in &rows {
            let member = member_row(row)?;
            out.push(self.member_parts(member).await?);
        }
        Ok(out)
    }

    async fn person(&self, workspace_id: i64, id: i64) -> Result<Option<PersonProfile>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {MEMBER_COLS} FROM members WHERE workspace_id = $1 AND id = $2"
        )))
        .bind(workspace_id)
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        let row = self.member_parts(member_row(&row)?).await?;
        let notes = sqlx::query(
            "SELECT n.id, u.display_name AS author, n.body, n.at FROM member_notes n \
             LEFT JOIN users u ON u.id = n.author_id WHERE n.member_id = $1 ORDER BY n.id DESC",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| {
            Ok(MemberNote {
                id: r.try_get("id")?,
                author: r.try_get("author")?,
                body: r.try_get("body")?,
                at: r.try_get("at")?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
        let merges = sqlx::query(
            "SELECT g.id, g.kept_id, g.absorbed_id, m.display_name AS absorbed_name, g.reason, g.confidence, \
             u.display_name AS actor, g.at, g.undone_at FROM member_merges g \
             JOIN members m ON m.id = g.absorbed_id LEFT JOIN users u ON u.id = g.actor_id \
             WHERE g.workspace_id = $1 AND g.kept_id = $2 ORDER BY g.id DESC",
        )
        .bind(workspace_id)
        .bind(id)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| {
            Ok(MergeRecord {
                id: r.try_get("id")?,
                kept_id: r.try_get("kept_id")?,
                absorbed_id: r.try_get("absorbed_id")?,
                absorbed_name: r.try_get("absorbed_name")?,
                reason: r.try_get("reason")?,
                confidence: r.try_get("confidence")?,
                actor: r.try_get("actor")?,
                at: r.try_get("at")?,
                undone_at: r.try_get("undone_at")?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
        let conversations = self.conversations_of_members(workspace_id, &[id]).await?;
        let authors: Vec<String> = row
            .identities
            .iter()
            .map(|i| i.identity.value.clone())
            .collect();
        let items = self.items_by_authors(workspace_id, &authors, 200).await?;
        Ok(Some(PersonProfile {
            row,
            notes,
            merges,
            conversations,
            items,
        }))
    }

    async fn create_person(&self, workspace_id: i64, name: &str, now: i64) -> Result<Person> {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO members (workspace_id, display_name, fields, created_at, updated_at) \
             VALUES ($1, $2, '{}', $3, $3) RETURNING id",
        )
        .bind(workspace_id)
        .bind(name)
        .bind(now)
        .fetch_one(&self.pool)
        .await?;
        Ok(Person {
            id,
            workspace_id,
            display_name: name.to_owned(),
            fields: vec![],
            created_at: now,
            updated_at: now,
            merged_into: None,
        })
    }

    async fn update_person(
        &self,
        workspace_id: i64,
        id: i64,
        name: &str,
        tags: &[String],
        fields: &[(String, String)],
        now: i64,
    ) -> Result<()> {
        let _writing = self.writing().await;
        let mut tx = self.begin_write().await?;
        member_in(&mut tx, workspace_id, id).await?;
        sqlx::query(
            "UPDATE members SET display_name = $2, fields = $3, updated_at = $4 WHERE id = $1",
        )
        .bind(id)
        .bind(name)
        .bind(fields_json(fields))
        .bind(now)
        .execute(&mut *tx)
        .await?;
        sqlx::query("DELETE FROM member_tags WHERE member_id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        for tag in tags {
            sqlx::query(
                "INSERT INTO member_tags (member_id, tag) VALUES ($1, $2) ON CONFLICT DO NOTHING",
            )
            .bind(id)
            .bind(tag)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn add_person_note(
        &self,
        workspace_id: i64,
        id: i64,
        author_id: i64,
        body: &str,
        now: i64,
    ) -> Result<()> {
        let _writing = self.writing().await;
        let mut tx = self.begin_write().await?;
        member_in(&mut tx, workspace_id, id).await?;
        sqlx::query(
            "INSERT INTO member_notes (member_id, author_id, body, at) VALUES ($1, $2, $3, $4)",
        )
        .bind(id)
        .bind(author_id)
        .bind(body)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn add_identity(
        &self,
        workspace_id: i64,
        member_id: i64,
        identity: &Identity,
        actor_id: Option<i64>,
        now: i64,
    ) -> Result<AddIdentity> {
        let _writing = self.writing().await;
        let mut tx = self.begin_write().await?;
        let member = member_in(&mut tx, workspace_id, member_id).await?;
        if member.merged_into.is_some() {
            return Err(StoreError::Refused(
                "this profile was merged into another one",
            ));
        }
        let existing = sqlx::query(
            "SELECT member_id, verified FROM member_identities WHERE workspace_id = $1 AND kind = $2 AND value = $3",
        )
        .bind(workspace_id)
        .bind(identity.kind.as_str())
        .bind(&identity.value)
        .fetch_optional(&mut *tx)
        .await?;
        let outcome = match existing {
            None => {
                insert_identity(&mut tx, workspace_id, member_id, identity, now).await?;
                AddIdentity::Added
            }
            Some(row) => {
                let other: i64 = row.try_get("member_id")?;
                let verified = row.try_get::<i64, _>("verified")? != 0 || identity.verified;
                if other == member_id {
                    AddIdentity::AlreadyThere
                } else if verified {
                    // The same verified identity: the same person. The older profile keeps.
                    let (keep, absorb) = (member_id.min(other), member_id.max(other));
                    let merge_id = merge_in(
                        &mut tx,
                        &Merge {
                            workspace_id,
                            keep,
                            absorb,
                            reason: "same_verified_identity",
                            confidence: 99,
                            actor_id,
                            now,
                        },
                    )
                    .await?;
                    AddIdentity::Merged { merge_id, other }
                } else {
                    AddIdentity::BelongsTo { other }
                }
            }
        };
        tx.commit().await?;
        Ok(outcome)
    }

    async fn remove_identity(
        &self,
        workspace_id: i64,
        member_id: i64,
        identity_id: i64,
    ) -> Result<()> {
        let done = sqlx::query(
            "DELETE FROM member_identities WHERE workspace_id = $1 AND member_id = $2 AND id = $3",
        )
        .bind(workspace_id)
        .bind(member_id)
        .bind(identity_id)
        .execute(&self.pool)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound { what: "identity" });
        }
        Ok(())
    }

    async fn merge_members(&self, merge: &Merge<'_>) -> Result<i64> {
        let _writing = self.writing().await;
        let mut tx = self.begin_write().await?;
        let id = merge_in(&mut tx, merge).await?;
        tx.commit().await?;
        Ok(id)
    }

    async fn undo_merge(
        &self,
        workspace_id: i64,
        merge_id: i64,
        actor_id: i64,
        now: i64,
    ) -> Result<i64> {
        let _writing = self.writing().await;
        let mut tx = self.begin_write().await?;
        let row = sqlx::query(
            "SELECT kept_id, absorbed_id, moved, undone_at FROM member_merges WHERE workspace_id = $1 AND id = $2",
        )
        .bind(workspace_id)
        .bind(merge_id)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(StoreError::NotFound { what: "merge" })?;
        if row.try_get::<Option<i64>, _>("undone_at")?.is_some() {
            return Err(StoreError::Refused("this merge was already undone"));
        }
        let keep: i64 = row.try_get("kept_id")?;
        let absorb: i64 = row.try_get("absorbed_id")?;
        let absorbed = member_in(&mut tx, workspace_id, absorb).await?;
        if absorbed.merged_into != Some(keep) {
            return Err(StoreError::Refused(
                "the profiles changed since this merge: undo the later merges first",
            ));
        }
        let moved: Moved =
            serde_json::from_str(&row.try_get::<String, _>("moved")?).unwrap_or_default();
        for (table, list) in [
            ("member_identities", &moved.identities),
            ("member_notes", &moved.notes),
            ("conversations", &moved.conversations),
        ] {
            for id in list {
                sqlx::query(sqlx::AssertSqlSafe(format!(
                    "UPDATE {table} SET member_id = $1 WHERE id = $2 AND member_id = $3"
                )))
                .bind(absorb)
                .bind(*id)
                .bind(keep)
                .execute(&mut *tx)
                .await?;
            }
        }
        for tag in &moved.tags_added {
            sqlx::query("DELETE FROM member_tags WHERE member_id = $1 AND tag = $2")
                .bind(keep)
                .bind(tag)
                .execute(&mut *tx)
                .await?;
        }
        for tag in &moved.tags {
            sqlx::query(
                "INSERT INTO member_tags (member_id, tag) VALUES ($1, $2) ON CONFLICT DO NOTHING",
            )
            .bind(absorb)
            .bind(tag)
            .execute(&mut *tx)
            .await?;
        }
        let kept = member_in(&mut tx, workspace_id, keep).await?;
        let fields: Vec<(String, String)> = kept
            .fields
            .into_iter()
            .filter(|(k, _)| !moved.fields_added.contains(k))
            .collect();
        sqlx::query("UPDATE members SET fields = $2, updated_at = $3 WHERE id = $1")
            .bind(keep)
            .bind(fields_json(&fields))
            .bind(now)
            .execute(&mut *tx)
            .await?;
        sqlx::query("UPDATE members SET merged_into = NULL, updated_at = $2 WHERE id = $1")
            .bind(absorb)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        sqlx::query("UPDATE member_merges SET undone_at = $2, undone_by = $3 WHERE id = $1")
            .bind(merge_id)
            .bind(now)
            .bind(actor_id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(absorb)
    }

    async fn member_profiles(&self, workspace_id: i64) -> Result<(Vec<Profile>, Vec<(i64, i64)>)> {
        let rows = sqlx::query(
            "SELECT m.id, m.display_name, i.kind, i.value, i.verified FROM members m \
             LEFT JOIN member_identities i ON i.member_id = m.id \
             WHERE m.workspace_id = $1 AND m.merged_into IS NULL ORDER BY m.id",
        )
        .bind(workspace_id)
        .fetch_all(&self.pool)
        .await?;
        let mut profiles: Vec<Profile> = Vec::new();
        for row in rows {
            let id: i64 = row.try_get("id")?;
            if profiles.last().is_none_or(|p| p.id != id) {
                profiles.push(Profile {
                    id,
                    name: Some(row.try_get("display_name")?),
                    identities: vec![],
                });
            }
            let kind: Option<String> = row.try_get("kind")?;
            if let Some(kind) = kind.as_deref().and_then(IdentityKind::parse) {
                profiles
                    .last_mut()
                    .expect("pushed")
                    .identities
                    .push(Identity {
                        kind,
                        value: row.try_get("value")?,
                        verified: row.try_get::<i64, _>("verified")? != 0,
                    });
            }
        }
        let dismissed = sqlx::query(
            "SELECT kept_id, absorbed_id FROM member_merges WHERE workspace_id = $1 AND undone_at IS NOT NULL",
        )
        .bind(workspace_id)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| Ok((r.try_get("kept_id")?, r.try_get("absorbed_id")?)))
        .collect::<Result<Vec<_>>>()?;
        Ok((profiles, dismissed))
    }

    async fn author_tags(
        &self,
        workspace_id: i64,
        source_kind: &str,
        author_handle: Option<&str>,
    ) -> Result<Vec<String>> {
        let Some(identity) = identity_of(source_kind, author_handle) else {
            return Ok(Vec::new());
        };
        Ok(sqlx::query_scalar(
            "SELECT t.tag FROM member_identities i JOIN member_tags t ON t.member_id = i.member_id \
             WHERE i.workspace_id = $1 AND i.kind = $2 AND i.value = $3 ORDER BY t.tag",
        )
        .bind(workspace_id)
        .bind(identity.kind.as_str())
        .bind(&identity.value)
        .fetch_all(&self.pool)
        .await?)
    }

    async fn export_member(&self, workspace_id: i64, id: i64) -> Result<Option<Value>> {
        let Some(profile) = self.person(workspace_id, id).await? else {
            return Ok(None);
        };
        let mut conversations = Vec::new();
        for c in &profile.conversations {
            let Some((c, items, events)) =
                crate::InboxStore::conversation(self, workspace_id, c.id).await?
            else {
                continue;
            };
            let replies = crate::ReplyStore::replies_of(self, workspace_id, c.id).await?;
            conversations.push(json!({
                "id": c.id, "channel": c.channel, "subject": c.subject, "state": c.state,
                "opened_at": c.created_at,
                "messages": items.iter().map(|i| json!({
                    "id": i.id, "at": i.published_at, "from": i.author_handle, "text": i.body, "url": i.url,
                })).collect::<Vec<_>>(),
                "replies": replies.iter().map(|r| json!({
                    "at": r.created_at, "by": r.author_name, "text": r.body, "status": r.status.as_str(),
                })).collect::<Vec<_>>(),
                "history": events.iter().map(|e| json!({
                    "at": e.at, "by": e.actor, "what": e.kind, "detail": e.detail,
                })).collect::<Vec<_>>(),
            }));
        }
        let row = &profile.row;
        Ok(Some(json!({
            "export": "jardinier member data",
            "member": {
                "id": row.person.id,
                "name": row.person.display_name,
                "created_at": row.person.created_at,
                "fields": row.person.fields.iter().map(|(k, v)| (k.clone(), Value::String(v.clone()))).collect::<serde_json::Map<_, _>>(),
                "tags": row.tags,
            },
            "identities": row.identities.iter().map(|i| json!({
                "kind": i.identity.kind.as_str(), "value": i.identity.value, "verified": i.identity.verified, "since": i.created_at,
            })).collect::<Vec<_>>(),
            "notes": profile.notes.iter().map(|n| json!({"at": n.at, "by": n.author, "text": n.body})).collect::<Vec<_>>(),
            "merges": profile.merges.iter().map(|m| json!({"at": m.at, "absorbed": m.absorbed_id, "reason": m.reason, "undone_at": m.undone_at})).collect::<Vec<_>>(),
            "mentions": profile.items.iter().map(|i| json!({
                "id": i.id, "source": i.source_kind, "at": i.published_at, "url": i.url, "title": i.title, "text": i.body,
                "language": i.lang, "sentiment": i.sentiment,
            })).collect::<Vec<_>>(),
            "conversations": conversations,
        })))
    }

    async fn erase_member(
        &self,
        workspace_id: i64,
        id: i64,
        actor_id: i64,
        now: i64,
    ) -> Result<Erasure> {
        let _writing = self.writing().await;
        let mut tx = self.begin_write().await?;
        // On SQLite every connection overwrites what it deletes (`secure_delete`, see sql.rs).
        let sqlite = self.backend == crate::Backend::Sqlite;
        let result = erase_in(&mut tx, sqlite, workspace_id, id, actor_id, now).await;
        let erasure = result?;
        tx.commit().await?;
        // Their community posts and topics may have gone: the categories' counters moved.
        self.community_cache.forget_counters();
        drop(_writing);
        match self.backend {
            // Old page versions in the write-ahead log go too.
            crate::Backend::Sqlite => {
                sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
                    .execute(&self.pool)
                    .await?;
            }
            // PostgreSQL keeps deleted and replaced row versions (and index entries) in its files
            // until they are reused: the tables that held the person are rewritten, which holds
            // each one's lock for the time it takes.
            crate::Backend::Postgres => {
                for table in [
                    "members",
                    "member_identities",
                    "member_notes",
                    "member_tags",
                    "member_merges",
                    "conversations",
                    "conversation_items",
                    "conversation_events",
                    "replies",
                    "items",
                    "item_terms",
                    "item_matches",
                    "mail_outbox",
                    "alert_events",
                    "alert_deliveries",
                    "audit_log",
                    "newsletter_subscribers",
                    "newsletter_sends",
                ] {
                    sqlx::query(sqlx::AssertSqlSafe(format!("VACUUM FULL {table}")))
                        .execute(&self.pool)
                        .await?;
                }
            }
        }
        Ok(erasure)
    }
}

impl SqlStore {
    async fn member_parts(&self, member: Person) -> Result<PersonRow> {
        let identities = sqlx::query(
            "SELECT id, kind, value, verified, created_at FROM member_identities WHERE member_id = $1 ORDER BY id",
        )
        .bind(member.id)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(identity_row)
        .collect::<Result<Vec<_>>>()?;
        let tags =
            sqlx::query_scalar("SELECT tag FROM member_tags WHERE member_id = $1 ORDER BY tag")
                .bind(member.id)
                .fetch_all(&self.pool)
                .await?;
        Ok(PersonRow {
            person: member,
            identities,
            tags,
        })
    }
}

/// Deletes a listening item with its archive terms, which do not cascade (migrations 0008 and,
/// on SQLite, 0028); what points at the item goes with it.
pub(crate) async fn delete_item(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    sqlite: bool,
    workspace_id: i64,
    item: i64,
) -> Result<()> {
    if sqlite {
        sqlx::query("DELETE FROM item_fts WHERE rowid = $1")
            .bind(item)
            .execute(&mut **tx)
            .await?;
    } else {
        sqlx::query("DELETE FROM item_terms WHERE workspace_id = $1 AND item_id = $2")
            .bind(workspace_id)
            .bind(item)
            .execute(&mut **tx)
            .await?;
    }
    sqlx::query("DELETE FROM items WHERE id = $1")
        .bind(item)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// The identifiers by which a person is known: their identities' values and full names.
async fn identifiers(tx: &mut Tx, members: &[i64]) -> Result<(Vec<String>, Vec<String>)> {
    let mut values = Vec::new();
    let mut names = Vec::new();
    for member in members {
        let found: Vec<String> =
            sqlx::query_scalar("SELECT value FROM member_identities WHERE member_id = $1")
                .bind(*member)
                .fetch_all(&mut **tx)
                .await?;
        values.extend(found);
        let name: String = sqlx::query_scalar("SELECT display_name FROM members WHERE id = $1")
            .bind(*member)
            .fetch_one(&mut **tx)
            .await?;
        // A single first name ("Sam") is not scrubbed from what others wrote: too common.
        if name.split_whitespace().count() >= 2 && !names.contains(&name) {
            names.push(name);
        }
    }
    values.sort();
    values.dedup();
    Ok((values, names))
}

async fn erase_in(
    tx: &mut Tx,
    sqlite: bool,
    workspace_id: i64,
    id: i64,
    actor_id: i64,
    now: i64,
) -> Result<Erasure> {
    member_in(tx, workspace_id, id).await?;
    // The profile and every profile merged into it (at any depth).
    let mut members = vec![id];
    let mut i = 0;
    while i < members.len() {
        let absorbed = ids(
            tx,
            "SELECT id FROM members WHERE merged_into = $1",
            members[i],
        )
        .await?;
        members.extend(
            absorbed
                .into_iter()
                .filter(|m| !members.contains(m))
                .collect::<Vec<_>>(),
        );
        i += 1;
    }
    let (values, names) = identifiers(tx, &members).await?;
    let mut erasure = Erasure {
        profiles: members.len() as i64,
        identities: values.len() as i64,
        ..Default::default()
    };

    // Their community account (by its address or its handle): gone, with what they wrote there
    // (issue 16, item 10: erasure covers the community).
    let backend = if sqlite {
        crate::sql::Backend::Sqlite
    } else {
        crate::sql::Backend::Postgres
    };
    for value in &values {
        let accounts: Vec<i64> = sqlx::query_scalar(
            "SELECT id FROM community_accounts WHERE workspace_id = $1 \
             AND (email = LOWER($2) OR '@' || handle = $2)",
        )
        .bind(workspace_id)
        .bind(value)
        .fetch_all(&mut **tx)
        .await?;
        for account in accounts {
            crate::sql_community::delete_account_in(tx, backend, account, true).await?;
            erasure.community_accounts += 1;
        }
    }

    // Conversations with the person (by profile or by the handle they were opened with).
    let mut conversations = Vec::new();
    for member in &members {
        conversations.extend(
            ids(
                tx,
                "SELECT id FROM conversations WHERE member_id = $1",
                *member,
            )
            .await?,
        );
    }
    for value in &values {
        let found: Vec<i64> = sqlx::query_scalar(
            "SELECT id FROM conversations WHERE workspace_id = $1 AND contact_handle = $2",
        )
        .bind(workspace_id)
        .bind(value)
        .fetch_all(&mut **tx)
        .await?;
        conversations.extend(found);
    }
    conversations.sort();
    conversations.dedup();
    for conversation in &conversations {
        // Items, events and replies of the conversation go with it (cascades).
        sqlx::query("DELETE FROM conversations WHERE id = $1")
            .bind(*conversation)
            .execute(&mut **tx)
            .await?;
    }
    erasure.conversations = conversations.len() as i64;

    // Their mentions, with what points at them.
    for value in &values {
        let items: Vec<i64> = sqlx::query_scalar(
            "SELECT id FROM items WHERE workspace_id = $1 AND author_handle = $2",
        )
        .bind(workspace_id)
        .bind(value)
        .fetch_all(&mut **tx)
        .await?;
        for item in &items {
            delete_item(tx, sqlite, workspace_id, *item).await?;
        }
        erasure.items += items.len() as i64;
    }

    // Their newsletter addresses (and what was sent to them), in this workspace's lists.
    for value in &values {
        sqlx::query("DELETE FROM newsletter_subscribers WHERE workspace_id = $1 AND email = $2")
            .bind(workspace_id)
            .bind(value.to_lowercase())
            .execute(&mut **tx)
            .await?;
    }

    for member in &members {
        for sql in [
            "DELETE FROM member_merges WHERE kept_id = $1 OR absorbed_id = $1",
            "DELETE FROM member_notes WHERE member_id = $1",
            "DELETE FROM member_tags WHERE member_id = $1",
            "DELETE FROM member_identities WHERE member_id = $1",
        ] {
            sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(*member)
                .execute(&mut **tx)
                .await?;
        }
    }
    // Merged profiles point at the one they were merged into: remove those first.
    for member in members.iter().rev() {
        sqlx::query("DELETE FROM members WHERE id = $1")
            .bind(*member)
            .execute(&mut **tx)
            .await?;
    }

    // What others wrote about or to them, and the records that quoted them. Addresses written
    // in others' mentions are archive terms of theirs too: those terms go.
    for value in values
        .iter()
        .filter(|v| v.contains('@') && !v.starts_with('@'))
    {
        let local = format!(
            "{}@",
            value.split('@').next().unwrap_or_default().to_lowercase()
        );
        let mentioning: Vec<i64> = sqlx::query_scalar(
            "SELECT id FROM items WHERE workspace_id = $1 AND (LOWER(body) LIKE '%' || $2 || '%' \
             OR LOWER(COALESCE(title, '')) LIKE '%' || $2 || '%')",
        )
        .bind(workspace_id)
        .bind(value.to_lowercase())
        .fetch_all(&mut **tx)
        .await?;
        for item in mentioning {
            if sqlite {
                let terms: Option<String> =
                    sqlx::query_scalar("SELECT terms FROM item_fts WHERE rowid = $1")
                        .bind(item)
                        .fetch_optional(&mut **tx)
                        .await?;
                if let Some(terms) = terms {
                    let kept: Vec<&str> = terms
                        .split(' ')
                        .filter(|t| !t.contains(local.as_str()))
                        .collect();
                    sqlx::query("UPDATE item_fts SET terms = $2 WHERE rowid = $1")
                        .bind(item)
                        .bind(kept.join(" "))
                        .execute(&mut **tx)
                        .await?;
                }
                continue;
            }
            sqlx::query(
                "DELETE FROM item_terms WHERE workspace_id = $1 AND item_id = $2 AND term LIKE '%' || $3 || '%'",
            )
            .bind(workspace_id)
            .bind(item)
            .bind(&local)
            .execute(&mut **tx)
            .await?;
        }
    }
    let in_workspace = "workspace_id = $1";
    for needle in values.iter().chain(names.iter()) {
        // Webhook deliveries are JSON, which a replaced word could break: the ones that name the
        // person go, delivered or not.
        for form in [needle.to_owned(), needle.to_lowercase()] {
            sqlx::query(
                "DELETE FROM webhook_deliveries WHERE workspace_id = $1 AND payload LIKE '%' || $2 || '%'",
            )
            .bind(workspace_id)
            .bind(&form)
            .execute(&mut **tx)
            .await?;
        }
        for (table, column, scope) in [
            ("items", "body", in_workspace),
            ("items", "title", in_workspace),
            ("items", "author_name", in_workspace),
            ("conversations", "subject", in_workspace),
            ("conversations", "contact_name", in_workspace),
            ("conversation_events", "detail", in_workspace),
            ("replies", "body", in_workspace),
            ("alert_events", "summary", in_workspace),
            ("audit_log", "detail", in_workspace),
            (
                "alert_deliveries",
                "payload",
                "event_id IN (SELECT id FROM alert_events WHERE workspace_id = $1)",
            ),
            // Mail is not scoped to a workspace; an identifier is the person's anywhere.
            ("mail_outbox", "body_text", "$1 = $1"),
            ("mail_outbox", "subject", "$1 = $1"),
            (
                "member_notes",
                "body",
                "member_id IN (SELECT id FROM members WHERE workspace_id = $1)",
            ),
        ] {
            scrub(tx, table, column, scope, workspace_id, needle).await?;
        }
    }
    sqlx::query(
        "INSERT INTO audit_log (workspace_id, actor_id, action, detail, at) VALUES ($1, $2, 'member_erased', $3, $4)",
    )
    .bind(workspace_id)
    .bind(actor_id)
    .bind(format!(
        "profile #{id}: {} profile(s), {} identities, {} mentions, {} conversations erased",
        erasure.profiles, erasure.identities, erasure.items, erasure.conversations
    ))
    .bind(now)
    .execute(&mut **tx)
    .await?;
    // Only what was erased, never who: the receiver erases the same profile on its side.
    let data = serde_json::json!({
        "member": {"id": id}, "profiles": erasure.profiles, "identities": erasure.identities,
        "mentions": erasure.items, "conversations": erasure.conversations, "actor_id": actor_id,
    });
    crate::sql_webhooks::emit(tx, workspace_id, "member.erased", data, now).await?;
    Ok(erasure)
}
