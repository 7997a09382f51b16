//! Files over HTTP, as a mini-program uses them: `wx.uploadFile`'s multipart upload, downloads
//! with the session token and with signed URLs (valid, tampered, expired), ranges, ETags,
//! thumbnails, permission modes across two users, deleting, admin bucket routes, every bad
//! input, and the sweep of bytes that no row names.

use std::io::Cursor;
use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;
use object_store::path::Path as ObjectPath;
use object_store::{ObjectStore, PutPayload};

use reqwest::multipart::{Form, Part};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use wxbase_core::collections::{DocumentId, IdGenerator};
use wxbase_core::files::{storage, FileService, UrlSigner};
use wxbase_core::Timestamp;

use crate::helpers::{assert_failure, envelope_of, TestApp, ADMIN_TOKEN, URL_KEY};

/// A PNG of `width`×`height`.
pub fn png(width: u32, height: u32) -> Vec<u8> {
    let image = image::RgbImage::from_fn(width, height, |x, y| {
        image::Rgb([(x % 256) as u8, (y % 256) as u8, 90])
    });
    let mut out = Cursor::new(Vec::new());
    image
        .write_to(&mut out, image::ImageFormat::Png)
        .expect("png");
    out.into_inner()
}

/// A JPEG of `width`×`height`.
fn jpeg(width: u32, height: u32) -> Vec<u8> {
    let image = image::RgbImage::from_pixel(width, height, image::Rgb([10, 120, 200]));
    let mut out = Cursor::new(Vec::new());
    image
        .write_to(&mut out, image::ImageFormat::Jpeg)
        .expect("jpeg");
    out.into_inner()
}

impl TestApp {
    /// Creates a bucket through the admin API and asserts it worked.
    pub async fn create_bucket(&self, body: Value) -> Value {
        let answer = self
            .request(Method::POST, "/admin/api/buckets", ADMIN_TOKEN, Some(body))
            .await;
        assert_eq!(answer["code"], 1, "{answer}");
        answer["data"].clone()
    }

    /// Sends `form` to `POST /api/files` as `token`; the envelope.
    pub async fn upload_form(&self, token: &str, form: Form) -> Value {
        let response = self
            .http
            .post(format!("{}/api/files", self.base_url))
            .bearer_auth(token)
            .multipart(form)
            .send()
            .await
            .expect("wxbase answers");
        envelope_of(response).await
    }

    /// Uploads `bytes` as `name` into `bucket`, as `wx.uploadFile` would.
    pub async fn upload(&self, token: &str, bucket: &str, name: &str, bytes: Vec<u8>) -> Value {
        let form = Form::new()
            .text("bucket", bucket.to_owned())
            .part("file", Part::bytes(bytes).file_name(name.to_owned()));
        self.upload_form(token, form).await
    }

    /// Uploads and asserts it worked; the file.
    pub async fn upload_ok(&self, token: &str, bucket: &str, bytes: Vec<u8>) -> Value {
        let answer = self.upload(token, bucket, "photo.png", bytes).await;
        assert_eq!(answer["code"], 1, "{answer}");
        answer["data"].clone()
    }

    /// GETs `url` (absolute, or a path of wxbase) with optional token and headers.
    pub async fn fetch(
        &self,
        url: &str,
        token: Option<&str>,
        headers: &[(&str, &str)],
    ) -> reqwest::Response {
        let url = if url.starts_with("http") {
            url.to_owned()
        } else {
            format!("{}{url}", self.base_url)
        };
        let mut request = self.http.get(url);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        request.send().await.expect("wxbase answers")
    }

    /// The file storage this app's instances use.
    fn storage(&self) -> Arc<dyn ObjectStore> {
        storage::open(&self.files.storage).expect("storage opens")
    }

    /// Every object in the app's file storage (`blobs/<id>`, `thumbs/<id>/<size>`).
    async fn blobs(&self) -> Vec<String> {
        let mut listed: Vec<String> = self
            .storage()
            .list(None)
            .map(|meta| meta.expect("listed").location.to_string())
            .collect()
            .await;
        listed.sort();
        listed
    }
}

