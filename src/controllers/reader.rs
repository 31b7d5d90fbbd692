//! The reader's page, at `/`: search the catalogue, open a book, sign in, see loans and
//! holds. It is one client of the JSON API like the admin page; its files are compiled in
//! from static/reader/. The page itself is rendered here, so a book's page at
//! `/book/{id}` carries its title, description, cover and schema.org JSON-LD in the HTML
//! (link previews and readers without scripts see the book), and every visible word of it
//! comes from the same message catalogue the script uses.

use std::collections::BTreeMap;
use std::sync::{Arc, OnceLock};

use askama::Template;
use rocket::http::uri::{fmt::Path, Segments};
use rocket::http::Status;
use rocket::request::{FromRequest, Outcome, Request};
use rocket::{get, routes, Route, State};
use rust_embed::RustEmbed;
use serde::Serialize;
use serde_json::{json, Value};

use super::assets::{safe_path, Asset, IfNoneMatch};
use crate::auth::CatalogueAccess;
use crate::config::PublicUrl;
use crate::db::Db;
use crate::domain::item::{day_of, ItemStatus};
use crate::domain::BookId;
use crate::error::{ApiResult, AppError};
use crate::models::book::{self, Book};
use crate::models::item::{self, SeenCopy};
use crate::models::library_settings;
use crate::views::envelope::{Envelope, Reply, Success};

#[derive(RustEmbed)]
#[folder = "static/reader/"]
struct Files;

/// The language of a page when nothing the reader sent names one there is.
const FALLBACK: &str = "en";

pub fn routes() -> Vec<Route> {
    routes![front, file, book_page, reset_page, page_settings]
}

// ---- the message catalogues -------------------------------------------------------------

/// One language's messages (static/reader/i18n/{code}.json): a flat map of keys to texts,
/// `_name` being the language's own name for itself.
pub(crate) struct Catalogue {
    code: String,
    name: String,
    messages: BTreeMap<String, String>,
}

/// Every catalogue compiled in: adding a language is adding its file.
fn catalogues() -> &'static [Catalogue] {
    static ALL: OnceLock<Vec<Catalogue>> = OnceLock::new();
    ALL.get_or_init(|| {
        let mut all: Vec<Catalogue> = Files::iter()
            .filter_map(|path| {
                let code = path
                    .strip_prefix("i18n/")?
                    .strip_suffix(".json")?
                    .to_string();
                let file = Files::get(&path)?;
                let messages: BTreeMap<String, String> = match serde_json::from_slice(&file.data) {
                    Ok(messages) => messages,
                    Err(e) => {
                        tracing::error!(file = %path, error = %e, "message catalogue unreadable");
                        return None;
                    }
                };
                let name = messages
                    .get("_name")
                    .cloned()
                    .unwrap_or_else(|| code.clone());
                Some(Catalogue {
                    code,
                    name,
                    messages,
                })
            })
            .collect();
        all.sort_by(|a, b| a.code.cmp(&b.code));
        all
    })
}

fn catalogue(code: &str) -> Option<&'static Catalogue> {
    catalogues().iter().find(|c| c.code == code)
}

