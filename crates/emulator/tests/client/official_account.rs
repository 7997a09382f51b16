//! The official account against the client: follower info with the unionid a person shares
//! with the mini-program, the paged follower list, batchget, and their errcodes.

use reqwest::StatusCode;
use serde_json::json;
use wxbase_emulator::Emulator;
use wxbase_wechat::{AppId, OpenId, Secret};

use crate::helpers::*;

const OA_APPID: &str = "wxe0000000000000a1";
const OA_SECRET: &str = "emulator-test-oa-secret-00000001";

impl Emu {
    async fn with_official_account() -> Self {
        Self::serve(&Emulator::new(
            two_apps().with_official_account(OA_APPID, OA_SECRET),
        ))
        .await
    }

    /// The official account's token.
    async fn oa_token(&self) -> Secret {
        let appid = AppId::parse(OA_APPID).expect("appid");
        self.client
            .get_stable_access_token(&appid, &Secret::new(OA_SECRET), false)
            .await
            .expect("the official account gets a token")
            .access_token
    }

    /// `user` follows (or, with `follow` false, leaves) without a push; their OA openid.
    async fn oa(&self, user: &str, follow: bool) -> OpenId {
        let path = if follow {
            "/__emulator/oa/follow"
        } else {
            "/__emulator/oa/unfollow"
        };
        let answer = self
            .post(path, json!({ "user": user, "push": false }))
            .await;
        OpenId::parse(answer["openid"].as_str().expect("an openid")).expect("openid")
    }
}

#[tokio::test]
async fn a_follower_has_the_unionid_they_have_in_the_mini_program_and_their_own_openid() {
    let emu = Emu::with_official_account().await;
    let openid = emu.oa("alice", true).await;
    let info = emu
        .client
        .get_follower_info(&emu.oa_token().await, &openid)
        .await
        .expect("alice follows");
    assert!(info.follows());
    assert!(info.subscribe_time.is_some_and(|t| t > 1_700_000_000));
    let in_mini_program = emu.user("alice").await;
    assert_eq!(
        info.unionid.as_ref().map(|u| u.as_str()),
        in_mini_program["unionid"].as_str()
    );
    assert_ne!(Some(openid.as_str()), in_mini_program["openid"].as_str());
}

#[tokio::test]
async fn someone_who_left_has_subscribe_0_and_a_stranger_is_errcode_40003() {
    let emu = Emu::with_official_account().await;
    let token = emu.oa_token().await;
    emu.oa("bob", true).await;
    let bob = emu.oa("bob", false).await;
    let info = emu
        .client
        .get_follower_info(&token, &bob)
        .await
        .expect("bob");
    assert!(!info.follows());
    assert_eq!(info.unionid, None, "no unionid once gone");
    let stranger = OpenId::parse("o-never-followed").expect("openid");
    assert_eq!(
        errcode(emu.client.get_follower_info(&token, &stranger).await),
        40003
    );
}

#[tokio::test]
async fn the_follower_list_pages_by_next_openid_in_follow_order() {
    let emu = Emu::with_official_account().await;
    emu.settings(json!({ "followerPageSize": 2 })).await;
    let mut expected = Vec::new();
    for user in ["a", "b", "c", "d", "e"] {
        expected.push(emu.oa(user, true).await);
    }
    let token = emu.oa_token().await;
    let (mut listed, mut cursor, mut pages) = (Vec::new(), None, 0);
    loop {
        let page = emu
            .client
            .get_followers(&token, cursor.as_ref())
            .await
            .expect("a page");
        pages += 1;
        assert_eq!(page.total, 5);
        listed.extend(page.openids);
        match page.next_openid {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    assert_eq!((pages, listed), (3, expected));
}

#[tokio::test]
async fn batchget_describes_up_to_100_known_openids() {
    let emu = Emu::with_official_account().await;
    let token = emu.oa_token().await;
    let alice = emu.oa("alice", true).await;
    emu.oa("bob", true).await;
    let bob = emu.oa("bob", false).await;
    let infos = emu
        .client
        .batch_get_follower_info(&token, &[alice.clone(), bob])
        .await
        .expect("a batch");
    let following: Vec<bool> = infos.iter().map(|info| info.follows()).collect();
    assert_eq!(following, vec![true, false]);
    let too_many = vec![alice.clone(); 101];
    assert_eq!(
        errcode(emu.client.batch_get_follower_info(&token, &too_many).await),
        40032
    );
    let stranger = OpenId::parse("o-never-followed").expect("openid");
    let answer = emu
        .client
        .batch_get_follower_info(&token, &[alice, stranger])
        .await;
    assert_eq!(errcode(answer), 40003);
}

#[tokio::test]
async fn a_mini_programs_token_is_refused_with_48001() {
    let emu = Emu::with_official_account().await;
    let openid = emu.oa("alice", true).await;
    let mini_program_token = emu
        .client
        .get_stable_access_token(&appid(), &secret(), false)
        .await
        .expect("a token")
        .access_token;
    let answer = emu
        .client
        .get_follower_info(&mini_program_token, &openid)
        .await;
    assert_eq!(errcode(answer), 48001);
    let answer = emu
        .client
        .get_followers(&Secret::new("nonsense"), None)
        .await;
    assert_eq!(errcode(answer), 40014, "a malformed token");
}

#[tokio::test]
async fn the_follower_list_has_a_daily_quota_and_faults_can_start_after_some_calls() {
    let emu = Emu::with_official_account().await;
    emu.advance_to_next_day().await;
    let token = emu.oa_token().await;
    emu.settings(json!({ "followerListDailyQuota": 3 })).await;
    emu.fault(json!({ "endpoint": "/cgi-bin/user/get", "after": 1, "times": 1, "errcode": -1 }))
        .await;
    emu.client
        .get_followers(&token, None)
        .await
        .expect("let through");
    assert_eq!(errcode(emu.client.get_followers(&token, None).await), -1);
    for _ in 0..2 {
        emu.client
            .get_followers(&token, None)
            .await
            .expect("within the quota");
    }
    assert_eq!(errcode(emu.client.get_followers(&token, None).await), 45009);
}

#[tokio::test]
async fn following_twice_or_pushing_without_a_url_is_refused_and_changes_nothing() {
    let emu = Emu::with_official_account().await;
    emu.oa("alice", true).await;
    let (status, answer) = emu
        .control(
            "POST",
            "/__emulator/oa/follow",
            json!({ "user": "alice", "push": false }),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{answer}");
    let (status, answer) = emu
        .control("POST", "/__emulator/oa/follow", json!({ "user": "carol" }))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        answer["error"]
            .as_str()
            .is_some_and(|e| e.contains("push URL")),
        "{answer}"
    );
    let list = emu
        .http
        .get(emu.url("/__emulator/oa/followers"))
        .send()
        .await
        .expect("answers")
        .json::<serde_json::Value>()
        .await
        .expect("JSON");
    assert_eq!(
        list["followers"].as_array().map(Vec::len),
        Some(1),
        "{list}"
    );
}
