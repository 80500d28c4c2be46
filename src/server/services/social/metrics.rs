//! How published social posts perform. One job per account (`social-metrics`,
//! a schedule per account every six hours, attached when it connects, and
//! "Fetch now" on Analytics) reads what the platform says of the account's
//! posts published in the last 30 days and keeps the latest figures per
//! target:
//! - Facebook: the post's lifetime insights `post_media_view` (views),
//!   `post_total_media_view_unique` (reach) and
//!   `post_reactions_by_type_total` (likes: all reactions), and its
//!   `comments` and `shares` fields (Meta retired the `post_impressions`
//!   metrics in November 2025 for these);
//! - Instagram: the media's insights `views`, `reach`, `likes`,
//!   `comments`, `saved` and `shares`;
//! - TikTok: `view_count`, `like_count`, `comment_count` and `share_count`
//!   from the video query (20 videos a call);
//! - the demo channel: invented figures that grow with the post's age,
//!   labelled as such wherever they are shown.
//!
//! Engagement is likes + comments + shares + saves; the engagement rate
//! divides it by reach where the platform measures reach (Facebook,
//! Instagram) and by views where it does not (TikTok), as the platforms'
//! own dashboards do.

use super::publish::open_access;
use super::token_refused;
use crate::app::types::{
    MetricsFilter, MetricsPage, Permission, Platform, PostMetrics, SocialAccountMetrics, SocialAnalytics, Step,
    TenantId,
};
use crate::server::auth::throttle::{self, Action};
use crate::server::auth::TenantContext;
use crate::server::clients::meta::GraphError;
use crate::server::clients::tiktok::TikTokError;
use crate::server::db::{now, now_ms, Where};
use crate::server::domain::{format_in_zone, parse_time_zone, Schedule};
use crate::server::error::{ServerError, ServerResult};
use crate::server::queue::{enqueue, ClaimedJob, Done, Failure, JobKind, Lease, NewJob, Start};
use crate::server::services::schedules::{self, Attachment};
use crate::server::state::AppState;
use chrono::{TimeZone, Timelike};
use sqlx::AnyConnection;

pub const KIND: &str = "social-metrics";
/// Every six hours, at a quarter past, UTC (the migration attaches the same
/// rule to accounts connected before metrics existed).
const EVERY: &str = "17 */6 * * *";
/// Posts published this long ago or less are read again.
const WINDOW: i64 = 30 * 86_400;
/// The most posts one run reads (newest first).
const PER_RUN: i64 = 200;
/// TikTok's video query takes at most 20 ids.
const TIKTOK_BATCH: usize = 20;
/// The most posts the analytics section reads for its charts.
const REPORTED: i64 = 5_000;
const PER_PAGE: i64 = 25;

/// Attaches the account's metrics schedule, in the connecting transaction.
pub async fn attach(ctx: &TenantContext, conn: &mut AnyConnection, account_id: &str) -> ServerResult<()> {
    let schedule = Schedule::parse("cron", "", EVERY, "UTC")?;
    let attachment = Attachment {
        job_kind: KIND,
        subject_id: account_id,
        schedule: &schedule,
        lead_seconds: 0,
    };
    schedules::ensure_in(ctx, conn, &attachment).await
}

/// "Fetch now": one job per connected account, unless one is waiting or
/// running already. Returns how many were queued. Each read calls the
/// platform once or twice per post, from the same rate budget publishing
/// uses, so it is for people who write posts, and throttled.
pub async fn fetch_now(ctx: &TenantContext, state: &AppState) -> ServerResult<usize> {
    ctx.require(Permission::CreateContent)?;
    throttle::action(&state.db, ctx, Action::MetricsFetch).await?;
    let accounts: Vec<(String,)> = sqlx::query_as(
        "select a.id from social_account a where a.tenant_id = $1 and a.status = 'connected' \
         and not exists (select 1 from job j where j.tenant_id = a.tenant_id and j.kind = $2 \
         and j.subject_id = a.id and j.state in ('queued', 'running')) order by a.id",
    )
    .bind(ctx.tenant_id())
    .bind(KIND)
    .fetch_all(&state.db.pool)
    .await?;
    let clicked = now_ms();
    // A read waiting to retry later is brought forward instead.
    let moved = sqlx::query(
        "update job set run_at_ms = $3 where tenant_id = $1 and kind = $2 and state = 'queued' and run_at_ms > $3",
    )
    .bind(ctx.tenant_id())
    .bind(KIND)
    .bind(clicked)
    .execute(&state.db.pool)
    .await?;
    let mut queued = moved.rows_affected() as usize;
    for (account_id,) in accounts {
        let job = NewJob {
            tenant_id: ctx.tenant_id(),
            kind: KIND,
            subject_id: &account_id,
            // The negated click time: it never meets a scheduled slot.
            slot: -clicked,
            run_at_ms: clicked,
            max_attempts: state.config.worker.max_attempts,
        };
        if enqueue(&state.db.pool, &job, Start::Queued).await?.is_some() {
            queued += 1;
        }
    }
    state.wake.notify_one();
    Ok(queued)
}

