//! Backups: the archives in `<data_dir>/backups`, newest first, and "back up now" (SQLite; on
//! PostgreSQL the button answers with the `pg_dump` pointer, as the admin API does).

use axum::extract::State;
use axum::response::Response;
use maud::html;

use crate::app::AppState;
use crate::console::ui::{self, Ctx, PageResult};

/// `GET /admin/backups`.
pub async fn page(ctx: Ctx, State(state): State<AppState>) -> PageResult {
    let listed = state.backups.list();
    let content = html! {
        p.muted { (ctx.t("backups.help")) " " code { (state.backups.dir().display()) } }
        @match &listed {
            Err(error) => { p.error role="alert" { (error) } }
            Ok(backups) if backups.is_empty() => { (ui::empty(ctx.t("backups.none"))) }
            Ok(backups) => {
                table {
                    thead { tr {
                        th { (ctx.t("backups.name")) } th { (ctx.t("backups.bytes")) } th { (ctx.t("backups.created")) }
                    } }
                    tbody { @for backup in backups { tr {
                        td { code { (backup.name) } }
                        td { (backup.bytes) }
                        td { (backup.created_at) }
                    } } }
                }
            }
        }
        (ui::button(&ctx, "/admin/backups", ctx.t("backups.create"), None))
    };
    Ok(ui::page(&ctx, ctx.t("nav.backups"), content))
}

/// `POST /admin/backups`: an archive made now, while the deployment serves.
pub async fn create(State(state): State<AppState>) -> Response {
    let made = state.backups.create().await.map(|_| ());
    if let Err(error) = &made {
        tracing::warn!(%error, "a backup from the console failed");
    }
    ui::after("/admin/backups", made, "backups.created_notice")
}
