//! Class lists: patrons imported from a school's CSV (with a dry run first), and the end
//! of the school year (a class moves up; who is not on the new list leaves). Either the
//! whole list is taken or nothing is written.

use rocket::http::Status;
use rocket::{post, State};
use rusqlite::Connection;
use serde::{Deserialize, Serialize};

use crate::auth::Librarian;
use crate::config::Config;
use crate::db::Db;
use crate::domain::book::optional;
use crate::domain::item::Barcode;
use crate::domain::{Email, PatronStatus, Role};
use crate::error::{ApiResult, AppError, ErrorEnvelope, Refusal};
use crate::models::audit::{self, Action};
use crate::models::now;
use crate::models::user::{self, PatronRecord, User};
use crate::views::envelope::{Envelope, Reply, Success};
use crate::views::input::{Fields, Multipart};
use crate::views::patron::{PatronView, MAX_FULL_NAME, MAX_GROUP};
use crate::views::query::QueryParams;
use crate::views::upload::CsvUpload;

/// The most rows a class list may have (a whole school, several times over).
const MAX_ROWS: usize = 5_000;

/// What the import does with one line of the list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum RowAction {
    Create,
    Update,
    Unchanged,
    Reject,
}

/// One line of the class list and what becomes of it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ClassListRow {
    /// The line in the file (the header is line 1).
    pub line: u64,
    pub action: RowAction,
    pub full_name: Option<String>,
    pub group: Option<String>,
    /// The card as given, or (after a real import) the one the new patron got.
    pub card_number: Option<String>,
    pub email: Option<String>,
    /// The patron the line updates (or, after a real import, created).
    #[schema(value_type = Option<i64>)]
    pub patron_id: Option<crate::domain::UserId>,
    /// Why the line is rejected, in words.
    pub errors: Vec<String>,
}

/// What an import did, or (dry run) would do.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ClassListReport {
    pub dry_run: bool,
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
    pub rejected: usize,
    pub rows: Vec<ClassListRow>,
}

/// The columns a class list may have, by what they are called.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Column {
    Name,
    Group,
    Card,
    Email,
}

fn column(header: &str) -> Option<Column> {
    let key: String = header
        .trim()
        .trim_start_matches('\u{feff}')
        .to_lowercase()
        .chars()
        .map(|c| if c == ' ' || c == '-' { '_' } else { c })
        .collect();
    match key.as_str() {
        "name" | "full_name" | "pupil" | "student" => Some(Column::Name),
        "group" | "class" | "class_name" | "form" => Some(Column::Group),
        "card" | "card_number" | "card_no" | "barcode" => Some(Column::Card),
        "email" | "e_mail" | "email_address" => Some(Column::Email),
        _ => None,
    }
}

/// A line read from the file, before it is matched against the patrons.
struct Line {
    number: u64,
    name: Option<String>,
    group: Option<String>,
    card: Option<String>,
    email: Option<String>,
    errors: Vec<String>,
}

/// The line a record starts on. The reader skips blank lines but reports the position
/// where the skipping began, so the blank lines are passed over here.
fn line_of(text: &str, position: Option<&csv::Position>) -> u64 {
    let Some(position) = position else { return 0 };
    let mut start = (position.byte() as usize).min(text.len());
    while text[start..].starts_with(['\r', '\n']) {
        start += 1;
    }
    1 + text[..start].matches('\n').count() as u64
}