/// How many metrics reads of the workspace are due or running (one waiting
/// to retry later is not counted: the page would wait for it in vain).
pub async fn fetching(ctx: &TenantContext, state: &AppState) -> ServerResult<i64> {
    ctx.require(Permission::ViewWorkspace)?;
    let (n,): (i64,) = sqlx::query_as(
        "select count(*) from job where tenant_id = $1 and kind = $2 \
         and (state = 'running' or (state = 'queued' and run_at_ms <= $3))",
    )
    .bind(ctx.tenant_id())
    .bind(KIND)
    .bind(now_ms())
    .fetch_one(&state.db.pool)
    .await?;
    Ok(n)
}

/// The figures one fetch found for one target.
#[derive(Debug, Default, Clone, PartialEq)]
struct Figures {
    views: Option<i64>,
    reach: Option<i64>,
    likes: i64,
    comments: i64,
    shares: Option<i64>,
    saves: Option<i64>,
}

#[derive(sqlx::FromRow)]
struct Account {
    platform: String,
    status: String,
    access_token_sealed: Option<String>,
}

pub struct MetricsJob;

#[async_trait::async_trait]
impl JobKind for MetricsJob {
    fn name(&self) -> &'static str {
        KIND
    }

    /// A slot of a connected account becomes a read; others pass.
    async fn on_slot(&self, ctx: &TenantContext, state: &AppState, account_id: &str, slot: i64) -> ServerResult<bool> {
        let connected: Option<(String,)> =
            sqlx::query_as("select id from social_account where id = $1 and tenant_id = $2 and status = 'connected'")
                .bind(account_id)
                .bind(ctx.tenant_id())
                .fetch_optional(&state.db.pool)
                .await?;
        if connected.is_none() {
            return Ok(false);
        }
        let job = NewJob {
            tenant_id: ctx.tenant_id(),
            kind: KIND,
            subject_id: account_id,
            slot,
            run_at_ms: now_ms(),
            max_attempts: state.config.worker.max_attempts,
        };
        Ok(enqueue(&state.db.pool, &job, Start::Queued).await?.is_some())
    }

    async fn run(
        &self,
        ctx: &TenantContext,
        state: &AppState,
        job: &ClaimedJob,
        _lease: &Lease,
    ) -> Result<Done, Failure> {
        let tenant_id = ctx.tenant_id();
        let account_id = job.subject_id.as_str();
        let account: Option<Account> = sqlx::query_as(
            "select platform, status, access_token_sealed from social_account where id = $1 and tenant_id = $2",
        )
        .bind(account_id)
        .bind(tenant_id)
        .fetch_optional(&state.db.pool)
        .await
        .map_err(ServerError::from)?;
        let Some(account) = account else {
            return Err(Failure::Stop("The account was removed.".into()));
        };
        let Some(platform) = Platform::parse(&account.platform) else {
            return Err(Failure::Stop("This build does not know the account's platform.".into()));
        };
        // A disconnected account, or one asking to be reconnected, keeps
        // the figures it had.
        if account.status != "connected" {
            return Ok(Done::Complete(Step::Done));
        }
        let posts: Vec<(String, String, i64)> = sqlx::query_as(
            "select id, remote_id, coalesce(published_at, 0) from social_post_target \
             where tenant_id = $1 and account_id = $2 and remote_id is not null and published_at >= $3 \
             order by published_at desc, id limit $4",
        )
        .bind(tenant_id)
        .bind(account_id)
        .bind(now() - WINDOW)
        .bind(PER_RUN)
        .fetch_all(&state.db.pool)
        .await
        .map_err(ServerError::from)?;
        if posts.is_empty() {
            return Ok(Done::Complete(Step::Done));
        }
        let sealed = account.access_token_sealed.as_deref();
        // What was read is kept even when the platform stopped the run
        // part way (a rate limit): the retry starts with fresher figures.
        let (found, refused) = match platform {
            Platform::Demo => {
                let found = posts
                    .iter()
                    .map(|(id, _, at)| (id.clone(), invented(id, *at)))
                    .collect();
                (found, None)
            }
            Platform::Facebook | Platform::Instagram => {
                let token = open_access(state, tenant_id, account_id, sealed, platform)?;
                let (found, error) = meta(state, platform, &token, &posts).await;
                let refused = match error {
                    Some(e) => Some(graph_refused(state, tenant_id, account_id, sealed, platform, e).await),
                    None => None,
                };
                (found, refused)
            }
            Platform::Tiktok => {
                let token = open_access(state, tenant_id, account_id, sealed, platform)?;
                let (found, error) = tiktok(state, &token, &posts).await;
                let refused = match error {
                    Some(e) => Some(tiktok_refused(state, tenant_id, account_id, sealed, e).await),
                    None => None,
                };
                (found, refused)
            }
        };
        keep(state, tenant_id, account_id, &found).await?;
        match refused {
            Some(failure) => Err(failure),
            None => Ok(Done::Complete(Step::Done)),
        }
    }

    /// Metrics are read again at the next slot; a dead run tells no one.
    async fn on_dead(&self, _state: &AppState, job: &ClaimedJob, reason: &str) {
        tracing::info!(account_id = %job.subject_id, reason, "a metrics fetch gave up");
    }
}

