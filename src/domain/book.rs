//! The rules a book's fields obey, shared by the HTTP API and the CSV importer so that an
//! imported book could equally have been typed in.

use super::Isbn13;

pub const MAX_TITLE: usize = 500;
pub const MAX_AUTHOR: usize = 500;
pub const MAX_PUBLISHER: usize = 200;
pub const MAX_LANGUAGE: usize = 50;
pub const MAX_DESCRIPTION: usize = 10_000;
pub const MAX_TAGS: usize = 50;
pub const MAX_TAG: usize = 50;
pub const MAX_COPIES: i64 = 100_000;
pub const MIN_YEAR: i64 = -3000;
/// A fixed bound rather than "this year + n", so the published contract does not drift.
pub const MAX_YEAR: i64 = 2100;

/// Everything a client may set on a book, already checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BookData {
    pub title: String,
    pub author: String,
    pub isbn: Option<Isbn13>,
    pub publisher: Option<String>,
    pub published_year: Option<i64>,
    pub language: Option<String>,
    pub description: Option<String>,
    pub tags: Vec<String>,
    pub copies: i64,
}

/// Measured as sent, before the padding is trimmed, so the limit is the one the API
/// documents for what a client sends.
fn bounded(raw: &str, max: usize) -> Result<String, String> {
    if raw.chars().count() > max {
        return Err(format!("must be at most {max} characters"));
    }
    let value = raw.trim();
    if value
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t')
    {
        return Err("must not contain control characters".into());
    }
    Ok(value.to_string())
}

fn required(raw: &str, max: usize) -> Result<String, String> {
    let value = bounded(raw, max)?;
    if value.is_empty() {
        return Err("is required".into());
    }
    Ok(value)
}

pub fn title(raw: &str) -> Result<String, String> {
    required(raw, MAX_TITLE)
}

pub fn author(raw: &str) -> Result<String, String> {
    required(raw, MAX_AUTHOR)
}

/// Optional text: blank means "none".
pub fn optional(raw: &str, max: usize) -> Result<Option<String>, String> {
    let value = bounded(raw, max)?;
    Ok((!value.is_empty()).then_some(value))
}

pub fn publisher(raw: &str) -> Result<Option<String>, String> {
    optional(raw, MAX_PUBLISHER)
}

pub fn language(raw: &str) -> Result<Option<String>, String> {
    optional(raw, MAX_LANGUAGE)
}

pub fn description(raw: &str) -> Result<Option<String>, String> {
    // Descriptions are prose: keep their inner line breaks, drop the padding.
    optional(raw, MAX_DESCRIPTION)
}

/// Blank means "none"; otherwise the ISBN must verify.
pub fn isbn(raw: &str) -> Result<Option<Isbn13>, String> {
    if raw.trim().is_empty() {
        return Ok(None);
    }
    Isbn13::parse(raw).map(Some)
}

/// From antiquity (negative years are BCE) to announced titles.
pub fn published_year(year: i64) -> Result<i64, String> {
    if (MIN_YEAR..=MAX_YEAR).contains(&year) {
        Ok(year)
    } else {
        Err(format!("must be a year from {MIN_YEAR} to {MAX_YEAR}"))
    }
}

pub fn copies(copies: i64) -> Result<i64, String> {
    if (0..=MAX_COPIES).contains(&copies) {
        Ok(copies)
    } else {
        Err(format!("must be a whole number from 0 to {MAX_COPIES}"))
    }
}

/// Tags are trimmed, blank ones dropped, repeats (in any letter case) kept once. A comma
/// cannot be part of a tag, because forms and CSV files send tags comma-separated.
pub fn tags<'a>(raw: impl IntoIterator<Item = &'a str>) -> Result<Vec<String>, String> {
    let mut tags: Vec<String> = Vec::new();
    for tag in raw {
        let tag = tag.trim();
        if tag.is_empty() {
            continue;
        }
        if tag.contains(',') {
            return Err("a tag cannot contain a comma".into());
        }
        let tag = bounded(tag, MAX_TAG).map_err(|e| format!("each tag {e}"))?;
        if !tags.iter().any(|t| t.to_lowercase() == tag.to_lowercase()) {
            tags.push(tag);
        }
    }
    if tags.len() > MAX_TAGS {
        return Err(format!("must be at most {MAX_TAGS} tags"));
    }
    Ok(tags)
}

/// Tags written as one comma-separated text.
pub fn tags_from_text(raw: &str) -> Result<Vec<String>, String> {
    tags(raw.split(','))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_are_trimmed_required_and_bounded() {
        assert_eq!(title("  Dune ").unwrap(), "Dune");
        assert!(title("   ").is_err());
        assert!(title(&"x".repeat(MAX_TITLE + 1)).is_err());
        assert!(title(&"é".repeat(MAX_TITLE)).is_ok());
        assert!(title("a\u{0}b").is_err());
    }

    #[test]
    fn tags_are_cleaned() {
        assert_eq!(
            tags_from_text(" sf, Classic ,,SF ,classic").unwrap(),
            vec!["sf", "Classic"]
        );
        assert!(tags(["a,b"]).is_err());
        assert!(tags([&"t".repeat(MAX_TAG + 1) as &str]).is_err());
        let many: Vec<String> = (0..=MAX_TAGS).map(|i| format!("t{i}")).collect();
        assert!(tags(many.iter().map(String::as_str)).is_err());
    }

    #[test]
    fn numbers_have_ranges() {
        assert!(copies(-1).is_err());
        assert!(copies(0).is_ok());
        assert!(published_year(1965).is_ok());
        assert!(published_year(-800).is_ok());
        assert!(published_year(99_999).is_err());
    }
}
