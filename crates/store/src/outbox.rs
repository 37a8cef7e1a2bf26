//! What every outbox shares (mail, replies, post deliveries): the retry schedule, and claiming
//! due rows before the network call.

use sqlx::Row;

use crate::Result;
use crate::sql::Backend;
use crate::sql_inbox::Tx;

/// Attempts before a message is given up; the waits double from 30 s (30 s, 1 min, … ~1 h).
pub const MAX_ATTEMPTS: i64 = 8;

/// The wait before the next attempt, after `attempts_so_far` failed ones.
pub fn retry_delay(attempts_so_far: i64) -> i64 {
    (30_i64 << attempts_so_far.clamp(0, 7)).min(3_600)
}

/// Claims up to `limit` rows of an outbox `table` (columns `status`, `next_attempt_at`,
/// `claimed_at`, `attempts`): those `ready` and due, and those left `sending` before
/// `stale_before`. Each is marked `sending` with its attempt counted, in `tx`. Returns
/// (id, in doubt: it was being sent when its claimer stopped).
pub(crate) async fn claim_due(
    tx: &mut Tx,
    backend: Backend,
    table: &'static str,
    ready: &'static str,
    now: i64,
    stale_before: i64,
    limit: i64,
) -> Result<Vec<(i64, bool)>> {
    let skip_locked = match backend {
        Backend::Sqlite => "",
        Backend::Postgres => " FOR UPDATE SKIP LOCKED",
    };
    let due: Vec<(i64, bool)> = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT id, status FROM {table} WHERE (status = '{ready}' AND next_attempt_at <= $1) \
         OR (status = 'sending' AND claimed_at < $2) ORDER BY next_attempt_at, id LIMIT $3{skip_locked}"
    )))
    .bind(now)
    .bind(stale_before)
    .bind(limit)
    .fetch_all(&mut **tx)
    .await?
    .iter()
    .map(|r| Ok((r.try_get("id")?, r.try_get::<String, _>("status")? == "sending")))
    .collect::<Result<_>>()?;
    for (id, _) in &due {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "UPDATE {table} SET status = 'sending', claimed_at = $2, attempts = attempts + 1 WHERE id = $1"
        )))
        .bind(*id)
        .bind(now)
        .execute(&mut **tx)
        .await?;
    }
    Ok(due)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_back_off_to_an_hour() {
        assert_eq!(retry_delay(0), 30);
        assert_eq!(retry_delay(1), 60);
        assert_eq!(retry_delay(3), 240);
        assert_eq!(retry_delay(7), 3_600);
        assert_eq!(retry_delay(40), 3_600);
    }
}
