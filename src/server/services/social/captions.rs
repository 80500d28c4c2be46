//! Writing captions for the composer: from a template filled with a
//! product's details, or by the configured writer (the model, or the
//! built-in one) from a brief or a product, in the workspace's tone. The
//! caption comes back for the person to edit; saving it sends it through
//! review like any post.

use super::{posts, templates};
use crate::app::types::{CaptionRequest, GeneratedCaption, Permission};
use crate::server::auth::throttle::{self, Action};
use crate::server::auth::TenantContext;
use crate::server::domain::social_post::Hashtags;
use crate::server::error::{ServerError, ServerResult};
use crate::server::state::AppState;
use crate::server::writing::{CaptionBrief, Writer};

/// The most characters of each detail passed on to the writer.
const DETAIL_CHARS: usize = 1_000;

fn clipped(text: &str) -> String {
    text.trim().chars().take(DETAIL_CHARS).collect()
}

pub async fn write(ctx: &TenantContext, state: &AppState, request: &CaptionRequest) -> ServerResult<GeneratedCaption> {
    ctx.require(Permission::CreateContent)?;
    if !request.template_id.is_empty() {
        let template = templates::get(ctx, state, &request.template_id).await?;
        return Ok(GeneratedCaption {
            body: templates::fill(&template.body, &request.product_name, &request.price, &request.url),
            hashtags: template.hashtags,
            link: request.url.trim().to_owned(),
            writer: format!("the template \"{}\"", template.name),
        });
    }
    if request.brief.trim().is_empty() && request.product_name.trim().is_empty() {
        return Err(ServerError::Validation(
            "Say what the post is about, or name a product.".into(),
        ));
    }
    throttle::action(&state.db, ctx, Action::Caption).await?;
    let (_, tone) = posts::voice(state, ctx.tenant_id()).await?;
    let brief = CaptionBrief {
        brief: clipped(&request.brief),
        product: clipped(&request.product_name),
        description: clipped(&request.product_description),
        price: clipped(&request.price),
        link: clipped(&request.url),
        tone,
        seed: rand::random(),
    };
    let draft = state.writer.caption(&brief).await.map_err(|e| {
        tracing::warn!(error = %e, "a caption was not written");
        ServerError::Conflict("The writer could not write a caption just now. Try again in a minute.".into())
    })?;
    // A model's hashtags are words like any typed ones: what is not one is left out.
    let words: Vec<String> = draft
        .hashtags
        .iter()
        .filter(|t| Hashtags::parse(t).is_ok())
        .cloned()
        .collect();
    let hashtags = Hashtags::parse(&words.join(" ")).unwrap_or_default();
    Ok(GeneratedCaption {
        body: draft.body,
        hashtags: hashtags.stored(),
        link: request.url.trim().to_owned(),
        writer: match &state.writer {
            Writer::BuiltIn => "the built-in writer".into(),
            Writer::Model(_) => "the writing model".into(),
        },
    })
}
