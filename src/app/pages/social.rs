//! Social posts: the review queue (approve, reject, edit, bulk), what is
//! scheduled, published or failed, drafts, filtered by account and paged,
//! kept current while posts go out. The content page's review queue shows
//! the same list for the posts waiting for review.

use crate::app::api::social::{
    list_social_posts, ApproveSocialPosts, DeleteSocialPost, RejectSocialPost, RetrySocialPost,
};
use crate::app::components::{ready_flag, ListTabs, PageHeader, Pager};
use crate::app::types::{SocialPostPage, SocialPostSummary};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

const LISTS: [(&str, &str); 7] = [
    ("review", "Review queue"),
    ("scheduled", "Scheduled"),
    ("published", "Published"),
    ("failed", "Failed"),
    ("drafts", "Drafts"),
    ("rejected", "Rejected"),
    ("all", "Everything"),
];

#[component]
pub fn SocialPage() -> impl IntoView {
    let query = use_query_map();
    let read = |key: &str| query.read_untracked().get(key).unwrap_or_default();
    let list = Some(read("list"))
        .filter(|l| LISTS.iter().any(|(k, _)| k == l))
        .unwrap_or_else(|| "review".into());
    let page = read("page").parse().unwrap_or(1i64).max(1);
    let account = read("account");
    view! {
        <Title text="Social posts"/>
        <PageHeader title="Social posts" subtitle="Posts for Facebook, Instagram, TikTok and the demo channel: written, reviewed, scheduled and published."/>
        <div class="mb-4 flex flex-wrap items-center justify-between gap-3">
            {
                let account = account.clone();
                view! { <ListTabs lists=&LISTS active=list.clone() href=move |key| list_href(key, &account, 1)/> }
            }
            <div class="flex items-center gap-3">
                <a href="/app/social/times" class="text-sm font-medium text-indigo-700 hover:underline">"Posting times"</a>
                <a href="/app/social/templates" class="text-sm font-medium text-indigo-700 hover:underline">"Templates"</a>
                <a href="/app/social/compose" class="rounded-lg bg-indigo-600 px-4 py-2 text-sm font-semibold text-white shadow-sm hover:bg-indigo-500" data-testid="new-social-post">"Write a post"</a>
            </div>
        </div>
        <SocialPostList list page account_id=account/>
    }
}

/// The social page's address for a list, an account filter and a page.
fn list_href(list: &str, account: &str, page: i64) -> String {
    let mut href = format!("/app/social?list={list}");
    if !account.is_empty() {
        href.push_str(&format!("&account={account}"));
    }
    if page > 1 {
        href.push_str(&format!("&page={page}"));
    }
    href
}

/// One list of posts with its account filter and actions. Polls every
/// 3 s while a post it shows is going out, so states change in place.
#[island(lazy)]
pub fn SocialPostList(list: String, page: i64, account_id: String) -> impl IntoView {
    let tick = RwSignal::new(0u32);
    let approve = ServerAction::<ApproveSocialPosts>::new();
    let reject = ServerAction::<RejectSocialPost>::new();
    let delete = ServerAction::<DeleteSocialPost>::new();
    let retry = ServerAction::<RetrySocialPost>::new();
    let selected = RwSignal::new(Vec::<String>::new());
    let (list_key, account_key) = (list.clone(), account_id.clone());
    let posts = Resource::new(
        move || {
            (
                tick.get(),
                approve.version().get(),
                reject.version().get(),
                delete.version().get(),
                retry.version().get(),
            )
        },
        move |_| list_social_posts(list_key.clone(), account_key.clone(), page),
    );
    Effect::new(move |_| {
        let _ = set_interval_with_handle(
            move || {
                let moving = posts.get_untracked().and_then(|r| r.ok()).is_some_and(|p| {
                    p.posts
                        .iter()
                        .flat_map(|post| post.targets.iter())
                        .any(|t| matches!(t.state.as_str(), "Scheduled" | "Publishing" | "Retrying"))
                });
                if moving {
                    tick.update(|t| *t += 1);
                }
            },
            std::time::Duration::from_secs(3),
        );
    });
    let error = Signal::derive(move || {
        [
            approve.value().get().and_then(|r| r.err()),
            reject.value().get().and_then(|r| r.err()),
            delete.value().get().and_then(|r| r.err()),
            retry.value().get().and_then(|r| r.err()),
        ]
        .into_iter()
        .flatten()
        .next()
        .map(|e| e.to_string())
    });
    let reviewing = list == "review";
    let ready = ready_flag();
    view! {
        <section class="rounded-2xl border border-slate-200 bg-white shadow-sm" data-testid="social-list" data-lazy="" data-ready=ready>
            <Show when=move || error.get().is_some()>
                <p role="alert" class="border-b border-red-200 bg-red-50 px-6 py-2 text-sm text-red-700">{move || error.get().unwrap_or_default()}</p>
            </Show>
            <Transition fallback=|| view! { <p class="p-6 text-sm text-slate-500">"Loading posts…"</p> }>
                {move || posts.get().map(|result| match result {
                    Ok(page) => {
                        let href = { let (list, account) = (list.clone(), account_id.clone()); move |n: i64| list_href(&list, &account, n) };
                        view! { <Filter list=list.clone() account_id=account_id.clone() page=page.clone()/> <Rows page href selected approve reject delete retry reviewing/> }.into_any()
                    }
                    Err(e) => view! { <p role="alert" class="p-6 text-sm text-red-700">{e.to_string()}</p> }.into_any(),
                })}
            </Transition>
        </section>
    }
}

