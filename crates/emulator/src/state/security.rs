//! Content security: the words that make a text check answer `risky` or `review`, set by the
//! control API (`POST /__emulator/security/risky-words`), and the verdicts of media checks by
//! URL, with the delay before each is pushed (`POST /__emulator/security/media-verdicts`).

use std::time::Duration;

/// Label of a text containing a risky word (WeChat's 20006: illegal).
pub const RISKY_LABEL: i64 = 20006;
/// Label of a text WeChat wants a person to look at (21000: other).
pub const REVIEW_LABEL: i64 = 21000;
/// Label of a clean text.
pub const NORMAL_LABEL: i64 = 100;

/// The words the text check looks for, compared without regard to case.
#[derive(Debug, Default, Clone)]
pub struct TextRules {
    /// A text containing one is `risky`.
    pub risky: Vec<String>,
    /// A text containing one (and no risky word) is `review`.
    pub review: Vec<String>,
}

impl TextRules {
    /// The verdict on `content`: `(suggest, label)`.
    pub fn verdict(&self, content: &str) -> (&'static str, i64) {
        let content = content.to_lowercase();
        let contains = |words: &[String]| {
            words
                .iter()
                .any(|word| !word.is_empty() && content.contains(&word.to_lowercase()))
        };
        if contains(&self.risky) {
            ("risky", RISKY_LABEL)
        } else if contains(&self.review) {
            ("review", REVIEW_LABEL)
        } else {
            ("pass", NORMAL_LABEL)
        }
    }
}

/// Label of a risky image or audio (WeChat's 20002: porn).
pub const RISKY_MEDIA_LABEL: i64 = 20002;

/// How media checks are judged: a default verdict, verdicts for URLs containing a text, and
/// how long after the call the verdict is pushed.
#[derive(Debug, Clone)]
pub struct MediaRules {
    /// The verdict of a URL no rule matches: `pass`, `review` or `risky`.
    pub default: String,
    /// `(text, verdict)`: a URL containing `text` gets `verdict`; the worst match wins.
    pub url_contains: Vec<(String, String)>,
    /// How long after the call the verdict is pushed.
    pub delay: Duration,
}

impl Default for MediaRules {
    fn default() -> Self {
        Self {
            default: "pass".to_owned(),
            url_contains: Vec::new(),
            delay: Duration::from_millis(500),
        }
    }
}

impl MediaRules {
    /// The verdict on the media at `url`: `(suggest, label)`.
    pub fn verdict(&self, url: &str) -> (&'static str, i64) {
        let severity = |suggest: &str| match suggest {
            "risky" => 2,
            "review" => 1,
            _ => 0,
        };
        let worst = self
            .url_contains
            .iter()
            .filter(|(text, _)| !text.is_empty() && url.contains(text.as_str()))
            .map(|(_, verdict)| verdict.as_str())
            .max_by_key(|verdict| severity(verdict))
            .unwrap_or(&self.default);
        match severity(worst) {
            2 => ("risky", RISKY_MEDIA_LABEL),
            1 => ("review", REVIEW_LABEL),
            _ => ("pass", NORMAL_LABEL),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_risky_word_anywhere_in_any_case_makes_the_text_risky() {
        let rules = TextRules {
            risky: vec!["Gamble".to_owned()],
            review: vec!["maybe".to_owned()],
        };
        assert_eq!(rules.verdict("let us GAMBLE now").0, "risky");
        assert_eq!(rules.verdict("maybe later").0, "review");
        assert_eq!(rules.verdict("maybe gamble").0, "risky");
        assert_eq!(rules.verdict("hello"), ("pass", NORMAL_LABEL));
    }

    #[test]
    fn a_url_rule_overrides_the_default_and_the_worst_match_wins() {
        let rules = MediaRules {
            default: "pass".to_owned(),
            url_contains: vec![
                ("abc".to_owned(), "review".to_owned()),
                ("abcd".to_owned(), "risky".to_owned()),
            ],
            ..MediaRules::default()
        };
        assert_eq!(rules.verdict("https://x/abcd?sig=1").0, "risky");
        assert_eq!(rules.verdict("https://x/abc?sig=1").0, "review");
        assert_eq!(rules.verdict("https://x/other"), ("pass", NORMAL_LABEL));
    }
}
