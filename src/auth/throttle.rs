//! Bounds password guessing. A login is counted under three keys: the (account, client
//! address) pair (a strict limit), the account across every address (a higher ceiling) and
//! the address across every account (high enough for a classroom behind one router). A
//! client that shows a known-device token for the account is counted under that device
//! alone, so failures from elsewhere never lock out the owner's own devices.
//!
//! A login reserves its attempt before the password is checked: attempts in flight count
//! against the limits like failures, so a burst of concurrent guesses cannot all pass a
//! check made before the first of them failed. Past a limit, a key is locked for the
//! window and logins under it answer 429 with `Retry-After`.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// The numbers, all from the configuration.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Failures for one account from one address, or from one known device.
    pub per_pair: u32,
    /// Failures for one account from all addresses together.
    pub per_account: u32,
    /// Failures from one address across all accounts.
    pub per_address: u32,
    /// How long failures are remembered, and how long a lock lasts.
    pub window: Duration,
}

pub struct LoginThrottle {
    limits: Limits,
    entries: Mutex<HashMap<Key, Entry>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Key {
    Pair(String, String),
    Account(String),
    Address(String),
    Device(String, String),
}

#[derive(Debug, Clone, Copy)]
struct Entry {
    failures: u32,
    in_flight: u32,
    window_start: Instant,
    locked_until: Option<Instant>,
}

impl Entry {
    fn new(now: Instant) -> Entry {
        Entry {
            failures: 0,
            in_flight: 0,
            window_start: now,
            locked_until: None,
        }
    }

    /// Forgets failures whose lock or window has passed (attempts in flight stay).
    fn refresh(&mut self, now: Instant, window: Duration) {
        let lapsed = match self.locked_until {
            Some(until) => until <= now,
            None => now.duration_since(self.window_start) >= window,
        };
        if lapsed {
            *self = Entry {
                in_flight: self.in_flight,
                ..Entry::new(now)
            };
        }
    }

    fn idle(&self) -> bool {
        self.failures == 0 && self.in_flight == 0 && self.locked_until.is_none()
    }
}

/// Entries kept before lapsed ones are swept, so a flood of names cannot grow memory.
const SWEEP_AT: usize = 10_000;

/// Who is trying: an account (`#id`, or the name typed when no account has it), from an
/// address, with a known-device id when the client showed a valid device token.
pub struct Caller<'a> {
    pub account: &'a str,
    pub address: &'a str,
    pub device: Option<&'a str>,
}

