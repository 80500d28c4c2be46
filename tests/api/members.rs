//! Members and invitations: the invitation link's three ways in, its
//! expiry, reuse and revocation, seats counted with pending invitations,
//! the permission table over every member action, and the last owner.

use crate::helpers::{spawn, Engine, TestApp, PASSWORD};
use crate::on_both_engines;
use autopilot::app::types::{MemberChange, Role};
use serde_json::Value;

on_both_engines!(
    an_invitation_is_accepted_by_a_new_user_and_by_existing_ones,
    invitations_expire_work_once_and_can_be_revoked_or_resent,
    seats_count_members_and_pending_invitations,
    the_permission_table_decides_every_member_action,
    the_last_owner_stays_and_others_can_leave,
    another_workspaces_members_and_invitations_are_not_found,
);

const INVITED: &str = "Test User invited you";

/// Signs up `email` with a workspace on `plan`; answers the workspace's id.
async fn owner_of(app: &TestApp, email: &str, workspace: &str, plan: &str) -> String {
    assert_eq!(app.sign_up(email, PASSWORD, workspace).await.0, 200);
    let id = app.me().await["workspace"]["id"].as_str().unwrap().to_string();
    sqlx::query("update tenant set plan = $1 where id = $2")
        .bind(plan)
        .bind(&id)
        .execute(&app.db.pool)
        .await
        .unwrap();
    id
}

async fn invite(app: &TestApp, email: &str, role: &str) -> (u16, Value) {
    app.call_json("members/invite", &[("email", email), ("role", role)])
        .await
}

async fn role_in(app: &TestApp, tenant: &str, email: &str) -> Option<String> {
    sqlx::query_as::<_, (String,)>(
        "select m.role from membership m join app_user u on u.id = m.user_id where m.tenant_id = $1 and u.email = $2",
    )
    .bind(tenant)
    .bind(email)
    .fetch_optional(&app.db.pool)
    .await
    .unwrap()
    .map(|(r,)| r)
}

async fn audited(app: &TestApp, tenant: &str, action: &str) -> i64 {
    let (n,): (i64,) = sqlx::query_as("select count(*) from audit_log where tenant_id = $1 and action = $2")
        .bind(tenant)
        .bind(action)
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    n
}

async fn mails_to(app: &TestApp, to: &str) -> i64 {
    app.count(&format!("select count(*) from mail_outbox where to_address = '{to}'"))
        .await
}

