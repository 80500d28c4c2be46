//! Social posts: the composer saves them (as drafts, for review, or, by a
//! reviewer, scheduled at once), the review queue approves or rejects them
//! (one or many), and an approved post's targets get their publish jobs
//! (`publish`). Times are written in the workspace's zone and kept in UTC.
//!
//! A draft may be unfinished; the platforms' rules apply when a post is
//! sent for review or scheduled, and every problem is named at once.

use super::{publish, AccountRow};
use crate::app::types::{
    ChannelStatus, Composer, MediaRef, Permission, Platform, PlatformText, PostTarget, SaveIntent,
    SocialAccountSummary, SocialPostInput, SocialPostPage, SocialPostSummary, Step, TenantId,
};
use crate::server::auth::TenantContext;
use crate::server::db::{new_id, now, now_ms, Flag, Tx, Where};
use crate::server::domain::social_post::{problems, ForPlatform, Hashtags, MediaKind};
use crate::server::domain::{format_in_zone, parse_time_zone};
use crate::server::error::{ServerError, ServerResult};
use crate::server::services::social::media::public_url;
use crate::server::state::AppState;
use chrono::{NaiveDateTime, TimeZone};
use chrono_tz::Tz;

pub const PER_PAGE: i64 = 20;
/// The most accounts one post goes to.
const MAX_TARGETS: usize = 50;
/// The longest text kept (Facebook's limit; the others are lower and
/// checked by their rules).
const MAX_TEXT: usize = 63_206;
const MAX_LINK: usize = 2_048;
/// How far back a time may lie when a post is sent (a form left open a
/// minute is fine; yesterday is a mistake).
const PAST_SLACK_SECONDS: i64 = 60;

/// The workspace's zone and tone, which posts are written in.
pub async fn voice(state: &AppState, tenant_id: &TenantId) -> ServerResult<(Tz, String)> {
    let (zone, tone): (String, String) = sqlx::query_as("select time_zone, tone from tenant where id = $1")
        .bind(tenant_id)
        .fetch_one(&state.db.pool)
        .await?;
    Ok((parse_time_zone(&zone).unwrap_or(chrono_tz::UTC), tone))
}

/// Sets the workspace's time zone and tone.
pub async fn set_voice(ctx: &TenantContext, state: &AppState, zone: &str, tone: &str) -> ServerResult<()> {
    ctx.require(Permission::ManageWorkspace)?;
    let tz = parse_time_zone(zone)?;
    if !crate::server::domain::TONES.contains(&tone) {
        return Err(ServerError::Validation(format!(
            "Choose a tone: {}.",
            crate::server::domain::TONES.join(", ")
        )));
    }
    sqlx::query("update tenant set time_zone = $1, tone = $2 where id = $3")
        .bind(tz.name())
        .bind(tone)
        .bind(ctx.tenant_id())
        .execute(&state.db.pool)
        .await?;
    Ok(())
}

/// "YYYY-MM-DDTHH:MM" (a datetime-local field) in `tz`, as unix seconds. A
/// time the clocks skip is refused; a time they pass twice is the first.
pub fn parse_local(raw: &str, tz: Tz) -> ServerResult<i64> {
    let raw = raw.trim();
    let parsed = NaiveDateTime::parse_from_str(raw, "%Y-%m-%dT%H:%M")
        .or_else(|_| NaiveDateTime::parse_from_str(raw, "%Y-%m-%dT%H:%M:%S"))
        .map_err(|_| ServerError::Validation("Give the time as a date and a time, like 2026-12-24T18:00.".into()))?;
    tz.from_local_datetime(&parsed)
        .earliest()
        .map(|t| t.timestamp())
        .ok_or_else(|| {
            ServerError::Validation(format!(
                "{} does not exist in {} (the clocks skip it). Choose another time.",
                parsed.format("%-d %b %Y, %H:%M"),
                tz.name()
            ))
        })
}

/// Unix seconds as a datetime-local value in `tz`.
pub fn local_value(at: i64, tz: Tz) -> String {
    tz.timestamp_opt(at, 0)
        .single()
        .map(|t| t.format("%Y-%m-%dT%H:%M").to_string())
        .unwrap_or_default()
}

pub(super) async fn accounts(
    state: &AppState,
    tenant_id: &TenantId,
    in_use: bool,
) -> ServerResult<Vec<SocialAccountSummary>> {
    let rows: Vec<AccountRow> = sqlx::query_as(&format!(
        "select id, platform, name, username, status, status_reason, connected_at, disconnected_at \
         from social_account where tenant_id = $1 {} order by connected_at, id",
        if in_use { "and status <> 'disconnected'" } else { "" }
    ))
    .bind(tenant_id)
    .fetch_all(&state.db.pool)
    .await?;
    Ok(rows.into_iter().filter_map(AccountRow::into_summary).collect())
}

#[derive(sqlx::FromRow)]
struct MediaRow {
    id: String,
    kind: String,
    content_type: String,
    public_token: String,
}

