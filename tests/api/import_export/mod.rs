//! CSV import (three formats) and export over HTTP.

mod common;

use common::{Part, Payload, TestApp};
use rocket::http::{ContentType, Header, Method};
use serde_json::{json, Value};

fn staffed() -> (TestApp, String) {
    let app = TestApp::new();
    let (_, admin) = app.admin();
    let (_, librarian) = app.librarian("libby", &admin);
    (app, librarian)
}

fn import(app: &TestApp, token: &str, csv: &[u8]) -> common::Reply {
    app.send(
        Method::Post,
        "/books/import",
        Some(token),
        Payload::Multipart(vec![Part::file("file", "books.csv", csv.to_vec())]),
    )
}

fn all_books(app: &TestApp) -> Vec<Value> {
    app.get("/books?sort=title&per_page=100", None)
        .expect(200)
        .result()
        .as_array()
        .unwrap()
        .clone()
}

fn by_title<'a>(books: &'a [Value], title: &str) -> &'a Value {
    books
        .iter()
        .find(|b| b["title"] == title)
        .unwrap_or_else(|| panic!("no {title:?} in {books:?}"))
}

const GOODREADS_HEADER: &str = "Book Id,Title,Author,Author l-f,Additional Authors,ISBN,ISBN13,My Rating,Average Rating,Publisher,Binding,Number of Pages,Year Published,Original Publication Year,Date Read,Date Added,Bookshelves,Bookshelves with positions,Exclusive Shelf,My Review,Spoiler,Private Notes,Read Count,Owned Copies";