/// The token of the next invitation mail to `to` after `before` mails
/// (mail goes out in the background).
async fn next_token(app: &TestApp, to: &str, before: i64) -> String {
    for _ in 0..100 {
        if mails_to(app, to).await > before {
            return app.mailed_token(INVITED, to).await;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("no new mail to {to}");
}

async fn an_invitation_is_accepted_by_a_new_user_and_by_existing_ones(engine: Engine) {
    let app = spawn(engine).await;
    let acme = owner_of(&app, "owner@example.com", "Acme", "pro").await;
    let owner = app.cookie();

    // A new user signs up from the link, for the invited address only.
    assert_eq!(invite(&app, "New@Example.com", "member").await.0, 200);
    let token = app.mailed_token(INVITED, "new@example.com").await;
    app.as_user(&None);
    let (status, view) = app.call_json("invitations/view", &[("token", &token)]).await;
    assert_eq!(status, 200, "{view}");
    assert_eq!(view["workspace_name"], "Acme");
    assert_eq!(
        (view["role"].as_str(), view["account_exists"].as_bool()),
        (Some("member"), Some(false))
    );
    let (status, body) = app
        .call_json(
            "invitations/sign_up",
            &[("token", &token), ("name", "Nina"), ("password", "short")],
        )
        .await;
    assert_eq!(
        status, 422,
        "a bad password is refused before the token is spent: {body}"
    );
    let res = app
        .call(
            "invitations/sign_up",
            &[("token", &token), ("name", "Nina"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(
        (res.status().as_u16(), res.headers()["location"].to_str().unwrap()),
        (200, "/app")
    );
    let me = app.me().await;
    assert_eq!(
        (me["workspace"]["name"].as_str(), me["workspace"]["role"].as_str()),
        (Some("Acme"), Some("member"))
    );
    assert_eq!(
        me["workspaces"].as_array().unwrap().len(),
        1,
        "no workspace of their own was made"
    );
    assert_eq!(me["user"]["email_verified"], true, "the link proved the address");
    let (nina, nina_id) = (app.cookie(), me["user"]["id"].as_str().unwrap().to_string());

    // An existing user signs in from the link; a wrong password joins nothing.
    app.as_user(&None);
    owner_of(&app, "ext@example.com", "Ext's", "free").await;
    app.as_user(&owner);
    assert_eq!(invite(&app, "ext@example.com", "viewer").await.0, 200);
    let token = app.mailed_token(INVITED, "ext@example.com").await;
    app.as_user(&None);
    let (_, view) = app.call_json("invitations/view", &[("token", &token)]).await;
    assert_eq!(view["account_exists"], true);
    let (status, _) = app
        .call_json(
            "invitations/sign_in",
            &[("token", &token), ("password", "wrong password")],
        )
        .await;
    assert_eq!(status, 422);
    assert_eq!(role_in(&app, &acme, "ext@example.com").await, None);
    assert_eq!(
        app.call_json("invitations/sign_in", &[("token", &token), ("password", PASSWORD)])
            .await
            .0,
        200
    );
    assert_eq!(
        app.me().await["workspace"]["name"],
        "Acme",
        "the session opens on the workspace joined"
    );
    assert_eq!(role_in(&app, &acme, "ext@example.com").await.as_deref(), Some("viewer"));

    // A signed-in user accepts with a button.
    app.as_user(&None);
    owner_of(&app, "third@example.com", "Third's", "free").await;
    let third = app.cookie();
    app.as_user(&owner);
    assert_eq!(invite(&app, "third@example.com", "manager").await.0, 200);
    let token = app.mailed_token(INVITED, "third@example.com").await;
    app.as_user(&third);
    let (_, view) = app.call_json("invitations/view", &[("token", &token)]).await;
    assert_eq!(view["signed_in_as"], "third@example.com");
    assert_eq!(app.call_json("invitations/accept", &[("token", &token)]).await.0, 200);
    assert_eq!(app.me().await["workspace"]["role"], "manager");
    assert_eq!(audited(&app, &acme, "member_invited").await, 3);
    assert_eq!(audited(&app, &acme, "member_joined").await, 3);

    // Removed from her only workspace, Nina's next page offers to start one.
    app.as_user(&owner);
    assert_eq!(app.call_json("members/remove", &[("user_id", &nina_id)]).await.0, 200);
    assert_eq!(audited(&app, &acme, "member_removed").await, 1);
    app.as_user(&nina);
    let res = app.get("/app/content").await;
    assert_eq!(
        (res.status().as_u16(), res.headers()["location"].to_str().unwrap()),
        (302, "/no-workspace")
    );
    assert!(app
        .page_html("/no-workspace")
        .await
        .contains("You are not in any workspace"));
}

async fn invitations_expire_work_once_and_can_be_revoked_or_resent(engine: Engine) {
    let app = spawn(engine).await;
    let acme = owner_of(&app, "owner@example.com", "Acme", "agency").await;
    let owner = app.cookie();
    app.as_user(&None);
    owner_of(&app, "other@example.com", "Other's", "free").await;
    let other = app.cookie();
    app.as_user(&owner);

    // Used once, then refused.
    assert_eq!(invite(&app, "a@example.com", "member").await.0, 200);
    let token = app.mailed_token(INVITED, "a@example.com").await;
    app.as_user(&other);
    let (status, body) = app.call_json("invitations/accept", &[("token", &token)]).await;
    assert_eq!(status, 422, "another account cannot use it: {body}");
    assert!(body["Validation"].as_str().unwrap().contains("for a@example.com"));
    assert_eq!(role_in(&app, &acme, "other@example.com").await, None);
    app.as_user(&None);
    let signed_up = [("token", token.as_str()), ("name", "A"), ("password", PASSWORD)];
    assert_eq!(app.call_json("invitations/sign_up", &signed_up).await.0, 200);
    app.as_user(&None);
    let (status, body) = app.call_json("invitations/view", &[("token", &token)]).await;
    assert_eq!(status, 422, "a used link is refused: {body}");
    assert!(body["Validation"]
        .as_str()
        .unwrap()
        .contains("invalid, used, revoked or expired"));

    // Expired.
    app.as_user(&owner);
    assert_eq!(invite(&app, "b@example.com", "member").await.0, 200);
    let token = app.mailed_token(INVITED, "b@example.com").await;
    sqlx::query("update invitation set expires_at = 1 where email = 'b@example.com'")
        .execute(&app.db.pool)
        .await
        .unwrap();
    let (_, page) = app.call_json("members/list", &[("q", ""), ("page", "1")]).await;
    let pending = page["invitations"].as_array().unwrap();
    assert_eq!(
        (pending[0]["email"].as_str(), pending[0]["status"].as_str()),
        (Some("b@example.com"), Some("Expired"))
    );
    app.as_user(&None);
    let b_signs_up = [("token", token.as_str()), ("name", "B"), ("password", PASSWORD)];
    assert_eq!(app.call_json("invitations/sign_up", &b_signs_up).await.0, 422);
    assert_eq!(
        app.count("select count(*) from app_user where email = 'b@example.com'")
            .await,
        0,
        "no account was left behind"
    );

    // Resent: the old link stops working, the new one works.
    app.as_user(&owner);
    let id = pending[0]["id"].as_str().unwrap().to_string();
    let before = mails_to(&app, "b@example.com").await;
    assert_eq!(app.call_json("members/resend", &[("invitation_id", &id)]).await.0, 200);
    let fresh = next_token(&app, "b@example.com", before).await;
    assert_ne!(fresh, token);
    app.as_user(&None);
    assert_eq!(app.call_json("invitations/view", &[("token", &token)]).await.0, 422);
    assert_eq!(app.call_json("invitations/view", &[("token", &fresh)]).await.0, 200);

    // Revoked.
    app.as_user(&owner);
    assert_eq!(app.call_json("members/revoke", &[("invitation_id", &id)]).await.0, 200);
    app.as_user(&None);
    let b_signs_up = [("token", fresh.as_str()), ("name", "B"), ("password", PASSWORD)];
    assert_eq!(app.call_json("invitations/sign_up", &b_signs_up).await.0, 422);
    assert_eq!(role_in(&app, &acme, "b@example.com").await, None);
    assert_eq!(audited(&app, &acme, "invitation_resent").await, 1);
    assert_eq!(audited(&app, &acme, "invitation_revoked").await, 1);

    // Nonsense input is refused in plain words and stores nothing.
    app.as_user(&owner);
    let (status, _) = invite(&app, "not an address", "member").await;
    assert_eq!(status, 422);
    let (status, body) = invite(&app, "c@example.com", "root").await;
    assert_eq!(
        (status, body["Validation"].as_str()),
        (422, Some("Choose one of the roles."))
    );
    let (status, _) = invite(&app, "owner@example.com", "member").await;
    assert_eq!(status, 409, "a member already");
    assert_eq!(
        app.count("select count(*) from invitation where email in ('c@example.com', 'owner@example.com')")
            .await,
        0
    );
}

async fn seats_count_members_and_pending_invitations(engine: Engine) {
    let app = spawn(engine).await;
    let acme = owner_of(&app, "owner@example.com", "Acme", "free").await;
    let (status, body) = invite(&app, "a@example.com", "member").await;
    assert_eq!(status, 409, "Free sells one seat, the owner's: {body}");
    assert!(body["Conflict"].as_str().unwrap().contains("1 member"));

    sqlx::query("update tenant set plan = 'pro' where id = $1")
        .bind(&acme)
        .execute(&app.db.pool)
        .await
        .unwrap();
    for n in 1..=4 {
        assert_eq!(invite(&app, &format!("p{n}@example.com"), "member").await.0, 200);
    }
    let (status, _) = invite(&app, "p5@example.com", "admin").await;
    assert_eq!(status, 409, "Pro's 5 seats: the owner and 4 invitations");
    // The refused form comes back as it was sent, once.
    let page = app.page_html("/app/members").await;
    assert!(page.contains(r#"value="p5@example.com""#), "{page}");
    assert!(page.contains(r#"value="admin" selected"#), "{page}");
    assert!(!app.page_html("/app/members").await.contains("p5@example.com"));
    let (_, page) = app.call_json("members/list", &[("q", ""), ("page", "1")]).await;
    assert_eq!(
        (page["seats_used"].as_i64(), page["seats_limit"].as_i64()),
        (Some(5), Some(5))
    );
    let first = page["invitations"][0]["id"].as_str().unwrap().to_string();
    assert_eq!(
        app.call_json("members/revoke", &[("invitation_id", &first)]).await.0,
        200
    );
    assert_eq!(
        invite(&app, "p5@example.com", "member").await.0,
        200,
        "revoking freed a seat"
    );

    // A downgrade since the invitation was sent takes its seat.
    let token = app.mailed_token(INVITED, "p5@example.com").await;
    sqlx::query("update tenant set plan = 'free' where id = $1")
        .bind(&acme)
        .execute(&app.db.pool)
        .await
        .unwrap();
    app.as_user(&None);
    let (status, body) = app
        .call_json(
            "invitations/sign_up",
            &[("token", &token), ("name", "P"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(status, 409, "{body}");
    assert_eq!(app.count("select count(*) from membership").await, 1);
}

/// Every actor role, over every member action and every pair of roles,
/// against the rule stated here independently of the code's table.
async fn the_permission_table_decides_every_member_action(engine: Engine) {
    let app = spawn(engine).await;
    let acme = owner_of(&app, "founder@example.com", "Acme", "agency").await;
    sqlx::query("update tenant set members_limit_override = 1000 where id = $1")
        .bind(&acme)
        .execute(&app.db.pool)
        .await
        .unwrap();
    sqlx::query("insert into app_user (id, email, name, password_hash, created_at) values ('target', 't@example.com', 'T', 'x', 0)")
        .execute(&app.db.pool)
        .await
        .unwrap();
    let set_target = |role: &'static str| {
        let (pool, acme) = (app.db.pool.clone(), acme.clone());
        async move {
            sqlx::query("delete from membership where tenant_id = $1 and user_id = 'target'")
                .bind(&acme)
                .execute(&pool)
                .await
                .unwrap();
            sqlx::query("insert into membership (tenant_id, user_id, role, created_at) values ($1, 'target', $2, 1)")
                .bind(&acme)
                .bind(role)
                .execute(&pool)
                .await
                .unwrap();
        }
    };
    let allowed = |actor: Role, from: Role, to: Role| actor >= Role::Admin && from <= actor && to <= actor;
    for actor in Role::ALL {
        app.as_user(&None);
        let email = format!("{}@example.com", actor.as_str());
        assert_eq!(app.sign_up(&email, PASSWORD, "Own").await.0, 200);
        let user_id = app.me().await["user"]["id"].as_str().unwrap().to_string();
        sqlx::query("insert into membership (tenant_id, user_id, role, created_at) values ($1, $2, $3, 1)")
            .bind(&acme)
            .bind(&user_id)
            .bind(actor.as_str())
            .execute(&app.db.pool)
            .await
            .unwrap();
        assert_eq!(
            app.call_json("workspaces/switch", &[("workspace_id", &acme)]).await.0,
            200
        );
        for from in Role::ALL {
            for to in Role::ALL {
                set_target(from.as_str()).await;
                let (status, body) = app
                    .call_json("members/change_role", &[("user_id", "target"), ("role", to.as_str())])
                    .await;
                let ok = allowed(actor, from, to);
                assert_eq!(actor.may(MemberChange::ChangeRole { from, to }), ok, "the table agrees");
                assert_eq!(
                    status,
                    if ok { 200 } else { 403 },
                    "{actor} changes {from} to {to}: {body}"
                );
                let now = role_in(&app, &acme, "t@example.com").await.unwrap();
                assert_eq!(now, if ok { to.as_str() } else { from.as_str() });
            }
            set_target(from.as_str()).await;
            let (status, _) = app.call_json("members/remove", &[("user_id", "target")]).await;
            let ok = allowed(actor, from, from);
            assert_eq!(status, if ok { 200 } else { 403 }, "{actor} removes {from}");
            assert_eq!(role_in(&app, &acme, "t@example.com").await.is_none(), ok);

            let invited = format!("{}-{}@example.com", actor.as_str(), from.as_str());
            let (status, _) = invite(&app, &invited, from.as_str()).await;
            assert_eq!(status, if ok { 200 } else { 403 }, "{actor} invites a {from}");
        }
        let (status, page) = app.call_json("members/list", &[("q", ""), ("page", "1")]).await;
        assert_eq!(
            (status, page["my_role"].as_str()),
            (200, Some(actor.as_str())),
            "everyone sees the members"
        );
    }
    assert_eq!(
        app.count("select count(*) from invitation").await,
        4 + 5,
        "an admin's four and an owner's five"
    );
    // Real changes only: an admin's 4 × 4 pairs less the 4 that change
    // nothing, and an owner's 5 × 5 less 5.
    assert_eq!(audited(&app, &acme, "member_role_changed").await, 12 + 20);
}

async fn the_last_owner_stays_and_others_can_leave(engine: Engine) {
    let app = spawn(engine).await;
    let acme = owner_of(&app, "owner@example.com", "Acme", "pro").await;
    let owner = app.cookie();
    let owner_id = app.me().await["user"]["id"].as_str().unwrap().to_string();
    let (status, body) = app.call_json("members/leave", &[]).await;
    assert_eq!(status, 409, "{body}");
    // The page's plain form gets the refusal back in the address, in words.
    let res = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .post(app.url("/api/members/leave"))
        .header("cookie", app.cookie().unwrap())
        .header("origin", &app.base)
        .header("accept", "text/html")
        .header("referer", app.url("/app/members"))
        .send()
        .await
        .unwrap();
    let back = res.headers()["location"].to_str().unwrap().to_string();
    assert!(
        back.starts_with(&app.url("/app/members?")) && back.contains("__err="),
        "{back}"
    );
    let page = app.page_html(back.trim_start_matches(&app.base)).await;
    assert!(
        page.contains("A workspace needs an owner"),
        "the members page shows why"
    );
    let (status, body) = app
        .call_json("members/change_role", &[("user_id", &owner_id), ("role", "admin")])
        .await;
    assert_eq!(
        (
            status,
            body["Conflict"].as_str().is_some_and(|m| m.contains("needs an owner"))
        ),
        (409, true)
    );

    // A second owner makes room: the first may step down, then leave.
    invite(&app, "second@example.com", "owner").await;
    let token = app.mailed_token(INVITED, "second@example.com").await;
    app.as_user(&None);
    let second_signs_up = [("token", token.as_str()), ("name", "S"), ("password", PASSWORD)];
    assert_eq!(app.call_json("invitations/sign_up", &second_signs_up).await.0, 200);
    let second = app.cookie();
    app.as_user(&owner);
    assert_eq!(
        app.call_json("members/change_role", &[("user_id", &owner_id), ("role", "admin")])
            .await
            .0,
        200
    );
    assert_eq!(
        app.call_json("members/leave", &[]).await.0,
        409,
        "but not from their only workspace"
    );
    assert_eq!(app.call_json("workspaces/create", &[("name", "Mine")]).await.0, 200);
    assert_eq!(
        app.call_json("workspaces/switch", &[("workspace_id", &acme)]).await.0,
        200
    );
    let res = app.call("members/leave", &[]).await;
    assert_eq!(
        (res.status().as_u16(), res.headers()["location"].to_str().unwrap()),
        (200, "/app")
    );
    assert_eq!(
        app.me().await["workspace"]["name"],
        "Mine",
        "the next page opens their other workspace"
    );
    assert_eq!(role_in(&app, &acme, "owner@example.com").await, None);
    app.as_user(&second);
    let (status, body) = app.call_json("members/leave", &[]).await;
    assert_eq!(status, 409);
    assert!(
        body["Conflict"].as_str().unwrap().contains("needs an owner"),
        "now the last owner: {body}"
    );
    assert_eq!(audited(&app, &acme, "member_left").await, 1);
}

async fn another_workspaces_members_and_invitations_are_not_found(engine: Engine) {
    let app = spawn(engine).await;
    owner_of(&app, "bob@example.com", "Bob's", "pro").await;
    let bob_id = app.me().await["user"]["id"].as_str().unwrap().to_string();
    invite(&app, "x@example.com", "member").await;
    let (_, page) = app.call_json("members/list", &[("q", ""), ("page", "1")]).await;
    let bobs_invitation = page["invitations"][0]["id"].as_str().unwrap().to_string();
    app.as_user(&None);
    owner_of(&app, "ada@example.com", "Acme", "pro").await;
    for (endpoint, form) in [
        (
            "members/change_role",
            vec![("user_id", bob_id.as_str()), ("role", "viewer")],
        ),
        ("members/remove", vec![("user_id", bob_id.as_str())]),
        ("members/resend", vec![("invitation_id", bobs_invitation.as_str())]),
        ("members/revoke", vec![("invitation_id", bobs_invitation.as_str())]),
    ] {
        let (status, body) = app.call_json(endpoint, &form).await;
        assert_eq!((status, body), (404, serde_json::json!("NotFound")), "{endpoint}");
    }
    assert_eq!(
        app.count("select count(*) from membership where role = 'owner'").await,
        2
    );
    assert_eq!(
        app.count("select count(*) from invitation where revoked_at is null")
            .await,
        1
    );
    let (_, page) = app.call_json("members/list", &[("q", "bob"), ("page", "1")]).await;
    assert_eq!(page["total"], 0, "the search covers this workspace only");
    let (_, page) = app.call_json("members/list", &[("q", "ADA"), ("page", "1")]).await;
    assert_eq!(
        (page["total"].as_i64(), page["invitations"].as_array().unwrap().len()),
        (Some(1), 0)
    );
}
