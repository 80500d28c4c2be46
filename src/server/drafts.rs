//! What a refused plain form held. The pages' plain forms (a new API key,
//! a new webhook endpoint) post to handlers that, on a refusal, go back to
//! the page with the error in the address; the fields ride along in the
//! session, not the address (a webhook address can itself be a secret),
//! and the page takes them once to fill the form again. Nothing typed is
//! lost to a mistake.

use crate::app::types::FormDraft;
use crate::server::auth::TenantContext;
use tower_sessions::Session;

/// The session key; signing in removes it (`request::start_session`).
pub const KEY: &str = "form_draft";

/// A draft belongs to one form, person and workspace: it is never shown to
/// someone else signing in on the same browser, nor in another workspace.
#[derive(serde::Serialize, serde::Deserialize)]
struct Stored {
    form: String,
    user_id: String,
    tenant_id: String,
    fields: Vec<(String, String)>,
}

impl Stored {
    fn is_for(&self, ctx: &TenantContext, form: &str) -> bool {
        self.form == form
            && ctx.user_id().is_some_and(|u| u.as_str() == self.user_id)
            && ctx.tenant_id().as_str() == self.tenant_id
    }
}

/// Keeps `fields` for the next load of `form`'s page.
pub async fn keep(session: &Session, ctx: &TenantContext, form: &str, fields: Vec<(String, String)>) {
    let stored = Stored {
        form: form.to_owned(),
        user_id: ctx.user_id().map(|u| u.to_string()).unwrap_or_default(),
        tenant_id: ctx.tenant_id().to_string(),
        fields,
    };
    if let Err(e) = session.insert(KEY, stored).await {
        tracing::warn!(error = %e, form, "could not keep a refused form's fields");
    }
}

/// The fields kept for `form`, once; empty when there are none.
pub async fn take(session: &Session, ctx: &TenantContext, form: &str) -> FormDraft {
    match session.get::<Stored>(KEY).await {
        Ok(Some(stored)) if stored.is_for(ctx, form) => {
            // Saved now: a streamed page's session has been saved already
            // by the time its data is read, and a draft must not outlive
            // the one load that shows it.
            let removed = session.remove_value(KEY).await;
            if let Err(e) = removed.map(|_| ()).and(session.save().await) {
                tracing::warn!(error = %e, form, "could not drop a refused form's fields");
            }
            FormDraft(stored.fields)
        }
        Ok(_) => FormDraft::default(),
        Err(e) => {
            tracing::warn!(error = %e, form, "could not read a refused form's fields");
            FormDraft::default()
        }
    }
}
