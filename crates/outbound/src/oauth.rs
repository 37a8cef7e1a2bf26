//! Connecting accounts of networks that only let applications post through OAuth 2.0: X,
//! LinkedIn, and Meta (Facebook Pages and Instagram professional accounts). The authorization
//! code flow (with PKCE for X), the code exchange, token refresh, and each network's account
//! discovery. The administrator registers Jardinier as an application with each network and
//! gives its keys in `[oauth.*]`; addresses are configurable so tests (and self-hosted
//! gateways) can point elsewhere.

use base64::Engine;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::{SendError, endpoint, host_of, json_answer};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Network {
    X,
    LinkedIn,
    Meta,
}

impl Network {
    pub fn parse(name: &str) -> Option<Network> {
        match name {
            "x" => Some(Network::X),
            "linkedin" => Some(Network::LinkedIn),
            "meta" => Some(Network::Meta),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Network::X => "x",
            Network::LinkedIn => "linkedin",
            Network::Meta => "meta",
        }
    }

    pub const ALL: [Network; 3] = [Network::X, Network::LinkedIn, Network::Meta];

    /// The network's own addresses: (authorization, token, API).
    pub fn endpoints(self) -> (&'static str, &'static str, &'static str) {
        match self {
            Network::X => (
                "https://x.com/i/oauth2/authorize",
                "https://api.x.com/2/oauth2/token",
                "https://api.x.com",
            ),
            Network::LinkedIn => (
                "https://www.linkedin.com/oauth/v2/authorization",
                "https://www.linkedin.com/oauth/v2/accessToken",
                "https://api.linkedin.com",
            ),
            Network::Meta => (
                "https://www.facebook.com/v19.0/dialog/oauth",
                "https://graph.facebook.com/v19.0/oauth/access_token",
                "https://graph.facebook.com/v19.0",
            ),
        }
    }

    /// What Jardinier asks to be allowed: post, and read the account (and refresh, for X).
    pub fn scopes(self) -> &'static str {
        match self {
            Network::X => "tweet.read tweet.write users.read media.write offline.access",
            Network::LinkedIn => {
                "openid profile w_member_social r_organization_admin w_organization_social r_member_social"
            }
            Network::Meta => {
                "pages_show_list pages_read_engagement pages_manage_posts instagram_basic instagram_content_publish business_management"
            }
        }
    }
}

/// An application registered with a network.
#[derive(Clone)]
pub struct OAuthApp {
    pub network: Network,
    pub client_id: String,
    pub client_secret: String,
    /// Where people are sent to allow Jardinier.
    pub auth_url: String,
    pub token_url: String,
    /// The API's base address.
    pub api_url: String,
}

impl OAuthApp {
    /// An application whose keys an owner entered in the settings, at the network's own
    /// addresses.
    pub fn with_keys(network: Network, client_id: String, client_secret: String) -> OAuthApp {
        let (auth, token, api) = network.endpoints();
        OAuthApp {
            network,
            client_id,
            client_secret,
            auth_url: auth.into(),
            token_url: token.into(),
            api_url: api.into(),
        }
    }
}

/// The application for `network`: from the configuration file first, else the keys an owner
/// entered in the settings (stored, read each time so a change applies at once).
pub async fn app_for(
    configured: &[OAuthApp],
    store: &dyn jardinier_store::Store,
    network: Network,
) -> Result<Option<OAuthApp>, jardinier_store::StoreError> {
    if let Some(app) = configured.iter().find(|a| a.network == network) {
        return Ok(Some(app.clone()));
    }
    Ok(store
        .oauth_keys(network.name())
        .await?
        .map(|k| OAuthApp::with_keys(network, k.client_id, k.client_secret)))
}

impl std::fmt::Debug for OAuthApp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OAuthApp")
            .field("network", &self.network)
            .field("client_id", &self.client_id)
            .field("client_secret", &"<redacted>")
            .field("api_url", &self.api_url)
            .finish()
    }
}

