//! A book's page, written on the server: for link previews, search engines and readers
//! without scripts.

use super::*;

// ---- the book page ----------------------------------------------------------------------

#[test]
fn a_book_page_carries_the_book_for_link_previews_and_search_engines() {
    let (app, _, librarian, _) = library_with(|c| Config {
        public_url: Some("https://library.example.org".into()),
        ..c
    });
    let book = add_book(&app, &librarian, dune());
    let reply = page(&app, &format!("/book/{book}"), &[]);
    assert_eq!(reply.status, 200, "{}", html(&reply));
    assert!(reply
        .content_type
        .as_deref()
        .is_some_and(|ct| ct.starts_with("text/html")));
    assert!(reply.header("Content-Security-Policy").is_some());
    let text = html(&reply);
    let url = format!("https://library.example.org/book/{book}");

    assert!(
        text.contains("<title>Dune: Book One · Library catalogue</title>"),
        "{text}"
    );
    assert_eq!(canonical(&text), Some(url.clone()));
    assert_eq!(meta(&text, "property", "og:url"), Some(url.clone()));
    assert_eq!(meta(&text, "property", "og:type").as_deref(), Some("book"));
    assert_eq!(
        meta(&text, "property", "og:title").as_deref(),
        Some("Dune: Book One")
    );
    assert_eq!(
        meta(&text, "property", "og:description").as_deref(),
        Some("A desert planet and its spice.")
    );
    assert_eq!(
        meta(&text, "name", "description").as_deref(),
        Some("A desert planet and its spice.")
    );
    assert!(text.contains(&format!("data-book-id=\"{book}\"")));
    assert!(text.contains("<h1>Dune</h1>"));
    assert!(text.contains("<p class=\"author\">Frank Herbert</p>"));
    assert!(text.contains("1 of 1 on the shelf"), "{text}");
    assert!(text.contains("9780441172719"));

    let ld = json_ld(&text);
    assert_eq!(ld["@context"], "https://schema.org");
    assert_eq!(ld["@type"], "Book");
    assert_eq!(ld["@id"], url);
    assert_eq!(ld["url"], url);
    assert_eq!(ld["name"], "Dune");
    assert_eq!(ld["alternativeHeadline"], "Book One");
    assert_eq!(
        ld["author"],
        json!({"@type": "Person", "name": "Frank Herbert"})
    );
    assert_eq!(ld["isbn"], "9780441172719");
    assert_eq!(ld["publisher"]["name"], "Ace");
    assert_eq!(ld["datePublished"], "1965");
    assert_eq!(ld["inLanguage"], "en");
    assert_eq!(ld["keywords"], "sf, classic");
    assert_eq!(ld["description"], "A desert planet and its spice.");
    assert_eq!(ld["offers"]["availability"], "https://schema.org/InStock");

    // Once the only copy is out, the offer says so.
    let (_, reader) = app.user("reader_two");
    borrow(&app, &reader, book);
    let text = html(&ok_page(page(&app, &format!("/book/{book}"), &[])));
    assert_eq!(
        json_ld(&text)["offers"]["availability"],
        "https://schema.org/OutOfStock"
    );
    assert!(text.contains("0 of 1 on the shelf"));
}

