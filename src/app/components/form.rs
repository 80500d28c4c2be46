//! Form controls with labels, inline errors and pending states.

use crate::app::error::AppError;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;

/// The error of an action's last run, in plain words.
pub fn action_error<S>(action: ServerAction<S>) -> Signal<Option<String>>
where
    S: ServerFn<Error = AppError> + Clone + Send + Sync + 'static,
    S::Output: Clone + Send + Sync + 'static,
{
    Signal::derive(move || action.value().get().and_then(|r| r.err()).map(|e| e.to_string()))
}

/// Whether an action's last run succeeded.
pub fn action_succeeded<S>(action: ServerAction<S>) -> Signal<bool>
where
    S: ServerFn<Error = AppError> + Clone + Send + Sync + 'static,
    S::Output: Clone + Send + Sync + 'static,
{
    Signal::derive(move || matches!(action.value().get(), Some(Ok(_))))
}

/// Reloads the page once the action succeeds, so everything server-rendered
/// reflects the change (islands mode has no client-side router to refetch).
pub fn reload_on_success<S>(action: ServerAction<S>)
where
    S: ServerFn<Error = AppError> + Clone + Send + Sync + 'static,
    S::Output: Clone + Send + Sync + 'static,
{
    Effect::new(move |_| {
        if let Some(Ok(_)) = action.value().get() {
            #[cfg(feature = "hydrate")]
            if let Some(window) = web_sys::window() {
                let _ = window.location().reload();
            }
        }
    });
}

pub const INPUT_CLASS: &str = "block w-full rounded-lg border border-slate-300 bg-white px-3 py-2 text-sm shadow-sm \
     placeholder:text-slate-400 focus:border-indigo-500 focus:outline-none focus:ring-2 focus:ring-indigo-500/30";

#[component]
pub fn TextField(
    label: &'static str,
    name: &'static str,
    #[prop(default = "text")] kind: &'static str,
    #[prop(optional)] autocomplete: &'static str,
    #[prop(optional)] placeholder: &'static str,
    #[prop(optional, into)] value: String,
    #[prop(default = 200)] maxlength: u32,
) -> impl IntoView {
    view! {
        <label class="block">
            <span class="mb-1 block text-sm font-medium text-slate-700">{label}</span>
            <input
                class=INPUT_CLASS
                type=kind
                name=name
                autocomplete=autocomplete
                placeholder=placeholder
                value=value
                maxlength=maxlength.to_string()
                required
            />
        </label>
    }
}

/// A password input with a show/hide toggle (the toggle needs hydration).
#[component]
pub fn PasswordField(label: &'static str, name: &'static str, autocomplete: &'static str) -> impl IntoView {
    let visible = RwSignal::new(false);
    view! {
        <label class="block">
            <span class="mb-1 block text-sm font-medium text-slate-700">{label}</span>
            <div class="relative">
                <input
                    class=format!("{INPUT_CLASS} pr-16")
                    type=move || if visible.get() { "text" } else { "password" }
                    name=name
                    autocomplete=autocomplete
                    minlength="8"
                    maxlength="128"
                    required
                />
                <button
                    type="button"
                    data-testid="toggle-password"
                    class="absolute inset-y-0 right-0 px-3 text-xs font-medium text-indigo-600 hover:text-indigo-800"
                    on:click=move |_| visible.update(|v| *v = !*v)
                >
                    {move || if visible.get() { "Hide" } else { "Show" }}
                </button>
            </div>
            <span class="mt-1 block text-xs text-slate-500">"8 to 128 characters."</span>
        </label>
    }
}

#[component]
pub fn FormError(error: Signal<Option<String>>) -> impl IntoView {
    view! {
        <Show when=move || error.get().is_some()>
            <p role="alert" class="rounded-lg border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-700">
                {move || error.get().unwrap_or_default()}
            </p>
        </Show>
    }
}

#[component]
pub fn SubmitButton(
    label: &'static str,
    pending_label: &'static str,
    #[prop(into)] pending: Signal<bool>,
) -> impl IntoView {
    view! {
        <button
            type="submit"
            disabled=move || pending.get()
            class="inline-flex w-full items-center justify-center gap-2 rounded-lg bg-indigo-600 px-4 py-2.5 text-sm \
                   font-semibold text-white shadow-sm hover:bg-indigo-500 disabled:cursor-wait disabled:opacity-70"
        >
            <Show when=move || pending.get()>
                <span class="h-4 w-4 animate-spin rounded-full border-2 border-white/40 border-t-white"></span>
            </Show>
            {move || if pending.get() { pending_label } else { label }}
        </button>
    }
}

/// The error a plain form (one posted without wasm) came back with: the
/// server function redirects back to the page with it in the address
/// (`__err`), and the server renders it here, in plain words.
#[component]
pub fn UrlError() -> impl IntoView {
    use leptos::server_fn::error::ServerFnUrlError;
    let encoded = leptos_router::hooks::use_query_map().read_untracked().get("__err");
    encoded.map(|e| {
        let message = ServerFnUrlError::<AppError>::decode_err(&e).to_string();
        view! {
            <p role="alert" data-testid="form-error" class="mb-4 rounded-lg border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-700">
                {message}
            </p>
        }
    })
}

/// A destructive post behind a confirmation, with no wasm: the details
/// element opens the question, and only its button posts.
#[component]
pub fn ConfirmedPost(
    /// The server function's address.
    action: String,
    /// Hidden fields: the server function's arguments.
    fields: Vec<(&'static str, String)>,
    label: &'static str,
    question: &'static str,
    confirm: &'static str,
    #[prop(optional)] testid: &'static str,
) -> impl IntoView {
    view! {
        <details class="group relative" data-testid=testid>
            <summary class="cursor-pointer list-none rounded-lg px-3 py-1.5 text-sm font-medium text-red-700 hover:bg-red-50">{label}</summary>
            <form method="post" action=action role="alertdialog" aria-label=question
                class="mt-2 flex flex-wrap items-center gap-2 rounded-lg border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-800">
                {fields.into_iter().map(|(name, value)| view! { <input type="hidden" name=name value=value/> }).collect_view()}
                <span>{question}</span>
                <button type="submit" class="rounded-md bg-red-600 px-2 py-1 font-medium text-white">{confirm}</button>
            </form>
        </details>
    }
}
