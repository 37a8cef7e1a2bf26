use std::sync::{Arc, LazyLock};

use jardinier_domain::Role;
use jardinier_store::testing::TestDatabase;
use jardinier_store::{NewUser, NewWorkspace, Store, User, Workspace};
use jardinier_web::{AppState, Application, WebConfig};
use reqwest::StatusCode;
use reqwest::redirect::Policy;

#[derive(Clone, Copy, Debug)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Defines each listed async test scenario `fn name(backend)` twice: `sqlite::name` and
/// `postgres::name`.
#[macro_export]
macro_rules! both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $( #[tokio::test] async fn $name() { super::$name($crate::helpers::Backend::Sqlite).await } )*
        }
        mod postgres {
            $( #[tokio::test] async fn $name() { super::$name($crate::helpers::Backend::Postgres).await } )*
        }
    };
}

/// Answers the web tests can rely on: the analysis crate has its own tests.
fn known_analysis(text: &str) -> jardinier_listening::Enrichment {
    let negative = ["déçu", "nul", "arnaque"].iter().any(|w| text.contains(w));
    jardinier_listening::Enrichment {
        lang: Some("fr".into()),
        sentiment: Some(if negative {
            ("negative".into(), -0.6)
        } else {
            ("positive".into(), 0.5)
        }),
    }
}

pub const PASSWORD: &str = "correct horse battery";

static PASSWORD_HASH: LazyLock<String> =
    LazyLock::new(|| jardinier_web::auth::hash_password(PASSWORD));

pub struct TestApp {
    pub base: String,
    pub store: Arc<dyn Store>,
    /// The pipeline, to wait for alert evaluation (`settle_alerts`).
    pub ingestor: Arc<jardinier_listening::Ingestor>,
    pub client: reqwest::Client,
    /// The media library's folder.
    pub media: jardinier_store::testing::TempDir,
    _db: TestDatabase,
}

pub async fn spawn_app(backend: Backend) -> Option<TestApp> {
    spawn_app_with(backend, |_| {}).await
}

/// [`spawn_app`] with a change to the web configuration first.
pub async fn spawn_app_with(
    backend: Backend,
    configure: impl FnOnce(&mut WebConfig),
) -> Option<TestApp> {
    spawn_app_configured(backend, configure, |_| {}).await
}

/// [`spawn_app`] with changes to the web and the community site's configurations first.
pub async fn spawn_app_configured(
    backend: Backend,
    configure: impl FnOnce(&mut WebConfig),
    configure_site: impl FnOnce(&mut jardinier_site::SiteConfig),
) -> Option<TestApp> {
    let db = match backend {
        Backend::Sqlite => TestDatabase::sqlite(),
        Backend::Postgres => TestDatabase::postgres().await?,
    };
    let store = jardinier_store::connect(&db.url).await.expect("connect");
    store.migrate().await.expect("migrate");
    let store: Arc<dyn Store> = Arc::new(store);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let mut config = WebConfig::new(&base);
    config.mail_log_page = true;
    let media = jardinier_store::testing::TempDir::new("media");
    config.media_dir = media.0.clone();
    configure(&mut config);
    // As the server does: the pipeline with its alert engine and the alert sender.
    let engine = Arc::new(jardinier_listening::alerts::AlertEngine::new(
        store.clone(),
        &base,
    ));
    engine.reload().await.unwrap();
    let mut ingestor = jardinier_listening::Ingestor::new(store.clone(), known_analysis);
    ingestor.alerts = Some(engine.clone());
    ingestor.reload_queries().await.unwrap();
    let ingestor = Arc::new(ingestor);
    let sender = jardinier_listening::alerts::AlertSender::new(store.clone());
    let (keep_running, stop) = tokio::sync::watch::channel(false);
    tokio::spawn(async move {
        let _keep_running = keep_running;
        sender
            .run(
                std::time::Duration::from_millis(200),
                engine.wake.clone(),
                stop,
            )
            .await
    });
    let api_limiter = std::sync::Mutex::new(jardinier_domain::rate::RateLimiter::new(
        config.api_requests_per_minute,
    ));
    let state = Arc::new(AppState {
        store: store.clone(),
        config,
        mail_wake: Default::default(),
        reply_wake: Default::default(),
        metrics: Default::default(),
        ingestor: ingestor.clone(),
        dev_inbox: Default::default(),
        viewers: Default::default(),
        stopping: Default::default(),
        inbox_counts: Default::default(),
        newsletter_wake: Some(Default::default()),
        api_limiter,
    });
    let mut site_config = jardinier_site::SiteConfig::new(&base);
    site_config.mail_log = true;
    site_config.media_dir = media.0.clone();
    // Link previews may read the tests' own pages on 127.0.0.1 (and nothing else inside).
    site_config.card_addresses_allowed = vec![std::net::Ipv4Addr::LOCALHOST.into()];
    configure_site(&mut site_config);
    let site = jardinier_site::SiteState::new(
        store.clone(),
        site_config,
        Default::default(),
        Some(ingestor.clone()),
    );
    let app = Application::from_listener(listener, state)
        .in_front(|workbench| jardinier_site::in_front_of(workbench, site));
    tokio::spawn(app.serve(std::future::pending()));
    Some(TestApp {
        base,
        store,
        ingestor,
        client: new_client(),
        media,
        _db: db,
    })
}

