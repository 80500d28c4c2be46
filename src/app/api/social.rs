//! Social channels: the channels page, the demo channel and disconnecting.

use crate::app::error::AppError;
use crate::app::types::{
    CaptionRequest, CaptionTemplate, ChannelList, Composer, GeneratedCaption, SocialPostInput, SocialPostPage,
    WorkspaceVoice,
};
use leptos::prelude::*;

#[server(prefix = "/api", endpoint = "social/channels")]
pub async fn channels_page() -> Result<ChannelList, AppError> {
    use crate::server::{auth::TenantContext, request as api, services::social};
    let ctx = api::extract::<TenantContext>().await?;
    Ok(social::page(&ctx, &api::state()?).await?)
}

/// Returns the account's id.
#[server(prefix = "/api", endpoint = "social/connect_demo")]
pub async fn connect_demo_channel() -> Result<String, AppError> {
    use crate::server::{auth::TenantContext, request as api, services::social};
    let ctx = api::extract::<TenantContext>().await?;
    Ok(social::connect_demo(&ctx, &api::state()?).await?)
}

#[server(prefix = "/api", endpoint = "social/disconnect")]
pub async fn disconnect_channel(account_id: String) -> Result<(), AppError> {
    use crate::server::{auth::TenantContext, request as api, services::social};
    let ctx = api::extract::<TenantContext>().await?;
    Ok(social::disconnect(&ctx, &api::state()?, &account_id).await?)
}

/// The Pages and Instagram accounts a Facebook sign-in found.
#[server(prefix = "/api", endpoint = "social/pending")]
pub async fn pending_channels() -> Result<crate::app::types::PickList, AppError> {
    use crate::server::{auth::TenantContext, request as api, services::social::oauth};
    let ctx = api::extract::<TenantContext>().await?;
    Ok(oauth::pending(&ctx, &api::state()?, &api::session().await?).await?)
}

/// The composer: accounts, templates, zone, and the post to edit (`post_id`
/// empty for a new one).
#[server(prefix = "/api", endpoint = "social/composer")]
pub async fn social_composer(post_id: String) -> Result<Composer, AppError> {
    use crate::server::{auth::TenantContext, request as api, services::social::posts};
    let ctx = api::extract::<TenantContext>().await?;
    Ok(posts::composer(&ctx, &api::state()?, &post_id).await?)
}

/// Saves the composer's post; returns its id.
#[server(prefix = "/api", endpoint = "social/save", input = server_fn::codec::Json)]
pub async fn save_social_post(input: SocialPostInput) -> Result<String, AppError> {
    use crate::server::{auth::TenantContext, request as api, services::social::posts};
    let ctx = api::extract::<TenantContext>().await?;
    Ok(posts::save(&ctx, &api::state()?, &input).await?)
}

/// One page of social posts. `list` is review, scheduled, published,
/// failed, drafts, rejected or all; `account_id` empty means every account.
#[server(prefix = "/api", endpoint = "social/posts")]
pub async fn list_social_posts(list: String, account_id: String, page: i64) -> Result<SocialPostPage, AppError> {
    use crate::server::{auth::TenantContext, request as api, services::social::posts};
    let ctx = api::extract::<TenantContext>().await?;
    let filter = posts::PostFilter { list, account_id, page };
    Ok(posts::list(&ctx, &api::state()?, &filter).await?)
}

#[server(prefix = "/api", endpoint = "social/approve", input = server_fn::codec::Json)]
pub async fn approve_social_posts(post_ids: Vec<String>) -> Result<usize, AppError> {
    use crate::server::{auth::TenantContext, request as api, services::social::posts};
    let ctx = api::extract::<TenantContext>().await?;
    Ok(posts::approve(&ctx, &api::state()?, &post_ids).await?)
}

#[server(prefix = "/api", endpoint = "social/reject")]
pub async fn reject_social_post(post_id: String) -> Result<(), AppError> {
    use crate::server::{auth::TenantContext, request as api, services::social::posts};
    let ctx = api::extract::<TenantContext>().await?;
    Ok(posts::reject(&ctx, &api::state()?, &post_id).await?)
}

/// Sends a post's failed accounts again; returns how many.
#[server(prefix = "/api", endpoint = "social/retry")]
pub async fn retry_social_post(post_id: String) -> Result<usize, AppError> {
    use crate::server::{auth::TenantContext, request as api, services::social::posts};
    let ctx = api::extract::<TenantContext>().await?;
    Ok(posts::retry(&ctx, &api::state()?, &post_id).await?)
}

#[server(prefix = "/api", endpoint = "social/delete")]
pub async fn delete_social_post(post_id: String) -> Result<(), AppError> {
    use crate::server::{auth::TenantContext, request as api, services::social::posts};
    let ctx = api::extract::<TenantContext>().await?;
    Ok(posts::delete(&ctx, &api::state()?, &post_id).await?)
}

