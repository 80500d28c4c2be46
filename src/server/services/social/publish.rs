//! Publishing social posts: one job per target (`social-publish`, subject
//! the target, queued when its post is approved, due at the post's time).
//! The job reads the target fresh, so a post deleted or an account
//! disconnected meanwhile stops it with the reason in words.
//!
//! Exactly once, as people see it: a target whose remote id is stored is
//! published and is never sent again; the remote id and link are stored the
//! moment they are known; before each create the time is stored
//! (`attempted_at`), and a later attempt first looks among the account's
//! posts since then for one with the same caption not claimed by another
//! target, so a create whose answer was lost is found, never repeated.
//! Instagram's container id is stored before it is published: a retry
//! publishes that container, and a container Meta reports PUBLISHED is
//! looked up the same way. Instagram's rolling 24-hour publishing limit is
//! read before a container is made and before it is published.
//!
//! TikTok's Direct Post: the creator's options are read first (as TikTok's
//! guidelines ask), the video is sent by address (`PULL_FROM_URL`), its
//! publish id stored at once and followed until the post is public. TikTok
//! lists an account's videos only with `video.list`, so an init whose
//! answer was lost is looked for there, again on later attempts; when it
//! never appears the post fails asking the person to check, rather than
//! risk a second video.
//!
//! The demo channel goes through every step and publishes nowhere.

use super::posts::run_at_ms;
use super::{binding, token_refused, ACCESS_TOKEN};
use crate::app::types::{Platform, Step, TenantId};
use crate::server::auth::TenantContext;
use crate::server::clients::meta::{GraphError, Published};
use crate::server::clients::tiktok::{TikTokError, Video};
use crate::server::db::{now, Tx};
use crate::server::domain::social_post::{caption, Hashtags};
use crate::server::error::{ServerError, ServerResult};
use crate::server::queue::{enqueue, ClaimedJob, Done, Failure, JobKind, Lease, NewJob, Start};
use crate::server::services::social::media::public_url;
use crate::server::state::AppState;
use std::time::Duration;

pub const KIND: &str = "social-publish";
/// How many times one attempt asks whether Instagram has processed a
/// container before it hands the job back to wait.
const CONTAINER_POLLS: u32 = 30;
/// How long a post waits for a platform's publishing limit to make room.
const LIMIT_WAIT: Duration = Duration::from_secs(15 * 60);
/// The longest a Graph call takes (the client's timeout).
const GRAPH_CALL: Duration = Duration::from_secs(20);

/// Queues the publish job of each of the post's targets, due at
/// `publish_at` (now, if that has passed), in the approving transaction.
pub async fn queue(
    tx: &mut Tx,
    state: &AppState,
    tenant_id: &TenantId,
    post_id: &str,
    publish_at: i64,
) -> ServerResult<()> {
    let targets: Vec<(String,)> =
        sqlx::query_as("select id from social_post_target where post_id = $1 and tenant_id = $2 order by id")
            .bind(post_id)
            .bind(tenant_id)
            .fetch_all(&mut **tx)
            .await?;
    for (target_id,) in targets {
        let job = NewJob {
            tenant_id,
            kind: KIND,
            subject_id: &target_id,
            // One job per target: its time is the job's run_at.
            slot: 0,
            run_at_ms: run_at_ms(publish_at),
            max_attempts: state.config.worker.max_attempts,
        };
        enqueue(&mut **tx, &job, Start::Queued).await?;
    }
    Ok(())
}

/// A target with everything publishing needs.
#[derive(sqlx::FromRow)]
struct TargetRow {
    id: String,
    account_id: String,
    platform: String,
    external_id: String,
    account_name: String,
    account_status: String,
    status_reason: String,
    access_token_sealed: Option<String>,
    review: String,
    body: String,
    hashtags: String,
    link: String,
    media_kind: Option<String>,
    media_token: Option<String>,
    container_id: Option<String>,
    attempted_at: Option<i64>,
    remote_id: Option<String>,
}