/// Reads the list; a file that is not a class list at all (no header, an unknown column,
/// no name column, too many rows) is a 400 naming the problem.
fn read_lines(bytes: &[u8]) -> ApiResult<Vec<Line>> {
    let bad = |problem: String| AppError::invalid("file", problem);
    let text = std::str::from_utf8(bytes)
        .map_err(|_| bad("is not UTF-8 text; save the class list as CSV (UTF-8)".into()))?;
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let headers = reader
        .headers()
        .map_err(|e| bad(format!("cannot be read as CSV: {e}")))?
        .clone();
    let mut columns = Vec::new();
    for header in headers.iter() {
        match column(header) {
            Some(found) if columns.contains(&Some(found)) => {
                return Err(bad(format!(
                    "line 1: the column \"{header}\" appears twice"
                )))
            }
            Some(found) => columns.push(Some(found)),
            None if header.trim().is_empty() => columns.push(None),
            None => {
                return Err(bad(format!(
                    "line 1: unknown column \"{header}\"; a class list has name, group, \
                     card_number and email (only name is required)"
                )))
            }
        }
    }
    if !columns.contains(&Some(Column::Name)) {
        return Err(bad("line 1: there is no name column".into()));
    }
    let mut lines = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| bad(format!("cannot be read as CSV: {e}")))?;
        if record.iter().all(str::is_empty) {
            continue;
        }
        if lines.len() == MAX_ROWS {
            return Err(bad(format!("has more than {MAX_ROWS} rows; split it up")));
        }
        let number = line_of(text, record.position());
        let mut line = Line {
            number,
            name: None,
            group: None,
            card: None,
            email: None,
            errors: Vec::new(),
        };
        if record.len() > columns.len() {
            line.errors.push(format!(
                "has {} values for {} columns",
                record.len(),
                columns.len()
            ));
        }
        for (value, col) in record.iter().zip(&columns) {
            let value = value.to_string();
            match col {
                Some(Column::Name) => match optional(&value, MAX_FULL_NAME) {
                    Ok(name) => line.name = name,
                    Err(e) => line.errors.push(format!("name {e}")),
                },
                Some(Column::Group) => match optional(&value, MAX_GROUP) {
                    Ok(group) => line.group = group,
                    Err(e) => line.errors.push(format!("group {e}")),
                },
                Some(Column::Card) if value.is_empty() => {}
                Some(Column::Card) => match Barcode::parse(&value) {
                    Ok(card) => line.card = Some(card.as_str().to_string()),
                    Err(e) => line.errors.push(format!("card number {e}")),
                },
                Some(Column::Email) if value.is_empty() => {}
                Some(Column::Email) => match Email::parse(&value) {
                    Ok(email) => line.email = Some(email.as_str().to_string()),
                    Err(e) => line.errors.push(format!("e-mail {e}")),
                },
                None => {}
            }
        }
        if line.name.is_none() {
            line.errors.push("has no name".into());
        }
        lines.push(line);
    }
    Ok(lines)
}

/// Lines that repeat a card number or e-mail address of another line are rejected, each
/// naming the other lines.
fn reject_repeats(lines: &mut [Line]) {
    let mut repeats: Vec<(usize, String)> = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        for (what, value) in [("card number", &line.card), ("e-mail", &line.email)] {
            let Some(value) = value else { continue };
            let others: Vec<String> = lines
                .iter()
                .enumerate()
                .filter(|(j, other)| {
                    *j != i
                        && match what {
                            "card number" => other.card.as_deref(),
                            _ => other.email.as_deref(),
                        }
                        .is_some_and(|v| v.eq_ignore_ascii_case(value))
                })
                .map(|(_, other)| other.number.to_string())
                .collect();
            if !others.is_empty() {
                repeats.push((
                    i,
                    format!("{what} {value} is also on line {}", others.join(", ")),
                ));
            }
        }
    }
    for (i, problem) in repeats {
        lines[i].errors.push(problem);
    }
}

fn same_name(a: Option<&str>, b: Option<&str>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => a.to_lowercase() == b.to_lowercase(),
        _ => false,
    }
}

