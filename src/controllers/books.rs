//! /books: the catalogue, its search, covers, and CSV import and export.

use std::sync::Arc;

use rocket::http::{ContentType, Header};
use rocket::tokio::task::spawn_blocking;
use rocket::{delete, get, patch, post, put, routes, Responder, Route, State};

use crate::auth::{CatalogueReader, Librarian};
use crate::config::Config;
use crate::db::Db;
use crate::domain::{BookId, Isbn13};
use crate::error::ErrorEnvelope;
use crate::error::{ApiResult, AppError};
use crate::media::{replace_picture, Kind, MediaStore};
use crate::models::book::{self, Book};
use crate::models::{hold, item, now};
use crate::services::copies::{self, CopyRules};
use crate::services::import::{Import, ImportReport};
use crate::services::{csv_format, import};
use crate::views::answers::Answers;
use crate::views::book::{BookPatch, BookQuery, BookRequest, BookView};
use crate::views::envelope::{Envelope, ListEnvelope};
use crate::views::envelope::{Reply, Success};
use crate::views::input::{Empty, Fields, Multipart, NoFields};
use crate::views::paging;
use crate::views::query::QueryParams;
use crate::views::upload::{CsvUpload, ImageUpload};

pub fn routes() -> Vec<Route> {
    routes![
        create,
        list,
        by_id,
        by_isbn,
        change,
        remove,
        change_cover,
        export_csv,
        import_csv,
    ]
}

async fn load(db: &Db, id: BookId) -> ApiResult<Book> {
    db.read_now(move |conn| book::find(conn, id))
        .await?
        .ok_or(AppError::NotFound)
}

/// Adds a book (librarians).
#[utoipa::path(tag = "books", security(("bearer" = []), ("access_token" = [])), request_body = BookRequest, responses(
    (status = 201, description = "Added", body = Envelope<BookView>),
    (status = 409, description = "Another book has this ISBN", body = ErrorEnvelope),
))]
#[post("/books", data = "<body>")]
pub(crate) async fn create(
    _staff: Librarian,
    db: &State<Db>,
    config: &State<Config>,
    body: Fields<BookRequest>,
) -> Reply {
    let data = body.0.validate()?;
    let rules = CopyRules::from_config(config);
    let book = db
        .write(move |tx| {
            let id = book::insert(tx, &data)?;
            copies::set_count(tx, rules.policy, id, data.copies, &rules.prefix, now())?;
            book::find(tx, id)?.ok_or_else(|| AppError::Internal("inserted book vanished".into()))
        })
        .await?;
    Ok(Success::created("CREATE BOOK", BookView::from(book)))
}

/// Searches and lists the catalogue. `q` is full-text over title, author, description,
/// tags and ISBN, ranked; the last word also matches as a prefix (not a single letter);
/// filters, sorting and paging combine with it. Pages go as deep as the 1,000th book
/// (page × per_page ≤ 1,000; deeper is 400), and `meta.total` counts to 1,000, with
/// `meta.total_capped` true when more match. A search finding more than 1,000 books comes
/// newest first instead of by relevance, and cannot be sorted (400: add a word).
#[utoipa::path(tag = "books", params(
    ("q" = Option<String>, Query, max_length = 500, description = "Words to find (the last also as a prefix of two letters or more), or an ISBN"),
    ("author" = Option<String>, Query, max_length = 500, description = "Exact author, any letter case"),
    ("tag" = Option<String>, Query, max_length = 500),
    ("language" = Option<String>, Query, max_length = 500, description = "Exact language as the catalogue spells it; letter case is ignored for A to Z"),
    ("available" = Option<String>, Query, pattern = "^(true|false)?$", description = "true: only books with a copy free (empty: not given)"),
    ("sort" = Option<String>, Query, pattern = "^(title|author|published_year|created_at)?$", description = "Empty: by relevance with `q`, else by title"),
    ("order" = Option<String>, Query, pattern = "^(asc|desc)?$"),
    ("page" = Option<u32>, Query, minimum = 1, maximum = 1000000, description = "page × per_page may be at most 1,000"),
    ("per_page" = Option<u32>, Query, minimum = 1, maximum = 100),
), responses(
    (status = 200, description = "One page of books", body = ListEnvelope<BookView>),
    (status = 401, description = "The library made its catalogue members-only (`catalogue_members_only`), and no valid token came", body = ErrorEnvelope),
    (status = 400, description = "A parameter out of range, a page past the 1,000th book, or a sort asked of a search finding more than 1,000", body = ErrorEnvelope),
))]
#[get("/books")]
pub(crate) async fn list(
    _reader: CatalogueReader,
    db: &State<Db>,
    answers: &State<Answers>,
    query: QueryParams,
) -> Reply {
    let (search, page) = BookQuery::from_params(&query)?.validate()?;
    let key = format!("{search:?} {page:?}");
    let version = db.data_version()?;
    if let Some(body) = answers.get(&key, version) {
        return Ok(Success::again(body));
    }
    let (found, views) = db
        .run(move |conn| {
            let mut found = book::list(conn, &search, page)?;
            let views = std::mem::take(&mut found.books)
                .into_iter()
                .map(|book| {
                    let shelves = item::shelves(conn, book.id)?;
                    Ok(BookView::with_shelves(book, shelves))
                })
                .collect::<ApiResult<Vec<BookView>>>()?;
            Ok((found, views))
        })
        .await?;
    let meta = paging::capped_meta(page, found.total, found.total_capped);
    let success = Success::list("GET BOOKS", views, meta);
    if let Some(body) = success.ok_body() {
        answers.put(key, version, body);
    }
    Ok(success)
}