/// Meta's figures for each post, and the error that stopped the reading,
/// if one did. A post Meta has no insights for (too few viewers yet, code
/// 10; deleted on the platform, code 100 subcode 33) is passed over; any
/// other refusal stops the run, since it would refuse every post alike.
async fn meta(
    state: &AppState,
    platform: Platform,
    token: &str,
    posts: &[(String, String, i64)],
) -> (Vec<(String, Figures)>, Option<GraphError>) {
    let mut found = Vec::with_capacity(posts.len());
    for (target_id, remote_id, _) in posts {
        let figures = if platform == Platform::Instagram {
            state
                .meta
                .insights(remote_id, token, "views,reach,likes,comments,saved,shares")
                .await
                .map(|list| instagram_figures(&list))
        } else {
            match state.meta.insights(remote_id, token, FACEBOOK_METRICS).await {
                Ok(list) => state
                    .meta
                    .post_counts(remote_id, token)
                    .await
                    .map(|counts| facebook_figures(&list, counts)),
                Err(e) => Err(e),
            }
        };
        match figures {
            Ok(figures) => found.push((target_id.clone(), figures)),
            Err(e) if not_yet_measured(&e) => {
                tracing::info!(target_id, error = %e, "no insights for a post")
            }
            Err(e) => return (found, Some(e)),
        }
    }
    (found, None)
}

/// Meta has no figures for this one post: too few viewers yet (code 10,
/// subcode 2108006; code 10 alone is also a missing permission, which
/// refuses every post alike), or the post is gone (code 100, subcode 33).
fn not_yet_measured(e: &GraphError) -> bool {
    (e.code == Some(10) && (e.subcode == Some(2_108_006) || e.message.contains("Not enough viewers")))
        || (e.code == Some(100) && e.subcode == Some(33))
}

/// Facebook's post metrics: views, reach, reactions.
const FACEBOOK_METRICS: &str = "post_media_view,post_total_media_view_unique,post_reactions_by_type_total";

fn number(value: &serde_json::Value) -> i64 {
    match value {
        serde_json::Value::Number(n) => n.as_i64().unwrap_or(0),
        // Reactions come by type: {"like": 3, "love": 1}.
        serde_json::Value::Object(map) => map.values().map(number).sum(),
        _ => 0,
    }
}

fn metric(list: &[(String, serde_json::Value)], name: &str) -> Option<i64> {
    list.iter().find(|(n, _)| n == name).map(|(_, v)| number(v))
}

