//! The Leptos application. Pages render on the server; the `#[island]`
//! components among them are also compiled for the browser and hydrated
//! there (islands mode keeps the browser download small: only interactive
//! parts ship as wasm). One route table lives here.

pub mod api;
pub mod components;
pub mod error;
pub mod layouts;
pub mod pages;
pub mod types;

use layouts::AppShell;
use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags, Stylesheet, Title};
use leptos_router::components::{ParentRoute, Route, Router, Routes};
use leptos_router::path;
use pages::*;

/// The HTML document around the app, rendered on the server only.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    #[cfg(feature = "ssr")]
    set_page_csp();
    view! {
        <!DOCTYPE html>
        <html lang="en" class="h-full">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <meta name="color-scheme" content="light"/>
                <link rel="icon" href="/favicon.svg" type="image/svg+xml"/>
                <AutoReload options=options.clone()/>
                <HydrationScripts options islands=true/>
                <MetaTags/>
            </head>
            <body class="h-full bg-slate-50 text-slate-900 antialiased">
                <App/>
            </body>
        </html>
    }
}

/// Pages get a CSP that admits only this response's inline scripts.
#[cfg(feature = "ssr")]
fn set_page_csp() {
    use axum::http::{header, HeaderValue};
    let (Some(nonce), Some(res)) = (
        leptos::nonce::use_nonce(),
        use_context::<leptos_axum::ResponseOptions>(),
    ) else {
        return;
    };
    let origins = use_context::<crate::server::state::AppState>()
        .map(|state| state.config.sign_in_origins())
        .unwrap_or_default();
    if let Ok(value) = HeaderValue::from_str(&crate::server::middleware::page_csp(&nonce, &origins)) {
        res.insert_header(header::CONTENT_SECURITY_POLICY, value);
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    view! {
        <components::HydrationMarker/>
        <Stylesheet id="leptos" href="/pkg/autopilot.css"/>
        <Title formatter=|title: String| if title.is_empty() { "Autopilot".to_string() } else { format!("{title} · Autopilot") }/>
        <Router>
            <Routes fallback=NotFoundPage>
                <Route path=path!("/") view=LandingPage/>
                <Route path=path!("/signup") view=SignUpPage/>
                <Route path=path!("/login") view=LogInPage/>
                <Route path=path!("/forgot-password") view=ForgotPasswordPage/>
                <Route path=path!("/reset-password") view=ResetPasswordPage/>
                <Route path=path!("/verify-email") view=VerifyEmailPage/>
                <Route path=path!("/invite") view=InvitationPage/>
                <Route path=path!("/no-workspace") view=NoWorkspacePage/>
                // Default out-of-order streaming. SsrMode::Async hung about one in ten
                // concurrent renders of a page with an island and a resource here
                // (leptos 0.8.23); the user is resolved in middleware, so nothing on
                // these pages needs to hold back the headers.
                <ParentRoute path=path!("/app") view=AppShell>
                    <Route path=path!("") view=DashboardPage/>
                    <Route path=path!("sites") view=SitesPage/>
                    <Route path=path!("sites/:id") view=SitePage/>
                    <Route path=path!("channels") view=ChannelsPage/>
                    <Route path=path!("channels/pick") view=ChannelPickPage/>
                    <Route path=path!("social") view=SocialPage/>
                    <Route path=path!("social/compose") view=ComposerPage/>
                    <Route path=path!("social/templates") view=TemplatesPage/>
                    <Route path=path!("social/times") view=PostingTimesPage/>
                    <Route path=path!("stores") view=StoresPage/>
                    <Route path=path!("stores/decisions") view=DecisionsPage/>
                    <Route path=path!("stores/products/:id") view=StoreProductPage/>
                    <Route path=path!("stores/:id") view=StorePage/>
                    <Route path=path!("stores/:id/products") view=StoreProductsPage/>
                    <Route path=path!("content") view=ContentPage/>
                    <Route path=path!("content/:id") view=PostPage/>
                    <Route path=path!("calendar") view=CalendarPage/>
                    <Route path=path!("analytics") view=AnalyticsPage/>
                    <Route path=path!("billing") view=BillingPage/>
                    <Route path=path!("settings") view=SettingsPage/>
                    <Route path=path!("members") view=MembersPage/>
                    <Route path=path!("api-keys") view=ApiKeysPage/>
                    <Route path=path!("webhooks") view=WebhooksPage/>
                    <Route path=path!("workspaces/new") view=NewWorkspacePage/>
                    <Route path=path!("audit") view=AuditPage/>
                    <Route path=path!("admin") view=AdminPage/>
                    <Route path=path!("admin/health") view=AdminHealthPage/>
                    <Route path=path!("admin/users") view=AdminUsersPage/>
                    <Route path=path!("admin/workspaces") view=AdminWorkspacesPage/>
                    <Route path=path!("admin/workspaces/:id") view=AdminWorkspacePage/>
                    <Route path=path!("admin/jobs") view=AdminJobsPage/>
                    <Route path=path!("admin/mail") view=AdminMailPage/>
                    <Route path=path!("admin/audit") view=AdminAuditPage/>
                </ParentRoute>
            </Routes>
        </Router>
    }
}