async fn upload_download_and_signed_urls(app: TestApp) {
    app.create_bucket(
        json!({"name": "photos", "permission": "read_all_write_own", "types": ["image/*"]}),
    )
    .await;
    let alice = app.login_as("alice").await;
    let me = app.with_token(Method::GET, "/api/me", &alice).await;
    let bytes = png(64, 32);

    // The bucket field may come after the file, as any form order.
    let form = Form::new()
        .part(
            "file",
            Part::bytes(bytes.clone())
                .file_name("猫 cat.png")
                .mime_str("text/html")
                .expect("mime"),
        )
        .text("bucket", "photos");
    let answer = app.upload_form(&alice, form).await;
    assert_eq!(answer["code"], 1, "{answer}");
    let file = &answer["data"];
    assert_eq!(file["bucket"], "photos");
    assert_eq!(file["size"], bytes.len());
    assert_eq!(
        file["contentType"], "image/png",
        "the type comes from the bytes"
    );
    assert_eq!(file["name"], "猫 cat.png");
    assert_eq!(file["_openid"], me["data"]["openid"]);
    assert!(file["createdAt"].as_str().is_some_and(|t| t.ends_with('Z')));
    assert!(file["urlExpiresAt"].as_str().is_some());
    let id = file["id"].as_str().expect("id");
    let url = file["url"].as_str().expect("url");
    assert!(url.starts_with(&app.base_url), "{url}");

    // With the session token.
    let response = app
        .fetch(&format!("/api/files/{id}"), Some(&alice), &[])
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let headers = response.headers().clone();
    assert_eq!(headers["content-type"], "image/png");
    assert_eq!(headers["x-content-type-options"], "nosniff");
    let disposition = headers["content-disposition"].to_str().expect("ascii");
    assert!(
        disposition.starts_with("inline; filename=\"__cat.png\""),
        "{disposition}"
    );
    assert!(
        disposition.contains("filename*=UTF-8''%E7%8C%AB%20cat%2Epng"),
        "{disposition}"
    );
    let etag = headers["etag"].to_str().expect("etag").to_owned();
    assert!(headers["cache-control"]
        .to_str()
        .expect("ascii")
        .contains("private"));
    assert_eq!(
        response.bytes().await.expect("body").as_ref(),
        bytes.as_slice()
    );

    // Unchanged: 304.
    let response = app
        .fetch(
            &format!("/api/files/{id}"),
            Some(&alice),
            &[("if-none-match", &etag)],
        )
        .await;
    assert_eq!(response.status(), StatusCode::NOT_MODIFIED);

    // A range.
    let response = app
        .fetch(
            &format!("/api/files/{id}"),
            Some(&alice),
            &[("range", "bytes=1-3")],
        )
        .await;
    assert_eq!(response.status(), StatusCode::PARTIAL_CONTENT);
    assert_eq!(
        response.headers()["content-range"],
        format!("bytes 1-3/{}", bytes.len()).as_str()
    );
    assert_eq!(response.bytes().await.expect("body").as_ref(), &bytes[1..4]);
    let response = app
        .fetch(
            &format!("/api/files/{id}"),
            Some(&alice),
            &[("range", "bytes=999999-")],
        )
        .await;
    assert_eq!(response.status(), StatusCode::RANGE_NOT_SATISFIABLE);

    // The signed URL works without any header.
    let response = app.fetch(url, None, &[]).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.headers()["cache-control"]
        .to_str()
        .expect("ascii")
        .contains("max-age="));
    assert_eq!(
        response.bytes().await.expect("body").as_ref(),
        bytes.as_slice()
    );

    // Tampered: another signature, another expiry, another file.
    let tampered = [
        url.replace("sig=", "sig=A"),
        url.replace("expires=", "expires=9"),
        url.replace(
            id,
            &DocumentId::parse("01J00000000000000000000000")
                .expect("id")
                .to_string(),
        ),
    ];
    for bad in &tampered {
        let response = app.fetch(bad, None, &[]).await;
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "{bad}");
        let body = response.bytes().await.expect("body");
        assert!(
            !body.windows(4).any(|w| w == b"\x89PNG"),
            "no bytes of the file"
        );
        let answer: Value = serde_json::from_slice(&body).expect("envelope");
        assert_failure(&answer, "forbidden");
    }

    // Expired, though correctly signed.
    let past = Timestamp::now().as_millis() / 1000 - 10;
    let signature = UrlSigner::new(URL_KEY.as_bytes()).sign(id, past);
    let expired = format!("/api/files/{id}?expires={past}&sig={signature}");
    let response = app.fetch(&expired, None, &[]).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);

    // Fresh URLs for several ids; unknown ones get none.
    let answer = app
        .request(
            Method::POST,
            "/api/files/urls",
            &alice,
            Some(json!({"ids": [id, "01J00000000000000000000000", "nonsense"]})),
        )
        .await;
    assert_eq!(answer["code"], 1, "{answer}");
    let urls = answer["data"].as_array().expect("list");
    assert_eq!(urls.len(), 3);
    assert_eq!(urls[0]["id"], id);
    let fresh = urls[0]["url"].as_str().expect("a url");
    assert_eq!(app.fetch(fresh, None, &[]).await.status(), StatusCode::OK);
    assert!(urls[1]["url"].is_null() && urls[2]["url"].is_null());
    let too_many: Vec<String> = (0..51).map(|_| id.to_owned()).collect();
    let answer = app
        .request(
            Method::POST,
            "/api/files/urls",
            &alice,
            Some(json!({"ids": too_many})),
        )
        .await;
    assert_failure(&answer, "bad_request");

    // Without a token.
    let answer = envelope_of(app.fetch(&format!("/api/files/{id}"), None, &[]).await).await;
    assert_failure(&answer, "unauthorized");
}

