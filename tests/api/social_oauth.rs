//! Connecting social accounts through the platforms' own sign-ins, against
//! the Meta and TikTok stand-ins over real HTTP: the state is bound to the
//! session and spent once, codes are exchanged on the server, a Facebook
//! sign-in ends with picking Pages and linked Instagram accounts (all or
//! none within the plan), TikTok's rotating refresh token survives two
//! refreshes at once, and a refused token asks for a reconnect.

use crate::helpers::{spawn_with, state_on, Engine, TestApp, PASSWORD};
use crate::on_both_engines;
use autopilot::app::types::TenantId;
use autopilot::server::services::social::refresh::{self, Refreshed};
use autopilot::server::standins::{self, meta::MetaStandIn, tiktok::TikTokStandIn, APP_ID, APP_SECRET};
use serde_json::Value;

on_both_engines!(
    a_facebook_sign_in_connects_the_picked_pages_and_instagram_accounts,
    a_sign_in_needs_its_own_state_and_says_why_it_failed,
    tiktok_connects_and_one_refresh_at_a_time_keeps_the_rotated_token,
    the_runner_renews_a_tiktok_sign_in_before_it_runs_out,
);

pub struct Platforms {
    pub meta: MetaStandIn,
    pub tiktok: TikTokStandIn,
    vars: Vec<(String, String)>,
}

/// Both stand-ins on ports of their own, and the settings that point at them.
pub async fn platforms() -> Platforms {
    let (meta, tiktok) = (MetaStandIn::new(), TikTokStandIn::new());
    let any = "127.0.0.1:0".parse().unwrap();
    let m = standins::serve(meta.router(), any).await.unwrap();
    let t = standins::serve(tiktok.router(), any).await.unwrap();
    let vars = [
        ("META_APP_ID", APP_ID.to_string()),
        ("META_APP_SECRET", APP_SECRET.to_string()),
        ("META_GRAPH_BASE", format!("http://{m}/v25.0")),
        ("META_DIALOG_URL", format!("http://{m}/v25.0/dialog/oauth")),
        ("TIKTOK_CLIENT_KEY", APP_ID.to_string()),
        ("TIKTOK_CLIENT_SECRET", APP_SECRET.to_string()),
        ("TIKTOK_API_BASE", format!("http://{t}")),
        ("TIKTOK_AUTH_URL", format!("http://{t}/v2/auth/authorize/")),
    ];
    Platforms {
        meta,
        tiktok,
        vars: vars.into_iter().map(|(k, v)| (k.to_string(), v)).collect(),
    }
}

impl Platforms {
    pub fn vars(&self) -> Vec<(&str, &str)> {
        self.vars.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect()
    }

    async fn app(&self, engine: Engine) -> TestApp {
        let app = spawn_with(engine, &self.vars()).await;
        app.sign_up("ada@example.com", PASSWORD, "Acme").await;
        app
    }
}

pub fn location(res: &reqwest::Response) -> String {
    res.headers()["location"].to_str().unwrap().to_string()
}

/// Starts a sign-in on the channels page: the platform's sign-in address.
async fn start(app: &TestApp, platform: &str) -> String {
    let res = app
        .browser_form(&format!("/app/channels/connect/{platform}"), &[])
        .await;
    assert_eq!(res.status().as_u16(), 303);
    location(&res)
}

/// The person answers the platform's sign-in page; returns the app's
/// callback (path and query) the platform sends them back to.
async fn answer(sign_in: &str, decision: &str) -> String {
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let page = http.get(sign_in).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("not Facebook") || page.contains("not TikTok"), "{page}");
    let res = http.get(format!("{sign_in}&decision={decision}")).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 302);
    let back = url::Url::parse(&location(&res)).unwrap();
    format!("{}?{}", back.path(), back.query().unwrap_or_default())
}

/// Follows a whole sign-in; returns where the app sent the person.
pub async fn sign_in(app: &TestApp, platform: &str, decision: &str) -> String {
    let callback = answer(&start(app, platform).await, decision).await;
    let res = app.get(&callback).await;
    assert_eq!(res.status().as_u16(), 303, "{callback}");
    location(&res)
}

/// The message a refused plain form came back with, as the page shows it.
async fn refusal(app: &TestApp, back: &str) -> String {
    assert!(back.contains("__err="), "{back}");
    let html = app.page_html(back).await;
    let start = html
        .find("data-testid=\"form-error\"")
        .expect("the page shows the error");
    let text = &html[start..];
    let text = &text[text.find('>').unwrap() + 1..];
    text[..text.find("</p>").unwrap()].trim().to_string()
}

