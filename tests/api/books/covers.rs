//! Book covers, through the same picture pipeline as profile pictures.

use super::{add, dune, staffed};
use crate::common::{jpeg, png, Part, Payload, TestApp};
use rocket::http::Method;
use serde_json::json;

fn cover_files(app: &TestApp) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(app.data_dir().join("images/cover"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn covers_go_through_the_picture_pipeline() {
    let (app, librarian, _) = staffed();
    let id = add(&app, &librarian, dune())["id"].as_i64().unwrap();
    let upload = |bytes: Vec<u8>, name: &str| {
        app.send(
            Method::Put,
            &format!("/books/{id}/cover"),
            Some(&librarian),
            Payload::Multipart(vec![Part::file("image", name, bytes)]),
        )
    };
    let first = upload(png(1200, 800), "big.png").expect(200);
    assert_eq!(first.body["message"], "UPDATE BOOK COVER SUCCESS");
    let first_name = first.result()["cover_file"].as_str().unwrap().to_string();
    assert!(first_name.ends_with(".png"));
    assert_eq!(cover_files(&app), vec![first_name.clone()]);
    let served = app.get(&format!("/images/cover/{first_name}"), None);
    assert_eq!(served.status, 200);
    assert_eq!(served.content_type.as_deref(), Some("image/png"));
    let image = image::load_from_memory(&served.bytes).unwrap();
    assert_eq!((image.width(), image.height()), (600, 400));
    // A new cover replaces the old file.
    let second = upload(jpeg(100, 100), "photo.jpg").expect(200);
    let second_name = second.result()["cover_file"].as_str().unwrap().to_string();
    assert!(second_name.ends_with(".jpg"));
    assert_eq!(cover_files(&app), vec![second_name.clone()]);
    app.get(&format!("/images/cover/{first_name}"), None)
        .expect(404);
    // Refusals leave the cover as it was.
    let broken = upload(b"GIF89a not really".to_vec(), "x.gif");
    assert!(matches!(broken.status, 400 | 415), "{}", broken.status);
    upload(b"just text".to_vec(), "x.png").expect(415);
    upload(vec![0u8; 2 * 1024 * 1024 + 1], "huge.png").expect(413);
    app.send(
        Method::Put,
        &format!("/books/{id}/cover"),
        Some(&librarian),
        Payload::Multipart(vec![Part::text("title", "no file")]),
    )
    .expect_field_error(400, "image");
    app.send(
        Method::Put,
        &format!("/books/{id}/cover"),
        Some(&librarian),
        Payload::Json(json!({"image": "x"})),
    )
    .expect(415);
    assert_eq!(cover_files(&app), vec![second_name.clone()]);
    let book = app.get(&format!("/books/{id}"), None).expect(200);
    assert_eq!(book.result()["cover_file"], json!(second_name));
    // Deleting the book removes its cover.
    app.delete(&format!("/books/{id}"), Some(&librarian))
        .expect(200);
    assert!(cover_files(&app).is_empty());
    let escape = app.get("/images/cover/..%2F..%2Flibrary.db", None);
    assert!((400..500).contains(&escape.status), "{}", escape.status);
    app.get("/images/cover/default.jpg", None).expect(404);
}
