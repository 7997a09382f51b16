//! Subscribe messages as WeChat keeps them per app: the templates (a default set, and any
//! added), each user's grants per template (one-time grants counted, long-term on or off), and
//! the messages each user received.
//!
//! A one-time grant allows one message; a long-term template needs its long-term grant on.
//! Without a grant a send answers 43101; data missing a keyword or over its length 47003.

use std::collections::HashMap;

use serde::Serialize;
use serde_json::{json, Map, Value};

use crate::wechat_api::reply::{self, WxError};

/// One template, in `gettemplate`'s shape.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Template {
    /// `priTmplId`.
    pub pri_tmpl_id: String,
    /// Its title.
    pub title: String,
    /// Its body with `{{keyword.DATA}}` placeholders.
    pub content: String,
    /// An example.
    pub example: String,
    /// 2 one-time, 3 long-term.
    #[serde(rename = "type")]
    pub kind: i64,
}

impl Template {
    /// The keywords its content names.
    pub fn keywords(&self) -> Vec<String> {
        self.content
            .split("{{")
            .skip(1)
            .filter_map(|part| part.split_once(".DATA}}").map(|(name, _)| name.to_owned()))
            .collect()
    }
}

/// The templates every app starts with.
pub fn default_templates() -> Vec<Template> {
    let template = |id: &str, title: &str, content: &str, example: &str, kind| Template {
        pri_tmpl_id: id.to_owned(),
        title: title.to_owned(),
        content: content.to_owned(),
        example: example.to_owned(),
        kind,
    };
    vec![
        template(
            "tmplOrderShipped000000001",
            "订单发货通知",
            "订单号:{{character_string1.DATA}}\n商品名称:{{thing2.DATA}}\n发货时间:{{time3.DATA}}\n",
            "订单号:SF1234567\n商品名称:蓝色T恤\n发货时间:2024-10-01 15:01\n",
            2,
        ),
        template(
            "tmplAppointment000000002",
            "预约提醒",
            "预约项目:{{thing1.DATA}}\n预约时间:{{date2.DATA}}\n状态:{{phrase3.DATA}}\n",
            "预约项目:洗牙\n预约时间:2024-10-02 09:30\n状态:已确认\n",
            2,
        ),
        template(
            "tmplReplyNotice000000003",
            "评论回复通知",
            "回复内容:{{thing1.DATA}}\n回复时间:{{time2.DATA}}\n",
            "回复内容:谢谢分享\n回复时间:2024-10-01 15:01\n",
            3,
        ),
    ]
}

/// The longest value of a keyword kind WeChat accepts, in characters.
fn max_chars(keyword: &str) -> usize {
    match keyword.trim_end_matches(|c: char| c.is_ascii_digit()) {
        "thing" => 20,
        "phrase" | "symbol" => 5,
        "phone_number" => 17,
        "car_number" => 8,
        "name" => 20,
        _ => 32,
    }
}

/// A user's grant for one template.
#[derive(Debug, Clone, Copy, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GrantState {
    /// One-time grants left.
    pub one_time: u32,
    /// Whether the long-term grant is on.
    pub long_term: bool,
}

/// A message a user received.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Received {
    /// WeChat's message id.
    pub msg_id: u64,
    /// The template.
    pub template_id: String,
    /// The page a tap opens.
    pub page: Option<String>,
    /// The values.
    pub data: Value,
    /// `developer`, `trial` or `formal`.
    pub miniprogram_state: Option<String>,
    /// The language.
    pub lang: Option<String>,
    /// Emulator time, Unix seconds.
    pub at: u64,
}

/// Subscribe messages of every app.
#[derive(Debug, Default)]
pub struct Subscriptions {
    added: HashMap<String, Vec<Template>>,
    grants: HashMap<(String, String, String), GrantState>,
    received: HashMap<(String, String), Vec<Received>>,
    last_msg_id: u64,
}

impl Subscriptions {
    /// The app's templates: the default set, then those added.
    pub fn templates(&self, appid: &str) -> Vec<Template> {
        let mut templates = default_templates();
        templates.extend(self.added.get(appid).into_iter().flatten().cloned());
        templates
    }

    /// The app's template with this id.
    pub fn template(&self, appid: &str, id: &str) -> Option<Template> {
        self.templates(appid)
            .into_iter()
            .find(|t| t.pri_tmpl_id == id)
    }

    /// Adds a template (or replaces the added one with its id).
    pub fn add_template(&mut self, appid: &str, template: Template) {
        let added = self.added.entry(appid.to_owned()).or_default();
        added.retain(|t| t.pri_tmpl_id != template.pri_tmpl_id);
        added.push(template);
    }

    /// Records a user's answer: an accept adds a one-time grant (`long_term` false) or turns
    /// the long-term grant on; a reject turns the long-term grant off; a ban also voids the
    /// one-time grants left.
    pub fn answer(
        &mut self,
        appid: &str,
        openid: &str,
        template_id: &str,
        result: &str,
        long_term: bool,
    ) -> GrantState {
        let grant = self
            .grants
            .entry((appid.to_owned(), openid.to_owned(), template_id.to_owned()))
            .or_default();
        match (result, long_term) {
            ("accept", false) => grant.one_time += 1,
            ("accept", true) => grant.long_term = true,
            ("ban", _) => *grant = GrantState::default(),
            (_, true) | ("reject", _) => grant.long_term = false,
            _ => {}
        }
        *grant
    }