#[test]
fn a_book_page_shows_its_cover_and_a_short_description_to_link_previews() {
    let (app, _, librarian, _) = library_with(|c| Config {
        public_url: Some("https://library.example.org/".into()),
        ..c
    });
    // 400 characters, most of them two bytes long: cut at 300 characters, not bytes.
    let description = "é".repeat(350) + &"x".repeat(50);
    let book = add_book(
        &app,
        &librarian,
        json!({"title": "Émile", "author": "Rousseau", "description": description}),
    );
    let no_cover = html(&ok_page(page(&app, &format!("/book/{book}"), &[])));
    assert_eq!(meta(&no_cover, "property", "og:image"), None);
    assert_eq!(meta(&no_cover, "name", "twitter:card"), None);
    assert!(json_ld(&no_cover).get("image").is_none());

    let upload = Payload::Multipart(vec![Part::file("image", "cover.png", png(300, 400))]);
    let cover = app
        .send(
            Method::Put,
            &format!("/books/{book}/cover"),
            Some(&librarian),
            upload,
        )
        .expect(200);
    let file = cover.result()["cover_file"].as_str().expect("a cover file");
    let text = html(&ok_page(page(&app, &format!("/book/{book}"), &[])));
    let image = format!("https://library.example.org/images/cover/{file}");
    assert_eq!(meta(&text, "property", "og:image"), Some(image.clone()));
    assert_eq!(
        meta(&text, "name", "twitter:card").as_deref(),
        Some("summary")
    );
    assert_eq!(json_ld(&text)["image"], image);
    assert!(text.contains(&format!(
        "<img class=\"cover\" src=\"/images/cover/{file}\""
    )));
    assert_eq!(app.get(&format!("/images/cover/{file}"), None).status, 200);
    assert_eq!(
        canonical(&text),
        Some(format!("https://library.example.org/book/{book}"))
    );

    let short = meta(&text, "property", "og:description").expect("a description");
    assert_eq!(short.chars().count(), 300);
    assert_eq!(short, "é".repeat(300));
    assert_eq!(meta(&text, "name", "description"), Some(short));
    // The page itself and the JSON-LD keep all of it.
    assert_eq!(json_ld(&text)["description"], description);
    assert!(text.contains(&description));
}

#[test]
fn a_book_page_lists_the_copies_readers_may_see_with_their_shelf_and_status() {
    let (app, _, _, _, book, loan) = shelved_book();
    let reply = ok_page(page(&app, &format!("/book/{book}"), &[]));
    let text = html(&reply);
    let due = iso_day(loan["due_at"].as_str().expect("due_at"));
    for row in [
        format!("<tr><td>B2</td><td>On loan, due back {due}</td></tr>"),
        "<tr><td>H8</td><td>Kept for a reader</td></tr>".to_string(),
        "<tr><td>Z9</td><td>On the shelf</td></tr>".to_string(),
        "<tr><td>A1</td><td>On the shelf</td></tr>".to_string(),
        "<tr><td>—</td><td>On the shelf</td></tr>".to_string(),
        "<tr><td>C3</td><td>Being repaired</td></tr>".to_string(),
        "<tr><td>D4</td><td>On its way</td></tr>".to_string(),
    ] {
        assert!(text.contains(&row), "no {row} in {text}");
    }
    assert_eq!(text.matches("<tr><td>").count(), 8, "{text}");
    assert!(text.contains("4 of 8 on the shelf"), "{text}");
    for hidden in ["E5", "F6", "G7", "Withdrawn", "Lost", "Missing"] {
        assert!(!text.contains(hidden), "{hidden} shown: {text}");
    }
    for private in [
        "LOAN-1",
        "HOLD-1",
        "FREE-1",
        "borrower_ann",
        "second_reader",
    ] {
        assert!(!text.contains(private), "{private} shown: {text}");
    }

    // The same copies in German.
    let german = html(&page(
        &app,
        &format!("/book/{book}"),
        &[("Accept-Language", "de")],
    ));
    assert!(german.contains("<html lang=\"de\">"));
    assert!(german.contains("Exemplare"));
    assert!(german.contains(&format!("<td>Ausgeliehen, zurück bis {due}</td>")));
    assert!(german.contains("<td>In Reparatur</td>"));
    assert!(german.contains("4 von 8 im Regal"));
}

#[test]
fn a_book_page_without_copies_says_so() {
    let (app, _, librarian, _) = library();
    let book = add_book(
        &app,
        &librarian,
        json!({"title": "Emma", "author": "Jane Austen", "copies": 0}),
    );
    let text = html(&ok_page(page(&app, &format!("/book/{book}"), &[])));
    assert!(text.contains("The library has no copy of this book at the moment."));
    assert!(!text.contains("<table>"));
    assert_eq!(
        json_ld(&text)["offers"]["availability"],
        "https://schema.org/OutOfStock"
    );
    // With neither description nor cover the description is title and author.
    assert_eq!(
        meta(&text, "property", "og:description").as_deref(),
        Some("Emma — Jane Austen")
    );
    assert_eq!(meta(&text, "property", "og:image"), None);
}