/// A connection's tokens, kept as the channel's secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tokens {
    pub access_token: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
    /// UNIX seconds; `None`: does not expire (Meta page tokens).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<i64>,
}

impl Tokens {
    pub fn parse(secret: &str) -> Option<Tokens> {
        serde_json::from_str(secret).ok()
    }

    pub fn to_secret(&self) -> String {
        serde_json::to_string(self).expect("tokens serialise")
    }

    /// Refresh before this much time is left.
    pub fn needs_refresh(&self, now: i64) -> bool {
        self.expires_at.is_some_and(|at| at - now < 300)
    }
}

/// The HTTP client for connecting accounts.
pub fn http_client() -> reqwest::Client {
    reqwest::Client::builder()
        .connect_timeout(std::time::Duration::from_secs(10))
        .timeout(std::time::Duration::from_secs(20))
        .user_agent(concat!(
            "Jardinier/",
            env!("CARGO_PKG_VERSION"),
            " (connecting accounts)"
        ))
        .build()
        .expect("an HTTP client")
}

/// The PKCE challenge of a verifier (S256, RFC 7636).
pub fn pkce_challenge(verifier: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

/// Where to send the person to allow Jardinier.
pub fn authorize_url(app: &OAuthApp, redirect_uri: &str, state: &str, verifier: &str) -> String {
    let mut url = url::Url::parse(&app.auth_url)
        .unwrap_or_else(|_| url::Url::parse("https://invalid.example/").expect("a constant URL"));
    {
        let mut q = url.query_pairs_mut();
        q.append_pair("response_type", "code")
            .append_pair("client_id", &app.client_id)
            .append_pair("redirect_uri", redirect_uri)
            .append_pair("scope", app.network.scopes())
            .append_pair("state", state);
        if app.network == Network::X {
            q.append_pair("code_challenge", &pkce_challenge(verifier))
                .append_pair("code_challenge_method", "S256");
        }
    }
    url.into()
}

fn tokens_from(
    answer: &Value,
    now: i64,
    previous_refresh: Option<&str>,
) -> Result<Tokens, SendError> {
    let access_token = answer["access_token"]
        .as_str()
        .ok_or_else(|| SendError::Permanent("the network answered without an access token".into()))?
        .to_owned();
    Ok(Tokens {
        access_token,
        refresh_token: answer["refresh_token"]
            .as_str()
            .map(str::to_owned)
            .or_else(|| previous_refresh.map(str::to_owned)),
        expires_at: answer["expires_in"].as_i64().map(|s| now + s),
    })
}

/// Exchanges the code the network sent back for tokens.
pub async fn exchange_code(
    client: &reqwest::Client,
    app: &OAuthApp,
    code: &str,
    redirect_uri: &str,
    verifier: &str,
    now: i64,
) -> Result<Tokens, SendError> {
    let host = host_of(&app.token_url);
    let answer = match app.network {
        // X: a confidential client authenticates with HTTP Basic; PKCE's verifier goes along.
        Network::X => {
            json_answer(
                &host,
                "connecting the account",
                client
                    .post(&app.token_url)
                    .basic_auth(&app.client_id, Some(&app.client_secret))
                    .form(&[
                        ("grant_type", "authorization_code"),
                        ("code", code),
                        ("redirect_uri", redirect_uri),
                        ("code_verifier", verifier),
                        ("client_id", &app.client_id),
                    ])
                    .send()
                    .await,
            )
            .await?
        }
        Network::LinkedIn => {
            json_answer(
                &host,
                "connecting the account",
                client
                    .post(&app.token_url)
                    .form(&[
                        ("grant_type", "authorization_code"),
                        ("code", code),
                        ("redirect_uri", redirect_uri),
                        ("client_id", &app.client_id),
                        ("client_secret", &app.client_secret),
                    ])
                    .send()
                    .await,
            )
            .await?
        }
        // Meta: a short-lived user token, exchanged at once for a long-lived one (60 days),
        // from which page tokens that do not expire are read.
        Network::Meta => {
            let short = json_answer(
                &host,
                "connecting the account",
                client
                    .get(with_query(
                        &app.token_url,
                        &[
                            ("client_id", &app.client_id),
                            ("client_secret", &app.client_secret),
                            ("redirect_uri", redirect_uri),
                            ("code", code),
                        ],
                    )?)
                    .send()
                    .await,
            )
            .await?;
            let short = short["access_token"]
                .as_str()
                .unwrap_or_default()
                .to_owned();
            json_answer(
                &host,
                "connecting the account",
                client
                    .get(with_query(
                        &app.token_url,
                        &[
                            ("grant_type", "fb_exchange_token"),
                            ("client_id", &app.client_id),
                            ("client_secret", &app.client_secret),
                            ("fb_exchange_token", &short),
                        ],
                    )?)
                    .send()
                    .await,
            )
            .await?
        }
    };
    tokens_from(&answer, now, None)
}

/// New tokens from a refresh token (X; LinkedIn when the application is allowed to).
pub async fn refresh(
    client: &reqwest::Client,
    app: &OAuthApp,
    refresh_token: &str,
    now: i64,
) -> Result<Tokens, SendError> {
    let host = host_of(&app.token_url);
    let request = client.post(&app.token_url);
    let request = match app.network {
        Network::X => request
            .basic_auth(&app.client_id, Some(&app.client_secret))
            .form(&[
                ("grant_type", "refresh_token"),
                ("refresh_token", refresh_token),
                ("client_id", &app.client_id),
            ]),
        _ => request.form(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token),
            ("client_id", &app.client_id),
            ("client_secret", &app.client_secret),
        ]),
    };
    let answer = json_answer(&host, "renewing the connection", request.send().await).await?;
    tokens_from(&answer, now, Some(refresh_token))
}