/// The words of one language for a page made here; a key the language lacks comes in
/// English, and one nobody has shows as itself (a gap to see, not a blank).
struct Words(&'static Catalogue);

impl Words {
    fn t(&self, key: &str) -> String {
        self.0
            .messages
            .get(key)
            .or_else(|| catalogue(FALLBACK).and_then(|c| c.messages.get(key)))
            .cloned()
            .unwrap_or_else(|| key.to_string())
    }

    /// A message with `{name}` placeholders filled in.
    fn fill(&self, key: &str, values: &[(&str, String)]) -> String {
        values.iter().fold(self.t(key), |text, (name, value)| {
            text.replace(&format!("{{{name}}}"), value)
        })
    }
}

/// The reader's language: the page's switch (a `lang` cookie), else the browser's
/// `Accept-Language`, else English.
pub(crate) struct Language(&'static Catalogue);

#[rocket::async_trait]
impl<'r> FromRequest<'r> for Language {
    type Error = std::convert::Infallible;

    async fn from_request(req: &'r Request<'_>) -> Outcome<Self, Self::Error> {
        let chosen = req.cookies().get("lang").and_then(|c| catalogue(c.value()));
        let accepted = || {
            req.headers()
                .get_one("Accept-Language")
                .and_then(from_accept_language)
        };
        let found = chosen
            .or_else(accepted)
            .or_else(|| catalogue(FALLBACK))
            .or_else(|| catalogues().first());
        match found {
            Some(found) => Outcome::Success(Language(found)),
            None => Outcome::Forward(Status::InternalServerError),
        }
    }
}

/// The first language of the header (by weight) that has a catalogue: "de-CH" finds "de".
fn from_accept_language(header: &str) -> Option<&'static Catalogue> {
    let mut ranked: Vec<(f32, &str)> = header
        .split(',')
        .filter_map(|part| {
            let mut pieces = part.trim().split(';');
            let tag = pieces.next()?.trim();
            let weight = pieces
                .find_map(|p| p.trim().strip_prefix("q="))
                .map_or(Some(1.0), |q| q.trim().parse::<f32>().ok())?;
            (!tag.is_empty() && weight > 0.0).then_some((weight, tag))
        })
        .collect();
    ranked.sort_by(|a, b| b.0.total_cmp(&a.0));
    ranked.into_iter().find_map(|(_, tag)| {
        // "de_DE" is how some systems write "de-DE".
        let tag = tag.to_ascii_lowercase().replace('_', "-");
        catalogue(&tag).or_else(|| catalogue(tag.split('-').next().unwrap_or("")))
    })
}

// ---- the page ---------------------------------------------------------------------------

/// What the server writes into the page: the shell every view of the page shares, and,
/// on a book's page, the book.
#[derive(Template)]
#[template(path = "reader.html")]
struct Page {
    lang: String,
    words: Words,
    noindex: bool,
    title: String,
    description: String,
    canonical: Option<String>,
    image: Option<String>,
    book: Option<BookPage>,
    /// A book page for a book that is not (or no longer) there, or a catalogue hidden from
    /// those not signed in: said in words.
    notice: Option<String>,
}

struct BookPage {
    id: i64,
    title: String,
    subtitle: Option<String>,
    author: String,
    description: Option<String>,
    cover: Option<String>,
    cover_alt: String,
    facts: Vec<(String, String)>,
    availability: String,
    copies: Vec<(String, String)>,
    json_ld: Value,
}

impl Page {
    fn new(language: &Language, noindex: bool) -> Page {
        let words = Words(language.0);
        Page {
            lang: language.0.code.clone(),
            title: words.t("app.title"),
            description: words.t("app.description"),
            words,
            noindex,
            canonical: None,
            image: None,
            book: None,
            notice: None,
        }
    }

    /// The window's title: the page's own, then the catalogue's.
    fn head_title(&self) -> String {
        let catalogue = self.words.t("app.title");
        if self.title == catalogue {
            catalogue
        } else {
            format!("{} · {catalogue}", self.title)
        }
    }

    fn render_as(self, status: Status, seen: IfNoneMatch) -> ApiResult<Asset> {
        let noindex = self.noindex;
        let html = self
            .render()
            .map_err(|e| AppError::Internal(format!("reader page: {e}")))?;
        Ok(Asset::rendered(status, html, seen).noindex(noindex))
    }
}

/// Search engines are kept out unless the library allows them, and always when only
/// members may see the catalogue (every book page would be the same sign-in notice).
async fn noindex(db: &Db) -> ApiResult<bool> {
    let settings = db.run(|conn| library_settings::load(conn)).await?;
    Ok(!settings.search_engines_may_index || settings.catalogue_members_only)
}

/// The reader's page: search, "new in the library", and the signed-in reader's loans and
/// holds (HTML).
#[utoipa::path(tag = "service", responses(
    (status = 200, description = "The page", content_type = "text/html"),
    (status = 304, description = "Unchanged since the ETag sent in If-None-Match"),
))]
#[get("/")]
pub(crate) async fn front(
    db: &State<Db>,
    language: Language,
    seen: IfNoneMatch,
) -> ApiResult<Asset> {
    Page::new(&language, noindex(db).await?).render_as(Status::Ok, seen)
}

