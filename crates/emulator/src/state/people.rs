//! Test people: a stable openid per (app, name) and one unionid per name, as WeChat gives them,
//! plus a stable phone number and profile per name.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde::Serialize;
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

/// The mainland-China mobile number of test person `name`: "13" and 9 digits, the same in
/// every app (a phone number belongs to the person, not to the app).
pub fn phone_for(name: &str) -> String {
    let digest = Sha256::digest(format!("phone:{name}").as_bytes());
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    format!("13{:09}", u64::from_be_bytes(first) % 1_000_000_000)
}

/// A profile as `wx.getUserInfo` gave it, fields in WeChat's order (`rawData` is signed as text).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Profile {
    /// The nickname: the test person's name.
    pub nick_name: String,
    /// 1 male, 2 female (0 unknown is never given).
    pub gender: u8,
    /// The WeChat client language.
    pub language: &'static str,
    /// City, province and country, in English as with `lang=en`.
    pub city: &'static str,
    /// See `city`.
    pub province: &'static str,
    /// See `city`.
    pub country: &'static str,
    /// A stable avatar URL on WeChat's image host.
    pub avatar_url: String,
}

/// The profile of test person `name`: stable, the same in every app.
pub fn profile_for(name: &str) -> Profile {
    let digest = Sha256::digest(format!("profile:{name}").as_bytes());
    Profile {
        nick_name: name.to_owned(),
        gender: 1 + digest[0] % 2,
        language: "zh_CN",
        city: "Guangzhou",
        province: "Guangdong",
        country: "China",
        avatar_url: format!(
            "https://thirdwx.qlogo.cn/mmopen/vi_32/{}/132",
            derived_id("Q", &format!("avatar:{name}"))
        ),
    }
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

    #[test]
    fn a_person_has_one_chinese_mobile_number_everywhere() {
        let phone = phone_for("alice");
        assert_eq!(phone, phone_for("alice"));
        assert_ne!(phone, phone_for("bob"));
        assert_eq!(phone.len(), 11);
        assert!(phone.starts_with("13"));
        assert!(phone.bytes().all(|b| b.is_ascii_digit()));
    }

    #[test]
    fn a_profile_serializes_in_wechats_field_order() {
        let profile = serde_json::to_string(&profile_for("alice")).expect("serializes");
        let order: Vec<usize> = [
            "nickName",
            "gender",
            "language",
            "city",
            "province",
            "country",
            "avatarUrl",
        ]
        .iter()
        .map(|field| profile.find(field).expect("field present"))
        .collect();
        assert!(order.windows(2).all(|pair| pair[0] < pair[1]), "{profile}");
        assert!(profile.starts_with(r#"{"nickName":"alice","#));
    }
}
