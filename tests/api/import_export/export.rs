//! Exporting: a round trip through import, matching by id, no formula cells.

use super::{all_books, by_title, import, staffed};
use crate::common::TestApp;
use serde_json::{json, Value};

#[test]
fn export_round_trips_through_import() {
    let (app, librarian) = staffed();
    for body in [
        json!({"title": "Dune", "author": "Frank Herbert", "isbn": "9780441172719",
               "publisher": "Ace", "published_year": 1965, "language": "en",
               "description": "Sand, \"spice\"\nand worms.", "tags": ["sf", "classic"], "copies": 3}),
        json!({"title": "Émile, ou De l'éducation", "author": "Rousseau", "copies": 0}),
        json!({"title": "=HYPERLINK(\"http://evil.example\")", "author": "@Mallory",
               "publisher": "+Press", "tags": ["-x"]}),
        json!({"title": "'Salem's Lot", "author": "Stephen King"}),
    ] {
        app.post("/books", Some(&librarian), body).expect(201);
    }
    let reply = app.get("/books/export.csv", Some(&librarian));
    assert_eq!(reply.status, 200);
    assert!(reply
        .content_type
        .as_deref()
        .unwrap()
        .starts_with("text/csv"));
    let text = String::from_utf8(reply.bytes.clone()).unwrap();
    assert!(text.starts_with(
        "id,title,author,subtitle,series,series_number,isbn,publisher,published_year,language,description,tags,copies,available,cover_file,created_at,modified_at,instance_id\n"
    ));
    assert!(text.contains("\"sf, classic\""));
    // No cell may start a spreadsheet formula.
    assert!(
        text.contains(",\"'=HYPERLINK(\"\"http://evil.example\"\")\",'@Mallory,"),
        "{text}"
    );
    assert!(text.contains(",'+Press,"), "{text}");

    let fresh = TestApp::new();
    let (_, admin) = fresh.admin();
    let result = import(&fresh, &admin, &reply.bytes)
        .expect(200)
        .result()
        .clone();
    assert_eq!(
        result,
        json!({"created": 4, "updated": 0, "skipped": 0, "errors": [],
               "error_count": 0, "errors_truncated": false})
    );
    let strip = |books: Vec<Value>| -> Vec<Value> {
        books
            .into_iter()
            .map(|mut b| {
                for key in ["id", "created_at", "modified_at"] {
                    b.as_object_mut().unwrap().remove(key);
                }
                b
            })
            .collect()
    };
    assert_eq!(strip(all_books(&fresh)), strip(all_books(&app)));
    // Into the same catalogue, every book is updated in place, with an ISBN or without.
    let again = import(&app, &librarian, &reply.bytes)
        .expect(200)
        .result()
        .clone();
    assert_eq!(again["updated"], 4, "{again}");
    assert_eq!(again["created"], 0);
}

/// The column of `instance_id` in our export: the last, after the book's fields.
const INSTANCE: usize = 17;

/// The export's rows as cells (the csv crate reads them as a spreadsheet would with `,`).
fn export_rows(app: &TestApp, token: &str) -> (Vec<u8>, Vec<Vec<String>>) {
    let reply = app.get("/books/export.csv", Some(token));
    assert_eq!(reply.status, 200);
    let rows = csv::Reader::from_reader(reply.bytes.as_slice())
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect();
    (reply.bytes, rows)
}

#[test]
fn our_own_export_updates_its_books_by_id_and_another_librarys_never_does() {
    let (app, librarian) = staffed();
    for body in [
        json!({"title": "Dune", "author": "Frank Herbert", "isbn": "9780441172719"}),
        json!({"title": "Parish newsletter 1987", "author": "St Anne's"}),
        json!({"title": "Poems", "author": "Anon", "copies": 2}),
    ] {
        app.post("/books", Some(&librarian), body).expect(201);
    }
    let (bytes, rows) = export_rows(&app, &librarian);
    let instance = rows[0][INSTANCE].clone();
    assert_eq!(instance.len(), 32, "the database's instance id: {instance}");
    assert!(rows.iter().all(|row| row[INSTANCE] == instance));

    // Back into the same catalogue, edited as a librarian would in a spreadsheet: books
    // without an ISBN are found by id, so nothing is duplicated.
    let edited = String::from_utf8(bytes.clone())
        .unwrap()
        .replace("Poems,Anon", "Collected Poems,Anon");
    let result = import(&app, &librarian, edited.as_bytes())
        .expect(200)
        .result()
        .clone();
    assert_eq!(
        result,
        json!({"created": 0, "updated": 3, "skipped": 0, "errors": [],
               "error_count": 0, "errors_truncated": false})
    );
    let titles: Vec<Value> = all_books(&app).iter().map(|b| b["title"].clone()).collect();
    assert_eq!(
        titles,
        [
            json!("Collected Poems"),
            json!("Dune"),
            json!("Parish newsletter 1987")
        ]
    );
    // A row whose book has since been deleted comes back as a new book.
    let newsletter = by_title(&all_books(&app), "Parish newsletter 1987")["id"].clone();
    app.delete(&format!("/books/{newsletter}"), Some(&librarian))
        .expect(200);
    let result = import(&app, &librarian, &bytes)
        .expect(200)
        .result()
        .clone();
    assert_eq!(
        (result["created"].as_u64(), result["updated"].as_u64()),
        (Some(1), Some(2))
    );
    assert_eq!(all_books(&app).len(), 3);

    // Another library's database: ids 1, 2, 3 are its own, unrelated books. The file's ids
    // are not theirs, so it creates its books and overwrites none.
    let other = TestApp::new();
    let (_, admin) = other.admin();
    for title in ["Their first book", "Their second book"] {
        other
            .post(
                "/books",
                Some(&admin),
                json!({"title": title, "author": "Them"}),
            )
            .expect(201);
    }
    let before = all_books(&other);
    let result = import(&other, &admin, &bytes).expect(200).result().clone();
    assert_eq!(
        (result["created"].as_u64(), result["updated"].as_u64()),
        (Some(3), Some(0)),
        "{result}"
    );
    let after = all_books(&other);
    assert_eq!(after.len(), 5);
    for theirs in &before {
        assert_eq!(by_title(&after, theirs["title"].as_str().unwrap()), theirs);
    }
    // Its own export carries its own instance id.
    let (_, rows) = export_rows(&other, &admin);
    assert!(rows
        .iter()
        .all(|row| row[INSTANCE] != instance && row[INSTANCE].len() == 32));
}

