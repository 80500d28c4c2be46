use crate::helpers::{spawn, spawn_with, Engine, CONFIRM, PASSWORD, RESET};
use crate::on_both_engines;

on_both_engines!(
    sign_up_creates_user_workspace_and_owner_session,
    sign_up_rejects_bad_input_and_keeps_nothing,
    wrong_password_and_unknown_email_get_the_same_answer,
    login_is_throttled_per_account,
    login_is_throttled_per_address,
    password_reset_link_works_once_and_signs_out_elsewhere,
    expired_reset_link_is_refused,
    admin_emails_make_platform_admins,
    email_confirmation_link_works_once,
    parallel_wrong_passwords_cannot_outrun_the_throttle,
    reset_mails_are_limited_per_address,
    forged_forwarded_for_does_not_escape_the_throttle,
);

async fn sign_up_creates_user_workspace_and_owner_session(engine: Engine) {
    let app = spawn(engine).await;
    let (status, body) = app.sign_up("Ada@Example.com", PASSWORD, "Acme Blog").await;
    assert_eq!(status, 200, "{body}");
    assert!(app.cookie().is_some(), "sign-up signs the user in");

    let me = app.me().await;
    assert_eq!(me["user"]["email"], "ada@example.com");
    assert_eq!(me["workspace"]["name"], "Acme Blog");
    assert_eq!(me["workspace"]["role"], "owner");
    assert_eq!(me["workspace"]["plan"], "free");
    assert_eq!(me["user"]["is_platform_admin"], false);

    let (status, dash) = app.call_json("workspaces/dashboard", &[]).await;
    assert_eq!(status, 200, "{dash}");
    assert_eq!(dash["members"], 1);
    assert_eq!(dash["limits"]["posts_per_month"], 10);

    let hash: (String,) = sqlx::query_as("select password_hash from app_user")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert!(
        hash.0.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
        "stored {}",
        hash.0
    );
}

async fn sign_up_rejects_bad_input_and_keeps_nothing(engine: Engine) {
    let app = spawn(engine).await;
    let (status, body) = app.sign_up("ada@example.com", "short", "Acme").await;
    assert_eq!(status, 422);
    assert_eq!(body["Validation"], "Password must be at least 8 characters.");
    let (status, _) = app.sign_up("ada@example.com", &"x".repeat(129), "Acme").await;
    assert_eq!(status, 422);
    let (status, body) = app.sign_up("not-an-email", PASSWORD, "Acme").await;
    assert_eq!(status, 422);
    assert!(body["Validation"].as_str().unwrap().contains("valid email"));
    let (status, _) = app.sign_up("ada@example.com", PASSWORD, "   ").await;
    assert_eq!(status, 422);
    assert_eq!(app.count("select count(*) from app_user").await, 0);
    assert_eq!(
        app.count("select count(*) from tenant where id <> '00000000-0000-0000-0000-000000000000'")
            .await,
        0,
        "no workspace besides the platform's own"
    );

    assert_eq!(app.sign_up("ada@example.com", PASSWORD, "Acme").await.0, 200);
    app.set_cookie(None);
    let (status, body) = app.sign_up("ADA@example.com", PASSWORD, "Other").await;
    assert_eq!(status, 409, "{body}");
    assert_eq!(app.count("select count(*) from app_user").await, 1);
    assert_eq!(
        app.count("select count(*) from tenant where id <> '00000000-0000-0000-0000-000000000000'")
            .await,
        1,
        "a failed sign-up leaves no workspace behind"
    );
}

async fn wrong_password_and_unknown_email_get_the_same_answer(engine: Engine) {
    let app = spawn(engine).await;
    app.sign_up("ada@example.com", PASSWORD, "Acme").await;
    app.set_cookie(None);
    let wrong = app.log_in("ada@example.com", "not the password").await;
    let unknown = app.log_in("nobody@example.com", "not the password").await;
    assert_eq!(wrong, unknown);
    assert_eq!(wrong.0, 422);
    assert_eq!(wrong.1["Validation"], "The email or password is incorrect.");
    assert!(app.cookie().is_none());
    let (status, _) = app.log_in("ADA@example.com ", PASSWORD).await;
    assert_eq!(status, 200);
    assert_eq!(app.me().await["user"]["email"], "ada@example.com");
}

