//! M: plain structs and every SQL statement. Functions are synchronous and take a
//! connection or transaction, so callers choose the transaction and the thread.

pub mod audit;
pub mod book;
pub mod calendar;
pub mod hold;
pub mod item;
pub mod library_settings;
pub mod loan;
pub mod loan_rules;
pub mod notice;
pub mod password_reset;
pub mod search_pages;
pub mod setting;
pub mod user;

/// Seconds since the Unix epoch, the unit every timestamp column uses.
pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// One page of a listing: which page, how many on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Page {
    pub page: u32,
    pub per_page: u32,
}

impl Page {
    pub fn limit(self) -> i64 {
        self.per_page as i64
    }

    pub fn offset(self) -> i64 {
        (self.page as i64 - 1) * self.per_page as i64
    }
}

/// Escapes `%`, `_` and `\` so user text matches literally in `LIKE … ESCAPE '\'`.
pub fn like_prefix(text: &str) -> String {
    let mut pattern = String::with_capacity(text.len() + 1);
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}
