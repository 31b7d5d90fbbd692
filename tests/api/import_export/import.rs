//! Importing the known CSV formats, updating by ISBN, and files that are refused.

use super::{all_books, by_title, import, staffed};
use crate::common::{Part, Payload};
use rocket::http::Method;
use serde_json::{json, Value};

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
