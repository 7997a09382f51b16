//! What an upload's bytes pass through before storage, with no I/O: each chunk is counted
//! against the limit and hashed, and the first bytes are held until the content type is
//! sniffed from them (with `infer`) and checked against the bucket's types.
//! [`Upload`](super::Upload) sends what the intake releases to storage; the fuzz target
//! `file_upload` drives it with untrusted bytes.

use std::borrow::Cow;

use sha2::{Digest, Sha256};
use wxbase_wechat::api::security::MediaType;

use super::bucket::Bucket;
use super::error::FileError;

/// How many bytes are read before the content type is decided.
pub const SNIFF_BYTES: usize = 8192;

/// The content type of bytes `infer` does not recognise.
const UNKNOWN_TYPE: &str = "application/octet-stream";

/// The bookkeeping of one upload's bytes.
#[derive(Clone)]
pub struct Intake {
    max_upload_bytes: u64,
    bucket: Option<Bucket>,
    head: Vec<u8>,
    content_type: Option<String>,
    size: u64,
    hasher: Sha256,
}

impl Intake {
    /// An empty intake under `files.max_upload_bytes`.
    pub fn new(max_upload_bytes: u64) -> Self {
        Self {
            max_upload_bytes,
            bucket: None,
            head: Vec::new(),
            content_type: None,
            size: 0,
            hasher: Sha256::new(),
        }
    }

    /// The limit that applies now: the bucket's when it is known and lower, else the
    /// configured one, with the setting that set it.
    pub fn limit(&self) -> (u64, &'static str) {
        match self.bucket.as_ref().and_then(|b| b.max_bytes) {
            Some(max) if max < self.max_upload_bytes => (max, "the bucket's maxBytes"),
            _ => (self.max_upload_bytes, "files.max_upload_bytes"),
        }
    }

    /// Names the bucket (already checked to exist and to let the caller upload): the bytes
    /// so far must fit its limit and, once sniffed, its types.
    pub fn set_bucket(&mut self, bucket: Bucket) -> Result<(), FileError> {
        self.bucket = Some(bucket);
        self.check_limit()?;
        self.check_type()
    }

    /// The bucket, once named.
    pub fn bucket(&self) -> Option<&Bucket> {
        self.bucket.as_ref()
    }

