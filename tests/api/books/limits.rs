//! The catalogue's bounds, which keep every query an anonymous client can form cheap: pages
//! end at the 10,000th book, a count stops at 10,000 and says so, and a single letter is a
//! word of its own rather than the prefix of every word it starts. Past its bounds a query
//! is refused in words, never answered slowly.

use super::{add, hold_in_tables, lend, member_id, staffed, titles};
use serde_json::json;

#[test]
fn pages_end_at_the_thousandth_book_and_say_so() {
    let (app, _, _) = staffed();
    for path in [
        "/books?page=50",
        "/books?page=10&per_page=100",
        "/books?page=1000&per_page=1",
        "/books?q=night&page=50",
        "/books?available=true&sort=author&order=desc&page=10&per_page=100",
    ] {
        let reply = app.get(path, None).expect(200);
        assert_eq!(reply.result(), &json!([]), "{path}");
    }
    for (path, last) in [
        ("/books?page=51", "page 50 is the last at per_page=20"),
        (
            "/books?page=11&per_page=100",
            "page 10 is the last at per_page=100",
        ),
        ("/books?q=night&page=1000000", "page 50 is the last"),
        (
            "/books?available=true&page=400&per_page=100",
            "page 10 is the last",
        ),
    ] {
        let reply = app.get(path, None).expect_field_error(400, "page");
        let problem = reply.body["errors"]["page"].as_str().unwrap();
        assert!(
            problem.contains("1000 books") && problem.contains(last),
            "{path}: {problem}"
        );
    }
}

#[test]
fn a_small_catalogue_counts_exactly() {
    let (app, librarian, _) = staffed();
    for n in 0..3 {
        add(
            &app,
            &librarian,
            json!({"title": format!("Night {n}"), "author": "Ann Author"}),
        );
    }
    let reply = app.get("/books?per_page=2", None).expect(200);
    assert_eq!(
        reply.body["meta"],
        json!({"page": 1, "per_page": 2, "total": 3})
    );
    let reply = app.get("/books?q=night&sort=title", None).expect(200);
    assert_eq!(
        reply.body["meta"],
        json!({"page": 1, "per_page": 20, "total": 3})
    );
}

/// More books than the count goes: bulk rows straight into the tables (the triggers keep
/// the full-text index), then the API says "more than 1,000" and still pages them.
#[test]
fn a_large_catalogue_counts_to_a_thousand_and_says_more_match() {
    let (app, _, _) = staffed();
    app.sql()
        .execute_batch(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1050)
             INSERT INTO books (title, author, tags, created_at, modified_at)
             SELECT 'Night Garden ' || i, 'Ann Author', '[\"garden\"]', i, i FROM n;
             INSERT INTO books (title, author, tags, created_at, modified_at)
             VALUES ('Night Owl', 'Ann Author', '[]', 2000, 2000);",
        )
        .unwrap();
    for path in [
        "/books",
        "/books?q=night",
        "/books?q=garden",
        "/books?author=ann%20author",
        "/books?tag=garden&sort=title",
    ] {
        let reply = app.get(path, None).expect(200);
        assert_eq!(reply.body["meta"]["total"], 1000, "{path}");
        assert_eq!(reply.body["meta"]["total_capped"], true, "{path}");
        assert_eq!(reply.result().as_array().unwrap().len(), 20, "{path}");
    }
    // Too many to rank: the newest come first, and paging goes on from them.
    let reply = app.get("/books?q=garden&per_page=2", None).expect(200);
    assert_eq!(titles(&reply), ["Night Garden 1050", "Night Garden 1049"]);
    let reply = app
        .get("/books?q=garden&per_page=2&page=2", None)
        .expect(200);
    assert_eq!(titles(&reply), ["Night Garden 1048", "Night Garden 1047"]);
    // Too many to sort: said in words.
    let reply = app
        .get("/books?q=garden&sort=title", None)
        .expect_field_error(400, "sort");
    assert!(reply.body["errors"]["sort"]
        .as_str()
        .unwrap()
        .contains("add a word"));
    // Few enough: ranked, and sortable.
    let reply = app.get("/books?q=night%20owl", None).expect(200);
    assert_eq!(titles(&reply), ["Night Owl"]);
    let reply = app.get("/books?q=owl&sort=title", None).expect(200);
    assert_eq!(reply.body["meta"]["total"], 1);
    // A filter over the sort key's index goes as deep as the pages do.
    let reply = app
        .get("/books?tag=garden&sort=title&order=desc&per_page=1", None)
        .expect(200);
    assert_eq!(titles(&reply), ["Night Garden 999"]);
    let reply = app
        .get("/books?sort=created_at&page=10&per_page=100", None)
        .expect(200);
    assert_eq!(titles(&reply)[99], "Night Garden 1000");
    // None of these books has a copy.
    let reply = app.get("/books?available=true", None).expect(200);
    assert_eq!(
        reply.body["meta"],
        json!({"page": 1, "per_page": 20, "total": 0})
    );
}

