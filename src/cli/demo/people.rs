//! The demo's staff and members (`people.csv`): username, role, e-mail (pupils have none),
//! which of the documented demo passwords or PIN they sign in with, and the name and group
//! the desk shows.

use serde::Deserialize;

use crate::domain::{Email, Role, Username};

const PEOPLE: &str = include_str!("people.csv");

/// The documented demo passwords, by the name `people.csv` gives them.
const PASSWORDS: [(&str, &str); 4] = [
    ("admin", "demo-admin-pass"),
    ("librarian", "demo-librarian-pass"),
    ("member", "demo-member-pass"),
    // Pupils sign in with their card and this PIN.
    ("pin", "1234"),
];

/// A row of `people.csv`.
#[derive(Deserialize)]
struct Person {
    username: String,
    role: String,
    /// Blank for a pupil.
    email: String,
    /// Which of `PASSWORDS`.
    password: String,
    full_name: String,
    group: String,
}

/// Someone to add: a person checked by the rules the API applies.
pub struct Login {
    pub username: Username,
    pub role: Role,
    pub email: Option<Email>,
    pub password: &'static str,
    /// `password` is a PIN.
    pub pin: bool,
    pub full_name: Option<String>,
    pub group: Option<String>,
}

pub fn people() -> Result<Vec<Login>, Box<dyn std::error::Error>> {
    let mut reader = csv::Reader::from_reader(PEOPLE.as_bytes());
    let mut logins = Vec::new();
    for (index, row) in reader.deserialize::<Person>().enumerate() {
        let line = index + 2;
        let problem = |e: String| format!("people.csv line {line}: {e}");
        let field = |name: &'static str| move |e: String| problem(format!("{name} {e}"));
        let person = row.map_err(|e| problem(e.to_string()))?;
        let password = PASSWORDS
            .iter()
            .find(|(kind, _)| *kind == person.password)
            .map(|(_, password)| *password)
            .ok_or_else(|| {
                field("password")(format!("{:?} is not one of the demo's", person.password))
            })?;
        logins.push(Login {
            username: Username::parse(&person.username).map_err(field("username"))?,
            role: Role::parse(&person.role).map_err(field("role"))?,
            email: match person.email.as_str() {
                "" => None,
                raw => Some(Email::parse(raw).map_err(field("email"))?),
            },
            password,
            pin: person.password == "pin",
            full_name: Some(person.full_name).filter(|n| !n.is_empty()),
            group: Some(person.group).filter(|g| !g.is_empty()),
        });
    }
    Ok(logins)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_people_read() {
        let logins = people().unwrap();
        assert_eq!(logins.len(), PEOPLE.lines().count() - 1);
        for role in [Role::Admin, Role::Librarian, Role::Member] {
            assert!(logins.iter().any(|l| l.role == role), "no {role:?}");
        }
    }
}
