//! The page itself: `/` and `/reset-password`, its languages, and its files.

use super::*;

// ---- the page: `/` and `/reset-password` ------------------------------------------------

#[test]
fn the_front_page_is_html_under_a_strict_policy_and_kept_out_of_search_engines() {
    let app = TestApp::new();
    let reply = page(&app, "/", &[]);
    assert_eq!(reply.status, 200);
    assert!(
        reply
            .content_type
            .as_deref()
            .is_some_and(|ct| ct.starts_with("text/html")),
        "{:?}",
        reply.content_type
    );
    let policy = reply.header("Content-Security-Policy").expect("a CSP");
    for rule in [
        "default-src 'self'",
        "script-src 'self'",
        "object-src 'none'",
    ] {
        assert!(policy.contains(rule), "{policy}");
    }
    assert_eq!(reply.header("X-Robots-Tag"), Some("noindex, nofollow"));
    assert_eq!(reply.header("Cache-Control"), Some("no-cache"));
    let text = html(&reply);
    assert!(text.starts_with("<!doctype html>"), "{text}");
    assert!(text.contains("<html lang=\"en\">"));
    assert!(text.contains("<title>Library catalogue</title>"), "{text}");
    assert!(text.contains("<meta name=\"robots\" content=\"noindex, nofollow\">"));
    assert!(text.contains("<script type=\"module\" src=\"/reader/app.js\"></script>"));
    assert_eq!(
        meta(&text, "property", "og:type").as_deref(),
        Some("website")
    );
    assert!(!text.contains(JSON_LD), "no book, no JSON-LD");

    // Unchanged: a 304 with no body; another tag gets the page again.
    let etag = reply.header("ETag").expect("an ETag").to_string();
    let again = page(&app, "/", &[("If-None-Match", &etag)]);
    assert_eq!(again.status, 304);
    assert!(again.bytes.is_empty());
    let other = page(&app, "/", &[("If-None-Match", "\"not-this-one\"")]);
    assert_eq!(other.status, 200);
    assert_eq!(other.bytes, reply.bytes);
}

#[test]
fn search_engines_may_index_the_pages_once_the_admin_allows_it() {
    let (app, admin, librarian, _) = library();
    let book = add_book(&app, &librarian, dune());
    let book_path = format!("/book/{book}");
    for path in ["/", book_path.as_str()] {
        let reply = page(&app, path, &[]);
        assert_eq!(reply.status, 200);
        assert_eq!(
            reply.header("X-Robots-Tag"),
            Some("noindex, nofollow"),
            "{path}"
        );
        assert!(html(&reply).contains("<meta name=\"robots\""), "{path}");
    }

    let changed = settings(&app, &admin, json!({"search_engines_may_index": true}));
    assert_eq!(changed["search_engines_may_index"], true);
    for path in ["/", book_path.as_str()] {
        let reply = page(&app, path, &[]);
        assert_eq!(reply.status, 200);
        assert_eq!(reply.header("X-Robots-Tag"), None, "{path}");
        assert!(!html(&reply).contains("<meta name=\"robots\""), "{path}");
    }
    // The reset link carries a secret: never indexed.
    let reset = page(&app, "/reset-password?token=abc", &[]);
    assert_eq!(reset.status, 200);
    assert_eq!(reset.header("X-Robots-Tag"), Some("noindex, nofollow"));
    assert!(html(&reset).contains("<meta name=\"robots\" content=\"noindex, nofollow\">"));

    settings(&app, &admin, json!({"search_engines_may_index": false}));
    let reply = page(&app, "/", &[]);
    assert_eq!(reply.header("X-Robots-Tag"), Some("noindex, nofollow"));
}

#[test]
fn the_reset_link_lands_on_the_reader_page_and_its_token_goes_nowhere() {
    let app = TestApp::new();
    let token = "a-secret-reset-token-1234";
    let reply = page(&app, &format!("/reset-password?token={token}"), &[]);
    assert_eq!(reply.status, 200);
    assert!(reply
        .content_type
        .as_deref()
        .is_some_and(|ct| ct.starts_with("text/html")));
    assert_eq!(reply.header("Referrer-Policy"), Some("no-referrer"));
    assert!(reply.header("Content-Security-Policy").is_some());
    let text = html(&reply);
    assert!(text.contains("<html lang=\"en\">"));
    assert!(text.contains("/reader/app.js"));
    assert!(!text.contains(token), "the token is the script's to read");
    // Without a token it is the same page: the script says the link is incomplete.
    let bare = page(&app, "/reset-password", &[]);
    assert_eq!(bare.status, 200);
    assert_eq!(bare.bytes, reply.bytes);
}

