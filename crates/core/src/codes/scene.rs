//! Scenes: what a code hands its page as `query.scene`. WeChat takes at most 32 characters of
//! a restricted set; a scene beyond that is stored and replaced by a short id, which
//! `GET /api/scenes/{id}` turns back into the scene.

use sha2::{Digest, Sha256};
use wxbase_wechat::api::wxacode::is_valid_scene;

/// How a short id starts: no scene WeChat takes as is is sent with it, so a page knows to
/// look the id up.
pub const SHORT_SCENE_PREFIX: char = '~';

/// The short id for `scene` when it must be stored (too long, other characters, or starting
/// with [`SHORT_SCENE_PREFIX`]); `None` when WeChat takes it as is. The id is `~` and 24 hex
/// digits of the scene's SHA-256: the same scene always gets the same id.
pub fn short_scene_id(scene: &str) -> Option<String> {
    if is_valid_scene(scene) && !scene.starts_with(SHORT_SCENE_PREFIX) {
        return None;
    }
    let digest = Sha256::digest(scene.as_bytes());
    Some(format!(
        "{SHORT_SCENE_PREFIX}{}",
        &hex::encode(digest)[..24]
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_scenes_wechat_refuses_or_that_look_like_ids_are_shortened() {
        assert_eq!(short_scene_id("id=42"), None);
        let long = "x".repeat(40);
        let id = short_scene_id(&long).expect("shortened");
        assert_eq!(id.len(), 25);
        assert!(is_valid_scene(&id));
        assert_eq!(
            short_scene_id(&long),
            Some(id),
            "the same scene, the same id"
        );
        assert!(short_scene_id("中文").is_some());
        assert!(short_scene_id("~abc").is_some());
    }
}
