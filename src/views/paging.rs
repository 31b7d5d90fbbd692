//! `?page=&per_page=` as typed values: numbers in range, or a 400 naming the field.

use crate::error::{AppError, FieldErrors};
use crate::models::Page;
use crate::views::envelope::Meta;

pub const DEFAULT_PER_PAGE: u32 = 20;
pub const MAX_PER_PAGE: u32 = 100;
const MAX_PAGE: u32 = 1_000_000;

pub fn parse(page: Option<&str>, per_page: Option<&str>) -> Result<Page, AppError> {
    let mut errors = FieldErrors::new();
    let mut number = |field: &str, raw: Option<&str>, default: u32, max: u32| match raw {
        None => default,
        Some(raw) => match raw.parse::<u32>() {
            Ok(n) if (1..=max).contains(&n) => n,
            _ => {
                errors.insert(
                    field.into(),
                    format!("must be a whole number from 1 to {max}"),
                );
                default
            }
        },
    };
    let page = number("page", page, 1, MAX_PAGE);
    let per_page = number("per_page", per_page, DEFAULT_PER_PAGE, MAX_PER_PAGE);
    if errors.is_empty() {
        Ok(Page { page, per_page })
    } else {
        Err(AppError::Invalid(errors))
    }
}

pub fn meta(page: Page, total: i64) -> Meta {
    Meta {
        page: page.page,
        per_page: page.per_page,
        total,
        total_capped: false,
    }
}

/// `meta` for a count that stopped at its cap: `total` is then "at least".
pub fn capped_meta(page: Page, total: i64, capped: bool) -> Meta {
    Meta {
        total_capped: capped,
        ..meta(page, total)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_bounds() {
        assert_eq!(
            parse(None, None).unwrap(),
            Page {
                page: 1,
                per_page: 20
            }
        );
        assert_eq!(
            parse(Some("3"), Some("100")).unwrap(),
            Page {
                page: 3,
                per_page: 100
            }
        );
        for (page, per_page) in [
            ("0", "1"),
            ("1", "0"),
            ("1", "101"),
            ("x", "1"),
            ("1", "-5"),
            ("1.5", "1"),
        ] {
            assert!(
                parse(Some(page), Some(per_page)).is_err(),
                "{page} {per_page}"
            );
        }
    }
}