impl MediaRow {
    fn into_ref(self, state: &AppState, tenant_id: &TenantId) -> MediaRef {
        MediaRef {
            url: public_url(state, tenant_id, &self.public_token),
            id: self.id,
            kind: self.kind,
            content_type: self.content_type,
        }
    }
}

async fn media(state: &AppState, tenant_id: &TenantId, media_id: &str) -> ServerResult<Option<MediaRow>> {
    Ok(
        sqlx::query_as(
            "select id, kind, content_type, public_token from social_media where id = $1 and tenant_id = $2",
        )
        .bind(media_id)
        .bind(tenant_id)
        .fetch_optional(&state.db.pool)
        .await?,
    )
}

#[derive(sqlx::FromRow)]
struct PostRow {
    id: String,
    body: String,
    hashtags: String,
    link: String,
    media_id: Option<String>,
    publish_at: Option<i64>,
    review: String,
    source: String,
    queued: Flag,
}

const POST_COLUMNS: &str = "p.id, p.body, p.hashtags, p.link, p.media_id, p.publish_at, p.review, p.source, p.queued";

async fn post(state: &AppState, tenant_id: &TenantId, post_id: &str) -> ServerResult<PostRow> {
    sqlx::query_as(&format!(
        "select {POST_COLUMNS} from social_post p where p.id = $1 and p.tenant_id = $2"
    ))
    .bind(post_id)
    .bind(tenant_id)
    .fetch_optional(&state.db.pool)
    .await?
    .ok_or(ServerError::NotFound)
}

/// The composer, empty or with the post to edit.
pub async fn composer(ctx: &TenantContext, state: &AppState, post_id: &str) -> ServerResult<Composer> {
    ctx.require(Permission::CreateContent)?;
    let (tz, tone) = voice(state, ctx.tenant_id()).await?;
    let (mut editing, mut attached) = (None, None);
    if !post_id.is_empty() {
        let row = post(state, ctx.tenant_id(), post_id).await?;
        let targets: Vec<(String, Option<String>, String)> = sqlx::query_as(
            "select t.account_id, t.body, a.platform from social_post_target t \
             join social_account a on a.id = t.account_id and a.tenant_id = t.tenant_id \
             where t.post_id = $1 and t.tenant_id = $2 order by t.created_at, t.id",
        )
        .bind(post_id)
        .bind(ctx.tenant_id())
        .fetch_all(&state.db.pool)
        .await?;
        let mut texts: Vec<PlatformText> = Vec::new();
        for (_, body, platform) in &targets {
            if let (Some(body), Some(platform)) = (body, Platform::parse(platform)) {
                if !texts.iter().any(|t| t.platform == platform) {
                    texts.push(PlatformText {
                        platform,
                        body: body.clone(),
                    });
                }
            }
        }
        if let Some(id) = &row.media_id {
            attached = media(state, ctx.tenant_id(), id)
                .await?
                .map(|m| m.into_ref(state, ctx.tenant_id()));
        }
        editing = Some(SocialPostInput {
            post_id: row.id,
            account_ids: targets.into_iter().map(|(id, _, _)| id).collect(),
            body: row.body,
            hashtags: row.hashtags,
            link: row.link,
            media_id: row.media_id.unwrap_or_default(),
            texts,
            publish_at: row.publish_at.map(|at| local_value(at, tz)).unwrap_or_default(),
            intent: SaveIntent::Draft,
            generated: row.source == "generated",
            queued: row.queued.0,
        });
    }
    // Tomorrow at the next full hour: a time that is certainly ahead.
    let suggested = (now() / 3600 + 25) * 3600;
    let accounts = accounts(state, ctx.tenant_id(), true).await?;
    // An account disconnected since the post was written cannot be picked
    // (or unticked) any more: the post goes to the others.
    if let Some(post) = editing.as_mut() {
        post.account_ids.retain(|id| accounts.iter().any(|a| &a.id == id));
    }
    Ok(Composer {
        accounts,
        templates: super::templates::list(ctx, state).await?,
        time_zone: tz.name().into(),
        tone,
        can_review: ctx.can(Permission::ReviewContent),
        post: editing,
        media: attached,
        suggested_time: local_value(suggested, tz),
    })
}

/// One account a post will go to.
struct Target {
    id: String,
    platform: Platform,
    name: String,
    status: ChannelStatus,
}

/// A post as the composer sent it, checked.
struct Checked {
    hashtags: Hashtags,
    link: String,
    targets: Vec<Target>,
    media: Option<MediaRow>,
    publish_at: Option<i64>,
}

fn check_text(text: &str, what: &str) -> ServerResult<()> {
    if text.chars().count() > MAX_TEXT {
        return Err(ServerError::Validation(format!(
            "{what} is longer than any platform takes ({MAX_TEXT} characters)."
        )));
    }
    Ok(())
}