async fn target(state: &AppState, tenant_id: &TenantId, target_id: &str) -> ServerResult<Option<TargetRow>> {
    Ok(sqlx::query_as(
        "select t.id, t.account_id, a.platform, a.external_id, a.name as account_name, a.status as account_status, \
         a.status_reason, a.access_token_sealed, p.review, coalesce(t.body, p.body) as body, p.hashtags, p.link, \
         m.kind as media_kind, m.public_token as media_token, t.container_id, t.attempted_at, t.remote_id \
         from social_post_target t \
         join social_post p on p.id = t.post_id and p.tenant_id = t.tenant_id \
         join social_account a on a.id = t.account_id and a.tenant_id = t.tenant_id \
         left join social_media m on m.id = p.media_id and m.tenant_id = p.tenant_id \
         where t.id = $1 and t.tenant_id = $2",
    )
    .bind(target_id)
    .bind(tenant_id)
    .fetch_optional(&state.db.pool)
    .await?)
}

/// Keeps what the platform made of the target and ends the job as
/// published, in one transaction: a retry finds the remote id and stops.
async fn published(
    state: &AppState,
    lease: &Lease,
    tenant_id: &TenantId,
    target_id: &str,
    remote_id: &str,
    permalink: Option<&str>,
) -> ServerResult<()> {
    let mut tx = state.db.begin_write().await?;
    sqlx::query(
        "update social_post_target set remote_id = $3, permalink = $4, published_at = $5, updated_at = $5 \
         where id = $1 and tenant_id = $2 and remote_id is null",
    )
    .bind(target_id)
    .bind(tenant_id)
    .bind(remote_id)
    .bind(permalink)
    .bind(now())
    .execute(&mut *tx)
    .await?;
    lease.finish(&mut *tx, "done", Step::Published, None).await?;
    tx.commit().await?;
    Ok(())
}

pub struct PublishJob;

