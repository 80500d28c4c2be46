//! The composer: one post for one or more accounts, with each platform's
//! own text if wanted, hashtags, a link, a photo or video (uploaded with
//! its progress shown), a time in the workspace's zone, a caption writer
//! (a brief, a product, or a template) and a preview of how each platform
//! will show it. Saving keeps a draft, sends the post for review, or, for
//! reviewers, schedules it at once; the server names every problem.

use crate::app::api::social::{social_composer, SaveSocialPost, WriteCaption};
use crate::app::api::stores::product_caption;
use crate::app::components::{ready_flag, ErrorPanel, PageHeader, INPUT_CLASS};
use crate::app::types::{CaptionRequest, Composer, MediaRef, Platform, PlatformText, SaveIntent, SocialPostInput};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

#[component]
pub fn ComposerPage() -> impl IntoView {
    // `product`: a store's product sent here to be written about.
    let (post_id, product_id) = {
        let query = use_query_map().read_untracked();
        (
            query.get("post").unwrap_or_default(),
            query.get("product").unwrap_or_default(),
        )
    };
    let editing = !post_id.is_empty();
    let data = Resource::new(
        move || (post_id.clone(), product_id.clone()),
        |(post_id, product_id)| async move {
            let composer = social_composer(post_id).await?;
            // A product that cannot be read (gone, another workspace's)
            // leaves the caption writer empty; the composer still opens.
            let prefill = match product_id.as_str() {
                "" => None,
                id => product_caption(id.to_string()).await.ok(),
            };
            Ok::<_, crate::app::error::AppError>((composer, prefill))
        },
    );
    view! {
        <Title text=if editing { "Edit post" } else { "Write a post" }/>
        <PageHeader title=if editing { "Edit post" } else { "Write a post" } subtitle="One post for any of your accounts: text, hashtags, a photo or video, and when it goes out."/>
        <Suspense fallback=|| view! { <p class="text-sm text-slate-500">"Loading the composer…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok((composer, _)) if composer.accounts.is_empty() => view! {
                        <section class="rounded-2xl border border-dashed border-slate-300 bg-white p-8 text-center text-sm text-slate-600" data-testid="no-accounts">
                            <p>"No account is connected yet. Connect one, or the demo channel to try the flow, then write here."</p>
                            <a class="mt-3 inline-block font-medium text-indigo-700 underline" href="/app/channels">"Go to Channels"</a>
                        </section>
                    }.into_any(),
                    Ok((composer, prefill)) => view! { <ComposerForm composer prefill/> }.into_any(),
                    Err(error) => view! { <ErrorPanel error/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// The caption a platform will show: the text, then the hashtags.
fn caption(text: &str, hashtags: &str) -> String {
    let tags: Vec<String> = hashtags
        .split(|c: char| c.is_whitespace() || c == ',')
        .filter(|w| !w.is_empty())
        .map(|w| format!("#{}", w.trim_start_matches('#')))
        .collect();
    match (text.trim(), tags.is_empty()) {
        (text, true) => text.to_owned(),
        ("", false) => tags.join(" "),
        (text, false) => format!("{text}\n\n{}", tags.join(" ")),
    }
}

/// The limit a platform puts on a caption, in characters.
fn caption_limit(platform: Platform) -> usize {
    match platform {
        Platform::Facebook => 63_206,
        _ => 2_200,
    }
}

const LABEL: &str = "mb-1 block text-sm font-medium text-slate-700";
const CARD: &str = "rounded-2xl border border-slate-200 bg-white p-5 shadow-sm";

#[island(lazy)]
fn ComposerForm(composer: Composer, prefill: Option<CaptionRequest>) -> impl IntoView {
    let start = composer.post.clone().unwrap_or_default();
    let post_id = start.post_id.clone();
    let accounts = StoredValue::new(composer.accounts.clone());
    let chosen = RwSignal::new(if start.account_ids.is_empty() && composer.accounts.len() == 1 {
        vec![composer.accounts[0].id.clone()]
    } else {
        start.account_ids.clone()
    });
    let body = RwSignal::new(start.body.clone());
    let hashtags = RwSignal::new(start.hashtags.clone());
    let link = RwSignal::new(start.link.clone());
    let texts = RwSignal::new(start.texts.clone());
    let media = RwSignal::new(composer.media.clone());
    let when = RwSignal::new(if start.publish_at.is_empty() {
        composer.suggested_time.clone()
    } else {
        start.publish_at.clone()
    });
    let generated = RwSignal::new(start.generated);
    let queued = RwSignal::new(start.queued);
    let save = ServerAction::<SaveSocialPost>::new();
    let write = ServerAction::<WriteCaption>::new();
    let upload = RwSignal::new(Upload::Idle);

    // A written caption lands in the fields, for the person to edit.
    Effect::new(move |_| {
        if let Some(Ok(written)) = write.value().get() {
            body.set(written.body);
            hashtags.set(written.hashtags);
            if !written.link.is_empty() {
                link.set(written.link);
            }
            generated.set(true);
        }
    });
    // Saved: on to the list the post now sits in.
    Effect::new(move |_| {
        if let Some(Ok(_)) = save.value().get() {
            #[cfg(feature = "hydrate")]
            if let Some(window) = web_sys::window() {
                let _ = window.location().set_href("/app/social?list=all&saved=1");
            }
        }
    });
    let platforms = Memo::new(move |_| {
        let chosen = chosen.get();
        let mut seen: Vec<Platform> = Vec::new();
        accounts.with_value(|all| {
            for account in all.iter().filter(|a| chosen.contains(&a.id)) {
                if !seen.contains(&account.platform) {
                    seen.push(account.platform);
                }
            }
        });
        seen
    });
    let send = move |intent: SaveIntent| {
        save.dispatch(SaveSocialPost {
            input: SocialPostInput {
                post_id: post_id.clone(),
                account_ids: chosen.get_untracked(),
                body: body.get_untracked(),
                hashtags: hashtags.get_untracked(),
                link: link.get_untracked(),
                media_id: media.get_untracked().map(|m| m.id).unwrap_or_default(),
                texts: texts.get_untracked(),
                publish_at: when.get_untracked(),
                intent,
                generated: generated.get_untracked(),
                queued: queued.get_untracked(),
            },
        });
    };
    let (send_draft, send_review, send_now) = (send.clone(), send.clone(), send);
    let save_error = Signal::derive(move || save.value().get().and_then(|r| r.err()).map(|e| e.to_string()));
    let busy = Signal::derive(move || save.pending().get() || matches!(upload.get(), Upload::Sending(_)));
    let zone = composer.time_zone.clone();
    let can_review = composer.can_review;
    let ready = ready_flag();
    view! {
        <div class="grid gap-6 lg:grid-cols-5" data-testid="composer" data-lazy="" data-ready=ready>
            <div class="space-y-4 lg:col-span-3">
                <section class=CARD>
                    <h2 class="text-base font-semibold">"Accounts"</h2>
                    <div class="mt-3 flex flex-wrap gap-2" data-testid="composer-accounts">
                        {composer.accounts.iter().map(|a| {
                            let (id1, id2) = (a.id.clone(), a.id.clone());
                            view! {
                                <label class="flex cursor-pointer items-center gap-2 rounded-lg border border-slate-300 px-3 py-2 text-sm has-[:checked]:border-indigo-500 has-[:checked]:bg-indigo-50">
                                    <input type="checkbox" class="h-4 w-4" id=format!("account-{}", a.id)
                                        prop:checked=move || chosen.read().contains(&id1)
                                        on:change=move |_| chosen.update(|c| if let Some(i) = c.iter().position(|x| *x == id2) { c.remove(i); } else { c.push(id2.clone()); })/>
                                    <span class="font-medium">{a.name.clone()}</span>
                                    <span class="text-xs text-slate-500">{a.platform.label()}</span>
                                    {(a.status == crate::app::types::ChannelStatus::Reconnect).then(|| view! {
                                        <span class="rounded bg-amber-50 px-1.5 text-xs font-medium text-amber-800">"Reconnect"</span>
                                    })}
                                </label>
                            }
                        }).collect_view()}
                    </div>
                </section>
                <CaptionWriter write templates=composer.templates.clone() tone=composer.tone.clone() prefill/>
                <section class=format!("{CARD} space-y-4")>
                    <label class="block">
                        <span class=LABEL>"Text"</span>
                        <textarea class=INPUT_CLASS rows="6" name="body" data-testid="composer-body"
                            prop:value=move || body.get() on:input=move |ev| body.set(event_target_value(&ev))></textarea>
                        <span class="mt-1 block text-xs text-slate-500">{move || format!("{} characters", body.read().chars().count())}</span>
                    </label>
                    <For each=move || platforms.get() key=|p| *p let:platform>
                        <OwnText platform texts/>
                    </For>
                    <label class="block">
                        <span class=LABEL>"Hashtags"</span>
                        <input class=INPUT_CLASS name="hashtags" placeholder="bakery sourdough fresh" data-testid="composer-hashtags"
                            prop:value=move || hashtags.get() on:input=move |ev| hashtags.set(event_target_value(&ev))/>
                        <span class="mt-1 block text-xs text-slate-500">"Words without #, separated by spaces: letters, digits and underscores."</span>
                    </label>
                    <label class="block">
                        <span class=LABEL>"Link (optional)"</span>
                        <input class=INPUT_CLASS name="link" type="url" placeholder="https://" prop:value=move || link.get() on:input=move |ev| link.set(event_target_value(&ev))/>
                        <span class="mt-1 block text-xs text-slate-500">"Facebook shows it (after the text when there is a photo); Instagram and TikTok do not take links in posts."</span>
                    </label>
                    <MediaField media upload/>
                    <fieldset class="block">
                        <legend class=LABEL>"When"</legend>
                        <div class="mb-2 flex flex-wrap gap-4 text-sm">
                            <label class="flex items-center gap-2">
                                <input type="radio" name="when_kind" prop:checked=move || !queued.get() on:change=move |_| queued.set(false)/>
                                "At this time"
                            </label>
                            <label class="flex items-center gap-2">
                                <input type="radio" name="when_kind" data-testid="composer-queue" prop:checked=move || queued.get() on:change=move |_| queued.set(true)/>
                                "At the next posting time"
                            </label>
                        </div>
                        <Show when=move || !queued.get() fallback=|| view! {
                            <span class="block text-xs text-slate-500">"It waits in the queue of its accounts and goes out at the first of their posting times. "<a class="text-indigo-700 hover:underline" href="/app/social/times">"Posting times"</a></span>
                        }>
                            <input class=INPUT_CLASS type="datetime-local" name="publish_at" data-testid="composer-when"
                                prop:value=move || when.get() on:input=move |ev| when.set(event_target_value(&ev))/>
                            <span class="mt-1 block text-xs text-slate-500">{format!("In the workspace's time zone, {zone}. Change it under Settings.")}</span>
                        </Show>
                    </fieldset>
                </section>
                <Show when=move || save_error.get().is_some()>
                    <div role="alert" data-testid="composer-error" class="whitespace-pre-line rounded-lg border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-700">
                        {move || save_error.get().unwrap_or_default()}
                    </div>
                </Show>
                <div class="flex flex-wrap gap-2">
                    <button type="button" class="rounded-lg border border-slate-300 bg-white px-4 py-2 text-sm font-semibold hover:bg-slate-50 disabled:opacity-60"
                        disabled=move || busy.get() on:click=move |_| send_draft(SaveIntent::Draft)>"Save draft"</button>
                    <button type="button" class="rounded-lg bg-indigo-600 px-4 py-2 text-sm font-semibold text-white shadow-sm hover:bg-indigo-500 disabled:opacity-60"
                        disabled=move || busy.get() on:click=move |_| send_review(SaveIntent::Review)>"Send for review"</button>
                    {can_review.then(|| view! {
                        <button type="button" class="rounded-lg bg-emerald-600 px-4 py-2 text-sm font-semibold text-white shadow-sm hover:bg-emerald-500 disabled:opacity-60"
                            disabled=move || busy.get() on:click=move |_| send_now(SaveIntent::Schedule)>"Approve and schedule"</button>
                    })}
                    <Show when=move || save.pending().get()><span class="self-center text-sm text-slate-500">"Saving…"</span></Show>
                </div>
            </div>
            <aside class="space-y-4 lg:col-span-2" aria-label="Preview">
                <h2 class="text-base font-semibold">"Preview"</h2>
                <Show when=move || platforms.read().is_empty()>
                    <p class="text-sm text-slate-500">"Choose an account to see how it will show the post."</p>
                </Show>
                <For each=move || platforms.get() key=|p| *p let:platform>
                    <Preview platform body hashtags texts media link/>
                </For>
            </aside>
        </div>
    }
}

/// A platform's own text, folded away until wanted.
#[component]
fn OwnText(platform: Platform, texts: RwSignal<Vec<PlatformText>>) -> impl IntoView {
    let current = move || {
        texts
            .read()
            .iter()
            .find(|t| t.platform == platform)
            .map(|t| t.body.clone())
            .unwrap_or_default()
    };
    let has_own = !current().is_empty();
    view! {
        <details class="rounded-lg border border-slate-200 px-3 py-2" open=has_own>
            <summary class="cursor-pointer text-sm text-slate-700">{format!("Own text for {}", platform.label())}</summary>
            <textarea class=format!("{INPUT_CLASS} mt-2") rows="3" placeholder="Leave empty to use the text above"
                aria-label=format!("Own text for {}", platform.label())
                prop:value=current
                on:input=move |ev| {
                    let value = event_target_value(&ev);
                    texts.update(|all| match all.iter_mut().find(|t| t.platform == platform) {
                        Some(t) => t.body = value,
                        None => all.push(PlatformText { platform, body: value }),
                    });
                }></textarea>
        </details>
    }
}

/// How an upload stands (set by the browser's upload).
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
enum Upload {
    Idle,
    /// Percent sent so far.
    Sending(u32),
    Failed(String),
}

/// The photo or video: chosen, sent with its progress shown, previewed.
#[component]
fn MediaField(media: RwSignal<Option<MediaRef>>, upload: RwSignal<Upload>) -> impl IntoView {
    let chosen = move |ev: leptos::ev::Event| {
        #[cfg(feature = "hydrate")]
        send_file(ev, media, upload);
        #[cfg(not(feature = "hydrate"))]
        let _ = (ev, media, upload);
    };
    view! {
        <div>
            <span class=LABEL>"Photo or video"</span>
            {move || media.get().map(|m| view! {
                <div class="mb-2 flex items-center gap-3" data-testid="composer-media">
                    {if m.kind == "image" {
                        view! { <img src=m.url.clone() alt="The attached photo" class="h-20 w-20 rounded-lg object-cover"/> }.into_any()
                    } else {
                        view! { <video src=m.url.clone() class="h-20 w-20 rounded-lg bg-black" muted=true></video> }.into_any()
                    }}
                    <span class="text-xs text-slate-500">{m.content_type.clone()}</span>
                    <button type="button" class="text-sm font-medium text-red-700" on:click=move |_| media.set(None)>"Remove"</button>
                </div>
            })}
            <input type="file" accept="image/jpeg,image/png,video/mp4,video/quicktime" data-testid="composer-file"
                class="block text-sm text-slate-700 file:mr-3 file:rounded-lg file:border-0 file:bg-indigo-50 file:px-3 file:py-1.5 file:text-sm file:font-medium file:text-indigo-700"
                on:change=chosen/>
            <span class="mt-1 block text-xs text-slate-500">"JPEG or PNG up to 8 MB (Instagram takes JPEG), MP4 or MOV up to 100 MB."</span>
            {move || match upload.get() {
                Upload::Idle => ().into_any(),
                Upload::Sending(percent) => view! {
                    <div class="mt-2" role="progressbar" aria-valuemin="0" aria-valuemax="100" aria-valuenow=percent.to_string() aria-label="Uploading">
                        <div class="h-2 w-full rounded-full bg-slate-200"><div class="h-2 rounded-full bg-indigo-600" style=format!("width: {percent}%")></div></div>
                        <span class="text-xs text-slate-500">{format!("Uploading… {percent}%")}</span>
                    </div>
                }.into_any(),
                Upload::Failed(message) => view! { <p role="alert" class="mt-2 text-sm text-red-700" data-testid="upload-error">{message}</p> }.into_any(),
            }}
        </div>
    }
}

/// Sends the chosen file as the request body, reporting progress, and
/// attaches the kept upload.
#[cfg(feature = "hydrate")]
fn send_file(ev: leptos::ev::Event, media: RwSignal<Option<MediaRef>>, upload: RwSignal<Upload>) {
    use wasm_bindgen::closure::Closure;
    use wasm_bindgen::JsCast;
    let Some(input) = ev.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok()) else {
        return;
    };
    let Some(file) = input.files().and_then(|files| files.get(0)) else {
        return;
    };
    let Ok(xhr) = web_sys::XmlHttpRequest::new() else {
        upload.set(Upload::Failed("This browser cannot upload files here.".into()));
        return;
    };
    let name = String::from(js_sys::encode_uri_component(&file.name()));
    if xhr
        .open("POST", &format!("{}?name={name}", crate::app::types::UPLOAD_MEDIA_PATH))
        .is_err()
    {
        upload.set(Upload::Failed("The upload could not start.".into()));
        return;
    }
    upload.set(Upload::Sending(0));
    if let Ok(sending) = xhr.upload() {
        let progress = Closure::<dyn FnMut(web_sys::ProgressEvent)>::new(move |p: web_sys::ProgressEvent| {
            if p.length_computable() && p.total() > 0.0 {
                upload.set(Upload::Sending((p.loaded() / p.total() * 100.0) as u32));
            }
        });
        sending.set_onprogress(Some(progress.as_ref().unchecked_ref()));
        progress.forget();
    }
    let answer = xhr.clone();
    let done = Closure::<dyn FnMut()>::new(move || {
        let text = answer.response_text().ok().flatten().unwrap_or_default();
        let status = answer.status().unwrap_or(0);
        if (200..300).contains(&status) {
            match serde_json::from_str::<MediaRef>(&text) {
                Ok(kept) => {
                    media.set(Some(kept));
                    upload.set(Upload::Idle);
                }
                Err(_) => upload.set(Upload::Failed("The upload's answer could not be read.".into())),
            }
        } else {
            let message = serde_json::from_str::<serde_json::Value>(&text)
                .ok()
                .and_then(|v| {
                    let error = &v["error"];
                    error["message"].as_str().or(error.as_str()).map(str::to_owned)
                })
                .unwrap_or_else(|| "The upload failed. Try again.".into());
            upload.set(Upload::Failed(message));
        }
    });
    xhr.set_onloadend(Some(done.as_ref().unchecked_ref()));
    done.forget();
    if xhr.send_with_opt_blob(Some(&file)).is_err() {
        upload.set(Upload::Failed("The upload could not start.".into()));
    }
}

/// Writes a caption from a brief, a product or a template; opened and
/// filled in when a store's product was sent here.
#[component]
fn CaptionWriter(
    write: ServerAction<WriteCaption>,
    templates: Vec<crate::app::types::CaptionTemplate>,
    tone: String,
    prefill: Option<CaptionRequest>,
) -> impl IntoView {
    let open = prefill.is_some();
    let start = prefill.unwrap_or_default();
    let brief = RwSignal::new(start.brief);
    let product = RwSignal::new(start.product_name);
    let description = RwSignal::new(start.product_description);
    let price = RwSignal::new(start.price);
    let url = RwSignal::new(start.url);
    let template = RwSignal::new(String::new());
    let error = Signal::derive(move || write.value().get().and_then(|r| r.err()).map(|e| e.to_string()));
    let written_by = Signal::derive(move || write.value().get().and_then(|r| r.ok()).map(|c| c.writer));
    let field = |label: &'static str, signal: RwSignal<String>, placeholder: &'static str| {
        view! {
            <label class="block">
                <span class="mb-1 block text-xs font-medium text-slate-600">{label}</span>
                <input class=INPUT_CLASS placeholder=placeholder aria-label=label prop:value=move || signal.get() on:input=move |ev| signal.set(event_target_value(&ev))/>
            </label>
        }
    };
    view! {
        <details class=CARD data-testid="caption-writer" open=open>
            <summary class="cursor-pointer text-base font-semibold">"Write the caption for me"</summary>
            <p class="mt-2 text-xs text-slate-500">{format!("In the workspace's tone ({tone}). You can edit what it writes before saving.")}</p>
            <div class="mt-3 space-y-3">
                <label class="block">
                    <span class="mb-1 block text-xs font-medium text-slate-600">"What is the post about?"</span>
                    <textarea class=INPUT_CLASS rows="2" aria-label="Brief" placeholder="Our winter menu starts on Friday"
                        prop:value=move || brief.get() on:input=move |ev| brief.set(event_target_value(&ev))></textarea>
                </label>
                <p class="text-xs text-slate-500">"Or a product:"</p>
                <div class="grid gap-3 sm:grid-cols-2">
                    {field("Product name", product, "Rose cake")}
                    {field("Price", price, "SAR 49.00")}
                    {field("Description", description, "Layers of rose sponge and cream")}
                    {field("Product link", url, "https://")}
                </div>
                {(!templates.is_empty()).then(|| view! {
                    <label class="block">
                        <span class="mb-1 block text-xs font-medium text-slate-600">"Fill a template instead"</span>
                        <select class=INPUT_CLASS aria-label="Template" on:change=move |ev| template.set(event_target_value(&ev))>
                            <option value="">"No template: write anew"</option>
                            {templates.iter().map(|t| view! { <option value=t.id.clone()>{t.name.clone()}</option> }).collect_view()}
                        </select>
                    </label>
                })}
                <div class="flex items-center gap-3">
                    <button type="button" class="rounded-lg bg-indigo-50 px-3 py-1.5 text-sm font-semibold text-indigo-700 hover:bg-indigo-100 disabled:opacity-60"
                        data-testid="write-caption" disabled=move || write.pending().get()
                        on:click=move |_| {
                            write.dispatch(WriteCaption { request: CaptionRequest {
                                brief: brief.get_untracked(),
                                product_name: product.get_untracked(),
                                product_description: description.get_untracked(),
                                price: price.get_untracked(),
                                url: url.get_untracked(),
                                template_id: template.get_untracked(),
                            }});
                        }>
                        {move || if write.pending().get() { "Writing…" } else { "Write a caption" }}
                    </button>
                    {move || written_by.get().map(|w| view! { <span class="text-xs text-slate-500">{format!("Written by {w}.")}</span> })}
                </div>
                {move || error.get().map(|e| view! { <p role="alert" class="text-sm text-red-700">{e}</p> })}
            </div>
        </details>
    }
}

/// How one platform will show the post.
#[component]
fn Preview(
    platform: Platform,
    body: RwSignal<String>,
    hashtags: RwSignal<String>,
    texts: RwSignal<Vec<PlatformText>>,
    media: RwSignal<Option<MediaRef>>,
    link: RwSignal<String>,
) -> impl IntoView {
    let shown = move || {
        let own = texts
            .read()
            .iter()
            .find(|t| t.platform == platform && !t.body.trim().is_empty())
            .map(|t| t.body.clone());
        caption(&own.unwrap_or_else(|| body.get()), &hashtags.get())
    };
    let count = move || shown().chars().count();
    let limit = caption_limit(platform);
    let hashtag_count = move || {
        hashtags
            .read()
            .split(|c: char| c.is_whitespace() || c == ',')
            .filter(|w| !w.is_empty())
            .count()
    };
    view! {
        <section class=CARD data-testid="preview" data-platform=platform.as_str()>
            <p class="text-xs font-semibold uppercase tracking-wide text-slate-500">{platform.label()}</p>
            {move || media.get().map(|m| if m.kind == "image" {
                view! { <img src=m.url alt="" class="mt-2 aspect-square w-full rounded-lg object-cover"/> }.into_any()
            } else {
                view! { <video src=m.url class="mt-2 aspect-[9/16] max-h-80 w-full rounded-lg bg-black" controls=true muted=true></video> }.into_any()
            })}
            <p class="mt-2 whitespace-pre-line break-words text-sm text-slate-900" data-testid="preview-caption">{shown}</p>
            {move || (platform == Platform::Facebook && !link.read().is_empty()).then(|| view! {
                <p class="mt-2 truncate rounded border border-slate-200 bg-slate-50 px-2 py-1 text-xs text-slate-600">{link.get()}</p>
            })}
            <p class=move || format!("mt-2 text-xs {}", if count() > limit { "text-red-700" } else { "text-slate-500" })>
                {move || format!("{} of {} characters", count(), limit)}
                {move || (platform == Platform::Instagram).then(|| format!(" · {} of 30 hashtags", hashtag_count()))}
            </p>
        </section>
    }
}
