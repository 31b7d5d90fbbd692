use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use rocket::serde::json::Json;
use rocket::{get, routes, Route, State};
use serde_json::{json, Value};

use crate::db::Db;
use crate::error::ApiResult;

pub fn routes() -> Vec<Route> {
    routes![health]
}

/// How long a good answer from the database stands. Monitors poll `/health` often, load
/// balancers many times a second; one real check a second tells them as much.
const CHECK_STANDS: Duration = Duration::from_secs(1);

/// When the database last answered, for `/health`.
pub struct LastCheck {
    since: Instant,
    /// Milliseconds after `since` of the last good answer; 0 for none yet.
    ok_at_ms: AtomicU64,
}

impl Default for LastCheck {
    fn default() -> Self {
        LastCheck {
            since: Instant::now(),
            ok_at_ms: AtomicU64::new(0),
        }
    }
}

impl LastCheck {
    fn now_ms(&self) -> u64 {
        // Never 0, which means "no answer yet".
        self.since.elapsed().as_millis() as u64 + 1
    }

    fn stands(&self) -> bool {
        let ok_at = self.ok_at_ms.load(Ordering::Relaxed);
        ok_at != 0 && self.now_ms() - ok_at < CHECK_STANDS.as_millis() as u64
    }
}

/// 200 `{"status": "ok"}` when the database answers (checked at most once a second).
#[utoipa::path(tag = "service", responses((status = 200, description = "Up", body = Object, example = json!({"status": "ok"}))))]
#[get("/health")]
pub(crate) async fn health(db: &State<Db>, last: &State<LastCheck>) -> ApiResult<Json<Value>> {
    if !last.stands() {
        db.run(|conn| Ok(conn.query_row("SELECT 1", [], |r| r.get::<_, i64>(0))?))
            .await?;
        last.ok_at_ms.store(last.now_ms(), Ordering::Relaxed);
    }
    Ok(Json(json!({ "status": "ok" })))
}
