//! Links that open the mini-program: URL links and URL schemes made by `generate_urllink` and
//! `generatescheme`, kept so `GET /__emulator/links/{id}` can say where each leads.

use std::collections::HashMap;
use std::time::Duration;

/// Which kind of link.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkKind {
    /// `https://wxaurl.cn/<id>`.
    UrlLink,
    /// `weixin://dl/business/?t=<id>`.
    Scheme,
}

impl LinkKind {
    /// The kind's name in the control API.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::UrlLink => "urllink",
            Self::Scheme => "scheme",
        }
    }

    /// The link WeChat hands out for `id`.
    pub fn url(self, id: &str) -> String {
        match self {
            Self::UrlLink => format!("https://wxaurl.cn/{id}"),
            Self::Scheme => format!("weixin://dl/business/?t={id}"),
        }
    }
}

/// One generated link.
#[derive(Debug, Clone)]
pub struct Link {
    /// Which kind.
    pub kind: LinkKind,
    /// The app it opens.
    pub appid: String,
    /// The page.
    pub path: String,
    /// The page's query.
    pub query: String,
    /// Which version opens.
    pub env_version: String,
    /// When it stops working, on the emulator's clock.
    pub expires_at: Duration,
}

/// Every link generated, by id.
#[derive(Debug, Default)]
pub struct Links {
    by_id: HashMap<String, Link>,
}

impl Links {
    /// Keeps `link` under a fresh id; returns the id.
    pub fn add(&mut self, link: Link) -> String {
        let id = hex::encode(rand::random::<[u8; 8]>());
        self.by_id.insert(id.clone(), link);
        id
    }

    /// The link with this id.
    pub fn get(&self, id: &str) -> Option<&Link> {
        self.by_id.get(id)
    }
}
