//! The schema over time: ids are never handed out twice, and each schema step keeps every
//! row of a database made by the previous release (`tests/fixtures/`).

use std::path::Path;

use crate::common::TestApp;
use library_server::db::Db;
use rusqlite::Connection;
use serde_json::json;

/// A database made by release 28fc98c (`library-server demo`, schema version 4): the
/// last release before ids stopped being reused.
const FIXTURE: &str = "tests/fixtures/release-28fc98c.db";

#[test]
fn a_deleted_accounts_token_never_opens_the_next_account() {
    let app = TestApp::new();
    let (_, admin) = app.admin();
    let (ann_id, ann_token) = app.user("ann");
    app.delete(&format!("/users/{ann_id}"), Some(&ann_token))
        .expect(200);
    // The next account made — by registration or by an admin — would take ann's id back
    // if ids were reused.
    let bob = app.register("bob");
    assert_ne!(bob["id"].as_i64(), Some(ann_id), "ids are never reused");
    let me = app.get("/users/me", Some(&ann_token)).expect(401);
    assert_eq!(me.body["message"], "ACCESS UNAUTHORIZED");
    app.get("/users/me", Some(&admin)).expect(200);
}

#[test]
fn a_token_names_the_account_not_only_its_id() {
    let app = TestApp::new();
    app.admin();
    let (ann_id, ann_token) = app.user("ann");
    // Even where an id comes back to a new account (here by hand, as a restored backup
    // could do), the old token names a key the new account does not have.
    let conn = app.sql();
    conn.execute("DELETE FROM users WHERE id = ?1", [ann_id])
        .unwrap();
    conn.execute(
        "INSERT INTO users (id, username, email, password_hash, created_at, modified_at)
         VALUES (?1, 'eve', 'eve@example.org', 'x', 0, 0)",
        [ann_id],
    )
    .unwrap();
    app.get("/users/me", Some(&ann_token)).expect(401);
}

#[test]
fn ids_of_books_loans_and_holds_are_never_reused() {
    let app = TestApp::new();
    let (_, admin) = app.admin();
    let (ann_id, _) = app.user("ann");
    let new_book = |title: &str| {
        app.post(
            "/books",
            Some(&admin),
            json!({"title": title, "author": "A. Writer"}),
        )
        .expect(201)
        .result()["id"]
            .as_i64()
            .unwrap()
    };
    let first = new_book("First");
    let loan = app
        .post(
            "/loans",
            Some(&admin),
            json!({"book_id": first, "user_id": ann_id}),
        )
        .expect(201)
        .result()["id"]
        .as_i64()
        .unwrap();
    let hold = app
        .post(&format!("/books/{first}/holds"), Some(&admin), json!({}))
        .expect(201)
        .result()["id"]
        .as_i64()
        .unwrap();
    // Remove the newest rows, as deleting a book with its history would.
    let conn = app.sql();
    conn.execute_batch("DELETE FROM holds; DELETE FROM loans; DELETE FROM books;")
        .unwrap();
    let again = new_book("Second");
    assert!(again > first, "book id {again} after {first}");
    let sequences: Vec<(String, i64)> = conn
        .prepare("SELECT name, seq FROM sqlite_sequence ORDER BY name")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let seq = |table: &str| {
        sequences
            .iter()
            .find(|(name, _)| name == table)
            .map(|(_, seq)| *seq)
    };
    assert_eq!(seq("loans"), Some(loan));
    assert_eq!(seq("holds"), Some(hold));
    assert!(seq("users").is_some());
}

/// Every table's row count, for comparing a database before and after a step.
fn counts(conn: &Connection) -> Vec<(String, i64)> {
    let tables: Vec<String> = conn
        .prepare(
            "SELECT name FROM sqlite_master WHERE type = 'table'
             AND name NOT LIKE 'sqlite_%' AND name NOT LIKE 'books_fts_%' ORDER BY name",
        )
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    tables
        .into_iter()
        .map(|t| {
            let n = conn
                .query_row(&format!("SELECT COUNT(*) FROM \"{t}\""), [], |r| r.get(0))
                .unwrap();
            (t, n)
        })
        .collect()
}

/// Every row of `table`, as text, in id order.
fn rows(conn: &Connection, table: &str) -> Vec<String> {
    rows_of(conn, table, usize::MAX)
}