#[test]
fn the_page_speaks_the_language_chosen_else_the_browsers_else_english() {
    let app = TestApp::new();
    let lang_of = |text: &str| -> String {
        let at = text.find("<html lang=\"").expect("lang") + "<html lang=\"".len();
        text[at..at + text[at..].find('"').expect("end")].to_string()
    };
    for (accepted, expected) in [
        ("de-CH", "de"),
        ("de-CH, en;q=0.5", "de"),
        ("fr, en;q=0.8, de;q=0.9", "de"),
        ("fr", "en"),
        ("de;q=0", "en"),
        ("en-GB", "en"),
    ] {
        let reply = page(&app, "/", &[("Accept-Language", accepted)]);
        assert_eq!(reply.status, 200);
        assert_eq!(
            lang_of(&html(&reply)),
            expected,
            "Accept-Language: {accepted}"
        );
    }
    let german = html(&page(&app, "/", &[("Accept-Language", "de-CH")]));
    assert!(
        german.contains("<title>Bibliothekskatalog</title>"),
        "{german}"
    );
    assert_eq!(lang_of(&html(&page(&app, "/", &[]))), "en");

    // The page's own switch (the cookie) wins over the browser; an unknown one does not.
    let (status, chosen) = page_with_cookie(&app, "/", "de", Some("en"));
    assert_eq!(status, 200);
    assert_eq!(lang_of(&chosen), "de");
    let (_, english) = page_with_cookie(&app, "/", "en", Some("de"));
    assert_eq!(lang_of(&english), "en");
    let (_, unknown) = page_with_cookie(&app, "/", "xx", Some("de-AT"));
    assert_eq!(lang_of(&unknown), "de");
    let (_, nothing) = page_with_cookie(&app, "/reset-password", "xx", None);
    assert_eq!(lang_of(&nothing), "en");

    // A page in another language is another entity: its tag does not match.
    let english = page(&app, "/", &[]);
    let etag = english.header("ETag").expect("ETag").to_string();
    let other = page(
        &app,
        "/",
        &[("If-None-Match", &etag), ("Accept-Language", "de")],
    );
    assert_eq!(other.status, 200);
    assert!(html(&other).contains("<html lang=\"de\">"));
}

// ---- the page's files -------------------------------------------------------------------

#[test]
fn the_pages_files_are_served_with_their_types_and_revalidated_by_etag() {
    let app = TestApp::new();
    let on_disk = |name: &str| {
        std::fs::read(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("static/reader")
                .join(name),
        )
        .expect("the file")
    };
    for (name, kind) in [
        ("app.js", "text/javascript"),
        ("reader.css", "text/css"),
        ("i18n/en.json", "application/json"),
        ("i18n/de.json", "application/json"),
    ] {
        let reply = page(&app, &format!("/reader/{name}"), &[]);
        assert_eq!(reply.status, 200, "{name}");
        assert!(
            reply
                .content_type
                .as_deref()
                .is_some_and(|ct| ct.starts_with(kind)),
            "{name}: {:?}",
            reply.content_type
        );
        assert_eq!(reply.bytes, on_disk(name), "{name}");
        assert_eq!(reply.header("Cache-Control"), Some("no-cache"));
        assert!(reply.header("Content-Security-Policy").is_some());
        let etag = reply.header("ETag").expect("an ETag").to_string();
        for seen in [
            etag.clone(),
            format!("W/{etag}"),
            format!("\"x\", {etag}"),
            "*".into(),
        ] {
            let again = page(
                &app,
                &format!("/reader/{name}"),
                &[("If-None-Match", &seen)],
            );
            assert_eq!(again.status, 304, "{name} with {seen}");
            assert!(again.bytes.is_empty());
            assert_eq!(again.header("ETag"), Some(etag.as_str()));
        }
        let changed = page(
            &app,
            &format!("/reader/{name}"),
            &[("If-None-Match", "\"old\"")],
        );
        assert_eq!(changed.status, 200);
        assert_eq!(changed.bytes, reply.bytes);
    }
    let english = page(&app, "/reader/i18n/en.json", &[]);
    assert_eq!(english.body["_name"], "English");
    assert_eq!(english.body["book.notFound"], "Book not found");
    let german = page(&app, "/reader/i18n/de.json", &[]);
    assert_eq!(german.body["_name"], "Deutsch");
}

/// Where an ES module's `from '…'` leads, seen from the module at `from`.
fn resolve(from: &str, target: &str) -> String {
    if target.starts_with('/') {
        return target.to_string();
    }
    let mut parts: Vec<&str> = from.split('/').collect();
    parts.pop();
    for piece in target.split('/') {
        match piece {
            "." => {}
            ".." => {
                parts.pop();
            }
            other => parts.push(other),
        }
    }
    parts.join("/")
}

