//! The page shell (navigation, language switch, notices) and the small widgets every page
//! uses: CSRF fields, one-button forms, empty states, times, bar charts.

use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use maud::{html, Markup, DOCTYPE};
use wxbase_core::console::AdminSession;
use wxbase_core::Timestamp;

use super::i18n::Lang;
use super::session::form_urlencoded_pair;

/// What a signed-in page knows about its request.
pub struct Ctx {
    /// The page's language.
    pub lang: Lang,
    /// Who is signed in.
    pub session: AdminSession,
    /// The path and query of the page.
    pub path: String,
    /// A notice to show (a catalogue key), after a change.
    pub notice: Option<String>,
    /// An error to show, after a refused change.
    pub error: Option<String>,
}

impl Ctx {
    /// The string `key` in the page's language.
    pub fn t(&self, key: &str) -> &'static str {
        self.lang.t(key)
    }

    /// The string `key` with its `{}` filled in.
    pub fn tf(&self, key: &str, args: &[&str]) -> String {
        self.lang.tf(key, args)
    }
}

/// The navigation: path and catalogue key.
const NAV: &[(&str, &str)] = &[
    ("/admin", "nav.dashboard"),
    ("/admin/users", "nav.users"),
    ("/admin/messages", "nav.messages"),
    ("/admin/rules", "nav.rules"),
    ("/admin/outbox", "nav.outbox"),
    ("/admin/collections", "nav.collections"),
    ("/admin/files", "nav.files"),
    ("/admin/moderation", "nav.moderation"),
    ("/admin/followers", "nav.followers"),
    ("/admin/tokens", "nav.tokens"),
    ("/admin/settings", "nav.settings"),
    ("/admin/subscriptions", "nav.subscriptions"),
    ("/admin/webhooks", "nav.webhooks"),
    ("/admin/codes", "nav.codes"),
    ("/admin/admins", "nav.admins"),
    ("/admin/backups", "nav.backups"),
];

fn head(title: &str) -> Markup {
    html! {
        head {
            meta charset="utf-8";
            meta name="viewport" content="width=device-width, initial-scale=1";
            meta name="htmx-config" content=r#"{"includeIndicatorStyles":false,"allowEval":false}"#;
            title { (title) " · wxbase" }
            link rel="stylesheet" href="/admin/assets/console.css";
            script src="/admin/assets/htmx.min.js" defer {}
            script src="/admin/assets/console.js" defer {}
        }
    }
}

/// A page outside the signed-in shell (sign-in, errors).
pub fn bare_page(lang: Lang, title: &str, body: Markup) -> Html<String> {
    Html(
        html! {
            (DOCTYPE)
            html lang=(lang.tag()) {
                (head(title))
                body { (body) }
            }
        }
        .into_string(),
    )
}

