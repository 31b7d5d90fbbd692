//! Refusals that say why with a code the page translates, and an older database.

use super::*;

// ---- refusals that say why --------------------------------------------------------------

#[test]
fn renewing_an_overdue_loan_is_refused_as_loan_overdue() {
    let (app, _, librarian, member) = library();
    let loan = borrow(&app, &member, plain_book(&app, &librarian, "Late", 1));
    app.sql()
        .execute(
            "UPDATE loans SET due_at = unixepoch() - 3 * 86400 WHERE id = ?1",
            [loan],
        )
        .unwrap();
    refused(
        app.post(&format!("/loans/{loan}/renew"), Some(&member), json!({})),
        "loan_overdue",
        "due_at",
    );
    let stored = app
        .get(&format!("/loans/{loan}"), Some(&member))
        .expect(200);
    assert_eq!(stored.result()["renewals"], 0);
}

#[test]
fn renewing_past_the_most_renewals_is_refused_as_renewals_used_up() {
    let (app, _, librarian, member) = library_with(|c| Config {
        max_renewals: 1,
        ..c
    });
    let loan = borrow(&app, &member, plain_book(&app, &librarian, "Long read", 1));
    let path = format!("/loans/{loan}/renew");
    let once = app.post(&path, Some(&member), json!({})).expect(200);
    assert_eq!(once.result()["renewals"], 1);
    let reply = refused(
        app.post(&path, Some(&member), json!({})),
        "renewals_used_up",
        "renewals",
    );
    assert_eq!(reply.body["params"]["renewals"], 1, "{}", reply.body);
}

#[test]
fn renewing_while_someone_holds_the_book_is_refused_as_others_waiting() {
    let (app, _, librarian, member) = library();
    let (_, waiting) = app.user("waiting_reader");
    let book = plain_book(&app, &librarian, "Wanted", 1);
    let loan = borrow(&app, &member, book);
    app.post(&format!("/books/{book}/holds"), Some(&waiting), json!({}))
        .expect(201);
    refused(
        app.post(&format!("/loans/{loan}/renew"), Some(&member), json!({})),
        "others_waiting",
        "book_id",
    );
}

#[test]
fn a_hold_on_a_book_you_have_or_hold_already_is_refused_with_its_code() {
    let (app, _, librarian, member) = library();
    let (_, other) = app.user("other_reader");
    let book = plain_book(&app, &librarian, "Popular", 1);
    borrow(&app, &member, book);
    refused(
        app.post(&format!("/books/{book}/holds"), Some(&member), json!({})),
        "already_borrowed",
        "book_id",
    );
    app.post(&format!("/books/{book}/holds"), Some(&other), json!({}))
        .expect(201);
    refused(
        app.post(&format!("/books/{book}/holds"), Some(&other), json!({})),
        "already_holding",
        "book_id",
    );
    let holds = app.get("/holds", Some(&other)).expect(200);
    assert_eq!(holds.result().as_array().map(Vec::len), Some(1));
}

#[test]
fn a_hold_over_the_most_allowed_is_refused_as_hold_limit() {
    let (app, _, librarian, member) = library_with(|c| Config { max_holds: 1, ..c });
    let first = plain_book(&app, &librarian, "First", 1);
    let second = plain_book(&app, &librarian, "Second", 1);
    app.post(&format!("/books/{first}/holds"), Some(&member), json!({}))
        .expect(201);
    let reply = refused(
        app.post(&format!("/books/{second}/holds"), Some(&member), json!({})),
        "hold_limit",
        "user_id",
    );
    assert_eq!(reply.body["params"]["max_holds"], 1, "{}", reply.body);
}

// ---- an older database ------------------------------------------------------------------

/// A database made by an earlier release (`library-server demo`, schema 9).
const EARLIER_RELEASE: &str = "tests/fixtures/release-96b37f9.db";

