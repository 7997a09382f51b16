//! The embedding example (`examples/custom_route.rs`): its route, added to an instance built
//! by `Application::build`, serves the logged-in user beside wxbase's own routes.

use axum::Router;
use reqwest::Method;
use wxbase_server::AppState;
use wxbase_store::testing::Backend;

use crate::helpers::{assert_failure, Options, TestApp};

#[allow(dead_code)]
#[path = "../../examples/custom_route.rs"]
mod custom_route;

fn with_team_routes() -> Options {
    let routes: Router<AppState> = custom_route::team_routes();
    Options {
        extra_routes: routes,
        ..Options::default()
    }
}

async fn the_team_route_greets_the_logged_in_user(app: TestApp) {
    let token = app.login_as("alice").await;
    let me = app.with_token(Method::GET, "/api/me", &token).await;
    let answer = app
        .with_token(Method::GET, "/api/team/greeting", &token)
        .await;
    assert_eq!(answer["code"], 1, "{answer}");
    assert_eq!(answer["data"]["openid"], me["data"]["openid"]);
    assert_eq!(answer["data"]["hasPhone"], false);
    assert_eq!(
        answer["data"]["greeting"],
        format!(
            "Welcome back, {}",
            me["data"]["openid"].as_str().expect("an openid")
        )
    );
}

async fn the_team_route_refuses_a_caller_without_a_session(app: TestApp) {
    let answer = app
        .with_token(Method::GET, "/api/team/greeting", "not-a-session")
        .await;
    assert_failure(&answer, "unauthorized");
}

async fn wxbase_routes_still_answer_beside_the_team_route(app: TestApp) {
    let token = app.login_as("bob").await;
    let me = app.with_token(Method::GET, "/api/me", &token).await;
    assert_eq!(me["code"], 1, "{me}");
    let unknown = app
        .with_token(Method::GET, "/api/team/unknown", &token)
        .await;
    assert_failure(&unknown, "not_found");
}

wxbase_store::on_both_backends!(
    setup = |backend: Backend| TestApp::spawn_with(backend, with_team_routes());
    the_team_route_greets_the_logged_in_user,
    the_team_route_refuses_a_caller_without_a_session,
    wxbase_routes_still_answer_beside_the_team_route,
);
