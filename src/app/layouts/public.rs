//! The frame of signed-out pages.

use crate::app::components::Logo;
use leptos::prelude::*;
use leptos_router::components::A;

#[component]
pub fn PublicHeader() -> impl IntoView {
    view! {
        <header class="mx-auto flex max-w-6xl items-center justify-between px-4 py-5 sm:px-6">
            <A href="/"><Logo/></A>
            <nav class="flex items-center gap-3 text-sm font-medium">
                <A href="/login" attr:class="rounded-lg px-3 py-2 text-slate-700 hover:bg-slate-100">"Log in"</A>
                <A href="/signup" attr:class="rounded-lg bg-indigo-600 px-3 py-2 text-white hover:bg-indigo-500">"Start free"</A>
            </nav>
        </header>
    }
}

#[component]
pub fn AuthCard(title: &'static str, subtitle: &'static str, children: Children) -> impl IntoView {
    view! {
        <div class="min-h-screen">
            <PublicHeader/>
            <main class="mx-auto max-w-md px-4 pb-16 pt-6">
                <div class="rounded-2xl border border-slate-200 bg-white p-6 shadow-sm sm:p-8">
                    <h1 class="text-xl font-semibold tracking-tight">{title}</h1>
                    <p class="mt-1 text-sm text-slate-600">{subtitle}</p>
                    <div class="mt-6">{children()}</div>
                </div>
            </main>
        </div>
    }
}
