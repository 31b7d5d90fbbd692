//! Finding books: the full-text search, the filters, the sort keys and one page of the
//! result (remembered until the catalogue changes; see `search_pages`).

use std::sync::LazyLock;

use rusqlite::types::Value;
use rusqlite::{params_from_iter, Connection};

use super::tag_sets::{self, with_tag_set};
use super::{Book, COLUMNS, IS_AVAILABLE};
use crate::domain::{BookId, Isbn13};
use crate::error::{ApiResult, AppError};
use crate::models::{search_pages, Page};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortKey {
    Title,
    Author,
    PublishedYear,
    CreatedAt,
}

impl SortKey {
    pub fn parse(raw: &str) -> Option<SortKey> {
        match raw {
            "title" => Some(SortKey::Title),
            "author" => Some(SortKey::Author),
            "published_year" => Some(SortKey::PublishedYear),
            "created_at" => Some(SortKey::CreatedAt),
            _ => None,
        }
    }

    /// Each expression matches an index, so a sorted page reads only its own rows.
    fn column(self) -> &'static str {
        match self {
            SortKey::Title => "b.title COLLATE NOCASE",
            SortKey::Author => "b.author COLLATE NOCASE",
            SortKey::PublishedYear => "b.published_year",
            SortKey::CreatedAt => "b.created_at",
        }
    }
}

/// What the search text asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SearchText {
    /// An FTS5 MATCH expression built by `match_expression`.
    Words(String),
    Isbn(Isbn13),
    /// Text with no searchable word in it: matches nothing.
    Nothing,
}

impl SearchText {
    pub fn from_query(q: &str) -> SearchText {
        if let Ok(isbn) = Isbn13::parse(q) {
            return SearchText::Isbn(isbn);
        }
        match match_expression(q) {
            Some(expression) => SearchText::Words(expression),
            None => SearchText::Nothing,
        }
    }
}

/// Turns what a person typed into an FTS5 expression: all these words, the last also as a
/// prefix, as it may be half typed (`the night gard` finds "The Night Garden"). Each run of
/// letters and digits becomes a quoted string, so FTS5 operators, column filters and stray
/// quotes in the text are just text. Only the last word is a prefix: a prefix is read as
/// the whole list of every word it starts (all 80,000 books with a word in "the…", for a
/// leading "the"), where a whole word is read only as far as the other words need. A
/// single letter is never a prefix. None when the text holds no word at all.
pub fn match_expression(q: &str) -> Option<String> {
    const MAX_WORDS: usize = 16;
    let words: Vec<&str> = q
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .take(MAX_WORDS)
        .collect();
    let last = words.len().checked_sub(1)?;
    let quoted: Vec<String> = words
        .iter()
        .enumerate()
        .map(|(at, w)| {
            let prefix = if at == last && w.chars().count() > 1 {
                "*"
            } else {
                ""
            };
            format!("\"{}\"{prefix}", w.replace('"', "\"\""))
        })
        .collect();
    Some(quoted.join(" "))
}

#[derive(Debug, Clone, Default)]
pub struct Search {
    pub text: Option<SearchText>,
    pub author: Option<String>,
    pub tag: Option<String>,
    pub language: Option<String>,
    pub available_only: bool,
    pub sort: Option<SortKey>,
    pub descending: bool,
}

/// How well a book matches, by bm25 with a weight for each column of the full-text index, in
/// their order (migrations 002 and 006):
/// title, author, description, tags, isbn, subtitle, series. A title match weighs most.
const RANK: &str = "bm25(books_fts, 10.0, 5.0, 1.0, 3.0, 1.0, 5.0, 3.0)";

static TOO_MANY_TO_SORT: LazyLock<String> = LazyLock::new(|| {
    format!(
        "more than {ANSWERED} books match, too many to sort; add a word to the search, or \
         leave out sort to have the newest first"
    )
});

/// How far the catalogue answers: pages go as deep as this many books (page × per_page),
/// a count stops here (`total_capped` then says more match), and a search ranks or sorts
/// at most this many matches. Past it, work grows with the catalogue: at 200,000 books
/// reaching the 40,000th book of a filtered listing took over a second, and ranking or
/// sorting the 80,000 matches of "the" a tenth of one. Nobody pages that far; a narrower
/// search reaches every book.
pub const ANSWERED: i64 = 1_000;
pub const MAX_DEPTH: i64 = ANSWERED;
pub const COUNT_CAP: i64 = ANSWERED;

