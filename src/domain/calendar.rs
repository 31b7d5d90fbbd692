//! Days of the library's calendar: which weekdays it opens, and the periods it is closed
//! (school holidays). A due date that would fall on a closed day moves to the next open
//! day; overdue days are counted on open days only. Days are UTC calendar days, as the
//! rest of the server writes them.

use serde::{Deserialize, Serialize};

use super::item::{date, day_of};

const DAY_SECS: i64 = 86_400;

/// A calendar day, as days since 1970-01-01.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Day(i64);

impl Day {
    /// The UTC day of a Unix time.
    pub fn of(at: i64) -> Day {
        Day(at.div_euclid(DAY_SECS))
    }

    /// A day written YYYY-MM-DD (checked to exist).
    pub fn parse(raw: &str) -> Result<Day, String> {
        let raw = date(raw)?;
        let number = |range: std::ops::Range<usize>| raw[range].parse::<i64>().unwrap_or(0);
        Ok(Day(days_from_civil(
            number(0..4),
            number(5..7),
            number(8..10),
        )))
    }

    /// The Unix time at which the day starts.
    pub fn start(self) -> i64 {
        self.0 * DAY_SECS
    }

    pub fn plus(self, days: i64) -> Day {
        Day(self.0 + days)
    }

    /// Days from `self` to `later` (negative when `later` is earlier).
    pub fn until(self, later: Day) -> i64 {
        later.0 - self.0
    }

    /// ISO weekday: 1 is Monday, 7 Sunday.
    pub fn weekday(self) -> u8 {
        // 1970-01-01 was a Thursday.
        ((self.0 + 3).rem_euclid(7) + 1) as u8
    }
}

impl std::fmt::Display for Day {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&day_of(self.start()))
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (the days-from-civil algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let yoe = year - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// A period the library is closed, both days included.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ClosedPeriod {
    /// YYYY-MM-DD
    #[schema(format = "date", example = "2026-12-21")]
    pub first_day: String,
    /// YYYY-MM-DD, on or after `first_day`
    #[schema(format = "date", example = "2027-01-06")]
    pub last_day: String,
    /// What the period is, for staff ("Christmas holidays").
    #[schema(max_length = 200)]
    pub reason: String,
}

/// The most closed periods a calendar keeps.
pub const MOST_CLOSED_PERIODS: usize = 500;

/// The library's calendar, checked: at least one weekday open, periods in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Calendar {
    /// Bit `n` set: ISO weekday `n` (1 = Monday) is an opening day.
    open_weekdays: u8,
    /// Closed periods as days, sorted by their first day.
    closed: Vec<(Day, Day)>,
}

impl Calendar {
    /// Open every day: the calendar of a library that has not set one.
    pub fn always_open() -> Calendar {
        Calendar {
            open_weekdays: 0b1111_1110,
            closed: Vec::new(),
        }
    }

    /// Checks a calendar as staff send it; Err lists each problem by field.
    pub fn new(
        open_weekdays: &[u8],
        closed: &[ClosedPeriod],
    ) -> Result<Calendar, Vec<(String, String)>> {
        let mut problems = Vec::new();
        let mut bits = 0u8;
        for day in open_weekdays {
            match day {
                1..=7 => bits |= 1 << day,
                _ => problems.push((
                    "open_weekdays".to_string(),
                    format!("{day} is no weekday: 1 is Monday, 7 Sunday"),
                )),
            }
        }
        if bits == 0 && problems.is_empty() {
            problems.push((
                "open_weekdays".to_string(),
                "must name at least one day the library opens".to_string(),
            ));
        }
        if closed.len() > MOST_CLOSED_PERIODS {
            problems.push((
                "closed".to_string(),
                format!("at most {MOST_CLOSED_PERIODS} periods"),
            ));
        }
        let mut periods = Vec::new();
        for (i, period) in closed.iter().enumerate() {
            let first = Day::parse(&period.first_day);
            let last = Day::parse(&period.last_day);
            if let Err(e) = &first {
                problems.push((format!("closed[{i}].first_day"), e.clone()));
            }
            if let Err(e) = &last {
                problems.push((format!("closed[{i}].last_day"), e.clone()));
            }
            if period.reason.chars().count() > 200 {
                problems.push((
                    format!("closed[{i}].reason"),
                    "must be at most 200 characters".to_string(),
                ));
            }
            if let (Ok(first), Ok(last)) = (first, last) {
                if last < first {
                    problems.push((
                        format!("closed[{i}].last_day"),
                        format!("must not come before the first day, {}", period.first_day),
                    ));
                } else {
                    periods.push((first, last));
                }
            }
        }
        if !problems.is_empty() {
            return Err(problems);
        }
        periods.sort();
        Ok(Calendar {
            open_weekdays: bits,
            closed: periods,
        })
    }

    /// Rebuilds a calendar stored by `new`'s caller; anything unreadable counts as open.
    pub fn stored(open_weekdays: &[u8], closed: Vec<(Day, Day)>) -> Calendar {
        let bits = open_weekdays
            .iter()
            .filter(|d| (1..=7).contains(*d))
            .fold(0u8, |bits, d| bits | 1 << d);
        let mut closed = closed;
        closed.sort();
        Calendar {
            open_weekdays: if bits == 0 { 0b1111_1110 } else { bits },
            closed,
        }
    }

