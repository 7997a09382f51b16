//! A push document: the flat XML (`<xml><Name>value</Name>…</xml>`) or JSON object WeChat
//! posts, read into ordered fields and written back in either format.
//!
//! Reading is defensive: no DTD (so no entity expansion), only the five predefined entities
//! and character references, bounded depth and field count. The caller bounds the size.

use quick_xml::events::Event;
use quick_xml::Reader;

use crate::crypto::message::{cdata, json_string};

/// Most fields a document may have.
const MAX_FIELDS: usize = 256;
/// Deepest XML nesting accepted (`<xml>` is level 1).
const MAX_DEPTH: usize = 8;

/// The two data formats of the push settings (`docs/wechat-protocol.md`, "Push settings").
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PushFormat {
    /// `<xml>…</xml>`.
    Xml,
    /// A JSON object.
    Json,
}

impl PushFormat {
    /// The format by the first non-whitespace byte: `<` XML, `{` JSON
    /// (`docs/wechat-protocol.md`, "Push modes").
    pub fn detect(body: &[u8]) -> Option<Self> {
        match body.iter().find(|b| !b.is_ascii_whitespace()) {
            Some(b'<') => Some(Self::Xml),
            Some(b'{') => Some(Self::Json),
            _ => None,
        }
    }

    /// `xml` or `json`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Xml => "xml",
            Self::Json => "json",
        }
    }
}

/// Why a body is not a push document.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DocumentError {
    /// The body starts with neither `<` nor `{`.
    #[error("the body is neither XML nor JSON")]
    UnknownFormat,
    /// The body is not UTF-8.
    #[error("the body is not UTF-8")]
    NotUtf8,
    /// The XML is malformed or not the flat `<xml>` document WeChat sends.
    #[error("malformed XML: {0}")]
    Xml(String),
    /// The XML declares a DTD, which WeChat never sends (refused to rule out entity tricks).
    #[error("XML with a DOCTYPE is refused")]
    Doctype,
    /// The JSON is malformed or not an object.
    #[error("malformed JSON: {0}")]
    Json(String),
    /// More fields, or deeper nesting, than any push has.
    #[error("the document is too large or too deeply nested")]
    TooComplex,
}

/// One field's value. `numeric` fields render bare (`CreateTime`, `MsgId`), the others as
/// strings (CDATA in XML).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    /// The value as text (integers in decimal).
    pub value: String,
    /// Whether the value renders as a number.
    pub numeric: bool,
}

/// The fields of a push document, in document order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PushDocument {
    fields: Vec<(String, Field)>,
}

impl PushDocument {
    /// An empty document, to build with [`text`](Self::text) and [`number`](Self::number).
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds (or replaces) a string field.
    pub fn text(mut self, name: &str, value: impl Into<String>) -> Self {
        self.set(name, value.into(), false);
        self
    }

    /// Adds (or replaces) a numeric field.
    pub fn number(mut self, name: &str, value: impl ToString) -> Self {
        self.set(name, value.to_string(), true);
        self
    }

    fn set(&mut self, name: &str, value: String, numeric: bool) {
        let field = Field { value, numeric };
        match self.fields.iter_mut().find(|(n, _)| n == name) {
            Some(slot) => slot.1 = field,
            None => self.fields.push((name.to_owned(), field)),
        }
    }

    /// The value of a field, if present.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, f)| f.value.as_str())
    }

    /// Every field, in order.
    pub fn fields(&self) -> impl Iterator<Item = (&str, &Field)> {
        self.fields.iter().map(|(n, f)| (n.as_str(), f))
    }

    /// Reads a body in the format its first byte says.
    pub fn parse(body: &[u8]) -> Result<(PushFormat, Self), DocumentError> {
        let format = PushFormat::detect(body).ok_or(DocumentError::UnknownFormat)?;
        let text = std::str::from_utf8(body).map_err(|_| DocumentError::NotUtf8)?;
        let document = match format {
            PushFormat::Xml => parse_xml(text)?,
            PushFormat::Json => parse_json(text)?,
        };
        Ok((format, document))
    }

    /// Writes the document in `format`.
    pub fn render(&self, format: PushFormat) -> String {
        match format {
            PushFormat::Xml => self.to_xml(),
            PushFormat::Json => self.to_json(),
        }
    }

    /// `<xml><Name><![CDATA[text]]></Name><Number>1</Number></xml>`.
    pub fn to_xml(&self) -> String {
        let mut out = String::from("<xml>");
        for (name, field) in &self.fields {
            let value = if field.numeric {
                field.value.clone()
            } else {
                cdata(&field.value)
            };
            out.push_str(&format!("<{name}>{value}</{name}>"));
        }
        out.push_str("</xml>");
        out
    }

    /// `{"Name":"text","Number":1}`, keys in order; numbers written as their exact digits.
    pub fn to_json(&self) -> String {
        let parts: Vec<String> = self
            .fields
            .iter()
            .map(|(name, field)| {
                let value = if field.numeric && is_integer(&field.value) {
                    field.value.clone()
                } else {
                    json_string(&field.value)
                };
                format!("{}:{value}", json_string(name))
            })
            .collect();
        format!("{{{}}}", parts.join(","))
    }
}