/// A plain GET form: filtering works before (and without) hydration.
#[component]
fn Filter(list: String, account_id: String, page: SocialPostPage) -> impl IntoView {
    view! {
        <form method="get" action="/app/social" class="flex flex-wrap items-center gap-2 border-b border-slate-200 px-6 py-3" data-testid="account-filter">
            <input type="hidden" name="list" value=list/>
            <label class="text-sm text-slate-600" for="account-filter">"Account"</label>
            <select id="account-filter" name="account" class="rounded-lg border border-slate-300 bg-white px-2 py-1.5 text-sm">
                <option value="" selected=account_id.is_empty()>"All accounts"</option>
                {page.accounts.into_iter().map(|a| {
                    let chosen = a.id == account_id;
                    view! { <option value=a.id.clone() selected=chosen>{format!("{} · {}", a.name, a.platform.label())}</option> }
                }).collect_view()}
            </select>
            <button class="rounded-lg border border-slate-300 bg-white px-3 py-1.5 text-sm font-medium hover:bg-slate-50">"Filter"</button>
        </form>
    }
}

#[component]
fn Rows(
    page: SocialPostPage,
    href: impl Fn(i64) -> String + 'static,
    selected: RwSignal<Vec<String>>,
    approve: ServerAction<ApproveSocialPosts>,
    reject: ServerAction<RejectSocialPost>,
    delete: ServerAction<DeleteSocialPost>,
    retry: ServerAction<RetrySocialPost>,
    reviewing: bool,
) -> impl IntoView {
    if page.posts.is_empty() {
        let empty = if reviewing {
            "Nothing waits for review. Posts sent for review show here."
        } else {
            "No posts here yet."
        };
        return view! {
            <p class="p-8 text-center text-sm text-slate-600" data-testid="empty-social-list">{empty}" "
                {page.can_create.then(|| view! { <a class="font-medium text-indigo-700 underline" href="/app/social/compose">"Write a post"</a> })}
            </p>
        }
        .into_any();
    }
    let (can_review, can_create) = (page.can_review, page.can_create);
    view! {
        {(reviewing && can_review).then(|| view! {
            <div class="flex items-center justify-between gap-3 border-b border-slate-200 px-6 py-3">
                <span class="text-sm text-slate-600">{move || format!("{} selected", selected.read().len())}</span>
                <button class="rounded-lg bg-indigo-600 px-3 py-1.5 text-sm font-semibold text-white disabled:opacity-50" data-testid="approve-selected-social"
                    disabled=move || selected.read().is_empty() || approve.pending().get()
                    on:click=move |_| { approve.dispatch(ApproveSocialPosts { post_ids: selected.get_untracked() }); selected.set(Vec::new()); }>
                    "Approve selected"
                </button>
            </div>
        })}
        <ul class="divide-y divide-slate-100">
            {page.posts.into_iter().map(|post| view! { <Row post selected approve reject delete retry can_review can_create/> }).collect_view()}
        </ul>
        <Pager page=page.page pages=page.pages href label=format!("Page {} of {} · {} in all", page.page, page.pages, page.total)/>
    }
    .into_any()
}

