//! The rules of a physical copy (an item) and of the codes the desk scans: item barcodes and
//! patron card numbers.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Where a copy is. The one truth about availability: lending reads and writes this.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ItemStatus {
    Available,
    OnLoan,
    OnHoldShelf,
    InTransit,
    InRepair,
    Lost,
    Missing,
    Withdrawn,
}

impl ItemStatus {
    pub const ALL: [ItemStatus; 8] = [
        ItemStatus::Available,
        ItemStatus::OnLoan,
        ItemStatus::OnHoldShelf,
        ItemStatus::InTransit,
        ItemStatus::InRepair,
        ItemStatus::Lost,
        ItemStatus::Missing,
        ItemStatus::Withdrawn,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ItemStatus::Available => "available",
            ItemStatus::OnLoan => "on_loan",
            ItemStatus::OnHoldShelf => "on_hold_shelf",
            ItemStatus::InTransit => "in_transit",
            ItemStatus::InRepair => "in_repair",
            ItemStatus::Lost => "lost",
            ItemStatus::Missing => "missing",
            ItemStatus::Withdrawn => "withdrawn",
        }
    }

    pub fn parse(raw: &str) -> Result<ItemStatus, String> {
        ItemStatus::ALL
            .into_iter()
            .find(|s| s.as_str() == raw)
            .ok_or_else(|| {
                let names: Vec<&str> = ItemStatus::ALL.iter().map(|s| s.as_str()).collect();
                format!("must be one of {}", names.join(", "))
            })
    }

    /// Counted among the book's copies: everything but withdrawn, lost and missing.
    pub fn is_copy(self) -> bool {
        !matches!(
            self,
            ItemStatus::Withdrawn | ItemStatus::Lost | ItemStatus::Missing
        )
    }

    /// In words, for messages: "on loan", "in repair".
    pub fn words(self) -> &'static str {
        match self {
            ItemStatus::Available => "on the shelf",
            ItemStatus::OnLoan => "on loan",
            ItemStatus::OnHoldShelf => "on the hold shelf",
            ItemStatus::InTransit => "in transit",
            ItemStatus::InRepair => "in repair",
            ItemStatus::Lost => "marked lost",
            ItemStatus::Missing => "marked missing",
            ItemStatus::Withdrawn => "withdrawn",
        }
    }
}

impl fmt::Display for ItemStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A code a scanner reads off a label: an item's barcode or a patron's card number.
/// 1–32 characters of letters, digits and `-` `.` `/` `_` (what Code 128 and Code 39 labels
/// carry and a keyboard-wedge scanner types), padding trimmed. Letter case is kept for
/// printing; uniqueness ignores it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Barcode(String);

impl Barcode {
    pub const MAX_LEN: usize = 32;

    pub fn parse(raw: &str) -> Result<Barcode, String> {
        let value = raw.trim();
        if value.is_empty() {
            return Err("is required".into());
        }
        if value.chars().count() > Self::MAX_LEN {
            return Err(format!("must be at most {} characters", Self::MAX_LEN));
        }
        if !value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '/' | '_'))
        {
            return Err("may hold only letters, digits and - . / _".into());
        }
        Ok(Barcode(value.to_string()))
    }

    /// `prefix` and `number`, the number at least six digits: "000123", "LIB000123".
    pub fn numbered(prefix: &str, number: i64) -> Result<Barcode, String> {
        Barcode::parse(&format!("{prefix}{number:06}"))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Barcode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

pub const MAX_LOCATION: usize = 100;
pub const MAX_NOTE: usize = 1_000;
/// A copy's price, in cents: at most a million in the library's currency.
pub const MAX_PRICE_CENTS: i64 = 100_000_000;

/// A price as sent (a number such as 12.5), in whole cents; more than two decimals is an
/// error rather than a rounding.
pub fn price_cents(price: f64) -> Result<i64, String> {
    let cents = (price * 100.0).round();
    let max = MAX_PRICE_CENTS as f64 / 100.0;
    if !price.is_finite() || price < 0.0 || price > max {
        return Err(format!("must be an amount from 0 to {max:.0}"));
    }
    if (cents - price * 100.0).abs() > 1e-6 {
        return Err("must have at most two decimals".into());
    }
    Ok(cents as i64)
}

/// A calendar date written YYYY-MM-DD, checked to exist.
pub fn date(raw: &str) -> Result<String, String> {
    let raw = raw.trim();
    let bad = || "must be a date written YYYY-MM-DD".to_string();
    let parts: Vec<&str> = raw.split('-').collect();
    let [y, m, d] = parts.as_slice() else {
        return Err(bad());
    };
    if y.len() != 4 || m.len() != 2 || d.len() != 2 {
        return Err(bad());
    }
    let (Ok(year), Ok(month), Ok(day)) = (y.parse::<u32>(), m.parse::<u32>(), d.parse::<u32>())
    else {
        return Err(bad());
    };
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return Err(bad()),
    };
    if !(1..=days).contains(&day) || year == 0 {
        return Err(bad());
    }
    Ok(raw.to_string())
}

/// The UTC calendar day of a Unix time, YYYY-MM-DD (the civil-from-days algorithm).
pub fn day_of(at: i64) -> String {
    let days = at.div_euclid(86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn barcodes_are_what_a_scanner_types() {
        assert_eq!(Barcode::parse(" 000123 ").unwrap().as_str(), "000123");
        assert_eq!(Barcode::numbered("LIB", 42).unwrap().as_str(), "LIB000042");
        assert_eq!(Barcode::numbered("", 1234567).unwrap().as_str(), "1234567");
        assert!(Barcode::parse("").is_err());
        assert!(Barcode::parse("a b").is_err());
        assert!(Barcode::parse("é1").is_err());
        assert!(Barcode::parse(&"1".repeat(33)).is_err());
    }

    #[test]
    fn statuses_round_trip_and_count_copies() {
        for status in ItemStatus::ALL {
            assert_eq!(ItemStatus::parse(status.as_str()), Ok(status));
        }
        assert!(ItemStatus::parse("gone").is_err());
        assert!(ItemStatus::OnLoan.is_copy());
        assert!(!ItemStatus::Lost.is_copy());
    }

    #[test]
    fn prices_are_cents_and_dates_exist() {
        assert_eq!(price_cents(12.5), Ok(1250));
        assert_eq!(price_cents(0.0), Ok(0));
        assert!(price_cents(1.005).is_err());
        assert!(price_cents(-1.0).is_err());
        assert!(price_cents(f64::NAN).is_err());
        assert_eq!(date("2024-02-29").as_deref(), Ok("2024-02-29"));
        assert!(date("2023-02-29").is_err());
        assert!(date("2023-2-1").is_err());
        assert!(date("yesterday").is_err());
        assert_eq!(day_of(0), "1970-01-01");
        assert_eq!(day_of(951_782_400), "2000-02-29");
        assert_eq!(day_of(1_796_083_199), "2026-11-30");
    }
}