fn check_link(link: &str) -> ServerResult<String> {
    let link = link.trim();
    if link.is_empty() {
        return Ok(String::new());
    }
    let refused =
        || ServerError::Validation("The link must be a web address starting with https:// or http://.".into());
    let parsed = url::Url::parse(link).map_err(|_| refused())?;
    if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none() || link.len() > MAX_LINK {
        return Err(refused());
    }
    Ok(parsed.to_string())
}

/// A refusal in words goes on the list of problems; anything else stops.
fn noted<T>(found: &mut Vec<String>, checked: ServerResult<T>) -> ServerResult<Option<T>> {
    match checked {
        Ok(value) => Ok(Some(value)),
        Err(ServerError::Validation(problem)) => {
            found.push(problem);
            Ok(None)
        }
        Err(other) => Err(other),
    }
}

/// Checks the whole post and names every problem at once. Accounts and
/// media of other workspaces are not found.
async fn check(ctx: &TenantContext, state: &AppState, input: &SocialPostInput, tz: Tz) -> ServerResult<Checked> {
    let sending = input.intent != SaveIntent::Draft;
    let mut found: Vec<String> = Vec::new();
    noted(&mut found, check_text(&input.body, "The text"))?;
    for text in &input.texts {
        noted(
            &mut found,
            check_text(&text.body, &format!("The {} text", text.platform.label())),
        )?;
    }
    let hashtags = noted(&mut found, Hashtags::parse(&input.hashtags))?.unwrap_or_default();
    let link = noted(&mut found, check_link(&input.link))?.unwrap_or_default();
    let mut ids: Vec<&str> = Vec::new();
    for id in &input.account_ids {
        if !ids.contains(&id.as_str()) {
            ids.push(id);
        }
    }
    if ids.is_empty() {
        found.push("Choose at least one account to post to.".into());
    }
    if ids.len() > MAX_TARGETS {
        return Err(ServerError::Validation(format!(
            "A post goes to at most {MAX_TARGETS} accounts."
        )));
    }
    let mut targets = Vec::with_capacity(ids.len());
    for id in ids {
        let row: Option<(String, String, String)> =
            sqlx::query_as("select platform, name, status from social_account where id = $1 and tenant_id = $2")
                .bind(id)
                .bind(ctx.tenant_id())
                .fetch_optional(&state.db.pool)
                .await?;
        let Some((platform, name, status)) = row else {
            return Err(ServerError::NotFound);
        };
        let (Some(platform), Some(status)) = (Platform::parse(&platform), ChannelStatus::parse(&status)) else {
            return Err(ServerError::NotFound);
        };
        targets.push(Target {
            id: id.to_owned(),
            platform,
            name,
            status,
        });
    }
    let media = match input.media_id.trim() {
        "" => None,
        id => Some(media(state, ctx.tenant_id(), id).await?.ok_or(ServerError::NotFound)?),
    };
    let publish_at = match input.publish_at.trim() {
        // It takes the next posting time of its accounts.
        _ if input.queued => None,
        "" if sending => {
            found.push("Choose when the post goes out.".into());
            None
        }
        "" => None,
        raw => noted(&mut found, parse_local(raw, tz))?,
    };
    if sending && input.queued && !targets.is_empty() {
        let ids: Vec<&str> = targets.iter().map(|t| t.id.as_str()).collect();
        if !super::slots::any_running(ctx, state, &ids).await? {
            found.push(
                "None of the chosen accounts has posting times: set them under Posting times, or choose a time.".into(),
            );
        }
    }
    if sending {
        if publish_at.is_some_and(|at| at < now() - PAST_SLACK_SECONDS) {
            found.push("The time has passed: choose a time ahead.".to_string());
        }
        for target in &targets {
            if target.status != ChannelStatus::Connected {
                found.push(format!(
                    "{} ({}) is not connected: reconnect it under Channels, or leave it out.",
                    target.name,
                    target.platform.label()
                ));
            }
        }
        let media_kind = media
            .as_ref()
            .and_then(|m| MediaKind::parse(&m.kind).map(|k| (k, m.content_type.as_str())));
        let mut seen: Vec<Platform> = Vec::new();
        for target in &targets {
            if seen.contains(&target.platform) {
                continue;
            }
            seen.push(target.platform);
            let text = own_text(input, target.platform).unwrap_or(&input.body);
            let post = ForPlatform {
                text,
                hashtags: &hashtags,
                link: &link,
                media: media_kind,
            };
            found.extend(problems(target.platform, &post));
        }
    }
    if !found.is_empty() {
        return Err(ServerError::Validation(found.join("\n")));
    }
    Ok(Checked {
        hashtags,
        link,
        targets,
        media,
        publish_at,
    })
}

/// The platform's own text, when the composer gave one that is not empty.
fn own_text(input: &SocialPostInput, platform: Platform) -> Option<&str> {
    input
        .texts
        .iter()
        .find(|t| t.platform == platform && !t.body.trim().is_empty())
        .map(|t| t.body.as_str())
}

