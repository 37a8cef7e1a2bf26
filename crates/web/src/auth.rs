//! Secrets and sign-in rules: password hashing (Argon2id), random tokens and their stored
//! hashes, and the sign-in throttle. The store only ever sees hashes of tokens.

use jardinier_store::{Store, StoreError, Throttle};

pub use jardinier_webkit::secrets::{
    constant_time_eq, hash_password, hash_password_blocking, random_token, token_hash,
    verify_password, verify_password_blocking,
};

/// Personal API tokens look like `jdn_<64 hex>`; the prefix makes them easy to spot in logs
/// and secret scanners.
pub const API_TOKEN_PREFIX: &str = "jdn_";

pub fn new_api_token() -> String {
    format!("{API_TOKEN_PREFIX}{}", random_token())
}

/// The sign-in throttle, per key (an account, an address, or the pair of both).
///
/// With `growing_delay: None`, `max_failures` failures within `window` seconds lock the key for
/// `window` seconds. With `Some(first)`, the key is never locked for long: from the
/// `max_failures`-th failure on, each failure holds it back `first` seconds, doubled with every
/// further failure, at most `window`; the count forgets once `window` passes, after the last
/// delay, without a failure.
/// The pair of an account and an address uses the delay, so a guesser is slowed without the
/// owner, elsewhere, being locked out.
#[derive(Debug, Clone, Copy)]
pub struct ThrottlePolicy {
    pub max_failures: i64,
    pub window: i64,
    pub growing_delay: Option<i64>,
}

pub enum ThrottleVerdict {
    Open,
    /// Locked: try again in this many seconds.
    Locked(i64),
}

impl ThrottlePolicy {
    /// A lock of `window` seconds after `max_failures` failures.
    pub fn lock(max_failures: i64, window: i64) -> ThrottlePolicy {
        ThrottlePolicy {
            max_failures,
            window,
            growing_delay: None,
        }
    }

    pub fn verdict(&self, state: Option<&Throttle>, now: i64) -> ThrottleVerdict {
        match state.and_then(|s| s.locked_until) {
            Some(until) if until > now => ThrottleVerdict::Locked(until - now),
            _ => ThrottleVerdict::Open,
        }
    }

    /// The state after one more failure at `now`.
    pub fn after_failure(&self, state: Option<&Throttle>, now: i64) -> Throttle {
        let fresh = Throttle {
            failures: 0,
            window_start: now,
            locked_until: None,
        };
        let Some(first) = self.growing_delay else {
            let current = match state {
                Some(s)
                    if s.window_start + self.window > now
                        && s.locked_until.is_none_or(|u| u > now) =>
                {
                    *s
                }
                _ => fresh,
            };
            let failures = current.failures + 1;
            return Throttle {
                failures,
                window_start: current.window_start,
                locked_until: (failures >= self.max_failures).then_some(now + self.window),
            };
        };
        // `window_start` holds the last failure: the count lives until a whole window passes
        // without failures after the last delay ends.
        let current = match state {
            Some(s) if s.locked_until.unwrap_or(0).max(s.window_start) + self.window > now => *s,
            _ => fresh,
        };
        let failures = current.failures + 1;
        let doublings = (failures - self.max_failures).clamp(0, 20) as u32;
        let delay = first.saturating_mul(1 << doublings).min(self.window);
        Throttle {
            failures,
            window_start: now,
            locked_until: (failures >= self.max_failures).then_some(now + delay),
        }
    }
}

/// Checks every key; the longest lock wins.
pub async fn throttle_check(
    store: &dyn Store,
    policy: &ThrottlePolicy,
    keys: &[String],
    now: i64,
) -> Result<Option<i64>, StoreError> {
    let mut locked = None;
    for key in keys {
        if let ThrottleVerdict::Locked(secs) =
            policy.verdict(store.login_throttle(key).await?.as_ref(), now)
        {
            locked = Some(locked.map_or(secs, |l: i64| l.max(secs)));
        }
    }
    Ok(locked)
}

pub async fn throttle_record_failure(
    store: &dyn Store,
    policy: &ThrottlePolicy,
    keys: &[String],
    now: i64,
) -> Result<(), StoreError> {
    for key in keys {
        let next = policy.after_failure(store.login_throttle(key).await?.as_ref(), now);
        store.put_login_throttle(key, &next).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_hash_and_verify() {
        let hash = hash_password("correct horse battery");
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password("correct horse battery", &hash));
        assert!(!verify_password("correct horse batterY", &hash));
        assert!(!verify_password("anything", "not a hash"));
    }

    #[test]
    fn tokens_are_random_and_hashed() {
        let a = random_token();
        assert_eq!(a.len(), 64);
        assert_ne!(a, random_token());
        assert_eq!(
            token_hash("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn five_failures_lock_for_the_window_and_the_lock_expires() {
        let policy = ThrottlePolicy::lock(5, 900);
        let mut state = None;
        for i in 0..4 {
            state = Some(policy.after_failure(state.as_ref(), 1_000 + i));
            assert!(matches!(
                policy.verdict(state.as_ref(), 1_000 + i),
                ThrottleVerdict::Open
            ));
        }
        state = Some(policy.after_failure(state.as_ref(), 1_010));
        assert!(matches!(
            policy.verdict(state.as_ref(), 1_011),
            ThrottleVerdict::Locked(899)
        ));
        assert!(matches!(
            policy.verdict(state.as_ref(), 1_910),
            ThrottleVerdict::Open
        ));
        // After the lock, counting starts again.
        let after = policy.after_failure(state.as_ref(), 1_920);
        assert_eq!((after.failures, after.locked_until), (1, None));
    }

    #[test]
    fn failures_outside_the_window_start_a_new_count() {
        let policy = ThrottlePolicy::lock(3, 60);
        let s = policy.after_failure(None, 0);
        let s = policy.after_failure(Some(&s), 10);
        let s = policy.after_failure(Some(&s), 100);
        assert_eq!((s.failures, s.locked_until), (1, None));
    }

    #[test]
    fn the_delay_grows_with_each_failure_and_is_forgotten_after_a_quiet_window() {
        let policy = ThrottlePolicy {
            max_failures: 3,
            window: 900,
            growing_delay: Some(30),
        };
        let mut state = None;
        let mut now = 0;
        let mut delays = Vec::new();
        for _ in 0..9 {
            state = Some(policy.after_failure(state.as_ref(), now));
            delays.push(match policy.verdict(state.as_ref(), now) {
                ThrottleVerdict::Locked(secs) => secs,
                ThrottleVerdict::Open => 0,
            });
            now += delays.last().copied().unwrap_or(0) + 1;
        }
        assert_eq!(delays, [0, 0, 30, 60, 120, 240, 480, 900, 900]);
        // Waiting out a delay does not reset the count: the next failure waits longer still.
        assert_eq!(state.unwrap().failures, 9);
        // A window without failures forgets them.
        let later = policy.after_failure(state.as_ref(), now + 900);
        assert_eq!((later.failures, later.locked_until), (1, None));
    }
}