#[test]
fn a_database_of_an_earlier_release_serves_the_reader_page_after_migration() {
    let old = tempfile::tempdir().unwrap();
    let path = old.path().join("library.db");
    std::fs::copy(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(EARLIER_RELEASE),
        &path,
    )
    .unwrap();
    let count = |conn: &rusqlite::Connection, sql: &str| -> i64 {
        conn.query_row(sql, [], |r| r.get(0)).unwrap()
    };
    let (books, items, users, english) = {
        let conn = rusqlite::Connection::open(&path).unwrap();
        assert_eq!(count(&conn, "PRAGMA user_version"), 9);
        (
            count(&conn, "SELECT COUNT(*) FROM books"),
            count(&conn, "SELECT COUNT(*) FROM items"),
            count(&conn, "SELECT COUNT(*) FROM users"),
            count(
                &conn,
                "SELECT COUNT(*) FROM books WHERE language = 'en' COLLATE NOCASE",
            ),
        )
    };
    let moved = path.clone();
    let app = TestApp::with(move |c| Config {
        database: moved,
        ..c
    });

    let conn = rusqlite::Connection::open(&path).unwrap();
    assert_eq!(
        count(&conn, "PRAGMA user_version"),
        library_server::db::schema_version()
    );
    assert_eq!(count(&conn, "SELECT COUNT(*) FROM books"), books);
    assert_eq!(count(&conn, "SELECT COUNT(*) FROM items"), items);
    assert_eq!(count(&conn, "SELECT COUNT(*) FROM users"), users);
    assert_eq!(
        count(&conn, "SELECT COUNT(*) FROM users WHERE keeps_history = 0"),
        users
    );
    assert_eq!(
        count(
            &conn,
            "SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND name = 'books_language'"
        ),
        1
    );

    let front = html(&ok_page(page(&app, "/", &[])));
    assert!(front.contains("<title>Library catalogue</title>"));
    let book = html(&ok_page(page(&app, "/book/1", &[])));
    assert!(book.contains("<h1>Pride and Prejudice</h1>"), "{book}");
    let ld = json_ld(&book);
    assert_eq!(ld["name"], "Pride and Prejudice");
    assert_eq!(ld["author"]["name"], "Jane Austen");
    assert!(book.contains("2 of 2 on the shelf"), "{book}");

    let listed = app.get("/books?language=EN&per_page=100", None).expect(200);
    assert_eq!(listed.body["meta"]["total"], english);
    assert!(listed.result()[0]["shelves"].is_array());
    let copies = app.get("/books/1/copies", None).expect(200);
    assert_eq!(copies.result().as_array().map(Vec::len), Some(2));

    // Its members sign in and find the new settings at their defaults.
    let login = app
        .post(
            "/users/login",
            None,
            json!({"email": "maria.garcia@demo.library", "password": "demo-member-pass"}),
        )
        .expect(200);
    let token = login.body["access_token"].as_str().expect("token");
    assert_eq!(
        app.get("/users/me/reading-history", Some(token))
            .expect(200)
            .result(),
        &json!({"allowed": false, "keeping": false})
    );
    let reader = app.get("/reader-settings", None).expect(200);
    assert_eq!(reader.result()["kiosk_idle_seconds"], 120);

    // An import into the migrated database (migration 012: a chunk's new books are
    // counted and indexed at its end) leaves the search index whole and the shelves right.
    let admin = app
        .post(
            "/users/login",
            None,
            json!({"email": "admin@demo.library", "password": "demo-admin-pass"}),
        )
        .expect(200);
    let admin = admin.body["access_token"].as_str().expect("token");
    let csv = "title,author,isbn,copies\n\
               Quietly Migrated,Mo Author,,3\n\
               Pride and Prejudice,Jane Austen,9780141439518,4\n";
    let imported = app
        .send(
            Method::Post,
            "/books/import",
            Some(admin),
            Payload::Multipart(vec![Part::file(
                "file",
                "books.csv",
                csv.as_bytes().to_vec(),
            )]),
        )
        .expect(200);
    assert_eq!(imported.result()["created"], 1, "{}", imported.body);
    assert_eq!(imported.result()["updated"], 1, "{}", imported.body);
    let found = app.get("/books?q=quietly", None).expect(200);
    assert_eq!(found.result()[0]["available"], 3, "{}", found.body);
    assert_eq!(
        app.get("/books/1", None).expect(200).result()["available"],
        4
    );
    conn.execute(
        "INSERT INTO books_fts (books_fts, rank) VALUES ('integrity-check', 1)",
        [],
    )
    .expect("the search index matches the books");
    assert_eq!(count(&conn, "SELECT COUNT(*) FROM import_chunk"), 0);
}