#[test]
fn a_goodreads_export_is_imported() {
    let (app, librarian) = staffed();
    let csv = format!(
        "{GOODREADS_HEADER}\n\
         1,Dune,Frank Herbert,\"Herbert, Frank\",,\"=\"\"0441172717\"\"\",\"=\"\"9780441172719\"\"\",5,4.25,Ace,Paperback,604,1990,1965,,2020/01/01,\"sf, favourites\",\"sf (#1), favourites (#3)\",read,,,,1,0\n\
         2,The Odyssey,Homer,Homer,,=\"\",=\"\",0,3.8,Penguin,Paperback,541,,-800,,2021/05/05,,,to-read,,,,0,2\n\
         3,,Nobody,\"Nobody\",,=\"\",=\"\",0,0,,,,,,,,,,to-read,,,,0,0\n\
         4,Typo Book,Some One,\"One, Some\",,=\"0306406153\",=\"\",0,0,,,,2001,,,,,,read,,,,0,0\n"
    );
    let reply = import(&app, &librarian, csv.as_bytes()).expect(200);
    assert_eq!(reply.body["message"], "IMPORT BOOKS SUCCESS");
    let result = reply.result();
    assert_eq!(result["created"], 3, "{result}");
    assert_eq!(result["updated"], 0);
    assert_eq!(result["skipped"], 1);
    let errors = result["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert_eq!(errors[0]["line"], 4);
    assert!(errors[0]["reason"].as_str().unwrap().contains("title"));
    assert_eq!(errors[1]["line"], 5);
    assert!(errors[1]["reason"].as_str().unwrap().contains("isbn"));
    let books = all_books(&app);
    let dune = by_title(&books, "Dune");
    assert_eq!(dune["author"], "Frank Herbert");
    assert_eq!(dune["isbn"], "9780441172719");
    assert_eq!(dune["publisher"], "Ace");
    assert_eq!(dune["published_year"], 1990);
    assert_eq!(dune["tags"], json!(["sf", "favourites"]));
    assert_eq!(dune["copies"], 1, "0 owned copies means not counted");
    let odyssey = by_title(&books, "The Odyssey");
    assert_eq!(odyssey["published_year"], -800);
    assert_eq!(odyssey["isbn"], Value::Null);
    assert_eq!(odyssey["copies"], 2);
    let typo = by_title(&books, "Typo Book");
    assert_eq!(
        typo["isbn"],
        Value::Null,
        "a bad ISBN is dropped, the book kept"
    );
    // Imported books are searchable at once.
    let found = app.get("/books?q=herb", None).expect(200);
    assert_eq!(found.result()[0]["title"], "Dune");
}

const LIBIB_HEADER: &str = "title,creators,first_name,last_name,ean_isbn13,upc_isbn10,description,publisher,publish_date,group,tags,notes,price,length,number_of_discs,number_of_players,age_group,ensemble,aspect_ratio,esrb,rating,review,review_date,status,began,completed,added,copies";

#[test]
fn a_libib_export_is_imported() {
    let (app, librarian) = staffed();
    let csv = format!(
        "{LIBIB_HEADER}\n\
         Emma,Jane Austen,Jane,Austen,9780141439587,,\"A match-maker,\nmeddling.\",Penguin,2003-04-29,Shelf A,\"classic, romance\",,,,,,,,,,,,,,,,2021-01-01,4\n\
         Notes from Underground,,Fyodor,Dostoevsky,,0679734643,,Vintage,1994,,,,,,,,,,,,,,,,,,,\n\
         ,Anonymous,,,,,,,,,,,,,,,,,,,,,,,,,,\n"
    );
    let reply = import(&app, &librarian, csv.as_bytes()).expect(200);
    let result = reply.result();
    assert_eq!(result["created"], 2, "{result}");
    assert_eq!(result["skipped"], 1);
    // The multi-line description moves the third record to line 5.
    assert_eq!(
        result["errors"],
        json!([{"line": 5, "reason": "title is required"}])
    );
    let books = all_books(&app);
    let emma = by_title(&books, "Emma");
    assert_eq!(emma["author"], "Jane Austen");
    assert_eq!(emma["isbn"], "9780141439587");
    assert_eq!(emma["description"], "A match-maker,\nmeddling.");
    assert_eq!(emma["published_year"], 2003);
    assert_eq!(emma["tags"], json!(["classic", "romance"]));
    assert_eq!(emma["copies"], 4);
    let notes = by_title(&books, "Notes from Underground");
    assert_eq!(
        notes["author"], "Fyodor Dostoevsky",
        "from the name columns"
    );
    assert_eq!(notes["isbn"], "9780679734642", "ISBN-10 converted");
    assert_eq!(notes["copies"], 1);
}

#[test]
fn a_row_with_a_known_isbn_updates_that_book() {
    let (app, librarian) = staffed();
    let created = app
        .post(
            "/books",
            Some(&librarian),
            json!({"title": "Dune", "author": "F. Herbert", "isbn": "9780441172719",
                   "description": "Spice.", "language": "en", "copies": 2}),
        )
        .expect(201);
    let id = created.result()["id"].clone();
    let csv = "title,author,isbn,publisher,copies\n\
               Dune (40th anniversary),Frank Herbert,0-441-17271-7,Ace,5\n";
    let result = import(&app, &librarian, csv.as_bytes())
        .expect(200)
        .result()
        .clone();
    assert_eq!(
        result,
        json!({"created": 0, "updated": 1, "skipped": 0, "errors": [],
               "error_count": 0, "errors_truncated": false})
    );
    let book = app.get(&format!("/books/{id}"), None).expect(200);
    let book = book.result();
    assert_eq!(book["title"], "Dune (40th anniversary)");
    assert_eq!(book["author"], "Frank Herbert");
    assert_eq!(book["publisher"], "Ace");
    assert_eq!(book["copies"], 5);
    // What the row leaves out keeps its value.
    assert_eq!(book["description"], "Spice.");
    assert_eq!(book["language"], "en");
    // Fewer copies than are out on loan: that row is skipped, the book unchanged.
    for reader in ["reader1", "reader2", "reader3"] {
        let (reader_id, _) = app.user(reader);
        app.post(
            "/loans",
            Some(&librarian),
            serde_json::json!({"book_id": id, "user_id": reader_id}),
        )
        .expect(201);
    }
    let csv = "title,author,isbn,copies\nDune,Frank Herbert,9780441172719,1\nOther,Someone,,1\n";
    let result = import(&app, &librarian, csv.as_bytes())
        .expect(200)
        .result()
        .clone();
    assert_eq!(result["updated"], 0);
    assert_eq!(result["created"], 1);
    assert_eq!(result["skipped"], 1);
    assert_eq!(result["errors"][0]["line"], 2);
    let book = app.get(&format!("/books/{id}"), None).expect(200);
    assert_eq!(book.result()["copies"], 5);
}

#[test]
fn one_bad_row_never_stops_the_rest() {
    let (app, librarian) = staffed();
    let csv = "title,author,copies,published_year,tags\n\
               Good One,A,1,2000,x\n\
               Too many,fields,1,2000,x,extra\n\
               Negative,B,-3,,\n\
               Fraction,B,1.5,,\n\
               Bad year,B,1,next year,\n\
               No author,,1,,\n\
               Good Two,C,,,\n";
    let result = import(&app, &librarian, csv.as_bytes())
        .expect(200)
        .result()
        .clone();
    assert_eq!(result["created"], 2, "{result}");
    assert_eq!(result["skipped"], 5);
    let lines: Vec<i64> = result["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["line"].as_i64().unwrap())
        .collect();
    assert_eq!(lines, [3, 4, 5, 6, 7]);
    let titles: Vec<Value> = all_books(&app).iter().map(|b| b["title"].clone()).collect();
    assert_eq!(titles, [json!("Good One"), json!("Good Two")]);
}

#[test]
fn files_that_are_not_a_known_csv_are_refused() {
    let (app, librarian) = staffed();
    for bad in [
        b"title,author,colour\nA,B,red\n".to_vec(),
        b"name,writer\nA,B\n".to_vec(),
        b"{\"title\": \"A\", \"author\": \"B\"}".to_vec(),
        b"".to_vec(),
        b"\n\n".to_vec(),
        vec![
            0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a, 0xff, 0xfe, 0x00,
        ],
        b"title,author\nCaf\xe9,B\n".to_vec(),
    ] {
        let reply = import(&app, &librarian, &bad).expect_field_error(400, "file");
        assert_eq!(reply.body["message"], "BAD REQUEST");
    }
    app.send(
        Method::Post,
        "/books/import",
        Some(&librarian),
        Payload::Multipart(vec![Part::text("other", "x")]),
    )
    .expect_field_error(400, "file");
    app.post(
        "/books/import",
        Some(&librarian),
        json!({"file": "title,author"}),
    )
    .expect(415);
    import(&app, "not-a-token", b"title,author\nA,B\n").expect(401);
    assert!(all_books(&app).is_empty());
}

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
        "id,title,author,isbn,publisher,published_year,language,description,tags,copies,available,cover_file,created_at,modified_at,instance_id\n"
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
    let instance = rows[0][14].clone();
    assert_eq!(instance.len(), 32, "the database's instance id: {instance}");
    assert!(rows.iter().all(|row| row[14] == instance));

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
        .all(|row| row[14] != instance && row[14].len() == 32));
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
fn twenty_thousand_bad_rows_list_the_first_hundred_and_count_them_all() {
    let (app, librarian) = staffed();
    let mut csv = String::from("title,author,copies\n");
    csv.push_str(&format!("Fine,Someone,{}\n", "9".repeat(5000)));
    for _ in 0..20_000 {
        csv.push_str(",Nobody,1\n");
    }
    csv.push_str("Good,Someone,1\n");
    let reply = import(&app, &librarian, csv.as_bytes()).expect(200);
    let result = reply.result();
    assert_eq!(result["created"], 1);
    assert_eq!(result["skipped"], 20_001);
    assert_eq!(result["error_count"], 20_001);
    assert_eq!(result["errors_truncated"], true);
    let errors = result["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 100);
    assert_eq!(errors[1], json!({"line": 3, "reason": "title is required"}));
    assert_eq!(errors[99]["line"], 101);
    // A reason quotes at most the start of a cell, however long the cell.
    let first = errors[0]["reason"].as_str().unwrap();
    assert!(
        first.starts_with("copies \"999") && first.len() < 100,
        "{first}"
    );
    assert!(reply.bytes.len() < 10_000, "{} bytes", reply.bytes.len());
}

/// Settings for a server on `dir`'s database, as TestApp makes them.
fn settings_for(dir: &std::path::Path) -> library_server::config::Settings {
    let figment = library_server::config::Config::figment()
        .merge(("database", dir.join("library.db")))
        .merge(("data_dir", dir.join("data")))
        .merge(("bcrypt_cost", 4))
        .merge(("log_level", "off"));
    library_server::config::Settings::load(figment).unwrap()
}

#[test]
fn lending_goes_on_while_a_large_file_is_imported() {
    let (app, librarian) = staffed();
    let (_, member) = app.user("reader");
    let book = app
        .post(
            "/books",
            Some(&librarian),
            json!({"title": "Lendable", "author": "A"}),
        )
        .expect(201)
        .result()["id"]
        .clone();
    // The same database, now served to a client that can send two requests at once.
    let TestApp { client, dir } = app;
    drop(client);
    rocket::execute(import_while_lending(dir, librarian, member, book));
}

async fn import_while_lending(
    dir: tempfile::TempDir,
    librarian: String,
    member: String,
    book: Value,
) {
    let settings = settings_for(dir.path());
    let db = library_server::db::Db::open(&settings.config.database).unwrap();
    let client =
        rocket::local::asynchronous::Client::tracked(library_server::build(settings, db).unwrap())
            .await
            .unwrap();
    let count_books = || -> i64 {
        rusqlite::Connection::open(dir.path().join("library.db"))
            .unwrap()
            .query_row("SELECT count(*) FROM books", [], |r| r.get(0))
            .unwrap()
    };

    const ROWS: i64 = 10_000;
    let mut csv = String::from("title,author\n");
    for n in 0..ROWS {
        csv.push_str(&format!("Imported book {n},Someone\n"));
    }
    let bytes = common::multipart_body(&[Part::file("file", "books.csv", csv.into_bytes())]);
    let importing = async {
        let response = client
            .post("/books/import")
            .header(common::multipart_type())
            .header(Header::new("Authorization", format!("Bearer {librarian}")))
            .body(bytes)
            .dispatch()
            .await;
        let status = response.status().code;
        (status, response.into_string().await.unwrap_or_default())
    };
    let lending = async {
        // Once the import has written its first rows, a member borrows.
        while count_books() == 1 {
            rocket::tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
        let response = client
            .post("/loans")
            .header(ContentType::JSON)
            .header(Header::new("Authorization", format!("Bearer {member}")))
            .body(json!({"book_id": book}).to_string())
            .dispatch()
            .await;
        let status = response.status().code;
        (status, count_books())
    };
    let ((import_status, import_body), (loan_status, books_when_lent)) =
        rocket::tokio::join!(importing, lending);
    assert_eq!(import_status, 200, "{import_body}");
    let report: Value = serde_json::from_str(&import_body).unwrap();
    assert_eq!(report["result"]["created"], ROWS);
    assert_eq!(loan_status, 201);
    assert!(
        books_when_lent < ROWS + 1,
        "the loan waited for the whole import ({books_when_lent} books when it was answered)"
    );
}

#[test]
fn a_csv_sent_under_another_field_name_is_refused_naming_the_field_expected() {
    let (app, librarian) = staffed();
    let reply = app
        .send(
            Method::Post,
            "/books/import",
            Some(&librarian),
            Payload::Multipart(vec![Part::file(
                "csv",
                "books.csv",
                b"title,author\nDune,Frank Herbert\n".to_vec(),
            )]),
        )
        .expect_field_error(400, "file");
    let problem = reply.body["errors"]["file"].as_str().unwrap();
    assert!(problem.contains("multipart field `file`"), "{problem}");
    assert!(problem.contains("came as `csv`"), "{problem}");
    assert!(all_books(&app).is_empty());
}