/// Where a password-reset mail's link lands: the reader's page, showing the form for a
/// new password (HTML).
#[utoipa::path(tag = "service", params(
    ("token" = Option<String>, Query, description = "The token from the reset mail; the page reads it, the server ignores it here"),
), responses(
    (status = 200, description = "The page", content_type = "text/html"),
    (status = 304, description = "Unchanged since the ETag sent in If-None-Match"),
))]
#[get("/reset-password")]
pub(crate) async fn reset_page(language: Language, seen: IfNoneMatch) -> ApiResult<Asset> {
    // Never indexed: the address carries a secret.
    Page::new(&language, true).render_as(Status::Ok, seen)
}

/// A book's page (HTML), at an address to share: its title, cover, description, copies and
/// schema.org `Book` JSON-LD, written on the server. 404 (a page saying so) for a book that
/// is not in the catalogue.
#[utoipa::path(tag = "service", params(("id" = String, Path, description = "The book's id")), responses(
    (status = 200, description = "The book's page", content_type = "text/html"),
    (status = 304, description = "Unchanged since the ETag sent in If-None-Match"),
    (status = 404, description = "No such book: a page saying so", content_type = "text/html"),
))]
#[get("/book/<id>")]
pub(crate) async fn book_page(
    id: &str,
    db: &State<Db>,
    access: &State<Arc<CatalogueAccess>>,
    public_url: &State<PublicUrl>,
    language: Language,
    seen: IfNoneMatch,
) -> ApiResult<Asset> {
    let mut page = Page::new(&language, noindex(db).await?);
    // Nothing of a members-only catalogue is written into a page anyone can fetch; the
    // script shows the book once the reader has signed in.
    if access.members_only() {
        page.notice = Some(page.words.t("catalogue.membersOnly"));
        return page.render_as(Status::Ok, seen);
    }
    let found = match id.parse::<i64>().ok().filter(|n| *n > 0) {
        Some(number) => {
            let id = BookId::new(number);
            db.run(move |conn| {
                let Some(found) = book::find(conn, id)? else {
                    return Ok(None);
                };
                let copies = item::seen_by_readers(conn, id)?;
                Ok(Some((found, copies)))
            })
            .await?
        }
        None => None,
    };
    let Some((found, copies)) = found else {
        page.title = page.words.t("book.notFound");
        page.notice = Some(page.words.t("book.notFoundText"));
        return page.render_as(Status::NotFound, seen);
    };
    let base = public_url.0.trim_end_matches('/').to_string();
    let book = book_page_of(&page.words, &found, copies, &base);
    page.title = match &book.subtitle {
        Some(subtitle) => format!("{}: {subtitle}", book.title),
        None => book.title.clone(),
    };
    page.description = book
        .description
        .clone()
        .map(|d| d.chars().take(300).collect())
        .unwrap_or_else(|| format!("{} — {}", book.title, book.author));
    page.canonical = Some(format!("{base}/book/{}", book.id));
    page.image = book.cover.as_ref().map(|c| format!("{base}{c}"));
    page.book = Some(book);
    page.render_as(Status::Ok, seen)
}

