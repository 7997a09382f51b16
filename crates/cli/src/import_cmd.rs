//! `wxbase import` and `wxbase export`: documents and users from `mongoexport` files (JSON
//! lines or one JSON array, Extended JSON v2, relaxed or canonical), and a collection back out
//! as JSON lines.
//!
//! Every document is read and checked before anything is written; then all of them go into
//! the database in one transaction. A rejected document is reported with its line (or, in an
//! array, its position) and nothing is imported.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::sync::Arc;

use anyhow::Context;
use serde_json::{json, Value};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;
use wxbase_core::collections::{
    extjson, parse_permission, Caller, Collection, CollectionName, CollectionService, NewDocument,
};
use wxbase_core::{ImportedUser, Phone, Profile, Store, Timestamp};
use wxbase_wechat::{OpenId, UnionId};

use crate::args::{ExportArgs, ImportArgs};
use crate::database;

/// How often progress is printed, in documents.
const PROGRESS_EVERY: usize = 10_000;

/// At most this many rejections are printed one by one.
const REJECTIONS_SHOWN: usize = 50;

/// One document of the file and where it was.
struct Entry {
    /// `line 12` or `element 12`.
    position: String,
    value: Result<Value, String>,
}

/// Reads `path`: a JSON array when its first non-blank character is `[`, else JSON lines.
fn read_entries(path: &Path) -> anyhow::Result<Vec<Entry>> {
    let file =
        std::fs::File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    let mut reader = BufReader::new(file);
    let starts_array = loop {
        let buffer = reader.fill_buf().context("cannot read the file")?;
        match buffer.iter().position(|b| !b.is_ascii_whitespace()) {
            Some(at) => break buffer[at] == b'[',
            None if buffer.is_empty() => break false,
            None => {
                let len = buffer.len();
                reader.consume(len);
            }
        }
    };
    if starts_array {
        let mut text = String::new();
        reader
            .read_to_string(&mut text)
            .context("cannot read the file")?;
        let items: Vec<Value> = serde_json::from_str(&text)
            .context("the file starts with [ but is not a JSON array")?;
        return Ok(items
            .into_iter()
            .enumerate()
            .map(|(index, value)| Entry {
                position: format!("element {}", index + 1),
                value: Ok(value),
            })
            .collect());
    }
    let mut entries = Vec::new();
    for (index, line) in reader.lines().enumerate() {
        let line = line.with_context(|| format!("cannot read line {}", index + 1))?;
        if line.trim().is_empty() {
            continue;
        }
        entries.push(Entry {
            position: format!("line {}", index + 1),
            value: serde_json::from_str(&line).map_err(|e| format!("not JSON: {e}")),
        });
        if entries.len() % PROGRESS_EVERY == 0 {
            eprintln!("read {} documents", entries.len());
        }
    }
    Ok(entries)
}

/// Converts and checks every entry with `check`; the checked items, or every rejection.
fn check_all<T>(
    entries: Vec<Entry>,
    mut check: impl FnMut(Value) -> Result<T, String>,
) -> Result<Vec<T>, Vec<String>> {
    let total = entries.len();
    let mut accepted = Vec::with_capacity(total);
    let mut rejected = Vec::new();
    for (done, entry) in entries.into_iter().enumerate() {
        match entry
            .value
            .and_then(extjson::document_body)
            .and_then(&mut check)
        {
            Ok(item) => accepted.push(item),
            Err(reason) => rejected.push(format!("{}: {reason}", entry.position)),
        }
        if (done + 1) % PROGRESS_EVERY == 0 {
            eprintln!("checked {} of {total} documents", done + 1);
        }
    }
    if rejected.is_empty() {
        Ok(accepted)
    } else {
        Err(rejected)
    }
}

/// Prints the rejections and fails.
fn refuse(rejected: &[String], total: usize) -> anyhow::Error {
    for line in rejected.iter().take(REJECTIONS_SHOWN) {
        eprintln!("rejected {line}");
    }
    if rejected.len() > REJECTIONS_SHOWN {
        eprintln!("… and {} more", rejected.len() - REJECTIONS_SHOWN);
    }
    anyhow::anyhow!(
        "{} of {total} documents rejected; nothing was imported",
        rejected.len()
    )
}

/// `wxbase import`.
pub async fn import(args: ImportArgs) -> anyhow::Result<()> {
    let config = args.config.load()?;
    let store = database::open(&config).await?;
    let outcome = if args.users {
        import_users(&args, &config, store.clone()).await
    } else {
        import_documents(&args, &config, store.clone()).await
    };
    store.close().await;
    outcome
}

