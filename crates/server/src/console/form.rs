//! A posted form read as its list of fields, for forms where one name repeats (check boxes)
//! or whose names are made from data (one field per template keyword).

use axum::extract::RawForm;

/// The fields of an `application/x-www-form-urlencoded` body, in order.
pub struct Fields(Vec<(String, String)>);

impl Fields {
    /// The fields of `form`.
    pub fn of(RawForm(bytes): RawForm) -> Self {
        Self(form_urlencoded::parse(&bytes).into_owned().collect())
    }

    /// The first value of `name`, trimmed; `None` when absent or blank.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.trim())
            .filter(|v| !v.is_empty())
    }

    /// The first value of `name` as given (not trimmed), or `""`.
    pub fn text(&self, name: &str) -> &str {
        self.0
            .iter()
            .find(|(n, _)| n == name)
            .map_or("", |(_, v)| v.as_str())
    }

    /// Every value of `name`, in order.
    pub fn all(&self, name: &str) -> Vec<&str> {
        self.0
            .iter()
            .filter(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }

    /// Whether a check box `name` was ticked.
    pub fn checked(&self, name: &str) -> bool {
        self.0.iter().any(|(n, _)| n == name)
    }

    /// Every field whose name starts with `prefix`: the rest of the name and the value.
    pub fn prefixed<'a>(&'a self, prefix: &'a str) -> impl Iterator<Item = (&'a str, &'a str)> {
        self.0
            .iter()
            .filter_map(move |(n, v)| n.strip_prefix(prefix).map(|rest| (rest, v.as_str())))
    }
}

/// A comma- or line-separated list, each item trimmed, blanks dropped.
pub fn list(text: &str) -> Vec<String> {
    text.split([',', '\n', '\r', ' '])
        .map(str::trim)
        .filter(|item| !item.is_empty())
        .map(str::to_owned)
        .collect()
}
