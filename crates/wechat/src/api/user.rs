//! Official-account followers: `GET /cgi-bin/user/info`, `GET /cgi-bin/user/get` and
//! `POST /cgi-bin/user/info/batchget`. They take the **official account's** access_token.
//!
//! Protocol reference: `docs/wechat-protocol.md`, section "Official-account followers". A
//! follower's `unionid` is present only when the official account is bound to an
//! open-platform account, and only while they follow (`subscribe` 1).

use serde::{Deserialize, Serialize};

use crate::{OpenId, Secret, UnionId, WechatClient, WechatError};

/// Most openids one `/cgi-bin/user/info/batchget` call takes.
pub const BATCHGET_MAX: usize = 100;

/// What `/cgi-bin/user/info` (and each entry of a batchget) says about one openid.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct FollowerInfo {
    /// 1 while the user follows the official account, 0 otherwise.
    pub subscribe: u8,
    /// The user's openid in the official account.
    pub openid: OpenId,
    /// The user's unionid (bound accounts only, and only while following).
    #[serde(default)]
    pub unionid: Option<UnionId>,
    /// When the user (last) followed, in Unix seconds.
    #[serde(default)]
    pub subscribe_time: Option<i64>,
}

impl FollowerInfo {
    /// Whether the user follows the official account.
    pub fn follows(&self) -> bool {
        self.subscribe == 1
    }
}

/// One page of `/cgi-bin/user/get`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FollowerPage {
    /// How many followers the account has in all.
    pub total: u64,
    /// The openids of this page, in WeChat's order.
    pub openids: Vec<OpenId>,
    /// Where the next page starts; `None` when this is the last page.
    pub next_openid: Option<OpenId>,
}

/// The wire shape of `/cgi-bin/user/get`: past the end `data` is absent and `next_openid` empty.
#[derive(Deserialize)]
struct PageAnswer {
    #[serde(default)]
    total: u64,
    #[serde(default)]
    data: Option<PageData>,
    #[serde(default)]
    next_openid: Option<String>,
}

#[derive(Deserialize)]
struct PageData {
    #[serde(default)]
    openid: Vec<OpenId>,
}

#[derive(Deserialize)]
struct BatchAnswer {
    #[serde(default)]
    user_info_list: Vec<FollowerInfo>,
}

#[derive(Serialize)]
struct BatchRequest<'a> {
    user_list: Vec<BatchEntry<'a>>,
}

#[derive(Serialize)]
struct BatchEntry<'a> {
    openid: &'a str,
    lang: &'static str,
}

impl WechatClient {
    /// GET /cgi-bin/user/info?access_token=&openid=&lang=zh_CN: one user of the official
    /// account. 40003 when the openid is not one of the account's users.
    /// Doc: <https://developers.weixin.qq.com/doc/offiaccount/User_Management/Get_users_basic_information_UnionID.html>
    pub async fn get_follower_info(
        &self,
        access_token: &Secret,
        openid: &OpenId,
    ) -> Result<FollowerInfo, WechatError> {
        self.get(
            "/cgi-bin/user/info",
            &[
                ("access_token", access_token.expose()),
                ("openid", openid.as_str()),
                ("lang", "zh_CN"),
            ],
        )
        .await
    }

    /// GET /cgi-bin/user/get?access_token=&next_openid=: a page of follower openids (up to
    /// 10 000), starting after `next_openid` (from the start when `None`).
    /// Doc: <https://developers.weixin.qq.com/doc/offiaccount/User_Management/Getting_a_User_List.html>
    pub async fn get_followers(
        &self,
        access_token: &Secret,
        next_openid: Option<&OpenId>,
    ) -> Result<FollowerPage, WechatError> {
        let answer: PageAnswer = self
            .get(
                "/cgi-bin/user/get",
                &[
                    ("access_token", access_token.expose()),
                    ("next_openid", next_openid.map_or("", OpenId::as_str)),
                ],
            )
            .await?;
        let openids = answer.data.map(|data| data.openid).unwrap_or_default();
        let next_openid = match answer.next_openid.filter(|next| !next.is_empty()) {
            None => None,
            Some(next) => Some(OpenId::parse(next).map_err(|e| WechatError::BadResponse {
                endpoint: "/cgi-bin/user/get",
                detail: format!("next_openid: {e}"),
            })?),
        };
        Ok(FollowerPage {
            total: answer.total,
            openids,
            next_openid,
        })
    }