/// Matches a line to the patron it is about, or finds why it cannot be taken.
fn plan_line(conn: &Connection, line: &Line) -> ApiResult<(RowAction, Option<User>, Vec<String>)> {
    let mut errors = line.errors.clone();
    if !errors.is_empty() {
        return Ok((RowAction::Reject, None, errors));
    }
    let name = line.name.as_deref();
    let existing = match &line.card {
        // A class list is about readers: staff records are changed one by one, by whom
        // may change them.
        Some(card) => match user::find_by_card(conn, card)? {
            Some(owner) if owner.role != Role::Member => {
                errors.push(format!(
                    "card number {card} belongs to a staff member, {}",
                    owner.display_name()
                ));
                return Ok((RowAction::Reject, None, errors));
            }
            Some(owner)
                if owner.full_name.is_none() || same_name(owner.full_name.as_deref(), name) =>
            {
                Some(owner)
            }
            Some(owner) => {
                errors.push(format!(
                    "card number {card} belongs to {}, not {}",
                    owner.display_name(),
                    name.unwrap_or_default()
                ));
                return Ok((RowAction::Reject, None, errors));
            }
            None if crate::models::item::find_by_barcode(conn, card)?.is_some() => {
                errors.push(format!("{card} is a copy's barcode, not a library card"));
                return Ok((RowAction::Reject, None, errors));
            }
            None => None,
        },
        None => user::find_member_by_name_in_group(
            conn,
            name.unwrap_or_default(),
            line.group.as_deref(),
        )?,
    };
    if let Some(email) = &line.email {
        if let Some(other) = user::find_by_email(conn, email)? {
            if existing.as_ref().is_none_or(|e| e.id != other.id) {
                errors.push(format!(
                    "e-mail {email} is already {}'s",
                    other.display_name()
                ));
                return Ok((RowAction::Reject, None, errors));
            }
        }
    }
    let Some(patron) = existing else {
        return Ok((RowAction::Create, None, errors));
    };
    let record = record_for(&patron, line);
    let action = match record == current_record(&patron) {
        true => RowAction::Unchanged,
        false => RowAction::Update,
    };
    Ok((action, Some(patron), errors))
}

fn current_record(patron: &User) -> PatronRecord {
    PatronRecord {
        full_name: patron.full_name.clone(),
        card_number: patron.card_number.clone(),
        group: patron.group.clone(),
        email: patron.email.clone(),
        phone: patron.phone.clone(),
        note: patron.note.clone(),
        card_expires_on: patron.card_expires_on.clone(),
        status: patron.status,
        blocked_reason: patron.blocked_reason.clone(),
    }
}

/// The patron's record after the line: its name, group, card and e-mail (a blank e-mail
/// keeps the one on record); someone who had left is active again.
fn record_for(patron: &User, line: &Line) -> PatronRecord {
    let mut record = current_record(patron);
    record.full_name = line.name.clone();
    record.group = line.group.clone();
    // The same card in another letter case is the same card: kept as it was.
    let same_card = match (&line.card, &patron.card_number) {
        (Some(given), Some(kept)) => given.eq_ignore_ascii_case(kept),
        _ => false,
    };
    if line.card.is_some() && !same_card {
        record.card_number = line.card.clone();
    }
    if line.email.is_some() {
        record.email = line.email.clone();
    }
    if record.status == PatronStatus::Left {
        record.status = PatronStatus::Active;
    }
    record
}

