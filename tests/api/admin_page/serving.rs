//! How the admin page is served: its policy, its types, its modules, caching.

use std::collections::BTreeSet;
use std::path::Path;

use crate::common::TestApp;
use regex::Regex;

const CSP: &str = "default-src 'self'; img-src 'self' data:; style-src 'self'; \
                   script-src 'self'; object-src 'none'; base-uri 'none'; \
                   frame-ancestors 'none'; form-action 'self'";

// ---- served files, no browser ----------------------------------------------------------

#[test]
fn page_is_served_with_its_policy_and_types() {
    let app = TestApp::new();

    for path in ["/admin", "/admin/", "/admin/index.html"] {
        let page = app.get(path, None);
        assert_eq!(page.status, 200, "{path}");
        assert_eq!(
            page.content_type.as_deref(),
            Some("text/html; charset=utf-8"),
            "{path}"
        );
        assert_eq!(page.header("Content-Security-Policy"), Some(CSP), "{path}");
        assert_eq!(page.header("X-Content-Type-Options"), Some("nosniff"));
        assert_eq!(page.header("Cache-Control"), Some("no-cache"));
        let html = String::from_utf8_lossy(&page.bytes);
        assert!(html.contains("<script src=\"/admin/app.js\""), "{html}");
        // The policy forbids inline code and inline styles; the page must not rely on them.
        assert!(!html.contains("style="), "inline style in index.html");
        assert!(!has_inline_handler(&html), "inline handler in index.html");
        assert!(!html.contains("<script>"), "inline script in index.html");
    }

    let script = app.get("/admin/app.js", None);
    assert_eq!(script.status, 200);
    let script_type = script.content_type.clone().unwrap_or_default();
    assert!(script_type.starts_with("text/javascript"), "{script_type}");
    assert_eq!(script.header("Cache-Control"), Some("no-cache"));
    assert_eq!(script.header("Content-Security-Policy"), Some(CSP));

    let style = app.get("/admin/style.css", None);
    assert_eq!(style.status, 200);
    assert!(style
        .content_type
        .unwrap_or_default()
        .starts_with("text/css"));
}

/// Whether some tag carries an `on…=` attribute.
fn has_inline_handler(html: &str) -> bool {
    html.match_indices(" on").any(|(at, _)| {
        let rest = &html[at + 3..];
        let name_len = rest
            .find(|c: char| !c.is_ascii_alphabetic())
            .unwrap_or(rest.len());
        name_len > 0 && rest[name_len..].starts_with('=')
    })
}

