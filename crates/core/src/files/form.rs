//! The upload form as `wx.uploadFile` sends it: a `multipart/form-data` body with the field
//! `bucket` and the part `file`, in either order; other fields are skipped. `multer` parses
//! the untrusted body; [`UploadForm`] hands out what an upload needs (the bucket's name, then
//! the file's bytes chunk by chunk) and refuses a form that is malformed or cut off, has two
//! `file` parts, a `bucket` that is long or not UTF-8, a file name that is not a plain name,
//! or lacks either field. The fuzz target `file_upload` reads untrusted bodies with it.

use std::error::Error as StdError;

use bytes::Bytes;
use futures_util::stream::Stream;

use super::error::FileError;
use super::service::FileService;

/// Longest form field other than the file.
pub const MAX_FIELD_BYTES: usize = 1024;

/// After a refused upload, at most this much of the rest of the body is read (and thrown
/// away) by [`UploadForm::drain`], so that the client, still sending, gets the answer
/// instead of a reset connection.
const DRAIN_LIMIT: u64 = 256 * 1024 * 1024;

/// A field of the form that wxbase reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FormPart {
    /// The field `bucket`: the bucket's name, trimmed.
    Bucket(String),
    /// The part `file` starts: read its bytes with [`UploadForm::next_chunk`].
    File,
}

/// A reader of one upload form.
pub struct UploadForm {
    multipart: multer::Multipart<'static>,
    /// The `file` part, while its bytes are read.
    file: Option<multer::Field<'static>>,
    file_name: Option<String>,
    bucket_seen: bool,
}

impl UploadForm {
    /// A reader of `body`, sent with the `Content-Type` header `content_type`, which must
    /// name the multipart boundary.
    pub fn new<S, O, E>(content_type: Option<&str>, body: S) -> Result<Self, FileError>
    where
        S: Stream<Item = Result<O, E>> + Send + 'static,
        O: Into<Bytes> + 'static,
        E: Into<Box<dyn StdError + Send + Sync>> + 'static,
    {
        let boundary = content_type
            .and_then(|value| multer::parse_boundary(value).ok())
            .ok_or_else(|| {
                FileError::BadRequest(
                    "send multipart/form-data (wx.uploadFile) with the file part `file`: the \
                     Content-Type header names no multipart/form-data boundary"
                        .into(),
                )
            })?;
        Ok(Self {
            multipart: multer::Multipart::new(body, boundary),
            file: None,
            file_name: None,
            bucket_seen: false,
        })
    }

    /// The next field wxbase reads, `None` at the end of the form. Bytes of the file part
    /// left unread are skipped.
    pub async fn next_part(&mut self) -> Result<Option<FormPart>, FileError> {
        // multer hands out the next field only once the previous one is dropped.
        self.file = None;
        while let Some(mut field) = self.multipart.next_field().await.map_err(malformed)? {
            match field.name() {
                Some("file") => {
                    if self.file_name.is_some() {
                        return Err(FileError::BadRequest("send one part named `file`".into()));
                    }
                    self.file_name = Some(FileService::file_name(field.file_name())?);
                    self.file = Some(field);
                    return Ok(Some(FormPart::File));
                }
                Some("bucket") => {
                    let mut text = Vec::new();
                    while let Some(chunk) = field.chunk().await.map_err(malformed)? {
                        if text.len() + chunk.len() > MAX_FIELD_BYTES {
                            return Err(FileError::BadRequest(
                                "the field `bucket` is too long".into(),
                            ));
                        }
                        text.extend_from_slice(&chunk);
                    }
                    let text = String::from_utf8(text).map_err(|_| {
                        FileError::BadRequest("the field `bucket` is not UTF-8".into())
                    })?;
                    self.bucket_seen = true;
                    return Ok(Some(FormPart::Bucket(text.trim().to_owned())));
                }
                _ => {}
            }
        }
        Ok(None)
    }

    /// The next bytes of the file part just started, `None` at its end.
    pub async fn next_chunk(&mut self) -> Result<Option<Bytes>, FileError> {
        match &mut self.file {
            Some(field) => field.chunk().await.map_err(malformed),
            None => Ok(None),
        }
    }

    /// At the end of the form: the file's checked name, if the form had both the field
    /// `bucket` and the part `file`.
    pub fn finish(&self) -> Result<String, FileError> {
        if !self.bucket_seen {
            return Err(FileError::BadRequest(
                "no bucket: send the form field `bucket` (formData: {bucket: \"...\"})".into(),
            ));
        }
        self.file_name.clone().ok_or_else(|| {
            FileError::BadRequest(
                "no file: send the file as the part named `file` (name: \"file\")".into(),
            )
        })
    }

    /// Reads and drops what is left of a refused upload's body, up to 256 MiB.
    pub async fn drain(&mut self) {
        let mut drained = 0u64;
        let mut field = self.file.take();
        loop {
            // Dropped before the next one is asked for.
            if let Some(mut current) = field.take() {
                while let Ok(Some(chunk)) = current.chunk().await {
                    drained += chunk.len() as u64;
                    if drained > DRAIN_LIMIT {
                        return;
                    }
                }
            }
            match self.multipart.next_field().await {
                Ok(Some(next)) => field = Some(next),
                Ok(None) | Err(_) => return,
            }
        }
    }
}

