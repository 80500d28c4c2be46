//! Media for social posts over real HTTP: an upload through the REST API is
//! recognised by its bytes, sized, kept in the media store and served at
//! its unguessable public address (with ranges, as video fetchers ask);
//! what is refused keeps nothing, and a read-only key uploads nothing.

use crate::helpers::{media_dir_for, spawn, Engine, TestApp, PASSWORD};
use crate::on_both_engines;
use crate::rest::key_of;
use serde_json::Value;

on_both_engines!(an_upload_is_served_at_its_public_address_and_refusals_keep_nothing,);

/// A JPEG's first bytes, then some more.
fn jpeg() -> Vec<u8> {
    let mut bytes = vec![0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, b'J', b'F', b'I', b'F'];
    bytes.extend((0..2_000u32).map(|i| (i % 251) as u8));
    bytes
}

async fn upload(app: &TestApp, key: &str, name: &str, bytes: Vec<u8>) -> (u16, Value) {
    let res = reqwest::Client::new()
        .post(app.url(&format!("/api/v1/media?name={name}")))
        .bearer_auth(key)
        .body(bytes)
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap())
}

async fn an_upload_is_served_at_its_public_address_and_refusals_keep_nothing(engine: Engine) {
    let app = spawn(engine).await;
    app.sign_up("ada@example.com", PASSWORD, "Acme").await;
    let key = key_of(&app, "write").await;

    let (status, kept) = upload(&app, &key, "cake.jpg", jpeg()).await;
    assert_eq!(status, 201, "{kept}");
    assert_eq!(
        (kept["kind"].as_str(), kept["content_type"].as_str()),
        (Some("image"), Some("image/jpeg"))
    );
    let url = url::Url::parse(kept["url"].as_str().unwrap()).unwrap();
    let parts: Vec<&str> = url.path().split('/').collect();
    assert_eq!((parts[1], parts[3].len()), ("media", 64), "{url}");

    // Public: no session, no key.
    let public = reqwest::Client::new();
    let res = public.get(app.url(url.path())).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 200);
    let h = res.headers().clone();
    assert_eq!(h["content-type"], "image/jpeg");
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert!(h["content-security-policy"].to_str().unwrap().contains("sandbox"));
    assert_eq!(res.bytes().await.unwrap().to_vec(), jpeg());
    let part = public
        .get(app.url(url.path()))
        .header("range", "bytes=0-3")
        .send()
        .await
        .unwrap();
    assert_eq!(part.status().as_u16(), 206);
    assert_eq!(part.bytes().await.unwrap().to_vec(), jpeg()[..4]);
    // Another token, or the token under another workspace, finds nothing.
    let wrong = format!("/media/{}/{}", parts[2], "0".repeat(64));
    assert_eq!(public.get(app.url(&wrong)).send().await.unwrap().status().as_u16(), 404);
    let elsewhere = format!("/media/{}/{}", "0".repeat(36), parts[3]);
    assert_eq!(
        public.get(app.url(&elsewhere)).send().await.unwrap().status().as_u16(),
        404
    );

    let mut mp4 = b"\0\0\0\x18ftypisom\0\0\x02\0".to_vec();
    mp4.extend([7u8; 500]);
    let (status, video) = upload(&app, &key, "clip.mp4", mp4.clone()).await;
    assert_eq!((status, video["kind"].as_str()), (201, Some("video")), "{video}");
    // Sent as it is: compressing a video would cost the server and lose ranges.
    let path = url::Url::parse(video["url"].as_str().unwrap())
        .unwrap()
        .path()
        .to_string();
    let res = public
        .get(app.url(&path))
        .header("accept-encoding", "br, gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["content-type"], "video/mp4");
    assert!(res.headers().get("content-encoding").is_none());
    assert_eq!(res.headers()["accept-ranges"], "bytes");
    assert_eq!(res.bytes().await.unwrap().to_vec(), mp4);
    // A 404 is not cached.
    let res = public.get(app.url(&wrong)).send().await.unwrap();
    assert!(res
        .headers()
        .get("cache-control")
        .is_none_or(|c| !c.to_str().unwrap().contains("public")));

    // Refused: what is not a photo or video, and a photo over 8 MB.
    let (status, refused) = upload(&app, &key, "x.gif", b"GIF89a....".to_vec()).await;
    assert_eq!(
        (status, refused["error"]["code"].as_str()),
        (422, Some("invalid_input"))
    );
    assert!(refused["error"]["message"].as_str().unwrap().contains("JPEG or PNG"));
    let mut big = b"\x89PNG\r\n\x1a\n".to_vec();
    big.resize(8 * 1024 * 1024 + 1, 0);
    let (status, refused) = upload(&app, &key, "big.png", big).await;
    assert_eq!(status, 422);
    assert!(
        refused["error"]["message"]
            .as_str()
            .unwrap()
            .contains("the most is 8 MB"),
        "{refused}"
    );
    let read_only = key_of(&app, "read").await;
    assert_eq!(upload(&app, &read_only, "cake.jpg", jpeg()).await.0, 403);
    // Announced as larger than any upload: refused before it is read.
    let res = reqwest::Client::new()
        .post(app.url("/api/v1/media"))
        .bearer_auth(&key)
        .header("content-length", (100 * 1024 * 1024 + 1).to_string())
        .body(vec![0u8; 16])
        .send()
        .await;
    if let Ok(res) = res {
        assert_eq!(res.status().as_u16(), 413);
    }

    assert_eq!(app.count("select count(*) from social_media").await, 2);
    let tenant = app.me().await["workspace"]["id"].as_str().unwrap().to_string();
    let files = std::fs::read_dir(media_dir_for(&app.database_url).join(tenant))
        .unwrap()
        .count();
    assert_eq!(files, 2, "only what was kept is on disk");
}
