//! The database file itself: what is refused before SQLite opens it, and the owner-only
//! mode new files get.

use std::io::Read;
use std::path::Path;

/// Every SQLite database file starts with these 16 bytes.
const SQLITE_HEADER: &[u8; 16] = b"SQLite format 3\0";

/// Refuses, before SQLite touches it, an existing file that is not a database (a picture,
/// a CSV, a mistyped path): it is left exactly as it was. An empty file is a new database.
pub(super) fn check_header(path: &Path) -> Result<(), String> {
    let mut file = match std::fs::File::open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e.to_string()),
    };
    if file.metadata().map_err(|e| e.to_string())?.is_dir() {
        return Err("it is a folder, not a database file".into());
    }
    let mut start = Vec::with_capacity(SQLITE_HEADER.len());
    (&mut file)
        .take(SQLITE_HEADER.len() as u64)
        .read_to_end(&mut start)
        .map_err(|e| e.to_string())?;
    if start.is_empty() || start == SQLITE_HEADER {
        return Ok(());
    }
    Err(
        "it is not an SQLite database (it does not start with the SQLite header); \
         it was left as it is: check the --database path"
            .into(),
    )
}

/// A new database (or backup) is created readable by its owner only: it holds password
/// hashes, e-mail addresses and reset tokens. SQLite gives its -wal and -shm files the
/// database's own mode. An existing file keeps the mode it has.
pub fn create_owner_only(path: &Path) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    match options.open(path) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(e),
    }
}

/// Creates an empty file that only its owner can read and write (on Unix), so what is
/// written into it next is never readable by others, even for a moment.
pub fn private_file(path: &Path) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path).map(drop)
}