#[async_trait::async_trait]
impl JobKind for PublishJob {
    fn name(&self) -> &'static str {
        KIND
    }

    /// A posting time of an account (the schedule's subject): see `slots`.
    async fn on_slot(&self, ctx: &TenantContext, state: &AppState, account_id: &str, slot: i64) -> ServerResult<bool> {
        super::slots::take(ctx, state, account_id, slot).await
    }

    async fn run(
        &self,
        ctx: &TenantContext,
        state: &AppState,
        job: &ClaimedJob,
        lease: &Lease,
    ) -> Result<Done, Failure> {
        let tenant_id = ctx.tenant_id();
        let Some(row) = target(state, tenant_id, &job.subject_id).await? else {
            return Err(Failure::Stop("The post was deleted.".into()));
        };
        if row.remote_id.is_some() {
            return Ok(Done::Complete(Step::Published));
        }
        if row.review != "approved" {
            return Err(Failure::Stop("The post is no longer approved.".into()));
        }
        let Some(platform) = Platform::parse(&row.platform) else {
            return Err(Failure::Stop("This build does not know the account's platform.".into()));
        };
        if row.account_status != "connected" {
            let reason = match row.status_reason.trim() {
                "" => "the account is not connected".to_string(),
                reason => reason.trim_end_matches('.').to_string(),
            };
            return Err(Failure::Stop(format!(
                "Reconnect {} ({}): {reason}.",
                platform.label(),
                row.account_name
            )));
        }
        lease.set_step(&state.db.pool, Step::Publishing).await?;
        let (remote_id, known_link) = match platform {
            Platform::Demo => (format!("demo-{}", row.id), None),
            Platform::Facebook | Platform::Instagram => {
                let meta = Graph::open(state, tenant_id, &row, platform)?;
                let sent = if platform == Platform::Facebook {
                    meta.facebook(lease).await
                } else {
                    meta.instagram(lease).await
                };
                sent.map_err(|e| e.into_failure())?
            }
            Platform::Tiktok => tiktok(state, tenant_id, &row, lease).await?,
        };
        // The id first, in the job's own transaction; the link after, with
        // one more call that may fail without losing the post.
        published(state, lease, tenant_id, &row.id, &remote_id, known_link.as_deref()).await?;
        if known_link.is_none() {
            let link = match platform {
                Platform::Facebook | Platform::Instagram => match Graph::open(state, tenant_id, &row, platform) {
                    Ok(meta) => meta.link_of(&remote_id).await,
                    Err(_) => None,
                },
                Platform::Tiktok => tiktok_link(state, tenant_id, &row, &remote_id).await,
                Platform::Demo => None,
            };
            if let Some(link) = link {
                fill_link(state, tenant_id, &row.id, &link).await;
            }
        }
        Ok(Done::Ended)
    }

    /// A post that ended after a create may have reached the platform: the
    /// reason says so, so no one sends it again unseen.
    async fn on_dead(&self, state: &AppState, job: &ClaimedJob, reason: &str) {
        let sent: Result<Option<(Option<i64>, Option<String>)>, sqlx::Error> =
            sqlx::query_as("select attempted_at, remote_id from social_post_target where id = $1 and tenant_id = $2")
                .bind(&job.subject_id)
                .bind(&job.tenant_id)
                .fetch_optional(&state.db.pool)
                .await;
        if let Ok(Some((Some(_), None))) = sent {
            let said = format!("{reason} It may have gone out: check the account before sending it again.");
            let noted =
                sqlx::query("update job set last_error = $1 where id = $2 and tenant_id = $3 and state = 'dead'")
                    .bind(&said)
                    .bind(&job.id)
                    .bind(&job.tenant_id)
                    .execute(&state.db.pool)
                    .await;
            if let Err(e) = noted {
                tracing::warn!(error = %e, "could not note a publish that may have gone out");
            }
        }
        crate::server::queue::job_dead(state, KIND, job, reason).await;
    }
}

/// A platform's publishing limit is reached: wait (without using up an
/// attempt) and look again.
fn limit_reached(label: &str) -> Failure {
    Failure::Wait(
        format!("{label}'s limit of posts for this account is reached; the post goes out when there is room."),
        LIMIT_WAIT,
    )
}

/// The link a platform gave after the post was stored.
async fn fill_link(state: &AppState, tenant_id: &TenantId, target_id: &str, link: &str) {
    let kept = sqlx::query(
        "update social_post_target set permalink = $3 where id = $1 and tenant_id = $2 and permalink is null",
    )
    .bind(target_id)
    .bind(tenant_id)
    .bind(link)
    .execute(&state.db.pool)
    .await;
    if let Err(e) = kept {
        tracing::warn!(error = %e, "a published post's link was not kept");
    }
}

/// Why sending to Meta stopped.
enum Stopped {
    /// Meta refused the account's token: the account asks to be reconnected.
    Token(Platform),
    Failure(Failure),
}

impl Stopped {
    fn into_failure(self) -> Failure {
        match self {
            Stopped::Token(platform) => Failure::Stop(format!(
                "Reconnect {}: the permission was withdrawn or has expired.",
                platform.label()
            )),
            Stopped::Failure(f) => f,
        }
    }
}

impl From<ServerError> for Stopped {
    fn from(e: ServerError) -> Stopped {
        Stopped::Failure(e.into())
    }
}

/// One target on its way to Facebook or Instagram.
struct Graph<'a> {
    state: &'a AppState,
    tenant_id: &'a TenantId,
    row: &'a TargetRow,
    platform: Platform,
    token: String,
    caption: String,
}