fn status_key(status: ItemStatus) -> &'static str {
    match status {
        ItemStatus::Available => "status.available",
        ItemStatus::OnLoan => "status.on_loan",
        ItemStatus::OnHoldShelf => "status.on_hold_shelf",
        ItemStatus::InTransit => "status.in_transit",
        ItemStatus::InRepair => "status.in_repair",
        ItemStatus::Lost => "status.lost",
        ItemStatus::Missing => "status.missing",
        ItemStatus::Withdrawn => "status.withdrawn",
    }
}

fn book_page_of(words: &Words, found: &Book, copies: Vec<SeenCopy>, base: &str) -> BookPage {
    let data = &found.data;
    let cover = found
        .cover_file
        .as_ref()
        .map(|file| format!("/images/cover/{file}"));
    let on_shelf = copies
        .iter()
        .filter(|copy| copy.status == ItemStatus::Available)
        .count();
    let availability = words.fill(
        "book.onShelf",
        &[
            ("free", on_shelf.to_string()),
            ("total", copies.len().to_string()),
        ],
    );
    let mut facts = Vec::new();
    let mut fact = |key: &str, value: Option<String>| {
        if let Some(value) = value.filter(|v| !v.is_empty()) {
            facts.push((words.t(key), value));
        }
    };
    fact(
        "book.series",
        data.series.as_ref().map(|s| match data.series_number {
            Some(n) => format!("{s} ({n})"),
            None => s.clone(),
        }),
    );
    fact("book.publisher", data.publisher.clone());
    fact("book.year", data.published_year.map(|y| y.to_string()));
    fact("book.language", data.language.clone());
    fact("book.isbn", data.isbn.as_ref().map(|i| i.to_string()));
    fact(
        "book.tags",
        (!data.tags.is_empty()).then(|| data.tags.join(", ")),
    );
    let copies_shown = copies
        .iter()
        .map(|copy| {
            let shelf = copy
                .location
                .clone()
                .unwrap_or_else(|| words.t("book.noShelf"));
            let state = match copy.due_at {
                Some(due) => words.fill("book.dueBack", &[("date", day_of(due))]),
                None => words.t(status_key(copy.status)),
            };
            (shelf, state)
        })
        .collect();
    let json_ld = json_ld(
        found,
        cover.as_ref().map(|c| format!("{base}{c}")),
        base,
        on_shelf,
    );
    BookPage {
        id: found.id.get(),
        title: data.title.clone(),
        subtitle: data.subtitle.clone(),
        author: data.author.clone(),
        description: data.description.clone(),
        cover,
        cover_alt: words.fill("book.coverOf", &[("title", data.title.clone())]),
        facts,
        availability,
        copies: copies_shown,
        json_ld,
    }
}

/// The book as schema.org describes one, for search engines and link previews.
fn json_ld(found: &Book, image: Option<String>, base: &str, on_shelf: usize) -> Value {
    let data = &found.data;
    let mut ld = json!({
        "@context": "https://schema.org",
        "@type": "Book",
        "@id": format!("{base}/book/{}", found.id.get()),
        "url": format!("{base}/book/{}", found.id.get()),
        "name": data.title,
        "author": { "@type": "Person", "name": data.author },
    });
    let mut put = |key: &str, value: Option<Value>| {
        if let (Some(value), Some(map)) = (value, ld.as_object_mut()) {
            map.insert(key.to_string(), value);
        }
    };
    put(
        "alternativeHeadline",
        data.subtitle.clone().map(Value::from),
    );
    put("description", data.description.clone().map(Value::from));
    put(
        "isbn",
        data.isbn.as_ref().map(|i| Value::from(i.to_string())),
    );
    put(
        "publisher",
        data.publisher
            .clone()
            .map(|p| json!({ "@type": "Organization", "name": p })),
    );
    put(
        "datePublished",
        data.published_year.map(|y| Value::from(y.to_string())),
    );
    put("inLanguage", data.language.clone().map(Value::from));
    put("image", image.map(Value::from));
    put(
        "keywords",
        (!data.tags.is_empty()).then(|| Value::from(data.tags.join(", "))),
    );
    put(
        "isPartOf",
        data.series
            .clone()
            .map(|s| json!({ "@type": "BookSeries", "name": s })),
    );
    // Lent, not sold: the offer says only whether a copy is on the shelf.
    put(
        "offers",
        Some(json!({
            "@type": "Offer",
            "availability": if on_shelf > 0 {
                "https://schema.org/InStock"
            } else {
                "https://schema.org/OutOfStock"
            },
        })),
    );
    ld
}