/// Plans the list and, unless `dry_run` or a line is rejected, writes it.
fn run_import(
    conn: &Connection,
    staff: &User,
    lines: &[Line],
    dry_run: bool,
    card_prefix: &str,
) -> ApiResult<ClassListReport> {
    let mut rows = Vec::new();
    let mut plans = Vec::new();
    for line in lines {
        let (action, patron, errors) = plan_line(conn, line)?;
        rows.push(ClassListRow {
            line: line.number,
            action,
            full_name: line.name.clone(),
            group: line.group.clone(),
            card_number: line.card.clone(),
            email: line.email.clone(),
            patron_id: patron.as_ref().map(|p| p.id),
            errors,
        });
        plans.push(patron);
    }
    let count = |action| rows.iter().filter(|r| r.action == action).count();
    let mut report = ClassListReport {
        dry_run,
        created: count(RowAction::Create),
        updated: count(RowAction::Update),
        unchanged: count(RowAction::Unchanged),
        rejected: count(RowAction::Reject),
        rows,
    };
    if dry_run || report.rejected > 0 {
        return Ok(report);
    }
    // Lines with a card first: a card the library's sequence would give next, typed on a
    // later line, is then already taken when the lines without a card get theirs.
    let mut work: Vec<_> = lines
        .iter()
        .zip(plans)
        .zip(report.rows.iter_mut())
        .collect();
    work.sort_by_key(|((line, _), _)| line.card.is_none());
    for ((line, patron), row) in work {
        let patron = match (row.action, patron) {
            (RowAction::Create, _) => {
                let name = line.name.clone().unwrap_or_default();
                let username = user::free_username(conn, &name)?;
                user::insert_patron(conn, &username, card_prefix)?
            }
            (RowAction::Update, Some(patron)) => patron,
            _ => continue,
        };
        user::save_patron(conn, patron.id, &record_for(&patron, line))?;
        let action = match row.action {
            RowAction::Create => "patron.create",
            _ => "patron.update",
        };
        audit::record(
            conn,
            staff,
            Action::new(action, "patron", patron.id.get())
                .patron(patron.id)
                .detail(format!("class list line {}", line.number)),
        )?;
        let saved = user::find(conn, patron.id)?.ok_or(AppError::NotFound)?;
        row.patron_id = Some(saved.id);
        row.card_number = saved.card_number;
    }
    audit::record(
        conn,
        staff,
        Action {
            action: "patron.import",
            subject_type: "patron",
            subject_id: None,
            patron_id: None,
            detail: format!(
                "class list: {} created, {} updated, {} unchanged",
                report.created, report.updated, report.unchanged
            ),
        },
    )?;
    Ok(report)
}

fn dry_run_param(query: &QueryParams) -> ApiResult<bool> {
    match query.get("dry_run")? {
        None | Some("false") | Some("0") => Ok(false),
        Some("true") | Some("1") | Some("") => Ok(true),
        Some(_) => Err(AppError::invalid("dry_run", "must be true or false")),
    }
}

/// Imports patrons from a class list (CSV with a header: `name` required; `group`,
/// `card_number`, `email` optional; `class`, `card`, `full_name` are understood too). A line
/// with a card updates that patron; one without a card matches a patron of the same name
/// and group, else makes a new patron with the next card. With `dry_run=true` nothing is
/// written and the answer says what would happen; otherwise, if any line is rejected
/// (no name, a card repeated or someone else's, a bad e-mail), nothing is written (422).
#[utoipa::path(tag = "patrons", security(("bearer" = []), ("access_token" = [])), params(
    ("dry_run" = Option<bool>, Query, description = "true: only say what the import would do"),
),
    request_body(content = inline(CsvUpload), content_type = "multipart/form-data",
        description = "The class list as the multipart field `file`"),
    responses(
        (status = 200, description = "Imported, or (dry run) what would be", body = Envelope<ClassListReport>),
        (status = 400, description = "Not a class list: not CSV, an unknown or missing column", body = ErrorEnvelope),
        (status = 422, description = "Lines were rejected (`class_list_rejected`; `params.rows` says which and why); nothing was written", body = ErrorEnvelope),
))]
#[post("/patrons/import", data = "<upload>")]
pub(crate) async fn import(
    staff: Librarian,
    db: &State<Db>,
    config: &State<Config>,
    query: QueryParams,
    upload: Multipart,
) -> Reply {
    let dry_run = dry_run_param(&query)?;
    let file = upload.0.file_alone("file")?;
    let mut lines = read_lines(&file.bytes)?;
    reject_repeats(&mut lines);
    let prefix = config.card_prefix.clone();
    let staff = staff.0;
    let report = match dry_run {
        true => {
            db.run(move |conn| run_import(conn, &staff, &lines, true, &prefix))
                .await?
        }
        false => {
            db.write(move |tx| run_import(tx, &staff, &lines, false, &prefix))
                .await?
        }
    };
    if report.rejected > 0 && !dry_run {
        let rejected = report.rejected;
        return Err(Refusal::new(
            "class_list_rejected",
            "file",
            format!("{rejected} line(s) of the class list were rejected; nothing was imported"),
        )
        .status(Status::UnprocessableEntity)
        .param("rejected", rejected)
        .param(
            "rows",
            serde_json::to_value(&report.rows).unwrap_or_default(),
        )
        .into());
    }
    let message = if dry_run {
        "PREVIEW CLASS LIST"
    } else {
        "IMPORT CLASS LIST"
    };
    Ok(Success::ok(message, report))
}

