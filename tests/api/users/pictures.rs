//! Profile pictures: the image pipeline, the default picture, what is refused.

use super::{stored_pictures, upload};
use crate::common::{jpeg, png, Part, Payload, TestApp};
use rocket::http::Method;
use serde_json::json;

#[test]
fn a_picture_is_resized_reencoded_served_and_replaced() {
    let app = TestApp::new();
    let (id, token) = app.user("anna");
    let reply = upload(
        &app,
        id,
        &token,
        vec![Part::file("image", "me.jpg", jpeg(1000, 500))],
    )
    .expect(200);
    assert_eq!(reply.body["message"], "UPDATE PROFILE PICTURE SUCCESS");
    let first = reply.result()["image_file"].as_str().unwrap().to_string();
    assert!(first.ends_with(".jpg") && first != "default.jpg");
    assert_ne!(first, "me.jpg", "the server names the file");
    assert_eq!(stored_pictures(&app), vec![first.clone()]);

    let served = app.get(&format!("/images/profile/{first}"), None);
    assert_eq!(served.status, 200);
    assert_eq!(served.content_type.as_deref(), Some("image/jpeg"));
    let picture = image::load_from_memory(&served.bytes).unwrap();
    assert_eq!((picture.width(), picture.height()), (256, 128));

    // A PNG named .gif is judged by its content; the old file goes.
    let reply = upload(
        &app,
        id,
        &token,
        vec![Part::file("image", "x.gif", png(40, 30))],
    )
    .expect(200);
    let second = reply.result()["image_file"].as_str().unwrap().to_string();
    assert!(second.ends_with(".png"));
    assert_eq!(stored_pictures(&app), vec![second.clone()]);
    app.get(&format!("/images/profile/{first}"), None)
        .expect(404);
    let served = app.get(&format!("/images/profile/{second}"), None);
    assert_eq!(served.content_type.as_deref(), Some("image/png"));
    let picture = image::load_from_memory(&served.bytes).unwrap();
    assert_eq!(
        (picture.width(), picture.height()),
        (40, 30),
        "small pictures are not enlarged"
    );
    assert_eq!(
        app.get("/users/me", Some(&token)).result()["image_file"],
        second
    );
}

#[test]
fn the_default_picture_is_built_in() {
    let app = TestApp::new();
    let reply = app.get("/images/profile/default.jpg", None);
    assert_eq!(reply.status, 200);
    assert_eq!(reply.content_type.as_deref(), Some("image/jpeg"));
    assert!(image::load_from_memory(&reply.bytes).is_ok());
    app.get("/images/profile/nothing.jpg", None).expect(404);
    app.get("/images/profile/..%2F..%2Flibrary.db", None)
        .expect(404);
}

/// A PNG whose header declares `width`×`height` but carries almost no data.
fn png_bomb(width: u32, height: u32) -> Vec<u8> {
    fn crc32(bytes: &[u8]) -> u32 {
        let mut crc = 0xffff_ffffu32;
        for &b in bytes {
            crc ^= b as u32;
            for _ in 0..8 {
                crc = if crc & 1 == 1 {
                    (crc >> 1) ^ 0xedb8_8320
                } else {
                    crc >> 1
                };
            }
        }
        !crc
    }
    fn chunk(out: &mut Vec<u8>, kind: &[u8], data: &[u8]) {
        out.extend_from_slice(&(data.len() as u32).to_be_bytes());
        let mut body = kind.to_vec();
        body.extend_from_slice(data);
        out.extend_from_slice(&body);
        out.extend_from_slice(&crc32(&body).to_be_bytes());
    }
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&width.to_be_bytes());
    ihdr.extend_from_slice(&height.to_be_bytes());
    ihdr.extend_from_slice(&[8, 6, 0, 0, 0]); // 8-bit RGBA
    chunk(&mut out, b"IHDR", &ihdr);
    chunk(
        &mut out,
        b"IDAT",
        &[0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01],
    );
    chunk(&mut out, b"IEND", &[]);
    out
}