impl LoginThrottle {
    pub fn new(limits: Limits) -> LoginThrottle {
        LoginThrottle {
            limits: Limits {
                per_pair: limits.per_pair.max(1),
                per_account: limits.per_account.max(1),
                per_address: limits.per_address.max(1),
                window: limits.window.max(Duration::from_secs(1)),
            },
            entries: Mutex::new(HashMap::new()),
        }
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<Key, Entry>> {
        self.entries.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn keys(&self, caller: &Caller<'_>) -> Vec<(Key, u32)> {
        let account = caller.account.trim().to_lowercase();
        match caller.device {
            Some(device) => vec![(Key::Device(account, device.into()), self.limits.per_pair)],
            None => vec![
                (
                    Key::Pair(account.clone(), caller.address.into()),
                    self.limits.per_pair,
                ),
                (Key::Account(account), self.limits.per_account),
                (Key::Address(caller.address.into()), self.limits.per_address),
            ],
        }
    }

    /// Reserves one attempt, or the seconds to wait when a key is locked or its attempts
    /// in flight already reach its limit. Settle the reservation after checking the
    /// password; dropped unsettled, it is released without counting.
    pub fn reserve(&self, caller: &Caller<'_>) -> Result<Attempt<'_>, u64> {
        let now = Instant::now();
        let keys = self.keys(caller);
        let mut entries = self.lock();
        let mut wait = None;
        for (key, limit) in &keys {
            let Some(entry) = entries.get_mut(key) else {
                continue;
            };
            entry.refresh(now, self.limits.window);
            let seconds = match entry.locked_until {
                Some(until) => Some((until - now).as_secs_f64().ceil().max(1.0) as u64),
                // Not locked, but the attempts in flight could lock it: they end within
                // a bcrypt or so, so a second is the honest wait.
                None => (entry.failures + entry.in_flight >= *limit).then_some(1),
            };
            wait = wait.max(seconds);
        }
        if let Some(seconds) = wait {
            return Err(seconds);
        }
        if entries.len() >= SWEEP_AT {
            let window = self.limits.window;
            entries.retain(|_, e| {
                e.refresh(now, window);
                !e.idle()
            });
        }
        for (key, _) in &keys {
            entries
                .entry(key.clone())
                .or_insert(Entry::new(now))
                .in_flight += 1;
        }
        Ok(Attempt {
            throttle: self,
            keys,
            settled: false,
        })
    }
}

/// One reserved login attempt.
pub struct Attempt<'a> {
    throttle: &'a LoginThrottle,
    keys: Vec<(Key, u32)>,
    settled: bool,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Failed,
    Succeeded,
    Abandoned,
}

impl Attempt<'_> {
    /// A wrong password: counts under every key, locking those that reach their limit.
    pub fn failed(mut self) {
        self.settle(Outcome::Failed);
    }

    /// The right password: clears the pair's (or the device's) count. The account's and
    /// the address's counts stand, so a guesser gains nothing from the owner's logins.
    pub fn succeeded(mut self) {
        self.settle(Outcome::Succeeded);
    }

    fn settle(&mut self, outcome: Outcome) {
        self.settled = true;
        let now = Instant::now();
        let window = self.throttle.limits.window;
        let mut entries = self.throttle.lock();
        for (key, limit) in &self.keys {
            let Some(entry) = entries.get_mut(key) else {
                continue;
            };
            entry.in_flight = entry.in_flight.saturating_sub(1);
            entry.refresh(now, window);
            match outcome {
                Outcome::Failed => {
                    entry.failures += 1;
                    if entry.failures >= *limit {
                        entry.locked_until = Some(now + window);
                    }
                }
                Outcome::Succeeded if matches!(key, Key::Pair(..) | Key::Device(..)) => {
                    *entry = Entry {
                        in_flight: entry.in_flight,
                        ..Entry::new(now)
                    };
                }
                Outcome::Succeeded | Outcome::Abandoned => {}
            }
            if entry.idle() {
                entries.remove(key);
            }
        }
    }
}

impl Drop for Attempt<'_> {
    /// An attempt abandoned before its outcome (the client went away, or checking the
    /// password failed) gives its place back without counting.
    fn drop(&mut self) {
        if !self.settled {
            self.settle(Outcome::Abandoned);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn throttle(per_pair: u32, per_account: u32, per_address: u32) -> LoginThrottle {
        LoginThrottle::new(Limits {
            per_pair,
            per_account,
            per_address,
            window: Duration::from_secs(60),
        })
    }

    fn from<'a>(account: &'a str, address: &'a str) -> Caller<'a> {
        Caller {
            account,
            address,
            device: None,
        }
    }

    fn fail(t: &LoginThrottle, caller: Caller<'_>) {
        t.reserve(&caller).expect("not locked yet").failed();
    }

    #[test]
    fn a_pair_locks_at_its_limit_and_a_success_clears_it() {
        let t = throttle(3, 100, 100);
        fail(&t, from("Ann", "1.2.3.4"));
        fail(&t, from("ann", "1.2.3.4"));
        t.reserve(&from("ann", "1.2.3.4")).unwrap().succeeded();
        fail(&t, from("ann", "1.2.3.4"));
        fail(&t, from("ann", "1.2.3.4"));
        fail(&t, from("ann", "1.2.3.4"));
        let wait = t.reserve(&from("ANN", "1.2.3.4")).err().unwrap();
        assert!((1..=60).contains(&wait));
        // The same account from elsewhere is not held back by this pair.
        assert!(t.reserve(&from("ann", "5.6.7.8")).is_ok());
    }

    #[test]
    fn an_account_has_a_ceiling_across_addresses() {
        let t = throttle(3, 4, 100);
        for address in ["1.1.1.1", "2.2.2.2", "3.3.3.3", "4.4.4.4"] {
            fail(&t, from("ann", address));
        }
        assert!(t.reserve(&from("ann", "5.5.5.5")).is_err());
        assert!(t.reserve(&from("bert", "5.5.5.5")).is_ok());
    }

    #[test]
    fn an_address_has_a_ceiling_across_accounts() {
        let t = throttle(100, 100, 2);
        fail(&t, from("a", "9.9.9.9"));
        fail(&t, from("b", "9.9.9.9"));
        assert!(t.reserve(&from("c", "9.9.9.9")).is_err());
        assert!(t.reserve(&from("c", "8.8.8.8")).is_ok());
    }

    #[test]
    fn attempts_in_flight_count_against_the_limit() {
        let t = throttle(3, 100, 100);
        let caller = from("ann", "1.2.3.4");
        let held: Vec<_> = (0..3).map(|_| t.reserve(&caller).unwrap()).collect();
        assert_eq!(t.reserve(&caller).err(), Some(1));
        // An abandoned attempt gives its place back without counting.
        let mut held = held.into_iter();
        drop(held.next());
        let again = t.reserve(&caller).unwrap();
        for attempt in held.chain([again]) {
            attempt.failed();
        }
        assert!(t.reserve(&caller).err().unwrap() > 1, "three failures lock");
    }

    #[test]
    fn a_known_device_is_judged_by_its_own_failures_only() {
        let t = throttle(2, 3, 3);
        for address in ["1.1.1.1", "2.2.2.2", "3.3.3.3"] {
            fail(&t, from("#7", address));
        }
        assert!(t.reserve(&from("#7", "4.4.4.4")).is_err(), "account locked");
        let device = |d| Caller {
            account: "#7",
            address: "3.3.3.3",
            device: Some(d),
        };
        t.reserve(&device("phone")).unwrap().succeeded();
        fail(&t, device("phone"));
        fail(&t, device("phone"));
        assert!(t.reserve(&device("phone")).is_err());
        assert!(t.reserve(&device("laptop")).is_ok());
    }

    #[test]
    fn a_clean_success_leaves_nothing_behind() {
        let t = throttle(5, 5, 5);
        t.reserve(&from("ann", "1.1.1.1")).unwrap().succeeded();
        assert!(t.lock().is_empty());
    }
}