/// One page of the books `search` selects, and how many it selects in all (at most
/// `COUNT_CAP`; the flag says when more match). Without a sort key, found books come by
/// relevance (bm25, a title match weighing most) while they are at most `ANSWERED`, else
/// newest first, which the full-text index reads in its own order; a plain listing comes
/// by title. A search finding more than `ANSWERED` books cannot be sorted (400).
pub fn list(conn: &Connection, search: &Search, page: Page) -> ApiResult<Listing> {
    // Only `available` depends on more than the catalogue; without it, the count and the
    // order are remembered until the catalogue changes, every page there is included
    // (the leading ids go as deep as pages do). The version is read first, so a change landing while the
    // search runs makes what is kept old, never wrong.
    let remembered = (!search.available_only)
        .then(|| -> ApiResult<_> {
            let key = format!("{search:?}");
            let version = search_pages::catalogue_version(conn)?;
            Ok((key, version))
        })
        .transpose()?;
    if let Some((key, version)) = &remembered {
        if let Some((total, leading)) = search_pages::get(conn, key, *version)? {
            return listing(conn, total, &leading, page);
        }
    }
    let mut conditions: Vec<String> = Vec::new();
    let mut values: Vec<Value> = Vec::new();
    let mut words = None;
    match &search.text {
        None => {}
        Some(SearchText::Nothing) => return Ok(Listing::default()),
        Some(SearchText::Isbn(isbn)) => {
            conditions.push("b.isbn = ?".into());
            values.push(Value::Text(isbn.as_str().to_string()));
        }
        Some(SearchText::Words(expression)) => words = Some(expression.clone()),
    }
    if let Some(author) = &search.author {
        conditions.push("b.author = ? COLLATE NOCASE".into());
        values.push(Value::Text(author.clone()));
    }
    if let Some(language) = &search.language {
        conditions.push("b.language = ? COLLATE NOCASE".into());
        values.push(Value::Text(language.clone()));
    }
    // Read from the sort index itself, so it goes before the tag's lookups.
    if search.available_only {
        conditions.push(IS_AVAILABLE.clone());
    }
    // A bit test a book passed (see `tag_sets`).
    let tagged = match &search.tag {
        Some(tag) => {
            conditions.push("in_tag_set(b.id)".into());
            let version = search_pages::catalogue_version(conn)?;
            Some(tag_sets::tag_set(conn, tag, version)?)
        }
        None => None,
    };
    let direction = if search.descending { "DESC" } else { "ASC" };
    // One pass reads the leading ids, one past the most ever answered: their number is the
    // (capped) total, and they hold every page there is. A count first would walk the
    // same rows twice.
    let leading = with_tag_set(tagged, || -> ApiResult<Vec<BookId>> {
        Ok(match words {
            None => {
                let plan = Plan {
                    from: "books b",
                    id: "b.id",
                    order: match search.sort {
                        Some(key) => format!("{} {direction}, b.id {direction}", key.column()),
                        None => format!("b.title COLLATE NOCASE {direction}, b.id {direction}"),
                    },
                    conditions,
                    values,
                };
                plan.leading(conn)?
            }
            // Several words seldom match many: the ranks come with the first pass, which
            // reads every match anyway when they are few, rather than in a second pass
            // over the same matches (a third off the slowest such search). One word may
            // match tens of thousands, whose ranks the newest-first pass does not need.
            Some(expression) if search.sort.is_none() && several_words(&expression) => {
                let mut scored = Plan::matching(&expression, &conditions, &values, false)
                    .ordered_by("books_fts.rowid DESC".into())
                    .scored(conn)?;
                if scored.len() as i64 <= ANSWERED {
                    scored.sort_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)));
                    if search.descending {
                        scored.reverse();
                    }
                }
                scored.into_iter().map(|(id, _)| id).collect()
            }
            Some(expression) => {
                // Newest first is the full-text index's own order: it stops as soon as enough
                // are found. Only a search that turns out small is ranked or sorted.
                let newest = Plan::matching(&expression, &conditions, &values, false)
                    .ordered_by("books_fts.rowid DESC".into())
                    .leading(conn)?;
                let few = newest.len() as i64 <= ANSWERED;
                match search.sort {
                    _ if newest.is_empty() => newest,
                    Some(_) if !few => {
                        return Err(AppError::invalid("sort", TOO_MANY_TO_SORT.as_str()))
                    }
                    Some(key) => Plan::matching(&expression, &conditions, &values, true)
                        .ordered_by(format!("{} {direction}, b.id {direction}", key.column()))
                        .leading(conn)?,
                    None if few => Plan::matching(&expression, &conditions, &values, false)
                        .ordered_by(format!("{RANK} {direction}, books_fts.rowid {direction}"))
                        .leading(conn)?,
                    None => newest,
                }
            }
        })
    })?;
    let total = leading.len() as i64;
    if let Some((key, version)) = remembered {
        search_pages::put(conn, &key, version, total, &leading)?;
    }
    listing(conn, total, &leading, page)
}

