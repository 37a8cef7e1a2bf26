//! `CommunityImageStore` on SQLite and PostgreSQL.

use async_trait::async_trait;
use sqlx::Row;
use sqlx::any::AnyRow;

// Every statement below is built from the constant column list only.

use crate::community_images::*;
use crate::{Result, SqlStore};

const COLS: &str = "id, workspace_id, sha256, extension, content_type, size, width, height, \
     filename, account_id, user_id, created_at";

fn image(row: &AnyRow) -> Result<CommunityImage> {
    Ok(CommunityImage {
        id: row.try_get("id")?,
        workspace_id: row.try_get("workspace_id")?,
        sha256: row.try_get("sha256")?,
        extension: row.try_get("extension")?,
        content_type: row.try_get("content_type")?,
        size: row.try_get("size")?,
        width: row.try_get("width")?,
        height: row.try_get("height")?,
        filename: row.try_get("filename")?,
        account_id: row.try_get("account_id")?,
        user_id: row.try_get("user_id")?,
        created_at: row.try_get("created_at")?,
    })
}

#[async_trait]
impl CommunityImageStore for SqlStore {
    async fn add_community_image(&self, new: &NewCommunityImage<'_>) -> Result<CommunityImage> {
        let _writing = self.writing().await;
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "INSERT INTO community_images (workspace_id, sha256, extension, content_type, size, \
             width, height, filename, account_id, user_id, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING {COLS}"
        )))
        .bind(new.workspace_id)
        .bind(new.sha256)
        .bind(new.extension)
        .bind(new.content_type)
        .bind(new.size)
        .bind(new.width)
        .bind(new.height)
        .bind(new.filename)
        .bind(new.account_id)
        .bind(new.user_id)
        .bind(new.now)
        .fetch_one(&self.pool)
        .await?;
        image(&row)
    }

    async fn community_image(
        &self,
        workspace_id: i64,
        sha256: &str,
        extension: &str,
    ) -> Result<Option<CommunityImage>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLS} FROM community_images WHERE workspace_id = $1 AND sha256 = $2 \
             AND extension = $3 ORDER BY id LIMIT 1"
        )))
        .bind(workspace_id)
        .bind(sha256)
        .bind(extension)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(image).transpose()
    }

    async fn community_images_of(&self, account_id: i64) -> Result<Vec<CommunityImage>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLS} FROM community_images WHERE account_id = $1 ORDER BY id DESC"
        )))
        .bind(account_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(image).collect()
    }

    async fn set_community_avatar(&self, account_id: i64, file: Option<&str>) -> Result<()> {
        let _writing = self.writing().await;
        sqlx::query("UPDATE community_accounts SET avatar = $1 WHERE id = $2")
            .bind(file)
            .bind(account_id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn community_image_files(&self, workspace_id: i64) -> Result<Vec<String>> {
        let rows = sqlx::query(
            "SELECT sha256 || '.' || extension AS file FROM community_images \
             WHERE workspace_id = $1 \
             UNION SELECT avatar AS file FROM community_accounts \
             WHERE workspace_id = $1 AND avatar IS NOT NULL",
        )
        .bind(workspace_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(|r| Ok(r.try_get("file")?)).collect()
    }
}
