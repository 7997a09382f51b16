//! Signing in and out, and the guard of every other console page: a live session from the
//! cookie, and on every state-changing request its CSRF token (a form field `csrf`, the
//! header `X-CSRF-Token`, or for a multipart upload the query parameter `csrf`).

use std::net::SocketAddr;

use axum::body::{to_bytes, Body};
use axum::extract::{ConnectInfo, FromRequestParts, Query, Request, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Form;
use maud::html;
use serde::Deserialize;
use subtle::ConstantTimeEq;
use wxbase_core::console::{AdminSession, SignInRefusal};

use super::i18n::{console_path, Lang};
use super::security::{came_over_https, cookie, set_cookie, SESSION_COOKIE, SIGN_IN_COOKIE};
use super::ui::{self, Ctx};
use crate::app::AppState;

/// Largest form body the CSRF check reads.
const MAX_FORM_BYTES: usize = 1024 * 1024;

/// Whether the console's cookies get `Secure` for this request.
fn secure(state: &AppState, headers: &HeaderMap) -> bool {
    state.console.service.settings().secure_cookies || came_over_https(headers)
}

/// Lets a request through only with a live session; a state-changing one also needs the
/// session's CSRF token. The session goes into the request's extensions for [`Ctx`].
pub async fn require_session(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let lang = Lang::of(request.headers());
    let session = match cookie(request.headers(), SESSION_COOKIE) {
        Some(value) => state.console.service.session(&value).await,
        None => Ok(None),
    };
    let session = match session {
        Ok(Some(session)) => session,
        Ok(None) => {
            let next_path = request
                .uri()
                .path_and_query()
                .map(|p| p.as_str().to_owned())
                .unwrap_or_default();
            let query = form_urlencoded_pair("next", &next_path);
            return ui::redirect(&format!("/admin/login?{query}"));
        }
        Err(e) => return ui::failure_page(lang, &e.to_string()),
    };
    let request = if is_safe(request.method()) {
        request
    } else {
        match check_csrf(request, &session.csrf_token).await {
            Ok(request) => request,
            Err(()) => {
                return (
                    StatusCode::FORBIDDEN,
                    ui::bare_page(
                        lang,
                        lang.t("error.title"),
                        html! {
                            p.error { (lang.t("error.csrf")) }
                            p { a href="/admin" { (lang.t("nav.dashboard")) } }
                        },
                    ),
                )
                    .into_response();
            }
        }
    };
    let mut request = request;
    request.extensions_mut().insert(session);
    next.run(request).await
}

fn is_safe(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD)
}

fn is_multipart(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.trim_start()
                .to_ascii_lowercase()
                .starts_with("multipart/form-data")
        })
}

/// `name=value`, URL-encoded.
pub fn form_urlencoded_pair(name: &str, value: &str) -> String {
    form_urlencoded::Serializer::new(String::new())
        .append_pair(name, value)
        .finish()
}

/// Reads the body (a form) to find `csrf`, or takes the header; gives the request back whole.
async fn check_csrf(request: Request, expected: &str) -> Result<Request, ()> {
    let matches = |given: &str| bool::from(given.as_bytes().ct_eq(expected.as_bytes()));
    if let Some(given) = request
        .headers()
        .get("x-csrf-token")
        .and_then(|v| v.to_str().ok())
    {
        return if matches(given) { Ok(request) } else { Err(()) };
    }
    if is_multipart(request.headers()) {
        // An upload is streamed, not read here: its form carries the token in its address.
        let given = request.uri().query().and_then(|query| {
            form_urlencoded::parse(query.as_bytes())
                .find(|(name, _)| name == "csrf")
                .map(|(_, value)| value.into_owned())
        });
        return match given {
            Some(given) if matches(&given) => Ok(request),
            _ => Err(()),
        };
    }
    let (parts, body) = request.into_parts();
    let bytes = to_bytes(body, MAX_FORM_BYTES).await.map_err(|_| ())?;
    let given = form_urlencoded::parse(&bytes)
        .find(|(name, _)| name == "csrf")
        .map(|(_, value)| value.into_owned());
    match given {
        Some(given) if matches(&given) => Ok(Request::from_parts(parts, Body::from(bytes))),
        _ => Err(()),
    }
}

impl FromRequestParts<AppState> for Ctx {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, _: &AppState) -> Result<Self, Self::Rejection> {
        let session = parts
            .extensions
            .get::<AdminSession>()
            .cloned()
            .ok_or_else(|| ui::redirect("/admin/login"))?;
        let query = parts.uri.query().unwrap_or_default();
        let find = |name: &str| {
            form_urlencoded::parse(query.as_bytes())
                .find(|(n, _)| n == name)
                .map(|(_, v)| v.into_owned())
        };
        Ok(Ctx {
            lang: Lang::of(&parts.headers),
            session,
            path: parts
                .uri
                .path_and_query()
                .map(|p| p.as_str().to_owned())
                .unwrap_or_else(|| "/admin".to_owned()),
            notice: find("notice"),
            error: find("error"),
        })
    }
}