/// A list, or one text (as the document says): a form that names one card sends it as
/// one field, not a list.
fn one_or_many<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Vec<String>>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Cards {
        Many(Vec<String>),
        One(String),
    }
    Ok(match Option::<Cards>::deserialize(d)? {
        None => None,
        Some(Cards::Many(cards)) => Some(cards),
        Some(Cards::One(card)) => Some(vec![card]),
    })
}

/// POST /patrons/school-year.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SchoolYearRequest {
    /// The group as it is now ("5B").
    #[schema(
        required = true,
        nullable = false,
        min_length = 1,
        max_length = 50,
        pattern = r"^(?=[\s\S]*\S)[^\x00-\x08\x0B-\x1F\x7F-\x9F]*$"
    )]
    pub group: Option<String>,
    /// Its name next year ("6B").
    #[schema(
        required = true,
        nullable = false,
        min_length = 1,
        max_length = 50,
        pattern = r"^(?=[\s\S]*\S)[^\x00-\x08\x0B-\x1F\x7F-\x9F]*$"
    )]
    pub new_group: Option<String>,
    /// The card numbers of those staying; everyone else in the group leaves.
    /// At least one: a list that came empty is more likely a mistake than a whole class
    /// leaving (staff mark leavers one by one on the patron list).
    #[serde(default, deserialize_with = "one_or_many")]
    #[schema(required = true, nullable = false, min_items = 1, max_items = 5000)]
    pub cards: Option<Vec<String>>,
    /// true: only say what would happen.
    #[serde(default)]
    pub dry_run: bool,
}

/// Who moves up and who leaves.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SchoolYearReport {
    pub dry_run: bool,
    pub group: String,
    pub new_group: String,
    pub moved: Vec<PatronView>,
    pub left: Vec<PatronView>,
}

