//! Throttles kept in the database, so they hold across processes: sign-in
//! failures, sign-ups, mailed links, and actions that cost the service or
//! reach other hosts (connection tests, schedule previews, run now).
//!
//! A hit is recorded *before* it is judged and counted with the rest, so
//! parallel requests cannot all slip under a limit while a slow check runs.
//! Sign-in counts failures per (account, address), so an outsider guessing
//! from elsewhere cannot lock the account's owner out, plus a cap per
//! address across accounts; unknown emails are counted like known ones.

use super::TenantContext;
use crate::server::db::{new_id, now, Db};
use crate::server::error::{ServerError, ServerResult};

/// At most `max` hits in `window` seconds.
#[derive(Debug, Clone, Copy)]
pub struct Limit {
    pub max: i64,
    pub window: i64,
}

/// Failed sign-ins of one account from one address.
pub const SIGN_IN_PER_ACCOUNT_AND_ADDRESS: Limit = Limit {
    max: 5,
    window: 15 * 60,
};
/// Failed sign-ins from one address, whatever the account.
pub const SIGN_IN_PER_ADDRESS: Limit = Limit {
    max: 20,
    window: 15 * 60,
};
/// New accounts from one address.
pub const SIGN_UPS_PER_ADDRESS: Limit = Limit {
    max: 10,
    window: 60 * 60,
};
/// Mailed links to one address.
pub const MAILS_PER_ADDRESS: Limit = Limit {
    max: 3,
    window: 15 * 60,
};

/// The longest window of any throttle: older hits are swept.
const LONGEST_WINDOW: i64 = 24 * 60 * 60;

/// One recorded hit, to be taken back if the action turns out fine.
pub struct Hit {
    id: String,
}

async fn record(db: &Db, key: &str, at: i64) -> ServerResult<Hit> {
    let id = new_id();
    sqlx::query("insert into throttle_hit (id, hit_key, hit_at) values ($1, $2, $3)")
        .bind(&id)
        .bind(key)
        .bind(at)
        .execute(&db.pool)
        .await?;
    Ok(Hit { id })
}

/// Hits on `key` in the window, and the earliest of them.
async fn recent(db: &Db, key: &str, limit: Limit, at: i64) -> ServerResult<(i64, Option<i64>)> {
    Ok(
        sqlx::query_as("select count(*), min(hit_at) from throttle_hit where hit_key = $1 and hit_at > $2")
            .bind(key)
            .bind(at - limit.window)
            .fetch_one(&db.pool)
            .await?,
    )
}

/// Records a hit on `key`. When the window then holds more than the limit,
/// the hit is taken back (a refused request does not count, so hammering
/// cannot push the wait further out) and the answer is how many seconds
/// until the earliest counted hit leaves the window.
pub async fn hit(db: &Db, key: &str, limit: Limit) -> ServerResult<Result<Hit, i64>> {
    let at = now();
    let hit = record(db, key, at).await?;
    let (count, earliest) = recent(db, key, limit, at).await?;
    if count > limit.max {
        forget(db, hit).await?;
        let wait = earliest.map_or(limit.window, |e| e + limit.window - at).max(1);
        return Ok(Err(wait));
    }
    Ok(Ok(hit))
}

async fn forget(db: &Db, hit: Hit) -> ServerResult<()> {
    sqlx::query("delete from throttle_hit where id = $1")
        .bind(&hit.id)
        .execute(&db.pool)
        .await?;
    Ok(())
}

/// The part of an address that names one client: IPv4 as is (and IPv4
/// written as IPv6), IPv6 by its /64, the smallest block a home or server
/// usually gets, so rotating through it does not escape a limit.
pub fn client_key(ip: &str) -> String {
    // Some proxies write the port too ("1.2.3.4:5678", "[2001:db8::1]:443").
    let address = ip
        .parse::<std::net::SocketAddr>()
        .map(|a| a.ip())
        .or_else(|_| ip.parse::<std::net::IpAddr>());
    match address {
        Ok(std::net::IpAddr::V6(v6)) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let s = v6.segments();
                format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
            }
        },
        Ok(v4) => v4.to_string(),
        Err(_) => ip.to_owned(),
    }
}

/// A throttled answer in plain words, with the wait.
pub fn too_often(what: &str, wait_seconds: i64) -> ServerError {
    ServerError::Throttled(format!("{what} Try again in {wait_seconds} s."))
}

fn pair_key(email: &str, ip: &str) -> String {
    format!("sign-in:{email}|{}", client_key(ip))
}

fn ip_key(ip: &str) -> String {
    format!("sign-in-ip:{}", client_key(ip))
}

/// One sign-in attempt, already counted.
pub struct Attempt {
    pair: String,
    at_address: Hit,
}

/// Records a sign-in attempt and fails with `Throttled` when this account
/// from this address, or this address overall, has failed too often.
pub async fn begin_sign_in(db: &Db, ip: &str, email: &str) -> ServerResult<Attempt> {
    let pair = pair_key(email, ip);
    let refused = |wait: i64| {
        tracing::warn!("sign-in throttled");
        let minutes = (wait + 59) / 60;
        ServerError::Throttled(format!(
            "Too many failed sign-ins. Please wait {minutes} minute{} and try again.",
            if minutes == 1 { "" } else { "s" }
        ))
    };
    let by_pair = hit(db, &pair, SIGN_IN_PER_ACCOUNT_AND_ADDRESS)
        .await?
        .map_err(refused)?;
    match hit(db, &ip_key(ip), SIGN_IN_PER_ADDRESS).await? {
        Ok(at_address) => Ok(Attempt { pair, at_address }),
        Err(wait) => {
            forget(db, by_pair).await?;
            Err(refused(wait))
        }
    }
}

