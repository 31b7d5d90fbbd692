//! Counts failed logins per account and per client address. Past the limit, that key is
//! locked for a while and logins answer 429 with `Retry-After`.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub struct LoginThrottle {
    per_account: u32,
    per_address: u32,
    lockout: Duration,
    entries: Mutex<HashMap<String, Entry>>,
}

#[derive(Clone, Copy)]
struct Entry {
    failures: u32,
    first_failure: Instant,
    locked_until: Option<Instant>,
}

/// Entries kept before old ones are swept, so a flood of names cannot grow memory forever.
const SWEEP_AT: usize = 10_000;

impl LoginThrottle {
    pub fn new(per_account: u32, per_address: u32, lockout_secs: u64) -> LoginThrottle {
        LoginThrottle {
            per_account: per_account.max(1),
            per_address: per_address.max(1),
            lockout: Duration::from_secs(lockout_secs.max(1)),
            entries: Mutex::new(HashMap::new()),
        }
    }

    fn keys(account: &str, address: &str) -> [String; 2] {
        [
            format!("account:{}", account.trim().to_lowercase()),
            format!("address:{address}"),
        ]
    }

    /// Seconds to wait, if either key is locked now.
    pub fn retry_after(&self, account: &str, address: &str) -> Option<u64> {
        let now = Instant::now();
        let entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        Self::keys(account, address)
            .iter()
            .filter_map(|key| entries.get(key)?.locked_until)
            .filter(|until| *until > now)
            .map(|until| (until - now).as_secs_f64().ceil().max(1.0) as u64)
            .max()
    }

    pub fn record_failure(&self, account: &str, address: &str) {
        let now = Instant::now();
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if entries.len() >= SWEEP_AT {
            let lockout = self.lockout;
            entries.retain(|_, e| {
                e.locked_until.is_some_and(|u| u > now) || now - e.first_failure < lockout
            });
        }
        let [account_key, address_key] = Self::keys(account, address);
        for (key, limit) in [
            (account_key, self.per_account),
            (address_key, self.per_address),
        ] {
            let entry = entries.entry(key).or_insert(Entry {
                failures: 0,
                first_failure: now,
                locked_until: None,
            });
            // A lapsed lock, or failures older than the window, start a fresh count.
            let lapsed = entry.locked_until.is_some_and(|u| u <= now)
                || (entry.locked_until.is_none() && now - entry.first_failure >= self.lockout);
            if lapsed {
                *entry = Entry {
                    failures: 0,
                    first_failure: now,
                    locked_until: None,
                };
            }
            entry.failures += 1;
            if entry.failures >= limit {
                entry.locked_until = Some(now + self.lockout);
            }
        }
    }

    /// A successful login clears the account's count (not the address's).
    pub fn record_success(&self, account: &str) {
        let [account_key, _] = Self::keys(account, "");
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        entries.remove(&account_key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locks_an_account_after_its_limit_and_success_resets() {
        let t = LoginThrottle::new(3, 100, 60);
        t.record_failure("Ann", "1.2.3.4");
        t.record_failure("ann", "1.2.3.4");
        assert_eq!(t.retry_after("ann", "1.2.3.4"), None);
        t.record_success("ann");
        t.record_failure("ann", "1.2.3.4");
        t.record_failure("ann", "1.2.3.4");
        assert_eq!(t.retry_after("ann", "5.6.7.8"), None);
        t.record_failure("ann", "1.2.3.4");
        let wait = t.retry_after("ANN", "5.6.7.8").unwrap();
        assert!((1..=60).contains(&wait));
    }

    #[test]
    fn locks_an_address_across_accounts() {
        let t = LoginThrottle::new(100, 2, 60);
        t.record_failure("a", "9.9.9.9");
        t.record_failure("b", "9.9.9.9");
        assert!(t.retry_after("c", "9.9.9.9").is_some());
        assert!(t.retry_after("c", "8.8.8.8").is_none());
    }
}
