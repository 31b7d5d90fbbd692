//! The original Flask server's paths (its README and code), as thin aliases over this
//! server's own handlers: the same rules (a token on every read, e-mail addresses only to
//! their owner and staff, members seeing others only as the library allows), the
//! original's messages, and bodies as a form or JSON whose unknown fields are ignored.
//! The password reset by code is in `reset`.

use std::sync::Arc;

use rocket::{get, put, routes, Route, State};

use crate::auth::AuthUser;
use crate::controllers::images::{self, Picture};
use crate::controllers::users::{
    may_see_others, rename, seen_by_id, seen_by_username, set_picture,
};
use crate::db::Db;
use crate::domain::UserId;
use crate::error::{ApiResult, AppError};
use crate::media::MediaStore;
use crate::models::user;
use crate::models::Page;
use crate::views::compat::ChangeUsernameForm;
use crate::views::envelope::{Envelope, Reply, Success};
use crate::views::input::{Fields, Multipart};
use crate::views::upload::PropicUpload;
use crate::views::user::UserView;

pub(crate) mod reset;

pub fn routes() -> Vec<Route> {
    routes![
        get_all,
        get_by_id,
        get_by_username,
        change_username,
        update_propic,
        propic,
        reset::request_reset,
        reset::reset_password,
    ]
}

/// Users fetched a page at a time, so one statement never holds them all at once twice.
const USERS_A_PAGE: u32 = 500;

/// Every user, by id (the original's GET /users/getall; GET /users pages them). Staff
/// only, unless the library lets members see usernames.
#[utoipa::path(tag = "compatibility", security(("bearer" = []), ("access_token" = [])), responses(
    (status = 200, description = "`FETCH ALL SUCCESS` and every user", body = Envelope<Vec<UserView>>),
))]
#[get("/users/getall")]
pub(crate) async fn get_all(auth: AuthUser, db: &State<Db>) -> Reply {
    let viewer = auth.0.clone();
    let users = db
        .run(move |conn| {
            may_see_others(conn, &viewer)?;
            let mut all = Vec::new();
            for page in 1.. {
                let page = Page {
                    page,
                    per_page: USERS_A_PAGE,
                };
                let (users, total) = user::list(conn, None, page)?;
                let last = users.is_empty() || page.offset() + users.len() as i64 >= total;
                all.extend(users);
                if last {
                    break;
                }
            }
            Ok(all)
        })
        .await?;
    let views: Vec<UserView> = users.iter().map(|u| UserView::new(u, &auth.0)).collect();
    Ok(Success::worded("FETCH ALL SUCCESS", views))
}

/// One user by id (GET /users/{id}).
#[utoipa::path(tag = "compatibility", params(("id" = i64, Path)), security(("bearer" = []), ("access_token" = [])), responses(
    (status = 200, description = "`SUCCESS: GET BY ID` and the user", body = Envelope<UserView>),
))]
#[get("/users/getById/<id>")]
pub(crate) async fn get_by_id(id: UserId, auth: AuthUser, db: &State<Db>) -> Reply {
    let viewer = auth.0.clone();
    let user = db.run(move |conn| seen_by_id(conn, &viewer, id)).await?;
    Ok(Success::worded(
        "SUCCESS: GET BY ID",
        UserView::new(&user, &auth.0),
    ))
}

/// One user by username, any letter case (GET /users/username/{username}).
#[utoipa::path(tag = "compatibility", params(("username" = String, Path)), security(("bearer" = []), ("access_token" = [])), responses(
    (status = 200, description = "`SUCCESS: GET BY USERNAME` and the user", body = Envelope<UserView>),
))]
#[get("/users/getByUsername/<username>")]
pub(crate) async fn get_by_username(username: &str, auth: AuthUser, db: &State<Db>) -> Reply {
    let username = username.to_string();
    let viewer = auth.0.clone();
    let user = db
        .run(move |conn| seen_by_username(conn, &viewer, &username))
        .await?;
    Ok(Success::worded(
        "SUCCESS: GET BY USERNAME",
        UserView::new(&user, &auth.0),
    ))
}

/// Renames the caller (PATCH /users/{id}/username): `current_username` must be the
/// caller's own (any letter case), else 400.
#[utoipa::path(tag = "compatibility", security(("bearer" = []), ("access_token" = [])), request_body = ChangeUsernameForm, responses(
    (status = 200, description = "`SUCCESS: UPDATE USERNAME` and the renamed user", body = Envelope<UserView>),
    (status = 409, description = "The username is taken", body = crate::error::ErrorEnvelope),
))]
#[put("/users/changeUsername", data = "<body>")]
pub(crate) async fn change_username(
    auth: AuthUser,
    db: &State<Db>,
    body: Fields<ChangeUsernameForm>,
) -> Reply {
    let (current, new) = body.0.validate()?;
    if !current.eq_ignore_ascii_case(&auth.0.username) {
        return Err(AppError::invalid(
            "current_username",
            "is not the username of the signed-in account",
        ));
    }
    let user = rename(db, auth.0.clone(), auth.0.id, new).await?;
    Ok(Success::worded(
        "SUCCESS: UPDATE USERNAME",
        UserView::new(&user, &user),
    ))
}

/// Sets the caller's picture from the multipart file `propic_new` (PUT /users/{id}/image:
/// PNG, JPEG, GIF or WebP, judged by content, resized to fit 256×256). Other fields are
/// ignored.
#[utoipa::path(tag = "compatibility", security(("bearer" = []), ("access_token" = [])),
    request_body(content = inline(PropicUpload), content_type = "multipart/form-data",
        description = "The picture, as the multipart field `propic_new`"),
    responses(
        (status = 200, description = "`SUCCESS: UPDATE PROPIC` and the user with the new `image_file`", body = Envelope<UserView>),
))]
#[put("/users/updatePropic", data = "<upload>")]
pub(crate) async fn update_propic(
    auth: AuthUser,
    db: &State<Db>,
    media: &State<Arc<MediaStore>>,
    upload: Multipart,
) -> Reply {
    let mut body = upload.0;
    let file = body.take_file("propic_new")?;
    let user = set_picture(db, media, auth.0.id, file.bytes).await?;
    Ok(Success::worded(
        "SUCCESS: UPDATE PROPIC",
        UserView::new(&user, &user),
    ))
}

/// A profile picture where the original served them (GET /images/profile/{name}).
#[utoipa::path(tag = "compatibility", params(("image_file" = String, Path)), responses(
    (status = 200, description = "The picture", content(("image/png"), ("image/jpeg"))),
))]
#[get("/static/propics/<image_file>")]
pub(crate) async fn propic(image_file: &str, media: &State<Arc<MediaStore>>) -> ApiResult<Picture> {
    images::profile(image_file, media).await
}
