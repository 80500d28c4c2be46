//! One generated post: preview, edit while it waits for review, approve or reject.

use super::content::StepBadge;
use crate::app::api::content::{get_post, ApprovePosts, EditPost, RejectPost};
use crate::app::components::{
    action_error, reload_on_success, ErrorPanel, FormError, PostForm, SubmitButton, INPUT_CLASS,
};
use crate::app::types::{PostDetail, PostId, Step};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

#[component]
pub fn PostPage() -> impl IntoView {
    let params = use_params_map();
    let post = Resource::new(
        move || params.read().get("id").unwrap_or_default(),
        |id| get_post(PostId::new(id)),
    );
    view! {
        <a href="/app/content" class="text-sm text-indigo-600 hover:underline">"← Content"</a>
        <Suspense fallback=|| view! { <p class="mt-4 text-sm text-slate-500">"Loading the post…"</p> }>
            {move || Suspend::new(async move {
                match post.await {
                    Ok(post) => view! { <PostView post/> }.into_any(),
                    Err(error) => view! { <div class="mt-4"><ErrorPanel error/></div> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn PostView(post: PostDetail) -> impl IntoView {
    let pending = post.step == Step::AwaitingReview;
    view! {
        <Title text=post.title.clone()/>
        <header class="mt-2 mb-6 flex flex-wrap items-center gap-3">
            <h1 class="text-2xl font-semibold tracking-tight" data-testid="post-title">{post.title.clone()}</h1>
            <StepBadge step=post.step/>
            <span class="text-sm text-slate-500">{post.site_name.clone()}</span>
            {post.remote_url.clone().map(|url| view! { <a class="text-sm text-indigo-600 underline" href=url target="_blank" rel="noopener noreferrer">"View on WordPress"</a> })}
        </header>
        <div class="grid gap-6 lg:grid-cols-2">
            <article class="prose max-w-none rounded-2xl border border-slate-200 bg-white p-6 shadow-sm" data-testid="post-preview">
                // Sanitised on the server before it was stored (see server::writing::sanitize).
                <div inner_html=post.body_html.clone()></div>
            </article>
            <Show when=move || pending fallback=|| view! { <p class="text-sm text-slate-600">"This post is no longer waiting for review."</p> }>
                <ReviewForm post_id=post.id.clone() title=post.title.clone() body_html=post.body_html.clone()/>
            </Show>
        </div>
    }
}

/// Only what the form needs travels to the browser: every prop an island
/// takes is decoded there, and each type decoded costs wasm.
#[island]
fn ReviewForm(post_id: PostId, title: String, body_html: String) -> impl IntoView {
    let edit = ServerAction::<EditPost>::new();
    let approve = ServerAction::<ApprovePosts>::new();
    let reject = ServerAction::<RejectPost>::new();
    reload_on_success(edit);
    reload_on_success(approve);
    reload_on_success(reject);
    let (id1, id2) = (post_id.clone(), post_id.clone());
    view! {
        <section class="rounded-2xl border border-slate-200 bg-white p-6 shadow-sm">
            <div class="flex gap-2">
                <button class="rounded-lg bg-emerald-600 px-4 py-2 text-sm font-semibold text-white disabled:opacity-60" data-testid="approve"
                    disabled=move || approve.pending().get()
                    on:click=move |_| { approve.dispatch(ApprovePosts { post_ids: vec![id1.clone()] }); }>"Approve and publish"</button>
                <button class="rounded-lg px-4 py-2 text-sm font-semibold text-red-700 hover:bg-red-50"
                    on:click=move |_| { reject.dispatch(RejectPost { post_id: id2.clone() }); }>"Reject"</button>
            </div>
            <FormError error=action_error(approve)/>
            <FormError error=action_error(reject)/>
            <PostForm action=edit class="mt-6 space-y-3" read=|f| EditPost {
                post_id: PostId::new(f.text("post_id")),
                title: f.text("title"),
                body: f.text("body"),
            }>
                <input type="hidden" name="post_id" value=post_id.to_string()/>
                <label class="block">
                    <span class="mb-1 block text-sm font-medium text-slate-700">"Title"</span>
                    <input class=INPUT_CLASS name="title" value=title maxlength="200" required/>
                </label>
                <label class="block">
                    <span class="mb-1 block text-sm font-medium text-slate-700">"Body (HTML)"</span>
                    <textarea class=format!("{INPUT_CLASS} font-mono") name="body" rows="16" required>{body_html}</textarea>
                </label>
                <FormError error=action_error(edit)/>
                <SubmitButton label="Save changes" pending_label="Saving…" pending=edit.pending()/>
            </PostForm>
        </section>
    }
}
