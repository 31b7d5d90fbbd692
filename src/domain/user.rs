use std::fmt;

use serde::{Deserialize, Serialize};

/// One e-mail address, lower-cased so that uniqueness ignores letter case. Taken exactly as
/// sent otherwise: padding is not an address.
///
/// The grammar is RFC 5322's (checked by the `email_address` crate), narrowed to what a
/// person types as their own address, so that the value can only ever name one mailbox:
/// no display name, quoted local part, comment or IP-literal domain, and a domain of at
/// least two labels of letters, digits and hyphens, not ending in a number. Commas,
/// spaces, line breaks and a second `@` are thereby all refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    pub const MAX_LEN: usize = 254;

    pub fn parse(raw: &str) -> Result<Email, String> {
        let value = raw.to_lowercase();
        if value.is_empty() {
            return Err("is required".into());
        }
        if value.len() > Self::MAX_LEN {
            return Err(format!("must be at most {} characters", Self::MAX_LEN));
        }
        let invalid = || "must be one e-mail address, such as name@example.org".to_string();
        let strict = email_address::Options {
            minimum_sub_domains: 2,
            allow_domain_literal: false,
            allow_display_text: false,
        };
        email_address::EmailAddress::parse_with_options(&value, strict).map_err(|_| invalid())?;
        // The crate still takes a quoted local part ("a,b"@…), and in a domain label any
        // character a local part may hold; a domain ending in a number is an IP address.
        let (local, domain) = value.rsplit_once('@').ok_or_else(invalid)?;
        let label_ok = |label: &str| label.chars().all(|c| c.is_alphanumeric() || c == '-');
        let numeric_end = domain
            .rsplit('.')
            .next()
            .is_some_and(|tld| tld.chars().all(|c| c.is_ascii_digit()));
        if local.contains('"') || !domain.split('.').all(label_ok) || numeric_end {
            return Err(invalid());
        }
        Ok(Email(value))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// 3–32 characters of `[A-Za-z0-9_.-]`. Letter case is kept for display; uniqueness
/// ignores it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Username(String);

impl Username {
    pub const MIN_LEN: usize = 3;
    pub const MAX_LEN: usize = 32;

    pub fn parse(raw: &str) -> Result<Username, String> {
        let value = raw;
        if value.is_empty() {
            return Err("is required".into());
        }
        if !(Self::MIN_LEN..=Self::MAX_LEN).contains(&value.len()) {
            return Err(format!(
                "must be {} to {} characters",
                Self::MIN_LEN,
                Self::MAX_LEN
            ));
        }
        if !value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
        {
            return Err("may contain only letters, digits, '_', '.' and '-'".into());
        }
        Ok(Username(value.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// At least 8 characters and at most 72 bytes: bcrypt reads no further than 72 bytes, so
/// a longer password is refused rather than silently cut.
#[derive(Clone)]
pub struct Password(String);

impl Password {
    /// In characters.
    pub const MIN_LEN: usize = 8;
    /// In bytes of UTF-8: bcrypt's limit.
    pub const MAX_BYTES: usize = 72;

    pub fn parse(raw: &str) -> Result<Password, String> {
        if raw.is_empty() {
            return Err("is required".into());
        }
        if raw.chars().count() < Self::MIN_LEN {
            return Err(format!("must be at least {} characters", Self::MIN_LEN));
        }
        if raw.len() > Self::MAX_BYTES {
            return Err(format!("must be at most {} bytes", Self::MAX_BYTES));
        }
        Ok(Password(raw.to_string()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }

    /// A PIN, to be hashed and checked like a password.
    pub fn of_pin(pin: &Pin) -> Password {
        Password(pin.expose().to_string())
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(***)")
    }
}

/// Admin ⊃ librarian ⊃ member: the order of the variants is the order of power.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Member,
    Librarian,
    Admin,
}

impl Role {
    pub fn parse(raw: &str) -> Result<Role, String> {
        match raw {
            "member" => Ok(Role::Member),
            "librarian" => Ok(Role::Librarian),
            "admin" => Ok(Role::Admin),
            "" => Err("is required".into()),
            _ => Err("must be one of member, librarian, admin".into()),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Member => "member",
            Role::Librarian => "librarian",
            Role::Admin => "admin",
        }
    }
}

/// Where a patron stands. Only an active patron borrows and places holds; a blocked one
/// still signs in (to see what they have out); one who left, or is waiting for approval
/// of their registration, does not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum PatronStatus {
    Active,
    Blocked,
    Left,
    Pending,
}

impl PatronStatus {
    pub fn parse(raw: &str) -> Result<PatronStatus, String> {
        match raw {
            "active" => Ok(PatronStatus::Active),
            "blocked" => Ok(PatronStatus::Blocked),
            "left" => Ok(PatronStatus::Left),
            "pending" => Ok(PatronStatus::Pending),
            "" => Err("is required".into()),
            _ => Err("must be one of active, blocked, left, pending".into()),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            PatronStatus::Active => "active",
            PatronStatus::Blocked => "blocked",
            PatronStatus::Left => "left",
            PatronStatus::Pending => "pending",
        }
    }

    /// Whether a person in this state may sign in at all.
    pub fn may_sign_in(self) -> bool {
        matches!(self, PatronStatus::Active | PatronStatus::Blocked)
    }
}

/// A PIN staff give a pupil to sign in with their card: 4 to 12 digits.
#[derive(Clone)]
pub struct Pin(String);

impl Pin {
    pub const MIN_LEN: usize = 4;
    pub const MAX_LEN: usize = 12;

    pub fn parse(raw: &str) -> Result<Pin, String> {
        let digits = raw.trim();
        if digits.is_empty() {
            return Err("is required".into());
        }
        if !digits.chars().all(|c| c.is_ascii_digit())
            || !(Self::MIN_LEN..=Self::MAX_LEN).contains(&digits.len())
        {
            return Err(format!(
                "must be {} to {} digits",
                Self::MIN_LEN,
                Self::MAX_LEN
            ));
        }
        Ok(Pin(digits.to_string()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Pin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Pin(***)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails() {
        assert_eq!(
            Email::parse("Ann@Example.ORG").unwrap().as_str(),
            "ann@example.org"
        );
        assert!(
            Email::parse(" ann@example.org").is_err(),
            "padding is not part of an address"
        );
        for bad in [
            "",
            "ann",
            "ann@",
            "@example.org",
            "ann@example",
            "a b@example.org",
            "ann@exa mple.org",
            "ann@.org",
            "ann@example..org",
            // More than one address, or one address with something riding along.
            "attacker,victim@example.org",
            "attacker@example.org,victim@example.org",
            "attacker;victim@example.org",
            "a@b@example.org",
            "ann@example.org\r\nBcc: victim@example.org",
            "ann@example.org\n",
            "ann\r@example.org",
            "ann@example.org ",
            "ann\t@example.org",
            "Ann <ann@example.org>",
            "<ann@example.org>",
            "\"attacker,victim\"@example.org",
            "\"a b\"@example.org",
            "ann(comment)@example.org",
            "ann@example.org(comment)",
            "ann@[192.0.2.1]",
            "ann@192.0.2.1",
            "ann@exa_mple.org",
            "ann@exa$mple.org",
            "ann@-example.org",
            ".ann@example.org",
            "a..nn@example.org",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad:?} should be refused");
        }
        assert!(Email::parse(&format!("{}@example.org", "a".repeat(250))).is_err());
        assert!(Email::parse(&format!("{}@example.org", "a".repeat(65))).is_err());
        for good in [
            "name@example.org",
            "a.b+tag@sub.example.co.uk",
            "admin@demo.library",
            "o'neil@example.org",
            "first_last-1@ex-ample.org",
            "ann@xn--bcher-kva.example",
        ] {
            assert_eq!(Email::parse(good).map(|e| e.0), Ok(good.to_string()));
        }
    }

    #[test]
    fn usernames() {
        assert_eq!(Username::parse("Ann_1.x-y").unwrap().as_str(), "Ann_1.x-y");
        for bad in [
            "",
            "ab",
            "a/b/c",
            "ann smith",
            "ann!",
            &"a".repeat(33),
            "ännä",
            " ann",
        ] {
            assert!(Username::parse(bad).is_err(), "{bad:?} should be refused");
        }
    }

    #[test]
    fn passwords() {
        assert!(Password::parse("12345678").is_ok());
        assert!(Password::parse(&"x".repeat(72)).is_ok());
        assert!(Password::parse(&"x".repeat(73)).is_err());
        // 36 two-byte characters are 72 bytes; 37 are too many.
        assert!(Password::parse(&"é".repeat(36)).is_ok());
        assert!(Password::parse(&"é".repeat(37)).is_err());
        assert!(Password::parse("short").is_err());
        // Seven characters are too few however many bytes they take.
        assert!(Password::parse("ééééééé").is_err());
        assert_eq!(
            format!("{:?}", Password::parse("secret-pw").unwrap()),
            "Password(***)"
        );
    }

    #[test]
    fn roles_are_ordered_by_power() {
        assert!(Role::Admin > Role::Librarian && Role::Librarian > Role::Member);
        assert_eq!(Role::parse("librarian").unwrap(), Role::Librarian);
        assert!(
            Role::parse("Librarian").is_err(),
            "roles are spelt as the API lists them"
        );
        assert!(Role::parse("root").is_err());
    }
}