fn is_integer(text: &str) -> bool {
    let digits = text.strip_prefix('-').unwrap_or(text);
    !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())
}

fn xml_error(error: impl std::fmt::Display) -> DocumentError {
    DocumentError::Xml(error.to_string())
}

/// Reads `<xml>` and its child elements' text; deeper elements are checked but not kept.
fn parse_xml(text: &str) -> Result<PushDocument, DocumentError> {
    let mut reader = Reader::from_str(text);
    let mut document = PushDocument::new();
    let mut depth = 0usize;
    let mut root_done = false;
    let mut current: Option<(String, String)> = None;
    loop {
        match reader.read_event().map_err(xml_error)? {
            Event::Start(start) => {
                if root_done {
                    return Err(xml_error("content after the root element"));
                }
                depth += 1;
                if depth > MAX_DEPTH {
                    return Err(DocumentError::TooComplex);
                }
                let name = start.name();
                if depth == 1 && name.as_ref() != "xml" {
                    return Err(xml_error("the root element must be <xml>"));
                }
                if depth == 2 {
                    current = Some((name.as_ref().to_owned(), String::new()));
                }
            }
            Event::Empty(empty) => match depth {
                0 => return Err(xml_error("the root element is empty")),
                1 => push_field(
                    &mut document,
                    empty.name().as_ref().to_owned(),
                    String::new(),
                )?,
                _ => {}
            },
            Event::End(_) => {
                if depth == 2 {
                    if let Some((name, value)) = current.take() {
                        push_field(&mut document, name, value)?;
                    }
                }
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    root_done = true;
                }
            }
            Event::Text(content) => {
                append_text(depth, &mut current, &content)?;
            }
            Event::CData(content) => {
                append_text(depth, &mut current, &content.into_inner())?;
            }
            Event::GeneralRef(reference) => {
                let resolved = match reference.resolve_char_ref().map_err(xml_error)? {
                    Some(ch) => ch,
                    None => predefined_entity(&reference)
                        .ok_or_else(|| xml_error(format!("unknown entity &{};", &*reference)))?,
                };
                append_text(depth, &mut current, resolved.encode_utf8(&mut [0; 4]))?;
            }
            Event::DocType(_) => return Err(DocumentError::Doctype),
            Event::Decl(_) | Event::PI(_) | Event::Comment(_) => {}
            Event::Eof => break,
        }
    }
    if !root_done || depth != 0 {
        return Err(xml_error("the document ends before </xml>"));
    }
    Ok(document)
}

fn predefined_entity(name: &str) -> Option<char> {
    match name {
        "lt" => Some('<'),
        "gt" => Some('>'),
        "amp" => Some('&'),
        "quot" => Some('"'),
        "apos" => Some('\''),
        _ => None,
    }
}

/// Text belongs to the current field; outside fields only whitespace is allowed.
fn append_text(
    depth: usize,
    current: &mut Option<(String, String)>,
    text: &str,
) -> Result<(), DocumentError> {
    match (depth, current) {
        (2, Some((_, value))) => {
            value.push_str(text);
            Ok(())
        }
        (0 | 1, _) if !text.chars().all(char::is_whitespace) => {
            Err(xml_error("text outside of a field"))
        }
        _ => Ok(()),
    }
}

fn push_field(
    document: &mut PushDocument,
    name: String,
    value: String,
) -> Result<(), DocumentError> {
    if document.fields.len() >= MAX_FIELDS {
        return Err(DocumentError::TooComplex);
    }
    document.fields.push((
        name,
        Field {
            value,
            numeric: false,
        },
    ));
    Ok(())
}

/// Reads a JSON object: strings as text, integers exactly as written (never through `f64`),
/// anything else kept as its JSON text.
fn parse_json(text: &str) -> Result<PushDocument, DocumentError> {
    let value: serde_json::Value =
        serde_json::from_str(text).map_err(|e| DocumentError::Json(e.to_string()))?;
    let serde_json::Value::Object(object) = value else {
        return Err(DocumentError::Json("not a JSON object".to_owned()));
    };
    if object.len() > MAX_FIELDS {
        return Err(DocumentError::TooComplex);
    }
    let mut document = PushDocument::new();
    for (name, value) in object {
        let field = match value {
            serde_json::Value::String(text) => Field {
                value: text,
                numeric: false,
            },
            serde_json::Value::Number(number) => Field {
                value: number.to_string(),
                numeric: true,
            },
            other => Field {
                value: other.to_string(),
                numeric: false,
            },
        };
        document.fields.push((name, field));
    }
    Ok(document)
}

#[cfg(test)]
mod tests;