/// A signed-in page: navigation, the notice or error of the last change, then `content`.
pub fn page(ctx: &Ctx, title: &str, content: Markup) -> Response {
    let current = ctx.path.split('?').next().unwrap_or("/admin");
    let body = html! {
        (DOCTYPE)
        html lang=(ctx.lang.tag()) {
            (head(title))
            body hx-headers=(format!(r#"{{"X-CSRF-Token":"{}"}}"#, ctx.session.csrf_token)) {
                header.top {
                    a.brand href="/admin" { "wxbase" }
                    nav aria-label=(ctx.t("nav.label")) {
                        @for (path, key) in NAV {
                            @let active = if *path == "/admin" { current == "/admin" || current == "/admin/" } else { current.starts_with(path) };
                            a href=(path) aria-current=[active.then_some("page")] { (ctx.t(key)) }
                        }
                    }
                    div.account {
                        span.muted { (ctx.session.username.as_str()) }
                        (language_switch(ctx.lang, &ctx.path))
                        form method="post" action="/admin/logout" {
                            (csrf(ctx))
                            button.link type="submit" { (ctx.t("nav.sign_out")) }
                        }
                    }
                }
                main {
                    h1 { (title) }
                    @if let Some(notice) = &ctx.notice {
                        p.notice role="status" { (ctx.t(notice)) }
                    }
                    @if let Some(error) = &ctx.error {
                        p.error role="alert" { (error) }
                    }
                    (content)
                }
            }
        }
    };
    Html(body.into_string()).into_response()
}

/// The links to each language, returning to `back`.
pub fn language_switch(lang: Lang, back: &str) -> Markup {
    html! {
        span.languages {
            @for other in Lang::ALL {
                @if other == lang {
                    span lang=(other.tag()) aria-current="true" { (other.name()) }
                } @else {
                    a lang=(other.tag()) href=(format!("/admin/language/{}?{}", other.tag(), form_urlencoded_pair("back", back))) { (other.name()) }
                }
            }
        }
    }
}

/// The hidden CSRF field of a form.
pub fn csrf(ctx: &Ctx) -> Markup {
    html! { input type="hidden" name="csrf" value=(ctx.session.csrf_token); }
}

/// A form of one button that posts to `action`; `confirm` asks first.
pub fn button(ctx: &Ctx, action: &str, label: &str, confirm: Option<&str>) -> Markup {
    html! {
        form.inline method="post" action=(action) data-confirm=[confirm] {
            (csrf(ctx))
            button type="submit" { (label) }
        }
    }
}

/// The empty state of a list.
pub fn empty(text: &str) -> Markup {
    html! { p.empty { (text) } }
}

/// A time, in UTC to the minute.
pub fn time(at: Timestamp) -> String {
    let rfc = at.to_rfc3339();
    let minute = rfc.get(..16).unwrap_or(&rfc).replace('T', " ");
    format!("{minute} UTC")
}

/// A 303 redirect.
pub fn redirect(to: &str) -> Response {
    (
        StatusCode::SEE_OTHER,
        [(header::LOCATION, super::session::location(to))],
    )
        .into_response()
}

/// Back to `to` with a notice (a catalogue key) after a change that worked, or the error.
pub fn after<E: std::fmt::Display>(to: &str, outcome: Result<(), E>, notice: &str) -> Response {
    let separator = if to.contains('?') { '&' } else { '?' };
    match outcome {
        Ok(()) => redirect(&format!(
            "{to}{separator}{}",
            form_urlencoded_pair("notice", notice)
        )),
        Err(e) => redirect(&format!(
            "{to}{separator}{}",
            form_urlencoded_pair("error", &e.to_string())
        )),
    }
}

/// A failed page: the error, with a 500.
pub fn failure_page(lang: Lang, detail: &str) -> Response {
    tracing::error!(error = %detail, "a console page failed");
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        bare_page(
            lang,
            lang.t("error.title"),
            html! {
                main {
                    h1 { (lang.t("error.title")) }
                    p.error { (lang.t("error.internal")) }
                    p { a href="/admin" { (lang.t("nav.dashboard")) } }
                }
            },
        ),
    )
        .into_response()
}

/// What a page handler returns: the page, or the failure page.
pub type PageResult = Result<Response, PageError>;

/// A page that could not be built.
pub struct PageError {
    lang: Lang,
    detail: String,
}

impl PageError {
    /// A failure of `ctx`'s page.
    pub fn new(ctx: &Ctx, detail: impl std::fmt::Display) -> Self {
        Self {
            lang: ctx.lang,
            detail: detail.to_string(),
        }
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        failure_page(self.lang, &self.detail)
    }
}

/// Turns a service error into a [`PageError`] of `ctx`'s page.
pub trait OrPage<T> {
    /// The value, or the failure page.
    fn or_page(self, ctx: &Ctx) -> Result<T, PageError>;
}

impl<T, E: std::fmt::Display> OrPage<T> for Result<T, E> {
    fn or_page(self, ctx: &Ctx) -> Result<T, PageError> {
        self.map_err(|e| PageError::new(ctx, e))
    }
}

/// A bar chart of one value per day (oldest first), as SVG: no script, no inline style.
pub fn bar_chart(label: &str, days: &[(String, u64)]) -> Markup {
    const BAR: usize = 10;
    const HEIGHT: u64 = 80;
    let max = days.iter().map(|(_, n)| *n).max().unwrap_or(0).max(1);
    let total: u64 = days.iter().map(|(_, n)| *n).sum();
    let width = days.len() * BAR;
    html! {
        figure.chart {
            figcaption { (label) ": " strong { (total) } }
            svg viewBox=(format!("0 0 {width} {HEIGHT}")) width=(width * 2) height=(HEIGHT) role="img" aria-label=(label) preserveAspectRatio="none" {
                @for (i, (day, n)) in days.iter().enumerate() {
                    @let h = (n * HEIGHT).div_ceil(max);
                    rect x=(i * BAR + 1) y=(HEIGHT - h) width=(BAR - 2) height=(h) class="bar" {
                        title { (day) ": " (n) }
                    }
                }
            }
        }
    }
}