fn instagram_figures(list: &[(String, serde_json::Value)]) -> Figures {
    Figures {
        views: metric(list, "views"),
        reach: metric(list, "reach"),
        likes: metric(list, "likes").unwrap_or(0),
        comments: metric(list, "comments").unwrap_or(0),
        shares: metric(list, "shares"),
        saves: metric(list, "saved"),
    }
}

fn facebook_figures(list: &[(String, serde_json::Value)], (comments, shares): (i64, i64)) -> Figures {
    Figures {
        views: metric(list, "post_media_view"),
        reach: metric(list, "post_total_media_view_unique"),
        likes: metric(list, "post_reactions_by_type_total").unwrap_or(0),
        comments,
        shares: Some(shares),
        saves: None,
    }
}

/// TikTok's counts, and the error that stopped the reading, if one did.
/// Only video ids are asked about: a post TikTok never named (its publish
/// id kept instead) has no counts to read.
async fn tiktok(
    state: &AppState,
    token: &str,
    posts: &[(String, String, i64)],
) -> (Vec<(String, Figures)>, Option<TikTokError>) {
    let videos: Vec<&(String, String, i64)> = posts
        .iter()
        .filter(|(_, remote, _)| !remote.is_empty() && remote.bytes().all(|b| b.is_ascii_digit()))
        .collect();
    let mut found = Vec::with_capacity(videos.len());
    for batch in videos.chunks(TIKTOK_BATCH) {
        let ids: Vec<String> = batch.iter().map(|(_, remote, _)| remote.clone()).collect();
        let stats = match state.tiktok.video_stats(token, &ids).await {
            Ok(stats) => stats,
            Err(e) => return (found, Some(e)),
        };
        for video in stats {
            if let Some((target_id, _, _)) = batch.iter().find(|(_, remote, _)| *remote == video.id) {
                found.push((
                    target_id.clone(),
                    Figures {
                        views: Some(video.view_count),
                        reach: None,
                        likes: video.like_count,
                        comments: video.comment_count,
                        shares: Some(video.share_count),
                        saves: None,
                    },
                ));
            }
        }
    }
    (found, None)
}

/// The demo channel's figures: invented, the same for the same post and
/// age, growing for three days after it went out.
fn invented(target_id: &str, published_at: i64) -> Figures {
    let seed = target_id
        .bytes()
        .fold(7u64, |h, b| h.wrapping_mul(31).wrapping_add(b as u64));
    let hours = ((now() - published_at).max(0) / 3_600).min(72) as u64;
    let reach = 40 + seed % 160 + hours * 6;
    let views = reach + reach / 3;
    let likes = reach * (3 + seed % 7) / 100;
    Figures {
        views: Some(views as i64),
        reach: Some(reach as i64),
        likes: likes as i64,
        comments: (likes / 4) as i64,
        shares: Some((likes / 6) as i64),
        saves: Some((likes / 5) as i64),
    }
}

/// A refused sign-in asks for a reconnect; limits and outages try later.
async fn graph_refused(
    state: &AppState,
    tenant_id: &TenantId,
    account_id: &str,
    sealed: Option<&str>,
    platform: Platform,
    e: GraphError,
) -> Failure {
    tracing::warn!(account_id, error = %e, code = ?e.code, "Meta refused a metrics read");
    let label = platform.label();
    if e.is_invalid_token() {
        let reason =
            format!("Meta no longer accepts the sign-in for {label} (the permission was withdrawn or has expired).");
        if let Err(e) = token_refused(state, tenant_id, account_id, sealed.unwrap_or_default(), &reason).await {
            tracing::warn!(error = %e, "could not mark an account for reconnecting");
        }
        return Failure::Stop(format!(
            "Reconnect {label}: the permission was withdrawn or has expired."
        ));
    }
    if e.is_rate_limited() {
        return Failure::Retry(format!(
            "{label} asked Autopilot to slow down; metrics are read again shortly."
        ));
    }
    if e.is_transient() {
        return Failure::Retry(format!("{label} could not be reached; metrics are read again shortly."));
    }
    Failure::Stop(format!("{label} refused to share the posts' figures: {}", e.message))
}

