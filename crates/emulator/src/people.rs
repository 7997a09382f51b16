//! Test people: a stable openid per (app, name) and one unionid per name, as WeChat gives them.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use sha2::{Digest, Sha256};

/// A 28-character id in WeChat's alphabet, derived from `seed`, starting with `prefix`.
fn derived_id(prefix: &str, seed: &str) -> String {
    let digest = Sha256::digest(seed.as_bytes());
    let mut id = String::from(prefix);
    id.push_str(&URL_SAFE_NO_PAD.encode(digest));
    id.truncate(28);
    id
}

/// The openid of test person `name` in app `appid`: stable, and different in every app.
pub fn openid_for(appid: &str, name: &str) -> String {
    derived_id("o", &format!("openid:{appid}:{name}"))
}

/// The unionid of test person `name`: the same in every app.
pub fn unionid_for(name: &str) -> String {
    derived_id("oU", &format!("unionid:{name}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_person_has_one_openid_per_app_and_one_unionid() {
        assert_eq!(openid_for("wxa", "alice"), openid_for("wxa", "alice"));
        assert_ne!(openid_for("wxa", "alice"), openid_for("wxb", "alice"));
        assert_ne!(openid_for("wxa", "alice"), openid_for("wxa", "bob"));
        assert_eq!(openid_for("wxa", "alice").len(), 28);
        assert_eq!(unionid_for("alice"), unionid_for("alice"));
        assert_ne!(unionid_for("alice"), unionid_for("bob"));
    }
}