#[test]
fn a_single_letter_is_a_word_of_its_own() {
    let (app, librarian, _) = staffed();
    add(
        &app,
        &librarian,
        json!({"title": "A Tale of Two Cities", "author": "Charles Dickens"}),
    );
    add(
        &app,
        &librarian,
        json!({"title": "Apple Orchards", "author": "Zoe Zimmer"}),
    );
    let reply = app.get("/books?q=a", None).expect(200);
    assert_eq!(titles(&reply), ["A Tale of Two Cities"]);
    let reply = app.get("/books?q=a*", None).expect(200);
    assert_eq!(titles(&reply), ["A Tale of Two Cities"]);
    let reply = app.get("/books?q=ap", None).expect(200);
    assert_eq!(titles(&reply), ["Apple Orchards"]);
    let reply = app.get("/books?q=z", None).expect(200);
    assert_eq!(titles(&reply), Vec::<String>::new());
}

/// `available` is kept per book by triggers (migration 009): every way a copy comes and
/// goes, and every hold, moves it, and the filter and the count agree with the copies.
#[test]
fn availability_follows_every_copy_and_hold() {
    let (app, librarian, _) = staffed();
    let book = add(
        &app,
        &librarian,
        json!({"title": "Moby Dick", "author": "Herman Melville", "copies": 2}),
    );
    let id = book["id"].as_i64().unwrap();
    let member = member_id(&app);
    let available = |app: &crate::common::TestApp| -> (i64, Vec<String>) {
        let one = app.get(&format!("/books/{id}"), None).expect(200);
        let listed = app.get("/books?available=true", None).expect(200);
        (one.result()["available"].as_i64().unwrap(), titles(&listed))
    };
    assert_eq!(available(&app), (2, vec!["Moby Dick".to_string()]));
    lend(&app, id, member);
    assert_eq!(available(&app).0, 1);
    hold_in_tables(&app, id, member, "waiting", "NULL");
    assert_eq!(available(&app), (0, vec![]));
    app.sql().execute("DELETE FROM holds", []).unwrap();
    assert_eq!(available(&app).0, 1);
    // A ready hold keeps its copy; once it has lapsed the copy counts again at once.
    hold_in_tables(&app, id, member, "ready", "unixepoch() + 3600");
    assert_eq!(available(&app), (0, vec![]));
    app.sql()
        .execute("UPDATE holds SET ready_until = unixepoch() - 1", [])
        .unwrap();
    assert_eq!(available(&app), (1, vec!["Moby Dick".to_string()]));
    app.sql().execute("DELETE FROM holds", []).unwrap();
    app.sql()
        .execute(
            "UPDATE items SET status = 'available' WHERE book_id = ?1 AND status = 'on_hold_shelf'",
            [id],
        )
        .unwrap();
    // More copies, fewer copies, a copy lost and found, through the API.
    app.patch(
        &format!("/books/{id}"),
        Some(&librarian),
        json!({"copies": 4}),
    )
    .expect(200);
    assert_eq!(available(&app).0, 3);
    let items = app
        .get(&format!("/books/{id}/items"), Some(&librarian))
        .expect(200);
    let on_shelf = items
        .result()
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["status"] == "available")
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    app.post(
        &format!("/items/{on_shelf}/lost"),
        Some(&librarian),
        json!({}),
    )
    .expect(200);
    assert_eq!(available(&app).0, 2);
    app.post(
        &format!("/items/{on_shelf}/found"),
        Some(&librarian),
        json!({}),
    )
    .expect(200);
    assert_eq!(available(&app).0, 3);
    app.patch(
        &format!("/books/{id}"),
        Some(&librarian),
        json!({"copies": 1}),
    )
    .expect(200);
    assert_eq!(available(&app), (0, vec![]));
    // The kept count is the count of the copies.
    let (kept, counted): (i64, i64) = app.sql().query_row(
        "SELECT on_shelf, (SELECT COUNT(*) FROM items WHERE book_id = books.id AND status = 'available')
                          - (SELECT COUNT(*) FROM holds WHERE book_id = books.id AND status = 'waiting')
         FROM books WHERE id = ?1", [id], |r| Ok((r.get(0)?, r.get(1)?))).unwrap();
    assert_eq!(kept, counted);
    // Deleting the book takes its copies with it without a complaint.
    app.sql().execute("DELETE FROM loans", []).unwrap();
    app.delete(&format!("/books/{id}"), Some(&librarian))
        .expect(200);
}