async fn tiktok_refused(
    state: &AppState,
    tenant_id: &TenantId,
    account_id: &str,
    sealed: Option<&str>,
    e: TikTokError,
) -> Failure {
    tracing::warn!(account_id, error = %e, code = %e.code, "TikTok refused a metrics read");
    if e.is_revoked() {
        let reason = "TikTok no longer accepts the sign-in (the permission was withdrawn or has expired).";
        if let Err(e) = token_refused(state, tenant_id, account_id, sealed.unwrap_or_default(), reason).await {
            tracing::warn!(error = %e, "could not mark an account for reconnecting");
        }
        return Failure::Stop("Reconnect TikTok: the permission was withdrawn or has expired.".into());
    }
    if e.is_transient() || e.code == "rate_limit_exceeded" || e.status == Some(429) {
        return Failure::Retry("TikTok could not be reached; metrics are read again shortly.".into());
    }
    Failure::Stop(format!("TikTok refused to share the videos' figures: {}", e.message))
}

/// Keeps the latest figures, one row per target.
async fn keep(
    state: &AppState,
    tenant_id: &TenantId,
    account_id: &str,
    found: &[(String, Figures)],
) -> ServerResult<()> {
    if found.is_empty() {
        return Ok(());
    }
    let mut tx = state.db.begin_write().await?;
    for (target_id, f) in found {
        sqlx::query(
            "insert into social_metric (target_id, tenant_id, account_id, views, reach, likes, comments, shares, \
             saves, fetched_at) values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) on conflict (target_id) do update \
             set views = excluded.views, reach = excluded.reach, likes = excluded.likes, \
             comments = excluded.comments, shares = excluded.shares, saves = excluded.saves, \
             fetched_at = excluded.fetched_at",
        )
        .bind(target_id)
        .bind(tenant_id)
        .bind(account_id)
        .bind(f.views)
        .bind(f.reach)
        .bind(f.likes)
        .bind(f.comments)
        .bind(f.shares)
        .bind(f.saves)
        .bind(now())
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

// ---- What the pages and the API read ----

#[derive(sqlx::FromRow)]
struct MetricRow {
    target_id: String,
    post_id: String,
    account_id: String,
    account_name: String,
    platform: String,
    body: String,
    permalink: Option<String>,
    published_at: i64,
    views: Option<i64>,
    reach: Option<i64>,
    likes: i64,
    comments: i64,
    shares: Option<i64>,
    saves: Option<i64>,
    fetched_at: i64,
}

const METRIC_COLUMNS: &str = "m.target_id, t.post_id, m.account_id, a.name as account_name, a.platform, \
     coalesce(t.body, p.body) as body, t.permalink, coalesce(t.published_at, 0) as published_at, m.views, m.reach, \
     m.likes, m.comments, m.shares, m.saves, m.fetched_at";
const METRIC_FROM: &str = "from social_metric m \
     join social_post_target t on t.id = m.target_id and t.tenant_id = m.tenant_id \
     join social_post p on p.id = t.post_id and p.tenant_id = t.tenant_id \
     join social_account a on a.id = m.account_id and a.tenant_id = m.tenant_id";

impl MetricRow {
    fn engagements(&self) -> i64 {
        self.likes + self.comments + self.shares.unwrap_or(0) + self.saves.unwrap_or(0)
    }

    /// What engagement is divided by: reach where measured, else views.
    fn audience(&self) -> i64 {
        self.reach.filter(|r| *r > 0).or(self.views).unwrap_or(0)
    }

    fn into_dto(self, tz: chrono_tz::Tz) -> Option<PostMetrics> {
        let (engagements, audience) = (self.engagements(), self.audience());
        let caption: String = self.body.chars().take(80).collect();
        Some(PostMetrics {
            platform: Platform::parse(&self.platform)?,
            engagement_rate_bp: rate_bp(engagements, audience),
            engagements,
            when: format_in_zone(self.published_at, tz),
            fetched: format_in_zone(self.fetched_at, tz),
            target_id: self.target_id,
            post_id: self.post_id,
            account_id: self.account_id,
            account_name: self.account_name,
            caption,
            permalink: self.permalink.filter(|l| super::posts::is_web_link(l)),
            published_at: self.published_at,
            views: self.views,
            reach: self.reach,
            likes: self.likes,
            comments: self.comments,
            shares: self.shares,
            saves: self.saves,
        })
    }
}

/// A rate in hundredths of a percent (basis points); None with no audience.
fn rate_bp(engagements: i64, audience: i64) -> Option<i64> {
    (audience > 0).then(|| (engagements * 10_000 + audience / 2) / audience)
}

/// A checked period and account filter.
fn period(filter: &MetricsFilter) -> ServerResult<i64> {
    match filter.days {
        7 | 30 | 90 => Ok(now() - filter.days * 86_400),
        _ => Err(ServerError::Validation("Show 7, 30 or 90 days.".into())),
    }
}

fn clause(ctx: &TenantContext, filter: &MetricsFilter, since: i64) -> Where {
    let mut clause = Where::new_text("m.tenant_id = ", ctx.tenant_id().as_str());
    clause.int("t.published_at >= ", since);
    if !filter.account_id.is_empty() {
        clause.text("m.account_id = ", filter.account_id.as_str());
    }
    clause
}

/// The social section of Analytics: per account, the best posts, and the
/// hours (in the viewer's zone) whose posts engaged best.
pub async fn report(ctx: &TenantContext, state: &AppState, filter: &MetricsFilter) -> ServerResult<SocialAnalytics> {
    ctx.require(Permission::ViewWorkspace)?;
    let since = period(filter)?;
    let tz = parse_time_zone(&filter.zone).unwrap_or(chrono_tz::UTC);
    let clause = clause(ctx, filter, since);
    let sql = format!(
        "select {METRIC_COLUMNS} {METRIC_FROM} where {} order by t.published_at desc, m.target_id limit {REPORTED}",
        clause.sql()
    );
    let rows: Vec<MetricRow> = clause.bind(sqlx::query_as(&sql)).fetch_all(&state.db.pool).await?;
    let accounts = super::posts::accounts(state, ctx.tenant_id(), false).await?;
    let mut per_account: Vec<SocialAccountMetrics> = Vec::new();
    // Engagements of posts with an audience, by account: a rate divides
    // only those (a post Meta has no reach for yet would inflate it).
    let mut rated: Vec<(String, i64)> = Vec::new();
    // Per local hour: (sum of rates, posts with a rate).
    let mut hours = [(0i64, 0i64); 24];
    for row in &rows {
        let (engagements, audience) = (row.engagements(), row.audience());
        let counted = if audience > 0 { engagements } else { 0 };
        match rated.iter_mut().find(|(id, _)| *id == row.account_id) {
            Some((_, n)) => *n += counted,
            None => rated.push((row.account_id.clone(), counted)),
        }
        match per_account.iter_mut().find(|a| a.account_id == row.account_id) {
            Some(a) => {
                a.posts += 1;
                a.views += row.views.unwrap_or(0);
                a.engagements += engagements;
                a.audience += audience;
            }
            None => per_account.push(SocialAccountMetrics {
                account_id: row.account_id.clone(),
                name: row.account_name.clone(),
                platform: Platform::parse(&row.platform).unwrap_or(Platform::Demo),
                posts: 1,
                views: row.views.unwrap_or(0),
                engagements,
                audience,
                engagement_rate_bp: None,
            }),
        }
        if let (Some(rate), Some(at)) = (
            rate_bp(engagements, audience),
            tz.timestamp_opt(row.published_at, 0).single(),
        ) {
            let slot = &mut hours[at.hour() as usize];
            slot.0 += rate;
            slot.1 += 1;
        }
    }
    for a in &mut per_account {
        let counted = rated.iter().find(|(id, _)| *id == a.account_id).map_or(0, |(_, n)| *n);
        a.engagement_rate_bp = rate_bp(counted, a.audience);
    }
    per_account.sort_by(|a, b| b.engagements.cmp(&a.engagements).then(a.name.cmp(&b.name)));
    let best_hours: Vec<(String, i64)> = hours
        .iter()
        .enumerate()
        .map(|(h, (sum, n))| (format!("{h:02}:00"), if *n > 0 { sum / n } else { 0 }))
        .collect();
    let best_hour = hours
        .iter()
        .enumerate()
        .filter(|(_, (_, n))| *n > 0)
        .max_by_key(|(h, (sum, n))| (sum / n, std::cmp::Reverse(*h)))
        .map(|(h, (sum, n))| {
            format!(
                "Posts published from {h:02}:00 to {:02}:00 engaged best: {} on average over {n} post{}.",
                (h + 1) % 24,
                percent(sum / n),
                if *n == 1 { "" } else { "s" }
            )
        });
    let (views, engagements, audience) = rows.iter().fold((0, 0, 0), |(v, e, a), r| {
        (v + r.views.unwrap_or(0), e + r.engagements(), a + r.audience())
    });
    let rated_total: i64 = rated.iter().map(|(_, n)| n).sum();
    let demo = rows.iter().any(|r| r.platform == Platform::Demo.as_str());
    let mut top: Vec<MetricRow> = rows;
    top.sort_by(|a, b| {
        b.engagements()
            .cmp(&a.engagements())
            .then(b.published_at.cmp(&a.published_at))
    });
    top.truncate(10);
    Ok(SocialAnalytics {
        days: filter.days,
        account_id: filter.account_id.clone(),
        accounts,
        posts: per_account.iter().map(|a| a.posts).sum(),
        views,
        engagements,
        engagement_rate_bp: rate_bp(rated_total, audience),
        per_account,
        top_posts: top.into_iter().filter_map(|r| r.into_dto(tz)).collect(),
        best_hours,
        best_hour,
        demo,
        fetching: fetching(ctx, state).await?,
        can_fetch: ctx.can(Permission::CreateContent),
    })
}

/// "4.25%" from basis points.
pub fn percent(bp: i64) -> String {
    format!("{:.2}%", bp as f64 / 100.0)
}

/// One page of per-post figures, newest first (the REST API's list).
pub async fn list(ctx: &TenantContext, state: &AppState, filter: &MetricsFilter) -> ServerResult<MetricsPage> {
    ctx.require(Permission::ViewWorkspace)?;
    let since = period(filter)?;
    let tz = parse_time_zone(&filter.zone).unwrap_or(chrono_tz::UTC);
    let paged = clause(ctx, filter, since)
        .fetch_page::<MetricRow>(
            &state.db.pool,
            (METRIC_COLUMNS, METRIC_FROM, "t.published_at desc, m.target_id"),
            PER_PAGE,
            filter.page,
        )
        .await?;
    Ok(MetricsPage {
        posts: paged.rows.into_iter().filter_map(|r| r.into_dto(tz)).collect(),
        page: paged.page,
        pages: paged.pages,
        total: paged.total,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_are_engagement_over_reach_in_basis_points() {
        assert_eq!(rate_bp(5, 200), Some(250));
        assert_eq!(rate_bp(1, 3), Some(3_333));
        assert_eq!(rate_bp(4, 0), None);
        assert_eq!(percent(425), "4.25%");
    }

    #[test]
    fn reactions_by_type_are_summed() {
        let list = vec![
            ("post_media_view".to_string(), serde_json::json!(120)),
            ("post_total_media_view_unique".to_string(), serde_json::json!(90)),
            (
                "post_reactions_by_type_total".to_string(),
                serde_json::json!({"like": 4, "love": 2}),
            ),
        ];
        let f = facebook_figures(&list, (3, 1));
        assert_eq!(
            (f.views, f.reach, f.likes, f.comments, f.shares, f.saves),
            (Some(120), Some(90), 6, 3, Some(1), None)
        );
    }

    #[test]
    fn only_a_post_without_viewers_yet_is_passed_over() {
        let error = |code, subcode: Option<i64>, message: &str| GraphError {
            status: Some(400),
            code: Some(code),
            subcode,
            message: message.into(),
        };
        assert!(not_yet_measured(&error(
            10,
            Some(2_108_006),
            "(#10) Not enough viewers for the media to show insights"
        )));
        assert!(not_yet_measured(&error(100, Some(33), "Object does not exist")));
        // A missing permission refuses every post alike: the run stops.
        assert!(!not_yet_measured(&error(
            10,
            None,
            "(#10) Application does not have permission for this action"
        )));
        assert!(error(80_002, None, "Instagram account's rate limit").is_rate_limited());
    }

    #[test]
    fn demo_figures_are_stable_and_grow_with_age() {
        let young = invented("t1", now());
        assert_eq!(young, invented("t1", now()));
        let older = invented("t1", now() - 48 * 3_600);
        assert!(older.reach > young.reach);
    }
}