/// One book.
#[utoipa::path(tag = "books", params(("id" = i64, Path)), responses(
    (status = 200, description = "The book", body = Envelope<BookView>),
    (status = 401, description = "The library made its catalogue members-only (`catalogue_members_only`), and no valid token came", body = ErrorEnvelope),
))]
#[get("/books/<id>")]
pub(crate) async fn by_id(id: BookId, _reader: CatalogueReader, db: &State<Db>) -> Reply {
    let book = load(db, id).await?;
    Ok(Success::ok("GET BOOK", BookView::from(book)))
}

/// One book by ISBN-10 or ISBN-13 (hyphens and spaces ignored).
#[utoipa::path(tag = "books", params(("isbn" = String, Path, format = "isbn-code", description = "ISBN-10 or ISBN-13; a wrong check digit is 400")), responses(
    (status = 200, description = "The book", body = Envelope<BookView>),
    (status = 401, description = "The library made its catalogue members-only (`catalogue_members_only`), and no valid token came", body = ErrorEnvelope),
))]
#[get("/books/isbn/<isbn>")]
pub(crate) async fn by_isbn(isbn: &str, _reader: CatalogueReader, db: &State<Db>) -> Reply {
    let isbn = Isbn13::parse(isbn).map_err(|e| AppError::invalid("isbn", e))?;
    let book = db
        .read_now(move |conn| book::find_by_isbn(conn, &isbn))
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(Success::ok("GET BOOK", BookView::from(book)))
}

/// Changes any fields of a book (librarians). `copies` cannot go below the copies out on
/// loan plus those waiting on the hold shelf; a copy added goes to the first waiting hold.
#[utoipa::path(tag = "books", params(("id" = i64, Path)), security(("bearer" = []), ("access_token" = [])), request_body = BookPatch, responses(
    (status = 200, description = "Changed", body = Envelope<BookView>),
    (status = 409, description = "Another book has this ISBN, or fewer copies than are on loan or on the hold shelf", body = ErrorEnvelope),
))]
#[patch("/books/<id>", data = "<body>")]
pub(crate) async fn change(
    id: BookId,
    _staff: Librarian,
    db: &State<Db>,
    config: &State<Config>,
    body: Fields<BookPatch>,
) -> Reply {
    let patch = body.0;
    let rules = CopyRules::from_config(config);
    let book = db
        .write(move |tx| {
            let at = now();
            let current = book::find(tx, id)?.ok_or(AppError::NotFound)?;
            let data = patch.apply(current.data()?)?;
            // The book's own fields first: a refusal there (a taken ISBN) costs no copies.
            book::update(tx, id, &data)?;
            copies::set_count(tx, rules.policy, id, data.copies, &rules.prefix, at)?;
            book::find(tx, id)?.ok_or(AppError::NotFound)
        })
        .await?;
    Ok(Success::ok("UPDATE BOOK", BookView::from(book)))
}

/// Deletes a book with its cover and history (librarians); refused while a copy is out
/// or holds wait for it (cancel them first, so no reader's hold vanishes unseen).
#[utoipa::path(tag = "books", params(("id" = i64, Path)), security(("bearer" = []), ("access_token" = [])), request_body(content = Option<Empty>, description = "Nothing, or an empty object: this request takes no fields"), responses(
    (status = 200, description = "Deleted; the book as it was", body = Envelope<BookView>),
    (status = 409, description = "Copies are on loan, or holds wait for the book", body = ErrorEnvelope),
))]
#[delete("/books/<id>", data = "<_body>")]
pub(crate) async fn remove(
    id: BookId,
    _staff: Librarian,
    db: &State<Db>,
    media: &State<Arc<MediaStore>>,
    _body: NoFields,
) -> Reply {
    let removed = db
        .write(move |tx| {
            let book = book::find(tx, id)?.ok_or(AppError::NotFound)?;
            if book::active_loans(tx, id)? > 0 {
                return Err(AppError::conflict("id", "the book has copies on loan"));
            }
            let waiting = hold::count_waiting(tx, id)? + hold::count_ready(tx, id, now())?;
            if waiting > 0 {
                let holds = match waiting {
                    1 => "1 hold waits for this book; cancel it first".to_string(),
                    n => format!("{n} holds wait for this book; cancel them first"),
                };
                return Err(AppError::conflict("id", holds));
            }
            book::delete(tx, id)?;
            Ok(book)
        })
        .await?;
    if let Some(cover) = removed.cover_file.clone() {
        let store = Arc::clone(media);
        spawn_blocking(move || store.remove(Kind::Cover, &cover)).await?;
    }
    Ok(Success::ok("DELETE BOOK", BookView::from(removed)))
}