impl<'a> Graph<'a> {
    fn open(
        state: &'a AppState,
        tenant_id: &'a TenantId,
        row: &'a TargetRow,
        platform: Platform,
    ) -> Result<Graph<'a>, Failure> {
        Ok(Graph {
            state,
            tenant_id,
            row,
            platform,
            token: open_token(state, tenant_id, row, platform)?,
            caption: caption_of(row),
        })
    }

    /// What a Graph error means for the job: a refused token asks for a
    /// reconnect; limits and outages wait; anything else stops, in words.
    async fn refused(&self, e: GraphError) -> Stopped {
        let label = self.platform.label();
        tracing::warn!(target_id = %self.row.id, error = %e, code = ?e.code, "Meta refused a publish step");
        if e.is_invalid_token() {
            let reason = format!(
                "Meta no longer accepts the sign-in for {label} (the permission was withdrawn or has expired)."
            );
            let sealed = self.row.access_token_sealed.as_deref().unwrap_or_default();
            if let Err(e) = token_refused(self.state, self.tenant_id, &self.row.account_id, sealed, &reason).await {
                tracing::warn!(error = %e, "could not mark an account for reconnecting");
            }
            return Stopped::Token(self.platform);
        }
        if e.is_publishing_limit() {
            return Stopped::Failure(limit_reached(label));
        }
        if e.is_not_ready() {
            return Stopped::Failure(Failure::Retry(format!("{label} is still processing the media.")));
        }
        if e.is_rate_limited() {
            return Stopped::Failure(Failure::Retry(format!(
                "{label} asked Autopilot to slow down; the post goes out shortly."
            )));
        }
        if e.is_transient() {
            return Stopped::Failure(Failure::Retry(format!("{label} could not be reached; trying again.")));
        }
        Stopped::Failure(Failure::Stop(format!("{label} refused the post: {}", e.message)))
    }

    fn media(&self) -> Option<(bool, String)> {
        let token = self.row.media_token.as_deref()?;
        let is_video = self.row.media_kind.as_deref() == Some("video");
        Some((is_video, public_url(self.state, self.tenant_id, token)))
    }

    async fn attempting(&self, lease: &Lease) -> Result<(), Stopped> {
        Ok(attempting(self.state, self.tenant_id, &self.row.id, lease).await?)
    }

    /// The text this target sends: its caption, and for a Facebook photo
    /// post the link after it (a photo post has no link card).
    fn sent_text(&self) -> String {
        let photo = matches!(self.media(), Some((false, _)));
        match self.row.link.as_str() {
            link if self.platform == Platform::Facebook && photo && !link.is_empty() => {
                format!("{}\n\n{link}", self.caption)
            }
            _ => self.caption.clone(),
        }
    }

    /// Among `recent`, the post made since `since` with the text this target
    /// sends that no other target of the account has claimed.
    async fn ours(&self, recent: Vec<Published>, since: i64) -> Result<Option<Published>, Stopped> {
        let sent = self.sent_text();
        let candidates = recent
            .into_iter()
            .filter(|p| p.text() == sent && p.at().is_some_and(|at| at >= since));
        for post in candidates {
            if !claimed(self.state, self.tenant_id, &self.row.account_id, &post.id).await? {
                return Ok(Some(post));
            }
        }
        Ok(None)
    }

    async fn link_of(&self, remote_id: &str) -> Option<String> {
        let field = if self.platform == Platform::Instagram {
            "permalink"
        } else {
            "permalink_url"
        };
        match self.state.meta.permalink(remote_id, &self.token, field).await {
            Ok(link) => link,
            Err(e) => {
                tracing::info!(error = %e, "Meta did not give a post's link");
                None
            }
        }
    }

    /// A Page post: a photo post when there is a photo, a feed post
    /// otherwise.
    async fn facebook(&self, lease: &Lease) -> Result<(String, Option<String>), Stopped> {
        let meta = &self.state.meta;
        let page = &self.row.external_id;
        if let Some(since) = self.row.attempted_at {
            // An earlier attempt sent the post; its answer may have been lost.
            let feed = match meta.page_feed(page, &self.token, since - 60).await {
                Ok(feed) => feed,
                Err(e) => return Err(self.refused(e).await),
            };
            if let Some(found) = self.ours(feed, since - 60).await? {
                let link = found.link();
                return Ok((found.id, link));
            }
        }
        self.attempting(lease).await?;
        let created = match self.media() {
            Some((false, url)) => meta.photo_post(page, &self.token, &url, &self.sent_text()).await,
            Some((true, _)) => {
                return Err(Stopped::Failure(Failure::Stop(
                    "Facebook posts from Autopilot take a photo; videos go to Instagram or TikTok.".into(),
                )))
            }
            None => meta.feed_post(page, &self.token, &self.caption, &self.row.link).await,
        };
        let created = match created {
            Ok(created) => created,
            Err(e) => return Err(self.refused(e).await),
        };
        Ok((created.post_id.unwrap_or(created.id), None))
    }

    /// Instagram: a container, processed by Meta, then published.
    async fn instagram(&self, lease: &Lease) -> Result<(String, Option<String>), Stopped> {
        let meta = &self.state.meta;
        let user = &self.row.external_id;
        let container = match &self.row.container_id {
            Some(container) => container.clone(),
            None => {
                self.within_limit().await?;
                let Some((is_video, url)) = self.media() else {
                    return Err(Stopped::Failure(Failure::Stop(
                        "Instagram needs a photo or video.".into(),
                    )));
                };
                let created = match meta
                    .create_container(user, &self.token, &url, is_video, &self.caption)
                    .await
                {
                    Ok(created) => created,
                    Err(e) => return Err(self.refused(e).await),
                };
                self.keep_container(Some(&created.id)).await?;
                created.id
            }
        };
        let poll = self.state.config.worker.poll.min(Duration::from_secs(2));
        let mut polls = 0;
        loop {
            let status = match meta.container_status(&container, &self.token).await {
                Ok(status) => status,
                Err(e) => return Err(self.refused(e).await),
            };
            match status.status_code.as_str() {
                "FINISHED" => break,
                "PUBLISHED" => {
                    // An earlier attempt published it and lost the answer.
                    let recent = match meta.recent_media(user, &self.token).await {
                        Ok(recent) => recent,
                        Err(e) => return Err(self.refused(e).await),
                    };
                    let since = self.row.attempted_at.map(|at| at - 60).unwrap_or(0);
                    return match self.ours(recent, since).await? {
                        Some(found) => {
                            let link = found.link();
                            Ok((found.id, link))
                        }
                        None => Err(Stopped::Failure(Failure::Retry(
                            "Instagram published the post and has not listed it yet.".into(),
                        ))),
                    };
                }
                "IN_PROGRESS" if polls < CONTAINER_POLLS => {
                    polls += 1;
                    tokio::time::sleep(poll).await;
                }
                "IN_PROGRESS" => {
                    return Err(Stopped::Failure(Failure::Retry(
                        "Instagram is still processing the media.".into(),
                    )))
                }
                "EXPIRED" => {
                    self.keep_container(None).await?;
                    return Err(Stopped::Failure(Failure::Retry(
                        "Instagram's copy of the media expired before it was published; preparing it again.".into(),
                    )));
                }
                _ => {
                    tracing::warn!(target_id = %self.row.id, status = ?status.status, "Instagram could not process media");
                    self.keep_container(None).await?;
                    return Err(Stopped::Failure(Failure::Stop(
                        "Instagram could not use the media (it could not fetch it, or does not take its format). \
                         Use a JPEG photo or an MP4 video."
                            .into(),
                    )));
                }
            }
        }
        self.within_limit().await?;
        self.attempting(lease).await?;
        let created = match meta.media_publish(user, &self.token, &container).await {
            Ok(created) => created,
            Err(e) => return Err(self.refused(e).await),
        };
        Ok((created.id, None))
    }

    /// Waits (by retrying later) while the account has used its 24-hour
    /// publishing limit.
    async fn within_limit(&self) -> Result<(), Stopped> {
        let (used, total) = match self
            .state
            .meta
            .publishing_limit(&self.row.external_id, &self.token)
            .await
        {
            Ok(limit) => limit,
            Err(e) => return Err(self.refused(e).await),
        };
        if used >= total {
            return Err(Stopped::Failure(Failure::Wait(
                format!(
                    "Instagram allows {total} posts in 24 hours and this account has used them; the post goes out \
                     when there is room."
                ),
                LIMIT_WAIT,
            )));
        }
        Ok(())
    }

    async fn keep_container(&self, container: Option<&str>) -> Result<(), Stopped> {
        Ok(keep_container(self.state, self.tenant_id, &self.row.id, container).await?)
    }
}

