//! ISBNs: either form in, ISBN-13 digits out, check digit verified.

use std::fmt;

/// A verified ISBN, held as its 13 digits. ISBN-10 input is converted (prefix 978 and a
/// recomputed check digit), so one book has one spelling whatever the client sent.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Isbn13(String);

impl Isbn13 {
    pub fn parse(raw: &str) -> Result<Isbn13, String> {
        let compact: String = raw
            .trim()
            .chars()
            .filter(|c| *c != '-' && !c.is_whitespace())
            .collect();
        // Only ASCII can be an ISBN; checking first also keeps the slicing below on
        // character boundaries (a 10-byte text of accented letters is not 10 characters).
        if !compact.is_ascii() {
            return Err("must contain only digits (and a final X in an ISBN-10)".into());
        }
        match compact.len() {
            10 => from_isbn10(&compact),
            13 => from_isbn13(&compact),
            _ => Err("must be an ISBN-10 or ISBN-13".into()),
        }
    }

    /// An ISBN as the database keeps it: its 13 digits, checked when it was written, so
    /// reading is not checking again. Anything else is parsed in full.
    pub fn from_stored(stored: String) -> Result<Isbn13, String> {
        if stored.len() == 13 && stored.bytes().all(|b| b.is_ascii_digit()) {
            return Ok(Isbn13(stored));
        }
        Isbn13::parse(&stored)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Isbn13 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

fn digits(text: &str) -> Option<Vec<u32>> {
    text.chars().map(|c| c.to_digit(10)).collect()
}

fn from_isbn10(text: &str) -> Result<Isbn13, String> {
    let (body, check) = text.split_at(9);
    let body = digits(body).ok_or("must contain only digits (and a final X in an ISBN-10)")?;
    let check = match check {
        "X" | "x" => 10,
        other => other
            .parse::<u32>()
            .map_err(|_| "must contain only digits (and a final X in an ISBN-10)")?,
    };
    // Weights 10 down to 1; a valid ISBN-10 sums to a multiple of 11.
    let sum: u32 = body
        .iter()
        .zip((2..=10).rev())
        .map(|(d, w)| d * w)
        .sum::<u32>()
        + check;
    if !sum.is_multiple_of(11) {
        return Err("has a wrong check digit".into());
    }
    let mut thirteen: Vec<u32> = vec![9, 7, 8];
    thirteen.extend(&body);
    thirteen.push(isbn13_check(&thirteen));
    Ok(Isbn13(thirteen.iter().map(|d| d.to_string()).collect()))
}

fn from_isbn13(text: &str) -> Result<Isbn13, String> {
    let all = digits(text).ok_or("must contain only digits")?;
    if !(text.starts_with("978") || text.starts_with("979")) {
        return Err("must start with 978 or 979".into());
    }
    if isbn13_check(&all[..12]) != all[12] {
        return Err("has a wrong check digit".into());
    }
    Ok(Isbn13(text.to_string()))
}

/// The check digit for the first twelve digits (weights 1, 3, 1, 3 …).
fn isbn13_check(first12: &[u32]) -> u32 {
    let sum: u32 = first12
        .iter()
        .enumerate()
        .map(|(i, d)| if i % 2 == 0 { *d } else { d * 3 })
        .sum();
    (10 - sum % 10) % 10
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn non_ascii_text_is_refused_not_split_inside_a_character() {
        // 10 and 13 bytes long, but not 10 or 13 characters: once these panicked.
        for raw in ["ïq\rC\u{6cbaf}Ö", "éééééX", "ïïïïïïX", "1234567ë"] {
            assert!(Isbn13::parse(raw).is_err(), "{raw:?}");
        }
    }

    #[test]
    fn isbn10_becomes_isbn13() {
        assert_eq!(
            Isbn13::parse("0-306-40615-2").unwrap().as_str(),
            "9780306406157"
        );
        assert_eq!(
            Isbn13::parse("0 306 40615 2").unwrap().as_str(),
            "9780306406157"
        );
    }

    #[test]
    fn isbn10_with_x_check_digit() {
        assert_eq!(
            Isbn13::parse("0-8044-2957-X").unwrap().as_str(),
            "9780804429573"
        );
        assert_eq!(
            Isbn13::parse("080442957x").unwrap().as_str(),
            "9780804429573"
        );
    }

    #[test]
    fn isbn13_is_kept() {
        assert_eq!(
            Isbn13::parse("978-0-306-40615-7").unwrap().as_str(),
            "9780306406157"
        );
        assert_eq!(
            Isbn13::parse("9791090636071").unwrap().as_str(),
            "9791090636071"
        );
    }

    #[test]
    fn bad_input_is_refused() {
        for bad in [
            "",
            "123",
            "0-306-40615-3",
            "978-0-306-40615-8",
            "X306406152",
            "03064061X2",
            "1234567890123",
            "97803064061５7",
            "abcdefghij",
        ] {
            assert!(Isbn13::parse(bad).is_err(), "{bad}");
        }
    }
}
