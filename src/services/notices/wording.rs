//! The words of notices: the texts shipped for each kind and language, a library's own
//! (`notice_templates`), and their rendering with minijinja. A template is plain text
//! (mails go as text/plain) with placeholders:
//!
//! - `name`: the reader's full name, else their username; `library`: the library's name;
//!   `patron_page`: the address of the reader's page;
//! - `loans`: each with `title`, `author`, `barcode`, `due_date` (YYYY-MM-DD) and
//!   `days_late` (open days); `holds`: each with `title`, `author`, `ready_until`;
//! - `titles`: the titles joined by commas; `due_date`: the earliest due date;
//!   `ready_until`: the earliest last pickup day; `reminder`: which overdue reminder (1, 2…).
//!
//! An unknown placeholder is an error, so a typo is refused when the template is saved.

use minijinja::{Environment, UndefinedBehavior};
use serde::Serialize;

use crate::models::notice::{Kind, Wording};

/// The languages notices are shipped in.
pub const LANGUAGES: [&str; 2] = ["en", "de"];

/// The longest subject and body template a library may save, in characters.
pub const MAX_SUBJECT: usize = 200;
pub const MAX_BODY: usize = 10_000;

/// Rendering work one template may do (minijinja's fuel): plenty for a reader's list,
/// nothing like a loop over a million.
const FUEL: u64 = 100_000;