/// The account's token, opened for this publish.
fn open_token(state: &AppState, tenant_id: &TenantId, row: &TargetRow, platform: Platform) -> Result<String, Failure> {
    open_access(
        state,
        tenant_id,
        &row.account_id,
        row.access_token_sealed.as_deref(),
        platform,
    )
}

/// An account's access token, opened for a job that calls its platform.
pub(super) fn open_access(
    state: &AppState,
    tenant_id: &TenantId,
    account_id: &str,
    sealed: Option<&str>,
    platform: Platform,
) -> Result<String, Failure> {
    let sealed = sealed.ok_or_else(|| Failure::Stop(format!("Reconnect {}: it has no sign-in.", platform.label())))?;
    state
        .sealer
        .open(sealed, &binding(tenant_id, account_id, ACCESS_TOKEN))
        .map_err(|e| {
            tracing::warn!(error = %e, account_id, "a stored sign-in could not be opened");
            Failure::Stop(format!(
                "Reconnect {}: its stored sign-in cannot be read.",
                platform.label()
            ))
        })
}

/// The caption the platform receives: the target's text, then hashtags.
fn caption_of(row: &TargetRow) -> String {
    caption(&row.body, &Hashtags::parse(&row.hashtags).unwrap_or_default())
}

/// Stores the time of a create about to be sent, once the claim is known
/// to hold the job for longer than the call.
async fn attempting(state: &AppState, tenant_id: &TenantId, target_id: &str, lease: &Lease) -> ServerResult<()> {
    lease.confirm(&state.db, GRAPH_CALL).await?;
    sqlx::query("update social_post_target set attempted_at = $3, updated_at = $3 where id = $1 and tenant_id = $2")
        .bind(target_id)
        .bind(tenant_id)
        .bind(now())
        .execute(&state.db.pool)
        .await?;
    Ok(())
}

