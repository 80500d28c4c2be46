//! A form that calls a server function.
//!
//! Without wasm the browser posts it and the server function answers, as
//! any form would. Hydrated, it reads its fields into the function's
//! arguments with a small reader each form writes, and dispatches its
//! action, so the pending state and errors show in place. Leptos'
//! `ActionForm` does the same with a generic decoder (serde_qs): that
//! decoder, instantiated for every form's arguments, was a measurable share
//! of what every visitor downloads.

use leptos::prelude::*;
use leptos::server_fn::codec::{Json, PostUrl};
use leptos::server_fn::{Http, ServerFn};

/// The fields of a submitted form, read by name.
pub struct Fields {
    #[cfg(feature = "hydrate")]
    data: web_sys::FormData,
}

impl Fields {
    /// The text of a field; empty when there is no such field.
    pub fn text(&self, name: &str) -> String {
        #[cfg(feature = "hydrate")]
        {
            self.data.get(name).as_string().unwrap_or_default()
        }
        #[cfg(not(feature = "hydrate"))]
        {
            let _ = name;
            String::new()
        }
    }
}

#[component]
pub fn PostForm<S>(
    action: ServerAction<S>,
    /// Builds the server function's arguments from the form's fields.
    read: fn(&Fields) -> S,
    #[prop(optional)] class: &'static str,
    #[prop(optional)] testid: Option<&'static str>,
    children: Children,
) -> impl IntoView
where
    // Form-encoded input, as a browser posts it without wasm.
    S: ServerFn<Protocol = Http<PostUrl, Json>> + Clone + Send + Sync + 'static,
    S::Output: Send + Sync + 'static,
    S::Error: Send + Sync + 'static,
{
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        #[cfg(feature = "hydrate")]
        {
            use wasm_bindgen::JsCast;
            let form = ev.target().and_then(|t| t.dyn_into::<web_sys::HtmlFormElement>().ok());
            if let Some(data) = form.and_then(|f| web_sys::FormData::new_with_form(&f).ok()) {
                action.dispatch(read(&Fields { data }));
            }
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (action, read);
    };
    view! {
        <form method="post" action=S::url() class=class data-testid=testid on:submit=submit>
            {children()}
        </form>
    }
}