/// Whether a full-text expression (`match_expression`'s) has more than one word.
fn several_words(expression: &str) -> bool {
    expression.contains("\" \"")
}

/// The page of `leading` (a search's leading ids) asked for.
fn listing(conn: &Connection, total: i64, leading: &[BookId], page: Page) -> ApiResult<Listing> {
    let ids: Vec<BookId> = leading
        .iter()
        .skip(page.offset() as usize)
        .take(page.limit() as usize)
        .copied()
        .collect();
    Ok(Listing {
        books: find_many(conn, &ids)?,
        total: total.min(COUNT_CAP),
        total_capped: total > COUNT_CAP,
    })
}

/// A page of books and how many the search selects (capped at `COUNT_CAP`).
#[derive(Debug, Default)]
pub struct Listing {
    pub books: Vec<Book>,
    pub total: i64,
    /// More than `total` match.
    pub total_capped: bool,
}

/// One way to read a listing: the rows, the conditions and their values, and the order.
struct Plan {
    from: &'static str,
    id: &'static str,
    order: String,
    conditions: Vec<String>,
    values: Vec<Value>,
}

impl Plan {
    /// The books whose indexed text matches `expression`. The full-text index alone can
    /// count and rank its matches; books joins in only when a condition or the order
    /// (`join`) reads its columns.
    fn matching(expression: &str, conditions: &[String], values: &[Value], join: bool) -> Plan {
        let mut all = vec!["books_fts MATCH ?".to_string()];
        all.extend(conditions.iter().cloned());
        let mut bound = vec![Value::Text(expression.to_string())];
        bound.extend(values.iter().cloned());
        let (from, id) = if conditions.is_empty() && !join {
            ("books_fts", "books_fts.rowid")
        } else {
            (
                "books_fts JOIN books b ON b.id = books_fts.rowid",
                "books_fts.rowid",
            )
        };
        Plan {
            from,
            id,
            order: String::new(),
            conditions: all,
            values: bound,
        }
    }

    fn ordered_by(self, order: String) -> Plan {
        Plan { order, ..self }
    }

    fn filter(&self) -> String {
        if self.conditions.is_empty() {
            String::new()
        } else {
            format!("WHERE {}", self.conditions.join(" AND "))
        }
    }

    /// The statement reading `columns` of the leading matches, one more than the most ever
    /// answered.
    fn sql(&self, columns: &str) -> String {
        format!(
            "SELECT {columns} FROM {} {} ORDER BY {} LIMIT {}",
            self.from,
            self.filter(),
            self.order,
            ANSWERED + 1
        )
    }

