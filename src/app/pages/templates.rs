//! Caption templates: captions with `{product}`, `{price}` and `{link}`
//! that the composer fills with a product's details.

use crate::app::api::social::{list_caption_templates, DeleteCaptionTemplate, SaveCaptionTemplate};
use crate::app::components::{
    action_error, ready_flag, reload_on_success, ConfirmedPost, ErrorPanel, FormError, PageHeader, PostForm,
    SubmitButton, UrlError, INPUT_CLASS,
};
use crate::app::types::CaptionTemplate;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;

#[component]
pub fn TemplatesPage() -> impl IntoView {
    let templates = Resource::new(|| (), |_| list_caption_templates());
    view! {
        <Title text="Caption templates"/>
        <PageHeader title="Caption templates" subtitle="Captions for products: {product}, {price} and {link} are filled in when the composer uses one."/>
        <p class="mb-4 text-sm"><a class="font-medium text-indigo-700 hover:underline" href="/app/social">"← Social posts"</a></p>
        <UrlError/>
        <div class="grid gap-6 lg:grid-cols-2">
            <Suspense fallback=|| view! { <p class="text-sm text-slate-500">"Loading templates…"</p> }>
                {move || Suspend::new(async move {
                    match templates.await {
                        Ok(list) => view! { <TemplateList list/> }.into_any(),
                        Err(error) => view! { <ErrorPanel error/> }.into_any(),
                    }
                })}
            </Suspense>
            <NewTemplate/>
        </div>
    }
}

#[component]
fn TemplateList(list: Vec<CaptionTemplate>) -> impl IntoView {
    if list.is_empty() {
        return view! {
            <section class="rounded-2xl border border-dashed border-slate-300 bg-white p-6 text-sm text-slate-600" data-testid="no-templates">
                "No templates yet. Add one: for example \"New in: {product}, {price}. Order at {link}\"."
            </section>
        }
        .into_any();
    }
    view! {
        <ul class="space-y-3">
            {list.into_iter().map(|t| view! {
                <li class="rounded-2xl border border-slate-200 bg-white p-4 text-sm shadow-sm" data-testid="template">
                    <div class="flex items-start justify-between gap-3">
                        <p class="font-medium">{t.name.clone()}</p>
                        <ConfirmedPost action=DeleteCaptionTemplate::url().to_string() fields=vec![("id", t.id.clone())] label="Delete"
                            question="Delete this template? Posts written with it stay as they are." confirm="Yes, delete"/>
                    </div>
                    <p class="mt-1 whitespace-pre-line text-slate-700">{t.body.clone()}</p>
                    {(!t.hashtags.is_empty()).then(|| view! {
                        <p class="mt-1 text-indigo-700">{t.hashtags.split_whitespace().map(|w| format!("#{w}")).collect::<Vec<_>>().join(" ")}</p>
                    })}
                </li>
            }).collect_view()}
        </ul>
    }
    .into_any()
}

#[island(lazy)]
fn NewTemplate() -> impl IntoView {
    let action = ServerAction::<SaveCaptionTemplate>::new();
    reload_on_success(action);
    view! {
        <section class="rounded-2xl border border-slate-200 bg-white p-6 shadow-sm" data-lazy="" data-ready=ready_flag()>
            <h2 class="text-base font-semibold">"New template"</h2>
            <PostForm action class="mt-4 space-y-3" testid="template-form" read=|f| SaveCaptionTemplate {
                id: String::new(),
                name: f.text("name"),
                body: f.text("body"),
                hashtags: f.text("hashtags"),
            }>
                <input type="hidden" name="id" value=""/>
                <label class="block">
                    <span class="mb-1 block text-sm font-medium text-slate-700">"Name"</span>
                    <input class=INPUT_CLASS name="name" maxlength="60" required placeholder="New product"/>
                </label>
                <label class="block">
                    <span class="mb-1 block text-sm font-medium text-slate-700">"Caption"</span>
                    <textarea class=INPUT_CLASS name="body" rows="4" maxlength="2200" required
                        placeholder="New in: {product}, only {price}. Order at {link}"></textarea>
                    <span class="mt-1 block text-xs text-slate-500">"Variables: {product}, {price}, {link}."</span>
                </label>
                <label class="block">
                    <span class="mb-1 block text-sm font-medium text-slate-700">"Hashtags (optional)"</span>
                    <input class=INPUT_CLASS name="hashtags" placeholder="newin shopsmall"/>
                </label>
                <FormError error=action_error(action)/>
                <SubmitButton label="Add template" pending_label="Adding…" pending=action.pending()/>
            </PostForm>
        </section>
    }
}
