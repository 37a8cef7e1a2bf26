//! [`SqlStore`]: the one implementation of [`Store`], for SQLite and PostgreSQL.
//!
//! Queries use only what both databases accept: `$n` parameters (SQLite reads `$1` as the first
//! argument too), `RETURNING`, `ON CONFLICT … DO`, 64-bit integers for ids and times, and no
//! booleans. Column aliases carry a table prefix (`u_id`, `w_slug`) so joined rows decode with
//! the same helpers.

use std::path::Path;
use std::sync::Arc;

use async_trait::async_trait;
use jardinier_domain::Role;
use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::migrate::Migrator;
use sqlx::{AnyPool, Executor, Row};

use crate::error::StoreError;
use crate::records::*;
use crate::{Result, Store};

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/postgres");

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn from_url(url: &str) -> Option<Backend> {
        if url.starts_with("sqlite:") {
            Some(Backend::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Some(Backend::Postgres)
        } else {
            None
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

pub struct SqlStore {
    pub(crate) pool: AnyPool,
    pub(crate) backend: Backend,
    /// SQLite has one writer at a time; batch writers of this process queue here, woken at
    /// once, instead of polling the database lock through `busy_timeout`'s sleeps.
    /// The batch writer's thread takes it for each of its transactions.
    pub(crate) write_gate: Arc<tokio::sync::Mutex<()>>,
    /// SQLite: the thread that stores batches of items (group commit); see `sqlite_writer`.
    pub(crate) batch_writer: Option<crate::sqlite_writer::BatchWriter>,
    /// Community contexts and categories, read by every community page (`community_cache`).
    pub(crate) community_cache: crate::community_cache::CommunityCache,
    /// SQLite: connections for the community's busiest reads, outside sqlx (`sqlite_reads`).
    pub(crate) sqlite_reads: Option<crate::sqlite_reads::SqliteReads>,
}

impl SqlStore {
    /// On SQLite, waits for this process's other writers (see `write_gate`); hold the guard
    /// for the write. On PostgreSQL, which has row locks, nothing to wait for.
    pub(crate) async fn writing(&self) -> Option<tokio::sync::MutexGuard<'_, ()>> {
        match self.backend {
            Backend::Sqlite => Some(self.write_gate.lock().await),
            Backend::Postgres => None,
        }
    }
}

/// Every SQLite connection's settings: the pool's, and the batch writer's and checkpointer's
/// (`sqlite_writer`, which give the writer a larger cache on top).
pub(crate) const SQLITE_SETTINGS: &[&str] = &[
    // WAL lets readers run while one writer writes; NORMAL sync is durable across application
    // crashes (the WAL is fsynced at checkpoints).
    "PRAGMA journal_mode = WAL",
    "PRAGMA synchronous = NORMAL",
    "PRAGMA foreign_keys = ON",
    "PRAGMA busy_timeout = 5000",
    // Deleted or rewritten rows are overwritten with zeros, not left in the file's free space:
    // an erased person leaves no trace (MemberStore::erase_member), including old copies of
    // their rows that earlier updates freed.
    "PRAGMA secure_delete = ON",
    // 16 MiB of page cache per connection (the default is 2 MiB).
    "PRAGMA cache_size = -16384",
    "PRAGMA wal_autocheckpoint = 10000",
];

/// Opens the database named by `url` (`sqlite://path/to/file.db` or `postgres://…`), creating a
/// SQLite file and its folder if needed. Does not migrate: call [`Store::migrate`].
pub async fn connect(url: &str) -> Result<SqlStore> {
    sqlx::any::install_default_drivers();
    let backend =
        Backend::from_url(url).ok_or_else(|| StoreError::UnsupportedUrl(url.to_owned()))?;
    let mut sqlite_path = None;
    let pool = match backend {
        Backend::Sqlite => {
            let path = url
                .trim_start_matches("sqlite://")
                .trim_start_matches("sqlite:");
            let path = path.split('?').next().unwrap_or(path);
            sqlite_path = Some(std::path::PathBuf::from(path));
            if let Some(parent) = Path::new(path)
                .parent()
                .filter(|p| !p.as_os_str().is_empty())
            {
                std::fs::create_dir_all(parent)
                    .map_err(|e| StoreError::Connect(sqlx::Error::Io(e)))?;
            }
            let url = if url.contains('?') {
                url.to_owned()
            } else {
                format!("{url}?mode=rwc")
            };
            AnyPoolOptions::new()
                .max_connections(8)
                .after_connect(|conn, _meta| {
                    Box::pin(async move {
                        for pragma in SQLITE_SETTINGS {
                            conn.execute(*pragma).await?;
                        }
                        Ok(())
                    })
                })
                .connect(&url)
                .await
        }
        Backend::Postgres => AnyPoolOptions::new().max_connections(16).connect(url).await,
    }
    .map_err(StoreError::Connect)?;
    let write_gate = Arc::new(tokio::sync::Mutex::new(()));
    Ok(SqlStore {
        pool,
        backend,
        sqlite_reads: sqlite_path
            .clone()
            .map(crate::sqlite_reads::SqliteReads::new),
        batch_writer: sqlite_path
            .map(|path| crate::sqlite_writer::BatchWriter::start(path, write_gate.clone())),
        write_gate,
        community_cache: Default::default(),
    })
}

pub(crate) fn corrupt(what: String) -> StoreError {
    StoreError::Database(sqlx::Error::Decode(what.into()))
}

fn role(text: &str) -> Result<Role> {
    Role::parse(text).ok_or_else(|| corrupt(format!("unknown role {text:?} in the database")))
}

macro_rules! user_cols {
    () => {
        "u.id AS u_id, u.email AS u_email, u.display_name AS u_display_name, u.lang AS u_lang, u.created_at AS u_created_at"
    };
}
macro_rules! workspace_cols {
    () => {
        "w.id AS w_id, w.slug AS w_slug, w.name AS w_name, w.timezone AS w_timezone, w.created_at AS w_created_at"
    };
}
macro_rules! invitation_cols {
    () => {
        "i.id AS i_id, i.workspace_id AS i_workspace_id, i.email AS i_email, i.role AS i_role, \
     i.invited_by AS i_invited_by, i.created_at AS i_created_at, i.expires_at AS i_expires_at, \
     i.accepted_at AS i_accepted_at, i.revoked_at AS i_revoked_at"
    };
}
macro_rules! token_cols {
    () => {
        "id, workspace_id, user_id, name, prefix, created_at, last_used_at, revoked_at"
    };
}
macro_rules! mail_cols {
    () => {
        "id, idempotency_key, to_addr, subject, body_text, created_at, status, attempts, sent_at, last_error, list_unsubscribe"
    };
}

fn user(row: &AnyRow) -> Result<User> {
    Ok(User {
        id: row.try_get("u_id")?,
        email: row.try_get("u_email")?,
        display_name: row.try_get("u_display_name")?,
        lang: row.try_get("u_lang")?,
        created_at: row.try_get("u_created_at")?,
    })
}

fn workspace(row: &AnyRow) -> Result<Workspace> {
    Ok(Workspace {
        id: row.try_get("w_id")?,
        slug: row.try_get("w_slug")?,
        name: row.try_get("w_name")?,
        timezone: row.try_get("w_timezone")?,
        created_at: row.try_get("w_created_at")?,
    })
}

fn invitation(row: &AnyRow) -> Result<Invitation> {
    Ok(Invitation {
        id: row.try_get("i_id")?,
        workspace_id: row.try_get("i_workspace_id")?,
        email: row.try_get("i_email")?,
        role: role(row.try_get("i_role")?)?,
        invited_by: row.try_get("i_invited_by")?,
        created_at: row.try_get("i_created_at")?,
        expires_at: row.try_get("i_expires_at")?,
        accepted_at: row.try_get("i_accepted_at")?,
        revoked_at: row.try_get("i_revoked_at")?,
    })
}

fn api_token(row: &AnyRow) -> Result<ApiToken> {
    Ok(ApiToken {
        id: row.try_get("id")?,
        workspace_id: row.try_get("workspace_id")?,
        user_id: row.try_get("user_id")?,
        name: row.try_get("name")?,
        prefix: row.try_get("prefix")?,
        created_at: row.try_get("created_at")?,
        last_used_at: row.try_get("last_used_at")?,
        revoked_at: row.try_get("revoked_at")?,
    })
}

fn mail(row: &AnyRow) -> Result<OutgoingMail> {
    Ok(OutgoingMail {
        id: row.try_get("id")?,
        idempotency_key: row.try_get("idempotency_key")?,
        to: row.try_get("to_addr")?,
        subject: row.try_get("subject")?,
        body_text: row.try_get("body_text")?,
        created_at: row.try_get("created_at")?,
        status: MailStatus::parse(row.try_get("status")?),
        attempts: row.try_get("attempts")?,
        sent_at: row.try_get("sent_at")?,
        last_error: row.try_get("last_error")?,
        list_unsubscribe: row.try_get("list_unsubscribe")?,
    })
}

pub(crate) const INSERT_MAIL: &str = "INSERT INTO mail_outbox \
     (idempotency_key, to_addr, subject, body_text, created_at, status, attempts, next_attempt_at, \
     list_unsubscribe) VALUES ($1, $2, $3, $4, $5, 'pending', 0, $5, $6) \
     ON CONFLICT (idempotency_key) DO NOTHING";

pub(crate) fn insert_mail<'q>(
    m: &'q NewMail<'q>,
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments> {
    sqlx::query(INSERT_MAIL)
        .bind(m.idempotency_key)
        .bind(m.to)
        .bind(m.subject)
        .bind(m.body_text)
        .bind(m.created_at)
        .bind(m.list_unsubscribe)
}

#[async_trait]
impl Store for SqlStore {
    fn backend(&self) -> Backend {
        self.backend
    }

    async fn migrate(&self) -> Result<()> {
        match self.backend {
            Backend::Sqlite => SQLITE_MIGRATIONS.run(&self.pool).await?,
            Backend::Postgres => POSTGRES_MIGRATIONS.run(&self.pool).await?,
        }
        Ok(())
    }

    async fn refresh_statistics(&self) -> Result<()> {
        if self.backend == Backend::Postgres {
            sqlx::query("VACUUM ANALYZE").execute(&self.pool).await?;
        }
        Ok(())
    }

    async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    async fn create_user(&self, new: &NewUser<'_>, now: i64) -> Result<User> {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO users (email, display_name, password_hash, lang, created_at) \
             VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(new.email)
        .bind(new.display_name)
        .bind(new.password_hash)
        .bind(new.lang)
        .bind(now)
        .fetch_one(&self.pool)
        .await
        .map_err(StoreError::on_unique("email"))?;
        Ok(User {
            id,
            email: new.email.to_owned(),
            display_name: new.display_name.to_owned(),
            lang: new.lang.map(str::to_owned),
            created_at: now,
        })
    }

    async fn user_by_id(&self, id: i64) -> Result<Option<User>> {
        let sql = concat!("SELECT ", user_cols!(), " FROM users u WHERE u.id = $1");
        let row = sqlx::query(sql).bind(id).fetch_optional(&self.pool).await?;
        row.as_ref().map(user).transpose()
    }

    async fn user_credentials(&self, email: &str) -> Result<Option<(User, String)>> {
        let sql = concat!(
            "SELECT ",
            user_cols!(),
            ", u.password_hash FROM users u WHERE u.email = $1"
        );
        let row = sqlx::query(sql)
            .bind(email)
            .fetch_optional(&self.pool)
            .await?;
        match row {
            Some(row) => Ok(Some((user(&row)?, row.try_get("password_hash")?))),
            None => Ok(None),
        }
    }

    async fn set_user_lang(&self, user_id: i64, lang: Option<&str>) -> Result<()> {
        sqlx::query("UPDATE users SET lang = $2 WHERE id = $1")
            .bind(user_id)
            .bind(lang)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn set_display_name(&self, user_id: i64, display_name: &str) -> Result<()> {
        sqlx::query("UPDATE users SET display_name = $2 WHERE id = $1")
            .bind(user_id)
            .bind(display_name)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn set_password_hash(&self, user_id: i64, hash: &str) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        let done = sqlx::query("UPDATE users SET password_hash = $2 WHERE id = $1")
            .bind(user_id)
            .bind(hash)
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound { what: "user" });
        }
        sqlx::query("DELETE FROM sessions WHERE user_id = $1")
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn create_workspace(
        &self,
        new: &NewWorkspace<'_>,
        owner: i64,
        now: i64,
    ) -> Result<Workspace> {
        let mut tx = self.pool.begin().await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO workspaces (slug, name, timezone, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
        )
        .bind(new.slug)
        .bind(new.name)
        .bind(new.timezone)
        .bind(now)
        .fetch_one(&mut *tx)
        .await
        .map_err(StoreError::on_unique("slug"))?;
        sqlx::query("INSERT INTO memberships (workspace_id, user_id, role, created_at) VALUES ($1, $2, 'owner', $3)")
            .bind(id)
            .bind(owner)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(Workspace {
            id,
            slug: new.slug.to_owned(),
            name: new.name.to_owned(),
            timezone: new.timezone.to_owned(),
            created_at: now,
        })
    }

    async fn workspace_by_id(&self, id: i64) -> Result<Option<Workspace>> {
        let sql = concat!(
            "SELECT ",
            workspace_cols!(),
            " FROM workspaces w WHERE w.id = $1"
        );
        let row = sqlx::query(sql).bind(id).fetch_optional(&self.pool).await?;
        row.as_ref().map(workspace).transpose()
    }

    async fn workspace_by_slug(&self, slug: &str) -> Result<Option<Workspace>> {
        let sql = concat!(
            "SELECT ",
            workspace_cols!(),
            " FROM workspaces w WHERE w.slug = $1"
        );
        let row = sqlx::query(sql)
            .bind(slug)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(workspace).transpose()
    }

    async fn workspaces_of_user(&self, user_id: i64) -> Result<Vec<(Workspace, Role)>> {
        let sql = concat!(
            "SELECT ",
            workspace_cols!(),
            ", m.role FROM memberships m JOIN workspaces w ON w.id = m.workspace_id WHERE m.user_id = $1 ORDER BY w.name, w.id"
        );
        let rows = sqlx::query(sql).bind(user_id).fetch_all(&self.pool).await?;
        rows.iter()
            .map(|row| Ok((workspace(row)?, role(row.try_get("role")?)?)))
            .collect()
    }

    async fn membership(&self, user_id: i64, slug: &str) -> Result<Option<(Workspace, Role)>> {
        let sql = concat!(
            "SELECT ",
            workspace_cols!(),
            ", m.role FROM memberships m JOIN workspaces w ON w.id = m.workspace_id WHERE m.user_id = $1 AND w.slug = $2"
        );
        let row = sqlx::query(sql)
            .bind(user_id)
            .bind(slug)
            .fetch_optional(&self.pool)
            .await?;
        match row {
            Some(row) => Ok(Some((workspace(&row)?, role(row.try_get("role")?)?))),
            None => Ok(None),
        }
    }

    async fn members(&self, workspace_id: i64) -> Result<Vec<Member>> {
        let sql = concat!(
            "SELECT ",
            user_cols!(),
            ", m.role, m.created_at AS joined_at FROM memberships m JOIN users u ON u.id = m.user_id WHERE m.workspace_id = $1 ORDER BY u.display_name, u.id"
        );
        let rows = sqlx::query(sql)
            .bind(workspace_id)
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|row| {
                Ok(Member {
                    user: user(row)?,
                    role: role(row.try_get("role")?)?,
                    joined_at: row.try_get("joined_at")?,
                })
            })
            .collect()
    }

    async fn add_member(
        &self,
        workspace_id: i64,
        user_id: i64,
        role: Role,
        now: i64,
    ) -> Result<()> {
        sqlx::query("INSERT INTO memberships (workspace_id, user_id, role, created_at) VALUES ($1, $2, $3, $4)")
            .bind(workspace_id)
            .bind(user_id)
            .bind(role.as_str())
            .bind(now)
            .execute(&self.pool)
            .await
            .map_err(StoreError::on_unique("membership"))?;
        Ok(())
    }

    async fn set_member_role(&self, workspace_id: i64, user_id: i64, new_role: Role) -> Result<()> {
        // One statement, so two managers demoting the last two owners at once cannot both win.
        let done = sqlx::query(
            "UPDATE memberships SET role = $3 WHERE workspace_id = $1 AND user_id = $2 \
             AND ($3 = 'owner' OR role <> 'owner' \
                  OR (SELECT COUNT(*) FROM memberships o WHERE o.workspace_id = $1 AND o.role = 'owner') > 1)",
        )
        .bind(workspace_id)
        .bind(user_id)
        .bind(new_role.as_str())
        .execute(&self.pool)
        .await?;
        if done.rows_affected() == 1 {
            return Ok(());
        }
        self.explain_membership_refusal(workspace_id, user_id).await
    }

    async fn remove_member(&self, workspace_id: i64, user_id: i64) -> Result<()> {
        let done = sqlx::query(
            "DELETE FROM memberships WHERE workspace_id = $1 AND user_id = $2 \
             AND (role <> 'owner' \
                  OR (SELECT COUNT(*) FROM memberships o WHERE o.workspace_id = $1 AND o.role = 'owner') > 1)",
        )
        .bind(workspace_id)
        .bind(user_id)
        .execute(&self.pool)
        .await?;
        if done.rows_affected() == 1 {
            // Their tokens for this workspace stop working with the membership; revoke them too
            // so the token list tells the truth.
            sqlx::query("DELETE FROM api_tokens WHERE workspace_id = $1 AND user_id = $2")
                .bind(workspace_id)
                .bind(user_id)
                .execute(&self.pool)
                .await?;
            return Ok(());
        }
        self.explain_membership_refusal(workspace_id, user_id).await
    }

    async fn rename_workspace(&self, workspace_id: i64, name: &str, timezone: &str) -> Result<()> {
        sqlx::query("UPDATE workspaces SET name = $2, timezone = $3 WHERE id = $1")
            .bind(workspace_id)
            .bind(name)
            .bind(timezone)
            .execute(&self.pool)
            .await?;
        self.community_cache.forget();
        Ok(())
    }

    async fn create_session(&self, s: &NewSession<'_>) -> Result<()> {
        sqlx::query(
            "INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(s.token_hash)
        .bind(s.user_id)
        .bind(s.csrf_token)
        .bind(s.created_at)
        .bind(s.expires_at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn session(&self, token_hash: &str, now: i64) -> Result<Option<(Session, User)>> {
        let sql = concat!(
            "SELECT ",
            user_cols!(),
            ", s.user_id, s.csrf_token, s.created_at, s.expires_at FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = $1 AND s.expires_at > $2"
        );
        let row = sqlx::query(sql)
            .bind(token_hash)
            .bind(now)
            .fetch_optional(&self.pool)
            .await?;
        let Some(row) = row else { return Ok(None) };
        let session = Session {
            user_id: row.try_get("user_id")?,
            csrf_token: row.try_get("csrf_token")?,
            created_at: row.try_get("created_at")?,
            expires_at: row.try_get("expires_at")?,
        };
        Ok(Some((session, user(&row)?)))
    }

    async fn delete_session(&self, token_hash: &str) -> Result<()> {
        sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
            .bind(token_hash)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn login_throttle(&self, key: &str) -> Result<Option<Throttle>> {
        let row = sqlx::query("SELECT failures, window_start, locked_until FROM login_throttle WHERE throttle_key = $1")
            .bind(key)
            .fetch_optional(&self.pool)
            .await?;
        match row {
            Some(row) => Ok(Some(Throttle {
                failures: row.try_get("failures")?,
                window_start: row.try_get("window_start")?,
                locked_until: row.try_get("locked_until")?,
            })),
            None => Ok(None),
        }
    }

    async fn put_login_throttle(&self, key: &str, state: &Throttle) -> Result<()> {
        sqlx::query(
            "INSERT INTO login_throttle (throttle_key, failures, window_start, locked_until) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (throttle_key) DO UPDATE SET failures = excluded.failures, \
             window_start = excluded.window_start, locked_until = excluded.locked_until",
        )
        .bind(key)
        .bind(state.failures)
        .bind(state.window_start)
        .bind(state.locked_until)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn clear_login_throttle(&self, key: &str) -> Result<()> {
        sqlx::query("DELETE FROM login_throttle WHERE throttle_key = $1")
            .bind(key)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn create_password_reset(
        &self,
        reset: &NewPasswordReset<'_>,
        m: &NewMail<'_>,
    ) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("INSERT INTO password_resets (token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)")
            .bind(reset.token_hash)
            .bind(reset.user_id)
            .bind(reset.created_at)
            .bind(reset.expires_at)
            .execute(&mut *tx)
            .await?;
        insert_mail(m).execute(&mut *tx).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn take_password_reset(&self, token_hash: &str, now: i64) -> Result<Option<i64>> {
        let user_id = sqlx::query_scalar(
            "UPDATE password_resets SET used_at = $2 \
             WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2 RETURNING user_id",
        )
        .bind(token_hash)
        .bind(now)
        .fetch_optional(&self.pool)
        .await?;
        Ok(user_id)
    }

    async fn password_reset_user(&self, token_hash: &str, now: i64) -> Result<Option<i64>> {
        let user_id = sqlx::query_scalar(
            "SELECT user_id FROM password_resets WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2",
        )
        .bind(token_hash)
        .bind(now)
        .fetch_optional(&self.pool)
        .await?;
        Ok(user_id)
    }

    async fn create_invitation(
        &self,
        inv: &NewInvitation<'_>,
        m: &NewMail<'_>,
    ) -> Result<Invitation> {
        let mut tx = self.pool.begin().await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO invitations (token_hash, workspace_id, email, role, invited_by, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
        .bind(inv.token_hash)
        .bind(inv.workspace_id)
        .bind(inv.email)
        .bind(inv.role.as_str())
        .bind(inv.invited_by)
        .bind(inv.created_at)
        .bind(inv.expires_at)
        .fetch_one(&mut *tx)
        .await?;
        insert_mail(m).execute(&mut *tx).await?;
        tx.commit().await?;
        Ok(Invitation {
            id,
            workspace_id: inv.workspace_id,
            email: inv.email.to_owned(),
            role: inv.role,
            invited_by: Some(inv.invited_by),
            created_at: inv.created_at,
            expires_at: inv.expires_at,
            accepted_at: None,
            revoked_at: None,
        })
    }

    async fn invitation(&self, token_hash: &str) -> Result<Option<(Invitation, Workspace)>> {
        let sql = concat!(
            "SELECT ",
            invitation_cols!(),
            ", ",
            workspace_cols!(),
            " FROM invitations i JOIN workspaces w ON w.id = i.workspace_id WHERE i.token_hash = $1"
        );
        let row = sqlx::query(sql)
            .bind(token_hash)
            .fetch_optional(&self.pool)
            .await?;
        match row {
            Some(row) => Ok(Some((invitation(&row)?, workspace(&row)?))),
            None => Ok(None),
        }
    }

    async fn pending_invitations(&self, workspace_id: i64, now: i64) -> Result<Vec<Invitation>> {
        let sql = concat!(
            "SELECT ",
            invitation_cols!(),
            " FROM invitations i WHERE i.workspace_id = $1 AND i.accepted_at IS NULL AND i.revoked_at IS NULL AND i.expires_at > $2 ORDER BY i.id"
        );
        let rows = sqlx::query(sql)
            .bind(workspace_id)
            .bind(now)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(invitation).collect()
    }

    async fn accept_invitation(
        &self,
        token_hash: &str,
        user_id: i64,
        now: i64,
    ) -> Result<Workspace> {
        let mut tx = self.pool.begin().await?;
        let row = sqlx::query(
            "UPDATE invitations SET accepted_at = $2 WHERE token_hash = $1 AND accepted_at IS NULL \
             AND revoked_at IS NULL AND expires_at > $2 RETURNING workspace_id, role",
        )
        .bind(token_hash)
        .bind(now)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(StoreError::NotFound { what: "invitation" })?;
        let workspace_id: i64 = row.try_get("workspace_id")?;
        let invited_role: String = row.try_get("role")?;
        // Someone who is already a member keeps the role they have.
        sqlx::query(
            "INSERT INTO memberships (workspace_id, user_id, role, created_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (workspace_id, user_id) DO NOTHING",
        )
        .bind(workspace_id)
        .bind(user_id)
        .bind(invited_role)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        let sql = concat!(
            "SELECT ",
            workspace_cols!(),
            " FROM workspaces w WHERE w.id = $1"
        );
        let ws = workspace(
            &sqlx::query(sql)
                .bind(workspace_id)
                .fetch_one(&mut *tx)
                .await?,
        )?;
        tx.commit().await?;
        Ok(ws)
    }

    async fn revoke_invitation(
        &self,
        workspace_id: i64,
        invitation_id: i64,
        now: i64,
    ) -> Result<()> {
        let done = sqlx::query(
            "UPDATE invitations SET revoked_at = $3 WHERE workspace_id = $1 AND id = $2 \
             AND accepted_at IS NULL AND revoked_at IS NULL",
        )
        .bind(workspace_id)
        .bind(invitation_id)
        .bind(now)
        .execute(&self.pool)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound { what: "invitation" });
        }
        Ok(())
    }

    async fn create_api_token(&self, t: &NewApiToken<'_>) -> Result<ApiToken> {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO api_tokens (workspace_id, user_id, name, token_hash, prefix, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(t.workspace_id)
        .bind(t.user_id)
        .bind(t.name)
        .bind(t.token_hash)
        .bind(t.prefix)
        .bind(t.created_at)
        .fetch_one(&self.pool)
        .await
        .map_err(StoreError::on_unique("token"))?;
        Ok(ApiToken {
            id,
            workspace_id: t.workspace_id,
            user_id: t.user_id,
            name: t.name.to_owned(),
            prefix: t.prefix.to_owned(),
            created_at: t.created_at,
            last_used_at: None,
            revoked_at: None,
        })
    }

    async fn api_tokens(&self, workspace_id: i64, user_id: i64) -> Result<Vec<ApiToken>> {
        let sql = concat!(
            "SELECT ",
            token_cols!(),
            " FROM api_tokens WHERE workspace_id = $1 AND user_id = $2 ORDER BY id DESC"
        );
        let rows = sqlx::query(sql)
            .bind(workspace_id)
            .bind(user_id)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(api_token).collect()
    }

    async fn revoke_api_token(
        &self,
        workspace_id: i64,
        user_id: i64,
        token_id: i64,
        now: i64,
    ) -> Result<()> {
        let done = sqlx::query(
            "UPDATE api_tokens SET revoked_at = $4 WHERE workspace_id = $1 AND user_id = $2 AND id = $3 \
             AND revoked_at IS NULL",
        )
        .bind(workspace_id)
        .bind(user_id)
        .bind(token_id)
        .bind(now)
        .execute(&self.pool)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound { what: "token" });
        }
        Ok(())
    }

    async fn authenticate_api_token(
        &self,
        token_hash: &str,
        now: i64,
    ) -> Result<Option<ApiPrincipal>> {
        let sql = concat!(
            "SELECT t.id AS t_id, ",
            user_cols!(),
            ", ",
            workspace_cols!(),
            ", m.role FROM api_tokens t JOIN users u ON u.id = t.user_id JOIN workspaces w ON w.id = t.workspace_id JOIN memberships m ON m.workspace_id = t.workspace_id AND m.user_id = t.user_id WHERE t.token_hash = $1 AND t.revoked_at IS NULL"
        );
        let Some(row) = sqlx::query(sql)
            .bind(token_hash)
            .fetch_optional(&self.pool)
            .await?
        else {
            return Ok(None);
        };
        let principal = ApiPrincipal {
            token_id: row.try_get("t_id")?,
            user: user(&row)?,
            workspace: workspace(&row)?,
            role: role(row.try_get("role")?)?,
        };
        // Recorded to the minute: enough to show "last used", without a write per request.
        sqlx::query(
            "UPDATE api_tokens SET last_used_at = $2 WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < $2 - 60)",
        )
        .bind(principal.token_id)
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(Some(principal))
    }

    async fn enqueue_mail(&self, m: &NewMail<'_>) -> Result<()> {
        insert_mail(m).execute(&self.pool).await?;
        Ok(())
    }

    async fn due_mail(&self, now: i64, limit: i64) -> Result<Vec<OutgoingMail>> {
        let sql = concat!(
            "SELECT ",
            mail_cols!(),
            " FROM mail_outbox WHERE status = 'pending' AND next_attempt_at <= $1 ORDER BY id LIMIT $2"
        );
        let rows = sqlx::query(sql)
            .bind(now)
            .bind(limit)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(mail).collect()
    }

    async fn mark_mail_delivered(&self, id: i64, status: MailStatus, now: i64) -> Result<()> {
        sqlx::query(
            "UPDATE mail_outbox SET status = $2, sent_at = $3, attempts = attempts + 1, last_error = NULL \
             WHERE id = $1 AND status = 'pending'",
        )
        .bind(id)
        .bind(status.as_str())
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn mark_mail_failed(
        &self,
        id: i64,
        error: &str,
        next_attempt_at: Option<i64>,
    ) -> Result<()> {
        let (status, next) = match next_attempt_at {
            Some(at) => (MailStatus::Pending, at),
            None => (MailStatus::Failed, 0),
        };
        sqlx::query(
            "UPDATE mail_outbox SET status = $2, attempts = attempts + 1, last_error = $3, \
             next_attempt_at = CASE WHEN $4 > 0 THEN $4 ELSE next_attempt_at END WHERE id = $1",
        )
        .bind(id)
        .bind(status.as_str())
        .bind(error)
        .bind(next)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn recent_mail(&self, limit: i64) -> Result<Vec<OutgoingMail>> {
        let sql = concat!(
            "SELECT ",
            mail_cols!(),
            " FROM mail_outbox ORDER BY id DESC LIMIT $1"
        );
        let rows = sqlx::query(sql).bind(limit).fetch_all(&self.pool).await?;
        rows.iter().map(mail).collect()
    }

    async fn record_audit(&self, e: &NewAudit<'_>) -> Result<()> {
        sqlx::query("INSERT INTO audit_log (workspace_id, actor_id, action, detail, at) VALUES ($1, $2, $3, $4, $5)")
            .bind(e.workspace_id)
            .bind(e.actor_id)
            .bind(e.action)
            .bind(e.detail)
            .bind(e.at)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn audit_log(
        &self,
        workspace_id: i64,
        before: Option<i64>,
        limit: i64,
    ) -> Result<Vec<AuditEntry>> {
        let rows = sqlx::query(
            "SELECT a.id, u.display_name AS actor, a.action, a.detail, a.at FROM audit_log a \
             LEFT JOIN users u ON u.id = a.actor_id WHERE a.workspace_id = $1 AND a.id < $3 \
             ORDER BY a.id DESC LIMIT $2",
        )
        .bind(workspace_id)
        .bind(limit)
        .bind(before.unwrap_or(i64::MAX))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(AuditEntry {
                    id: row.try_get("id")?,
                    actor: row.try_get("actor")?,
                    action: row.try_get("action")?,
                    detail: row.try_get("detail")?,
                    at: row.try_get("at")?,
                })
            })
            .collect()
    }

    async fn counts(&self, now: i64) -> Result<Counts> {
        let row = sqlx::query(
            "SELECT (SELECT COUNT(*) FROM users) AS users, (SELECT COUNT(*) FROM workspaces) AS workspaces, \
             (SELECT COUNT(*) FROM sessions WHERE expires_at > $1) AS sessions, \
             (SELECT COUNT(*) FROM mail_outbox WHERE status = 'pending') AS pending_mail",
        )
        .bind(now)
        .fetch_one(&self.pool)
        .await?;
        Ok(Counts {
            users: row.try_get("users")?,
            workspaces: row.try_get("workspaces")?,
            active_sessions: row.try_get("sessions")?,
            pending_mail: row.try_get("pending_mail")?,
        })
    }
}

impl SqlStore {
    /// After a guarded update touched nothing: either the membership does not exist, or the
    /// change would leave the workspace without an owner.
    async fn explain_membership_refusal(&self, workspace_id: i64, user_id: i64) -> Result<()> {
        let exists: Option<String> = sqlx::query_scalar(
            "SELECT role FROM memberships WHERE workspace_id = $1 AND user_id = $2",
        )
        .bind(workspace_id)
        .bind(user_id)
        .fetch_optional(&self.pool)
        .await?;
        match exists {
            None => Err(StoreError::NotFound { what: "member" }),
            Some(_) => Err(StoreError::Refused(
                "a workspace must keep at least one owner",
            )),
        }
    }
}
