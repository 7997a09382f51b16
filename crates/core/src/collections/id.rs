//! Document ids: 26-character ULID-style text (48 bits of Unix milliseconds, then 80 random
//! bits, in Crockford base32). Ids sort by creation time as plain strings, and the ids one
//! process makes strictly increase, even within one millisecond.

use std::fmt;
use std::sync::Mutex;

use crate::Timestamp;

const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
const LEN: usize = 26;
const RANDOM_BITS: u32 = 80;
const RANDOM_MASK: u128 = (1 << RANDOM_BITS) - 1;

/// A document's `_id`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DocumentId(String);

impl DocumentId {
    /// Accepts only the canonical form the server makes; anything else names no document.
    pub fn parse(text: &str) -> Option<Self> {
        let canonical = text.len() == LEN
            && text.as_bytes()[0] <= b'7'
            && text.bytes().all(|b| ALPHABET.contains(&b));
        canonical.then(|| Self(text.to_owned()))
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    fn encode(value: u128) -> Self {
        let text = (0..LEN)
            .rev()
            .map(|i| char::from(ALPHABET[((value >> (5 * i)) & 31) as usize]))
            .collect();
        Self(text)
    }
}

impl fmt::Display for DocumentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Makes strictly increasing ids for one process.
#[derive(Debug, Default)]
pub struct IdGenerator {
    last: Mutex<u128>,
}

impl IdGenerator {
    /// A new id, greater than every id this generator made before.
    pub fn next_id(&self, now: Timestamp) -> DocumentId {
        let millis = u128::try_from(now.as_millis()).unwrap_or_default() & ((1 << 48) - 1);
        let fresh = (millis << RANDOM_BITS) | (rand::random::<u128>() & RANDOM_MASK);
        let mut last = self
            .last
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let value = if fresh > *last {
            fresh
        } else {
            last.saturating_add(1)
        };
        *last = value;
        DocumentId::encode(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_in_one_millisecond_still_increase() {
        let ids = IdGenerator::default();
        let now = Timestamp::from_millis(1_700_000_000_000);
        let made: Vec<DocumentId> = (0..1000).map(|_| ids.next_id(now)).collect();
        assert!(made.windows(2).all(|pair| pair[0] < pair[1]));
    }

    #[test]
    fn later_ids_sort_after_earlier_ones_and_parse_back() {
        let ids = IdGenerator::default();
        let early = ids.next_id(Timestamp::from_millis(1_000));
        let late = IdGenerator::default().next_id(Timestamp::from_millis(2_000));
        assert!(early < late);
        assert_eq!(early.as_str().len(), 26);
        assert_eq!(DocumentId::parse(early.as_str()), Some(early));
    }

    #[test]
    fn anything_but_the_canonical_form_is_no_id() {
        for text in [
            "",
            "abc",
            "01ARZ3NDEKTSV4RRFFQ69G5FA",
            "01arz3ndektsv4rrffq69g5fav",
            "81ARZ3NDEKTSV4RRFFQ69G5FAV",
            "01ARZ3NDEKTSV4RRFFQ69G5FA'",
        ] {
            assert_eq!(DocumentId::parse(text), None, "{text:?}");
        }
        assert!(DocumentId::parse("01ARZ3NDEKTSV4RRFFQ69G5FAV").is_some());
    }
}
