//! A push document: the XML (`<xml><Name>value</Name>…</xml>`) or JSON object WeChat posts,
//! read into ordered fields and written back in either format. Most fields are text; a field
//! holding elements (XML) or an object or array (JSON), as the subscribe-message events'
//! item lists do, is a structure, kept as JSON: in XML an element named once is an object
//! and an element repeated is an array, as WeChat's JSON writes them.
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
/// Most XML elements a document may have, nested ones included.
const MAX_ELEMENTS: usize = 1024;

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

/// What a field holds, which decides how it renders.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldKind {
    /// A string: CDATA in XML, a JSON string.
    Text,
    /// A number, rendered bare (`CreateTime`, `MsgId`).
    Number,
    /// Nested elements or a JSON object or array; the value is its JSON text.
    Structure,
}

/// One field's value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    /// The value as text (integers in decimal, structures as JSON).
    pub value: String,
    /// How it renders.
    pub kind: FieldKind,
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
        self.set(name, value.into(), FieldKind::Text);
        self
    }

    /// Adds (or replaces) a numeric field.
    pub fn number(mut self, name: &str, value: impl ToString) -> Self {
        self.set(name, value.to_string(), FieldKind::Number);
        self
    }

    /// Adds (or replaces) a structured field: in XML an object's keys become elements, an
    /// array's items repeat their element.
    pub fn structure(mut self, name: &str, value: &serde_json::Value) -> Self {
        self.set(name, value.to_string(), FieldKind::Structure);
        self
    }

    fn set(&mut self, name: &str, value: String, kind: FieldKind) {
        let field = Field { value, kind };
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

    /// The value of a structured field, as JSON; `None` when absent or text.
    pub fn get_structure(&self, name: &str) -> Option<serde_json::Value> {
        self.fields
            .iter()
            .find(|(n, f)| n == name && f.kind == FieldKind::Structure)
            .and_then(|(_, f)| serde_json::from_str(&f.value).ok())
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
            match field.kind {
                FieldKind::Number => out.push_str(&format!("<{name}>{}</{name}>", field.value)),
                FieldKind::Text => {
                    out.push_str(&format!("<{name}>{}</{name}>", cdata(&field.value)))
                }
                FieldKind::Structure => {
                    let value = serde_json::from_str(&field.value)
                        .unwrap_or(serde_json::Value::String(field.value.clone()));
                    write_xml_element(&mut out, name, &value);
                }
            }
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
                let value = match field.kind {
                    FieldKind::Number if is_integer(&field.value) => field.value.clone(),
                    FieldKind::Structure => field.value.clone(),
                    _ => json_string(&field.value),
                };
                format!("{}:{value}", json_string(name))
            })
            .collect();
        format!("{{{}}}", parts.join(","))
    }
}

/// `<name>…</name>` for a JSON value: an array repeats the element, an object's keys are child
/// elements, a string is CDATA, anything else its JSON text.
fn write_xml_element(out: &mut String, name: &str, value: &serde_json::Value) {
    use serde_json::Value;
    match value {
        Value::Array(items) => {
            for item in items {
                write_xml_element(out, name, item);
            }
        }
        Value::Object(children) => {
            out.push_str(&format!("<{name}>"));
            for (child, value) in children {
                write_xml_element(out, child, value);
            }
            out.push_str(&format!("</{name}>"));
        }
        Value::String(text) => out.push_str(&format!("<{name}>{}</{name}>", cdata(text))),
        other => out.push_str(&format!("<{name}>{other}</{name}>")),
    }
}

fn is_integer(text: &str) -> bool {
    let digits = text.strip_prefix('-').unwrap_or(text);
    !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())
}

fn xml_error(error: impl std::fmt::Display) -> DocumentError {
    DocumentError::Xml(error.to_string())
}

/// An element below a field being read: its name, its text, and its children so far.
struct Open {
    name: String,
    text: String,
    children: Vec<(String, serde_json::Value)>,
}

impl Open {
    fn new(name: String) -> Self {
        Self {
            name,
            text: String::new(),
            children: Vec::new(),
        }
    }

