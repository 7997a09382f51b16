//! Settings: the effective configuration, secrets redacted (as `wxbase config check` prints
//! it).

use axum::extract::State;
use maud::html;

use crate::app::AppState;
use crate::console::ui::{self, Ctx, PageResult};

/// `GET /admin/settings`.
pub async fn page(ctx: Ctx, State(state): State<AppState>) -> PageResult {
    let content = html! {
        p.muted { (ctx.t("settings.help")) }
        pre.config { (state.console.effective_config) }
    };
    Ok(ui::page(&ctx, ctx.t("nav.settings"), content))
}
