//! One typed configuration: built-in defaults ← `Rocket.toml` ← `LIBRARY_*` environment
//! variables ← command-line flags. Rocket reads its own keys (address, port, limits) from
//! the same layered source, so both always agree.

mod checks;
mod public_url;

pub use public_url::PublicUrl;

use std::net::{IpAddr, Ipv4Addr};
use std::path::PathBuf;

use rocket::figment::providers::{Env, Format, Serialized, Toml};
use rocket::figment::{Figment, Profile};
use serde::{Deserialize, Serialize};

/// A configuration problem: which key, from which source, and what is wrong.
pub type ConfigError = Box<rocket::figment::Error>;

/// The shipped `Rocket.toml`, compiled in as the built-in defaults: the binary started from
/// any folder has the documented limits, and the file and the binary cannot disagree.
const SHIPPED_ROCKET_TOML: &str = include_str!("../Rocket.toml");

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default)]
pub struct Config {
    /// SQLite file; created and migrated on first start.
    pub database: PathBuf,
    /// Holds `images/` (pictures, covers) and `outbox/` (mail when no SMTP is set).
    pub data_dir: PathBuf,
    /// HS256 secret. When unset, one is generated once and kept in the database.
    pub jwt_secret: Option<String>,
    /// Lifetime of an access token, in seconds.
    pub token_ttl_secs: u64,
    pub bcrypt_cost: u32,
    /// Lifetime of a password-reset token, in seconds.
    pub reset_token_ttl_secs: u64,
    /// Base address used in links sent by mail; defaults to http://address:port.
    pub public_url: Option<String>,
    pub mail_from: String,
    pub smtp_host: Option<String>,
    pub smtp_port: Option<u16>,
    /// `starttls` (default), `tls` (implicit TLS) or `none` (plain, for a local relay).
    pub smtp_tls: SmtpTls,
    pub smtp_username: Option<String>,
    pub smtp_password: Option<String>,
    /// Failed logins for one account from one client address (or from one known device)
    /// before that pair is locked for `login_lockout_secs`.
    pub login_max_failures: u32,
    /// Failed logins for one account from all addresses together before the account is
    /// locked for every client but its known devices.
    pub login_max_failures_per_account: u32,
    /// Failed logins from one client address, across accounts, before it is locked.
    pub login_max_failures_per_address: u32,
    /// How long failures are counted, and how long a lock lasts.
    pub login_lockout_secs: u64,
    /// Days a known-device token (handed out at each login) stays valid.
    pub login_device_days: u32,
    /// Password-reset mails one address may receive in an hour.
    pub reset_mails_per_recipient_per_hour: u32,
    /// Password-reset requests one client address may make in an hour.
    pub reset_requests_per_address_per_hour: u32,
    /// Largest accepted picture or cover upload, in bytes.
    pub image_max_bytes: u64,
    /// Pictures decoded at once; more uploads wait. Each decode may take up to 40 MiB.
    pub image_decodes_at_once: usize,
    /// Lending policy: days a loan runs, and again on each renewal.
    pub loan_days: u32,
    pub max_active_loans: u32,
    pub max_renewals: u32,
    /// Days a ready hold waits for its holder before it lapses.
    pub hold_pickup_days: u32,
    /// Open holds (waiting or ready) a member may have at once.
    pub max_holds: u32,
    /// Members may borrow for themselves (by book, ISBN or a copy's barcode); when off,
    /// only staff lend, at the desk.
    pub self_checkout: bool,
    /// A patron with a loan past its due date borrows nothing more until it is back.
    pub overdue_blocks_lending: bool,
    /// Barcodes the server gives new copies: this prefix and a six-digit number.
    pub item_barcode_prefix: String,
    /// Card numbers the server gives new patrons: this prefix and a six-digit number.
    pub card_prefix: String,
    /// Web pages on these origins (`https://catalogue.example.org`, comma-separated, or `*`
    /// for any) may call the JSON API from the browser (CORS). Empty: none but the server's
    /// own pages, as before. Credentials (cookies) are never allowed.
    pub cors_allowed_origins: CorsOrigins,
    /// The in-process scheduler: once a minute it sends hold-ready notices and due mails,
    /// and at the library's hour the daily notices and backup. Off, they happen only when
    /// an admin runs them (POST /notices/run).
    pub scheduler: bool,
}