/// Saves the composer's post; returns its id. Editing is allowed until the
/// post is approved; scheduling at once needs a reviewer.
pub async fn save(ctx: &TenantContext, state: &AppState, input: &SocialPostInput) -> ServerResult<String> {
    ctx.require(Permission::CreateContent)?;
    if input.intent == SaveIntent::Schedule {
        ctx.require(Permission::ReviewContent)?;
    }
    let (tz, _) = voice(state, ctx.tenant_id()).await?;
    let checked = check(ctx, state, input, tz).await?;
    let review = match input.intent {
        SaveIntent::Draft => "draft",
        SaveIntent::Review => "pending",
        SaveIntent::Schedule => "approved",
    };
    let at = now();
    let mut tx = state.db.begin_write().await?;
    let post_id = if input.post_id.is_empty() {
        let id = new_id();
        sqlx::query(
            "insert into social_post (id, tenant_id, review, source, created_by, created_at, updated_at) \
             values ($1, $2, 'draft', $3, $4, $5, $5)",
        )
        .bind(&id)
        .bind(ctx.tenant_id())
        .bind(if input.generated { "generated" } else { "written" })
        .bind(ctx.user_id())
        .bind(at)
        .execute(&mut *tx)
        .await?;
        id
    } else {
        let found: Option<(String,)> =
            sqlx::query_as("select review from social_post where id = $1 and tenant_id = $2")
                .bind(&input.post_id)
                .bind(ctx.tenant_id())
                .fetch_optional(&mut *tx)
                .await?;
        match found {
            None => return Err(ServerError::NotFound),
            Some((review,)) if review == "approved" => return Err(approved_already()),
            Some(_) => input.post_id.clone(),
        }
    };
    let updated = sqlx::query(
        "update social_post set body = $3, hashtags = $4, link = $5, media_id = $6, publish_at = $7, review = $8, \
         reviewed_by = $9, updated_at = $10, source = $11, queued = $12 \
         where id = $1 and tenant_id = $2 and review <> 'approved'",
    )
    .bind(&post_id)
    .bind(ctx.tenant_id())
    .bind(input.body.trim())
    .bind(checked.hashtags.stored())
    .bind(&checked.link)
    .bind(checked.media.as_ref().map(|m| m.id.clone()))
    .bind(checked.publish_at)
    .bind(review)
    .bind((review == "approved").then(|| ctx.user_id()).flatten())
    .bind(at)
    .bind(if input.generated { "generated" } else { "written" })
    .bind(Flag(input.queued))
    .execute(&mut *tx)
    .await?;
    if updated.rows_affected() == 0 {
        // Approved meanwhile (PostgreSQL lets the read above race with it).
        return Err(approved_already());
    }
    keep_targets(ctx, &mut tx, &post_id, input, &checked.targets, at).await?;
    if let (SaveIntent::Schedule, Some(publish_at)) = (input.intent, checked.publish_at) {
        publish::queue(&mut tx, state, ctx.tenant_id(), &post_id, publish_at).await?;
    }
    tx.commit().await?;
    if input.intent == SaveIntent::Schedule {
        state.wake.notify_one();
    }
    Ok(post_id)
}

fn approved_already() -> ServerError {
    ServerError::Conflict("That post is approved already; it can no longer be edited.".into())
}