#[derive(Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

/// `GET /admin/login`: the form, with a fresh CSRF cookie for it.
pub async fn sign_in_form(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<NextQuery>,
) -> Response {
    sign_in_page(
        &state,
        &headers,
        query.next.as_deref(),
        None,
        StatusCode::OK,
    )
}

fn sign_in_page(
    state: &AppState,
    headers: &HeaderMap,
    next: Option<&str>,
    problem: Option<String>,
    status: StatusCode,
) -> Response {
    let lang = Lang::of(headers);
    let token = hex_token();
    let back = console_path(next);
    let body = html! {
        main.sign-in {
            h1 { "wxbase" }
            p.muted { (lang.t("signin.intro")) }
            @if let Some(problem) = &problem {
                p.error role="alert" { (problem) }
            }
            form method="post" action="/admin/login" {
                input type="hidden" name="csrf" value=(token);
                input type="hidden" name="next" value=(back);
                label for="username" { (lang.t("signin.username")) }
                input #username name="username" type="text" autocomplete="username" required autofocus;
                label for="password" { (lang.t("signin.password")) }
                input #password name="password" type="password" autocomplete="current-password" required;
                button type="submit" { (lang.t("signin.submit")) }
            }
            (ui::language_switch(lang, "/admin/login"))
        }
    };
    let mut response = (status, ui::bare_page(lang, lang.t("signin.title"), body)).into_response();
    response.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(SIGN_IN_COOKIE, &token, 3600, secure(state, headers)),
    );
    response
}

fn hex_token() -> String {
    rand::random::<[u8; 16]>()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[derive(Deserialize)]
pub struct SignInForm {
    username: String,
    password: String,
    csrf: String,
    next: Option<String>,
}

/// The client's address, for the per-address throttle: the peer of the connection (a proxy
/// in front of wxbase makes every client one address; its own limits then apply).
pub struct ClientAddress(String);

impl<S: Send + Sync> FromRequestParts<S> for ClientAddress {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Self(
            parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map(|ConnectInfo(addr)| addr.ip().to_string())
                .unwrap_or_else(|| "unknown".to_owned()),
        ))
    }
}

/// `POST /admin/login`.
pub async fn sign_in(
    State(state): State<AppState>,
    headers: HeaderMap,
    ClientAddress(address): ClientAddress,
    Form(form): Form<SignInForm>,
) -> Response {
    let lang = Lang::of(&headers);
    let expected = cookie(&headers, SIGN_IN_COOKIE).unwrap_or_default();
    if expected.is_empty() || !bool::from(expected.as_bytes().ct_eq(form.csrf.as_bytes())) {
        return sign_in_page(
            &state,
            &headers,
            form.next.as_deref(),
            Some(lang.t("error.csrf").to_owned()),
            StatusCode::FORBIDDEN,
        );
    }
    let outcome = state
        .console
        .service
        .sign_in(&form.username, &form.password, &address)
        .await;
    let (problem, status) = match outcome {
        Ok(signed_in) => {
            let ttl = i64::try_from(state.console.service.settings().session_ttl.as_secs())
                .unwrap_or(i64::MAX);
            let mut response = ui::redirect(console_path(form.next.as_deref()));
            let headers_out = response.headers_mut();
            headers_out.append(
                header::SET_COOKIE,
                set_cookie(
                    SESSION_COOKIE,
                    signed_in.token.expose(),
                    ttl,
                    secure(&state, &headers),
                ),
            );
            headers_out.append(
                header::SET_COOKIE,
                set_cookie(SIGN_IN_COOKIE, "", 0, secure(&state, &headers)),
            );
            tracing::info!(admin = %signed_in.session.username, "console sign-in");
            return response;
        }
        Err(SignInRefusal::WrongCredentials) => {
            (lang.t("signin.wrong").to_owned(), StatusCode::UNAUTHORIZED)
        }
        Err(SignInRefusal::Locked { until }) => (
            lang.tf("signin.locked", &[&ui::time(until)]),
            StatusCode::TOO_MANY_REQUESTS,
        ),
        Err(SignInRefusal::Store(e)) => {
            tracing::error!(error = %e, "console sign-in failed");
            (
                lang.t("error.internal").to_owned(),
                StatusCode::INTERNAL_SERVER_ERROR,
            )
        }
    };
    sign_in_page(
        &state,
        &headers,
        form.next.as_deref(),
        Some(problem),
        status,
    )
}

/// `POST /admin/logout`: ends the session and clears the cookie.
pub async fn sign_out(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if let Some(value) = cookie(&headers, SESSION_COOKIE) {
        if let Err(e) = state.console.service.sign_out(&value).await {
            tracing::error!(error = %e, "console sign-out failed");
        }
    }
    let mut response = ui::redirect("/admin/login");
    response.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(SESSION_COOKIE, "", 0, secure(&state, &headers)),
    );
    response
}

/// A header value for a redirect target.
pub fn location(path: &str) -> HeaderValue {
    HeaderValue::from_str(path).unwrap_or_else(|_| HeaderValue::from_static("/admin"))
}