/// Forgets that a create was sent, when the platform said it made nothing.
async fn forget_attempt(state: &AppState, tenant_id: &TenantId, target_id: &str) -> ServerResult<()> {
    sqlx::query("update social_post_target set attempted_at = null where id = $1 and tenant_id = $2")
        .bind(target_id)
        .bind(tenant_id)
        .execute(&state.db.pool)
        .await?;
    Ok(())
}

/// Whether a target of the account has claimed this remote post.
async fn claimed(state: &AppState, tenant_id: &TenantId, account_id: &str, remote_id: &str) -> ServerResult<bool> {
    let (claimed,): (i64,) = sqlx::query_as(
        "select count(*) from social_post_target where tenant_id = $1 and account_id = $2 and remote_id = $3",
    )
    .bind(tenant_id)
    .bind(account_id)
    .bind(remote_id)
    .fetch_one(&state.db.pool)
    .await?;
    Ok(claimed > 0)
}

/// Stores a platform's handle on the post in the making (Instagram's
/// container, TikTok's publish id) before anything else, or forgets it.
async fn keep_container(
    state: &AppState,
    tenant_id: &TenantId,
    target_id: &str,
    container: Option<&str>,
) -> ServerResult<()> {
    sqlx::query("update social_post_target set container_id = $3, updated_at = $4 where id = $1 and tenant_id = $2")
        .bind(target_id)
        .bind(tenant_id)
        .bind(container)
        .bind(now())
        .execute(&state.db.pool)
        .await?;
    Ok(())
}