pub fn new_client() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(Policy::none())
        .build()
        .unwrap()
}

/// The value of the first `name="_csrf"` field in a page.
pub fn csrf_in(html: &str) -> String {
    let marker = "name=\"_csrf\" value=\"";
    let start = html.find(marker).expect("the page has a CSRF field") + marker.len();
    html[start..start + 64].to_owned()
}

pub fn location(response: &reqwest::Response) -> String {
    response
        .headers()
        .get("location")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default()
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client.get(self.url(path)).send().await.unwrap()
    }

    pub async fn get_with(&self, client: &reqwest::Client, path: &str) -> reqwest::Response {
        client.get(self.url(path)).send().await.unwrap()
    }

    pub async fn text(&self, path: &str) -> (StatusCode, String) {
        let response = self.get(path).await;
        (response.status(), response.text().await.unwrap())
    }

    /// Calls `/api/v1/workspace/{path}` with a bearer token: the status and the JSON answer
    /// (null when there is none).
    pub fn api_call(
        &self,
        token: &str,
        method: reqwest::Method,
        path: &str,
        body: Option<serde_json::Value>,
    ) -> impl std::future::Future<Output = (StatusCode, serde_json::Value)> + use<> {
        let mut request = self
            .client
            .request(method, self.url(&format!("/api/v1/workspace/{path}")))
            .bearer_auth(token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        async move {
            let response = request.send().await.unwrap();
            let status = response.status();
            (status, response.json().await.unwrap_or_default())
        }
    }

    /// The CSRF token this client's forms must carry (its session's, or its cookie's).
    pub async fn csrf(&self, client: &reqwest::Client) -> String {
        let html = client
            .get(self.url("/password/forgot"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        csrf_in(&html)
    }

    /// Posts a form with this client's CSRF token.
    pub async fn post_with(
        &self,
        client: &reqwest::Client,
        path: &str,
        fields: &[(&str, &str)],
    ) -> reqwest::Response {
        let token = self.csrf(client).await;
        let mut form: Vec<(&str, &str)> = fields.to_vec();
        form.push(("_csrf", &token));
        client
            .post(self.url(path))
            .form(&form)
            .send()
            .await
            .unwrap()
    }

    pub async fn post(&self, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        self.post_with(&self.client, path, fields).await
    }

    pub async fn login_with(
        &self,
        client: &reqwest::Client,
        email: &str,
        password: &str,
    ) -> reqwest::Response {
        self.post_with(
            client,
            "/login",
            &[("email", email), ("password", password), ("next", "/")],
        )
        .await
    }

    pub async fn login(&self, email: &str) -> reqwest::Response {
        let response = self.login_with(&self.client, email, PASSWORD).await;
        assert_eq!(
            response.status(),
            StatusCode::SEE_OTHER,
            "sign-in of {email} failed"
        );
        response
    }

    pub async fn user(&self, email: &str, name: &str) -> User {
        self.store
            .create_user(
                &NewUser {
                    email,
                    display_name: name,
                    password_hash: &PASSWORD_HASH,
                    lang: None,
                },
                jardinier_web::unix_now(),
            )
            .await
            .unwrap()
    }

    pub async fn workspace(&self, slug: &str, owner: &User) -> Workspace {
        self.store
            .create_workspace(
                &NewWorkspace {
                    slug,
                    name: &format!("Brand {slug}"),
                    timezone: "Europe/Paris",
                },
                owner.id,
                jardinier_web::unix_now(),
            )
            .await
            .unwrap()
    }

    pub async fn member(&self, workspace: &Workspace, email: &str, role: Role) -> User {
        let user = self.user(email, &format!("{role} person")).await;
        self.store
            .add_member(workspace.id, user.id, role, jardinier_web::unix_now())
            .await
            .unwrap();
        user
    }

    /// Creates an API token through the UI, as the signed-in user of `client`.
    pub async fn api_token(&self, client: &reqwest::Client, slug: &str) -> String {
        let response = self
            .post_with(
                client,
                &format!("/w/{slug}/settings/tokens"),
                &[("name", "test script")],
            )
            .await;
        assert_eq!(response.status(), StatusCode::OK);
        let html = response.text().await.unwrap();
        let start = html
            .find("data-testid=\"new-token\">")
            .expect("token shown")
            + "data-testid=\"new-token\">".len();
        html[start..].split('<').next().unwrap().to_owned()
    }
}
