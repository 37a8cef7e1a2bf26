//! The keys of the applications Jardinier is registered as with X, LinkedIn and Meta, entered
//! by an owner in the settings (issue 15, item 6) rather than in `jardinier.toml`. One set per
//! server: a network registers one callback address. The secret is never shown again.

use async_trait::async_trait;

use crate::Result;

#[derive(Clone, PartialEq, Eq)]
pub struct OAuthKeys {
    pub network: String,
    pub client_id: String,
    pub client_secret: String,
    pub updated_by: String,
    pub updated_at: i64,
}

impl std::fmt::Debug for OAuthKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OAuthKeys")
            .field("network", &self.network)
            .field("client_id", &self.client_id)
            .field("client_secret", &"<redacted>")
            .finish()
    }
}

#[async_trait]
pub trait OAuthKeyStore: Send + Sync {
    async fn oauth_keys(&self, network: &str) -> Result<Option<OAuthKeys>>;
    /// Replaces the network's keys.
    async fn set_oauth_keys(&self, keys: &OAuthKeys) -> Result<()>;
    async fn remove_oauth_keys(&self, network: &str) -> Result<()>;
}