/// What a template can name.
#[derive(Debug, Clone, Serialize)]
pub struct Context {
    pub name: String,
    pub library: String,
    pub patron_page: String,
    pub loans: Vec<LoanLine>,
    pub holds: Vec<HoldLine>,
    pub titles: String,
    pub due_date: Option<String>,
    pub ready_until: Option<String>,
    pub reminder: Option<i64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct LoanLine {
    pub title: String,
    pub author: String,
    pub barcode: Option<String>,
    pub due_date: String,
    pub days_late: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct HoldLine {
    pub title: String,
    pub author: String,
    pub ready_until: String,
}

impl Context {
    /// A reader's context: the joined titles and the earliest dates are worked out from
    /// `loans` and `holds`. `patron_page` is the server's address (the page is at `/`).
    pub fn new(
        name: String,
        library: String,
        patron_page: &str,
        loans: Vec<LoanLine>,
        holds: Vec<HoldLine>,
        reminder: Option<i64>,
    ) -> Context {
        let titles: Vec<&str> = loans
            .iter()
            .map(|l| l.title.as_str())
            .chain(holds.iter().map(|h| h.title.as_str()))
            .collect();
        Context {
            name,
            library,
            patron_page: format!("{patron_page}/"),
            titles: titles.join(", "),
            due_date: loans.iter().map(|l| l.due_date.clone()).min(),
            ready_until: holds.iter().map(|h| h.ready_until.clone()).min(),
            reminder,
            loans,
            holds,
        }
    }

    /// A made-up reader with one of everything: what a template is checked against
    /// when saved.
    pub fn sample(library: &str, patron_page: &str) -> Context {
        Context {
            name: "Alex Reader".into(),
            library: library.into(),
            patron_page: patron_page.into(),
            loans: vec![LoanLine {
                title: "The Hobbit".into(),
                author: "J. R. R. Tolkien".into(),
                barcode: Some("000123".into()),
                due_date: "2026-12-24".into(),
                days_late: 3,
            }],
            holds: vec![HoldLine {
                title: "Momo".into(),
                author: "Michael Ende".into(),
                ready_until: "2026-12-28".into(),
            }],
            titles: "The Hobbit".into(),
            due_date: Some("2026-12-24".into()),
            ready_until: Some("2026-12-28".into()),
            reminder: Some(1),
        }
    }
}

/// The wording shipped for a kind in a language (English for a language not shipped).
pub fn shipped(kind: Kind, language: &str) -> Wording {
    let (subject, body) = match (language, kind) {
        ("de", Kind::DueSoon) => (
            "Bald fällig: {{ titles }}",
            "Hallo {{ name }},\n\nbitte denk an die Rückgabe:\n{% for loan in loans %}- {{ loan.title }} ({{ loan.author }}), fällig am {{ loan.due_date }}\n{% endfor %}\nVerlängern kannst du auf deiner Seite: {{ patron_page }}\n\n{{ library }}\n",
        ),
        ("de", Kind::Overdue) => (
            "{{ reminder }}. Mahnung: {{ titles }}",
            "Hallo {{ name }},\n\ndie Leihfrist ist abgelaufen:\n{% for loan in loans %}- {{ loan.title }} ({{ loan.author }}), fällig am {{ loan.due_date }}\n{% endfor %}\nBitte bring {% if loans|length == 1 %}das Buch{% else %}die Bücher{% endif %} bald zurück.\n\n{{ library }}\n",
        ),
        ("de", Kind::HoldReady) => (
            "Liegt für dich bereit: {{ titles }}",
            "Hallo {{ name }},\n\ndeine Vormerkung ist da:\n{% for hold in holds %}- {{ hold.title }} ({{ hold.author }}), abholbar bis {{ hold.ready_until }}\n{% endfor %}\n{{ library }}\n",
        ),
        ("de", Kind::HoldLapsing) => (
            "Letzter Abholtag: {{ titles }}",
            "Hallo {{ name }},\n\nmorgen verfällt deine Vormerkung:\n{% for hold in holds %}- {{ hold.title }} ({{ hold.author }}), abholbar bis {{ hold.ready_until }}\n{% endfor %}\n{{ library }}\n",
        ),
        (_, Kind::DueSoon) => (
            "Due soon: {{ titles }}",
            "Hello {{ name }},\n\n{% if loans|length == 1 %}this book is{% else %}these books are{% endif %} due back soon:\n{% for loan in loans %}- {{ loan.title }} by {{ loan.author }}, due {{ loan.due_date }}\n{% endfor %}\nYou can renew on your page: {{ patron_page }}\n\n{{ library }}\n",
        ),
        (_, Kind::Overdue) => (
            "Overdue (reminder {{ reminder }}): {{ titles }}",
            "Hello {{ name }},\n\n{% if loans|length == 1 %}this book is{% else %}these books are{% endif %} overdue:\n{% for loan in loans %}- {{ loan.title }} by {{ loan.author }}, due {{ loan.due_date }}\n{% endfor %}\nPlease bring {% if loans|length == 1 %}it{% else %}them{% endif %} back soon.\n\n{{ library }}\n",
        ),
        (_, Kind::HoldReady) => (
            "Ready for you: {{ titles }}",
            "Hello {{ name }},\n\n{% if holds|length == 1 %}a book you asked for waits{% else %}books you asked for wait{% endif %} for you at the desk:\n{% for hold in holds %}- {{ hold.title }} by {{ hold.author }}, until {{ hold.ready_until }}\n{% endfor %}\n{{ library }}\n",
        ),
        (_, Kind::HoldLapsing) => (
            "Last day to collect: {{ titles }}",
            "Hello {{ name }},\n\ntomorrow is the last day to collect:\n{% for hold in holds %}- {{ hold.title }} by {{ hold.author }}, until {{ hold.ready_until }}\n{% endfor %}\n{{ library }}\n",
        ),
    };
    Wording {
        subject: subject.into(),
        body: body.into(),
    }
}

/// A rendered notice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub subject: String,
    pub body: String,
}

/// Renders `wording` with `context`; Err says, in words, which part failed and why.
pub fn render(wording: &Wording, context: &Context) -> Result<Rendered, (&'static str, String)> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env.set_fuel(Some(FUEL));
    let subject = env
        .render_str(&wording.subject, context)
        .map_err(|e| ("subject", explain(&e)))?;
    let body = env
        .render_str(&wording.body, context)
        .map_err(|e| ("body", explain(&e)))?;
    // A subject is one line, however the template breaks it.
    let subject = subject.split_whitespace().collect::<Vec<_>>().join(" ");
    if subject.is_empty() {
        return Err(("subject", "renders empty".into()));
    }
    Ok(Rendered { subject, body })
}

fn explain(error: &minijinja::Error) -> String {
    let mut words = error.to_string();
    if let Some(line) = error.line() {
        if !words.contains("line") {
            words = format!("{words} (line {line})");
        }
    }
    words
}

/// Checks a wording a library wants to save: its length, and that it renders for the
/// sample reader. Err is the field and what is wrong.
pub fn check(wording: &Wording) -> Result<(), (&'static str, String)> {
    if wording.subject.trim().is_empty() {
        return Err(("subject", "is required".into()));
    }
    if wording.subject.chars().count() > MAX_SUBJECT {
        return Err((
            "subject",
            format!("must be at most {MAX_SUBJECT} characters"),
        ));
    }
    if wording.body.trim().is_empty() {
        return Err(("body", "is required".into()));
    }
    if wording.body.chars().count() > MAX_BODY {
        return Err(("body", format!("must be at most {MAX_BODY} characters")));
    }
    render(
        wording,
        &Context::sample("The Library", "https://library.example/"),
    )
    .map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_shipped_wording_renders() {
        for language in LANGUAGES {
            for kind in Kind::ALL {
                let wording = shipped(kind, language);
                check(&wording).unwrap_or_else(|e| panic!("{kind:?} {language}: {e:?}"));
                let out =
                    render(&wording, &Context::sample("Village Library", "https://x/")).unwrap();
                assert!(out.body.contains("Alex Reader"), "{}", out.body);
                assert!(out.body.contains("Village Library"), "{}", out.body);
                assert!(!out.subject.contains('\n'));
            }
        }
    }

    #[test]
    fn a_broken_template_is_refused_with_its_reason() {
        let typo = Wording {
            subject: "Due: {{ titels }}".into(),
            body: "x".into(),
        };
        let (field, why) = check(&typo).unwrap_err();
        assert_eq!(field, "subject");
        assert!(why.contains("undefined"), "{why}");
        let unclosed = Wording {
            subject: "Due".into(),
            body: "{% for loan in loans %}{{ loan.title }}".into(),
        };
        let (field, why) = check(&unclosed).unwrap_err();
        assert_eq!(field, "body");
        assert!(!why.is_empty());
        let greedy = Wording {
            subject: "Due".into(),
            body:
                "{% for i in range(100000) %}{% for j in range(100000) %}x{% endfor %}{% endfor %}"
                    .into(),
        };
        assert!(check(&greedy).is_err(), "fuel stops a runaway template");
    }
}
