//! How long a failed attempt waits before the next one.

use std::time::Duration;

/// Capped exponential back-off with jitter: attempt 1 waits about `base`,
/// each further attempt twice as long, never more than `max`; the wait is
/// drawn from [half, full] so retries of many jobs spread out.
pub fn backoff(attempt: i64, base: Duration, max: Duration) -> Duration {
    let exponent = attempt.clamp(1, 30) as u32 - 1;
    let full = base.saturating_mul(2u32.saturating_pow(exponent)).min(max);
    let jitter: f64 = rand::Rng::gen_range(&mut rand::thread_rng(), 0.5..=1.0);
    full.mul_f64(jitter)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_with_jitter_and_is_capped() {
        let base = Duration::from_secs(10);
        let max = Duration::from_secs(60);
        for _ in 0..50 {
            let first = backoff(1, base, max);
            assert!(first >= Duration::from_secs(5) && first <= base);
            let third = backoff(3, base, max);
            assert!(third >= Duration::from_secs(20) && third <= Duration::from_secs(40));
            assert!(backoff(12, base, max) <= max);
        }
    }
}
