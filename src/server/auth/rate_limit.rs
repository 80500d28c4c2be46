//! Request rates of the REST API, kept in the database so every process
//! sharing it enforces one limit. Each bucket (a credential, an address)
//! has one counter row per fixed window; a request is judged by the
//! sliding-window estimate: this window's count plus the previous window's,
//! weighted by how much of it still overlaps the last `window` seconds.
//! That keeps a client from doubling its rate across a window's edge, at
//! the cost of two rows per bucket instead of one row per request.
//!
//! A request is counted before it is judged (as in `throttle`), so
//! parallel requests cannot all slip under the limit.

use crate::server::db::Db;
use crate::server::error::ServerResult;

/// How a bucket stands after one request, for the RateLimit-* headers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Verdict {
    pub allowed: bool,
    pub limit: i64,
    pub remaining: i64,
    /// Seconds until the bucket has room again (RateLimit-Reset; and
    /// Retry-After when refused).
    pub reset: i64,
}

/// Counts one request against `bucket` and judges it: at most `limit`
/// requests in any `window` seconds, as the estimate reckons them.
pub async fn take(db: &Db, bucket: &str, limit: i64, window: i64, now_ms: i64) -> ServerResult<Verdict> {
    let window_ms = window * 1000;
    let start = now_ms.div_euclid(window_ms) * window_ms;
    let (current,): (i64,) = sqlx::query_as(
        "insert into rate_window (bucket, window_start, hits) values ($1, $2, 1) \
         on conflict (bucket, window_start) do update set hits = rate_window.hits + 1 returning hits",
    )
    .bind(bucket)
    .bind(start)
    .fetch_one(&db.pool)
    .await?;
    let previous: Option<(i64,)> =
        sqlx::query_as("select hits from rate_window where bucket = $1 and window_start = $2")
            .bind(bucket)
            .bind(start - window_ms)
            .fetch_optional(&db.pool)
            .await?;
    let counts = Counts {
        previous: previous.map_or(0, |(n,)| n),
        current,
        elapsed_ms: now_ms - start,
        window_ms,
    };
    Ok(counts.verdict(limit))
}

/// Forgets windows that no estimate reads any more (housekeeping).
pub async fn sweep(db: &Db, now_ms: i64) -> ServerResult<u64> {
    // No window is longer than an hour (API_RATE_WINDOW_SECONDS).
    let done = sqlx::query("delete from rate_window where window_start < $1")
        .bind(now_ms - 2 * 3_600_000)
        .execute(&db.pool)
        .await?;
    Ok(done.rows_affected())
}

/// The two windows a judgement reads.
#[derive(Debug, Clone, Copy)]
struct Counts {
    previous: i64,
    current: i64,
    elapsed_ms: i64,
    window_ms: i64,
}

impl Counts {
    /// Requests in the last window, as estimated at `elapsed` into this one.
    fn estimate(&self, elapsed_ms: i64) -> f64 {
        let overlap = (self.window_ms - elapsed_ms).max(0) as f64 / self.window_ms as f64;
        self.previous as f64 * overlap + self.current as f64
    }

    fn verdict(&self, limit: i64) -> Verdict {
        let estimate = self.estimate(self.elapsed_ms);
        Verdict {
            allowed: estimate <= limit as f64,
            limit,
            remaining: (limit as f64 - estimate).floor().max(0.0) as i64,
            reset: ((self.room_in_ms(limit) + 999) / 1000).max(1),
        }
    }

    /// How long until one more request would be allowed, if none came
    /// meanwhile: first while the previous window fades out of this one,
    /// then while this one fades out of the next.
    fn room_in_ms(&self, limit: i64) -> i64 {
        let (w, e) = (self.window_ms as f64, self.elapsed_ms as f64);
        let room = (limit - 1) as f64;
        let ms = if self.current as f64 <= room {
            if self.previous == 0 {
                0.0
            } else {
                // previous * (w - e - t) / w + current <= room
                (w - e - (room - self.current as f64) * w / self.previous as f64).max(0.0)
            }
        } else {
            // In the next window at e2: current * (w - e2) / w <= room.
            (w - e) + (w - room * w / self.current as f64).max(0.0)
        };
        ms.ceil() as i64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counts(previous: i64, current: i64, elapsed_ms: i64) -> Counts {
        Counts {
            previous,
            current,
            elapsed_ms,
            window_ms: 60_000,
        }
    }

    #[test]
    fn a_request_within_the_limit_is_allowed_with_what_remains() {
        let v = counts(0, 3, 10_000).verdict(5);
        assert_eq!((v.allowed, v.remaining), (true, 2));
        assert!(counts(0, 5, 10_000).verdict(5).allowed, "the limit itself is allowed");
        assert!(!counts(0, 6, 10_000).verdict(5).allowed);
    }

    #[test]
    fn the_previous_window_weighs_by_its_overlap() {
        // 30 s into the window, half of the previous one still counts.
        assert_eq!(counts(10, 0, 30_000).estimate(30_000), 5.0);
        assert!(!counts(10, 1, 30_000).verdict(5).allowed, "5 + 1 is over 5");
        assert!(counts(10, 1, 45_000).verdict(5).allowed, "2.5 + 1 is not");
        // So a burst at the end of one window and the start of the next
        // cannot pass twice the limit.
        assert!(!counts(5, 5, 1_000).verdict(5).allowed);
    }

    #[test]
    fn the_wait_is_until_one_more_request_fits() {
        for (previous, current, elapsed) in [
            (10, 1, 30_000),
            (0, 6, 10_000),
            (8, 4, 59_000),
            (0, 50, 1_000),
            (7, 0, 0),
        ] {
            let c = counts(previous, current, elapsed);
            let wait = c.room_in_ms(5);
            // After the wait, one more request is within the limit...
            let later = |t: i64| {
                let e = elapsed + t;
                if e < c.window_ms {
                    Counts {
                        current: current + 1,
                        elapsed_ms: e,
                        ..c
                    }
                } else {
                    counts(current, 1, e - c.window_ms)
                }
            };
            assert!(
                later(wait).verdict(5).allowed,
                "{previous}/{current}/{elapsed}: {wait} ms"
            );
            // ...and a little before it, it was not (unless no wait was needed).
            if wait > 10 {
                assert!(
                    !later(wait - 10).verdict(5).allowed,
                    "{previous}/{current}/{elapsed}: {wait} ms"
                );
            }
        }
    }

    #[test]
    fn reset_is_whole_seconds_and_never_zero() {
        assert_eq!(counts(0, 6, 10_000).verdict(5).reset, 70, "50 s to the edge, then 20 s");
        assert_eq!(counts(0, 1, 10_000).verdict(5).reset, 1);
    }
}
