//! The check of a message's data against its template's keywords, before anything is queued:
//! every keyword has a value, no other key is given, and each value fits its kind (the name
//! without its number: `thing1` is a `thing`), as WeChat's send would otherwise answer 47003.
//!
//! `thing` ≤ 20 characters; `number` ≤ 32 digits with an optional decimal point; `letter` ≤ 32
//! letters; `symbol` ≤ 5 symbols; `character_string` ≤ 32 letters, digits and symbols; `time` a
//! 24-hour time, optionally after a date; `date` a date, optionally with a time; `amount` a
//! number with up to 2 decimals and an optional currency; `phone_number` ≤ 17 digits and
//! symbols; `car_number` ≤ 8 characters; `name` ≤ 10 Chinese characters or 20 letters;
//! `phrase` ≤ 5 characters.

use std::collections::BTreeMap;

use wxbase_wechat::api::subscribe_message::KeywordValue;

/// Why the data does not fit the template; the key is named.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeywordError {
    /// A keyword of the template has no value.
    #[error("data.{0} is missing: the template needs it")]
    Missing(String),
    /// A key that is not a keyword of the template.
    #[error("data.{0} is not a keyword of the template")]
    Unknown(String),
    /// A value that does not fit its kind.
    #[error("data.{key} is invalid: {rule}")]
    Invalid {
        /// The keyword.
        key: String,
        /// What its kind allows.
        rule: &'static str,
    },
}

/// Checks `data` against the template's `keywords`.
pub fn check_data(
    keywords: &[String],
    data: &BTreeMap<String, KeywordValue>,
) -> Result<(), KeywordError> {
    if let Some(unknown) = data.keys().find(|key| !keywords.contains(key)) {
        return Err(KeywordError::Unknown(unknown.clone()));
    }
    for keyword in keywords {
        let value = data
            .get(keyword)
            .ok_or_else(|| KeywordError::Missing(keyword.clone()))?;
        check_value(kind_of(keyword), &value.value).map_err(|rule| KeywordError::Invalid {
            key: keyword.clone(),
            rule,
        })?;
    }
    Ok(())
}

/// The kind of a keyword: its name without the trailing number.
fn kind_of(keyword: &str) -> &str {
    keyword.trim_end_matches(|c: char| c.is_ascii_digit())
}

/// Whether `value` fits `kind`; the rule broken otherwise. Unknown kinds need a value only.
fn check_value(kind: &str, value: &str) -> Result<(), &'static str> {
    let chars = value.chars().count();
    let fits = |ok: bool, rule| if ok { Ok(()) } else { Err(rule) };
    if value.trim().is_empty() {
        return Err("a value is required");
    }
    match kind {
        "thing" => fits(chars <= 20, "thing is at most 20 characters"),
        "number" => fits(
            chars <= 32 && is_decimal(value, usize::MAX),
            "number is at most 32 digits, with an optional decimal point",
        ),
        "letter" => fits(
            chars <= 32 && value.chars().all(|c| c.is_ascii_alphabetic()),
            "letter is at most 32 letters",
        ),
        "symbol" => fits(
            chars <= 5 && value.chars().all(is_symbol),
            "symbol is at most 5 symbols",
        ),
        "character_string" => fits(
            chars <= 32
                && value
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || is_symbol(c)),
            "character_string is at most 32 letters, digits and symbols",
        ),
        "time" => fits(
            is_time(value),
            "time is a 24-hour time (15:01), optionally after a date",
        ),
        "date" => fits(
            is_date_time(value),
            "date is a date (2024-10-01), optionally with a time",
        ),
        "amount" => fits(
            is_amount(value),
            "amount is a number with up to 2 decimals and an optional currency",
        ),
        "phone_number" => fits(
            chars <= 17 && value.chars().all(|c| c.is_ascii_digit() || is_symbol(c)),
            "phone_number is at most 17 digits and symbols",
        ),
        "car_number" => fits(
            chars <= 8 && !value.chars().any(char::is_whitespace),
            "car_number is at most 8 characters",
        ),
        "name" => fits(
            if value.is_ascii() {
                chars <= 20 && value.chars().all(|c| c.is_ascii_alphabetic() || c == ' ')
            } else {
                chars <= 10
            },
            "name is at most 10 Chinese characters or 20 letters",
        ),
        "phrase" => fits(
            chars <= 5 && !value.chars().any(|c| c.is_ascii_digit()),
            "phrase is at most 5 characters, no digits",
        ),
        _ => Ok(()),
    }
}

/// ASCII punctuation (and `+`, `-`, …): what WeChat counts as a symbol.
fn is_symbol(c: char) -> bool {
    c.is_ascii_punctuation()
}

/// Digits with at most one decimal point and at most `decimals` digits after it.
fn is_decimal(value: &str, decimals: usize) -> bool {
    let (whole, fraction) = match value.split_once('.') {
        Some((whole, fraction)) => (whole, Some(fraction)),
        None => (value, None),
    };
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    digits(whole) && fraction.is_none_or(|f| digits(f) && f.len() <= decimals)
}

