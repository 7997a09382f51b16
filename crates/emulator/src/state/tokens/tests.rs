//! The token book's rules, without HTTP.

use super::*;

const LIFETIME: Duration = Duration::from_secs(7200);
const T0: Duration = Duration::from_secs(1_700_000_000);

fn secs(s: u64) -> Duration {
    Duration::from_secs(s)
}

#[test]
fn issued_tokens_are_well_formed_and_belong_to_their_app() {
    let mut book = TokenBook::default();
    let grant = book.issue_legacy("wxa", T0, LIFETIME);
    assert_eq!(grant.access_token.len(), TOKEN_LEN);
    assert_eq!(grant.expires_in, 7200);
    assert_eq!(book.check(Some(&grant.access_token), T0), Ok("wxa"));
}

#[test]
fn missing_malformed_and_unknown_tokens_get_their_own_errcodes() {
    let book = TokenBook::default();
    assert_eq!(book.check(None, T0), Err(reply::ACCESS_TOKEN_MISSING));
    assert_eq!(book.check(Some(""), T0), Err(reply::ACCESS_TOKEN_MISSING));
    assert_eq!(
        book.check(Some("abc"), T0),
        Err(reply::INVALID_ACCESS_TOKEN)
    );
    let bad_char = format!("{}!", "a".repeat(TOKEN_LEN - 1));
    assert_eq!(
        book.check(Some(&bad_char), T0),
        Err(reply::INVALID_ACCESS_TOKEN)
    );
    let unknown = "a".repeat(TOKEN_LEN);
    assert_eq!(
        book.check(Some(&unknown), T0),
        Err(reply::INVALID_CREDENTIAL)
    );
}

#[test]
fn a_superseded_legacy_token_dies_five_minutes_after_its_successor() {
    let mut book = TokenBook::default();
    let old = book.issue_legacy("wxa", T0, LIFETIME).access_token;
    book.issue_legacy("wxa", T0 + secs(100), LIFETIME);
    assert!(book.check(Some(&old), T0 + secs(399)).is_ok());
    assert_eq!(
        book.check(Some(&old), T0 + secs(400)),
        Err(reply::INVALID_CREDENTIAL)
    );
}

#[test]
fn a_token_past_its_lifetime_is_expired_unless_it_was_revoked_first() {
    let mut book = TokenBook::default();
    let token = book.issue_legacy("wxa", T0, LIFETIME).access_token;
    assert!(book.check(Some(&token), T0 + secs(7199)).is_ok());
    assert_eq!(
        book.check(Some(&token), T0 + LIFETIME),
        Err(reply::ACCESS_TOKEN_EXPIRED)
    );
    // Superseded 2 minutes before its expiry: it expires before the grace ends.
    let mut book = TokenBook::default();
    let token = book.issue_legacy("wxa", T0, LIFETIME).access_token;
    book.issue_legacy("wxa", T0 + secs(7080), LIFETIME);
    assert_eq!(
        book.check(Some(&token), T0 + secs(7300)),
        Err(reply::ACCESS_TOKEN_EXPIRED)
    );
}

#[test]
fn the_stable_token_is_reused_until_the_rotation_window() {
    let mut book = TokenBook::default();
    let first = book
        .issue_stable("wxa", T0, LIFETIME, false, 1)
        .expect("issued");
    let again = book
        .issue_stable("wxa", T0 + secs(6900), LIFETIME, false, 1)
        .expect("issued");
    assert_eq!(again.access_token, first.access_token);
    assert_eq!(again.expires_in, 300);
    let rotated = book
        .issue_stable("wxa", T0 + secs(6901), LIFETIME, false, 1)
        .expect("issued");
    assert_ne!(rotated.access_token, first.access_token);
    assert_eq!(rotated.expires_in, 7200);
    assert!(book
        .check(Some(&first.access_token), T0 + secs(7199))
        .is_ok());
}

#[test]
fn a_short_lifetime_rotates_in_its_last_half() {
    assert_eq!(rotation_window(LIFETIME), secs(300));
    assert_eq!(rotation_window(secs(60)), secs(30));
}

#[test]
fn legacy_and_stable_tokens_do_not_affect_each_other() {
    let mut book = TokenBook::default();
    let stable = book
        .issue_stable("wxa", T0, LIFETIME, false, 1)
        .expect("issued");
    book.issue_legacy("wxa", T0, LIFETIME);
    book.issue_legacy("wxa", T0 + secs(1), LIFETIME);
    assert!(book
        .check(Some(&stable.access_token), T0 + secs(1000))
        .is_ok());
}

#[test]
fn invalidating_an_app_spares_other_apps() {
    let mut book = TokenBook::default();
    let a = book.issue_legacy("wxa", T0, LIFETIME).access_token;
    let b = book.issue_legacy("wxb", T0, LIFETIME).access_token;
    assert_eq!(book.invalidate_app("wxa", T0 + secs(1)), 1);
    assert_eq!(
        book.check(Some(&a), T0 + secs(1)),
        Err(reply::INVALID_CREDENTIAL)
    );
    assert!(book.check(Some(&b), T0 + secs(1)).is_ok());
}
