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
//! The demo channel goes through every step and publishes nowhere. TikTok
//! publishing is not in this build yet: such a target fails saying so.

use super::posts::run_at_ms;
use super::{binding, needs_reconnect, ACCESS_TOKEN};
use crate::app::types::{Platform, Step, TenantId};
use crate::server::auth::TenantContext;
use crate::server::clients::meta::{GraphError, Published};
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
        let (remote_id, permalink) = match platform {
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
            Platform::Tiktok => {
                return Err(Failure::Stop(
                    "Publishing to TikTok is not available in this version of Autopilot yet.".into(),
                ))
            }
        };
        published(state, lease, tenant_id, &row.id, &remote_id, permalink.as_deref()).await?;
        Ok(Done::Ended)
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
        let sealed = row
            .access_token_sealed
            .as_deref()
            .ok_or_else(|| Failure::Stop(format!("Reconnect {}: it has no sign-in.", platform.label())))?;
        let token = state
            .sealer
            .open(sealed, &binding(tenant_id, &row.account_id, ACCESS_TOKEN))
            .map_err(|e| {
                tracing::warn!(error = %e, account_id = %row.account_id, "a stored sign-in could not be opened");
                Failure::Stop(format!(
                    "Reconnect {}: its stored sign-in cannot be read.",
                    platform.label()
                ))
            })?;
        let hashtags = Hashtags::parse(&row.hashtags).unwrap_or_default();
        Ok(Graph {
            state,
            tenant_id,
            row,
            platform,
            token,
            caption: caption(&row.body, &hashtags),
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
            if let Err(e) = needs_reconnect(self.state, self.tenant_id, &self.row.account_id, &reason).await {
                tracing::warn!(error = %e, "could not mark an account for reconnecting");
            }
            return Stopped::Token(self.platform);
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

    /// Stores the time of a create about to be sent.
    async fn attempting(&self, lease: &Lease) -> Result<(), Stopped> {
        sqlx::query(
            "update social_post_target set attempted_at = $3, updated_at = $3 where id = $1 and tenant_id = $2",
        )
        .bind(&self.row.id)
        .bind(self.tenant_id)
        .bind(now())
        .execute(&self.state.db.pool)
        .await
        .map_err(ServerError::from)?;
        // The claim must still be ours, for longer than the call.
        lease.confirm(&self.state.db, GRAPH_CALL).await?;
        Ok(())
    }

    /// Among `recent`, the post with this target's caption that no other
    /// target of the account has claimed.
    async fn ours(&self, recent: Vec<Published>) -> Result<Option<Published>, Stopped> {
        for post in recent.into_iter().filter(|p| p.text() == self.caption) {
            let (claimed,): (i64,) = sqlx::query_as(
                "select count(*) from social_post_target where tenant_id = $1 and account_id = $2 and remote_id = $3",
            )
            .bind(self.tenant_id)
            .bind(&self.row.account_id)
            .bind(&post.id)
            .fetch_one(&self.state.db.pool)
            .await
            .map_err(ServerError::from)?;
            if claimed == 0 {
                return Ok(Some(post));
            }
        }
        Ok(None)
    }

    async fn link_of(&self, remote_id: &str) -> Option<String> {
        match self.state.meta.permalink(remote_id, &self.token).await {
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
            if let Some(found) = self.ours(feed).await? {
                let link = found.link();
                return Ok((found.id, link));
            }
        }
        self.attempting(lease).await?;
        let created = match self.media() {
            Some((false, url)) => meta.photo_post(page, &self.token, &url, &self.caption).await,
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
        let remote_id = created.post_id.unwrap_or(created.id);
        let link = self.link_of(&remote_id).await;
        Ok((remote_id, link))
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
                    return match self.ours(recent).await? {
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
        let link = self.link_of(&created.id).await;
        Ok((created.id, link))
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
            return Err(Stopped::Failure(Failure::Retry(format!(
                "Instagram allows {total} posts in 24 hours and this account has used them; the post goes out when there is room."
            ))));
        }
        Ok(())
    }

    /// Stores the container (before it is published) or forgets it.
    async fn keep_container(&self, container: Option<&str>) -> Result<(), Stopped> {
        sqlx::query(
            "update social_post_target set container_id = $3, updated_at = $4 where id = $1 and tenant_id = $2",
        )
        .bind(&self.row.id)
        .bind(self.tenant_id)
        .bind(container)
        .bind(now())
        .execute(&self.state.db.pool)
        .await
        .map_err(ServerError::from)?;
        Ok(())
    }
}
