//! The library's calendar: the weekdays it opens and the periods it is closed. Due dates
//! that would fall on a closed day move to the next open day; overdue reminders count
//! open days only.

use rocket::{get, put, routes, Route, State};
use serde::{Deserialize, Serialize};

use crate::auth::Admin;
use crate::db::Db;
use crate::domain::calendar::{Calendar, ClosedPeriod, MOST_CLOSED_PERIODS};
use crate::error::AppError;
use crate::models::audit::{self, Action};
use crate::models::calendar;
use crate::views::envelope::{Envelope, Reply, Success};
use crate::views::input::Fields;

pub fn routes() -> Vec<Route> {
    routes![show, replace]
}

/// The calendar as it is kept and sent.
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CalendarView {
    /// The days of the week the library opens: 1 is Monday, 7 Sunday (all seven when
    /// never set).
    #[schema(min_items = 1, max_items = 7, value_type = Vec<u8>, example = json!([1, 2, 3, 4, 5]))]
    pub open_weekdays: Vec<u8>,
    /// Periods the library is closed (holidays), both days included, in order.
    #[schema(max_items = 500)]
    pub closed: Vec<ClosedPeriod>,
}

/// The library's calendar (anyone may read it: readers plan their visits by it).
#[utoipa::path(tag = "library", responses(
    (status = 200, description = "The calendar", body = Envelope<CalendarView>),
))]
#[get("/calendar")]
pub(crate) async fn show(db: &State<Db>) -> Reply {
    let view = db.run(|conn| load(conn)).await?;
    Ok(Success::ok("GET CALENDAR", view))
}

fn load(conn: &rusqlite::Connection) -> crate::error::ApiResult<CalendarView> {
    Ok(CalendarView {
        open_weekdays: calendar::load(conn)?.open_weekdays(),
        closed: calendar::periods(conn)?,
    })
}

/// Replaces the calendar (admins). Loans already out keep their due dates; loans and
/// renewals from now on get the next open day.
#[utoipa::path(tag = "library", security(("bearer" = []), ("access_token" = [])), request_body = CalendarView, responses(
    (status = 200, description = "The calendar now", body = Envelope<CalendarView>),
))]
#[put("/calendar", data = "<body>")]
pub(crate) async fn replace(admin: Admin, db: &State<Db>, body: Fields<CalendarView>) -> Reply {
    let request = body.0;
    if request.closed.len() > MOST_CLOSED_PERIODS {
        return Err(AppError::invalid(
            "closed",
            format!("at most {MOST_CLOSED_PERIODS} periods"),
        ));
    }
    let checked = Calendar::new(&request.open_weekdays, &request.closed)
        .map_err(|problems| AppError::Invalid(problems.into_iter().collect()))?;
    let admin = admin.0;
    let view = db
        .write(move |tx| {
            calendar::save(tx, &checked, &request.closed)?;
            audit::record(
                tx,
                &admin,
                Action {
                    action: "calendar.update",
                    subject_type: "calendar",
                    subject_id: None,
                    patron_id: None,
                    detail: format!(
                        "open weekdays {:?}, {} closed periods",
                        checked.open_weekdays(),
                        checked.closed().len()
                    ),
                },
            )?;
            load(tx)
        })
        .await?;
    Ok(Success::ok("UPDATE CALENDAR", view))
}