    /// Its text when it has no child elements, else an object of its children (a name
    /// repeated becomes an array, in order).
    fn into_value(self) -> (String, serde_json::Value) {
        use serde_json::{Map, Value};
        if self.children.is_empty() {
            return (self.name, Value::String(self.text));
        }
        let mut object = Map::new();
        for (name, value) in self.children {
            match object.get_mut(&name) {
                // A value read from XML is text or an object, so an array here is a name
                // already repeated.
                Some(Value::Array(items)) => items.push(value),
                Some(existing) => {
                    let first = existing.take();
                    *existing = Value::Array(vec![first, value]);
                }
                None => {
                    object.insert(name, value);
                }
            }
        }
        (self.name, Value::Object(object))
    }
}

/// Reads `<xml>` and its fields: a field's text, or, for a field holding elements, the
/// structure of those elements.
fn parse_xml(text: &str) -> Result<PushDocument, DocumentError> {
    let mut reader = Reader::from_str(text);
    let mut document = PushDocument::new();
    let mut depth = 0usize;
    let mut root_done = false;
    let mut open: Vec<Open> = Vec::new();
    let mut elements = 0usize;
    loop {
        match reader.read_event().map_err(xml_error)? {
            Event::Start(start) => {
                if root_done {
                    return Err(xml_error("content after the root element"));
                }
                depth += 1;
                elements += 1;
                if depth > MAX_DEPTH || elements > MAX_ELEMENTS {
                    return Err(DocumentError::TooComplex);
                }
                let name = start.name();
                if depth == 1 && name.as_ref() != "xml" {
                    return Err(xml_error("the root element must be <xml>"));
                }
                if depth >= 2 {
                    open.push(Open::new(name.as_ref().to_owned()));
                }
            }
            Event::Empty(empty) => {
                let name = empty.name().as_ref().to_owned();
                match open.last_mut() {
                    _ if depth == 0 => return Err(xml_error("the root element is empty")),
                    None => push_field(&mut document, name, String::new(), FieldKind::Text)?,
                    Some(parent) => parent
                        .children
                        .push((name, serde_json::Value::String(String::new()))),
                }
            }
            Event::End(_) => {
                if let Some(element) = open.pop() {
                    let (name, value) = element.into_value();
                    match open.last_mut() {
                        Some(parent) => parent.children.push((name, value)),
                        None => match value {
                            serde_json::Value::String(text) => {
                                push_field(&mut document, name, text, FieldKind::Text)?
                            }
                            structure => push_field(
                                &mut document,
                                name,
                                structure.to_string(),
                                FieldKind::Structure,
                            )?,
                        },
                    }
                }
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    root_done = true;
                }
            }
            Event::Text(content) => {
                append_text(depth, &mut open, &content)?;
            }
            Event::CData(content) => {
                append_text(depth, &mut open, &content.into_inner())?;
            }
            Event::GeneralRef(reference) => {
                let resolved = match reference.resolve_char_ref().map_err(xml_error)? {
                    Some(ch) => ch,
                    None => predefined_entity(&reference)
                        .ok_or_else(|| xml_error(format!("unknown entity &{};", &*reference)))?,
                };
                append_text(depth, &mut open, resolved.encode_utf8(&mut [0; 4]))?;
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

/// Text belongs to the innermost open element; outside fields only whitespace is allowed.
fn append_text(depth: usize, open: &mut [Open], text: &str) -> Result<(), DocumentError> {
    match open.last_mut() {
        Some(element) => {
            element.text.push_str(text);
            Ok(())
        }
        None if depth <= 1 && !text.chars().all(char::is_whitespace) => {
            Err(xml_error("text outside of a field"))
        }
        None => Ok(()),
    }
}

fn push_field(
    document: &mut PushDocument,
    name: String,
    value: String,
    kind: FieldKind,
) -> Result<(), DocumentError> {
    if document.fields.len() >= MAX_FIELDS {
        return Err(DocumentError::TooComplex);
    }
    document.fields.push((name, Field { value, kind }));
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
                kind: FieldKind::Text,
            },
            serde_json::Value::Number(number) => Field {
                value: number.to_string(),
                kind: FieldKind::Number,
            },
            structure @ (serde_json::Value::Object(_) | serde_json::Value::Array(_)) => Field {
                value: structure.to_string(),
                kind: FieldKind::Structure,
            },
            other => Field {
                value: other.to_string(),
                kind: FieldKind::Text,
            },
        };
        document.fields.push((name, field));
    }
    Ok(document)
}

#[cfg(test)]
mod tests;