/// What a TikTok error means for the job, as `Graph::refused` does for Meta.
async fn tiktok_refused(state: &AppState, tenant_id: &TenantId, row: &TargetRow, e: TikTokError) -> Failure {
    tracing::warn!(target_id = %row.id, error = %e, code = %e.code, "TikTok refused a publish step");
    if e.is_revoked() {
        let reason = "TikTok no longer accepts the sign-in (the permission was withdrawn or has expired).";
        let sealed = row.access_token_sealed.as_deref().unwrap_or_default();
        if let Err(e) = token_refused(state, tenant_id, &row.account_id, sealed, reason).await {
            tracing::warn!(error = %e, "could not mark an account for reconnecting");
        }
        return Failure::Stop("Reconnect TikTok: the permission was withdrawn or has expired.".into());
    }
    if e.code == "rate_limit_exceeded" || e.status == Some(429) {
        return Failure::Retry("TikTok asked Autopilot to slow down; the post goes out shortly.".into());
    }
    if e.code == "spam_risk_too_many_posts" {
        return limit_reached("TikTok");
    }
    if e.is_transient() {
        return Failure::Retry("TikTok could not be reached; trying again.".into());
    }
    Failure::Stop(format!("TikTok refused the post: {}", e.message))
}

/// TikTok's reason a publish failed, in words.
fn tiktok_failure(reason: &str) -> String {
    match reason {
        "video_pull_failed" => "TikTok could not fetch the video from Autopilot.".into(),
        "file_format_check_failed" => "TikTok does not take this video's format; use an MP4 (H.264).".into(),
        "duration_check_failed" => "The video is too long or too short for this TikTok account.".into(),
        "frame_rate_check_failed" => "TikTok does not take this video's frame rate.".into(),
        "picture_size_check_failed" => "TikTok does not take this video's picture size.".into(),
        "auth_removed" => "Reconnect TikTok: the permission was withdrawn.".into(),
        "spam_risk_too_many_posts" => "TikTok's daily limit of posts for this account was reached.".into(),
        other => format!("TikTok could not publish the video ({other})."),
    }
}

/// Whether a listed title is this caption: the same, or (TikTok may
/// shorten titles in lists) a long enough beginning of it.
fn same_title(listed: &str, caption: &str) -> bool {
    let (listed, caption) = (listed.trim(), caption.trim());
    listed == caption || (listed.chars().count() >= 40 && caption.starts_with(listed))
}

/// Among `videos`, the one made since `since` with this title that no
/// target has claimed.
async fn unclaimed(
    state: &AppState,
    tenant_id: &TenantId,
    row: &TargetRow,
    title: &str,
    since: i64,
    videos: Vec<Video>,
) -> ServerResult<Option<Video>> {
    let candidates = videos
        .into_iter()
        .filter(|v| same_title(&v.title, title) && v.create_time.is_some_and(|at| at >= since));
    for video in candidates {
        if !claimed(state, tenant_id, &row.account_id, &video.id).await? {
            return Ok(Some(video));
        }
    }
    Ok(None)
}

