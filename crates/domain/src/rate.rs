//! How fast one API token may call: a token bucket per key. Each key may make `per_minute`
//! requests at once (the burst), then one more each `60 / per_minute` seconds. A refused call
//! says how long to wait — the `Retry-After` of a 429. Time is given by the caller (seconds as
//! `f64`), so the rule is tested without clocks.

use std::collections::HashMap;

/// The buckets of every key seen; keys idle long enough to be full again are forgotten.
#[derive(Debug, Default)]
pub struct RateLimiter {
    per_minute: u32,
    /// key → (tokens left, when last counted)
    buckets: HashMap<i64, (f64, f64)>,
    calls: u64,
}

impl RateLimiter {
    /// `per_minute` calls a minute for each key; 0 lets every call through.
    pub fn new(per_minute: u32) -> RateLimiter {
        RateLimiter {
            per_minute,
            buckets: HashMap::new(),
            calls: 0,
        }
    }

    /// Takes one call for `key` at `now`: `Ok(left)` with the calls left in the burst, or
    /// `Err(seconds)` to wait before the next one is taken (at least 1).
    pub fn take(&mut self, key: i64, now: f64) -> Result<u32, u64> {
        if self.per_minute == 0 {
            return Ok(u32::MAX);
        }
        let capacity = f64::from(self.per_minute);
        let rate = capacity / 60.0;
        self.calls += 1;
        if self.calls.is_multiple_of(10_000) {
            // A full bucket holds nothing worth keeping.
            self.buckets
                .retain(|_, (tokens, at)| *tokens + (now - *at) * rate < capacity);
        }
        let (tokens, at) = self.buckets.entry(key).or_insert((capacity, now));
        *tokens = (*tokens + (now - *at).max(0.0) * rate).min(capacity);
        *at = now;
        if *tokens >= 1.0 {
            *tokens -= 1.0;
            Ok(*tokens as u32)
        } else {
            // Less a hair, so float error does not round 20 s up to 21.
            Err(((1.0 - *tokens) / rate - 1e-6).ceil().max(1.0) as u64)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_then_one_call_per_interval() {
        let mut limiter = RateLimiter::new(60);
        for n in 0..60 {
            assert_eq!(limiter.take(7, 100.0), Ok(59 - n));
        }
        assert_eq!(
            limiter.take(7, 100.0),
            Err(1),
            "one a second after the burst"
        );
        assert_eq!(limiter.take(7, 100.5), Err(1));
        assert_eq!(limiter.take(7, 101.0), Ok(0));
        assert_eq!(limiter.take(7, 101.0), Err(1));
        // Another key has its own bucket.
        assert_eq!(limiter.take(8, 101.0), Ok(59));
        // A minute idle fills the bucket again, no more.
        assert_eq!(limiter.take(7, 200.0), Ok(59));
    }

    #[test]
    fn slow_rates_say_how_long_to_wait() {
        let mut limiter = RateLimiter::new(2);
        assert!(limiter.take(1, 0.0).is_ok());
        assert!(limiter.take(1, 0.0).is_ok());
        assert_eq!(limiter.take(1, 0.0), Err(30));
        assert_eq!(limiter.take(1, 10.0), Err(20));
    }

    #[test]
    fn zero_means_no_limit() {
        let mut limiter = RateLimiter::new(0);
        for _ in 0..10_000 {
            assert!(limiter.take(1, 0.0).is_ok());
        }
    }
}