/// The database the last release shipped (`library.db.example` at f61f664, schema 8, with
/// loans, a ready hold and waiting ones) upgrades with every book's kept count equal to its
/// copies, and a loan afterwards neither touches the search index nor the remembered
/// searches' version.
#[test]
fn the_last_releases_database_gets_its_counts_right() {
    use rusqlite::Connection;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("library.db");
    let fixture =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/release-f61f664.db");
    std::fs::copy(fixture, &path).unwrap();
    let one =
        |conn: &Connection, sql: &str| -> i64 { conn.query_row(sql, [], |r| r.get(0)).unwrap() };
    assert_eq!(
        one(&Connection::open(&path).unwrap(), "PRAGMA user_version"),
        8
    );
    drop(library_server::db::Db::open(&path).expect("the old database opens and migrates"));
    let conn = Connection::open(&path).unwrap();
    assert_eq!(
        one(&conn, "PRAGMA user_version"),
        library_server::db::schema_version()
    );
    let wrong = one(
        &conn,
        "SELECT COUNT(*) FROM books b WHERE on_shelf !=
             (SELECT COUNT(*) FROM items WHERE book_id = b.id AND status = 'available')
           - (SELECT COUNT(*) FROM holds WHERE book_id = b.id AND status = 'waiting')",
    );
    assert_eq!(wrong, 0);
    assert!(one(&conn, "SELECT COUNT(*) FROM holds WHERE status = 'waiting'") > 0);
    assert!(one(&conn, "SELECT COUNT(*) FROM books WHERE on_shelf > 0") > 0);
    let version = one(&conn, "SELECT version FROM catalogue_version");
    let fts_rows = one(&conn, "SELECT COUNT(*) FROM books_fts_docsize");
    conn.execute_batch(
        "UPDATE items SET status = 'on_loan' WHERE id = (SELECT MIN(id) FROM items WHERE status = 'available');",
    )
    .unwrap();
    assert_eq!(one(&conn, "SELECT version FROM catalogue_version"), version);
    assert_eq!(
        one(&conn, "SELECT COUNT(*) FROM books_fts_docsize"),
        fts_rows
    );
    conn.execute_batch("UPDATE books SET title = 'Renamed' WHERE id = (SELECT MIN(id) FROM books)")
        .unwrap();
    assert_eq!(
        one(&conn, "SELECT version FROM catalogue_version"),
        version + 1
    );
    assert_eq!(
        one(
            &conn,
            "SELECT COUNT(*) FROM books_fts WHERE books_fts MATCH 'renamed'"
        ),
        1
    );
}