/// `cors_allowed_origins`: a comma-separated text (as an environment variable gives it)
/// or a list (as `Rocket.toml` may), each entry an origin or `*`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CorsOrigins(pub Vec<String>);

impl Serialize for CorsOrigins {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0.join(","))
    }
}

impl<'de> Deserialize<'de> for CorsOrigins {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Given {
            Text(String),
            List(Vec<String>),
        }
        let entries = match Given::deserialize(deserializer)? {
            Given::Text(text) => text.split(',').map(str::to_string).collect(),
            Given::List(list) => list,
        };
        let mut origins = Vec::new();
        for entry in entries {
            let entry = entry.trim().trim_end_matches('/');
            if entry.is_empty() {
                continue;
            }
            origins.push(checked_origin(entry).map_err(serde::de::Error::custom)?);
        }
        Ok(CorsOrigins(origins))
    }
}

/// An origin as a browser sends it (`scheme://host[:port]`, lower case), or `*`.
fn checked_origin(entry: &str) -> Result<String, String> {
    if entry == "*" {
        return Ok(entry.to_string());
    }
    let wrong = || {
        format!(
            "cors_allowed_origins: {entry:?} is not an origin; write it as the browser's address \
             bar shows the site, scheme and host only (https://catalogue.example.org, \
             http://localhost:3000), or * for any"
        )
    };
    let (scheme, rest) = entry.split_once("://").ok_or_else(wrong)?;
    let host_ok = !rest.is_empty()
        && !rest.contains(['/', '?', '#', '@', ' '])
        && rest
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'));
    if !matches!(scheme, "http" | "https") || !host_ok {
        return Err(wrong());
    }
    Ok(entry.to_ascii_lowercase())
}

impl CorsOrigins {
    /// Whether a page on `origin` may read the API's answers.
    pub fn allows(&self, origin: &str) -> bool {
        self.0
            .iter()
            .any(|o| o == "*" || o.eq_ignore_ascii_case(origin))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Any origin at all (`*`).
    pub fn any(&self) -> bool {
        self.0.iter().any(|o| o == "*")
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SmtpTls {
    None,
    Starttls,
    Tls,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            database: PathBuf::from("library.db"),
            data_dir: PathBuf::from("data"),
            jwt_secret: None,
            token_ttl_secs: 24 * 60 * 60,
            bcrypt_cost: 10,
            reset_token_ttl_secs: 30 * 60,
            public_url: None,
            mail_from: "library-server <library@localhost>".into(),
            smtp_host: None,
            smtp_port: None,
            smtp_tls: SmtpTls::Starttls,
            smtp_username: None,
            smtp_password: None,
            login_max_failures: 5,
            login_max_failures_per_account: 50,
            login_max_failures_per_address: 300,
            login_lockout_secs: 5 * 60,
            login_device_days: 180,
            reset_mails_per_recipient_per_hour: 3,
            reset_requests_per_address_per_hour: 10,
            image_max_bytes: 2 * 1024 * 1024,
            image_decodes_at_once: 2,
            loan_days: 14,
            max_active_loans: 5,
            max_renewals: 2,
            hold_pickup_days: 3,
            max_holds: 10,
            self_checkout: true,
            overdue_blocks_lending: true,
            item_barcode_prefix: String::new(),
            card_prefix: "P".into(),
            cors_allowed_origins: CorsOrigins::default(),
            scheduler: true,
        }
    }
}

impl Config {
    /// The layered source without command-line flags: Rocket's defaults, ours, the shipped
    /// `Rocket.toml` compiled in, then the working folder's `Rocket.toml` (or the file
    /// `ROCKET_CONFIG` names), `ROCKET_*` and `LIBRARY_*` variables. Built here rather than
    /// from `rocket::Config::figment()`, which would put Rocket's own defaults (1 MiB JSON
    /// bodies, its chatty logger) back over ours when there is no Rocket.toml in the folder.
    pub fn figment() -> Figment {
        let file = Env::var_or("ROCKET_CONFIG", "Rocket.toml");
        Figment::from(rocket::Config::default())
            .merge(Serialized::defaults(Config::default()))
            // Trust no header for the client's address (anyone can send one); behind a
            // reverse proxy, `ip_header` names the one it sets.
            .merge(("ip_header", false))
            // No `Server: Rocket` header: it tells a stranger what runs here and nothing a
            // client needs (and a seventh header made each answer's header map grow).
            .merge(("ident", false))
            .merge(Toml::string(SHIPPED_ROCKET_TOML).nested())
            .merge(Toml::file(file).nested())
            .merge(Env::prefixed("ROCKET_").ignore(&["PROFILE"]).global())
            .merge(Env::prefixed("LIBRARY_").global())
            .select(Profile::from_env_or(
                "ROCKET_PROFILE",
                rocket::Config::DEFAULT_PROFILE,
            ))
    }

