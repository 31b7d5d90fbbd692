//! Whole answers of the public catalogue listing (`GET /books`), kept while the database
//! stands still.
//!
//! The first page of the catalogue, and a word many readers type, are asked for again and
//! again; each time the page's books were read, their copies counted and the page turned
//! into JSON, to send the same bytes as before. An answer is kept under the database's
//! `data_version` (see `Db::data_version`), read before the answer is worked out, so a
//! commit from anywhere (a loan, an edit, the command line importing) retires every kept
//! answer, and a kept answer is never older than what it was filed under. Availability
//! also moves with the clock alone (a ready hold lapses), so nothing is kept longer than
//! `FRESH_FOR`.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How long an answer is kept at most, even while nothing commits.
const FRESH_FOR: Duration = Duration::from_secs(1);
/// All kept answers together are at most this many bytes; the oldest go first.
const BUDGET: usize = 2 << 20;
/// A larger answer (a full page of long descriptions) is not kept.
const LARGEST: usize = 256 << 10;

#[derive(Default)]
pub struct Answers {
    kept: Mutex<Kept>,
}

#[derive(Default)]
struct Kept {
    /// The data version every kept answer was worked out at or after.
    version: i64,
    bytes: usize,
    answers: HashMap<String, (Instant, Vec<u8>)>,
    /// Keys, oldest first.
    order: VecDeque<String>,
}

impl Kept {
    fn clear(&mut self, version: i64) {
        self.version = version;
        self.bytes = 0;
        self.answers.clear();
        self.order.clear();
    }
}

impl Answers {
    /// The answer kept for `key`, if the database is still at `version` and it is fresh.
    pub fn get(&self, key: &str, version: i64) -> Option<Vec<u8>> {
        let kept = self.kept.lock().ok()?;
        if kept.version != version {
            return None;
        }
        let (at, body) = kept.answers.get(key)?;
        (at.elapsed() < FRESH_FOR).then(|| body.clone())
    }

    /// Keeps `body` as the answer for `key`, worked out after the database was at
    /// `version`. An answer filed under an older version than those kept is dropped.
    pub fn put(&self, key: String, version: i64, body: &[u8]) {
        if body.len() > LARGEST {
            return;
        }
        let Ok(mut kept) = self.kept.lock() else {
            return;
        };
        if version < kept.version {
            return;
        }
        if version != kept.version {
            kept.clear(version);
        }
        if let Some((_, old)) = kept.answers.remove(&key) {
            kept.bytes -= old.len();
            kept.order.retain(|k| k != &key);
        }
        while kept.bytes + body.len() > BUDGET {
            let Some(oldest) = kept.order.pop_front() else {
                break;
            };
            if let Some((_, old)) = kept.answers.remove(&oldest) {
                kept.bytes -= old.len();
            }
        }
        kept.bytes += body.len();
        kept.order.push_back(key.clone());
        kept.answers.insert(key, (Instant::now(), body.to_vec()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_answer_lasts_as_long_as_its_version() {
        let answers = Answers::default();
        answers.put("a".into(), 7, b"first");
        assert_eq!(answers.get("a", 7).as_deref(), Some(&b"first"[..]));
        assert_eq!(answers.get("b", 7), None);
        // Anything committed since: the kept answer is not used, and goes.
        assert_eq!(answers.get("a", 8), None);
        answers.put("b".into(), 8, b"second");
        assert_eq!(answers.get("a", 7), None);
        // Worked out before that commit: never kept over a newer one.
        answers.put("a".into(), 7, b"stale");
        assert_eq!(answers.get("a", 8), None);
        assert_eq!(answers.get("b", 8).as_deref(), Some(&b"second"[..]));
    }

    #[test]
    fn the_oldest_answers_make_room() {
        let answers = Answers::default();
        let big = vec![b'x'; LARGEST];
        for n in 0..(BUDGET / LARGEST + 2) {
            answers.put(format!("page {n}"), 1, &big);
        }
        assert_eq!(answers.get("page 0", 1), None);
        assert!(answers
            .get(&format!("page {}", BUDGET / LARGEST + 1), 1)
            .is_some());
        let kept = answers.kept.lock().unwrap();
        assert!(kept.bytes <= BUDGET);
        assert_eq!(kept.bytes, kept.answers.len() * LARGEST);
        drop(kept);
        answers.put("too big".into(), 1, &vec![b'x'; LARGEST + 1]);
        assert_eq!(answers.get("too big", 1), None);
    }
}
