use crate::app::error::AppError;
use crate::app::types::{CalendarView, JobId, JobPage, PlannedRun, PostDetail, PostId, SiteId, Step, Usage};
use leptos::prelude::*;

/// The steps each list of the content page shows.
pub fn steps_of(list: &str) -> Vec<Step> {
    match list {
        "review" => vec![Step::AwaitingReview],
        "active" => vec![Step::Queued, Step::Generating, Step::Publishing],
        "published" => vec![Step::Published],
        "failed" => vec![Step::Failed, Step::Quota],
        "rejected" => vec![Step::Rejected],
        _ => Vec::new(),
    }
}

/// One page of jobs. `list` is review, active, published, failed, rejected
/// or all; `site_id` empty means every site.
#[server(prefix = "/api", endpoint = "content/jobs")]
pub async fn list_jobs(list: String, site_id: String, page: i64) -> Result<JobPage, AppError> {
    use crate::server::{auth::TenantContext, request as api, services::content};
    let state = api::state()?;
    let ctx = api::extract::<TenantContext>().await?;
    let filter = content::JobFilter {
        steps: steps_of(&list),
        site_id: (!site_id.is_empty()).then(|| SiteId::new(site_id)),
        page,
    };
    Ok(content::list_jobs(&ctx, &state, &filter).await?)
}

#[server(prefix = "/api", endpoint = "content/post")]
pub async fn get_post(post_id: PostId) -> Result<PostDetail, AppError> {
    use crate::server::{auth::TenantContext, request as api, services::content};
    let state = api::state()?;
    let ctx = api::extract::<TenantContext>().await?;
    Ok(content::post(&ctx, &state, &post_id).await?)
}

#[server(prefix = "/api", endpoint = "content/edit")]
pub async fn edit_post(post_id: PostId, title: String, body: String) -> Result<(), AppError> {
    use crate::server::{auth::TenantContext, request as api, services::review};
    let state = api::state()?;
    let ctx = api::extract::<TenantContext>().await?;
    Ok(review::edit_post(&ctx, &state, &post_id, &title, &body).await?)
}

#[server(prefix = "/api", endpoint = "content/approve", input = server_fn::codec::Json)]
pub async fn approve_posts(post_ids: Vec<PostId>) -> Result<usize, AppError> {
    use crate::server::{auth::TenantContext, request as api, services::review};
    let state = api::state()?;
    let ctx = api::extract::<TenantContext>().await?;
    Ok(review::approve(&ctx, &state, &post_ids).await?)
}

#[server(prefix = "/api", endpoint = "content/reject")]
pub async fn reject_post(post_id: PostId) -> Result<(), AppError> {
    use crate::server::{auth::TenantContext, request as api, services::review};
    let state = api::state()?;
    let ctx = api::extract::<TenantContext>().await?;
    Ok(review::reject(&ctx, &state, &post_id).await?)
}

#[server(prefix = "/api", endpoint = "content/retry")]
pub async fn retry_job(job_id: JobId) -> Result<(), AppError> {
    use crate::server::{auth::TenantContext, request as api, services::publishing};
    let state = api::state()?;
    let ctx = api::extract::<TenantContext>().await?;
    Ok(publishing::retry(&ctx, &state, &job_id).await?)
}

#[server(prefix = "/api", endpoint = "content/run_now")]
pub async fn run_site_now(site_id: SiteId) -> Result<JobId, AppError> {
    use crate::server::{auth::TenantContext, request as api, services::publishing};
    let state = api::state()?;
    let ctx = api::extract::<TenantContext>().await?;
    Ok(publishing::run_now(&ctx, &state, &site_id).await?)
}

#[server(prefix = "/api", endpoint = "content/usage")]
pub async fn get_usage() -> Result<Usage, AppError> {
    use crate::server::{auth::TenantContext, request as api, services::content};
    let state = api::state()?;
    let ctx = api::extract::<TenantContext>().await?;
    Ok(content::usage(&ctx, &state).await?)
}

/// A month or week of posts and planned runs, laid out in `zone`;
/// `channel` is "" (all), "wordpress" or a social platform.
#[server(prefix = "/api", endpoint = "content/calendar")]
pub async fn get_calendar(span: String, date: String, zone: String, channel: String) -> Result<CalendarView, AppError> {
    use crate::server::{auth::TenantContext, request as api, services::calendar};
    let state = api::state()?;
    let ctx = api::extract::<TenantContext>().await?;
    Ok(calendar::view(&ctx, &state, &span, &date, &zone, &channel).await?)
}

/// Moves a social post to another day (`date`, YYYY-MM-DD), keeping its
/// time of day in `zone` (the calendar's).
#[server(prefix = "/api", endpoint = "content/move")]
pub async fn move_social_post(post_id: String, date: String, zone: String) -> Result<(), AppError> {
    use crate::server::{auth::TenantContext, request as api, services::social::posts};
    let state = api::state()?;
    let ctx = api::extract::<TenantContext>().await?;
    Ok(posts::move_to_day(&ctx, &state, &post_id, &date, &zone).await?)
}

/// The next runs of the workspace's schedules, soonest first.
#[server(prefix = "/api", endpoint = "content/upcoming")]
pub async fn list_upcoming() -> Result<Vec<PlannedRun>, AppError> {
    use crate::server::{auth::TenantContext, request as api, services::calendar};
    let state = api::state()?;
    let ctx = api::extract::<TenantContext>().await?;
    Ok(calendar::upcoming(&ctx, &state, 10).await?)
}
