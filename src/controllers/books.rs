//! /books: the catalogue, its search, covers, and CSV import and export.

use std::sync::Arc;

use rocket::http::{ContentType, Header};
use rocket::tokio::task::spawn_blocking;
use rocket::{delete, get, patch, post, put, routes, Responder, Route, State};

use crate::auth::Librarian;
use crate::db::Db;
use crate::domain::Isbn13;
use crate::error::{ApiResult, AppError};
use crate::media::{Kind, MediaStore};
use crate::models::book::{self, Book};
use crate::services::{csv_format, import};
use crate::views::book::{BookPatch, BookQuery, BookRequest, BookView};
use crate::views::envelope::{Reply, Success};
use crate::views::input::{Fields, Multipart};
use crate::views::paging;

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

async fn load(db: &Db, id: i64) -> ApiResult<Book> {
    db.run(move |conn| book::find(conn, id))
        .await?
        .ok_or(AppError::NotFound)
}

#[post("/books", data = "<body>")]
async fn create(_staff: Librarian, db: &State<Db>, body: Fields<BookRequest>) -> Reply {
    let data = body.0.validate()?;
    let book = db
        .write(move |tx| {
            let id = book::insert(tx, &data)?;
            book::find(tx, id)?.ok_or_else(|| AppError::Internal("inserted book vanished".into()))
        })
        .await?;
    Ok(Success::created("CREATE BOOK", BookView::from(book)))
}

#[get("/books?<query..>")]
async fn list(db: &State<Db>, query: BookQuery) -> Reply {
    let (search, page) = query.validate()?;
    let (books, total) = db.run(move |conn| book::list(conn, &search, page)).await?;
    let views: Vec<BookView> = books.into_iter().map(BookView::from).collect();
    Ok(Success::list("GET BOOKS", views, paging::meta(page, total)))
}

#[get("/books/<id>")]
async fn by_id(id: i64, db: &State<Db>) -> Reply {
    let book = load(db, id).await?;
    Ok(Success::ok("GET BOOK", BookView::from(book)))
}

#[get("/books/isbn/<isbn>")]
async fn by_isbn(isbn: &str, db: &State<Db>) -> Reply {
    let isbn = Isbn13::parse(isbn).map_err(|e| AppError::invalid("isbn", e))?;
    let book = db
        .run(move |conn| book::find_by_isbn(conn, &isbn))
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(Success::ok("GET BOOK", BookView::from(book)))
}

#[patch("/books/<id>", data = "<body>")]
async fn change(id: i64, _staff: Librarian, db: &State<Db>, body: Fields<BookPatch>) -> Reply {
    let patch = body.0;
    let book = db
        .write(move |tx| {
            let current = book::find(tx, id)?.ok_or(AppError::NotFound)?;
            let data = patch.apply(current.data()?)?;
            let out = book::active_loans(tx, id)?;
            if data.copies < out {
                return Err(AppError::conflict(
                    "copies",
                    format!("cannot be fewer than the {out} copies on loan"),
                ));
            }
            book::update(tx, id, &data)?;
            book::find(tx, id)?.ok_or(AppError::NotFound)
        })
        .await?;
    Ok(Success::ok("UPDATE BOOK", BookView::from(book)))
}

#[delete("/books/<id>")]
async fn remove(
    id: i64,
    _staff: Librarian,
    db: &State<Db>,
    media: &State<Arc<MediaStore>>,
) -> Reply {
    let removed = db
        .write(move |tx| {
            let book = book::find(tx, id)?.ok_or(AppError::NotFound)?;
            if book::active_loans(tx, id)? > 0 {
                return Err(AppError::conflict("id", "the book has copies on loan"));
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

#[put("/books/<id>/cover", data = "<upload>")]
async fn change_cover(
    id: i64,
    _staff: Librarian,
    db: &State<Db>,
    media: &State<Arc<MediaStore>>,
    upload: Multipart,
) -> Reply {
    load(db, id).await?;
    let mut body = upload.0;
    let file = body.take_file("image")?;
    let store = Arc::clone(media);
    let name = spawn_blocking(move || {
        let encoded = store.process(Kind::Cover, &file.bytes)?;
        store.save(Kind::Cover, &encoded)
    })
    .await??;
    let stored = name.clone();
    let replaced = db.write(move |tx| book::set_cover(tx, id, &stored)).await;
    let store = Arc::clone(media);
    let old = match replaced {
        Ok(Some(old)) => old,
        // The book went (or the write failed) while the picture was being processed.
        Ok(None) => {
            spawn_blocking(move || store.remove(Kind::Cover, &name)).await?;
            return Err(AppError::NotFound);
        }
        Err(e) => {
            spawn_blocking(move || store.remove(Kind::Cover, &name)).await?;
            return Err(e);
        }
    };
    if let Some(old) = old {
        spawn_blocking(move || store.remove(Kind::Cover, &old)).await?;
    }
    let book = load(db, id).await?;
    Ok(Success::ok("UPDATE BOOK COVER", BookView::from(book)))
}

#[derive(Responder)]
pub struct CsvFile {
    bytes: Vec<u8>,
    content_type: ContentType,
    disposition: Header<'static>,
}

#[get("/books/export.csv")]
async fn export_csv(_staff: Librarian, db: &State<Db>) -> ApiResult<CsvFile> {
    let bytes = db
        .run(|conn| csv_format::export(conn, Vec::new(), &mut || {}))
        .await?;
    Ok(CsvFile {
        bytes,
        content_type: ContentType::CSV,
        disposition: Header::new("Content-Disposition", "attachment; filename=\"books.csv\""),
    })
}

#[post("/books/import", data = "<upload>")]
async fn import_csv(_staff: Librarian, db: &State<Db>, upload: Multipart) -> Reply {
    let mut body = upload.0;
    let file = body.take_file("file")?;
    let report = db
        .write(move |tx| import::import(tx, &file.bytes, &mut |_| {}))
        .await?;
    Ok(Success::ok("IMPORT BOOKS", report))
}