async fn thumbnails_are_made_once_and_served(app: TestApp) {
    app.create_bucket(json!({"name": "photos", "types": ["image/*"]}))
        .await;
    let alice = app.login_as("alice").await;
    for (bytes, kind) in [(png(400, 200), "image/png"), (jpeg(400, 200), "image/jpeg")] {
        let file = app.upload_ok(&alice, "photos", bytes).await;
        let id = file["id"].as_str().expect("id");
        let url = file["url"].as_str().expect("url");
        for (size, expected) in [
            ("100x100", (100, 100)),
            ("100x100f", (100, 50)),
            ("750x0", (750, 375)),
        ] {
            let response = app.fetch(&format!("{url}&thumb={size}"), None, &[]).await;
            assert_eq!(response.status(), StatusCode::OK, "{size}");
            assert_eq!(response.headers()["content-type"], kind);
            let body = response.bytes().await.expect("body");
            let thumb = image::load_from_memory(&body).expect("an image");
            assert_eq!((thumb.width(), thumb.height()), expected, "{size}");
        }
        let cached: Vec<String> = app
            .blobs()
            .await
            .into_iter()
            .filter(|p| p.contains(&format!("thumbs/{id}/")))
            .collect();
        assert_eq!(cached.len(), 3, "{cached:?}");
        // With the session token too, and the same bytes from the cache.
        let first = app
            .fetch(&format!("/api/files/{id}?thumb=300x300"), Some(&alice), &[])
            .await;
        let etag = first.headers()["etag"].to_str().expect("etag").to_owned();
        let first = first.bytes().await.expect("body");
        let again = app
            .fetch(&format!("/api/files/{id}?thumb=300x300"), Some(&alice), &[])
            .await;
        assert_eq!(again.headers()["etag"].to_str().expect("etag"), etag);
        assert_eq!(again.bytes().await.expect("body"), first);
        // Only configured sizes.
        let answer = envelope_of(app.fetch(&format!("{url}&thumb=50x50"), None, &[]).await).await;
        assert_failure(&answer, "bad_request");
    }
    // Not of other files.
    app.create_bucket(json!({"name": "docs"})).await;
    let file = app
        .upload_ok(&alice, "docs", b"%PDF-1.4 a pdf".to_vec())
        .await;
    assert_eq!(file["contentType"], "application/pdf");
    let url = file["url"].as_str().expect("url");
    let answer = envelope_of(app.fetch(&format!("{url}&thumb=100x100"), None, &[]).await).await;
    assert_failure(&answer, "bad_request");
    let response = app.fetch(url, None, &[]).await;
    assert!(response.headers()["content-disposition"]
        .to_str()
        .expect("ascii")
        .starts_with("attachment"));
}