/// The post's targets become exactly the chosen accounts, each with its
/// platform's own text (none of them has been sent anywhere yet).
async fn keep_targets(
    ctx: &TenantContext,
    tx: &mut Tx,
    post_id: &str,
    input: &SocialPostInput,
    targets: &[Target],
    at: i64,
) -> ServerResult<()> {
    sqlx::query("delete from social_post_target where post_id = $1 and tenant_id = $2")
        .bind(post_id)
        .bind(ctx.tenant_id())
        .execute(&mut **tx)
        .await?;
    for target in targets {
        sqlx::query(
            "insert into social_post_target (id, tenant_id, post_id, account_id, body, created_at, updated_at) \
             values ($1, $2, $3, $4, $5, $6, $6)",
        )
        .bind(new_id())
        .bind(ctx.tenant_id())
        .bind(post_id)
        .bind(&target.id)
        .bind(own_text(input, target.platform).map(str::trim))
        .bind(at)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// Which posts a list shows.
#[derive(Debug, Clone, Default)]
pub struct PostFilter {
    /// review, scheduled, published, failed, drafts, rejected or all.
    pub list: String,
    pub account_id: String,
    pub page: i64,
}

/// A target's publish job, in one clause for the lists.
const TARGET_JOB: &str = "select 1 from social_post_target t join job j on j.tenant_id = t.tenant_id \
     and j.kind = 'social-publish' and j.subject_id = t.id where t.tenant_id = p.tenant_id and t.post_id = p.id";

/// One page of the workspace's social posts.
pub async fn list(ctx: &TenantContext, state: &AppState, filter: &PostFilter) -> ServerResult<SocialPostPage> {
    ctx.require(Permission::ViewWorkspace)?;
    let mut clause = Where::new_text("p.tenant_id = ", ctx.tenant_id().as_str());
    let order = match filter.list.as_str() {
        "review" => {
            clause.raw("p.review = 'pending'");
            "p.publish_at, p.id"
        }
        "drafts" => {
            clause.raw("p.review = 'draft'");
            "p.updated_at desc, p.id desc"
        }
        "rejected" => {
            clause.raw("p.review = 'rejected'");
            "p.updated_at desc, p.id desc"
        }
        "scheduled" => {
            clause.raw(&format!(
                "p.review = 'approved' and ((p.queued = 1 and p.publish_at is null) \
                 or exists ({TARGET_JOB} and j.step in ('queued', 'publishing')))"
            ));
            // Timed posts by their time, then the queue in its order.
            "p.publish_at is null, p.publish_at, p.created_at, p.id"
        }
        "published" => {
            clause.raw(&format!("exists ({TARGET_JOB} and j.step = 'published')"));
            "p.publish_at desc, p.id desc"
        }
        "failed" => {
            clause.raw(&format!("exists ({TARGET_JOB} and j.step = 'failed')"));
            "p.updated_at desc, p.id desc"
        }
        _ => "p.updated_at desc, p.id desc",
    };
    if !filter.account_id.is_empty() {
        clause.text_inside(
            "exists (select 1 from social_post_target t where t.tenant_id = p.tenant_id and t.post_id = p.id \
             and t.account_id = ?)",
            filter.account_id.as_str(),
        );
    }
    let paged = clause
        .fetch_page::<PostRow>(
            &state.db.pool,
            (POST_COLUMNS, "from social_post p", order),
            PER_PAGE,
            filter.page,
        )
        .await?;
    let (tz, _) = voice(state, ctx.tenant_id()).await?;
    let posts = summaries(ctx, state, paged.rows, tz).await?;
    Ok(SocialPostPage {
        posts,
        page: paged.page,
        pages: paged.pages,
        total: paged.total,
        accounts: accounts(state, ctx.tenant_id(), false).await?,
        can_create: ctx.can(Permission::CreateContent),
        can_review: ctx.can(Permission::ReviewContent),
    })
}

/// One post as the lists show it.
pub async fn get(ctx: &TenantContext, state: &AppState, post_id: &str) -> ServerResult<SocialPostSummary> {
    ctx.require(Permission::ViewWorkspace)?;
    let row = post(state, ctx.tenant_id(), post_id).await?;
    let (tz, _) = voice(state, ctx.tenant_id()).await?;
    summaries(ctx, state, vec![row], tz)
        .await?
        .pop()
        .ok_or(ServerError::NotFound)
}

#[derive(sqlx::FromRow)]
struct TargetRow {
    id: String,
    post_id: String,
    account_id: String,
    account_name: String,
    platform: String,
    permalink: Option<String>,
    job_state: Option<String>,
    step: Option<String>,
    attempt: Option<i64>,
    last_error: Option<String>,
}

/// How a target stands, in words, from its post's review and its job.
fn target_state(review: &str, row: &TargetRow) -> &'static str {
    match review {
        "draft" => return "Draft",
        "pending" => return "Waiting for review",
        "rejected" => return "Rejected",
        _ => {}
    }
    let step = row.step.as_deref().and_then(Step::parse);
    let waited = row.last_error.is_some();
    match (row.job_state.as_deref(), step) {
        (_, Some(Step::Published)) => "Published",
        (Some("dead"), _) | (_, Some(Step::Failed)) => "Failed",
        (Some("queued"), _) if waited && row.attempt.unwrap_or(0) > 0 => "Retrying",
        // The platform asked to wait (a publishing limit).
        (Some("queued"), _) if waited => "Waiting",
        (Some("running"), _) => "Publishing",
        _ => "Scheduled",
    }
}

async fn summaries(
    ctx: &TenantContext,
    state: &AppState,
    rows: Vec<PostRow>,
    tz: Tz,
) -> ServerResult<Vec<SocialPostSummary>> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let marks: Vec<String> = (0..rows.len()).map(|i| format!("${}", i + 2)).collect();
    let sql = format!(
        "select t.id, t.post_id, t.account_id, a.name as account_name, a.platform, t.permalink, j.state as job_state, \
         j.step, j.attempt, j.last_error from social_post_target t \
         join social_account a on a.id = t.account_id and a.tenant_id = t.tenant_id \
         left join job j on j.tenant_id = t.tenant_id and j.kind = '{}' and j.subject_id = t.id \
         where t.tenant_id = $1 and t.post_id in ({}) order by t.created_at, t.id",
        publish::KIND,
        marks.join(", ")
    );
    let mut query = sqlx::query_as::<_, TargetRow>(&sql).bind(ctx.tenant_id());
    for row in &rows {
        query = query.bind(row.id.clone());
    }
    let targets = query.fetch_all(&state.db.pool).await?;
    let mut posts = Vec::with_capacity(rows.len());
    for row in rows {
        let media = match &row.media_id {
            Some(id) => media(state, ctx.tenant_id(), id)
                .await?
                .map(|m| m.into_ref(state, ctx.tenant_id())),
            None => None,
        };
        let mine = targets
            .iter()
            .filter(|t| t.post_id == row.id)
            .filter_map(|t| {
                let state = match (row.review.as_str(), row.publish_at, row.queued.0) {
                    ("approved", None, true) => "In the queue",
                    _ => target_state(&row.review, t),
                };
                let explained = matches!(state, "Failed" | "Retrying" | "Waiting");
                Some(PostTarget {
                    state: state.into(),
                    platform: Platform::parse(&t.platform)?,
                    id: t.id.clone(),
                    account_id: t.account_id.clone(),
                    account_name: t.account_name.clone(),
                    permalink: t.permalink.clone().filter(|l| is_web_link(l)),
                    error: explained.then(|| t.last_error.clone()).flatten(),
                })
            })
            .collect();
        posts.push(SocialPostSummary {
            when: match (row.publish_at, row.queued.0) {
                (Some(at), _) => format_in_zone(at, tz),
                (None, true) => "At the next posting time".into(),
                (None, false) => "No time yet".into(),
            },
            queued: row.queued.0,
            id: row.id,
            body: row.body,
            hashtags: row.hashtags,
            link: row.link,
            review: row.review,
            source: row.source,
            publish_at: row.publish_at,
            media,
            targets: mine,
        });
    }
    Ok(posts)
}