#[test]
fn every_file_the_page_loads_is_served_with_its_type() {
    let app = TestApp::new();
    let front = html(&ok_page(page(&app, "/", &[])));
    let linked = regex::Regex::new(r#"(?:src|href)="(/[^"]+)""#).unwrap();
    let imports = regex::Regex::new(r#"(?:from|import)\s*'([^']+\.js)'"#).unwrap();
    let mut queue: Vec<String> = linked
        .captures_iter(&front)
        .map(|c| c[1].to_string())
        .filter(|path| path.contains('.') && path != "/")
        .collect();
    assert!(queue.contains(&"/reader/app.js".to_string()), "{queue:?}");
    assert!(
        queue.contains(&"/reader/reader.css".to_string()),
        "{queue:?}"
    );
    let mut seen = std::collections::BTreeSet::new();
    while let Some(path) = queue.pop() {
        if !seen.insert(path.clone()) {
            continue;
        }
        let reply = page(&app, &path, &[]);
        assert_eq!(
            reply.status, 200,
            "{path} is linked from the page but not served"
        );
        let kind = reply.content_type.clone().unwrap_or_default();
        if path.ends_with(".js") {
            assert!(kind.starts_with("text/javascript"), "{path}: {kind}");
            let source = String::from_utf8(reply.bytes.clone()).expect("UTF-8");
            for found in imports.captures_iter(&source) {
                queue.push(resolve(&path, &found[1]));
            }
        } else if path.ends_with(".css") {
            assert!(kind.starts_with("text/css"), "{path}: {kind}");
        }
    }
    for module in [
        "/reader/api.js",
        "/reader/i18n.js",
        "/reader/ui.js",
        "/reader/shared/dom.js",
    ] {
        assert!(seen.contains(module), "{module} not reached: {seen:?}");
    }
    // Nothing under /admin, which a proxy may keep from the public: the one module both
    // pages share is served under /reader/ too, and nothing else of the admin page is.
    assert!(
        seen.iter().all(|path| !path.starts_with("/admin/")),
        "{seen:?}"
    );
    assert_eq!(page(&app, "/reader/shared/app.js", &[]).status, 404);
    assert_eq!(page(&app, "/reader/shared/../app.js", &[]).status, 404);
    // Each language the page offers has its catalogue.
    let languages = app.get("/reader-settings", None).expect(200);
    for language in languages.result()["languages"].as_array().expect("a list") {
        let code = language["code"].as_str().expect("a code");
        let catalogue = page(&app, &format!("/reader/i18n/{code}.json"), &[]);
        assert_eq!(catalogue.status, 200, "{code}");
        assert_eq!(catalogue.body["_name"], language["name"]);
    }
    // The reader's files are not the admin page's too.
    assert_eq!(page(&app, "/admin/reader/app.js", &[]).status, 404);
}

#[test]
fn paths_out_of_the_pages_folder_and_hidden_or_unknown_files_are_404() {
    let app = TestApp::new();
    for path in [
        "/reader/nope.js",
        "/reader/",
        "/reader/i18n/fr.json",
        "/reader/i18n",
        "/reader/.hidden",
        "/reader/i18n/.en.json",
        "/reader/../Cargo.toml",
        "/reader/i18n/../app.js",
        "/reader/../../Cargo.toml",
        "/reader/%2e%2e/%2e%2e/Cargo.toml",
        "/reader/..%2f..%2fCargo.toml",
        "/reader/i18n%5c..%5c..%5c..%5cCargo.toml",
        "/reader/..%5c..%5cCargo.toml",
    ] {
        let reply = page(&app, path, &[]);
        assert_eq!(reply.status, 404, "{path}");
        assert_eq!(reply.body["status"], 404, "{path}: a JSON error");
        assert!(
            !String::from_utf8_lossy(&reply.bytes).contains("[package]"),
            "{path} read a file out of the folder"
        );
    }
}

#[test]
fn a_members_only_catalogue_is_never_indexed() {
    let (app, admin, librarian, _) = library();
    let book = add_book(&app, &librarian, dune());
    settings(
        &app,
        &admin,
        json!({"search_engines_may_index": true, "catalogue_members_only": true}),
    );
    // Every book page would be the same sign-in notice.
    for path in ["/".to_string(), format!("/book/{book}")] {
        let reply = page(&app, &path, &[]);
        assert_eq!(reply.status, 200, "{path}");
        assert_eq!(
            reply.header("X-Robots-Tag"),
            Some("noindex, nofollow"),
            "{path}"
        );
    }
}

#[test]
fn an_accept_language_written_with_an_underscore_is_understood() {
    let app = TestApp::new();
    let reply = ok_page(page(&app, "/", &[("Accept-Language", "de_DE")]));
    assert!(html(&reply).contains("<html lang=\"de\">"));
}