fn malformed(error: multer::Error) -> FileError {
    FileError::BadRequest(format!(
        "the multipart body is malformed or cut off: {error}"
    ))
}

#[cfg(test)]
mod tests {
    use std::convert::Infallible;

    use futures_util::stream;

    use super::*;

    const CONTENT_TYPE: &str = "multipart/form-data; boundary=XyZ";

    fn field(name: &str, file_name: Option<&str>, value: &[u8]) -> Vec<u8> {
        let file_name = file_name
            .map(|n| format!("; filename=\"{n}\""))
            .unwrap_or_default();
        let mut part =
            format!("--XyZ\r\nContent-Disposition: form-data; name=\"{name}\"{file_name}\r\n\r\n")
                .into_bytes();
        part.extend_from_slice(value);
        part.extend_from_slice(b"\r\n");
        part
    }

    /// The form of `fields`, sent in chunks of `chunk` bytes.
    fn form(fields: &[Vec<u8>], chunk: usize) -> UploadForm {
        let mut body = fields.concat();
        body.extend_from_slice(b"--XyZ--\r\n");
        let chunks: Vec<Result<Bytes, Infallible>> = body
            .chunks(chunk)
            .map(|c| Ok(Bytes::copy_from_slice(c)))
            .collect();
        UploadForm::new(Some(CONTENT_TYPE), stream::iter(chunks)).expect("a boundary")
    }

    /// Reads the whole form: the parts, with the file's bytes in place of `File`.
    async fn read(form: &mut UploadForm) -> Result<(Vec<FormPart>, Vec<u8>), FileError> {
        let (mut parts, mut bytes) = (Vec::new(), Vec::new());
        while let Some(part) = form.next_part().await? {
            if part == FormPart::File {
                while let Some(chunk) = form.next_chunk().await? {
                    bytes.extend_from_slice(&chunk);
                }
            }
            parts.push(part);
        }
        Ok((parts, bytes))
    }

    #[tokio::test]
    async fn the_bucket_and_the_file_are_read_in_either_order_and_other_fields_skipped() {
        let content = b"almost --XyZ, not a boundary\r\n".repeat(40);
        for chunk in [1, 7, 4096] {
            let mut first = form(
                &[
                    field("note", None, b"skipped"),
                    field("bucket", None, b" photos "),
                    field("file", Some("cat.png"), &content),
                ],
                chunk,
            );
            let (parts, bytes) = read(&mut first).await.expect("read");
            assert_eq!(parts, [FormPart::Bucket("photos".into()), FormPart::File]);
            assert_eq!(bytes, content);
            assert_eq!(first.finish().expect("complete"), "cat.png");

            let mut second = form(
                &[
                    field("file", None, &content),
                    field("bucket", None, b"photos"),
                ],
                chunk,
            );
            let (parts, bytes) = read(&mut second).await.expect("read");
            assert_eq!(parts, [FormPart::File, FormPart::Bucket("photos".into())]);
            assert_eq!(bytes, content);
            assert_eq!(second.finish().expect("complete"), "file");
        }
    }

    #[tokio::test]
    async fn a_form_that_breaks_the_rules_is_refused() {
        let long = vec![b'a'; MAX_FIELD_BYTES + 1];
        let refused = [
            vec![field("file", None, b"a"), field("file", None, b"b")],
            vec![field("bucket", None, &long)],
            vec![field("bucket", None, b"\xff\xfe")],
            vec![field("file", Some("../etc/passwd"), b"a")],
        ];
        for fields in refused {
            let mut form = form(&fields, 5);
            assert!(matches!(
                read(&mut form).await,
                Err(FileError::BadRequest(_))
            ));
            form.drain().await;
        }

        let mut no_bucket = form(&[field("file", None, b"a")], 5);
        read(&mut no_bucket).await.expect("well formed");
        assert!(no_bucket.finish().is_err());
        let mut no_file = form(&[field("bucket", None, b"photos")], 5);
        read(&mut no_file).await.expect("well formed");
        assert!(no_file.finish().is_err());
    }

    #[tokio::test]
    async fn a_body_cut_off_or_without_a_boundary_is_refused() {
        let mut body = field("file", None, b"abc");
        body.truncate(body.len() - 3);
        let chunks = stream::iter([Ok::<_, Infallible>(Bytes::from(body))]);
        let mut cut = UploadForm::new(Some(CONTENT_TYPE), chunks).expect("a boundary");
        assert!(matches!(
            read(&mut cut).await,
            Err(FileError::BadRequest(_))
        ));

        for content_type in [None, Some("multipart/form-data"), Some("text/plain")] {
            let empty = stream::iter(Vec::<Result<Bytes, Infallible>>::new());
            assert!(UploadForm::new(content_type, empty).is_err());
        }
    }
}