/// Sets a cover from a PNG, JPEG, GIF or WebP upload (librarians), resized to fit
/// 600×600; the previous cover is removed.
#[utoipa::path(tag = "books", params(("id" = i64, Path)), security(("bearer" = []), ("access_token" = [])),
    request_body(content = inline(ImageUpload), content_type = "multipart/form-data",
        description = "The cover, as the multipart field `image` (any other name is a 400)"),
    responses(
        (status = 200, description = "The book with its new `cover_file`", body = Envelope<BookView>),
))]
#[put("/books/<id>/cover", data = "<upload>")]
pub(crate) async fn change_cover(
    id: BookId,
    _staff: Librarian,
    db: &State<Db>,
    media: &State<Arc<MediaStore>>,
    upload: Multipart,
) -> Reply {
    load(db, id).await?;
    let file = upload.0.file_alone("image")?;
    replace_picture(media, Kind::Cover, file.bytes, |name| {
        db.write(move |tx| book::set_cover(tx, id, &name))
    })
    .await?;
    let book = load(db, id).await?;
    Ok(Success::ok("UPDATE BOOK COVER", BookView::from(book)))
}

#[derive(Responder)]
pub struct CsvFile {
    bytes: Vec<u8>,
    content_type: ContentType,
    disposition: Header<'static>,
}

/// The whole catalogue as CSV, every field (librarians). Import takes it back.
#[utoipa::path(tag = "books", security(("bearer" = []), ("access_token" = [])), responses(
    (status = 200, description = "CSV with a header row", content_type = "text/csv", body = String),
))]
#[get("/books/export.csv")]
pub(crate) async fn export_csv(_staff: Librarian, db: &State<Db>) -> ApiResult<CsvFile> {
    let bytes = db
        .run(|conn| csv_format::export(conn, Vec::new(), &mut || {}))
        .await?;
    Ok(CsvFile {
        bytes,
        content_type: ContentType::CSV,
        disposition: Header::new("Content-Disposition", "attachment; filename=\"books.csv\""),
    })
}

/// Imports a CSV (librarians): this server's export, a Goodreads library export or a Libib
/// export, recognised by its header. A row of this server's own export updates the book its
/// `id` names; other rows with a known ISBN update that book; a bad row is reported by line
/// and skipped. Rows are written in chunks of up to 500, each its own short (~50 ms)
/// transaction, so lending goes on during a large import; should the server fail midway,
/// the chunks already written stay. `errors` lists the first 100 problems, `error_count`
/// counts them all.
#[utoipa::path(tag = "books", security(("bearer" = []), ("access_token" = [])),
    request_body(content = inline(CsvUpload), content_type = "multipart/form-data",
        description = "The CSV file, as the multipart field `file` (any other name is a 400)"),
    responses(
        (status = 200, description = "What was created, updated and skipped", body = Envelope<ImportReport>),
))]
#[post("/books/import", data = "<upload>")]
pub(crate) async fn import_csv(
    _staff: Librarian,
    db: &State<Db>,
    config: &State<Config>,
    upload: Multipart,
) -> Reply {
    let file = upload.0.file_alone("file")?;
    let rules = CopyRules::from_config(config);
    let import = Import::new(file.bytes, import::REPORTED_ERRORS, rules)?;
    // A task of its own: a client that hangs up mid-way must not stop the import between
    // two chunks, where nobody would learn how far it got.
    let report = rocket::tokio::spawn(import_in_chunks(db.inner().clone(), import)).await??;
    Ok(Success::ok("IMPORT BOOKS", report))
}

/// Feeds `import` to the writer one chunk (one transaction) at a time; other writes queue
/// between the chunks.
async fn import_in_chunks(db: Db, mut import: Import) -> ApiResult<ImportReport> {
    while !import.finished() {
        let written = import.report().created + import.report().updated;
        let started = std::time::Instant::now();
        import = db
            .write(move |tx| match import.next_chunk(tx) {
                Ok(()) => Ok(import),
                Err(e) => {
                    tracing::error!(
                        rows_written = written,
                        "import stopped; the rows written before stay"
                    );
                    Err(e)
                }
            })
            .await?;
        // How long other writes may have waited behind this chunk (queueing included).
        tracing::debug!(
            ms = started.elapsed().as_millis() as u64,
            bytes_read = import.bytes_read(),
            "import chunk written"
        );
    }
    Ok(import.into_report())
}