/// Pages link to permalinks, so only http(s) ones are shown.
pub(crate) fn is_web_link(link: &str) -> bool {
    url::Url::parse(link).is_ok_and(|u| matches!(u.scheme(), "http" | "https"))
}

fn not_pending() -> ServerError {
    ServerError::Conflict("That post is no longer waiting for review.".into())
}

/// Approves posts waiting for review; their targets' publish jobs are
/// queued for the post's time. Returns how many were approved (others had
/// been handled already).
pub async fn approve(ctx: &TenantContext, state: &AppState, post_ids: &[String]) -> ServerResult<usize> {
    ctx.require(Permission::ReviewContent)?;
    if post_ids.is_empty() || post_ids.len() > 100 {
        return Err(ServerError::Validation("Choose between 1 and 100 posts.".into()));
    }
    let mut approved = 0;
    let mut tx = state.db.begin_write().await?;
    for post_id in post_ids {
        let decided: Option<(Option<i64>, Flag)> = sqlx::query_as(
            "update social_post set review = 'approved', reviewed_by = $3, updated_at = $4 \
             where id = $1 and tenant_id = $2 and review = 'pending' returning publish_at, queued",
        )
        .bind(post_id)
        .bind(ctx.tenant_id())
        .bind(ctx.member()?)
        .bind(now())
        .fetch_optional(&mut *tx)
        .await?;
        match decided {
            // It waits for its accounts' next posting time (`slots`).
            Some((None, Flag(true))) => approved += 1,
            Some((publish_at, _)) => {
                // A post whose time passed while it waited goes out now.
                publish::queue(&mut tx, state, ctx.tenant_id(), post_id, publish_at.unwrap_or_else(now)).await?;
                approved += 1;
            }
            None => {}
        }
    }
    tx.commit().await?;
    state.wake.notify_one();
    Ok(approved)
}

/// Approves one post, or says why not.
pub async fn approve_one(ctx: &TenantContext, state: &AppState, post_id: &str) -> ServerResult<()> {
    if approve(ctx, state, &[post_id.to_owned()]).await? == 1 {
        return Ok(());
    }
    post(state, ctx.tenant_id(), post_id).await?;
    Err(not_pending())
}

pub async fn reject(ctx: &TenantContext, state: &AppState, post_id: &str) -> ServerResult<()> {
    ctx.require(Permission::ReviewContent)?;
    let done = sqlx::query(
        "update social_post set review = 'rejected', reviewed_by = $3, updated_at = $4 \
         where id = $1 and tenant_id = $2 and review = 'pending'",
    )
    .bind(post_id)
    .bind(ctx.tenant_id())
    .bind(ctx.member()?)
    .bind(now())
    .execute(&state.db.pool)
    .await?;
    if done.rows_affected() == 0 {
        post(state, ctx.tenant_id(), post_id).await?;
        return Err(not_pending());
    }
    Ok(())
}

/// Sends the failed targets of an approved post again: their jobs go back
/// to the queue with fresh attempts. A target whose create may have
/// reached the platform is looked for there first (see `publish`), so a
/// retry does not post what already went out.
pub async fn retry(ctx: &TenantContext, state: &AppState, post_id: &str) -> ServerResult<usize> {
    ctx.require(Permission::ReviewContent)?;
    post(state, ctx.tenant_id(), post_id).await?;
    let done = sqlx::query(
        "update job set state = 'queued', step = 'queued', attempt = 0, run_at_ms = $4, last_error = null, \
         updated_at = $5, finished_at = null where tenant_id = $1 and kind = $2 and state = 'dead' \
         and subject_id in (select id from social_post_target where post_id = $3 and tenant_id = $1 \
         and remote_id is null)",
    )
    .bind(ctx.tenant_id())
    .bind(publish::KIND)
    .bind(post_id)
    .bind(now_ms())
    .bind(now())
    .execute(&state.db.pool)
    .await?;
    if done.rows_affected() == 0 {
        return Err(ServerError::Conflict("Nothing of this post has failed.".into()));
    }
    state.wake.notify_one();
    Ok(done.rows_affected() as usize)
}

