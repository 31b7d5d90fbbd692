//! Settings that nothing reads. Figment keeps every key it is given, so a typo in
//! `Rocket.toml` (`bcrypt_cots`) or in a variable (`LIBRARY_LOAN_DAYZ`) would otherwise be
//! ignored without a word while the default silently applies.

use std::collections::{BTreeMap, BTreeSet};

use rocket::figment::value::Value;
use rocket::figment::{Figment, Source};

use super::Config;

/// Keys read elsewhere than `Config` and Rocket's serialised `Config`: Rocket's
/// feature-gated ones, `LIBRARY_LOG` (the log filter, read in main) and `ROCKET_CONFIG`
/// (the file's name), which the `ROCKET_` environment layer also passes in as keys.
const OTHER_KNOWN: &[&str] = &["tls", "secret_key", "log", "config", "profile"];

/// Every key someone reads: our `Config`'s fields (so a key added there is known at once),
/// Rocket's own, and the few above.
pub fn known_keys() -> BTreeSet<String> {
    let mut keys: BTreeSet<String> = OTHER_KNOWN.iter().map(|k| k.to_string()).collect();
    let ours = serde_json::to_value(Config::default());
    let rockets = serde_json::to_value(rocket::Config::default());
    for value in [ours, rockets].into_iter().flatten() {
        if let serde_json::Value::Object(fields) = value {
            keys.extend(fields.into_iter().map(|(key, _)| key));
        }
    }
    keys
}

/// One warning per key that nothing reads, naming where it was set and the nearest known
/// key when one is close enough to be the intended one.
pub fn unknown_keys(figment: &Figment) -> Vec<String> {
    let Ok(values) = figment.extract::<BTreeMap<String, Value>>() else {
        return Vec::new();
    };
    let known = known_keys();
    values
        .keys()
        .filter(|key| !known.contains(*key))
        .map(|key| {
            let from = where_set(figment, key);
            match nearest(key, &known) {
                Some(near) => {
                    format!("unknown setting `{key}` {from} is ignored; did you mean `{near}`?")
                }
                None => format!("unknown setting `{key}` {from} is ignored"),
            }
        })
        .collect()
}

/// The known key a typo most likely meant: the fewest edits (a swap of two neighbouring
/// letters counts as one), if that is few for the key's length.
pub fn nearest<'k>(key: &str, known: &'k BTreeSet<String>) -> Option<&'k str> {
    let key = key.to_ascii_lowercase();
    let (distance, best) = known
        .iter()
        .map(|k| (strsim::damerau_levenshtein(&key, k), k.as_str()))
        .min_by_key(|(distance, _)| *distance)?;
    (distance <= (key.len() / 3).max(2)).then_some(best)
}

fn where_set(figment: &Figment, key: &str) -> String {
    let upper = key.to_ascii_uppercase();
    for prefix in ["LIBRARY_", "ROCKET_"] {
        let variable = format!("{prefix}{upper}");
        if std::env::var_os(&variable).is_some() {
            return format!("(environment variable {variable})");
        }
    }
    match figment.find_metadata(key) {
        Some(metadata) => match &metadata.source {
            Some(Source::File(path)) => format!("(in {})", path.display()),
            _ => format!("(from {})", metadata.name),
        },
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use rocket::figment::providers::{Format, Toml};

    use super::*;

    #[test]
    fn our_fields_and_rockets_keys_are_known() {
        let known = known_keys();
        for key in [
            "database",
            "loan_days",
            "bcrypt_cost",
            "smtp_password",
            "address",
            "port",
            "limits",
            "shutdown",
            "workers",
            "ip_header",
            "log_level",
            "tls",
            "log",
        ] {
            assert!(known.contains(key), "{key}");
        }
        assert!(!known.contains("read_timeout"));
    }

    #[test]
    fn typos_are_matched_to_the_key_meant() {
        let known = known_keys();
        assert_eq!(nearest("loan_dayz", &known), Some("loan_days"));
        assert_eq!(nearest("bcrypt_cots", &known), Some("bcrypt_cost"));
        assert_eq!(nearest("Port", &known), Some("port"));
        assert_eq!(nearest("completely_different", &known), None);
    }

    #[test]
    fn unknown_keys_are_named_with_a_suggestion() {
        let figment = Config::figment().merge(Toml::string("bcrypt_cots = 4\nport = 9000"));
        let warnings = unknown_keys(&figment);
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        assert!(warnings[0].contains("`bcrypt_cots`"), "{warnings:?}");
        assert!(warnings[0].contains("did you mean `bcrypt_cost`?"));
        assert!(unknown_keys(&Config::figment()).is_empty());
    }
}