#[test]
fn an_unknown_or_malformed_book_id_is_a_404_page_saying_so() {
    let (app, _, librarian, _) = library();
    add_book(&app, &librarian, dune());
    for path in [
        "/book/99999",
        "/book/abc",
        "/book/0",
        "/book/-1",
        "/book/1.5",
        "/book/1e3",
        "/book/99999999999999999999999",
    ] {
        let reply = page(&app, path, &[]);
        assert_eq!(reply.status, 404, "{path}");
        assert!(
            reply
                .content_type
                .as_deref()
                .is_some_and(|ct| ct.starts_with("text/html")),
            "{path}: {:?}",
            reply.content_type
        );
        let text = html(&reply);
        assert!(text.contains("<h1>Book not found</h1>"), "{path}: {text}");
        assert!(text.contains("<title>Book not found · Library catalogue</title>"));
        assert!(!text.contains(JSON_LD), "{path}");
        assert!(canonical(&text).is_none(), "{path}");
    }
    let german = page(&app, "/book/99999", &[("Accept-Language", "de")]);
    assert_eq!(german.status, 404);
    assert!(html(&german).contains("Buch nicht gefunden"));
    // A 404 is never "not modified".
    let first = page(&app, "/book/99999", &[]);
    let etag = first.header("ETag").unwrap_or("\"x\"").to_string();
    let again = page(&app, "/book/99999", &[("If-None-Match", &etag)]);
    assert_eq!(again.status, 404);
}

#[test]
fn a_title_written_as_script_stays_text_on_the_book_page() {
    let (app, _, librarian, _) = library();
    let title = "</script><script>alert(1)</script>";
    let author = "Eve \"Quotes\" & <b>Co</b>";
    let description = "\"><img src=x onerror=alert(2)> </SCRIPT><script>alert(3)</script>";
    let book = add_book(
        &app,
        &librarian,
        json!({"title": title, "author": author, "description": description,
               "publisher": "</script>", "tags": ["<script>"], "copies": 1}),
    );
    let text = html(&ok_page(page(&app, &format!("/book/{book}"), &[])));
    for raw in ["<script>alert", "<img src=x", "<b>Co</b>", "</SCRIPT>"] {
        assert!(!text.contains(raw), "{raw} in {text}");
    }
    // Exactly two scripts: the page's module and the JSON-LD, each ended once.
    assert_eq!(text.matches("</script>").count(), 2, "{text}");
    assert_eq!(text.matches("<script").count(), 2, "{text}");
    let ld = json_ld(&text);
    assert_eq!(ld["name"], title);
    assert_eq!(ld["author"]["name"], author);
    assert_eq!(ld["description"], description);
    assert_eq!(ld["publisher"]["name"], "</script>");
    assert!(
        text.contains("<h1>&#60;/script&#62;&#60;script&#62;alert(1)&#60;/script&#62;</h1>"),
        "{text}"
    );
}

#[test]
fn a_members_only_catalogue_writes_no_book_into_its_pages() {
    let (app, admin, librarian, _) = library();
    let book = add_book(&app, &librarian, dune());
    settings(&app, &admin, json!({"catalogue_members_only": true}));
    let reply = ok_page(page(&app, &format!("/book/{book}"), &[]));
    let text = html(&reply);
    assert!(
        text.contains("catalogue is for members: please sign in to search it."),
        "{text}"
    );
    for leak in [
        "Dune",
        "Frank Herbert",
        "desert planet",
        "9780441172719",
        "Ace",
    ] {
        assert!(
            !text.contains(leak),
            "{leak} in a members-only page: {text}"
        );
    }
    assert!(!text.contains(JSON_LD));
    assert!(canonical(&text).is_none());
    assert_eq!(
        meta(&text, "property", "og:type").as_deref(),
        Some("website")
    );
    // Whether the book exists is not told either.
    let unknown = ok_page(page(&app, "/book/99999", &[]));
    assert_eq!(unknown.bytes, reply.bytes);
    // A token does not matter to the page (the script fetches the book itself).
    let (_, member) = app.user("member_two");
    let signed_in = app.get(&format!("/book/{book}"), Some(&member));
    assert_eq!(signed_in.status, 200);
    assert!(!html(&signed_in).contains("Frank Herbert"));
    // The front page still loads, for the sign-in.
    ok_page(page(&app, "/", &[]));

    settings(&app, &admin, json!({"catalogue_members_only": false}));
    let open = html(&ok_page(page(&app, &format!("/book/{book}"), &[])));
    assert!(open.contains("Frank Herbert"));
    assert_eq!(json_ld(&open)["name"], "Dune");
}