#[test]
fn no_exported_cell_starts_a_formula_in_any_spreadsheet() {
    let (app, librarian) = staffed();
    for body in [
        json!({"title": "\u{FF1D}HYPERLINK(\"http://evil.example\")", "author": "\u{FF20}Mallory",
               "publisher": "\u{FF0B}Press", "tags": ["\u{FF0D}x"]}),
        json!({"title": "\"=1+1\"", "author": "\t=cmd", "description": "\r=cmd"}),
        json!({"title": "Dune;=HYPERLINK(\"http://evil.example\")", "author": "A; -B",
               "description": "Spice; \u{FF1D}1+1;'quoted'", "language": "en;@x"}),
    ] {
        app.post("/books", Some(&librarian), body).expect(201);
    }
    let (bytes, rows) = export_rows(&app, &librarian);
    let starts = [
        '=', '+', '-', '@', '\t', '\r', '"', '\u{FF1D}', '\u{FF0B}', '\u{FF0D}', '\u{FF20}',
    ];
    for row in &rows {
        // Text columns; ids, numbers and dates are the server's own.
        for cell in [1, 2, 4, 6, 7, 8].map(|i| &row[i]) {
            for piece in cell.split(';') {
                let first = piece.trim_start_matches([' ', '\u{3000}']).chars().next();
                assert!(
                    !first.is_some_and(|c| starts.contains(&c)) && !piece.starts_with(starts),
                    "{cell:?} opens a formula at {piece:?}"
                );
            }
        }
    }
    let text = String::from_utf8(bytes.clone()).unwrap();
    assert!(text.contains("'\u{FF1D}HYPERLINK"), "{text}");
    assert!(text.contains("\"Dune;'=HYPERLINK("), "{text}");
    assert!(text.contains("Spice;' \u{FF1D}1+1;''quoted'"), "{text}");

    // Our import takes every value back exactly.
    let fresh = TestApp::new();
    let (_, admin) = fresh.admin();
    let result = import(&fresh, &admin, &bytes).expect(200).result().clone();
    assert_eq!(result["created"], 3, "{result}");
    let strip = |books: Vec<Value>| -> Vec<Value> {
        books
            .into_iter()
            .map(|mut b| {
                for key in ["id", "created_at", "modified_at"] {
                    b.as_object_mut().unwrap().remove(key);
                }
                b
            })
            .collect()
    };
    assert_eq!(strip(all_books(&fresh)), strip(all_books(&app)));
}

#[test]
fn subtitle_and_series_round_trip_through_our_csv() {
    let (app, librarian) = staffed();
    app.post(
        "/books",
        Some(&librarian),
        json!({"title": "The Two Towers", "subtitle": "=Part two", "author": "J. R. R. Tolkien",
               "isbn": "9780261102361", "series": "The Lord of the Rings", "series_number": 2}),
    )
    .expect(201);
    let (bytes, rows) = export_rows(&app, &librarian);
    // title, author, subtitle, series, series_number: the subtitle is guarded like any text.
    assert_eq!(
        rows[0][1..6],
        [
            "The Two Towers",
            "J. R. R. Tolkien",
            "'=Part two",
            "The Lord of the Rings",
            "2"
        ]
    );
    let fresh = TestApp::new();
    let (_, admin) = fresh.admin();
    import(&fresh, &admin, &bytes).expect(200);
    let book = &all_books(&fresh)[0];
    assert_eq!(book["subtitle"], "=Part two");
    assert_eq!(book["series"], "The Lord of the Rings");
    assert_eq!(book["series_number"], 2);

    // A hand-made file may set them, leave them blank (kept on an update) or get one wrong.
    let csv = "title,author,isbn,series,series_number\n\
               The Two Towers,J. R. R. Tolkien,9780261102361,,5\n\
               The Hobbit,J. R. R. Tolkien,,Middle-earth,0\n\
               Silmarillion,J. R. R. Tolkien,,Middle-earth,x\n\
               Unfinished Tales,J. R. R. Tolkien,,Middle-earth,\n";
    let report = import(&fresh, &admin, csv.as_bytes())
        .expect(200)
        .result()
        .clone();
    assert_eq!(report["updated"], 1, "{report}");
    assert_eq!(report["created"], 1, "{report}");
    assert_eq!(report["skipped"], 2, "{report}");
    let reasons: Vec<&str> = report["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["reason"].as_str().unwrap())
        .collect();
    assert_eq!(
        reasons,
        [
            "series_number must be a whole number from 1 to 10000",
            "series_number must be a whole number"
        ]
    );
    let books = all_books(&fresh);
    let towers = by_title(&books, "The Two Towers");
    assert_eq!(
        towers["series"], "The Lord of the Rings",
        "a blank cell keeps the value"
    );
    assert_eq!(towers["series_number"], 5);
    let tales = by_title(&books, "Unfinished Tales");
    assert_eq!(tales["series"], "Middle-earth");
    assert_eq!(tales["series_number"], Value::Null);
}