/// A successful sign-in clears the failures of its account and address and
/// takes this attempt off the address's count, so an office behind one
/// address is not locked out by its own successful sign-ins.
pub async fn succeeded(db: &Db, attempt: Attempt) -> ServerResult<()> {
    sqlx::query("delete from throttle_hit where hit_key = $1 or id = $2")
        .bind(&attempt.pair)
        .bind(&attempt.at_address.id)
        .execute(&db.pool)
        .await?;
    Ok(())
}

/// Records a sign-up from `ip`; Throttled once the address has made too many.
pub async fn allow_sign_up(db: &Db, ip: &str) -> ServerResult<()> {
    match hit(db, &format!("sign-up:{}", client_key(ip)), SIGN_UPS_PER_ADDRESS).await? {
        Ok(_) => Ok(()),
        Err(wait) => Err(too_often(
            "Too many accounts were created from your network recently.",
            wait,
        )),
    }
}

/// Records a request to mail a link to `email`; false once the address has
/// had too many in the window (the caller then sends nothing).
pub async fn allow_mail(db: &Db, email: &str) -> ServerResult<bool> {
    Ok(hit(db, &format!("mail:{email}"), MAILS_PER_ADDRESS).await?.is_ok())
}

/// Actions that cost the service or call other hosts, limited per member
/// and per workspace so one person or one workspace cannot hammer a site,
/// the model or the database through them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// A connection test calls the site's WordPress.
    ConnectionTest,
    /// The settings form previews the next runs while a schedule is typed.
    SchedulePreview,
    /// "Run now" queues a post (generation spends the model).
    RunNow,
    /// "Write a caption" asks the model (or the built-in writer).
    Caption,
    /// A photo or video is uploaded (up to 100 MB read into memory).
    Upload,
    /// "Fetch now" reads every account's figures from the platforms.
    MetricsFetch,
}

impl Action {
    fn name(self) -> &'static str {
        match self {
            Action::ConnectionTest => "test",
            Action::SchedulePreview => "preview",
            Action::RunNow => "run",
            Action::Caption => "caption",
            Action::Upload => "upload",
            Action::MetricsFetch => "metrics",
        }
    }

    /// (per member, per workspace)
    fn limits(self) -> (Limit, Limit) {
        let minute = |max| Limit { max, window: 60 };
        match self {
            Action::ConnectionTest => (minute(10), minute(30)),
            Action::SchedulePreview => (minute(60), minute(180)),
            Action::RunNow => (minute(10), minute(30)),
            Action::Caption => (minute(20), minute(60)),
            Action::Upload => (minute(30), minute(90)),
            Action::MetricsFetch => (minute(3), minute(6)),
        }
    }

    fn too_often(self) -> &'static str {
        match self {
            Action::ConnectionTest => "Connections were tested many times in the last minute.",
            Action::SchedulePreview => "The schedule was previewed many times in the last minute.",
            Action::RunNow => "Runs were started many times in the last minute.",
            Action::Caption => "Captions were written many times in the last minute.",
            Action::Upload => "Many files were uploaded in the last minute; wait a moment.",
            Action::MetricsFetch => "Figures were fetched several times in the last minute; wait a moment.",
        }
    }
}

/// Counts one `action` by this member in this workspace; Throttled, with
/// the wait in seconds, once either has done it too often. The job runner
/// is limited per workspace only.
pub async fn action(db: &Db, ctx: &TenantContext, action: Action) -> ServerResult<()> {
    let (per_member, per_workspace) = action.limits();
    let by_member = match ctx.user_id() {
        // A member over their own limit is refused before the workspace's
        // count is touched, so one person cannot use it up for the rest.
        Some(user_id) => match hit(db, &format!("{}:user:{user_id}", action.name()), per_member).await? {
            Ok(hit) => Some(hit),
            Err(wait) => return Err(too_often(action.too_often(), wait)),
        },
        None => None,
    };
    let key = format!("{}:workspace:{}", action.name(), ctx.tenant_id());
    if let Err(wait) = hit(db, &key, per_workspace).await? {
        if let Some(hit) = by_member {
            forget(db, hit).await?;
        }
        return Err(too_often(action.too_often(), wait));
    }
    Ok(())
}

/// Removes hits older than any window.
pub async fn sweep(db: &Db) -> ServerResult<u64> {
    let done = sqlx::query("delete from throttle_hit where hit_at < $1")
        .bind(now() - LONGEST_WINDOW)
        .execute(&db.pool)
        .await?;
    Ok(done.rows_affected())
}

#[cfg(test)]
mod tests {
    use super::client_key;

    #[test]
    fn an_ipv6_client_is_its_64_and_mapped_ipv4_is_ipv4() {
        assert_eq!(client_key("2001:db8:1:2:aaaa::1"), "2001:db8:1:2::/64");
        assert_eq!(client_key("2001:db8:1:2:ffff::9"), client_key("2001:db8:1:2::1"));
        assert_ne!(client_key("2001:db8:1:3::1"), client_key("2001:db8:1:2::1"));
        assert_eq!(client_key("::ffff:203.0.113.7"), "203.0.113.7");
        assert_eq!(client_key("203.0.113.7"), "203.0.113.7");
        assert_eq!(client_key("unknown"), "unknown");
        assert_eq!(client_key("203.0.113.7:5678"), "203.0.113.7", "a port is no new client");
        assert_eq!(client_key("[2001:db8:1:2::1]:443"), "2001:db8:1:2::/64");
    }
}
