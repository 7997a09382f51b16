//! `GET /api/me`: the logged-in user.

use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use wxbase_core::{Phone, Profile};

use crate::app::AppState;
use crate::envelope::{ApiResult, Success};
use crate::extract::CurrentUser;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(me))
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
struct Me {
    openid: String,
    unionid: Option<String>,
    phone: Option<Phone>,
    #[serde(flatten)]
    profile: Profile,
    created_at: String,
    last_login_at: String,
}

/// The logged-in user.
#[utoipa::path(get, path = "/api/me", tag = "me", operation_id = "me",
    security(("user" = [])), responses((status = 200, body = Me)))]
async fn me(CurrentUser(user): CurrentUser) -> ApiResult<Me> {
    Ok(Success(Me {
        openid: user.openid.to_string(),
        unionid: user.unionid.map(|u| u.to_string()),
        phone: user.phone,
        profile: user.profile,
        created_at: user.created_at.to_rfc3339(),
        last_login_at: user.last_login_at.to_rfc3339(),
    }))
}
