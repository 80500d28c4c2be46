//! A lease belongs to one claim, not to a process: a job claimed again after
//! its lease ran out (by this process or another) is published once, even
//! when the earlier claim's holder is still alive and its reply from
//! WordPress arrives late.

use crate::automation::{app_with_site, run_now, save_settings, settings, wait_for_step};
use crate::fake_wordpress::FakeWordPress;
use crate::helpers::{spawn_on, spawn_with, Engine};
use crate::on_both_engines;
use std::time::Duration;

on_both_engines!(
    a_job_reclaimed_by_the_same_process_is_published_once,
    a_worker_whose_heartbeat_cannot_reach_the_database_does_not_post_again,
);

/// The first claim waits on a slow lookup; its lease runs out (as after a
/// stall) and the same process claims the job again and publishes it. When
/// the stale lookup finally answers "no such post", the first claim must
/// not create one.
async fn a_job_reclaimed_by_the_same_process_is_published_once(engine: Engine) {
    let wp = FakeWordPress::start().await;
    let app = spawn_with(engine, &[]).await;
    let site = app_with_site(&app, &wp, "ada@example.com").await;
    assert_eq!(save_settings(&app, &site, settings("auto", "publish")).await.0, 200);
    wp.hold_next_lookup();
    let job = run_now(&app, &site).await;
    wp.wait_for_held_lookups(1).await;

    sqlx::query("update job set locked_until_ms = 0 where id = $1")
        .bind(&job)
        .execute(&app.db.pool)
        .await
        .unwrap();
    wait_for_step(&app, &job, "published").await;
    assert_eq!(wp.create_calls(), 1, "the second claim published");

    wp.release_lookups();
    app.shut_down().await;
    assert_eq!(wp.create_calls(), 1, "the first claim did not create a second post");
    assert_eq!(wp.posts().len(), 1);
}

/// The worker's heartbeat cannot get a database connection while it waits
/// on WordPress; another process takes the job over once the lease has run
/// out and publishes it. The cut-off worker must give up the step once its
/// lease may have run out (hanging up on WordPress), rather than go on to
/// create the post again when its stale lookup answers.
async fn a_worker_whose_heartbeat_cannot_reach_the_database_does_not_post_again(engine: Engine) {
    let wp = FakeWordPress::start().await;
    let lease = [("WORKER_LEASE_SECONDS", "1")];
    let app = spawn_with(engine, &lease).await;
    let site = app_with_site(&app, &wp, "ada@example.com").await;
    assert_eq!(save_settings(&app, &site, settings("auto", "publish")).await.0, 200);
    wp.hold_next_lookup();
    let job = run_now(&app, &site).await;
    wp.wait_for_held_lookups(1).await;

    // Every connection of the first process's pool, so its heartbeat waits in vain.
    let pool = &app.db.pool;
    let mut held = Vec::new();
    for _ in 0..pool.options().get_max_connections() {
        held.push(pool.acquire().await.unwrap());
    }
    let other = spawn_on(&app.database_url, &lease).await;
    wait_for_step(&other, &job, "published").await;
    assert_eq!(wp.create_calls(), 1, "the other process published");
    // Well inside the 30 s a WordPress request may take: the stale answer
    // comes back while the request is still wanted, unless it was given up.
    let gave_up = tokio::time::timeout(Duration::from_secs(10), wp.wait_for_abandoned_lookups(1))
        .await
        .is_ok();
    wp.release_lookups();
    if !gave_up {
        // Still cut off from the database, the worker acts on the stale answer.
        let _ = tokio::time::timeout(Duration::from_secs(10), wp.wait_for_create_calls(2)).await;
    }
    drop(held);
    app.shut_down().await;
    assert_eq!(wp.create_calls(), 1, "the cut-off worker did not create a second post");
    assert_eq!(wp.posts().len(), 1);
    assert!(
        gave_up,
        "the cut-off worker kept waiting on WordPress after its lease ran out"
    );
}
