//! One typed configuration: built-in defaults ← `Rocket.toml` ← `LIBRARY_*` environment
//! variables ← command-line flags. Rocket reads its own keys (address, port, limits) from
//! the same layered source, so both always agree.

use std::path::PathBuf;

use rocket::figment::providers::{Env, Format, Serialized, Toml};
use rocket::figment::{Figment, Profile};
use serde::{Deserialize, Serialize};

/// A configuration problem: which key, from which source, and what is wrong.
pub type ConfigError = Box<rocket::figment::Error>;

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
    /// Failed logins for one account before it is locked for `login_lockout_secs`.
    pub login_max_failures: u32,
    /// Failed logins from one client address before it is locked.
    pub login_max_failures_per_address: u32,
    pub login_lockout_secs: u64,
    /// Largest accepted picture or cover upload, in bytes.
    pub image_max_bytes: u64,
    /// Lending policy: days a loan runs, and again on each renewal.
    pub loan_days: u32,
    pub max_active_loans: u32,
    pub max_renewals: u32,
    /// Days a ready hold waits for its holder before it lapses.
    pub hold_pickup_days: u32,
    /// Open holds (waiting or ready) a member may have at once.
    pub max_holds: u32,
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
            login_max_failures_per_address: 20,
            login_lockout_secs: 5 * 60,
            image_max_bytes: 2 * 1024 * 1024,
            loan_days: 14,
            max_active_loans: 5,
            max_renewals: 2,
            hold_pickup_days: 3,
            max_holds: 10,
        }
    }
}

impl Config {
    /// The layered source without command-line flags: Rocket's defaults, ours, then
    /// `Rocket.toml` (or the file `ROCKET_CONFIG` names), `ROCKET_*` and `LIBRARY_*`
    /// variables. Built here rather than from `rocket::Config::figment()`, which would put
    /// Rocket's own defaults back over ours (its chatty logger among them) when there is
    /// no Rocket.toml in the working directory.
    pub fn figment() -> Figment {
        let file = Env::var_or("ROCKET_CONFIG", "Rocket.toml");
        Figment::from(rocket::Config::default())
            .merge(Serialized::defaults(Config::default()))
            // Requests are logged by library-server itself (app.rs).
            .merge(("log_level", rocket::config::LogLevel::Off))
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

    /// Where mail links should point.
    pub fn public_url(&self) -> String {
        if let Some(url) = &self.config.public_url {
            return url.trim_end_matches('/').to_string();
        }
        let address: String = self
            .figment
            .extract_inner("address")
            .unwrap_or_else(|_| "127.0.0.1".into());
        let port: u16 = self.figment.extract_inner("port").unwrap_or(8000);
        format!("http://{address}:{port}")
    }
}