    pub fn from_figment(figment: &Figment) -> Result<Config, ConfigError> {
        let config: Config = figment.extract().map_err(Box::new)?;
        if !(4..=31).contains(&config.bcrypt_cost) {
            return Err(Box::new(rocket::figment::Error::from(format!(
                "bcrypt_cost must be between 4 and 31, not {}",
                config.bcrypt_cost
            ))));
        }
        for (key, prefix) in [
            ("item_barcode_prefix", &config.item_barcode_prefix),
            ("card_prefix", &config.card_prefix),
        ] {
            if prefix.len() > 16
                || !prefix
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '/' | '_'))
            {
                return Err(Box::new(rocket::figment::Error::from(format!(
                    "{key} must be at most 16 letters, digits or - . / _, not {prefix:?}"
                ))));
            }
        }
        Ok(config)
    }

    pub fn images_dir(&self) -> PathBuf {
        self.data_dir.join("images")
    }

    pub fn outbox_dir(&self) -> PathBuf {
        self.data_dir.join("outbox")
    }
}

/// Everything the server needs at launch: the typed settings and Rocket's own view of the
/// same source (address, port, limits, log level).
#[derive(Clone)]
pub struct Settings {
    pub config: Config,
    pub figment: Figment,
}

impl Settings {
    pub fn load(figment: Figment) -> Result<Settings, ConfigError> {
        let config = Config::from_figment(&figment)?;
        Ok(Settings { config, figment })
    }

    /// Where mail links should point: `public_url`, else this server's own address. A
    /// server listening on every interface (`0.0.0.0`, `::`) has no one address to name,
    /// and a link to 0.0.0.0 opens nothing, so the link then names the loopback address
    /// (and `warnings` says to set `public_url`).
    pub fn public_url(&self) -> String {
        if let Some(url) = self.config.public_url.as_deref().filter(|u| !u.is_empty()) {
            return url.trim_end_matches('/').to_string();
        }
        let address = self.listen_address();
        let host = if address.is_unspecified() {
            IpAddr::V4(Ipv4Addr::LOCALHOST)
        } else {
            address
        };
        let port: u16 = self.figment.extract_inner("port").unwrap_or(8000);
        match host {
            IpAddr::V6(v6) => format!("http://[{v6}]:{port}"),
            IpAddr::V4(v4) => format!("http://{v4}:{port}"),
        }
    }

    fn listen_address(&self) -> IpAddr {
        self.figment
            .extract_inner("address")
            .unwrap_or(IpAddr::V4(Ipv4Addr::LOCALHOST))
    }

