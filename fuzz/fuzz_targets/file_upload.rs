//! The upload path of `POST /api/files` up to storage: a multipart body (boundary `XyZ`) read
//! by `UploadForm` (multer underneath; the field names, the file name check, the `bucket`
//! field's limits, the form's completeness) into an `Intake` (the size limit, hashing, the
//! held head, content sniffing, the bucket's types), as the route drives them. The first
//! input byte picks the limits and the bucket's types, the second the size of the body's
//! chunks, so that chunk edges fall anywhere in boundaries and headers.
//!
//! What must hold: every byte the intake releases is the file part's, in order; an accepted
//! file's size, hash and type describe exactly the bytes released, within the limits and
//! types; a refused form drains without waiting.
#![no_main]

use std::convert::Infallible;
use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

use bytes::Bytes;
use futures_util::stream;
use libfuzzer_sys::fuzz_target;
use sha2::{Digest, Sha256};
use wxbase_core::collections::PermissionMode;
use wxbase_core::files::{Bucket, BucketName, FileError, FormPart, Intake, TypeRule, UploadForm};
use wxbase_core::Timestamp;

const BUCKET: &str = "photos";

/// The one bucket there is, with the limit and types `settings` picks.
fn bucket(settings: u8) -> Bucket {
    let max_bytes = [None, Some(8), Some(9000), Some(1 << 16)][usize::from((settings >> 2) & 3)];
    let types: &[&str] = match (settings >> 4) & 3 {
        0 => &[],
        1 => &["image/*"],
        2 => &["application/octet-stream"],
        _ => &["image/png", "text/plain", "application/pdf"],
    };
    Bucket {
        name: BucketName::parse(BUCKET).expect("a valid name"),
        permission: PermissionMode::ReadAllWriteOwn,
        max_bytes,
        types: types
            .iter()
            .map(|t| TypeRule::parse(t).expect("a valid rule"))
            .collect(),
        moderation: None,
        created_at: Timestamp::from_millis(0),
        updated_at: Timestamp::from_millis(0),
    }
}

/// Runs a future whose every input is in memory: it must never wait.
fn ready<T>(future: impl Future<Output = T>) -> T {
    let mut future = pin!(future);
    match future
        .as_mut()
        .poll(&mut Context::from_waker(Waker::noop()))
    {
        Poll::Ready(value) => value,
        Poll::Pending => panic!("the upload form waited on a body that is all in memory"),
    }
}

/// What the route does with the form, storage being a vector.
struct Received {
    /// The file part's bytes, as the form handed them out.
    file: Vec<u8>,
    /// What the intake released for storage.
    stored: Vec<u8>,
}

async fn receive(
    form: &mut UploadForm,
    intake: &mut Intake,
    settings: u8,
) -> Result<(Received, String), FileError> {
    let mut received = Received {
        file: Vec::new(),
        stored: Vec::new(),
    };
    while let Some(part) = form.next_part().await? {
        match part {
            FormPart::Bucket(name) if name == BUCKET => intake.set_bucket(bucket(settings))?,
            FormPart::Bucket(name) => return Err(FileError::UnknownBucket(name)),
            FormPart::File => {
                while let Some(chunk) = form.next_chunk().await? {
                    received.file.extend_from_slice(&chunk);
                    let ready = intake.take(&chunk)?;
                    received.stored.extend_from_slice(&ready);
                }
            }
        }
    }
    let name = form.finish()?;
    received.stored.extend_from_slice(&intake.finish()?);
    Ok((received, name))
}

fuzz_target!(|input: &[u8]| {
    let Some((&[settings, split], body)) = input.split_first_chunk::<2>() else {
        return;
    };
    let max_upload_bytes = [16, 1000, 10_000, 1 << 20][usize::from(settings & 3)];
    let chunk = usize::from(split).max(1);
    let chunks: Vec<Result<Bytes, Infallible>> = body
        .chunks(chunk)
        .map(|c| Ok(Bytes::copy_from_slice(c)))
        .collect();
    let mut form = UploadForm::new(
        Some("multipart/form-data; boundary=XyZ"),
        stream::iter(chunks),
    )
    .expect("the boundary is valid");
    let mut intake = Intake::new(max_upload_bytes);

    match ready(receive(&mut form, &mut intake, settings)) {
        Ok((received, name)) => {
            assert_eq!(
                received.stored, received.file,
                "stored bytes are the file's"
            );
            assert_eq!(intake.size(), received.file.len() as u64);
            assert_eq!(
                intake.sha256(),
                hex::encode(Sha256::digest(&received.file)),
                "the hash is of the stored bytes"
            );
            let (limit, _) = intake.limit();
            assert!(intake.size() > 0 && intake.size() <= limit);
            let bucket = intake.bucket().expect("an accepted file has a bucket");
            let content_type = intake.content_type().expect("an accepted file has a type");
            assert!(bucket.accepts(content_type));
            assert!(!name.is_empty() && name.len() <= 255);
            assert!(!name.contains(['/', '\\']) && !name.chars().any(char::is_control));
        }
        Err(_) => ready(form.drain()),
    }
});
