//! The official account's users as WeChat keeps them: who follows, since when, and the order
//! `/cgi-bin/user/get` lists them in (by when they last followed).

use std::collections::HashMap;

/// One user of the official account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FollowerEntry {
    /// The test person.
    pub person: String,
    /// Whether they follow now.
    pub following: bool,
    /// When they last followed, emulator time in Unix seconds.
    pub subscribe_time: u64,
    /// Their place in the list: a later follow comes later.
    order: u64,
}

/// One page of the follower list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    /// Followers in all.
    pub total: usize,
    /// This page's openids.
    pub openids: Vec<String>,
    /// The openid to pass for the next page; `None` on the last page.
    pub next_openid: Option<String>,
}

/// Every openid that ever followed, by openid.
#[derive(Debug, Default)]
pub struct Followers {
    entries: HashMap<String, FollowerEntry>,
    next_order: u64,
}

impl Followers {
    /// `person` (as `openid`) follows at `now`. False if they already follow.
    pub fn follow(&mut self, openid: &str, person: &str, now: u64) -> bool {
        if self.get(openid).is_some_and(|entry| entry.following) {
            return false;
        }
        self.next_order += 1;
        let entry = FollowerEntry {
            person: person.to_owned(),
            following: true,
            subscribe_time: now,
            order: self.next_order,
        };
        self.entries.insert(openid.to_owned(), entry);
        true
    }

    /// `openid` stops following. False if they did not follow.
    pub fn unfollow(&mut self, openid: &str) -> bool {
        match self.entries.get_mut(openid) {
            Some(entry) if entry.following => {
                entry.following = false;
                true
            }
            _ => false,
        }
    }

    /// The user with `openid`, if they ever followed.
    pub fn get(&self, openid: &str) -> Option<&FollowerEntry> {
        self.entries.get(openid)
    }

    /// Everyone who ever followed, in list order.
    pub fn everyone(&self) -> Vec<(&String, &FollowerEntry)> {
        let mut all: Vec<_> = self.entries.iter().collect();
        all.sort_by_key(|(_, entry)| entry.order);
        all
    }

    /// Up to `size` followers after `after` (from the start when `None`); `None` when `after`
    /// never followed.
    pub fn page(&self, after: Option<&str>, size: usize) -> Option<Page> {
        let start = match after {
            None => 0,
            Some(openid) => self.get(openid)?.order,
        };
        let following: Vec<(&String, &FollowerEntry)> = self
            .everyone()
            .into_iter()
            .filter(|(_, entry)| entry.following)
            .collect();
        let rest: Vec<&String> = following
            .iter()
            .filter(|(_, entry)| entry.order > start)
            .map(|(openid, _)| *openid)
            .collect();
        let openids: Vec<String> = rest
            .iter()
            .take(size.max(1))
            .map(|o| (*o).clone())
            .collect();
        let next_openid = (rest.len() > openids.len())
            .then(|| openids.last().cloned())
            .flatten();
        Some(Page {
            total: following.len(),
            openids,
            next_openid,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn followers(names: &[&str]) -> Followers {
        let mut followers = Followers::default();
        for (at, name) in names.iter().enumerate() {
            followers.follow(&format!("o-{name}"), name, at as u64);
        }
        followers
    }

    #[test]
    fn the_list_pages_in_follow_order_and_the_last_page_has_no_next_openid() {
        let list = followers(&["a", "b", "c"]);
        let first = list.page(None, 2).expect("a page");
        assert_eq!(first.openids, vec!["o-a", "o-b"]);
        assert_eq!(first.next_openid.as_deref(), Some("o-b"));
        assert_eq!(first.total, 3);
        let last = list.page(Some("o-b"), 2).expect("a page");
        assert_eq!(last.openids, vec!["o-c"]);
        assert_eq!(last.next_openid, None);
    }

    #[test]
    fn someone_who_left_is_not_listed_and_following_again_moves_them_last() {
        let mut list = followers(&["a", "b", "c"]);
        assert!(list.unfollow("o-a"));
        assert!(!list.unfollow("o-a"), "already gone");
        assert_eq!(
            list.page(None, 10).expect("page").openids,
            vec!["o-b", "o-c"]
        );
        assert!(list.follow("o-a", "a", 9));
        assert!(!list.follow("o-a", "a", 10), "already following");
        assert_eq!(
            list.page(None, 10).expect("page").openids,
            vec!["o-b", "o-c", "o-a"]
        );
        assert_eq!(list.get("o-a").map(|e| e.subscribe_time), Some(9));
    }

    #[test]
    fn paging_after_an_openid_that_never_followed_is_refused() {
        assert_eq!(followers(&["a"]).page(Some("o-zed"), 2), None);
    }
}
