//! `import FILE` and `export FILE`: the same CSV code the HTTP API uses, with a progress bar
//! when someone is watching.

use std::io::{BufWriter, IsTerminal};
use std::path::Path;

use indicatif::{ProgressBar, ProgressStyle};

use crate::config::Settings;
use crate::db::Db;
use crate::models::book;
use crate::services::copies::CopyRules;
use crate::services::{csv_format, import};

type CliResult = Result<(), Box<dyn std::error::Error>>;

/// A bar on stderr when it is a terminal; otherwise nothing, so logs and pipes stay clean.
fn progress_bar(len: u64, unit: &str) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(len);
    let template = format!("{{bar:40}} {{pos}}/{{len}} {unit} ({{eta}} left)");
    if let Ok(style) = ProgressStyle::with_template(&template) {
        bar.set_style(style);
    }
    bar
}

/// `wal_autocheckpoint` for a command-line import, in pages (of 4 KiB): 128 MiB.
const IMPORT_CHECKPOINT_PAGES: i64 = 32768;

pub fn import(settings: &Settings, file: &Path) -> CliResult {
    let bytes = std::fs::read(file).map_err(|e| format!("cannot read {}: {e}", file.display()))?;
    let db = Db::open(&settings.config.database)?;
    let mut conn = db.get()?;
    // The import's commits copy the log back into the file when it passes 128 MiB rather
    // than SQLite's 4 MiB: a page the import changes again and again is copied (and the
    // file synced) a thirty-second as often, a quarter off the import's time (at 32 MiB,
    // a sixth). Only a commit can start the log afresh, so the checkpoint thread alone
    // would let it grow without end.
    conn.pragma_update(None, "wal_autocheckpoint", IMPORT_CHECKPOINT_PAGES)?;
    let bar = progress_bar(bytes.len() as u64, "bytes");
    // One short transaction a chunk, so a server using the same database keeps lending.
    let rules = CopyRules::from_config(&settings.config);
    let report = import::import_file(&mut conn, bytes, rules, &mut |read| bar.set_position(read))
        .map_err(|e| match e {
        crate::error::AppError::Invalid(errors) => errors
            .into_iter()
            .map(|(field, problem)| format!("{field} {problem}"))
            .collect::<Vec<_>>()
            .join("; "),
        other => other.to_string(),
    })?;
    // Leave no log of up to 128 MiB behind: copy the rest into the file and empty it. A
    // server reading at this moment makes this wait for its read to end (at most the busy
    // timeout); if it still cannot, the server's own checkpoints finish the work.
    if let Err(e) = conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(())) {
        tracing::debug!(error = %e, "the log stays for the server to copy back");
    }
    bar.finish_and_clear();
    for error in &report.errors {
        eprintln!("{}: line {}: {}", file.display(), error.line, error.reason);
    }
    println!(
        "imported {}: {} created, {} updated, {} skipped, {} problems reported",
        file.display(),
        report.created,
        report.updated,
        report.skipped,
        report.error_count
    );
    Ok(())
}

pub fn export(settings: &Settings, file: &Path) -> CliResult {
    let db = Db::open(&settings.config.database)?;
    let conn = db.get()?;
    let total = book::count(&conn)?;
    let bar = progress_bar(total.max(0) as u64, "books");
    // Written beside the target and renamed, so a failed export leaves no half file.
    let partial = file.with_extension("csv.part");
    let out = std::fs::File::create(&partial)
        .map_err(|e| format!("cannot write {}: {e}", partial.display()))?;
    let out = csv_format::export(&conn, BufWriter::new(out), &mut || bar.inc(1))?;
    out.into_inner().map_err(|e| e.into_error())?.sync_all()?;
    std::fs::rename(&partial, file)?;
    bar.finish_and_clear();
    println!("exported {total} books to {}", file.display());
    Ok(())
}
