//! Fresh databases for tests, on either backend.
//!
//! SQLite tests get a file in a temporary folder. PostgreSQL tests get a database of their own,
//! created on the server named by `JARDINIER_TEST_POSTGRES_URL` (default: the local server with
//! trust authentication, `postgres://postgres@127.0.0.1:5432/postgres`). Databases left behind by
//! earlier runs are dropped once they are an hour old.
//!
//! When PostgreSQL cannot be reached, [`TestDatabase::postgres`] returns `None` and prints a loud
//! message, except under `CI=true`, where it panics: CI must test both backends.

use std::path::PathBuf;
use std::time::{SystemTime, UNIX_EPOCH};

use sqlx::{Connection, Executor};

pub struct TestDatabase {
    pub url: String,
    _dir: Option<TempDir>,
}

/// A folder removed on drop.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(tag: &str) -> TempDir {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_nanos();
        let path =
            std::env::temp_dir().join(format!("jardinier-{tag}-{}-{nanos}", std::process::id()));
        std::fs::create_dir_all(&path).expect("create a temporary folder");
        TempDir(path)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

pub fn postgres_admin_url() -> String {
    std::env::var("JARDINIER_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned())
}

fn replace_database(url: &str, database: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, format!("?{query}")),
        None => (url, String::new()),
    };
    let authority_end = base.find("://").map(|i| i + 3).unwrap_or(0);
    let base = match base[authority_end..].find('/') {
        Some(slash) => &base[..authority_end + slash],
        None => base,
    };
    format!("{base}/{database}{query}")
}

impl TestDatabase {
    pub fn sqlite() -> TestDatabase {
        let dir = TempDir::new("db");
        let url = format!("sqlite://{}/jardinier.db", dir.0.display());
        TestDatabase {
            url,
            _dir: Some(dir),
        }
    }

    pub async fn postgres() -> Option<TestDatabase> {
        let admin_url = postgres_admin_url();
        let mut admin = match sqlx::PgConnection::connect(&admin_url).await {
            Ok(conn) => conn,
            Err(error) => {
                let message = format!("PostgreSQL at {admin_url} is unreachable ({error})");
                if std::env::var("CI").is_ok_and(|v| v == "true") {
                    panic!(
                        "{message}; CI must run the PostgreSQL tests (.ci/run starts the server)"
                    );
                }
                eprintln!(
                    "\n!!!!! SKIPPING POSTGRESQL TEST: {message}. Set JARDINIER_TEST_POSTGRES_URL. !!!!!\n"
                );
                return None;
            }
        };
        let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap();
        let stale: Vec<String> = sqlx::query_scalar(
            "SELECT datname FROM pg_database WHERE datname LIKE 'jardinier_test_%' ORDER BY datname",
        )
        .fetch_all(&mut admin)
        .await
        .unwrap_or_default();
        for name in stale {
            let created = name
                .split('_')
                .nth(2)
                .and_then(|s| s.parse::<u64>().ok())
                .unwrap_or(0);
            if created + 3600 < now.as_secs() {
                let _ = admin
                    .execute(sqlx::AssertSqlSafe(format!(
                        "DROP DATABASE IF EXISTS \"{name}\""
                    )))
                    .await;
            }
        }
        let name = format!(
            "jardinier_test_{}_{}_{}",
            now.as_secs(),
            std::process::id(),
            now.subsec_nanos()
        );
        admin
            .execute(sqlx::AssertSqlSafe(format!("CREATE DATABASE \"{name}\"")))
            .await
            .expect("create a test database");
        Some(TestDatabase {
            url: replace_database(&admin_url, &name),
            _dir: None,
        })
    }
}

/// A user (`owner@<slug>.example`, password hash "h") and the workspace `slug` they own, with
/// one webhook source: what most store-level tests start from.
pub async fn owner_workspace_source(
    store: &dyn crate::Store,
    slug: &str,
) -> (crate::User, crate::Workspace, crate::Source) {
    let email = format!("owner@{slug}.example");
    let owner = store
        .create_user(
            &crate::NewUser {
                email: &email,
                display_name: "Owner",
                password_hash: "h",
                lang: None,
            },
            1,
        )
        .await
        .expect("create the owner");
    let workspace = store
        .create_workspace(
            &crate::NewWorkspace {
                slug,
                name: slug,
                timezone: "UTC",
            },
            owner.id,
            1,
        )
        .await
        .expect("create the workspace");
    let source = store
        .create_source(&crate::NewSource {
            workspace_id: workspace.id,
            kind: "webhook",
            name: "Hook",
            config: "{}",
            secret: Some("k"),
            interval_secs: 0,
            now: 1,
        })
        .await
        .expect("create the source");
    (owner, workspace, source)
}

#[cfg(test)]
mod tests {
    #[test]
    fn replaces_the_database_name_in_a_url() {
        assert_eq!(
            super::replace_database("postgres://postgres@127.0.0.1:5432/postgres", "x"),
            "postgres://postgres@127.0.0.1:5432/x"
        );
        assert_eq!(
            super::replace_database("postgres://h/db?sslmode=disable", "x"),
            "postgres://h/x?sslmode=disable"
        );
        assert_eq!(
            super::replace_database("postgres://h", "x"),
            "postgres://h/x"
        );
    }
}