async fn channels(app: &TestApp) -> Value {
    let (status, page) = app.call_json("social/channels", &[]).await;
    assert_eq!(status, 200, "{page}");
    page
}

async fn tenant_of(app: &TestApp) -> TenantId {
    TenantId::new(app.me().await["workspace"]["id"].as_str().unwrap().to_string())
}

async fn a_facebook_sign_in_connects_the_picked_pages_and_instagram_accounts(engine: Engine) {
    let p = platforms().await;
    let app = p.app(engine).await;
    let html = app.page_html("/app/channels").await;
    assert!(html.contains("Connect Facebook and Instagram") && html.contains("Connect TikTok"));

    let dialog = start(&app, "meta").await;
    let q: Vec<(String, String)> = url::Url::parse(&dialog).unwrap().query_pairs().into_owned().collect();
    let param = |k: &str| {
        q.iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    assert_eq!(param("client_id"), APP_ID);
    assert!(param("scope").contains("instagram_content_publish") && param("state").len() == 64);
    assert!(param("redirect_uri").ends_with("/app/channels/callback/meta"));
    assert!(!dialog.contains(APP_SECRET), "the secret stays on the server");

    let callback = answer(&dialog, "allow").await;
    let res = app.get(&callback).await;
    assert_eq!(location(&res), "/app/channels/pick");
    let (status, pending) = app.call_json("social/pending", &[]).await;
    assert_eq!(status, 200, "{pending}");
    let names: Vec<(&str, &str)> = pending["candidates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["platform"].as_str().unwrap(), c["name"].as_str().unwrap()))
        .collect();
    assert_eq!(
        names,
        [
            ("facebook", "Stand-in Bakery"),
            ("instagram", "Stand-in Bakery"),
            ("facebook", "Stand-in Books")
        ]
    );
    assert_eq!(pending["candidates"][1]["username"], "@standin.bakery");
    assert_eq!(pending["room"], 1, "the free plan allows one account");
    assert!(
        !pending.to_string().contains("EAAP"),
        "no Page token reaches the browser"
    );
    let page = app.page_html("/app/channels/pick").await;
    assert!(page.contains("Stand-in Books") && page.contains("linked to Stand-in Bakery"));
    assert!(p.meta.calls("/me/accounts") == 1 && p.meta.calls("/oauth/access_token") == 2);
    // The spent code and state do not work twice.
    let again = app.get(&callback).await;
    assert!(refusal(&app, &location(&again)).await.contains("Start again"));

    let (ig, books) = ("instagram:17841400000001", "facebook:1020");
    let res = app
        .browser_form("/app/channels/pick/save", &[("account", ig), ("account", books)])
        .await;
    let message = refusal(&app, &location(&res)).await;
    assert!(message.contains("plan allows 1 social account"), "{message}");
    assert_eq!(app.count("select count(*) from social_account").await, 0, "all or none");

    sqlx::query("update tenant set social_accounts_limit_override = 10")
        .execute(&app.db.pool)
        .await
        .unwrap();
    let res = app
        .browser_form("/app/channels/pick/save", &[("account", ig), ("account", books)])
        .await;
    assert_eq!(location(&res), "/app/channels?notice=connected");
    let page = channels(&app).await;
    let accounts: Vec<(&str, &str, &str)> = page["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["platform"].as_str().unwrap(),
                a["name"].as_str().unwrap(),
                a["status"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        accounts,
        [
            ("instagram", "Stand-in Bakery", "connected"),
            ("facebook", "Stand-in Books", "connected")
        ]
    );
    let sealed: Vec<(String, Option<i64>)> =
        sqlx::query_as("select access_token_sealed, token_expires_at from social_account order by platform")
            .fetch_all(&app.db.pool)
            .await
            .unwrap();
    assert!(sealed
        .iter()
        .all(|(t, at)| t.starts_with("v1:") && !t.contains("EAAP") && at.is_none()));
    assert!(app
        .page_html("/app/channels?notice=connected")
        .await
        .contains("Connected. Posts can go to it now."));
    let (status, _) = app.call_json("social/pending", &[]).await;
    assert_eq!(status, 400, "what was picked is forgotten");

    // Instagram refuses its token: signing in again offers it ticked.
    sqlx::query("update social_account set status = 'reconnect' where platform = 'instagram'")
        .execute(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(sign_in(&app, "meta", "allow").await, "/app/channels/pick");
    let (_, pending) = app.call_json("social/pending", &[]).await;
    let connected: Vec<bool> = pending["candidates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["connected"].as_bool().unwrap())
        .collect();
    assert_eq!(
        connected,
        [false, false, true],
        "Books is connected; Instagram needs its sign-in"
    );
    let res = app.browser_form("/app/channels/pick/save", &[("account", ig)]).await;
    assert_eq!(location(&res), "/app/channels?notice=connected");
    assert_eq!(
        app.count("select count(*) from social_account where status = 'connected'")
            .await,
        2
    );
}

async fn a_sign_in_needs_its_own_state_and_says_why_it_failed(engine: Engine) {
    let p = platforms().await;
    let app = p.app(engine).await;
    // A callback this session never started.
    let res = app
        .get("/app/channels/callback/meta?code=AQ123&state=someone-elses")
        .await;
    assert!(refusal(&app, &location(&res)).await.contains("was not started here"));
    // Another person's callback: their state is bound to their session.
    let dialog = start(&app, "meta").await;
    let callback = answer(&dialog, "allow").await;
    let theirs = app.cookie();
    app.set_cookie(None);
    app.sign_up("bob@example.com", PASSWORD, "Bobs").await;
    let res = app.get(&callback).await;
    assert!(refusal(&app, &location(&res)).await.contains("was not started here"));
    app.as_user(&theirs);
    // Nor does Bob's attempt spend Ada's: hers still works, once.
    assert_eq!(location(&app.get(&callback).await), "/app/channels/pick");

    let back = sign_in(&app, "meta", "deny").await;
    assert!(refusal(&app, &back).await.contains("cancelled; nothing was connected"));
    p.meta.throttle(1);
    let back = sign_in(&app, "meta", "allow").await;
    assert!(refusal(&app, &back).await.contains("did not answer in time"));
    // A code that waited past its ten minutes is refused by Facebook.
    let callback = answer(&start(&app, "meta").await, "allow").await;
    p.meta.expire_codes();
    let back = location(&app.get(&callback).await);
    assert!(refusal(&app, &back).await.contains("Facebook refused the sign-in"));
    // A TikTok sign-in that withholds posting connects nothing.
    p.tiktok.grant_only("user.info.basic");
    let back = sign_in(&app, "tiktok", "allow").await;
    assert!(refusal(&app, &back).await.contains("did not grant every permission"));
    assert_eq!(app.count("select count(*) from social_account").await, 0);

    // An unknown platform is not found.
    let res = app.browser_form("/app/channels/connect/myspace", &[]).await;
    assert!(refusal(&app, &location(&res)).await.contains("could not find"));
}

async fn connect_tiktok(app: &TestApp) -> String {
    assert_eq!(sign_in(app, "tiktok", "allow").await, "/app/channels?notice=connected");
    let page = channels(app).await;
    let account = page["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["platform"] == "tiktok")
        .expect("the TikTok account is listed")
        .clone();
    assert_eq!(
        (account["name"].as_str(), account["username"].as_str()),
        (Some("Sam Stand-in"), Some("@sam.standin"))
    );
    account["id"].as_str().unwrap().to_string()
}

/// Makes the account's access token about to run out.
async fn age(app: &TestApp, id: &str) {
    sqlx::query("update social_account set token_expires_at = $1 where id = $2")
        .bind(autopilot::server::db::now() + 60)
        .bind(id)
        .execute(&app.db.pool)
        .await
        .unwrap();
}

async fn tiktok_connects_and_one_refresh_at_a_time_keeps_the_rotated_token(engine: Engine) {
    let p = platforms().await;
    let app = p.app(engine).await;
    let id = connect_tiktok(&app).await;
    let queued = app
        .count(&format!(
            "select count(*) from job where kind = 'social-token-refresh' and subject_id = '{id}'"
        ))
        .await;
    assert_eq!(queued, 1, "its renewal is on the runner's list");
    let (tenant, worker) = (tenant_of(&app).await, state_on(&app.database_url, &p.vars()).await);

    // Two refreshes at once: one spends the refresh token, the other waits.
    age(&app, &id).await;
    p.tiktok.hold_refreshes();
    let first = tokio::spawn({
        let (worker, tenant, id) = (worker.clone(), tenant.clone(), id.clone());
        async move { refresh::refresh(&worker, &tenant, &id).await.unwrap() }
    });
    p.tiktok.refresh_arrived().await;
    let second = tokio::spawn({
        let (worker, tenant, id) = (worker.clone(), tenant.clone(), id.clone());
        async move { refresh::refresh(&worker, &tenant, &id).await.unwrap() }
    });
    let second = second.await.unwrap();
    p.tiktok.release_refreshes();
    let first = first.await.unwrap();
    assert!(matches!(first, Refreshed::Done { .. }), "{first:?}");
    assert!(matches!(second, Refreshed::Busy | Refreshed::NotDue), "{second:?}");
    assert_eq!(p.tiktok.refreshes(), 1, "the refresh token was spent once");
    assert_eq!(channels(&app).await["accounts"][0]["status"], "connected");
    // What was kept is the newest refresh token: the next renewal works.
    assert_eq!(
        refresh::refresh(&worker, &tenant, &id).await.unwrap(),
        Refreshed::NotDue
    );
    age(&app, &id).await;
    assert!(matches!(
        refresh::refresh(&worker, &tenant, &id).await.unwrap(),
        Refreshed::Done { .. }
    ));
    assert_eq!(p.tiktok.refreshes(), 2);

    // TikTok withdraws the permission: the account asks to be reconnected.
    p.tiktok.revoke();
    age(&app, &id).await;
    let refused = refresh::refresh(&worker, &tenant, &id).await.unwrap();
    assert!(matches!(refused, Refreshed::Revoked(_)), "{refused:?}");
    let account = channels(&app).await["accounts"][0].clone();
    assert_eq!(account["status"], "reconnect");
    assert!(account["status_reason"].as_str().unwrap().contains("Reconnect TikTok"));
    assert!(app
        .page_html("/app/channels")
        .await
        .contains("data-testid=\"reconnect-channel\""));
    assert_eq!(
        refresh::refresh(&worker, &tenant, &id).await.unwrap(),
        Refreshed::NotDue
    );
    // Signing in again repairs the same account, without a second row.
    assert_eq!(connect_tiktok(&app).await, id);
    let account = channels(&app).await["accounts"][0].clone();
    assert_eq!(
        (account["status"].as_str(), account["status_reason"].as_str()),
        (Some("connected"), Some(""))
    );
    // Someone signs in again while a renewal is at TikTok: the renewal's
    // old token is refused, and that says nothing about the new sign-in.
    age(&app, &id).await;
    p.tiktok.hold_refreshes();
    let renewal = tokio::spawn({
        let (worker, tenant, id) = (worker.clone(), tenant.clone(), id.clone());
        async move { refresh::refresh(&worker, &tenant, &id).await.unwrap() }
    });
    p.tiktok.refresh_arrived().await;
    assert_eq!(connect_tiktok(&app).await, id);
    p.tiktok.release_refreshes();
    let late = renewal.await.unwrap();
    assert!(matches!(late, Refreshed::Revoked(_)), "{late:?}");
    let account = channels(&app).await["accounts"][0].clone();
    assert_eq!(account["status"], "connected", "{account}");
    age(&app, &id).await;
    let renewed = refresh::refresh(&worker, &tenant, &id).await.unwrap();
    assert!(
        matches!(renewed, Refreshed::Done { .. }),
        "the new sign-in renews: {renewed:?}"
    );

    // Disconnecting gives the sign-in back to TikTok and keeps no token.
    let (status, _) = app.call_json("social/disconnect", &[("account_id", id.as_str())]).await;
    assert_eq!((status, p.tiktok.revocations()), (200, 1));
    let left = "select count(*) from social_account where status = 'disconnected' \
                and access_token_sealed is null and refresh_token_sealed is null and token_lock is null";
    assert_eq!(app.count(left).await, 1);
}

async fn the_runner_renews_a_tiktok_sign_in_before_it_runs_out(engine: Engine) {
    let p = platforms().await;
    // A token that lasts just over the renewal margin (15 minutes) is due
    // a second after it is issued.
    p.tiktok.set_access_seconds(901);
    let app = p.app(engine).await;
    let id = connect_tiktok(&app).await;
    p.tiktok.set_access_seconds(7_200);
    let renewed = "select count(*) from social_account where token_expires_at > $1 and status = 'connected'";
    let queued = format!(
        "select count(*) from job where kind = 'social-token-refresh' and subject_id = '{id}' and state = 'queued'"
    );
    for _ in 0..300 {
        let (n,): (i64,) = sqlx::query_as(renewed)
            .bind(autopilot::server::db::now() + 3_600)
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
        // Renewed, with the next renewal queued.
        if n == 1 && app.count(&queued).await == 1 {
            assert!(p.tiktok.refreshes() >= 1);
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let jobs: Vec<(String, String, Option<String>)> =
        sqlx::query_as("select kind, state, last_error from job where kind = 'social-token-refresh'")
            .fetch_all(&app.db.pool)
            .await
            .unwrap();
    let account: (String, String, Option<i64>) =
        sqlx::query_as("select status, status_reason, token_expires_at from social_account")
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    panic!(
        "the runner never renewed the token: {jobs:?} {account:?} {}",
        p.tiktok.refreshes()
    );
}
