//! `POST /wxa/getwxacodeunlimit?access_token=`: a real PNG (a QR code of the page and the
//! scene) on success, a JSON error otherwise, as WeChat answers.
//! Doc: <https://developers.weixin.qq.com/miniprogram/dev/OpenApiDoc/qrcode-link/qr-code/getUnlimitedQRCode.html>

use std::io::Cursor;
use std::sync::Arc;

use axum::body::Bytes;
use axum::http::{header, Method};
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use axum::Router;
use image::{ImageFormat, Luma};
use qrcode::QrCode;
use serde_json::{Map, Value};
use wxbase_wechat::api::wxacode::{is_valid_scene, MAX_SCENE_CHARS};

use super::caller::CallerApp;
use super::reply::{self, WxError};
use super::request::json_object;
use crate::state::EmulatorState;

/// The widths WeChat draws, in pixels.
const WIDTHS: std::ops::RangeInclusive<u64> = 280..=1280;

pub fn router() -> Router<Arc<EmulatorState>> {
    Router::new().route("/wxa/getwxacodeunlimit", any(get_wxacode_unlimit))
}

/// Checks the method, the token, then the body: `scene` (40169 when longer than 32
/// characters, 40097 when empty or with other characters), `page` (40097 with a leading `/`
/// or a query), `width` (40097 outside 280-1280), `env_version` (40097 if unknown).
async fn get_wxacode_unlimit(
    caller: Result<CallerApp, WxError>,
    method: Method,
    body: Bytes,
) -> Response {
    if method != Method::POST {
        return reply::REQUIRE_POST.into_response();
    }
    let drawn = caller
        .and_then(|_| json_object(&body))
        .and_then(|request| draw(&request));
    match drawn {
        Ok(png) => ([(header::CONTENT_TYPE, "image/png")], png).into_response(),
        Err(error) => error.into_response(),
    }
}

fn draw(request: &Map<String, Value>) -> Result<Vec<u8>, WxError> {
    let scene = request.get("scene").and_then(Value::as_str).unwrap_or("");
    if scene.chars().count() > MAX_SCENE_CHARS {
        return Err(reply::SCENE_TOO_LONG);
    }
    if !is_valid_scene(scene) {
        return Err(reply::INVALID_ARGS);
    }
    let page = match request.get("page") {
        None => "",
        Some(Value::String(page)) if !page.starts_with('/') && !page.contains('?') => page,
        Some(_) => return Err(reply::INVALID_ARGS),
    };
    let width = match request.get("width") {
        None => 430,
        Some(width) => width
            .as_u64()
            .filter(|width| WIDTHS.contains(width))
            .ok_or(reply::INVALID_ARGS)?,
    };
    match request.get("env_version").map(Value::as_str) {
        None | Some(Some("release" | "trial" | "develop")) => {}
        Some(_) => return Err(reply::INVALID_ARGS),
    }
    let code =
        QrCode::new(format!("{page}?scene={scene}").as_bytes()).map_err(|_| reply::INVALID_ARGS)?;
    let side = u32::try_from(width).unwrap_or(430);
    let image = code.render::<Luma<u8>>().min_dimensions(side, side).build();
    let mut png = Cursor::new(Vec::new());
    image
        .write_to(&mut png, ImageFormat::Png)
        .map_err(|_| reply::SYSTEM_ERROR)?;
    Ok(png.into_inner())
}
