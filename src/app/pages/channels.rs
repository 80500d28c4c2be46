//! The channels page: the social accounts the workspace publishes to, the
//! plan's room for them, connecting the demo channel and disconnecting.
//! Plain forms, no wasm.

use crate::app::api::social::{channels_page, ConnectDemoChannel, DisconnectChannel};
use crate::app::components::{ConfirmedPost, ErrorPanel, PageHeader, UrlError};
use crate::app::types::{
    ChannelList, ChannelStatus, Platform, SocialAccountSummary, CONNECT_META_PATH, CONNECT_TIKTOK_PATH,
};
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;

const BUTTON: &str =
    "rounded-lg bg-indigo-600 px-4 py-2 text-sm font-semibold text-white shadow-sm hover:bg-indigo-500";

#[component]
pub fn ChannelsPage() -> impl IntoView {
    let data = Resource::new(|| (), |_| channels_page());
    view! {
        <Title text="Channels"/>
        <PageHeader title="Channels" subtitle="The Facebook Pages, Instagram and TikTok accounts this workspace posts to."/>
        <UrlError/>
        <Notice/>
        <Suspense fallback=|| view! { <p class="text-sm text-slate-500">"Loading channels…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(page) => view! { <Channels page/> }.into_any(),
                    Err(error) => view! { <ErrorPanel error/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// What a finished sign-in came back to say.
#[component]
fn Notice() -> impl IntoView {
    let notice = leptos_router::hooks::use_query_map().read_untracked().get("notice");
    (notice.as_deref() == Some("connected")).then(|| view! {
        <p role="status" data-testid="channel-notice" class="mb-4 rounded-lg border border-emerald-200 bg-emerald-50 px-3 py-2 text-sm text-emerald-800">
            "Connected. Posts can go to it now."
        </p>
    })
}

#[component]
fn Channels(page: ChannelList) -> impl IntoView {
    let room = format!(
        "{} of {} social account{} in use.",
        page.used,
        page.limit,
        if page.limit == 1 { "" } else { "s" }
    );
    let has_demo = page
        .accounts
        .iter()
        .any(|a| a.platform == Platform::Demo && a.status != ChannelStatus::Disconnected);
    let can_manage = page.can_manage;
    let full = page.used >= page.limit;
    view! {
        <p class="mb-4 text-sm text-slate-600" data-testid="channel-room">{room}</p>
        <section class="mb-4 rounded-2xl border border-slate-200 bg-white shadow-sm">
            <h2 class="border-b border-slate-200 px-6 py-4 text-base font-semibold">"Accounts"</h2>
            {if page.accounts.is_empty() {
                view! { <p class="px-6 py-6 text-sm text-slate-500">"No accounts yet. Connect one below, or try the demo channel first."</p> }.into_any()
            } else {
                view! {
                    <ul class="divide-y divide-slate-100">
                        {page.accounts.into_iter().map(|a| view! { <AccountRow a can_manage/> }).collect_view()}
                    </ul>
                }.into_any()
            }}
        </section>
        <div class="grid gap-4 md:grid-cols-3">
            <PlatformCard title="Facebook and Instagram" ready=page.meta_ready can_manage=can_manage connect=CONNECT_META_PATH
                button="Connect Facebook and Instagram"
                needs=["META_APP_ID", "META_APP_SECRET"] app="a Meta app with Facebook Login for Business"
                what="Pages you manage, and the Instagram professional accounts linked to them."/>
            <PlatformCard title="TikTok" ready=page.tiktok_ready can_manage=can_manage connect=CONNECT_TIKTOK_PATH button="Connect TikTok"
                needs=["TIKTOK_CLIENT_KEY", "TIKTOK_CLIENT_SECRET"] app="a TikTok app with Login Kit and the Content Posting API"
                what="Your TikTok account, for videos."/>
            <section class="rounded-2xl border border-dashed border-indigo-300 bg-indigo-50/40 p-5 text-sm" data-testid="demo-card">
                <h2 class="text-base font-semibold">"Demo channel"</h2>
                <p class="mt-2 text-slate-700">"A channel inside Autopilot: posts go through writing, review and the calendar like any other, and are published nowhere. Nothing leaves this server."</p>
                {match (can_manage, has_demo) {
                    (_, true) => view! { <p class="mt-3 text-slate-500">"Connected above."</p> }.into_any(),
                    (true, false) if full => view! {
                        <p class="mt-3 text-amber-800">"Your plan's social accounts are all in use: disconnect one, or upgrade under Billing, to try it."</p>
                    }.into_any(),
                    (true, false) => view! {
                        <form method="post" action=ConnectDemoChannel::url() class="mt-3">
                            <button type="submit" class=BUTTON>"Connect the demo channel"</button>
                        </form>
                    }.into_any(),
                    (false, false) => view! { <p class="mt-3 text-slate-500">"Managers and above connect channels."</p> }.into_any(),
                }}
            </section>
        </div>
    }
}

/// What a platform needs from the operator before accounts can connect.
#[component]
fn PlatformCard(
    title: &'static str,
    ready: bool,
    can_manage: bool,
    /// Where the sign-in form posts.
    connect: &'static str,
    button: &'static str,
    /// The two settings of the platform's app.
    needs: [&'static str; 2],
    /// What kind of app they come from.
    app: &'static str,
    what: &'static str,
) -> impl IntoView {
    view! {
        <section class="rounded-2xl border border-slate-200 bg-white p-5 text-sm shadow-sm">
            <h2 class="text-base font-semibold">{title}</h2>
            <p class="mt-2 text-slate-700">{what}</p>
            {if ready && can_manage {
                view! {
                    <form method="post" action=connect class="mt-3">
                        <button type="submit" class=BUTTON>{button}</button>
                    </form>
                    <p class="mt-2 text-xs text-slate-500">"You sign in on the platform's own page and choose what to share; Autopilot never sees your password."</p>
                }.into_any()
            } else if ready {
                view! { <p class="mt-3 text-slate-500">"Managers and above connect accounts."</p> }.into_any()
            } else {
                view! {
                    <p class="mt-3 text-slate-600">"Not set up on this server. The operator sets "<code class="text-xs">{needs[0]}</code>" and "
                        <code class="text-xs">{needs[1]}</code>" from "{app}", then accounts can be connected here."</p>
                }.into_any()
            }}
        </section>
    }
}

#[component]
fn AccountRow(a: SocialAccountSummary, can_manage: bool) -> impl IntoView {
    let (badge, tone) = match a.status {
        ChannelStatus::Connected => ("Connected", "bg-emerald-50 text-emerald-700"),
        ChannelStatus::Reconnect => ("Reconnect", "bg-amber-50 text-amber-800"),
        ChannelStatus::Disconnected => ("Disconnected", "bg-slate-100 text-slate-600"),
    };
    let active = a.status != ChannelStatus::Disconnected;
    let reconnect = (can_manage && a.status == ChannelStatus::Reconnect)
        .then(|| reconnect_path(a.platform))
        .flatten();
    let detail = if a.username.is_empty() {
        format!("{} · {}", a.platform.label(), a.since)
    } else {
        format!("{} · {} · {}", a.platform.label(), a.username, a.since)
    };
    view! {
        <li class="flex flex-col gap-2 px-6 py-3 sm:flex-row sm:items-center sm:justify-between" data-testid="channel">
            <div class="min-w-0 text-sm">
                <p>
                    <span class="font-medium">{a.name}</span>" "
                    <span class=format!("ml-1 rounded px-1.5 py-0.5 text-xs font-medium {tone}")>{badge}</span>
                </p>
                <p class="text-xs text-slate-500">{detail}</p>
                {(!a.status_reason.is_empty()).then(|| view! { <p class="text-xs text-amber-700">{a.status_reason}</p> })}
            </div>
            <div class="flex items-center gap-2">
            {reconnect.map(|path| view! {
                <form method="post" action=path>
                    <button type="submit" class="rounded-lg px-3 py-1.5 text-sm font-medium text-indigo-700 hover:bg-indigo-50" data-testid="reconnect-channel">"Reconnect"</button>
                </form>
            })}
            {(can_manage && active).then(|| view! {
                <ConfirmedPost action=DisconnectChannel::url().to_string() fields=vec![("account_id", a.id)] label="Disconnect"
                    question="Scheduled posts to it stop; its published posts and their figures stay." confirm="Yes, disconnect" testid="disconnect-channel"/>
            })}
            </div>
        </li>
    }
}

/// Signing in again repairs an account the platform refused.
fn reconnect_path(platform: Platform) -> Option<&'static str> {
    match platform {
        Platform::Facebook | Platform::Instagram => Some(CONNECT_META_PATH),
        Platform::Tiktok => Some(CONNECT_TIKTOK_PATH),
        Platform::Demo => None,
    }
}