    /// Takes the next bytes of the file; what it answers is ready for storage, in order
    /// (empty while the head is held for sniffing).
    pub fn take<'a>(&mut self, chunk: &'a [u8]) -> Result<Cow<'a, [u8]>, FileError> {
        self.size = self.size.saturating_add(chunk.len() as u64);
        self.check_limit()?;
        self.hasher.update(chunk);
        if self.content_type.is_some() {
            return Ok(Cow::Borrowed(chunk));
        }
        self.head.extend_from_slice(chunk);
        if self.head.len() < SNIFF_BYTES {
            return Ok(Cow::Borrowed(&[]));
        }
        self.sniff()?;
        Ok(Cow::Owned(std::mem::take(&mut self.head)))
    }

    /// Ends the file: it must not be empty. Answers the bytes still held, which go to
    /// storage last.
    pub fn finish(&mut self) -> Result<Vec<u8>, FileError> {
        if self.size == 0 {
            return Err(FileError::BadRequest("the file is empty (0 bytes)".into()));
        }
        if self.content_type.is_none() {
            self.sniff()?;
        }
        Ok(std::mem::take(&mut self.head))
    }

    /// Bytes taken so far.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// The content type read from the first bytes, once sniffed.
    pub fn content_type(&self) -> Option<&str> {
        self.content_type.as_deref()
    }

    /// SHA-256 of the bytes taken so far, in hex.
    pub fn sha256(&self) -> String {
        hex::encode(self.hasher.clone().finalize())
    }

    fn check_limit(&self) -> Result<(), FileError> {
        let (limit, which) = self.limit();
        if self.size > limit {
            return Err(FileError::TooLarge { limit, which });
        }
        Ok(())
    }

    fn check_type(&self) -> Result<(), FileError> {
        if let (Some(bucket), Some(content_type)) = (&self.bucket, &self.content_type) {
            if bucket.moderation.is_some() && MediaType::of_content_type(content_type).is_none() {
                return Err(FileError::UnsupportedType {
                    bucket: bucket.name.to_string(),
                    content_type: content_type.clone(),
                    accepted: "images and audio only, as its uploads are checked by WeChat"
                        .to_owned(),
                });
            }
            if !bucket.accepts(content_type) {
                let accepted: Vec<&str> = bucket.types.iter().map(|t| t.as_str()).collect();
                return Err(FileError::UnsupportedType {
                    bucket: bucket.name.to_string(),
                    content_type: content_type.clone(),
                    accepted: accepted.join(", "),
                });
            }
        }
        Ok(())
    }

    fn sniff(&mut self) -> Result<(), FileError> {
        let content_type = infer::get(&self.head)
            .map(|kind| kind.mime_type())
            .unwrap_or(UNKNOWN_TYPE);
        self.content_type = Some(content_type.to_owned());
        self.check_type()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::collections::PermissionMode;
    use crate::files::{BucketName, TypeRule};
    use crate::Timestamp;

    const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";

    fn bucket(max_bytes: Option<u64>, types: &[&str]) -> Bucket {
        Bucket {
            name: BucketName::parse("photos").expect("name"),
            permission: PermissionMode::ReadAllWriteOwn,
            max_bytes,
            types: types
                .iter()
                .map(|t| TypeRule::parse(t).expect("rule"))
                .collect(),
            moderation: None,
            created_at: Timestamp::from_millis(0),
            updated_at: Timestamp::from_millis(0),
        }
    }

    /// Feeds `chunks` and collects what the intake releases, the held head last.
    fn released(intake: &mut Intake, chunks: &[&[u8]]) -> Result<Vec<u8>, FileError> {
        let mut out = Vec::new();
        for chunk in chunks {
            out.extend_from_slice(&intake.take(chunk)?);
        }
        out.extend_from_slice(&intake.finish()?);
        Ok(out)
    }

    #[test]
    fn every_byte_is_released_once_and_in_order() {
        let big = vec![7u8; SNIFF_BYTES * 2 + 5];
        let chunks: Vec<&[u8]> = vec![PNG, &big[..100], &big[100..SNIFF_BYTES + 3], &big[100..]];
        let mut intake = Intake::new(1 << 20);
        let out = released(&mut intake, &chunks).expect("released");
        assert_eq!(out, chunks.concat());
        assert_eq!(intake.size(), out.len() as u64);
        assert_eq!(intake.sha256(), hex::encode(Sha256::digest(&out)));
        assert_eq!(intake.content_type(), Some("image/png"));
    }

    #[test]
    fn a_small_file_is_held_until_finished_and_then_sniffed() {
        let mut intake = Intake::new(100);
        assert!(intake.take(b"plain words").expect("taken").is_empty());
        assert_eq!(intake.content_type(), None);
        assert_eq!(intake.finish().expect("finished"), b"plain words");
        assert_eq!(intake.content_type(), Some(UNKNOWN_TYPE));
    }

    #[test]
    fn the_lower_of_the_two_limits_refuses_the_byte_past_it() {
        let mut intake = Intake::new(10);
        intake.take(&[0; 10]).expect("at the limit");
        assert!(matches!(
            intake.take(&[0]),
            Err(FileError::TooLarge {
                limit: 10,
                which: "files.max_upload_bytes"
            })
        ));

        let mut intake = Intake::new(10);
        intake.take(&[0; 5]).expect("under both");
        assert!(matches!(
            intake.set_bucket(bucket(Some(4), &[])),
            Err(FileError::TooLarge {
                limit: 4,
                which: "the bucket's maxBytes"
            })
        ));
    }

    #[test]
    fn a_bucket_named_after_the_bytes_still_checks_their_type() {
        let mut intake = Intake::new(1 << 20);
        intake.take(&[b'a'; SNIFF_BYTES]).expect("taken");
        assert!(matches!(
            intake.set_bucket(bucket(None, &["image/*"])),
            Err(FileError::UnsupportedType { .. })
        ));

        let mut intake = Intake::new(1 << 20);
        intake
            .set_bucket(bucket(None, &["image/*"]))
            .expect("no type yet");
        intake.take(PNG).expect("taken");
        intake.finish().expect("a png is an image");
    }

    #[test]
    fn an_empty_file_is_refused() {
        assert!(matches!(
            Intake::new(10).finish(),
            Err(FileError::BadRequest(_))
        ));
    }
}
