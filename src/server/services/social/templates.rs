//! Caption templates: a caption with `{product}`, `{price}` and `{link}`
//! where a product's details go, kept per workspace by name. Filling one
//! is plain substitution; an unknown `{word}` is refused when the template
//! is saved, so a typo cannot reach a published caption.

use crate::app::types::{CaptionTemplate, Permission};
use crate::server::auth::TenantContext;
use crate::server::db::{new_id, now};
use crate::server::domain::social_post::{Hashtags, CAPTION_LIMIT};
use crate::server::error::{ServerError, ServerResult};
use crate::server::state::AppState;

/// The placeholders a template may use.
pub const VARIABLES: [&str; 3] = ["product", "price", "link"];
/// The most templates a workspace keeps.
const MAX_TEMPLATES: i64 = 100;

pub async fn list(ctx: &TenantContext, state: &AppState) -> ServerResult<Vec<CaptionTemplate>> {
    ctx.require(Permission::ViewWorkspace)?;
    let rows: Vec<(String, String, String, String)> = sqlx::query_as(
        "select id, name, body, hashtags from caption_template where tenant_id = $1 order by lower(name), id",
    )
    .bind(ctx.tenant_id())
    .fetch_all(&state.db.pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(id, name, body, hashtags)| CaptionTemplate {
            id,
            name,
            body,
            hashtags,
        })
        .collect())
}

pub async fn get(ctx: &TenantContext, state: &AppState, id: &str) -> ServerResult<CaptionTemplate> {
    list(ctx, state)
        .await?
        .into_iter()
        .find(|t| t.id == id)
        .ok_or(ServerError::NotFound)
}

/// The `{word}`s of a template that are not variables.
fn unknown_variables(body: &str) -> Vec<String> {
    let mut unknown = Vec::new();
    let mut rest = body;
    while let Some(open) = rest.find('{') {
        let after = &rest[open + 1..];
        let Some(close) = after.find('}') else { break };
        let word = &after[..close];
        if !VARIABLES.contains(&word) && !unknown.iter().any(|u: &String| u == word) {
            unknown.push(word.to_owned());
        }
        rest = &after[close + 1..];
    }
    unknown
}

/// Adds a template, or replaces the one with `id`. Returns its id.
pub async fn save(
    ctx: &TenantContext,
    state: &AppState,
    id: &str,
    name: &str,
    body: &str,
    hashtags: &str,
) -> ServerResult<String> {
    ctx.require(Permission::CreateContent)?;
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 60 {
        return Err(ServerError::Validation(
            "Give the template a name of 1 to 60 characters.".into(),
        ));
    }
    let body = body.trim();
    if body.is_empty() || body.chars().count() > CAPTION_LIMIT {
        return Err(ServerError::Validation(format!(
            "The caption must be 1 to {CAPTION_LIMIT} characters."
        )));
    }
    let unknown = unknown_variables(body);
    if !unknown.is_empty() {
        return Err(ServerError::Validation(format!(
            "{} {} not a variable: use {{product}}, {{price}} or {{link}}.",
            unknown
                .iter()
                .map(|w| format!("{{{w}}}"))
                .collect::<Vec<_>>()
                .join(", "),
            if unknown.len() == 1 { "is" } else { "are" }
        )));
    }
    let tags = Hashtags::parse(hashtags)?.stored();
    let at = now();
    let taken: Option<(String,)> =
        sqlx::query_as("select id from caption_template where tenant_id = $1 and lower(name) = lower($2)")
            .bind(ctx.tenant_id())
            .bind(name)
            .fetch_optional(&state.db.pool)
            .await?;
    if taken.is_some_and(|(other,)| other != id) {
        return Err(ServerError::Conflict(format!(
            "A template named \"{name}\" exists already."
        )));
    }
    if id.is_empty() {
        let (count,): (i64,) = sqlx::query_as("select count(*) from caption_template where tenant_id = $1")
            .bind(ctx.tenant_id())
            .fetch_one(&state.db.pool)
            .await?;
        if count >= MAX_TEMPLATES {
            return Err(ServerError::Conflict(format!(
                "A workspace keeps at most {MAX_TEMPLATES} templates; delete one first."
            )));
        }
        let id = new_id();
        sqlx::query(
            "insert into caption_template (id, tenant_id, name, body, hashtags, created_at, updated_at) \
             values ($1, $2, $3, $4, $5, $6, $6)",
        )
        .bind(&id)
        .bind(ctx.tenant_id())
        .bind(name)
        .bind(body)
        .bind(&tags)
        .bind(at)
        .execute(&state.db.pool)
        .await?;
        return Ok(id);
    }
    let done = sqlx::query(
        "update caption_template set name = $3, body = $4, hashtags = $5, updated_at = $6 \
         where id = $1 and tenant_id = $2",
    )
    .bind(id)
    .bind(ctx.tenant_id())
    .bind(name)
    .bind(body)
    .bind(&tags)
    .bind(at)
    .execute(&state.db.pool)
    .await?;
    if done.rows_affected() == 0 {
        return Err(ServerError::NotFound);
    }
    Ok(id.to_owned())
}

pub async fn delete(ctx: &TenantContext, state: &AppState, id: &str) -> ServerResult<()> {
    ctx.require(Permission::CreateContent)?;
    let done = sqlx::query("delete from caption_template where id = $1 and tenant_id = $2")
        .bind(id)
        .bind(ctx.tenant_id())
        .execute(&state.db.pool)
        .await?;
    if done.rows_affected() == 0 {
        return Err(ServerError::NotFound);
    }
    Ok(())
}

/// The template with the product's details in place of its variables.
pub fn fill(body: &str, product: &str, price: &str, link: &str) -> String {
    body.replace("{product}", product.trim())
        .replace("{price}", price.trim())
        .replace("{link}", link.trim())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_fill_their_variables_and_name_unknown_ones() {
        assert_eq!(
            fill(
                "{product} for {price}: {link}",
                "Rose cake",
                "SAR 49",
                "https://shop.example/rose"
            ),
            "Rose cake for SAR 49: https://shop.example/rose"
        );
        assert!(unknown_variables("{product} at {price} {link}").is_empty());
        assert_eq!(unknown_variables("{produtc} {prcie} {produtc} {"), ["produtc", "prcie"]);
    }
}