    /// One more one-time grant of `template_id` for each of `openids` (the benchmark's input).
    pub fn grant_many(&mut self, appid: &str, openids: &[String], template_id: &str) {
        self.grants.reserve(openids.len());
        for openid in openids {
            self.grants
                .entry((appid.to_owned(), openid.clone(), template_id.to_owned()))
                .or_default()
                .one_time += 1;
        }
    }

    /// A user's grants by template.
    pub fn grants(&self, appid: &str, openid: &str) -> Map<String, Value> {
        self.grants
            .iter()
            .filter(|((a, o, _), _)| a == appid && o == openid)
            .map(|((_, _, t), grant)| (t.clone(), json!(grant)))
            .collect()
    }

    /// A send: the template must exist (40037), the data fit it (47003) and the user hold a
    /// grant (43101), which a one-time template uses. The message id.
    pub fn send(
        &mut self,
        appid: &str,
        openid: &str,
        request: &Map<String, Value>,
        at: u64,
    ) -> Result<u64, WxError> {
        let text = |name: &str| request.get(name).and_then(Value::as_str).map(str::to_owned);
        let template_id = text("template_id").ok_or(reply::INVALID_TEMPLATE)?;
        let template = self
            .template(appid, &template_id)
            .ok_or(reply::INVALID_TEMPLATE)?;
        let data = request
            .get("data")
            .and_then(Value::as_object)
            .ok_or(reply::INVALID_ARGUMENT)?;
        for keyword in template.keywords() {
            let value = data
                .get(&keyword)
                .and_then(|v| v.get("value"))
                .and_then(Value::as_str)
                .ok_or(reply::INVALID_ARGUMENT)?;
            if value.trim().is_empty() || value.chars().count() > max_chars(&keyword) {
                return Err(reply::INVALID_ARGUMENT);
            }
        }
        let key = (appid.to_owned(), openid.to_owned(), template_id.clone());
        let grant = self.grants.get_mut(&key).ok_or(reply::NO_SUBSCRIPTION)?;
        if template.kind == 3 {
            if !grant.long_term {
                return Err(reply::NO_SUBSCRIPTION);
            }
        } else if grant.one_time == 0 {
            return Err(reply::NO_SUBSCRIPTION);
        } else {
            grant.one_time -= 1;
        }
        self.last_msg_id += 1;
        let received = Received {
            msg_id: self.last_msg_id,
            template_id,
            page: text("page"),
            data: Value::Object(data.clone()),
            miniprogram_state: text("miniprogram_state"),
            lang: text("lang"),
            at,
        };
        self.received
            .entry((appid.to_owned(), openid.to_owned()))
            .or_default()
            .push(received);
        Ok(self.last_msg_id)
    }

    /// What a user received, in order.
    pub fn received(&self, appid: &str, openid: &str) -> Vec<Received> {
        self.received
            .get(&(appid.to_owned(), openid.to_owned()))
            .cloned()
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(template: &str, value: &str) -> Map<String, Value> {
        let body = json!({"template_id": template, "data": {
            "thing1": {"value": value}, "date2": {"value": "2024-10-02"}, "phrase3": {"value": "已确认"}}});
        body.as_object().cloned().unwrap_or_default()
    }

    #[test]
    fn each_one_time_grant_allows_one_message() {
        let mut subscriptions = Subscriptions::default();
        let template = "tmplAppointment000000002";
        assert_eq!(
            subscriptions.send("wx1", "o1", &request(template, "洗牙"), 1),
            Err(reply::NO_SUBSCRIPTION)
        );
        subscriptions.answer("wx1", "o1", template, "accept", false);
        assert!(subscriptions
            .send("wx1", "o1", &request(template, "洗牙"), 2)
            .is_ok());
        assert_eq!(
            subscriptions.send("wx1", "o1", &request(template, "洗牙"), 3),
            Err(reply::NO_SUBSCRIPTION)
        );
        assert_eq!(subscriptions.received("wx1", "o1").len(), 1);
    }

    #[test]
    fn bad_data_and_unknown_templates_are_refused_before_the_grant_is_used() {
        let mut subscriptions = Subscriptions::default();
        let template = "tmplAppointment000000002";
        subscriptions.answer("wx1", "o1", template, "accept", false);
        let long = "一二三四五六七八九十一二三四五六七八九十一";
        assert_eq!(
            subscriptions.send("wx1", "o1", &request(template, long), 1),
            Err(reply::INVALID_ARGUMENT)
        );
        assert_eq!(
            subscriptions.send("wx1", "o1", &request("nope", "x"), 1),
            Err(reply::INVALID_TEMPLATE)
        );
        assert!(subscriptions
            .send("wx1", "o1", &request(template, "洗牙"), 2)
            .is_ok());
    }
}