async fn login_is_throttled_per_account(engine: Engine) {
    let app = spawn(engine).await;
    app.sign_up("ada@example.com", PASSWORD, "Acme").await;
    app.set_cookie(None);
    for _ in 0..5 {
        assert_eq!(app.log_in("ada@example.com", "wrong password").await.0, 422);
    }
    let (status, body) = app.log_in("ada@example.com", PASSWORD).await;
    assert_eq!(status, 429, "even the right password waits: {body}");
    assert!(body["TooManyRequests"].as_str().unwrap().contains("15 minutes"));
    // Another account from the same address is still fine.
    app.sign_up("bob@example.com", PASSWORD, "Bob").await;
    app.set_cookie(None);
    assert_eq!(app.log_in("bob@example.com", PASSWORD).await.0, 200);
}

async fn login_is_throttled_per_address(engine: Engine) {
    let app = spawn(engine).await;
    app.sign_up("ada@example.com", PASSWORD, "Acme").await;
    app.set_cookie(None);
    for i in 0..20 {
        let (status, _) = app.log_in(&format!("guess{i}@example.com"), "wrong password").await;
        assert_eq!(status, 422);
    }
    assert_eq!(app.log_in("ada@example.com", PASSWORD).await.0, 429);
}

async fn password_reset_link_works_once_and_signs_out_elsewhere(engine: Engine) {
    let app = spawn(engine).await;
    app.sign_up("ada@example.com", PASSWORD, "Acme").await;
    let old_session = app.cookie();
    app.set_cookie(None);

    let (status, _) = app
        .call_json("auth/request_password_reset", &[("email", "nobody@example.com")])
        .await;
    assert_eq!(status, 200, "unknown addresses get the same answer");
    let (status, _) = app
        .call_json("auth/request_password_reset", &[("email", "Ada@example.com")])
        .await;
    assert_eq!(status, 200);
    let token = app.mailed_token(RESET, "ada@example.com").await;
    let (to, kept): (String, String) =
        sqlx::query_as("select to_address, status from mail_outbox where subject like 'Reset%'")
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    assert_eq!(
        (to.as_str(), kept.as_str()),
        ("ada@example.com", "kept"),
        "only the real account got mail"
    );

    let (status, body) = app
        .call_json(
            "auth/reset_password",
            &[("token", &token), ("password", "a brand new secret")],
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(app.me().await["user"]["email"], "ada@example.com", "reset signs in");
    assert_eq!(
        app.me().await["user"]["email_verified"],
        true,
        "the mailed link proves the address"
    );

    let (status, body) = app
        .call_json(
            "auth/reset_password",
            &[("token", &token), ("password", "another secret!")],
        )
        .await;
    assert_eq!(status, 422, "single use: {body}");

    app.set_cookie(old_session);
    assert_eq!(
        app.call_json("auth/me", &[]).await.1,
        serde_json::Value::Null,
        "old sessions are signed out"
    );
    app.set_cookie(None);
    assert_eq!(app.log_in("ada@example.com", PASSWORD).await.0, 422);
    assert_eq!(app.log_in("ada@example.com", "a brand new secret").await.0, 200);
}

async fn expired_reset_link_is_refused(engine: Engine) {
    let app = spawn(engine).await;
    app.sign_up("ada@example.com", PASSWORD, "Acme").await;
    app.call_json("auth/request_password_reset", &[("email", "ada@example.com")])
        .await;
    let token = app.mailed_token(RESET, "ada@example.com").await;
    sqlx::query("update email_token set expires_at = 0")
        .execute(&app.db.pool)
        .await
        .unwrap();
    let (status, body) = app
        .call_json(
            "auth/reset_password",
            &[("token", &token), ("password", "a brand new secret")],
        )
        .await;
    assert_eq!(status, 422);
    assert!(body["Validation"].as_str().unwrap().contains("expired"));
}

async fn admin_emails_make_platform_admins(engine: Engine) {
    let app = spawn_with(engine, &[("ADMIN_EMAILS", "boss@example.com, other@example.com")]).await;
    app.sign_up("boss@example.com", PASSWORD, "HQ").await;
    assert_eq!(
        app.me().await["user"]["is_platform_admin"],
        false,
        "anyone can sign up with a listed address"
    );
    assert_eq!(app.get("/app/admin").await.status().as_u16(), 404);
    app.confirm_email("boss@example.com").await;
    assert_eq!(
        app.me().await["user"]["is_platform_admin"],
        true,
        "its proven owner becomes admin"
    );
    assert!(
        app.page_html("/app").await.contains("href=\"/app/admin\""),
        "admins see the Admin link"
    );
    assert_eq!(app.get("/app/admin").await.status().as_u16(), 200);

    app.set_cookie(None);
    app.sign_up("ada@example.com", PASSWORD, "Acme").await;
    app.confirm_email("ada@example.com").await;
    assert_eq!(app.me().await["user"]["is_platform_admin"], false);
    assert!(!app.page_html("/app").await.contains("href=\"/app/admin\""));
    let page = app.get("/app/admin").await;
    assert_eq!(page.status().as_u16(), 404, "the admin page does not exist for others");
}

async fn email_confirmation_link_works_once(engine: Engine) {
    let app = spawn(engine).await;
    app.sign_up("ada@example.com", PASSWORD, "Acme").await;
    assert_eq!(app.me().await["user"]["email_verified"], false);
    assert!(
        app.page_html("/app").await.contains("data-testid=\"verify-banner\""),
        "the shell asks for it"
    );
    let token = app.mailed_token(CONFIRM, "ada@example.com").await;
    let page = app.page_html(&format!("/verify-email?token={token}")).await;
    assert!(
        page.contains("Confirm my email"),
        "opening the link changes nothing by itself"
    );
    assert_eq!(app.me().await["user"]["email_verified"], false);

    let res = app.call("auth/verify_email", &[("token", &token)]).await;
    assert_eq!(res.status().as_u16(), 200);
    assert_eq!(res.headers()["location"], "/app");
    assert_eq!(app.me().await["user"]["email_verified"], true);
    assert!(!app.page_html("/app").await.contains("data-testid=\"verify-banner\""));
    let (status, body) = app.call_json("auth/verify_email", &[("token", &token)]).await;
    assert_eq!(status, 422, "single use: {body}");
    let (status, _) = app.call_json("auth/verify_email", &[("token", "forged")]).await;
    assert_eq!(status, 422);
}

async fn parallel_wrong_passwords_cannot_outrun_the_throttle(engine: Engine) {
    let app = std::sync::Arc::new(spawn(engine).await);
    app.sign_up("ada@example.com", PASSWORD, "Acme").await;
    app.set_cookie(None);
    let tries: Vec<_> = (0..12)
        .map(|_| {
            let app = app.clone();
            tokio::spawn(async move { app.log_in("ada@example.com", "wrong password").await.0 })
        })
        .collect();
    let mut statuses = Vec::new();
    for t in tries {
        statuses.push(t.await.unwrap());
    }
    let judged = statuses.iter().filter(|s| **s == 422).count();
    assert!(
        judged <= 5,
        "at most 5 guesses may be checked, {judged} were: {statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|s| **s == 429).count(),
        12 - judged,
        "{statuses:?}"
    );
}

async fn reset_mails_are_limited_per_address(engine: Engine) {
    let app = spawn(engine).await;
    app.sign_up("ada@example.com", PASSWORD, "Acme").await;
    for _ in 0..5 {
        let (status, _) = app
            .call_json("auth/request_password_reset", &[("email", "ada@example.com")])
            .await;
        assert_eq!(status, 200, "the answer never changes");
    }
    for _ in 0..100 {
        if app.mails(RESET).await >= 3 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(
        app.mails(RESET).await,
        3,
        "no more than three reset mails in the window"
    );
}

async fn forged_forwarded_for_does_not_escape_the_throttle(engine: Engine) {
    let app = spawn_with(engine, &[("TRUST_X_FORWARDED_FOR", "true")]).await;
    let http = reqwest::Client::new();
    let mut statuses = Vec::new();
    for i in 0..21 {
        let res = http
            .post(app.url("/api/auth/log_in"))
            .header("origin", app.base.as_str())
            // The client forged the left part; our proxy appended the last.
            .header("x-forwarded-for", format!("198.51.100.{i}, 203.0.113.7"))
            .form(&[
                ("email", format!("guess{i}@example.com")),
                ("password", "wrong password".into()),
            ])
            .send()
            .await
            .unwrap();
        statuses.push(res.status().as_u16());
    }
    assert_eq!(statuses[19], 422);
    assert_eq!(statuses[20], 429, "the address the proxy saw is the one throttled");
}