/// A file of the reader's page: its ES modules, style sheet and message catalogues.
#[utoipa::path(tag = "service", params(("path" = String, Path, description = "A file of the page")), responses(
    (status = 200, description = "The file", content(("text/javascript"), ("text/css"), ("application/json"), ("image/svg+xml"))),
    (status = 304, description = "Unchanged since the ETag sent in If-None-Match"),
))]
#[get("/reader/<path..>")]
pub(crate) fn file(path: Segments<'_, Path>, seen: IfNoneMatch) -> ApiResult<Asset> {
    let name = safe_path(path)?.ok_or(AppError::NotFound)?;
    if let Some(shared) = name.strip_prefix("shared/") {
        return super::admin::shared_file(shared, seen);
    }
    let found = Files::get(&name).ok_or(AppError::NotFound)?;
    Ok(Asset::new(&name, found, seen))
}

/// What the reader's page needs to know of the library before anyone signs in.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PageSettings {
    /// Only signed-in readers may search the catalogue.
    pub catalogue_members_only: bool,
    /// Members may keep a reading history.
    pub reading_history: bool,
    /// Seconds of no use after which a catalogue PC in kiosk mode signs its reader out.
    pub kiosk_idle_seconds: i64,
    /// The page's languages: each one's code and its own name for itself.
    pub languages: Vec<LanguageView>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct LanguageView {
    pub code: String,
    pub name: String,
}

/// The settings the reader's page follows, and its languages (anyone).
#[utoipa::path(tag = "library", responses(
    (status = 200, description = "The page's settings", body = Envelope<PageSettings>),
))]
#[get("/reader-settings")]
pub(crate) async fn page_settings(db: &State<Db>) -> Reply {
    let settings = db.run(|conn| library_settings::load(conn)).await?;
    Ok(Success::ok(
        "GET READER SETTINGS",
        PageSettings {
            catalogue_members_only: settings.catalogue_members_only,
            reading_history: settings.reading_history,
            kiosk_idle_seconds: settings.kiosk_idle_seconds,
            languages: catalogues()
                .iter()
                .map(|c| LanguageView {
                    code: c.code.clone(),
                    name: c.name.clone(),
                })
                .collect(),
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_catalogue_reads_and_has_every_english_key() {
        let english = catalogue("en").expect("English ships");
        assert!(catalogues().len() >= 2, "English and German ship");
        for other in catalogues() {
            let missing: Vec<&String> = english
                .messages
                .keys()
                .filter(|key| !other.messages.contains_key(*key))
                .collect();
            assert!(missing.is_empty(), "{} lacks {missing:?}", other.code);
        }
    }

    #[test]
    fn accept_language_picks_by_weight_and_base_language() {
        let code = |header: &str| from_accept_language(header).map(|c| c.code.as_str());
        assert_eq!(code("de-CH, en;q=0.5"), Some("de"));
        assert_eq!(code("fr, en;q=0.8, de;q=0.9"), Some("de"));
        assert_eq!(code("fr"), None);
        assert_eq!(code("de;q=0"), None);
        assert_eq!(code("de_DE"), Some("de"));
    }

    #[test]
    fn days_are_civil_dates() {
        assert_eq!(day_of(0), "1970-01-01");
        assert_eq!(day_of(951_782_400), "2000-02-29");
        assert_eq!(day_of(1_798_675_200), "2026-12-31");
    }
}