/// A currency mark (`¥`, `￥`, `$`, `€`, `£`, `CNY`, `USD`, …) or the unit `元` around a
/// decimal of up to 2 decimals.
fn is_amount(value: &str) -> bool {
    let value = value.trim();
    let value = value
        .trim_start_matches(['¥', '￥', '$', '€', '£'])
        .trim_start_matches(|c: char| c.is_ascii_uppercase())
        .trim_end_matches('元')
        .trim_end_matches(|c: char| c.is_ascii_uppercase())
        .trim();
    is_decimal(value, 2)
}

/// `HH:MM` or `HH:MM:SS`, 24-hour.
fn is_clock(value: &str) -> bool {
    let parts: Vec<&str> = value.split(':').collect();
    if !(2..=3).contains(&parts.len()) {
        return false;
    }
    let in_range = |part: &str, max: u32| {
        (1..=2).contains(&part.len()) && part.parse::<u32>().is_ok_and(|n| n <= max)
    };
    in_range(parts[0], 23) && parts[1..].iter().all(|part| in_range(part, 59))
}

/// `YYYY-MM-DD`, `YYYY/MM/DD`, `YYYY.MM.DD` or `YYYY年M月D日`.
fn is_calendar_date(value: &str) -> bool {
    let normalised = value.replace('日', "").replace(['年', '月', '/', '.'], "-");
    let parts: Vec<&str> = normalised.split('-').collect();
    if parts.len() != 3 || parts[0].len() != 4 {
        return false;
    }
    let number = |part: &str, min: u32, max: u32| {
        !part.is_empty()
            && part.len() <= 4
            && part.parse::<u32>().is_ok_and(|n| (min..=max).contains(&n))
    };
    number(parts[0], 1000, 9999) && number(parts[1], 1, 12) && number(parts[2], 1, 31)
}

/// A time, optionally after a date (`2024-10-01 15:01`); a range of two (`15:01~16:00`) too.
fn is_time(value: &str) -> bool {
    value.split('~').all(|part| {
        let part = part.trim();
        match part.rsplit_once(' ') {
            Some((date, clock)) => is_calendar_date(date.trim()) && is_clock(clock),
            None => is_clock(part),
        }
    })
}

/// A date, optionally with a time; a range of two too.
fn is_date_time(value: &str) -> bool {
    value.split('~').all(|part| {
        let part = part.trim();
        match part.split_once(' ') {
            Some((date, clock)) => is_calendar_date(date) && is_clock(clock.trim()),
            None => is_calendar_date(part),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn data(pairs: &[(&str, &str)]) -> BTreeMap<String, KeywordValue> {
        pairs
            .iter()
            .map(|(k, v)| {
                (
                    (*k).to_owned(),
                    KeywordValue {
                        value: (*v).to_owned(),
                    },
                )
            })
            .collect()
    }

    fn keywords(names: &[&str]) -> Vec<String> {
        names.iter().map(|n| (*n).to_owned()).collect()
    }

    #[test]
    fn values_that_fit_their_kinds_pass() {
        let names = keywords(&[
            "thing1",
            "number2",
            "letter3",
            "symbol4",
            "character_string5",
            "time6",
            "date7",
            "amount8",
            "phone_number9",
            "car_number10",
            "name11",
            "phrase12",
        ]);
        let ok = data(&[
            ("thing1", "您的订单已发货，请注意查收"),
            ("number2", "12.5"),
            ("letter3", "ABC"),
            ("symbol4", "+-"),
            ("character_string5", "SF1234-5678"),
            ("time6", "2024-10-01 15:01"),
            ("date7", "2024年10月1日"),
            ("amount8", "¥99.90"),
            ("phone_number9", "+86-13800138000"),
            ("car_number10", "粤A12345"),
            ("name11", "张三"),
            ("phrase12", "已发货"),
        ]);
        assert_eq!(check_data(&names, &ok), Ok(()));
    }

    #[test]
    fn each_broken_rule_names_its_key() {
        let cases = [
            ("thing1", "一二三四五六七八九十一二三四五六七八九十一"),
            ("number1", "12a"),
            ("letter1", "AB1"),
            ("symbol1", "++++++"),
            ("character_string1", "汉字"),
            ("time1", "25:00"),
            ("date1", "tomorrow"),
            ("amount1", "9.999"),
            ("phone_number1", "138-0013-8000-0000-1"),
            ("car_number1", "粤A1234567"),
            ("name1", "一二三四五六七八九十一"),
            ("phrase1", "一二三四五六"),
            ("thing1", "   "),
        ];
        for (key, value) in cases {
            let error = check_data(&keywords(&[key]), &data(&[(key, value)]))
                .expect_err(&format!("{key}={value:?} refused"));
            assert!(error.to_string().contains(key), "{error}");
        }
    }

    #[test]
    fn missing_and_unknown_keys_are_refused() {
        let names = keywords(&["thing1", "time2"]);
        assert_eq!(
            check_data(&names, &data(&[("thing1", "x")])),
            Err(KeywordError::Missing("time2".to_owned()))
        );
        assert_eq!(
            check_data(
                &names,
                &data(&[("thing1", "x"), ("time2", "10:00"), ("thing9", "y")])
            ),
            Err(KeywordError::Unknown("thing9".to_owned()))
        );
    }
}