async fn import_documents(
    args: &ImportArgs,
    config: &wxbase_core::Config,
    store: Arc<dyn Store>,
) -> anyhow::Result<()> {
    let name = args
        .collection
        .as_deref()
        .context("name the target: --collection NAME (or --users)")?;
    let permission = args
        .permission
        .as_deref()
        .map(parse_permission)
        .transpose()?;
    let service = CollectionService::new(store, config.collections);
    let existing = service.collection(name).await.ok();
    // A collection that does not exist yet is created only once every document passed.
    let collection = match &existing {
        Some(collection) => collection.clone(),
        None => Collection {
            name: CollectionName::parse(name)
                .map_err(|e| anyhow::anyhow!("collection name {name:?}: {e}"))?,
            permission: permission.unwrap_or_default(),
            schema: None,
            moderation: None,
            indexes: Vec::new(),
            created_at: Timestamp::now(),
            updated_at: Timestamp::now(),
        },
    };
    let entries = read_entries(&args.file)?;
    let total = entries.len();
    let owner_field = args.owner_field.as_deref();
    let documents: Vec<NewDocument> = check_all(entries, |body| {
        let owner = match owner_field {
            Some(field) => owner_of(&body, field)?,
            None => None,
        };
        service
            .imported_document(&collection, body, owner)
            .map_err(|e| e.to_string())
    })
    .map_err(|rejected| refuse(&rejected, total))?;
    if args.dry_run {
        println!("{total} documents checked for collection {name}; all valid; nothing written (--dry-run)");
        return Ok(());
    }
    let collection = match existing {
        Some(collection) => collection,
        None => service.collection_for_import(name, permission).await?,
    };
    eprintln!("inserting {} documents in one transaction", documents.len());
    service
        .insert_imported(&collection, &documents)
        .await
        .context("the import failed; nothing was imported")?;
    println!(
        "imported {} documents into collection {name}",
        documents.len()
    );
    Ok(())
}

/// The document's owner: the openid in `field`, if present.
fn owner_of(body: &Value, field: &str) -> Result<Option<OpenId>, String> {
    match body.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(openid)) => OpenId::parse(openid.clone())
            .map(Some)
            .map_err(|e| format!("field {field:?}: {e}")),
        Some(other) => Err(format!(
            "field {field:?} must be an openid string, not {other}"
        )),
    }
}

async fn import_users(
    args: &ImportArgs,
    config: &wxbase_core::Config,
    store: Arc<dyn Store>,
) -> anyhow::Result<()> {
    let app = config
        .app
        .as_ref()
        .context("wechat.app_id must be set: users are imported into that mini-program")?;
    let entries = read_entries(&args.file)?;
    let total = entries.len();
    let users = check_all(entries, |body| {
        let text = |field: Option<&str>| -> Result<Option<String>, String> {
            match field.and_then(|f| body.get(f)) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::String(text)) if text.is_empty() => Ok(None),
                Some(Value::String(text)) => Ok(Some(text.clone())),
                Some(other) => Err(format!("{other} is not a string")),
            }
        };
        let openid = text(Some(&args.openid_field))?
            .ok_or_else(|| format!("no {:?} field", args.openid_field))?;
        Ok(ImportedUser {
            app_id: app.app_id.clone(),
            openid: OpenId::parse(openid).map_err(|e| e.to_string())?,
            unionid: text(args.unionid_field.as_deref())?
                .map(UnionId::parse)
                .transpose()
                .map_err(|e| e.to_string())?,
            phone: text(args.phone_field.as_deref())?.map(|number| imported_phone(&number)),
            profile: Profile {
                nickname: text(Some(&args.nickname_field))?,
                avatar_url: text(Some(&args.avatar_field))?,
            },
            created_at: match text(Some(&args.created_field))? {
                Some(at) => OffsetDateTime::parse(&at, &Rfc3339)
                    .map(|at| {
                        Timestamp::from_millis(
                            i64::try_from(at.unix_timestamp_nanos() / 1_000_000)
                                .unwrap_or_default(),
                        )
                    })
                    .map_err(|_| format!("{:?} is not a date: {at}", args.created_field))?,
                None => Timestamp::now(),
            },
        })
    })
    .map_err(|rejected| refuse(&rejected, total))?;
    if args.dry_run {
        println!("{total} users checked; all valid; nothing written (--dry-run)");
        return Ok(());
    }
    eprintln!("inserting {} users in one transaction", users.len());
    let inserted = store
        .import_users(&users)
        .await
        .context("the import failed; nothing was imported")?;
    println!(
        "imported {inserted} users into {} ({} already known, left as they were)",
        app.app_id,
        users.len() as u64 - inserted
    );
    Ok(())
}

/// A phone number from the old backend: `+86` stripped into the country code; a number
/// without one is taken as mainland China's (`86`), as WeChat's own numbers are by default.
fn imported_phone(number: &str) -> Phone {
    let pure = number
        .strip_prefix("+86")
        .unwrap_or(number)
        .trim()
        .to_owned();
    Phone {
        phone_number: number.to_owned(),
        pure_phone_number: pure,
        country_code: "86".to_owned(),
    }
}

/// `wxbase export --collection NAME`: every document, as clients see it, one JSON line each.
pub async fn export(args: ExportArgs) -> anyhow::Result<()> {
    let config = args.config.load()?;
    let store = database::open(&config).await?;
    let service = CollectionService::new(store.clone(), config.collections);
    let outcome = write_documents(&service, &args.collection).await;
    store.close().await;
    outcome
}

async fn write_documents(service: &CollectionService, name: &str) -> anyhow::Result<()> {
    let mut out = std::io::BufWriter::new(std::io::stdout());
    let mut cursor: Option<String> = None;
    let mut written = 0usize;
    loop {
        let mut request = json!({ "limit": wxbase_core::collections::MAX_LIMIT });
        if let Some(cursor) = &cursor {
            request["cursor"] = json!(cursor);
        }
        let page = service.query(&Caller::Admin, name, &request).await?;
        for document in &page.documents {
            serde_json::to_writer(&mut out, document)?;
            out.write_all(b"\n")?;
        }
        written += page.documents.len();
        if written > 0 && written % PROGRESS_EVERY < page.documents.len() {
            eprintln!("exported {written} documents");
        }
        match page.cursor {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    out.flush()?;
    eprintln!("exported {written} documents from collection {name}");
    Ok(())
}