/// A caption from a brief, a product, or a template.
#[server(prefix = "/api", endpoint = "social/caption", input = server_fn::codec::Json)]
pub async fn write_caption(request: CaptionRequest) -> Result<GeneratedCaption, AppError> {
    use crate::server::{auth::TenantContext, request as api, services::social::captions};
    let ctx = api::extract::<TenantContext>().await?;
    Ok(captions::write(&ctx, &api::state()?, &request).await?)
}

#[server(prefix = "/api", endpoint = "social/templates")]
pub async fn list_caption_templates() -> Result<Vec<CaptionTemplate>, AppError> {
    use crate::server::{auth::TenantContext, request as api, services::social::templates};
    let ctx = api::extract::<TenantContext>().await?;
    Ok(templates::list(&ctx, &api::state()?).await?)
}

/// Adds a template (`id` empty) or replaces one; returns its id.
#[server(prefix = "/api", endpoint = "social/template_save")]
pub async fn save_caption_template(
    id: String,
    name: String,
    body: String,
    hashtags: String,
) -> Result<String, AppError> {
    use crate::server::{auth::TenantContext, request as api, services::social::templates};
    let ctx = api::extract::<TenantContext>().await?;
    Ok(templates::save(&ctx, &api::state()?, &id, &name, &body, &hashtags).await?)
}

#[server(prefix = "/api", endpoint = "social/template_delete")]
pub async fn delete_caption_template(id: String) -> Result<(), AppError> {
    use crate::server::{auth::TenantContext, request as api, services::social::templates};
    let ctx = api::extract::<TenantContext>().await?;
    Ok(templates::delete(&ctx, &api::state()?, &id).await?)
}

#[server(prefix = "/api", endpoint = "social/voice")]
pub async fn get_workspace_voice() -> Result<WorkspaceVoice, AppError> {
    use crate::app::types::Permission;
    use crate::server::{auth::TenantContext, request as api, services::social::posts};
    let ctx = api::extract::<TenantContext>().await?;
    ctx.require(Permission::ViewWorkspace)?;
    let (tz, tone) = posts::voice(&api::state()?, ctx.tenant_id()).await?;
    Ok(WorkspaceVoice {
        time_zone: tz.name().into(),
        tone,
        can_edit: ctx.can(Permission::ManageWorkspace),
    })
}

#[server(prefix = "/api", endpoint = "social/voice_save")]
pub async fn save_workspace_voice(time_zone: String, tone: String) -> Result<(), AppError> {
    use crate::server::{auth::TenantContext, request as api, services::social::posts};
    let ctx = api::extract::<TenantContext>().await?;
    Ok(posts::set_voice(&ctx, &api::state()?, &time_zone, &tone).await?)
}

/// Every account's posting times and queue.
#[server(prefix = "/api", endpoint = "social/times")]
pub async fn posting_times() -> Result<crate::app::types::PostingTimesPage, AppError> {
    use crate::server::{auth::TenantContext, request as api, services::social::slots};
    let ctx = api::extract::<TenantContext>().await?;
    Ok(slots::page(&ctx, &api::state()?).await?)
}

/// Saves one account's posting times; `active` is "on" or "off".
#[server(prefix = "/api", endpoint = "social/times/save")]
pub async fn save_posting_times(
    account_id: String,
    kind: String,
    times: String,
    cron: String,
    time_zone: String,
    active: String,
) -> Result<(), AppError> {
    use crate::app::types::PostingTimesInput;
    use crate::server::{auth::TenantContext, request as api, services::social::slots};
    let ctx = api::extract::<TenantContext>().await?;
    let input = PostingTimesInput {
        account_id,
        kind,
        times,
        cron,
        time_zone,
        active: active == "on",
    };
    Ok(slots::save(&ctx, &api::state()?, &input).await?)
}

/// The social section of Analytics.
#[server(prefix = "/api", endpoint = "social/analytics", input = server_fn::codec::Json)]
pub async fn social_analytics(
    filter: crate::app::types::MetricsFilter,
) -> Result<crate::app::types::SocialAnalytics, AppError> {
    use crate::server::{auth::TenantContext, request as api, services::social::metrics};
    let ctx = api::extract::<TenantContext>().await?;
    Ok(metrics::report(&ctx, &api::state()?, &filter).await?)
}

/// "Fetch now": queues a metrics read for every connected account; returns
/// how many reads are waiting or running.
#[server(prefix = "/api", endpoint = "social/metrics/fetch")]
pub async fn fetch_social_metrics() -> Result<i64, AppError> {
    use crate::server::{auth::TenantContext, request as api, services::social::metrics};
    let ctx = api::extract::<TenantContext>().await?;
    let state = api::state()?;
    metrics::fetch_now(&ctx, &state).await?;
    Ok(metrics::fetching(&ctx, &state).await?)
}

/// How many metrics reads are waiting or running.
#[server(prefix = "/api", endpoint = "social/metrics/progress")]
pub async fn social_metrics_progress() -> Result<i64, AppError> {
    use crate::server::{auth::TenantContext, request as api, services::social::metrics};
    let ctx = api::extract::<TenantContext>().await?;
    Ok(metrics::fetching(&ctx, &api::state()?).await?)
}