/// The rows of `table`, each its first `width` columns: those an older release had (later
/// steps add columns at the end).
fn rows_of(conn: &Connection, table: &str, width: usize) -> Vec<String> {
    let mut stmt = conn
        .prepare(&format!("SELECT * FROM {table} ORDER BY 1"))
        .unwrap();
    let width = stmt.column_count().min(width);
    stmt.query_map([], |r| {
        let cells: Vec<String> = (0..width)
            .map(|i| format!("{:?}", r.get_ref(i).unwrap()))
            .collect();
        Ok(cells.join("|"))
    })
    .unwrap()
    .collect::<Result<_, _>>()
    .unwrap()
}

fn copy_fixture(dir: &Path) -> std::path::PathBuf {
    let path = dir.join("library.db");
    std::fs::copy(FIXTURE, &path).expect("the fixture database");
    path
}

#[test]
fn the_previous_release_database_migrates_with_every_row_kept() {
    let dir = tempfile::tempdir().unwrap();
    let path = copy_fixture(dir.path());
    let (before, loans, holds, users, search) = {
        let conn = Connection::open(&path).unwrap();
        let version: i64 = conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap();
        assert_eq!(version, 4, "the fixture is the previous release's schema");
        let search: Vec<i64> = conn
            .prepare("SELECT rowid FROM books_fts WHERE books_fts MATCH 'harry' ORDER BY rowid")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert!(!search.is_empty());
        (
            counts(&conn),
            rows(&conn, "loans"),
            rows(&conn, "holds"),
            rows(&conn, "users"),
            search,
        )
    };
    assert!(!loans.is_empty() && !holds.is_empty());

    let db = Db::open(&path).expect("the old database opens and migrates");
    drop(db);

    let conn = Connection::open(&path).unwrap();
    let version: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(version, library_server::db::schema_version());
    // Every table of the release keeps its rows; settings gain the barcode and card
    // counters, and the new items table holds the copies (see tests/api/copies/upgrade.rs).
    let kept: Vec<(String, i64)> = counts(&conn)
        .into_iter()
        .filter(|(table, _)| before.iter().any(|(old, _)| old == table) && table != "settings")
        .collect();
    let old: Vec<(String, i64)> = before
        .iter()
        .filter(|(table, _)| table != "settings")
        .cloned()
        .collect();
    assert_eq!(kept, old, "every table keeps its rows");
    let width = |rows: &[String]| rows[0].split('|').count();
    assert_eq!(
        rows_of(&conn, "loans", width(&loans)),
        loans,
        "loans unchanged"
    );
    assert_eq!(
        rows_of(&conn, "holds", width(&holds)),
        holds,
        "holds unchanged"
    );
    // Users gain a token key each (and the desk's fields); everything they had stays.
    assert_eq!(rows_of(&conn, "users", width(&users)), users);
    let problems: i64 = conn
        .query_row("SELECT COUNT(*) FROM pragma_foreign_key_check", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(problems, 0);
    let integrity: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(integrity, "ok");

    // The rebuilt books table still feeds the full-text index and the catalogue version.
    let found: Vec<i64> = conn
        .prepare("SELECT rowid FROM books_fts WHERE books_fts MATCH 'harry' ORDER BY rowid")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(found, search);
    let version_before: i64 = conn
        .query_row("SELECT version FROM catalogue_version", [], |r| r.get(0))
        .unwrap();
    conn.execute(
        "INSERT INTO books (title, author, tags, created_at, modified_at)
         VALUES ('Zanzibar Quokka', 'Q. Writer', '[\"rare\"]', 0, 0)",
        [],
    )
    .unwrap();
    let hit: i64 = conn
        .query_row(
            "SELECT COUNT(*) FROM books_fts WHERE books_fts MATCH 'quokka'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(hit, 1);
    let tagged: i64 = conn
        .query_row(
            "SELECT COUNT(*) FROM book_tags WHERE tag = 'rare'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(tagged, 1);
    let version_after: i64 = conn
        .query_row("SELECT version FROM catalogue_version", [], |r| r.get(0))
        .unwrap();
    assert!(version_after > version_before);

    // A copy of the file as it was is kept beside it.
    let backup = dir
        .path()
        .join("library.db.before-005_ids_never_reused.bak");
    let copy = Connection::open(&backup).expect("a backup before the rebuild");
    let old_version: i64 = copy
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(old_version, 4);
    assert_eq!(counts(&copy), before);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&backup).unwrap().permissions().mode();
        assert_eq!(mode & 0o077, 0, "the backup is readable by its owner only");
    }
}

#[test]
fn accounts_of_the_previous_release_log_in_after_the_migration() {
    let dir = tempfile::tempdir().unwrap();
    let path = copy_fixture(dir.path());
    let app = TestApp::with(|mut config| {
        config.database = path.clone();
        config
    });
    // The demo's passwords still log in after the upgrade.
    let reply = app.post(
        "/users/login",
        None,
        json!({"email": "admin@demo.library", "password": "demo-admin-pass"}),
    );
    let token = reply.expect(200).body["access_token"]
        .as_str()
        .unwrap()
        .to_string();
    app.get("/users/me", Some(&token)).expect(200);
}

#[test]
fn a_rebuild_that_would_break_references_is_refused_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = copy_fixture(dir.path());
    {
        let conn = Connection::open(&path).unwrap();
        // A loan whose book is gone: something only a damaged database holds.
        conn.execute_batch(
            "PRAGMA foreign_keys = OFF;
             INSERT INTO loans (book_id, user_id, borrowed_at, due_at) VALUES (999999, 1, 0, 0);",
        )
        .unwrap();
    }
    let before = counts(&Connection::open(&path).unwrap());
    let error = match Db::open(&path) {
        Ok(_) => panic!("a database with broken references must not be rebuilt"),
        Err(e) => e.to_string(),
    };
    assert!(error.contains("005_ids_never_reused"), "{error}");
    assert!(error.contains("loans"), "{error}");
    let conn = Connection::open(&path).unwrap();
    let version: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(version, 4, "the step was rolled back");
    assert_eq!(counts(&conn), before);
}