/// A target on its way to TikTok.
async fn tiktok(
    state: &AppState,
    tenant_id: &TenantId,
    row: &TargetRow,
    lease: &Lease,
) -> Result<(String, Option<String>), Failure> {
    let api = &state.tiktok;
    let token = open_token(state, tenant_id, row, Platform::Tiktok)?;
    let title = caption_of(row);
    let publish_id = match &row.container_id {
        Some(id) => id.clone(),
        None => {
            if let Some(attempted_at) = row.attempted_at {
                // An earlier init may have reached TikTok and lost its answer.
                match api.recent_videos(&token).await {
                    Ok(videos) => {
                        let since = attempted_at - 60;
                        if let Some(video) = unclaimed(state, tenant_id, row, &title, since, videos).await? {
                            return Ok((video.id, video.share_url));
                        }
                    }
                    Err(e) if e.is_transient() => return Err(tiktok_refused(state, tenant_id, row, e).await),
                    Err(e) => tracing::info!(error = %e, "TikTok's video list could not be read"),
                }
                // Never a second init: look again later, and in the end
                // leave it to the person.
                return Err(Failure::Retry(
                    "TikTok may have received this video (its answer was lost) and does not list it yet; looking \
                     again shortly. If it never appears, check the TikTok account before sending the post again."
                        .into(),
                ));
            }
            let url = match (row.media_kind.as_deref(), row.media_token.as_deref()) {
                (Some("video"), Some(media)) => public_url(state, tenant_id, media),
                _ => return Err(Failure::Stop("TikTok needs a video.".into())),
            };
            let creator = match api.creator_info(&token).await {
                Ok(creator) => creator,
                Err(e) => return Err(tiktok_refused(state, tenant_id, row, e).await),
            };
            let options = &creator.privacy_level_options;
            let privacy = if options.iter().any(|o| o == "PUBLIC_TO_EVERYONE") {
                "PUBLIC_TO_EVERYONE"
            } else {
                options.first().map(String::as_str).unwrap_or("SELF_ONLY")
            };
            attempting(state, tenant_id, &row.id, lease).await?;
            let id = match api.init_video(&token, &title, privacy, &url).await {
                Ok(id) => id,
                Err(e) => {
                    // TikTok answered with a refusal: nothing was started, so
                    // a later attempt may send it again. A lost answer (no
                    // reply, a 5xx) keeps the mark and is looked for instead.
                    if e.status.is_some_and(|s| s < 500) && !e.code.is_empty() {
                        forget_attempt(state, tenant_id, &row.id).await?;
                    }
                    return Err(tiktok_refused(state, tenant_id, row, e).await);
                }
            };
            keep_container(state, tenant_id, &row.id, Some(&id)).await?;
            id
        }
    };
    let poll = state.config.worker.poll.min(Duration::from_secs(2));
    for _ in 0..CONTAINER_POLLS {
        let status = match api.publish_status(&token, &publish_id).await {
            Ok(status) => status,
            Err(e) => return Err(tiktok_refused(state, tenant_id, row, e).await),
        };
        match status.status.as_str() {
            "PUBLISH_COMPLETE" => return Ok((status.post_id().unwrap_or_else(|| publish_id.clone()), None)),
            "FAILED" => {
                // A failed publish made nothing: a retry starts anew.
                keep_container(state, tenant_id, &row.id, None).await?;
                forget_attempt(state, tenant_id, &row.id).await?;
                return Err(match status.fail_reason.as_deref().unwrap_or("unknown") {
                    "spam_risk_too_many_posts" => limit_reached("TikTok"),
                    reason => Failure::Stop(tiktok_failure(reason)),
                });
            }
            _ => tokio::time::sleep(poll).await,
        }
    }
    Err(Failure::Retry("TikTok is still processing the video.".into()))
}

/// A published video's share address, from the account's video list.
async fn tiktok_link(state: &AppState, tenant_id: &TenantId, row: &TargetRow, video_id: &str) -> Option<String> {
    let token = open_token(state, tenant_id, row, Platform::Tiktok).ok()?;
    match state.tiktok.recent_videos(&token).await {
        Ok(videos) => videos.into_iter().find(|v| v.id == video_id).and_then(|v| v.share_url),
        Err(e) => {
            tracing::info!(error = %e, "TikTok did not give a video's address");
            None
        }
    }
}