fn with_query(base: &str, params: &[(&str, &str)]) -> Result<String, SendError> {
    let mut url = url::Url::parse(base)
        .map_err(|e| SendError::Permanent(format!("bad address {base:?}: {e}")))?;
    url.query_pairs_mut().extend_pairs(params);
    Ok(url.into())
}

/// An account found after connecting: a channel to add.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    /// x, linkedin, facebook, instagram.
    pub kind: &'static str,
    pub name: String,
    pub config: Value,
    pub tokens: Tokens,
}

/// The accounts a new connection gives: the X user; the LinkedIn member; each Facebook Page
/// (and its Instagram professional account, if it has one).
pub async fn discover(
    client: &reqwest::Client,
    app: &OAuthApp,
    tokens: &Tokens,
) -> Result<Vec<Account>, SendError> {
    let host = host_of(&app.api_url);
    match app.network {
        Network::X => {
            let me = json_answer(
                &host,
                "reading the account",
                client
                    .get(endpoint(&app.api_url, "/2/users/me"))
                    .bearer_auth(&tokens.access_token)
                    .send()
                    .await,
            )
            .await?;
            let username = me["data"]["username"].as_str().unwrap_or_default();
            Ok(vec![Account {
                kind: "x",
                name: format!("@{username}"),
                config: serde_json::json!({"user_id": me["data"]["id"], "username": username}),
                tokens: tokens.clone(),
            }])
        }
        Network::LinkedIn => {
            let me = json_answer(
                &host,
                "reading the account",
                client
                    .get(endpoint(&app.api_url, "/v2/userinfo"))
                    .bearer_auth(&tokens.access_token)
                    .send()
                    .await,
            )
            .await?;
            let sub = me["sub"].as_str().unwrap_or_default();
            let mut accounts = vec![Account {
                kind: "linkedin",
                name: me["name"].as_str().unwrap_or("LinkedIn").to_owned(),
                config: serde_json::json!({"author": format!("urn:li:person:{sub}")}),
                tokens: tokens.clone(),
            }];
            // The organisations (company pages) the member administers post as themselves.
            let acls = json_answer(
                &host,
                "reading the pages",
                client
                    .get(format!(
                        "{}?q=roleAssignee&role=ADMINISTRATOR&state=APPROVED",
                        endpoint(&app.api_url, "/rest/organizationAcls")
                    ))
                    .bearer_auth(&tokens.access_token)
                    .header("LinkedIn-Version", crate::networks::LINKEDIN_VERSION)
                    .header("X-Restli-Protocol-Version", "2.0.0")
                    .send()
                    .await,
            )
            .await;
            // A member without pages (or an application without the organisation scopes)
            // still gets their own channel.
            if let Ok(acls) = acls {
                for acl in acls["elements"].as_array().into_iter().flatten() {
                    let Some(org) = acl["organization"].as_str() else {
                        continue;
                    };
                    let id = org.rsplit(':').next().unwrap_or_default();
                    let name = json_answer(
                        &host,
                        "reading a page",
                        client
                            .get(endpoint(&app.api_url, &format!("/rest/organizations/{id}")))
                            .bearer_auth(&tokens.access_token)
                            .header("LinkedIn-Version", crate::networks::LINKEDIN_VERSION)
                            .send()
                            .await,
                    )
                    .await
                    .ok()
                    .and_then(|o| o["localizedName"].as_str().map(str::to_owned))
                    .unwrap_or_else(|| org.to_owned());
                    accounts.push(Account {
                        kind: "linkedin",
                        name,
                        config: serde_json::json!({"author": org}),
                        tokens: tokens.clone(),
                    });
                }
            }
            Ok(accounts)
        }
        Network::Meta => {
            let pages = json_answer(
                &host,
                "reading the pages",
                client
                    .get(with_query(
                        &endpoint(&app.api_url, "/me/accounts"),
                        &[
                            (
                                "fields",
                                "id,name,access_token,instagram_business_account{id,username}",
                            ),
                            ("access_token", &tokens.access_token),
                        ],
                    )?)
                    .send()
                    .await,
            )
            .await?;
            let mut out = Vec::new();
            for page in pages["data"].as_array().into_iter().flatten() {
                let page_token = Tokens {
                    access_token: page["access_token"].as_str().unwrap_or_default().to_owned(),
                    refresh_token: None,
                    expires_at: None,
                };
                out.push(Account {
                    kind: "facebook",
                    name: page["name"].as_str().unwrap_or("Page").to_owned(),
                    config: serde_json::json!({"page_id": page["id"]}),
                    tokens: page_token.clone(),
                });
                let ig = &page["instagram_business_account"];
                if let Some(id) = ig["id"].as_str() {
                    out.push(Account {
                        kind: "instagram",
                        name: format!("@{}", ig["username"].as_str().unwrap_or("instagram")),
                        config: serde_json::json!({"ig_user_id": id}),
                        tokens: page_token,
                    });
                }
            }
            Ok(out)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pkce_follows_rfc_7636() {
        // The example of RFC 7636, appendix B.
        assert_eq!(
            pkce_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }

    #[test]
    fn the_authorization_address_asks_for_what_each_network_needs() {
        let app = OAuthApp {
            network: Network::X,
            client_id: "cid".into(),
            client_secret: "s".into(),
            auth_url: "https://x.com/i/oauth2/authorize".into(),
            token_url: "https://api.x.com/2/oauth2/token".into(),
            api_url: "https://api.x.com".into(),
        };
        let url = authorize_url(&app, "https://j.example/oauth/callback", "st", "verifier");
        let parsed = url::Url::parse(&url).unwrap();
        let q: std::collections::HashMap<_, _> = parsed.query_pairs().into_owned().collect();
        assert_eq!(q["client_id"], "cid");
        assert_eq!(q["code_challenge"], pkce_challenge("verifier"));
        assert_eq!(q["code_challenge_method"], "S256");
        assert!(q["scope"].contains("offline.access"));
        let linkedin = OAuthApp {
            network: Network::LinkedIn,
            ..app
        };
        let url = authorize_url(&linkedin, "https://j.example/oauth/callback", "st", "v");
        assert!(!url.contains("code_challenge"));
        assert!(url.contains("w_member_social"));
    }
}