/// The book columns of the previous release, in the order it had them.
const BOOK_COLUMNS: &str = "id, title, author, isbn, publisher, published_year, language, \
                            description, tags, copies, cover_file, created_at, modified_at";

fn book_rows(conn: &Connection, columns: &str) -> Vec<String> {
    let mut stmt = conn
        .prepare(&format!("SELECT {columns} FROM books ORDER BY id"))
        .unwrap();
    let width = stmt.column_count();
    stmt.query_map([], |r| {
        let cells: Vec<String> = (0..width)
            .map(|i| format!("{:?}", r.get_ref(i).unwrap()))
            .collect();
        Ok(cells.join("|"))
    })
    .unwrap()
    .collect::<Result<_, _>>()
    .unwrap()
}

#[test]
fn books_gain_a_subtitle_and_a_series_with_every_book_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    let path = copy_fixture(dir.path());
    let before = book_rows(&Connection::open(&path).unwrap(), BOOK_COLUMNS);
    assert!(!before.is_empty());
    drop(Db::open(&path).expect("the old database migrates"));

    let conn = Connection::open(&path).unwrap();
    // Copies are counted from the items now.
    let counted = BOOK_COLUMNS.replace(
        "copies",
        "(SELECT COUNT(*) FROM items i WHERE i.book_id = books.id
          AND i.status NOT IN ('withdrawn', 'lost', 'missing'))",
    );
    assert_eq!(book_rows(&conn, &counted), before, "every book as it was");
    let empty: i64 = conn
        .query_row(
            "SELECT COUNT(*) FROM books
             WHERE subtitle IS NULL AND series IS NULL AND series_number IS NULL",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(empty as usize, before.len(), "the new fields start empty");
    // The remade index holds every book, and a series set now is found.
    let indexed: i64 = conn
        .query_row(
            "SELECT COUNT(*) FROM books_fts WHERE books_fts MATCH 'harry OR the'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(indexed > 0);
    // With rank 1, FTS5 checks the index against the books it was built from.
    conn.execute(
        "INSERT INTO books_fts (books_fts, rank) VALUES ('integrity-check', 1)",
        [],
    )
    .expect("the index matches the books");
    conn.execute(
        "UPDATE books SET series = 'Hogwarts Chronicles' WHERE id = (SELECT MIN(id) FROM books)",
        [],
    )
    .unwrap();
    let found: i64 = conn
        .query_row(
            "SELECT COUNT(*) FROM books_fts WHERE books_fts MATCH 'chronicles'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(found, 1);
}
