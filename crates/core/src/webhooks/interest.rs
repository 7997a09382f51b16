//! Which event types some enabled endpoint takes, kept in memory so that the hot paths (logins)
//! pay nothing while no endpoint listens: a store refreshes it whenever it changes an
//! endpoint, and whenever it is asked for the subscribed types (the delivery worker asks every
//! few seconds). On the instance that changed an endpoint the change holds at once; on other
//! instances sharing the database, within that refresh interval.

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicU32, Ordering};

use super::event::EventType;

/// The subscribed event types, one bit each.
#[derive(Debug, Default)]
pub struct Interest {
    bits: AtomicU32,
}

fn bit(kind: EventType) -> u32 {
    let index = EventType::SUBSCRIBABLE
        .iter()
        .position(|k| *k == kind)
        .unwrap_or(EventType::SUBSCRIBABLE.len());
    1 << index
}

impl Interest {
    /// Replaces the set.
    pub fn set(&self, kinds: &[EventType]) {
        let bits = kinds.iter().fold(0, |bits, kind| bits | bit(*kind));
        self.bits.store(bits, Ordering::Relaxed);
    }

    /// Whether any of `kinds` is taken by some endpoint.
    pub fn any(&self, kinds: &[EventType]) -> bool {
        let wanted = kinds.iter().fold(0, |bits, kind| bits | bit(*kind));
        self.bits.load(Ordering::Relaxed) & wanted != 0
    }

    /// The set, for tests and diagnostics.
    pub fn kinds(&self) -> BTreeSet<EventType> {
        EventType::SUBSCRIBABLE
            .into_iter()
            .filter(|kind| self.any(&[*kind]))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_set_holds_exactly_its_kinds() {
        let interest = Interest::default();
        assert!(!interest.any(&[EventType::UserLogin, EventType::UserCreated]));
        interest.set(&[EventType::UserCreated, EventType::FileUploaded]);
        assert!(interest.any(&[EventType::UserLogin, EventType::UserCreated]));
        assert!(!interest.any(&[EventType::UserLogin]));
        assert_eq!(
            interest.kinds(),
            [EventType::UserCreated, EventType::FileUploaded]
                .into_iter()
                .collect()
        );
    }
}