    /// POST /cgi-bin/user/info/batchget?access_token= {"user_list":[{"openid","lang"}]}: up to
    /// [`BATCHGET_MAX`] users at once (the caller splits longer lists).
    /// Doc: <https://developers.weixin.qq.com/doc/offiaccount/User_Management/Get_users_basic_information_UnionID.html>
    pub async fn batch_get_follower_info(
        &self,
        access_token: &Secret,
        openids: &[OpenId],
    ) -> Result<Vec<FollowerInfo>, WechatError> {
        let body = BatchRequest {
            user_list: openids
                .iter()
                .map(|openid| BatchEntry {
                    openid: openid.as_str(),
                    lang: "zh_CN",
                })
                .collect(),
        };
        let answer: BatchAnswer = self
            .post(
                "/cgi-bin/user/info/batchget",
                &[("access_token", access_token.expose())],
                &body,
            )
            .await?;
        Ok(answer.user_info_list)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::canned::serve_once;
    use crate::ErrCode;

    fn openid(id: &str) -> OpenId {
        OpenId::parse(id).expect("openid")
    }

    #[tokio::test]
    async fn a_follower_is_read_with_the_unionid_and_the_token_in_the_query() {
        let (client, received) = serve_once(
            r#"{"subscribe":1,"openid":"o-alice","language":"zh_CN","subscribe_time":1714000000,
                "unionid":"oU-alice","remark":"","groupid":0,"tagid_list":[],
                "subscribe_scene":"ADD_SCENE_SEARCH","qr_scene":0,"qr_scene_str":""}"#,
        );
        let info = client
            .get_follower_info(&Secret::new("OA_TOKEN"), &openid("o-alice"))
            .await
            .expect("a follower");
        assert!(info.follows());
        assert_eq!(info.unionid.as_ref().map(UnionId::as_str), Some("oU-alice"));
        assert_eq!(info.subscribe_time, Some(1_714_000_000));
        let request = received.recv().expect("a request");
        assert_eq!(request.method, "GET");
        assert_eq!(
            request.target,
            "/cgi-bin/user/info?access_token=OA_TOKEN&openid=o-alice&lang=zh_CN"
        );
    }

    #[tokio::test]
    async fn someone_who_left_is_read_without_a_unionid() {
        let (client, _received) = serve_once(r#"{"subscribe":0,"openid":"o-bob","tagid_list":[]}"#);
        let info = client
            .get_follower_info(&Secret::new("T"), &openid("o-bob"))
            .await
            .expect("an answer");
        assert!(!info.follows());
        assert_eq!(info.unionid, None);
    }

    #[tokio::test]
    async fn a_page_gives_its_openids_and_where_the_next_one_starts() {
        let (client, received) = serve_once(
            r#"{"total":3,"count":2,"data":{"openid":["o-a","o-b"]},"next_openid":"o-b"}"#,
        );
        let page = client
            .get_followers(&Secret::new("T"), Some(&openid("o-x")))
            .await
            .expect("a page");
        assert_eq!(page.total, 3);
        assert_eq!(page.openids, vec![openid("o-a"), openid("o-b")]);
        assert_eq!(page.next_openid, Some(openid("o-b")));
        let request = received.recv().expect("a request");
        assert_eq!(
            request.target,
            "/cgi-bin/user/get?access_token=T&next_openid=o-x"
        );
    }

    #[tokio::test]
    async fn the_page_past_the_end_has_no_data_and_no_next_openid() {
        let (client, received) = serve_once(r#"{"total":3,"count":0,"next_openid":""}"#);
        let page = client
            .get_followers(&Secret::new("T"), None)
            .await
            .expect("a page");
        assert!(page.openids.is_empty());
        assert_eq!(page.next_openid, None);
        let request = received.recv().expect("a request");
        assert_eq!(
            request.target,
            "/cgi-bin/user/get?access_token=T&next_openid="
        );
    }

    #[tokio::test]
    async fn a_batch_is_posted_as_a_user_list_and_read_back() {
        let (client, received) = serve_once(
            r#"{"user_info_list":[{"subscribe":1,"openid":"o-a","unionid":"oU-a","subscribe_time":5},
                                  {"subscribe":0,"openid":"o-b","tagid_list":[]}]}"#,
        );
        let infos = client
            .batch_get_follower_info(&Secret::new("T"), &[openid("o-a"), openid("o-b")])
            .await
            .expect("a batch");
        assert_eq!(infos.len(), 2);
        assert!(infos[0].follows() && !infos[1].follows());
        let request = received.recv().expect("a request");
        assert_eq!(request.method, "POST");
        assert_eq!(request.target, "/cgi-bin/user/info/batchget?access_token=T");
        assert_eq!(
            request.body,
            r#"{"user_list":[{"openid":"o-a","lang":"zh_CN"},{"openid":"o-b","lang":"zh_CN"}]}"#
        );
    }

    #[tokio::test]
    async fn an_openid_of_another_account_is_errcode_40003() {
        let (client, _received) =
            serve_once(r#"{"errcode":40003,"errmsg":"invalid openid rid: 1"}"#);
        let error = client
            .get_follower_info(&Secret::new("T"), &openid("o-stranger"))
            .await
            .expect_err("an error");
        assert_eq!(error.errcode(), Some(ErrCode::INVALID_OPENID));
    }
}