/// Deletes a post that has not started going out: a draft, one waiting for
/// review or rejected, or an approved one whose jobs have not run yet
/// (which are cancelled with it). What has been sent stays in the history.
pub async fn delete(ctx: &TenantContext, state: &AppState, post_id: &str) -> ServerResult<()> {
    ctx.require(Permission::CreateContent)?;
    let mut tx = state.db.begin_write().await?;
    let found: Option<(String, Option<i64>)> =
        sqlx::query_as("select review, publish_at from social_post where id = $1 and tenant_id = $2")
            .bind(post_id)
            .bind(ctx.tenant_id())
            .fetch_optional(&mut *tx)
            .await?;
    let Some((review, publish_at)) = found else {
        return Err(ServerError::NotFound);
    };
    // Cancelling what a reviewer scheduled is a reviewer's call.
    if review == "approved" {
        ctx.require(Permission::ReviewContent)?;
    }
    if sent_somewhere(&mut tx, ctx.tenant_id(), post_id).await? {
        return Err(going_out());
    }
    let subjects = "select id from social_post_target where post_id = $3 and tenant_id = $1";
    // Only jobs no worker has claimed go; a claim holds its row until it
    // commits, so whatever is left afterwards has started, and then
    // nothing is deleted at all.
    sqlx::query(&format!(
        "delete from job where tenant_id = $1 and kind = $2 and subject_id in ({subjects}) \
         and state = 'queued' and attempt = 0"
    ))
    .bind(ctx.tenant_id())
    .bind(publish::KIND)
    .bind(post_id)
    .execute(&mut *tx)
    .await?;
    let (started,): (i64,) = sqlx::query_as(&format!(
        "select count(*) from job where tenant_id = $1 and kind = $2 and subject_id in ({subjects})"
    ))
    .bind(ctx.tenant_id())
    .bind(publish::KIND)
    .bind(post_id)
    .fetch_one(&mut *tx)
    .await?;
    if started > 0 {
        return Err(going_out());
    }
    // Still as it was read: an approval meanwhile needs a reviewer, and a
    // queued post a posting time took meanwhile has jobs now.
    let deleted = match publish_at {
        Some(at) => {
            sqlx::query("delete from social_post where id = $1 and tenant_id = $2 and review = $3 and publish_at = $4")
                .bind(post_id)
                .bind(ctx.tenant_id())
                .bind(&review)
                .bind(at)
                .execute(&mut *tx)
                .await?
        }
        None => {
            sqlx::query(
                "delete from social_post where id = $1 and tenant_id = $2 and review = $3 and publish_at is null",
            )
            .bind(post_id)
            .bind(ctx.tenant_id())
            .bind(&review)
            .execute(&mut *tx)
            .await?
        }
    };
    if deleted.rows_affected() == 0 {
        return Err(changed_meanwhile());
    }
    tx.commit().await?;
    Ok(())
}

fn going_out() -> ServerError {
    ServerError::Conflict("This post has started going out; what was sent stays in the history.".into())
}

fn changed_meanwhile() -> ServerError {
    ServerError::Conflict("The post changed meanwhile; look at it again.".into())
}

/// Whether a create of the post was ever sent to a platform (a failed and
/// retried post may have gone out even with its jobs back in the queue).
async fn sent_somewhere(tx: &mut Tx, tenant_id: &TenantId, post_id: &str) -> ServerResult<bool> {
    let (sent,): (i64,) = sqlx::query_as(
        "select count(*) from social_post_target where post_id = $1 and tenant_id = $2 \
         and (attempted_at is not null or remote_id is not null)",
    )
    .bind(post_id)
    .bind(tenant_id)
    .fetch_one(&mut **tx)
    .await?;
    Ok(sent > 0)
}

