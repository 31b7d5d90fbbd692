//! A count of events per key in a fixed window (the first event opens it): at most `limit`
//! events a key until the window closes. Used for password-reset mail.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::config::Config;
use crate::domain::Email;

pub struct RateLimit {
    limit: u32,
    window: Duration,
    counts: Mutex<HashMap<String, (Instant, u32)>>,
}

/// Keys kept before closed windows are swept, so a flood of keys cannot grow memory.
const SWEEP_AT: usize = 10_000;

impl RateLimit {
    pub fn new(limit: u32, window: Duration) -> RateLimit {
        RateLimit {
            limit,
            window,
            counts: Mutex::new(HashMap::new()),
        }
    }

    /// Counts one event for `key`; false (and nothing counted) when its window is full.
    pub fn allow(&self, key: &str) -> bool {
        let now = Instant::now();
        let mut counts = self.counts.lock().unwrap_or_else(|e| e.into_inner());
        if counts.len() >= SWEEP_AT {
            let window = self.window;
            counts.retain(|_, (opened, _)| now.duration_since(*opened) < window);
        }
        let (opened, count) = counts.entry(key.to_string()).or_insert((now, 0));
        if now.duration_since(*opened) >= self.window {
            *opened = now;
            *count = 0;
        }
        if *count >= self.limit {
            return false;
        }
        *count += 1;
        true
    }
}

/// How many reset mails may go out: per recipient and per asking client, each an hour.
pub struct ResetMailLimits {
    per_recipient: RateLimit,
    per_address: RateLimit,
}

impl ResetMailLimits {
    pub fn new(config: &Config) -> ResetMailLimits {
        let hour = Duration::from_secs(60 * 60);
        ResetMailLimits {
            per_recipient: RateLimit::new(config.reset_mails_per_recipient_per_hour, hour),
            per_address: RateLimit::new(config.reset_requests_per_address_per_hour, hour),
        }
    }

    /// Counts a request; whether a mail may go out for it. The recipient is counted only
    /// for requests within the client's own limit, so one client cannot use up another
    /// person's quota beyond its own.
    pub fn allow(&self, client: &str, recipient: &Email) -> bool {
        self.per_address.allow(client) && self.per_recipient.allow(recipient.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allows_the_limit_per_key_per_window() {
        let limit = RateLimit::new(2, Duration::from_secs(3600));
        assert!(limit.allow("a") && limit.allow("a"));
        assert!(!limit.allow("a"));
        assert!(limit.allow("b"));
        let closed = RateLimit::new(1, Duration::ZERO);
        assert!(
            closed.allow("a") && closed.allow("a"),
            "a closed window resets"
        );
        let none = RateLimit::new(0, Duration::from_secs(3600));
        assert!(!none.allow("a"));
    }
}
