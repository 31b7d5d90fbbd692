use rocket::serde::json::Json;
use rocket::{get, routes, Route, State};
use serde_json::{json, Value};

use crate::db::Db;
use crate::error::ApiResult;

pub fn routes() -> Vec<Route> {
    routes![health]
}

/// 200 `{"status": "ok"}` when the database answers.
#[utoipa::path(tag = "service", responses((status = 200, description = "Up", body = Object, example = json!({"status": "ok"}))))]
#[get("/health")]
pub(crate) async fn health(db: &State<Db>) -> ApiResult<Json<Value>> {
    db.run(|conn| Ok(conn.query_row("SELECT 1", [], |r| r.get::<_, i64>(0))?))
        .await?;
    Ok(Json(json!({ "status": "ok" })))
}
