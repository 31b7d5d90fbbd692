//! The command line: `serve` (the default), `migrate`, `create-admin`, `import`, `export`.

mod catalogue;
pub mod demo;
mod host;

use std::io::{BufRead, IsTerminal};
use std::net::IpAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};
use rocket::figment::Figment;

use crate::config::{Config, ConfigError, Settings};
use crate::db::{self, Db};
use crate::domain::{Email, Password, Role, Username};
use crate::models::user::{self, NewUser};

#[derive(Debug, Parser)]
#[command(
    name = "library-server",
    version,
    about = "A self-hosted library server"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    #[command(flatten)]
    pub paths: PathArgs,
    #[command(flatten)]
    pub serve: ServeArgs,
}

/// Where the data lives; every command takes these.
#[derive(Debug, Clone, Default, Args)]
pub struct PathArgs {
    /// SQLite database file [default: library.db]
    #[arg(long, global = true, value_name = "PATH")]
    pub database: Option<PathBuf>,
    /// Folder for pictures and the mail outbox [default: data]
    #[arg(long, global = true, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
}

#[derive(Debug, Clone, Default, Args)]
pub struct ServeArgs {
    /// Address to listen on [default: 127.0.0.1]
    #[arg(long)]
    pub address: Option<IpAddr>,
    /// Port to listen on [default: 8000]
    #[arg(long)]
    pub port: Option<u16>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the server (what happens with no command).
    Serve(ServeArgs),
    /// Create or update the database schema, then exit.
    Migrate,
    /// Copy the database, consistently, to PATH (which must not exist yet) with SQLite's
    /// online backup API. Safe while the server runs and writes.
    Backup { path: PathBuf },
    /// Create an admin account. The password is read from a prompt, or from standard input
    /// when that is not a terminal; never from a flag.
    CreateAdmin {
        #[arg(long)]
        email: String,
        #[arg(long)]
        username: String,
    },
    /// Import books from a CSV file: this server's export, a Goodreads or a Libib export.
    Import { file: PathBuf },
    /// Export the catalogue to a CSV file.
    Export { file: PathBuf },
    /// Write a small demo library (books, users, loans, holds) to PATH, a new file.
    Demo { path: PathBuf },
}

type CliResult = Result<(), Box<dyn std::error::Error>>;

impl Cli {
    /// The layered configuration with this command line's flags on top.
    pub fn settings(&self) -> Result<Settings, ConfigError> {
        let serve = match &self.command {
            Some(Command::Serve(args)) => args,
            _ => &self.serve,
        };
        let mut figment: Figment = Config::figment();
        if let Some(path) = &self.paths.database {
            figment = figment.merge(("database", path));
        }
        if let Some(dir) = &self.paths.data_dir {
            figment = figment.merge(("data_dir", dir));
        }
        if let Some(address) = serve.address.or(self.serve.address) {
            figment = figment.merge(("address", address));
        }
        if let Some(port) = serve.port.or(self.serve.port) {
            figment = figment.merge(("port", port));
        }
        Settings::load(figment)
    }

    pub fn run(self) -> CliResult {
        // Before anything is created: the database, backups and mail hold personal data.
        host::owner_only_files();
        let settings = self.settings()?;
        for warning in settings.unknown_key_warnings() {
            tracing::warn!("{warning}");
        }
        match self.command {
            None | Some(Command::Serve(_)) => serve(settings),
            Some(Command::Migrate) => {
                Db::open(&settings.config.database)?;
                println!(
                    "{} is at schema version {}",
                    settings.config.database.display(),
                    db::schema_version()
                );
                Ok(())
            }
            Some(Command::CreateAdmin { email, username }) => {
                create_admin(&settings, &email, &username)
            }
            Some(Command::Backup { path }) => backup(&settings, &path),
            Some(Command::Import { file }) => catalogue::import(&settings, &file),
            Some(Command::Export { file }) => catalogue::export(&settings, &file),
            Some(Command::Demo { path }) => demo::demo(&settings, &path),
        }
    }
}

fn serve(settings: Settings) -> CliResult {
    if let Some(warning) = settings.mail_link_warning() {
        tracing::warn!("{warning}");
    }
    host::raise_open_file_limit();
    let db = Db::open(&settings.config.database)?;
    let rocket = crate::build(settings, db)?;
    rocket::execute(async move {
        let rocket = rocket.ignite().await?;
        let config = rocket.config();
        tracing::info!(
            "library-server listening on http://{}:{}",
            config.address,
            config.port
        );
        rocket.launch().await.map(|_| ())
    })?;
    Ok(())
}

fn read_password() -> Result<String, Box<dyn std::error::Error>> {
    if std::io::stdin().is_terminal() {
        let first = rpassword::prompt_password("Password: ")?;
        let again = rpassword::prompt_password("Password again: ")?;
        if first != again {
            return Err("the two passwords differ".into());
        }
        Ok(first)
    } else {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line)?;
        Ok(line.trim_end_matches(['\r', '\n']).to_string())
    }
}

fn create_admin(settings: &Settings, email: &str, username: &str) -> CliResult {
    let email = Email::parse(email).map_err(|e| format!("email {e}"))?;
    let username = Username::parse(username).map_err(|e| format!("username {e}"))?;
    let password = Password::parse(&read_password()?).map_err(|e| format!("password {e}"))?;
    let hash = crate::auth::password::hash_blocking(&password, settings.config.bcrypt_cost)?;
    let db = Db::open(&settings.config.database)?;
    let mut conn = db.get()?;
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let admin = user::insert(
        &tx,
        &NewUser {
            card_prefix: &settings.config.card_prefix,
            email: Some(&email),
            username: &username,
            password_hash: Some(&hash),
            role: Some(Role::Admin),
            status: crate::domain::PatronStatus::Active,
        },
    )
    .map_err(|e| match e {
        crate::error::AppError::Conflict(fields) => format!(
            "{} already in use",
            fields.keys().cloned().collect::<Vec<_>>().join(" and ")
        ),
        other => other.to_string(),
    })?;
    tx.commit()?;
    println!("created admin {} (id {})", admin.username, admin.id);
    Ok(())
}

/// One backup step copies every page under a single read transaction: a consistent
/// snapshot that a writer cannot make restart (WAL lets it keep writing meanwhile).
fn backup(settings: &Settings, target: &std::path::Path) -> CliResult {
    if target.exists() {
        return Err(format!("{} already exists; choose a new file", target.display()).into());
    }
    let db = Db::open(&settings.config.database)?;
    let source = db.get()?;
    let pages = db::backup_to(&source, target)?;
    println!(
        "backed up {} ({pages} pages) to {}; copy {} too for pictures",
        settings.config.database.display(),
        target.display(),
        settings.config.data_dir.display()
    );
    Ok(())
}
