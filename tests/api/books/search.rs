//! Finding books: full-text search, filters, sorting and paging.

use super::{add, lend, member_id, staffed, titles};
use crate::common::TestApp;
use serde_json::json;

fn shelf(app: &TestApp, librarian: &str) {
    for (title, author, year, tags, description, isbn) in [
        (
            "Parsing Techniques",
            "Dick Grune",
            1990,
            "cs, compilers",
            "A practical guide to parsing.",
            "9780387202488",
        ),
        (
            "Compilers",
            "Alfred Aho",
            1986,
            "cs, compilers",
            "Principles, techniques and tools; the dragon book.",
            "",
        ),
        (
            "The Hobbit",
            "J. R. R. Tolkien",
            1937,
            "fantasy",
            "There and back again.",
            "",
        ),
        (
            "The Silmarillion",
            "J. R. R. Tolkien",
            1977,
            "fantasy, myth",
            "Elder days.",
            "",
        ),
        (
            "Crafting Interpreters",
            "Robert Nystrom",
            2021,
            "cs",
            "Tree-walking and bytecode interpreters, with a parser.",
            "",
        ),
    ] {
        add(
            app,
            librarian,
            json!({"title": title, "author": author, "published_year": year, "tags": tags,
                   "description": description, "isbn": isbn}),
        );
    }
}

#[test]
fn search_is_full_text_ranked_and_prefix() {
    let (app, librarian, _) = staffed();
    shelf(&app, &librarian);
    let reply = app.get("/books?q=pars", None).expect(200);
    assert_eq!(reply.body["message"], "GET BOOKS SUCCESS");
    let found = titles(&reply);
    assert_eq!(found.len(), 2, "{found:?}");
    // The title match outranks the description match.
    assert_eq!(found[0], "Parsing Techniques");
    assert_eq!(
        reply.body["meta"],
        json!({"page": 1, "per_page": 20, "total": 2})
    );
    assert_eq!(
        titles(&app.get("/books?q=tolkien%20hobbit", None).expect(200)),
        ["The Hobbit"]
    );
    assert_eq!(
        titles(&app.get("/books?q=dragon", None).expect(200)),
        ["Compilers"]
    );
    assert_eq!(
        titles(&app.get("/books?q=myth", None).expect(200)),
        ["The Silmarillion"]
    );
    assert_eq!(
        titles(&app.get("/books?q=nothing-like-this", None).expect(200)),
        Vec::<String>::new()
    );
    // An ISBN, in either form, finds its book.
    assert_eq!(
        titles(&app.get("/books?q=978-0-387-20248-8", None).expect(200)),
        ["Parsing Techniques"]
    );
    assert_eq!(
        titles(&app.get("/books?q=9780387202488", None).expect(200)),
        ["Parsing Techniques"]
    );
}

#[test]
fn a_search_of_several_words_comes_by_relevance_not_age() {
    let (app, librarian, _) = staffed();
    // The title match is added first, so newest first would put it last.
    for (title, description) in [
        ("The Night Garden", "Poems."),
        ("Cooking", "Recipes for a night in the garden."),
        ("Night Trains", "Timetables."),
    ] {
        add(
            &app,
            &librarian,
            json!({"title": title, "author": "A. Writer", "description": description}),
        );
    }
    assert_eq!(
        titles(&app.get("/books?q=night%20garden", None).expect(200)),
        ["The Night Garden", "Cooking"]
    );
    assert_eq!(
        titles(
            &app.get("/books?q=night%20garden&order=desc", None)
                .expect(200)
        ),
        ["Cooking", "The Night Garden"]
    );
}

#[test]
fn nasty_search_text_never_breaks_the_server() {
    let (app, librarian, _) = staffed();
    shelf(&app, &librarian);
    for q in [
        "\"",
        "\"\"",
        "\"unbalanced",
        "(",
        ")",
        "((pars",
        "*",
        "**",
        "pars*",
        ":",
        "title:",
        "title:hobbit",
        "-",
        "-hobbit",
        "NEAR",
        "NEAR(a b)",
        "a OR b",
        "AND",
        "NOT",
        "^",
        "{",
        "}",
        "[x]",
        "'",
        "\\",
        "%",
        "_",
        "🦀",
        "🦀 hobbit",
        "ẞ",
        "\u{0301}",
        "a\u{0}b",
        "+++",
        "hob\"bit",
        "NEAR(\"x\" \"y\", 2)",
        "col1 : x",
        "''''",
        "\"*\"",
        ";DROP TABLE books;--",
    ] {
        let path = format!("/books?q={}", urlencode(q));
        let reply = app.get(&path, None);
        assert_eq!(reply.status, 200, "q={q:?}: {}", reply.body);
        assert!(reply.result().is_array(), "q={q:?}");
    }
    assert_eq!(
        titles(
            &app.get(&format!("/books?q={}", urlencode("\"hobbit")), None)
                .expect(200)
        ),
        ["The Hobbit"]
    );
    // A column filter is not obeyed: "title" is just one more word to find.
    assert!(titles(
        &app.get(&format!("/books?q={}", urlencode("title:hobbit")), None)
            .expect(200)
    )
    .is_empty());
    let long = "a".repeat(501);
    app.get(&format!("/books?q={long}"), None)
        .expect_field_error(400, "q");
}

fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[test]
fn filters_sorting_and_paging_combine() {
    let (app, librarian, _) = staffed();
    shelf(&app, &librarian);
    let by_author = app
        .get(
            "/books?author=j.%20r.%20r.%20tolkien&sort=published_year&order=desc",
            None,
        )
        .expect(200);
    assert_eq!(titles(&by_author), ["The Silmarillion", "The Hobbit"]);
    let by_tag = app.get("/books?tag=COMPILERS&sort=title", None).expect(200);
    assert_eq!(titles(&by_tag), ["Compilers", "Parsing Techniques"]);
    let combined = app
        .get(
            "/books?q=techniques&tag=compilers&sort=published_year",
            None,
        )
        .expect(200);
    assert_eq!(titles(&combined), ["Compilers", "Parsing Techniques"]);
    let all = app.get("/books?sort=title", None).expect(200);
    assert_eq!(
        titles(&all),
        [
            "Compilers",
            "Crafting Interpreters",
            "Parsing Techniques",
            "The Hobbit",
            "The Silmarillion"
        ]
    );
    let by_year = app
        .get("/books?sort=published_year&order=asc", None)
        .expect(200);
    assert_eq!(titles(&by_year)[0], "The Hobbit");
    let newest = app
        .get("/books?sort=created_at&order=desc", None)
        .expect(200);
    assert_eq!(titles(&newest)[0], "Crafting Interpreters");
    let page = app
        .get("/books?sort=title&page=2&per_page=2", None)
        .expect(200);
    assert_eq!(titles(&page), ["Parsing Techniques", "The Hobbit"]);
    assert_eq!(
        page.body["meta"],
        json!({"page": 2, "per_page": 2, "total": 5})
    );
    // available=true leaves out a book with no copy free.
    let hobbit: i64 = app
        .sql()
        .query_row("SELECT id FROM books WHERE title = 'The Hobbit'", [], |r| {
            r.get(0)
        })
        .unwrap();
    lend(&app, hobbit, member_id(&app));
    let on_shelf = app
        .get("/books?available=true&author=J.%20R.%20R.%20Tolkien", None)
        .expect(200);
    assert_eq!(titles(&on_shelf), ["The Silmarillion"]);
    assert_eq!(on_shelf.body["meta"]["total"], 1);
    let everything = app
        .get("/books?available=false&author=J.%20R.%20R.%20Tolkien", None)
        .expect(200);
    assert_eq!(everything.body["meta"]["total"], 2);
}

#[test]
fn bad_listing_parameters_are_400() {
    let (app, _, _) = staffed();
    for (query, field) in [
        ("sort=rating", "sort"),
        ("sort=id;DROP", "sort"),
        ("order=up", "order"),
        ("available=maybe", "available"),
        ("per_page=101", "per_page"),
        ("page=0", "page"),
        ("page=x", "page"),
    ] {
        app.get(&format!("/books?{query}"), None)
            .expect_field_error(400, field);
    }
}

#[test]
fn search_text_of_any_shape_never_fails_the_server() {
    let app = TestApp::new();
    // Found by the fuzzer: ten bytes of non-ASCII once panicked in the ISBN check.
    for q in [
        "%C3%AFq%0DC%F1%AC%AE%AF%C3%96",
        "%C3%A9%C3%A9%C3%A9%C3%A9%C3%A9X",
        "%22%29%20OR%20NEAR(*",
        "%F0%9F%98%8D",
        "title%3Ax",
    ] {
        let reply = app.get(&format!("/books?q={q}"), None);
        assert_eq!(reply.status, 200, "q={q}: {}", reply.body);
    }
    app.get("/books/isbn/%C3%AFq%0DC%F1%AC%AE%AF%C3%96", None)
        .expect(400);
}

/// Listings are answered again from memory while nothing commits; a write from another
/// connection (another process, such as the command line) shows at once.
#[test]
fn a_listing_shows_every_write_at_once_from_anywhere() {
    let (app, librarian, _) = staffed();
    shelf(&app, &librarian);
    let hobbit = |app: &TestApp| {
        let reply = app.get("/books?q=hobbit", None).expect(200);
        let book = &reply.body["result"][0];
        (book["title"].clone(), book["available"].clone())
    };
    assert_eq!(hobbit(&app), (json!("The Hobbit"), json!(1)));
    assert_eq!(hobbit(&app), (json!("The Hobbit"), json!(1)));
    let id: i64 = app
        .sql()
        .query_row("SELECT id FROM books WHERE title = 'The Hobbit'", [], |r| {
            r.get(0)
        })
        .unwrap();
    app.sql()
        .execute(
            "UPDATE books SET title = 'The Hobbit, or There and Back Again' WHERE id = ?1",
            [id],
        )
        .unwrap();
    assert_eq!(
        hobbit(&app),
        (json!("The Hobbit, or There and Back Again"), json!(1))
    );
    lend(&app, id, member_id(&app));
    assert_eq!(
        hobbit(&app),
        (json!("The Hobbit, or There and Back Again"), json!(0))
    );
    // A tag given in another process: the tag's kept list of books follows too.
    assert_eq!(titles(&app.get("/books?tag=cs", None).expect(200)).len(), 3);
    app.sql()
        .execute("UPDATE books SET tags = '[\"cs\"]' WHERE id = ?1", [id])
        .unwrap();
    let tagged = titles(&app.get("/books?tag=CS", None).expect(200));
    assert_eq!(tagged.len(), 4, "{tagged:?}");
    assert!(tagged.contains(&"The Hobbit, or There and Back Again".to_string()));
}