/// Moves a post to another day, keeping its time of day in `zone` (the
/// calendar's): a draft, one waiting for review, or an approved one whose
/// jobs have not started (reviewers only), whose jobs move with it.
pub async fn move_to_day(
    ctx: &TenantContext,
    state: &AppState,
    post_id: &str,
    date: &str,
    zone: &str,
) -> ServerResult<()> {
    ctx.require(Permission::CreateContent)?;
    // The calendar's zone says which day the post was dropped on; the
    // workspace's zone keeps its time of day (posts are written in it).
    let viewer = parse_time_zone(zone).map_err(|_| ServerError::BadRequest("Unknown time zone.".into()))?;
    let (workspace, _) = voice(state, ctx.tenant_id()).await?;
    let day = chrono::NaiveDate::parse_from_str(date.trim(), "%Y-%m-%d")
        .map_err(|_| ServerError::BadRequest("Choose a day like 2026-12-24.".into()))?;
    let mut tx = state.db.begin_write().await?;
    let found: Option<(String, Option<i64>)> =
        sqlx::query_as("select review, publish_at from social_post where id = $1 and tenant_id = $2")
            .bind(post_id)
            .bind(ctx.tenant_id())
            .fetch_optional(&mut *tx)
            .await?;
    let Some((review, publish_at)) = found else {
        return Err(ServerError::NotFound);
    };
    if review == "rejected" {
        return Err(ServerError::Conflict("A rejected post is not moved.".into()));
    }
    if review == "approved" {
        ctx.require(Permission::ReviewContent)?;
    }
    let Some(publish_at) = publish_at else {
        return Err(ServerError::Conflict(
            "Give the post a time in the composer first.".into(),
        ));
    };
    if sent_somewhere(&mut tx, ctx.tenant_id(), post_id).await? {
        return Err(going_out());
    }
    let shown_day = viewer
        .timestamp_opt(publish_at, 0)
        .single()
        .map(|t| t.date_naive())
        .unwrap_or(day);
    let shift = (day - shown_day).num_days();
    let local = workspace
        .timestamp_opt(publish_at, 0)
        .single()
        .map(|t| t.naive_local())
        .ok_or_else(|| ServerError::internal("a stored time out of range"))?;
    let at = workspace
        .from_local_datetime(&(local + chrono::Duration::days(shift)))
        .earliest()
        .map(|t| t.timestamp())
        .ok_or_else(|| ServerError::Validation("That time does not exist on that day (the clocks skip it).".into()))?;
    if at < now() - PAST_SLACK_SECONDS {
        return Err(ServerError::Validation(
            "That time has passed: choose a day ahead.".into(),
        ));
    }
    let moved = sqlx::query(
        "update social_post set publish_at = $3, updated_at = $4 where id = $1 and tenant_id = $2 and review = $5",
    )
    .bind(post_id)
    .bind(ctx.tenant_id())
    .bind(at)
    .bind(now())
    .bind(&review)
    .execute(&mut *tx)
    .await?;
    if moved.rows_affected() == 0 {
        return Err(changed_meanwhile());
    }
    if review == "approved" {
        let subjects = "select id from social_post_target where post_id = $3 and tenant_id = $1";
        sqlx::query(&format!(
            "update job set run_at_ms = $4, updated_at = $5 where tenant_id = $1 and kind = $2 \
             and subject_id in ({subjects}) and state = 'queued' and attempt = 0 and step = 'queued'"
        ))
        .bind(ctx.tenant_id())
        .bind(publish::KIND)
        .bind(post_id)
        .bind(run_at_ms(at))
        .bind(now())
        .execute(&mut *tx)
        .await?;
        let (going,): (i64,) = sqlx::query_as(&format!(
            "select count(*) from job where tenant_id = $1 and kind = $2 and subject_id in ({subjects}) \
             and not (state = 'queued' and attempt = 0 and step = 'queued')"
        ))
        .bind(ctx.tenant_id())
        .bind(publish::KIND)
        .bind(post_id)
        .fetch_one(&mut *tx)
        .await?;
        if going > 0 {
            return Err(ServerError::Conflict(
                "This post is on its way already; it can no longer be moved.".into(),
            ));
        }
    }
    tx.commit().await?;
    state.wake.notify_one();
    Ok(())
}

/// Queued posts' jobs run at the post's time: `queue` and this agree on
/// when that is in milliseconds.
pub fn run_at_ms(publish_at: i64) -> i64 {
    (publish_at * 1000).max(now_ms())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_times_are_read_in_the_workspace_zone() {
        let berlin: Tz = "Europe/Berlin".parse().unwrap();
        // 18:00 in Berlin in December is 17:00 UTC.
        assert_eq!(parse_local("2026-12-24T18:00", berlin).unwrap(), 1_798_131_600);
        assert_eq!(local_value(1_798_131_600, berlin), "2026-12-24T18:00");
        // The spring-forward gap does not exist; the autumn hour is the first.
        let gap = parse_local("2027-03-28T02:30", berlin).unwrap_err().to_string();
        assert!(gap.contains("does not exist"), "{gap}");
        let twice = parse_local("2026-10-25T02:30", berlin).unwrap();
        assert_eq!(twice, 1_792_888_200);
        assert!(parse_local("tomorrow", berlin).is_err());
    }

    #[test]
    fn links_must_be_web_addresses() {
        assert_eq!(check_link(" ").unwrap(), "");
        assert_eq!(
            check_link("https://shop.example/cake").unwrap(),
            "https://shop.example/cake"
        );
        for bad in ["javascript:alert(1)", "shop.example", "ftp://x.example/a", "https://"] {
            assert!(check_link(bad).is_err(), "{bad}");
        }
    }
}