    pub fn open_weekdays(&self) -> Vec<u8> {
        (1..=7)
            .filter(|d| self.open_weekdays & (1 << d) != 0)
            .collect()
    }

    pub fn closed(&self) -> &[(Day, Day)] {
        &self.closed
    }

    pub fn is_open(&self, day: Day) -> bool {
        self.open_weekdays & (1 << day.weekday()) != 0
            && !self
                .closed
                .iter()
                .any(|(first, last)| *first <= day && day <= *last)
    }

    /// `day` if the library opens then, else the next day it does. A calendar always has
    /// an open weekday and finitely many closed periods, so the search ends; it gives up
    /// (keeping `day`) only past the last closed period plus a week.
    pub fn next_open(&self, day: Day) -> Day {
        let limit = self
            .closed
            .iter()
            .map(|(_, last)| *last)
            .max()
            .unwrap_or(day)
            .max(day)
            .plus(8);
        let mut candidate = day;
        while candidate < limit {
            if self.is_open(candidate) {
                return candidate;
            }
            candidate = candidate.plus(1);
        }
        day
    }

    /// A due time moved, if its day is closed, to the same time of the next open day.
    pub fn due_at(&self, at: i64) -> i64 {
        let day = Day::of(at);
        at + day.until(self.next_open(day)) * DAY_SECS
    }

    /// Open days after `due` up to and including `today`: how many days a loan due on
    /// `due` is overdue by the library's count (0 when it is not yet late).
    pub fn open_days_late(&self, due: Day, today: Day) -> i64 {
        if today <= due {
            return 0;
        }
        // At most a few years are counted; a loan older than that is simply very late.
        let first = due.plus(1).max(today.plus(-3660));
        let mut count = 0;
        let mut day = first;
        while day <= today {
            if self.is_open(day) {
                count += 1;
            }
            day = day.plus(1);
        }
        count
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(raw: &str) -> Day {
        Day::parse(raw).unwrap()
    }

    fn period(first: &str, last: &str) -> ClosedPeriod {
        ClosedPeriod {
            first_day: first.into(),
            last_day: last.into(),
            reason: "holidays".into(),
        }
    }

    #[test]
    fn days_are_written_and_read_back() {
        for raw in ["1970-01-01", "2000-02-29", "2026-12-02", "2100-03-01"] {
            assert_eq!(day(raw).to_string(), raw);
        }
        assert_eq!(day("1970-01-01").weekday(), 4);
        assert_eq!(day("2026-12-02").weekday(), 3, "a Wednesday");
        assert_eq!(
            Day::of(day("2026-12-02").start() + 86_399),
            day("2026-12-02")
        );
        assert!(Day::parse("2026-02-29").is_err());
    }

    #[test]
    fn a_due_date_on_a_closed_day_moves_to_the_next_open_day() {
        // Monday to Friday, closed over Christmas.
        let calendar =
            Calendar::new(&[1, 2, 3, 4, 5], &[period("2026-12-21", "2027-01-06")]).unwrap();
        let noon = |raw: &str| day(raw).start() + 12 * 3600;
        // A Saturday moves to Monday.
        assert_eq!(calendar.due_at(noon("2026-12-05")), noon("2026-12-07"));
        // Into the holidays: to the first open day after them (Thursday 7 January).
        assert_eq!(calendar.due_at(noon("2026-12-23")), noon("2027-01-07"));
        // An open day stays.
        assert_eq!(calendar.due_at(noon("2026-12-02")), noon("2026-12-02"));
    }

    #[test]
    fn overdue_days_pause_while_the_library_is_closed() {
        let calendar =
            Calendar::new(&[1, 2, 3, 4, 5], &[period("2026-12-21", "2027-01-06")]).unwrap();
        // Due Friday 18 December: Saturday to Wednesday 6 January count nothing.
        assert_eq!(
            calendar.open_days_late(day("2026-12-18"), day("2027-01-06")),
            0
        );
        assert_eq!(
            calendar.open_days_late(day("2026-12-18"), day("2027-01-07")),
            1
        );
        assert_eq!(
            calendar.open_days_late(day("2026-12-18"), day("2027-01-11")),
            3
        );
        assert_eq!(
            calendar.open_days_late(day("2026-12-18"), day("2026-12-18")),
            0
        );
        let open = Calendar::always_open();
        assert_eq!(open.open_days_late(day("2026-12-18"), day("2026-12-25")), 7);
    }

    #[test]
    fn a_calendar_says_what_is_wrong_with_it() {
        let problems = Calendar::new(&[0, 8], &[]).unwrap_err();
        assert_eq!(problems.len(), 2, "{problems:?}");
        let problems = Calendar::new(&[], &[]).unwrap_err();
        assert_eq!(problems[0].0, "open_weekdays");
        let problems = Calendar::new(&[1], &[period("2026-12-21", "2026-12-20"), period("x", "")])
            .unwrap_err();
        let fields: Vec<&str> = problems.iter().map(|(f, _)| f.as_str()).collect();
        assert_eq!(
            fields,
            [
                "closed[0].last_day",
                "closed[1].first_day",
                "closed[1].last_day"
            ]
        );
    }
}
