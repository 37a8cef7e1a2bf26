use async_trait::async_trait;
use sqlx::Row;

use crate::oauth_keys::{OAuthKeyStore, OAuthKeys};
use crate::{Result, SqlStore};

#[async_trait]
impl OAuthKeyStore for SqlStore {
    async fn oauth_keys(&self, network: &str) -> Result<Option<OAuthKeys>> {
        let row = sqlx::query(
            "SELECT network, client_id, client_secret, updated_by, updated_at FROM oauth_keys \
             WHERE network = $1",
        )
        .bind(network)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| {
            Ok(OAuthKeys {
                network: r.try_get("network")?,
                client_id: r.try_get("client_id")?,
                client_secret: r.try_get("client_secret")?,
                updated_by: r.try_get("updated_by")?,
                updated_at: r.try_get("updated_at")?,
            })
        })
        .transpose()
    }

    async fn set_oauth_keys(&self, keys: &OAuthKeys) -> Result<()> {
        let _writing = self.writing().await;
        let mut tx = self.begin_write().await?;
        sqlx::query("DELETE FROM oauth_keys WHERE network = $1")
            .bind(&keys.network)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO oauth_keys (network, client_id, client_secret, updated_by, updated_at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(&keys.network)
        .bind(&keys.client_id)
        .bind(&keys.client_secret)
        .bind(&keys.updated_by)
        .bind(keys.updated_at)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn remove_oauth_keys(&self, network: &str) -> Result<()> {
        sqlx::query("DELETE FROM oauth_keys WHERE network = $1")
            .bind(network)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}