#[test]
fn fake_oversize_bomb_and_missing_pictures_are_refused_and_leave_nothing() {
    let app = TestApp::with(|mut c| {
        c.image_max_bytes = 100_000;
        c
    });
    app.admin();
    let (id, token) = app.user("anna");
    let (other, _) = app.user("bert");

    let reply = upload(
        &app,
        id,
        &token,
        vec![Part::file(
            "image",
            "me.png",
            b"this is not a picture".to_vec(),
        )],
    )
    .expect(415);
    assert_eq!(reply.body["message"], "UNSUPPORTED MEDIA TYPE");
    upload(
        &app,
        id,
        &token,
        vec![Part::file(
            "image",
            "me.bmp",
            b"BM\x00\x00\x00\x00".to_vec(),
        )],
    )
    .expect(415);

    let mut big = png(8, 8);
    big.extend(std::iter::repeat_n(0u8, 150_000));
    upload(&app, id, &token, vec![Part::file("image", "big.png", big)]).expect(413);
    // Past the multipart limit itself (3 MiB in Rocket.toml).
    upload(
        &app,
        id,
        &token,
        vec![Part::file("image", "huge.png", vec![0u8; 4 * 1024 * 1024])],
    )
    .expect(413);

    let reply = upload(
        &app,
        id,
        &token,
        vec![Part::file("image", "bomb.png", png_bomb(100_000, 100_000))],
    )
    .expect_field_error(400, "image");
    assert!(reply.body["errors"]["image"]
        .as_str()
        .unwrap()
        .contains("too large"));
    upload(
        &app,
        id,
        &token,
        vec![Part::file("image", "bomb.png", png_bomb(9_000, 9_000))],
    )
    .expect(400);

    upload(&app, id, &token, vec![Part::text("image", "not a file")])
        .expect_field_error(400, "image");
    upload(
        &app,
        id,
        &token,
        vec![Part::file("picture", "me.png", png(4, 4))],
    )
    .expect_field_error(400, "image");
    app.put(
        &format!("/users/{id}/image"),
        Some(&token),
        json!({"image": "x"}),
    )
    .expect(415);
    upload(
        &app,
        other,
        &token,
        vec![Part::file("image", "me.png", png(4, 4))],
    )
    .expect(403);
    app.send(
        Method::Put,
        &format!("/users/{id}/image"),
        None,
        Payload::Multipart(vec![Part::file("image", "me.png", png(4, 4))]),
    )
    .expect(401);

    assert!(
        stored_pictures(&app).is_empty(),
        "no failed upload may leave a file"
    );
    assert_eq!(
        app.get("/users/me", Some(&token)).result()["image_file"],
        "default.jpg"
    );
}

#[test]
fn an_admin_may_set_anyones_picture() {
    let app = TestApp::new();
    let (_, admin) = app.admin();
    let (id, _) = app.user("anna");
    upload(
        &app,
        id,
        &admin,
        vec![Part::file("image", "a.png", png(10, 10))],
    )
    .expect(200);
    upload(
        &app,
        9999,
        &admin,
        vec![Part::file("image", "a.png", png(10, 10))],
    )
    .expect(404);
    assert_eq!(stored_pictures(&app).len(), 1);
}

#[test]
fn a_picture_sent_under_another_field_name_is_refused_naming_the_field_expected() {
    let app = TestApp::new();
    let (id, token) = app.user("anna");
    let reply = upload(
        &app,
        id,
        &token,
        vec![Part::file("picture", "me.png", png(8, 8))],
    )
    .expect_field_error(400, "image");
    let problem = reply.body["errors"]["image"].as_str().unwrap();
    assert!(problem.contains("multipart field `image`"), "{problem}");
    assert!(problem.contains("came as `picture`"), "{problem}");
}