#[component]
fn Row(
    post: SocialPostSummary,
    selected: RwSignal<Vec<String>>,
    approve: ServerAction<ApproveSocialPosts>,
    reject: ServerAction<RejectSocialPost>,
    delete: ServerAction<DeleteSocialPost>,
    retry: ServerAction<RetrySocialPost>,
    can_review: bool,
    can_create: bool,
) -> impl IntoView {
    let failed = can_review && post.targets.iter().any(|t| t.state == "Failed");
    let p6 = post.id.clone();
    let pending = post.review == "pending";
    let editable = post.review != "approved" && can_create;
    let removable = can_create
        && post.targets.iter().all(|t| {
            !matches!(
                t.state.as_str(),
                "Published" | "Publishing" | "Failed" | "Retrying" | "Waiting"
            )
        });
    let (p1, p2, p3, p4, p5) = (
        post.id.clone(),
        post.id.clone(),
        post.id.clone(),
        post.id.clone(),
        post.id.clone(),
    );
    let text = if post.body.is_empty() {
        "(no text)".to_string()
    } else {
        post.body.chars().take(280).collect()
    };
    let tags = post
        .hashtags
        .split_whitespace()
        .map(|t| format!("#{t}"))
        .collect::<Vec<_>>()
        .join(" ");
    view! {
        <li class="flex flex-col gap-3 px-6 py-4 sm:flex-row" data-testid="social-post" data-review=post.review.clone()>
            {(pending && can_review).then(|| view! {
                <input type="checkbox" aria-label="Select" class="mt-1 h-4 w-4"
                    prop:checked=move || selected.read().contains(&p1)
                    on:change=move |_| selected.update(|s| if let Some(i) = s.iter().position(|x| *x == p2) { s.remove(i); } else { s.push(p2.clone()); })/>
            })}
            {post.media.clone().map(|m| if m.kind == "image" {
                view! { <img src=m.url alt="" class="h-16 w-16 shrink-0 rounded-lg object-cover"/> }.into_any()
            } else {
                view! { <span class="flex h-16 w-16 shrink-0 items-center justify-center rounded-lg bg-slate-900 text-xs text-white">"Video"</span> }.into_any()
            })}
            <div class="min-w-0 flex-1 text-sm">
                <p class="whitespace-pre-line text-slate-900">{text}</p>
                {(!tags.is_empty()).then(|| view! { <p class="mt-1 text-indigo-700">{tags}</p> })}
                <p class="mt-1 text-xs text-slate-500">{post.when.clone()}{(post.source == "generated").then_some(" · generated")}</p>
                <ul class="mt-2 flex flex-wrap gap-2">
                    {post.targets.into_iter().map(|t| {
                        let state = t.state.clone();
                        let tone = match t.state.as_str() {
                            "Published" => "bg-emerald-100 text-emerald-800",
                            "Failed" => "bg-red-100 text-red-800",
                            "Waiting for review" | "Waiting" | "Retrying" => "bg-amber-100 text-amber-900",
                            "Draft" | "Rejected" => "bg-slate-100 text-slate-700",
                            _ => "bg-indigo-100 text-indigo-800",
                        };
                        view! {
                            <li class="rounded-lg border border-slate-200 px-2 py-1 text-xs" data-testid="social-target" data-state=state>
                                <span class="font-medium">{t.account_name.clone()}</span>
                                {(t.account_name != t.platform.label()).then(|| format!(" · {}", t.platform.label()))}" "
                                <span class=format!("ml-1 rounded-full px-2 py-0.5 font-medium {tone}")>{t.state}</span>
                                {t.permalink.map(|url| view! { " " <a class="text-indigo-700 underline" href=url target="_blank" rel="noopener noreferrer">"View"</a> })}
                                {t.error.map(|e| view! { <span class="mt-1 block text-red-700" data-testid="social-target-error">{e}</span> })}
                            </li>
                        }
                    }).collect_view()}
                </ul>
            </div>
            <div class="flex shrink-0 flex-wrap items-start gap-2">
                {(pending && can_review).then(|| view! {
                    <button class="rounded-lg bg-emerald-600 px-3 py-1.5 text-sm font-medium text-white" data-testid="approve-social"
                        on:click=move |_| { approve.dispatch(ApproveSocialPosts { post_ids: vec![p3.clone()] }); }>"Approve"</button>
                    <button class="rounded-lg px-3 py-1.5 text-sm font-medium text-red-700 hover:bg-red-50"
                        on:click=move |_| { reject.dispatch(RejectSocialPost { post_id: p4.clone() }); }>"Reject"</button>
                })}
                {editable.then(|| view! {
                    <a class="rounded-lg border border-slate-300 px-3 py-1.5 text-sm font-medium hover:bg-slate-50" href=format!("/app/social/compose?post={}", post.id)>"Edit"</a>
                })}
                {failed.then(|| view! {
                    <button class="rounded-lg border border-slate-300 px-3 py-1.5 text-sm font-medium hover:bg-slate-50" data-testid="retry-social"
                        title="Accounts whose post may have gone out are looked at first"
                        on:click=move |_| { retry.dispatch(RetrySocialPost { post_id: p6.clone() }); }>"Retry"</button>
                })}
                {removable.then(|| view! { <DeleteButton post_id=p5 delete/> })}
            </div>
        </li>
    }
}

/// Deleting asks first.
#[component]
fn DeleteButton(post_id: String, delete: ServerAction<DeleteSocialPost>) -> impl IntoView {
    let asking = RwSignal::new(false);
    view! {
        <Show when=move || asking.get() fallback=move || view! {
            <button class="rounded-lg px-3 py-1.5 text-sm font-medium text-red-700 hover:bg-red-50" on:click=move |_| asking.set(true)>"Delete"</button>
        }>
            {
                let post_id = post_id.clone();
                view! {
                    <span role="alertdialog" class="flex items-center gap-2 rounded-lg border border-red-200 bg-red-50 px-2 py-1 text-xs text-red-800">
                        "Delete this post?"
                        <button class="rounded bg-red-600 px-2 py-1 font-medium text-white" on:click=move |_| { delete.dispatch(DeleteSocialPost { post_id: post_id.clone() }); asking.set(false); }>"Yes, delete"</button>
                        <button class="px-2 py-1" on:click=move |_| asking.set(false)>"Keep"</button>
                    </span>
                }
            }
        </Show>
    }
}
