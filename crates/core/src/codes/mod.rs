//! Mini-program codes and links: codes (`/wxa/getwxacodeunlimit`) kept in file storage and
//! served again for the same parameters, long scenes replaced by short ids, and URL links and
//! schemes that open the mini-program from outside WeChat.

mod error;
mod limiter;
mod links;
mod scene;
mod service;
mod store;

pub use error::CodeError;
pub use limiter::RateLimiter;
pub use links::{GeneratedLink, LinkKind, LinkParams};
pub use scene::{short_scene_id, SHORT_SCENE_PREFIX};
pub use service::{CodeParams, CodeService, CodeSettings, GeneratedCode, CODES_BUCKET};
pub use store::CodeStore;
pub use wxbase_wechat::api::wxacode::EnvVersion;