    /// Settings nothing reads (most likely typos), one warning each, for every command.
    pub fn unknown_key_warnings(&self) -> Vec<String> {
        checks::unknown_keys(&self.figment)
    }

    /// For the server's start: a warning when links in mail would not reach the people
    /// they are sent to.
    pub fn mail_link_warning(&self) -> Option<String> {
        if self
            .config
            .public_url
            .as_deref()
            .is_some_and(|u| !u.is_empty())
        {
            return None;
        }
        let link = self.public_url();
        if self
            .config
            .smtp_host
            .as_deref()
            .is_some_and(|h| !h.is_empty())
        {
            return Some(format!(
                "mail is configured (smtp_host) but public_url is not: password-reset links \
                 will point to {link}, which only this machine may open; set public_url to \
                 the address people use to reach the server"
            ));
        }
        self.listen_address().is_unspecified().then(|| {
            format!(
                "public_url is not set and the server listens on every address: \
                 password-reset links will point to {link}; set public_url to the address \
                 people use to reach the server"
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(pairs: &[(&str, &str)]) -> Settings {
        let mut figment = Config::figment().merge(("port", 9000));
        for (key, value) in pairs {
            figment = figment.merge((*key, *value));
        }
        Settings::load(figment).unwrap()
    }

    #[test]
    fn mail_links_never_name_an_unspecified_address() {
        let any = settings(&[("address", "0.0.0.0")]);
        assert_eq!(any.public_url(), "http://127.0.0.1:9000");
        assert!(any.mail_link_warning().unwrap().contains("public_url"));
        assert_eq!(
            settings(&[("address", "::")]).public_url(),
            "http://127.0.0.1:9000"
        );
        assert_eq!(
            settings(&[("address", "::1")]).public_url(),
            "http://[::1]:9000"
        );
        assert_eq!(
            settings(&[("address", "192.168.1.20")]).public_url(),
            "http://192.168.1.20:9000"
        );
        let set = settings(&[
            ("address", "0.0.0.0"),
            ("public_url", "https://library.example.org/"),
        ]);
        assert_eq!(set.public_url(), "https://library.example.org");
        assert_eq!(set.mail_link_warning(), None);
    }

    #[test]
    fn cors_origins_come_as_a_list_or_comma_separated() {
        let text = settings(&[(
            "cors_allowed_origins",
            " https://Catalogue.example.org/ , http://localhost:3000,",
        )]);
        assert_eq!(
            text.config.cors_allowed_origins.0,
            ["https://catalogue.example.org", "http://localhost:3000"]
        );
        assert!(text
            .config
            .cors_allowed_origins
            .allows("http://localhost:3000"));
        assert!(!text
            .config
            .cors_allowed_origins
            .allows("http://localhost:3001"));
        let figment = Config::figment().merge((
            "cors_allowed_origins",
            vec!["*".to_string(), "https://a.example".to_string()],
        ));
        let any = Settings::load(figment).unwrap().config.cors_allowed_origins;
        assert!(any.any() && any.allows("https://elsewhere.example"));
        assert!(settings(&[]).config.cors_allowed_origins.is_empty());
        for wrong in [
            "catalogue.example.org",
            "https://x.example/path",
            "ftp://x.example",
        ] {
            let figment = Config::figment().merge(("cors_allowed_origins", wrong));
            let error = Settings::load(figment).err().expect(wrong).to_string();
            assert!(error.contains("is not an origin"), "{error}");
        }
    }

    #[test]
    fn mail_without_a_public_url_is_warned_about() {
        assert_eq!(settings(&[]).mail_link_warning(), None);
        let mail = settings(&[("smtp_host", "mail.example.org")]);
        let warning = mail.mail_link_warning().unwrap();
        assert!(warning.contains("smtp_host") && warning.contains("public_url"));
    }
}