async fn permission_modes_hold_across_two_users(app: TestApp) {
    for (name, mode) in [
        ("shared", "read_all_write_own"),
        ("private", "own_only"),
        ("official", "read_all_admin_write"),
        ("secret", "admin_only"),
    ] {
        app.create_bucket(json!({"name": name, "permission": mode}))
            .await;
    }
    let alice = app.login_as("alice").await;
    let bob = app.login_as("bob").await;
    let data = png(8, 8);

    // read_all_write_own: everyone reads, only the owner deletes.
    let shared = app.upload_ok(&alice, "shared", data.clone()).await;
    let path = format!("/api/files/{}", shared["id"].as_str().expect("id"));
    assert_eq!(
        app.fetch(&path, Some(&bob), &[]).await.status(),
        StatusCode::OK
    );
    let answer = app.request(Method::DELETE, &path, &bob, None).await;
    assert_failure(&answer, "forbidden");
    let answer = app.request(Method::DELETE, &path, &alice, None).await;
    assert_eq!(answer["code"], 1, "{answer}");
    let answer = envelope_of(app.fetch(&path, Some(&alice), &[]).await).await;
    assert_failure(&answer, "not_found");
    let gone = app
        .fetch(shared["url"].as_str().expect("url"), None, &[])
        .await;
    assert_eq!(gone.status(), StatusCode::NOT_FOUND);

    // own_only: others cannot even see it.
    let private = app.upload_ok(&alice, "private", data.clone()).await;
    let id = private["id"].as_str().expect("id");
    let path = format!("/api/files/{id}");
    let answer = envelope_of(app.fetch(&path, Some(&bob), &[]).await).await;
    assert_failure(&answer, "not_found");
    let answer = app.request(Method::DELETE, &path, &bob, None).await;
    assert_failure(&answer, "not_found");
    let answer = app
        .request(
            Method::POST,
            "/api/files/urls",
            &bob,
            Some(json!({"ids": [id]})),
        )
        .await;
    assert!(answer["data"][0]["url"].is_null(), "{answer}");
    assert_eq!(
        app.fetch(&path, Some(&alice), &[]).await.status(),
        StatusCode::OK
    );
    // Admins see and delete anything.
    assert_eq!(
        app.fetch(&path, Some(ADMIN_TOKEN), &[]).await.status(),
        StatusCode::OK
    );
    let answer = app.request(Method::DELETE, &path, ADMIN_TOKEN, None).await;
    assert_eq!(answer["code"], 1, "{answer}");

    // read_all_admin_write and admin_only: users cannot upload.
    for bucket in ["official", "secret"] {
        let answer = app.upload(&alice, bucket, "a.png", data.clone()).await;
        assert_failure(&answer, "forbidden");
    }
    let official = app.upload_ok(ADMIN_TOKEN, "official", data.clone()).await;
    assert!(official["_openid"].is_null());
    let path = format!("/api/files/{}", official["id"].as_str().expect("id"));
    assert_eq!(
        app.fetch(&path, Some(&bob), &[]).await.status(),
        StatusCode::OK
    );
    let answer = app.request(Method::DELETE, &path, &bob, None).await;
    assert_failure(&answer, "forbidden");
    let secret = app.upload_ok(ADMIN_TOKEN, "secret", data).await;
    let path = format!("/api/files/{}", secret["id"].as_str().expect("id"));
    let answer = envelope_of(app.fetch(&path, Some(&bob), &[]).await).await;
    assert_failure(&answer, "not_found");
    // Only the admin's files are left.
    let blobs: Vec<String> = app
        .blobs()
        .await
        .into_iter()
        .filter(|p| p.starts_with("blobs/"))
        .collect();
    assert_eq!(blobs.len(), 2, "{blobs:?}");
}

