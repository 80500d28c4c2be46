use crate::helpers::{spawn, Engine, PASSWORD};
use crate::on_both_engines;

on_both_engines!(
    cross_origin_posts_are_refused,
    pages_carry_security_headers_and_a_nonce_csp,
    a_form_posted_without_wasm_comes_back_to_its_page_with_the_error,
);

/// A browser without the wasm posts the form itself: a refusal must send it
/// back to the page (which shows the error), not leave it on a JSON answer.
async fn a_form_posted_without_wasm_comes_back_to_its_page_with_the_error(engine: Engine) {
    let app = spawn(engine).await;
    let login = app.url("/login");
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    for form in [
        vec![("email", "nobody@example.com"), ("password", "wrong password")],
        vec![("email", "nobody@example.com")],
    ] {
        let res = http
            .post(app.url("/api/auth/log_in"))
            .header("origin", app.base.as_str())
            .header("accept", "text/html,application/xhtml+xml")
            .header("referer", login.as_str())
            .form(&form)
            .send()
            .await
            .unwrap();
        let status = res.status().as_u16();
        let location = res.headers().get("location").map(|v| v.to_str().unwrap().to_owned());
        assert!(status == 302 || status == 303, "{form:?} answered {status}");
        let location = location.expect("sent back to the form");
        assert!(location.starts_with(&login) && location.contains("__err"), "{location}");
    }
}

fn sign_up_form() -> [(&'static str, &'static str); 4] {
    [
        ("name", "Eve"),
        ("email", "eve@example.com"),
        ("password", PASSWORD),
        ("workspace", "Evil"),
    ]
}

async fn cross_origin_posts_are_refused(engine: Engine) {
    let app = spawn(engine).await;
    let http = reqwest::Client::new();
    let url = app.url("/api/auth/sign_up");

    let res = http
        .post(&url)
        .header("origin", "https://evil.example")
        .form(&sign_up_form())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 403);
    let res = http
        .post(&url)
        .header("origin", "null")
        .form(&sign_up_form())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 403);
    let res = http
        .post(&url)
        .header("sec-fetch-site", "cross-site")
        .form(&sign_up_form())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 403);
    assert_eq!(app.count("select count(*) from app_user").await, 0, "nothing happened");

    let res = http
        .post(&url)
        .header("sec-fetch-site", "same-origin")
        .form(&sign_up_form())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 200, "same-origin fetches pass");
    let res = http
        .post(app.url("/api/auth/log_out"))
        .header("origin", app.base.as_str())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 200, "the app's own origin passes");
}

async fn pages_carry_security_headers_and_a_nonce_csp(engine: Engine) {
    let app = spawn(engine).await;
    let res = app.get("/").await;
    assert_eq!(res.status().as_u16(), 200);
    let h = res.headers().clone();
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert_eq!(h["referrer-policy"], "strict-origin-when-cross-origin");
    assert_eq!(h["x-frame-options"], "DENY");
    let csp = h["content-security-policy"].to_str().unwrap().to_string();
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    let nonce = csp
        .split("'nonce-")
        .nth(1)
        .and_then(|s| s.split('\'').next())
        .expect("page CSP has a nonce");
    let html = res.text().await.unwrap();
    assert!(
        html.contains(&format!("nonce=\"{nonce}\"")),
        "inline scripts carry the nonce"
    );

    let health = app.get("/healthz").await;
    let csp = health.headers()["content-security-policy"].to_str().unwrap();
    assert!(csp.starts_with("default-src 'none'"), "{csp}");
}