#[test]
fn the_reset_page_a_mail_links_to_is_the_readers_page_under_the_same_policy() {
    let app = TestApp::new();
    let page = app.get("/reset-password?token=abc", None);
    assert_eq!(page.status, 200);
    assert_eq!(
        page.content_type.as_deref(),
        Some("text/html; charset=utf-8")
    );
    assert_eq!(page.header("Content-Security-Policy"), Some(CSP));
    assert_eq!(page.header("Referrer-Policy"), Some("no-referrer"));
    assert_eq!(page.header("Cache-Control"), Some("no-cache"));
    let html = String::from_utf8_lossy(&page.bytes);
    assert!(
        html.contains(r#"<script type="module" src="/reader/app.js">"#),
        "{html}"
    );
    assert!(!html.contains("style="), "inline style in the reset page");
    assert!(
        !has_inline_handler(&html),
        "inline handler in the reset page"
    );
    assert!(
        !html.contains("<script>"),
        "inline script in the reset page"
    );

    let script = app.get("/reader/account.js", None);
    assert_eq!(script.status, 200);
    let script_type = script.content_type.clone().unwrap_or_default();
    assert!(script_type.starts_with("text/javascript"), "{script_type}");
    assert_eq!(script.header("Content-Security-Policy"), Some(CSP));
    let code = String::from_utf8_lossy(&script.bytes);
    assert!(code.contains("/users/password/reset"));
    assert!(
        !code.contains("innerHTML"),
        "server text goes in as text only"
    );
}

/// The page is ES modules loaded straight from the binary: one module the browser cannot
/// fetch, or gets with another type than JavaScript, stops the whole page. So walk the
/// imports from each page's entry module, as the browser would, and check every module is
/// served as JavaScript under the page's policy; and that no script in static/ is left out
/// of the walk (a file nothing imports is dead, or its import is misspelt).
#[test]
fn every_module_the_pages_import_is_served_as_javascript() {
    let app = TestApp::new();
    let html = String::from_utf8_lossy(&app.get("/admin", None).bytes).into_owned();
    // A classic script cannot `import`; the entry must be loaded as a module.
    assert!(
        html.contains(r#"<script src="/admin/app.js" type="module">"#),
        "{html}"
    );

    // Static `import … from '…'`, `import '…'` and `export … from '…'` at a line's start
    // (the page uses no dynamic import()).
    let specifier =
        Regex::new(r#"(?m)^\s*(?:import|export)\s+(?:[^;'"]*?\s+from\s+)?['"]([^'"]+)['"]"#)
            .expect("regex");
    let mut served = BTreeSet::new();
    let mut queue = vec!["/admin/app.js".to_string(), "/reader/app.js".to_string()];
    while let Some(url) = queue.pop() {
        if !served.insert(url.clone()) {
            continue;
        }
        let module = app.get(&url, None);
        assert_eq!(module.status, 200, "{url} is imported but not served");
        let kind = module.content_type.clone().unwrap_or_default();
        assert!(
            kind.starts_with("text/javascript"),
            "{url} is served as {kind}"
        );
        assert_eq!(module.header("Content-Security-Policy"), Some(CSP), "{url}");
        let code = String::from_utf8_lossy(&module.bytes);
        assert!(
            !code.contains(".innerHTML"),
            "{url}: server text goes in as text only"
        );
        for found in specifier.captures_iter(&code) {
            let target = &found[1];
            // A bare name needs an import map and another origin is outside the policy:
            // only files of the pages themselves can load (the reader's page shares the
            // admin page's DOM helpers by their absolute path).
            assert!(
                target.starts_with("./") || target.starts_with("../") || target.starts_with("/"),
                "{url} imports {target:?}, not a path on this server"
            );
            let next = if target.starts_with('/') {
                target.to_string()
            } else {
                resolve(&url, target)
            };
            // The module the reader's page shares with the admin page, served for it.
            let next = match next.strip_prefix("/reader/shared/") {
                Some(name) => format!("/admin/js/{name}"),
                None => next,
            };
            assert!(
                next.starts_with("/admin/") || next.starts_with("/reader/"),
                "{url} imports {next}"
            );
            queue.push(next);
        }
    }
    assert!(served.len() > 2, "the walk found no imports: {served:?}");

    let folder = Path::new(env!("CARGO_MANIFEST_DIR")).join("static");
    let mut on_disk = BTreeSet::new();
    scripts_in(&folder, &folder, &mut on_disk);
    assert_eq!(
        served, on_disk,
        "served by imports vs. the scripts in static/"
    );
}

/// The URL an import names, relative to the module that imports it.
fn resolve(from: &str, target: &str) -> String {
    let mut parts: Vec<&str> = from.split('/').collect();
    parts.pop(); // the importing file's own name
    for part in target.split('/') {
        match part {
            "." => {}
            ".." => {
                parts.pop();
            }
            name => parts.push(name),
        }
    }
    parts.join("/")
}

/// Every .js file under static/ (the built-in pictures aside), as its /admin/ URL.
fn scripts_in(root: &Path, folder: &Path, found: &mut BTreeSet<String>) {
    for entry in std::fs::read_dir(folder).expect("read static/") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            if path != root.join("images") {
                scripts_in(root, &path, found);
            }
        } else if path.extension().is_some_and(|ext| ext == "js") {
            // static/reader/ is served at /reader/, the rest at /admin/.
            let relative = path.strip_prefix(root).expect("under static/");
            let url = match relative.strip_prefix("reader") {
                Ok(reader) => format!("/reader/{}", reader.display()),
                Err(_) => format!("/admin/{}", relative.display()),
            };
            found.insert(url);
        }
    }
}

#[test]
fn unknown_files_are_a_json_404() {
    let app = TestApp::new();
    for path in [
        "/admin/nope.js",
        "/admin/images/default.jpg",
        "/admin/../Cargo.toml",
        "/admin/%2e%2e/Cargo.toml",
        "/admin/.env",
        "/admin/images/../../Cargo.toml",
    ] {
        let reply = app.get(path, None).expect(404);
        assert_eq!(reply.body["message"], "NOT FOUND", "{path}");
        assert!(reply.content_type.unwrap_or_default().contains("json"));
    }
}

#[test]
fn unchanged_files_are_not_sent_again() {
    let app = TestApp::new();
    let first = app.get("/admin/app.js", None);
    let etag = first.header("ETag").expect("an ETag").to_string();
    let again = app
        .client
        .get("/admin/app.js")
        .header(rocket::http::Header::new("If-None-Match", etag))
        .dispatch();
    assert_eq!(again.status().code, 304);
}
