//! Content security: the words that make a text check answer `risky` or `review`, set by the
//! control API (`POST /__emulator/security/risky-words`).

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
}
