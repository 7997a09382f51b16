//! The console's languages: English and Simplified Chinese, each one catalogue of every
//! string (`i18n/en.rs`, `i18n/zh_cn.rs`). The language cookie wins, then the browser's
//! `Accept-Language`, then English.

#[path = "i18n/en.rs"]
mod en;
#[path = "i18n/zh_cn.rs"]
mod zh_cn;

use axum::extract::{Path, Query};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::security::{came_over_https, cookie, set_cookie, LANGUAGE_COOKIE};

/// A console language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    /// English.
    En,
    /// Simplified Chinese.
    ZhCn,
}

impl Lang {
    /// Every language, as offered by the switcher.
    pub const ALL: [Lang; 2] = [Lang::En, Lang::ZhCn];

    /// The language's tag (`en`, `zh-CN`).
    pub fn tag(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::ZhCn => "zh-CN",
        }
    }

    /// The language's name in itself.
    pub fn name(self) -> &'static str {
        match self {
            Lang::En => "English",
            Lang::ZhCn => "简体中文",
        }
    }

    /// A tag's language, if the console has it.
    pub fn from_tag(tag: &str) -> Option<Lang> {
        let tag = tag.trim().to_ascii_lowercase();
        if tag == "zh" || tag.starts_with("zh-") {
            Some(Lang::ZhCn)
        } else if tag == "en" || tag.starts_with("en-") {
            Some(Lang::En)
        } else {
            None
        }
    }

    /// The language of a request: the cookie, else the first `Accept-Language` tag the
    /// console has (by quality), else English.
    pub fn of(headers: &HeaderMap) -> Lang {
        if let Some(lang) = cookie(headers, LANGUAGE_COOKIE).and_then(|c| Lang::from_tag(&c)) {
            return lang;
        }
        let accepted = headers
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        let mut tags: Vec<(f32, &str)> = accepted
            .split(',')
            .map(|part| {
                let mut pieces = part.split(';');
                let tag = pieces.next().unwrap_or_default();
                let quality = pieces
                    .find_map(|p| p.trim().strip_prefix("q="))
                    .and_then(|q| q.parse::<f32>().ok())
                    .unwrap_or(1.0);
                (quality, tag)
            })
            .collect();
        tags.sort_by(|a, b| b.0.total_cmp(&a.0));
        tags.iter()
            .find_map(|(_, tag)| Lang::from_tag(tag))
            .unwrap_or(Lang::En)
    }

    /// The string `key` in this language (English when missing, the key itself if unknown).
    pub fn t(self, key: &str) -> &'static str {
        let find = |catalogue: &'static [(&'static str, &'static str)]| {
            catalogue.iter().find(|(k, _)| *k == key).map(|(_, v)| *v)
        };
        let found = match self {
            Lang::En => find(en::STRINGS),
            Lang::ZhCn => find(zh_cn::STRINGS).or_else(|| find(en::STRINGS)),
        };
        found.unwrap_or("??")
    }

    /// The string `key` with `{}` replaced by each argument in turn.
    pub fn tf(self, key: &str, args: &[&str]) -> String {
        let mut text = self.t(key).to_owned();
        for arg in args {
            text = text.replacen("{}", arg, 1);
        }
        text
    }
}

#[derive(Deserialize)]
pub struct Back {
    back: Option<String>,
}

/// A path inside the console to return to (anything else: the dashboard).
pub fn console_path(path: Option<&str>) -> &str {
    match path {
        Some(p) if p.starts_with("/admin") && !p.contains("//") && !p.contains('\\') => p,
        _ => "/admin",
    }
}

/// `GET /admin/language/{tag}?back=PATH`: keeps the language in a cookie, then goes back.
pub async fn switch(
    Path(tag): Path<String>,
    Query(back): Query<Back>,
    headers: HeaderMap,
) -> Response {
    let Some(lang) = Lang::from_tag(&tag) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let secure = came_over_https(&headers);
    (
        StatusCode::SEE_OTHER,
        [
            (
                header::SET_COOKIE,
                set_cookie(LANGUAGE_COOKIE, lang.tag(), 365 * 24 * 3600, secure),
            ),
            (
                header::LOCATION,
                axum::http::HeaderValue::from_str(console_path(back.back.as_deref()))
                    .unwrap_or_else(|_| axum::http::HeaderValue::from_static("/admin")),
            ),
        ],
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    fn keys(catalogue: &[(&str, &str)]) -> BTreeSet<String> {
        catalogue.iter().map(|(k, _)| (*k).to_owned()).collect()
    }

    #[test]
    fn both_catalogues_have_the_same_keys_once() {
        assert_eq!(keys(en::STRINGS), keys(zh_cn::STRINGS));
        assert_eq!(
            keys(en::STRINGS).len(),
            en::STRINGS.len(),
            "a key twice in en"
        );
        assert_eq!(
            keys(zh_cn::STRINGS).len(),
            zh_cn::STRINGS.len(),
            "a key twice in zh-CN"
        );
    }

    #[test]
    fn every_key_the_pages_use_is_in_the_catalogue() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/console");
        let known = keys(en::STRINGS);
        let pattern = regex_lite_keys();
        let mut missing = Vec::new();
        for path in walk(&dir) {
            let text = std::fs::read_to_string(&path).expect("source");
            for key in pattern(&text) {
                if !known.contains(&key) {
                    missing.push(format!("{}: {key}", path.display()));
                }
            }
        }
        assert!(
            missing.is_empty(),
            "keys missing from the catalogue: {missing:#?}"
        );
    }

    /// The keys passed to the two translation functions.
    fn regex_lite_keys() -> impl Fn(&str) -> Vec<String> {
        |text: &str| {
            let mut found = Vec::new();
            for opener in [".t(\"", ".tf(\""] {
                let mut rest = text;
                while let Some(at) = rest.find(opener) {
                    rest = &rest[at + opener.len()..];
                    if let Some(end) = rest.find('"') {
                        found.push(rest[..end].to_owned());
                    }
                }
            }
            found
        }
    }

    fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
        let mut files = Vec::new();
        for entry in std::fs::read_dir(dir).expect("dir").flatten() {
            let path = entry.path();
            if path.is_dir() {
                files.extend(walk(&path));
            } else if path.extension().is_some_and(|e| e == "rs") {
                files.push(path);
            }
        }
        files
    }

    #[test]
    fn the_cookie_wins_then_the_browser() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::ACCEPT_LANGUAGE,
            "fr;q=1, zh-CN;q=0.9, en;q=0.8".parse().expect("header"),
        );
        assert_eq!(Lang::of(&headers), Lang::ZhCn);
        headers.insert(header::COOKIE, "wxbase_lang=en".parse().expect("header"));
        assert_eq!(Lang::of(&headers), Lang::En);
        assert_eq!(Lang::of(&HeaderMap::new()), Lang::En);
    }
}