/// The end of the school year for one group, in one step: those of `group` whose card is
/// in `cards` move to `new_group`; the others of `group` leave (deactivated, their history
/// kept). A listed card not in the group is refused (409, nothing written).
#[utoipa::path(tag = "patrons", security(("bearer" = []), ("access_token" = [])), request_body = SchoolYearRequest, responses(
    (status = 200, description = "Done, or (dry run) what would be", body = Envelope<SchoolYearReport>),
    (status = 409, description = "Cards listed that are not in the group (`cards_not_in_group`); nothing was changed", body = ErrorEnvelope),
))]
#[post("/patrons/school-year", data = "<body>")]
pub(crate) async fn school_year(
    staff: Librarian,
    db: &State<Db>,
    config: &State<Config>,
    body: Fields<SchoolYearRequest>,
) -> Reply {
    let policy = crate::services::lending::Policy::from_config(config);
    let request = body.0;
    let mut problems = crate::views::input::Problems::default();
    let group = problems.required("group", request.group.as_deref(), |raw| {
        optional(raw, MAX_GROUP)?.ok_or_else(|| "is required".to_string())
    });
    let new_group = problems.required("new_group", request.new_group.as_deref(), |raw| {
        optional(raw, MAX_GROUP)?.ok_or_else(|| "is required".to_string())
    });
    let cards = match request.cards {
        None => {
            problems.note("cards", "is required: the card numbers of those staying");
            None
        }
        Some(cards) if cards.is_empty() => {
            problems.note(
                "cards",
                "must list at least one card of those staying; to let a whole group go, \
                 mark them as left on the patron list",
            );
            None
        }
        Some(cards) if cards.iter().any(|c| c.trim().is_empty()) => {
            problems.note("cards", "has an empty entry: list card numbers only");
            None
        }
        Some(cards) if cards.len() > MAX_ROWS => {
            problems.note("cards", format!("must list at most {MAX_ROWS} cards"));
            None
        }
        // A code that cannot be a card is no card of the group: refused with the others.
        Some(cards) => Some(
            cards
                .iter()
                .map(|c| c.trim().to_lowercase())
                .filter(|c| !c.is_empty())
                .collect::<Vec<_>>(),
        ),
    };
    let (Some(group), Some(new_group), Some(cards), true) =
        (group, new_group, cards, problems.is_empty())
    else {
        return Err(problems.into_error());
    };
    let dry_run = request.dry_run;
    let staff = staff.0;
    let work = move |conn: &Connection| -> ApiResult<SchoolYearReport> {
        let members = user::members_in_group(conn, &group)?;
        let card_of = |p: &User| p.card_number.as_deref().map(str::to_lowercase);
        let strangers: Vec<&String> = cards
            .iter()
            .filter(|card| !members.iter().any(|p| card_of(p).as_ref() == Some(*card)))
            .collect();
        if !strangers.is_empty() {
            let list = strangers
                .iter()
                .map(|s| s.to_uppercase())
                .collect::<Vec<_>>();
            return Err(Refusal::new(
                "cards_not_in_group",
                "cards",
                format!("not in {group}: {}; nothing was changed", list.join(", ")),
            )
            .param("cards", list)
            .into());
        }
        let (stay, go): (Vec<User>, Vec<User>) = members
            .into_iter()
            .filter(|p| p.status != PatronStatus::Left && p.erased_at.is_none())
            .partition(|p| card_of(p).is_some_and(|c| cards.contains(&c)));
        if !dry_run {
            for patron in &stay {
                let mut record = current_record(patron);
                record.group = Some(new_group.clone());
                user::save_patron(conn, patron.id, &record)?;
                audit::record(
                    conn,
                    &staff,
                    Action::new("patron.update", "patron", patron.id.get())
                        .patron(patron.id)
                        .detail(format!("moved from {group} to {new_group}")),
                )?;
            }
            for patron in &go {
                user::set_status(conn, patron.id, PatronStatus::Left)?;
                crate::services::lending::cancel_holds_of(conn, policy, patron.id, now())?;
                audit::record(
                    conn,
                    &staff,
                    Action::new("patron.leave", "patron", patron.id.get())
                        .patron(patron.id)
                        .detail(format!("end of the school year in {group}")),
                )?;
            }
            audit::record(
                conn,
                &staff,
                Action {
                    action: "patron.school_year",
                    subject_type: "patron",
                    subject_id: None,
                    patron_id: None,
                    detail: format!(
                        "{group} → {new_group}: {} moved, {} left",
                        stay.len(),
                        go.len()
                    ),
                },
            )?;
        }
        let view = |list: &[User]| -> ApiResult<Vec<PatronView>> {
            list.iter()
                .map(|p| {
                    let now = user::find(conn, p.id)?.ok_or(AppError::NotFound)?;
                    Ok(PatronView::new(&now))
                })
                .collect()
        };
        Ok(SchoolYearReport {
            dry_run,
            group: group.clone(),
            new_group: new_group.clone(),
            moved: view(&stay)?,
            left: view(&go)?,
        })
    };
    let report = match dry_run {
        true => db.run(move |conn| work(conn)).await?,
        false => db.write(move |tx| work(tx)).await?,
    };
    let message = if dry_run {
        "PREVIEW SCHOOL YEAR"
    } else {
        "SCHOOL YEAR"
    };
    Ok(Success::ok(message, report))
}