async fn admins_manage_buckets_and_list_files(app: TestApp) {
    let created = app
        .create_bucket(json!({"name": "avatars", "permission": "own_only", "maxBytes": 1000, "types": ["image/png", "image/jpeg"]}))
        .await;
    assert_eq!(created["permission"], "own_only");
    assert_eq!(created["maxBytes"], 1000);
    assert_eq!(created["types"], json!(["image/png", "image/jpeg"]));
    let again = app
        .request(
            Method::POST,
            "/admin/api/buckets",
            ADMIN_TOKEN,
            Some(json!({"name": "avatars"})),
        )
        .await;
    assert_failure(&again, "conflict");
    for bad in [
        json!({"name": "Bad Name"}),
        json!({"name": "x", "permission": "public"}),
        json!({"name": "x", "types": ["png"]}),
    ] {
        let answer = app
            .request(Method::POST, "/admin/api/buckets", ADMIN_TOKEN, Some(bad))
            .await;
        assert_failure(&answer, "bad_request");
    }
    let alice = app.login_as("alice").await;
    let answer = app
        .request(Method::GET, "/admin/api/buckets", &alice, None)
        .await;
    assert_failure(&answer, "unauthorized");

    let changed = app
        .request(
            Method::PATCH,
            "/admin/api/buckets/avatars",
            ADMIN_TOKEN,
            Some(json!({"permission": "read_all_write_own", "maxBytes": null})),
        )
        .await;
    assert_eq!(
        changed["data"]["permission"], "read_all_write_own",
        "{changed}"
    );
    assert!(changed["data"]["maxBytes"].is_null());
    let listed = app
        .request(Method::GET, "/admin/api/buckets", ADMIN_TOKEN, None)
        .await;
    assert_eq!(listed["data"].as_array().map(Vec::len), Some(1));
    let shown = app
        .request(Method::GET, "/admin/api/buckets/avatars", ADMIN_TOKEN, None)
        .await;
    assert_eq!(shown["data"]["name"], "avatars");
    let missing = app
        .request(Method::GET, "/admin/api/buckets/nope", ADMIN_TOKEN, None)
        .await;
    assert_failure(&missing, "unknown_bucket");

    // Paging by owner with a cursor.
    let bob = app.login_as("bob").await;
    let mut alices = Vec::new();
    for _ in 0..3 {
        alices.push(app.upload_ok(&alice, "avatars", png(4, 4)).await["id"].clone());
        app.upload_ok(&bob, "avatars", png(4, 4)).await;
    }
    let me = app.with_token(Method::GET, "/api/me", &alice).await;
    let openid = me["data"]["openid"].as_str().expect("openid");
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut path = format!("/admin/api/buckets/avatars/files?owner={openid}&limit=2");
        if let Some(cursor) = &cursor {
            path.push_str(&format!("&cursor={cursor}"));
        }
        let page = app.request(Method::GET, &path, ADMIN_TOKEN, None).await;
        assert_eq!(page["code"], 1, "{page}");
        for file in page["data"]["files"].as_array().expect("files") {
            assert_eq!(file["_openid"], openid);
            seen.push(file["id"].clone());
        }
        match page["data"]["cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    assert_eq!(seen, alices);
    let all = app
        .request(
            Method::GET,
            "/admin/api/buckets/avatars/files",
            ADMIN_TOKEN,
            None,
        )
        .await;
    assert_eq!(all["data"]["files"].as_array().map(Vec::len), Some(6));

    // Deleting the bucket deletes its files, rows and bytes.
    let deleted = app
        .request(
            Method::DELETE,
            "/admin/api/buckets/avatars",
            ADMIN_TOKEN,
            None,
        )
        .await;
    assert_eq!(deleted["data"]["files"], 6, "{deleted}");
    let path = format!("/api/files/{}", alices[0].as_str().expect("id"));
    let answer = envelope_of(app.fetch(&path, Some(&alice), &[]).await).await;
    assert_failure(&answer, "not_found");
    assert!(
        app.blobs().await.iter().all(|p| !p.starts_with("blobs/")),
        "{:?}",
        app.blobs().await
    );
    let answer = app
        .request(
            Method::DELETE,
            "/admin/api/buckets/avatars",
            ADMIN_TOKEN,
            None,
        )
        .await;
    assert_failure(&answer, "unknown_bucket");
}

async fn bad_uploads_are_refused_and_store_nothing(app: TestApp) {
    app.create_bucket(json!({"name": "photos", "types": ["image/*"]}))
        .await;
    app.create_bucket(json!({"name": "small", "maxBytes": 1000}))
        .await;
    let alice = app.login_as("alice").await;
    let limit = 256 * 1024;

    let mut big_png = png(4, 4);
    big_png.resize(limit + 1, 0);
    let refusals: Vec<(Form, &str)> = vec![
        // Over files.max_upload_bytes, and over the bucket's maxBytes.
        (
            Form::new()
                .text("bucket", "photos")
                .part("file", Part::bytes(big_png)),
            "payload_too_large",
        ),
        (
            Form::new()
                .part("file", Part::bytes(vec![7u8; limit + 1]))
                .text("bucket", "small"),
            "payload_too_large",
        ),
        (
            Form::new()
                .text("bucket", "small")
                .part("file", Part::bytes(vec![7u8; 1001])),
            "payload_too_large",
        ),
        // A type the bucket refuses, whatever the client claims.
        (
            Form::new().text("bucket", "photos").part(
                "file",
                Part::bytes(b"<html><script>x</script>".to_vec())
                    .file_name("a.png")
                    .mime_str("image/png")
                    .expect("mime"),
            ),
            "unsupported_type",
        ),
        // No file, no bucket, an unknown bucket, an empty file.
        (Form::new().text("bucket", "photos"), "bad_request"),
        (
            Form::new().part("file", Part::bytes(png(4, 4))),
            "bad_request",
        ),
        (
            Form::new()
                .text("bucket", "nope")
                .part("file", Part::bytes(png(4, 4))),
            "unknown_bucket",
        ),
        (
            Form::new()
                .text("bucket", "small")
                .part("file", Part::bytes(Vec::new()).file_name("empty.txt")),
            "bad_request",
        ),
        // Names with path separators or control characters.
        (
            Form::new()
                .text("bucket", "small")
                .part("file", Part::bytes(png(4, 4)).file_name("../../etc/passwd")),
            "bad_request",
        ),
        (
            Form::new()
                .text("bucket", "small")
                .part("file", Part::bytes(png(4, 4)).file_name("a\\b.png")),
            "bad_request",
        ),
        (
            Form::new()
                .text("bucket", "small")
                .part("file", Part::bytes(png(4, 4)).file_name("a\u{7}.png")),
            "bad_request",
        ),
    ];
    for (n, (form, error)) in refusals.into_iter().enumerate() {
        let answer = app.upload_form(&alice, form).await;
        assert_eq!(answer["error"], error, "case {n}: {answer}");
        assert_failure(&answer, error);
    }
    // Files much larger than the limit are answered in the envelope, not with a reset.
    let huge = Form::new()
        .text("bucket", "small")
        .part("file", Part::bytes(vec![1u8; 8 * 1024 * 1024]));
    assert_failure(&app.upload_form(&alice, huge).await, "payload_too_large");

    // Not multipart, truncated, malformed.
    let post = |content_type: &str, body: Vec<u8>| {
        app.http
            .post(format!("{}/api/files", app.base_url))
            .bearer_auth(&alice)
            .header("content-type", content_type.to_owned())
            .body(body)
            .send()
    };
    let mut truncated = b"--XyZ\r\nContent-Disposition: form-data; name=\"bucket\"\r\n\r\nsmall\r\n--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.bin\"\r\n\r\n".to_vec();
    truncated.extend_from_slice(&[5u8; 5000]);
    let malformed = [
        ("application/json", b"{}".to_vec()),
        ("multipart/form-data; boundary=XyZ", truncated),
        ("multipart/form-data; boundary=XyZ", b"garbage".to_vec()),
        ("multipart/form-data", b"--x\r\n".to_vec()),
    ];
    for (content_type, body) in malformed {
        let answer = envelope_of(post(content_type, body).await.expect("answer")).await;
        assert_failure(&answer, "bad_request");
    }
    // No session.
    let form = Form::new()
        .text("bucket", "small")
        .part("file", Part::bytes(png(4, 4)));
    assert_failure(&app.upload_form("not-a-token", form).await, "unauthorized");

    // Nothing was stored: no row, no bytes.
    let listed = app
        .request(
            Method::GET,
            "/admin/api/buckets/small/files",
            ADMIN_TOKEN,
            None,
        )
        .await;
    assert_eq!(listed["data"]["files"], json!([]), "{listed}");
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(app.blobs().await.is_empty(), "{:?}", app.blobs().await);

    // And a good upload still works.
    app.upload_ok(&alice, "small", b"plain text".to_vec()).await;
}

async fn the_sweep_deletes_bytes_no_row_names(app: TestApp) {
    app.create_bucket(json!({"name": "photos"})).await;
    let alice = app.login_as("alice").await;
    let kept = app.upload_ok(&alice, "photos", png(8, 8)).await;
    let kept_url = kept["url"].as_str().expect("url").to_owned();
    app.fetch(&format!("{kept_url}&thumb=100x100"), None, &[])
        .await;
    // Bytes left by a crash between writing them and inserting the row, and a thumbnail of
    // a file whose row is gone.
    let orphan = IdGenerator::default().next_id(Timestamp::now());
    let objects = app.storage();
    for (path, bytes) in [
        (format!("blobs/{orphan}"), &b"half-done"[..]),
        (format!("thumbs/{orphan}/100x100"), &b"thumb"[..]),
    ] {
        objects
            .put(&ObjectPath::from(path), PutPayload::from_static(bytes))
            .await
            .expect("put");
    }

    let service = FileService::open(
        app.db.store.clone(),
        app.files.clone(),
        app.files_dir.path(),
    )
    .expect("opens");
    // Within the grace period nothing is touched.
    assert_eq!(
        service
            .sweep_orphans(Duration::from_secs(3600))
            .await
            .expect("sweeps"),
        0
    );
    assert_eq!(
        service.sweep_orphans(Duration::ZERO).await.expect("sweeps"),
        2
    );
    let left = app.blobs().await;
    assert!(
        left.iter().all(|p| !p.contains(orphan.as_str())),
        "{left:?}"
    );
    assert_eq!(left.len(), 2, "the kept file and its thumbnail: {left:?}");
    assert_eq!(
        app.fetch(&kept_url, None, &[]).await.status(),
        StatusCode::OK
    );
}

wxbase_store::on_both_backends!(
    setup = crate::helpers::TestApp::spawn;
    upload_download_and_signed_urls,
    thumbnails_are_made_once_and_served,
    permission_modes_hold_across_two_users,
    admins_manage_buckets_and_list_files,
    bad_uploads_are_refused_and_store_nothing,
    the_sweep_deletes_bytes_no_row_names,
);

/// The same cases with the bytes in S3 (a real S3 API server: `scripts/s3-server`).
mod s3 {
    use super::*;
    use crate::helpers::Options;

    fn s3_options() -> Options {
        Options {
            s3: true,
            ..Options::default()
        }
    }

    wxbase_store::on_both_backends!(
        setup = |backend| crate::helpers::TestApp::spawn_with(backend, s3_options());
        upload_download_and_signed_urls,
        thumbnails_are_made_once_and_served,
        permission_modes_hold_across_two_users,
        admins_manage_buckets_and_list_files,
        bad_uploads_are_refused_and_store_nothing,
        the_sweep_deletes_bytes_no_row_names,
    );
}
