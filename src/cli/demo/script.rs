//! The demo's circulation script (`circulation.txt`): one event a line, oldest first,
//!
//! ```text
//! lend   noah.k       "Sapiens: A Brief History of Humankind"  16 days ago
//! return olivia.brown "The Martian"                             1 day ago
//! ```
//!
//! with `lend`, `return`, `renew` or `hold`; blank lines and `#` comments are skipped.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Act {
    Lend,
    Return,
    Renew,
    Hold,
}

#[derive(Debug, PartialEq, Eq)]
pub struct Event<'a> {
    /// 1-based, for messages.
    pub line: usize,
    pub act: Act,
    pub username: &'a str,
    pub title: &'a str,
    pub days_ago: i64,
}

/// Every event of `script`, or the first line that cannot be read. Events must come
/// oldest first: the lending service is handed them in order, each at its own time.
pub fn parse(script: &str) -> Result<Vec<Event<'_>>, String> {
    let mut events: Vec<Event> = Vec::new();
    for (index, text) in script.lines().enumerate() {
        let text = text.trim();
        if text.is_empty() || text.starts_with('#') {
            continue;
        }
        let line = index + 1;
        let event = event(line, text).map_err(|e| format!("line {line}: {e}"))?;
        if let Some(before) = events.last().filter(|b| b.days_ago < event.days_ago) {
            return Err(format!(
                "line {line}: {} days ago comes after {} days ago (line {}); \
                 events go oldest first",
                event.days_ago, before.days_ago, before.line
            ));
        }
        events.push(event);
    }
    Ok(events)
}

fn event(line: usize, text: &str) -> Result<Event<'_>, String> {
    let (verb, rest) = word(text).ok_or("is missing the user")?;
    let act = match verb {
        "lend" => Act::Lend,
        "return" => Act::Return,
        "renew" => Act::Renew,
        "hold" => Act::Hold,
        other => return Err(format!("{other:?} is not lend, return, renew or hold")),
    };
    let (username, rest) = word(rest).ok_or("is missing the title")?;
    let (title, when) = rest
        .strip_prefix('"')
        .and_then(|r| r.split_once('"'))
        .ok_or("wants the title in double quotes")?;
    let days_ago = match when.split_whitespace().collect::<Vec<_>>()[..] {
        [n, "day" | "days", "ago"] => n
            .parse::<i64>()
            .ok()
            .filter(|n| *n >= 0)
            .ok_or_else(|| format!("{n:?} is not a number of days"))?,
        _ => return Err("wants the time as \"N days ago\"".to_string()),
    };
    Ok(Event {
        line,
        act,
        username,
        title,
        days_ago,
    })
}

/// The first word of `text` and what follows it, trimmed.
fn word(text: &str) -> Option<(&str, &str)> {
    text.split_once(char::is_whitespace)
        .map(|(word, rest)| (word, rest.trim_start()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_events_and_skips_comments() {
        let script = "# the past\n\nlend  noah.k  \"Dune\"  20 days ago\n\
                      return noah.k \"Dune\" 1 day ago\n";
        assert_eq!(
            parse(script).unwrap(),
            [
                Event {
                    line: 3,
                    act: Act::Lend,
                    username: "noah.k",
                    title: "Dune",
                    days_ago: 20
                },
                Event {
                    line: 4,
                    act: Act::Return,
                    username: "noah.k",
                    title: "Dune",
                    days_ago: 1
                },
            ]
        );
    }

    #[test]
    fn names_the_line_it_cannot_read() {
        for (script, problem) in [
            ("borrow a \"B\" 1 day ago", "line 1: \"borrow\" is not"),
            (
                "lend a B 1 day ago",
                "line 1: wants the title in double quotes",
            ),
            ("\nhold a \"B\" yesterday", "line 2: wants the time"),
            ("hold a \"B\" x days ago", "line 1: \"x\" is not a number"),
            ("lend", "line 1: is missing the user"),
            (
                "lend a \"B\" 1 day ago\nreturn a \"B\" 2 days ago",
                "line 2: 2 days ago comes after 1 days ago (line 1)",
            ),
        ] {
            let error = parse(script).unwrap_err();
            assert!(error.starts_with(problem), "{script:?}: {error}");
        }
    }

    #[test]
    fn the_demo_script_reads() {
        let events = parse(include_str!("circulation.txt")).unwrap();
        assert!(events.len() > 10);
    }
}
