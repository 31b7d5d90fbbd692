//! Which books carry a tag, as a set of ids in memory, for listings filtered by tag.
//!
//! A tag filter walks a sort index and asks of each book whether it has the tag. Asked of
//! `book_tags` (a lookup by tag text, case-blind, then id), that was two microseconds a
//! book: at 200,000 books, 15 ms to find the first 1,000 books of a tag an eighth of them
//! carry. Asked of a set of ids, it is a bit test. The set is read once from the tag's
//! rows in `book_tags`, kept under the catalogue version (which moves with every change
//! to any book or its tags, from any process), and handed to SQLite as the function
//! `in_tag_set(id)` for the one statement that filters by it.

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex};

use rusqlite::functions::FunctionFlags;
use rusqlite::Connection;

use crate::error::ApiResult;

/// Tags whose sets are kept; another one replaces them all. A set is one bit a book id
/// (25 KB at 200,000 books).
const KEPT_TAGS: usize = 16;

/// The ids of the books carrying one tag.
pub struct TagSet {
    bits: Vec<u64>,
}

impl TagSet {
    fn of(ids: impl Iterator<Item = i64>) -> TagSet {
        let mut bits = Vec::new();
        for id in ids.filter_map(|id| usize::try_from(id).ok()) {
            let word = id / 64;
            if word >= bits.len() {
                bits.resize(word + 1, 0);
            }
            bits[word] |= 1 << (id % 64);
        }
        TagSet { bits }
    }

    pub fn contains(&self, id: i64) -> bool {
        usize::try_from(id).is_ok_and(|id| {
            self.bits
                .get(id / 64)
                .is_some_and(|word| word & (1 << (id % 64)) != 0)
        })
    }
}

/// Kept sets by (catalogue version, tag folded to lower case).
type Kept = HashMap<(i64, String), Arc<TagSet>>;

static KEPT: LazyLock<Mutex<Kept>> = LazyLock::new(|| Mutex::new(HashMap::new()));

thread_local! {
    /// The set `in_tag_set` tests against, while one statement runs on this thread.
    static CURRENT: RefCell<Option<Arc<TagSet>>> = const { RefCell::new(None) };
}

/// The books carrying `tag` (compared as `book_tags.tag` is: ASCII case ignored), as the
/// catalogue stands at `version` (read before this, so a change landing meanwhile makes
/// the kept set old, never wrong).
pub fn tag_set(conn: &Connection, tag: &str, version: i64) -> ApiResult<Arc<TagSet>> {
    let key = (version, tag.to_ascii_lowercase());
    if let Some(set) = KEPT.lock().ok().and_then(|kept| kept.get(&key).cloned()) {
        return Ok(set);
    }
    let ids = conn
        .prepare_cached("SELECT book_id FROM book_tags WHERE tag = ?1")?
        .query_map([tag], |r| r.get::<_, i64>(0))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let set = Arc::new(TagSet::of(ids.into_iter()));
    if let Ok(mut kept) = KEPT.lock() {
        if kept.len() >= KEPT_TAGS || kept.keys().any(|(v, _)| *v != version) {
            kept.clear();
        }
        kept.insert(key, Arc::clone(&set));
    }
    Ok(set)
}

/// Runs `work` with `set` as the one `in_tag_set` tests against on this thread.
pub fn with_tag_set<T>(set: Option<Arc<TagSet>>, work: impl FnOnce() -> T) -> T {
    /// Puts the previous set back even if `work` panics.
    struct Restore(Option<Arc<TagSet>>);
    impl Drop for Restore {
        fn drop(&mut self) {
            let previous = self.0.take();
            CURRENT.with(|current| *current.borrow_mut() = previous);
        }
    }
    let _restore = Restore(CURRENT.with(|current| current.replace(set)));
    work()
}

/// Adds `in_tag_set(id)` to a connection: whether the book is in the set `with_tag_set`
/// installed (false when none is).
pub fn register(conn: &Connection) -> rusqlite::Result<()> {
    conn.create_scalar_function(
        "in_tag_set",
        1,
        FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DIRECTONLY,
        |ctx| {
            let id: i64 = ctx.get(0)?;
            Ok(CURRENT.with(|current| current.borrow().as_ref().is_some_and(|s| s.contains(id))))
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_set_holds_exactly_its_ids() {
        let set = TagSet::of([1, 64, 65, 200_000].into_iter());
        for id in [1, 64, 65, 200_000] {
            assert!(set.contains(id), "{id}");
        }
        for id in [0, 2, 63, 66, 199_999, 200_001, -1, i64::MAX] {
            assert!(!set.contains(id), "{id}");
        }
    }

    #[test]
    fn the_function_sees_the_set_only_while_it_is_installed() {
        let conn = Connection::open_in_memory().unwrap();
        register(&conn).unwrap();
        let ask = |id: i64| -> bool {
            conn.query_row("SELECT in_tag_set(?1)", [id], |r| r.get(0))
                .unwrap()
        };
        let set = Arc::new(TagSet::of([3].into_iter()));
        assert!(!ask(3));
        assert!(with_tag_set(Some(set), || ask(3) && !ask(4)));
        assert!(!ask(3));
    }
}
