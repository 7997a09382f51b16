//! Embeds the migrations: lists `migrations/sqlite/` and `migrations/postgres/` and writes
//! `$OUT_DIR/migrations.rs`, one `include_str!` per file with the version and description
//! sqlx's migrator derives from the file name (`0008_sync_resume.sql`: version 8, "sync
//! resume"). `src/migrations.rs` includes it, so adding a file is all a new migration takes.
//!
//! This does what `sqlx::migrate!` would, without sqlx's `macros` feature, which builds a second
//! copy of sqlx, tokio and the bundled SQLite for the proc macro (about two minutes of CPU on a
//! clean build). The build fails, naming the file, on anything sqlx would silently skip or
//! misorder: a file name that is not `<version>_<description>.sql`, a repeated version, a
//! reversible (`.up.sql`/`.down.sql`) migration, a `-- no-transaction` SQLite migration (sqlx
//! runs SQLite's in a transaction regardless), or two backends whose lists differ.

use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

/// One migration file.
struct File {
    version: i64,
    description: String,
    path: PathBuf,
}

fn main() {
    let manifest = std::env::var("CARGO_MANIFEST_DIR")
        .unwrap_or_else(|e| panic!("CARGO_MANIFEST_DIR is not set: {e}"));
    let root = Path::new(&manifest).join("migrations");
    // A directory here also covers files added to it or removed from it.
    println!("cargo:rerun-if-changed={}", root.display());
    let sqlite = list(&root.join("sqlite"));
    let postgres = list(&root.join("postgres"));
    for file in &sqlite {
        let sql = fs::read_to_string(&file.path)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", file.path.display()));
        if sql.starts_with("-- no-transaction") {
            panic!(
                "{}: SQLite migrations always run in a transaction (sqlx ignores \
                 `-- no-transaction` on SQLite)",
                file.path.display()
            );
        }
    }
    let names = |files: &[File]| -> Vec<(i64, String)> {
        files
            .iter()
            .map(|f| (f.version, f.description.clone()))
            .collect()
    };
    if names(&sqlite) != names(&postgres) {
        panic!(
            "migrations/sqlite and migrations/postgres must hold the same versions and names \
             (a migration one backend does not need is a file with only a comment):\n\
             sqlite:   {:?}\npostgres: {:?}",
            names(&sqlite),
            names(&postgres)
        );
    }
    let mut out = String::from("// Written by build.rs from migrations/: do not edit.\n");
    write_list(&mut out, "SQLITE", "SQLite", &sqlite);
    write_list(&mut out, "POSTGRES", "PostgreSQL", &postgres);
    let out_dir = std::env::var("OUT_DIR").unwrap_or_else(|e| panic!("OUT_DIR is not set: {e}"));
    let target = Path::new(&out_dir).join("migrations.rs");
    fs::write(&target, out).unwrap_or_else(|e| panic!("cannot write {}: {e}", target.display()));
}

/// The migrations in `dir`, by version. Hidden files are skipped; anything else must be a
/// migration.
fn list(dir: &Path) -> Vec<File> {
    let entries =
        fs::read_dir(dir).unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()));
    let mut files = Vec::new();
    for entry in entries {
        let entry = entry.unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()));
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') {
            continue;
        }
        let bad = |why: &str| -> ! {
            panic!(
                "{}: {why}; a migration is named <version>_<description>.sql, \
                 e.g. 0009_new_table.sql",
                path.display()
            )
        };
        // sqlx's own parsing: the version up to the first `_`, the rest without `.sql` with
        // `_` as spaces (see sqlx-core's migrate/source.rs).
        let Some((version, rest)) = name.split_once('_') else {
            bad("no `_` after the version")
        };
        let Some(description) = rest.strip_suffix(".sql") else {
            bad("not a .sql file")
        };
        if description.ends_with(".up") || description.ends_with(".down") {
            bad("reversible migrations are not used");
        }
        let version: i64 = match version.parse() {
            Ok(v) if v > 0 => v,
            _ => bad("the version is not a positive integer"),
        };
        if !entry.file_type().is_ok_and(|t| t.is_file()) {
            bad("not a file");
        }
        files.push(File {
            version,
            description: description.replace('_', " "),
            path,
        });
    }
    files.sort_by_key(|f| f.version);
    for pair in files.windows(2) {
        if pair[0].version == pair[1].version {
            panic!(
                "{} and {} have the same version",
                pair[0].path.display(),
                pair[1].path.display()
            );
        }
    }
    files
}

fn write_list(out: &mut String, name: &str, backend: &str, files: &[File]) {
    let _ = writeln!(
        out,
        "/// {backend}'s migrations, by version.\n\
         pub(crate) const {name}: &[EmbeddedMigration] = &["
    );
    for file in files {
        let path = file.path.to_string_lossy();
        let _ = writeln!(
            out,
            "    EmbeddedMigration {{ version: {}, description: {:?}, sql: include_str!({:?}) }},",
            file.version, file.description, path
        );
    }
    out.push_str("];\n");
}