    /// The leading ids in order, one more than the most ever answered (`ANSWERED`). Ids
    /// first, then each book by id: sorting whole rows would work out every match's
    /// columns, `available` included, to keep only one page.
    fn leading(self, conn: &Connection) -> ApiResult<Vec<BookId>> {
        Ok(conn
            .prepare_cached(&self.sql(self.id))?
            .query_map(params_from_iter(self.values.iter()), |r| {
                r.get::<_, BookId>(0)
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?)
    }

    /// `leading` with each match's rank (`RANK`: lower is better) beside its id; for
    /// full-text plans only.
    fn scored(self, conn: &Connection) -> ApiResult<Vec<(BookId, f64)>> {
        Ok(conn
            .prepare_cached(&self.sql(&format!("{}, {RANK}", self.id)))?
            .query_map(params_from_iter(self.values.iter()), |r| {
                Ok((r.get::<_, BookId>(0)?, r.get::<_, f64>(1)?))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?)
    }
}

/// The books with these ids, in this order, in one statement. A book deleted since its
/// id was read is left out.
fn find_many(conn: &Connection, ids: &[BookId]) -> ApiResult<Vec<Book>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT {} FROM books b WHERE b.id IN (SELECT value FROM json_each(?1))",
        *COLUMNS
    );
    let list = id_list(ids);
    let mut found = conn
        .prepare_cached(&sql)?
        .query_map([list], Book::from_row)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    found.sort_by_key(|book| ids.iter().position(|id| *id == book.id));
    Ok(found)
}

fn id_list(ids: &[BookId]) -> String {
    let items: Vec<String> = ids.iter().map(BookId::to_string).collect();
    format!("[{}]", items.join(","))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::book::{BookData, FieldValue};
    use crate::models::book::{delete, update};

    #[test]
    fn every_word_is_a_quoted_prefix() {
        assert_eq!(
            match_expression("pars tree").as_deref(),
            Some("\"pars\" \"tree\"*")
        );
        assert_eq!(
            match_expression("a\"b NEAR(c) title:d -e").as_deref(),
            Some("\"a\" \"b\" \"NEAR\" \"c\" \"title\" \"d\" \"e\"")
        );
        assert_eq!(match_expression("  \"(*)\" 🦀 "), None);
    }

    fn catalogue() -> Connection {
        crate::db::open_migrated_in_memory().unwrap()
    }

    fn titled(title: &str) -> BookData {
        let mut data = BookData::build(|field| match field.name {
            "title" | "author" => Ok(FieldValue::Text(Some("Ann Author".into()))),
            _ => field.absent(),
        })
        .unwrap();
        data.title = title.into();
        data
    }

    /// (total, [(id, available)]) of the first page for `q`.
    fn found(conn: &Connection, q: &str) -> (i64, Vec<(BookId, i64)>) {
        let search = Search {
            text: Some(SearchText::from_query(q)),
            ..Search::default()
        };
        let found = list(
            conn,
            &search,
            Page {
                page: 1,
                per_page: 20,
            },
        )
        .unwrap();
        let books = found.books.iter().map(|b| (b.id, b.available));
        (found.total, books.collect())
    }

    /// A book with one copy on the shelf.
    fn insert(conn: &Connection, data: &BookData) -> ApiResult<crate::domain::BookId> {
        let id = crate::models::book::insert(conn, data)?;
        let code = crate::models::item::next_barcode(conn, "")?;
        crate::models::item::insert(conn, id, &code, &Default::default())?;
        Ok(id)
    }

    #[test]
    fn a_remembered_search_follows_every_change() {
        let conn = catalogue();
        let train = insert(&conn, &titled("Night Train")).unwrap();
        assert_eq!(found(&conn, "night"), (1, vec![(train, 1)]));
        assert_eq!(found(&conn, "night"), (1, vec![(train, 1)]));
        let owl = insert(&conn, &titled("Night")).unwrap();
        assert_eq!(found(&conn, "night"), (2, vec![(owl, 1), (train, 1)]));
        update(&conn, train, &titled("Day Train")).unwrap();
        assert_eq!(found(&conn, "night"), (1, vec![(owl, 1)]));
        assert_eq!(found(&conn, "day"), (1, vec![(train, 1)]));
        // A loan changes no ranking, but what the page says of each book is read fresh.
        conn.execute_batch(&format!(
            "INSERT INTO users (id, username, email, password_hash, created_at, modified_at)
                 VALUES (1, 'ann', 'ann@example.org', 'x', 0, 0);
             INSERT INTO loans (book_id, user_id, borrowed_at, due_at) VALUES ({owl}, 1, 0, 9);
             UPDATE items SET status = 'on_loan' WHERE book_id = {owl};"
        ))
        .unwrap();
        assert_eq!(found(&conn, "night"), (1, vec![(owl, 0)]));
        conn.execute("DELETE FROM loans", []).unwrap();
        delete(&conn, owl).unwrap();
        assert_eq!(found(&conn, "night"), (0, vec![]));
    }

    #[test]
    fn an_isbn_query_is_an_isbn() {
        assert!(matches!(
            SearchText::from_query("0-306-40615-2"),
            SearchText::Isbn(_)
        ));
        assert!(matches!(
            SearchText::from_query("parsing"),
            SearchText::Words(_)
        ));
    }
}
