//! Outgoing mail: SMTP when a host is configured, otherwise an `.eml` file in the outbox
//! folder (handy on a laptop with no mail server). Sending blocks: call it from a blocking
//! thread.
//!
//! An outbox mail is readable by its owner only, and a reset mail, which carries a live
//! token, is named after the token's hash so that it can be removed once the token can no
//! longer be used (`prune_outbox`).

use std::collections::HashSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use lettre::message::{header::ContentType, Mailbox};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{Message, SmtpTransport, Transport};
use rand::RngCore;

use crate::config::{Config, SmtpTls};
use crate::models::{now, password_reset};

/// Outbox reset mails are `reset-<token hash>.eml`.
const RESET_MAIL_PREFIX: &str = "reset-";

pub enum Mailer {
    Smtp {
        transport: SmtpTransport,
        from: Mailbox,
    },
    Outbox {
        folder: PathBuf,
        from: Mailbox,
    },
}

impl Mailer {
    pub fn from_config(config: &Config) -> Result<Mailer, String> {
        let from: Mailbox = config
            .mail_from
            .parse()
            .map_err(|e| format!("mail_from {:?} is not an address: {e}", config.mail_from))?;
        let Some(host) = config.smtp_host.as_deref().filter(|h| !h.is_empty()) else {
            return Ok(Mailer::Outbox {
                folder: config.outbox_dir(),
                from,
            });
        };
        let builder = match config.smtp_tls {
            SmtpTls::None => SmtpTransport::builder_dangerous(host),
            SmtpTls::Starttls => SmtpTransport::starttls_relay(host).map_err(|e| e.to_string())?,
            SmtpTls::Tls => SmtpTransport::relay(host).map_err(|e| e.to_string())?,
        };
        let mut builder = builder.timeout(Some(Duration::from_secs(20)));
        if let Some(port) = config.smtp_port {
            builder = builder.port(port);
        }
        if let (Some(user), Some(password)) = (&config.smtp_username, &config.smtp_password) {
            builder = builder.credentials(Credentials::new(user.clone(), password.clone()));
        }
        Ok(Mailer::Smtp {
            transport: builder.build(),
            from,
        })
    }

    pub fn send(&self, to: &str, subject: &str, text: String) -> Result<(), String> {
        let mut random = [0u8; 8];
        rand::rng().fill_bytes(&mut random);
        let name = format!("{}-{}.eml", now(), hex::encode(random));
        self.deliver(to, subject, text, &name, None)
    }

    /// A notice, under a Message-ID made from its id: a mail sent twice (the server
    /// stopped between sending and noting it) is recognisably the same mail. In the
    /// outbox it is `notice-<id>.eml`, which a second attempt overwrites.
    pub fn send_notice(
        &self,
        id: i64,
        message_id: &str,
        to: &str,
        subject: &str,
        text: String,
    ) -> Result<(), String> {
        let name = format!("notice-{id}.eml");
        self.deliver(to, subject, text, &name, Some(message_id))
    }

    /// A password-reset mail. In the outbox it is named after the token's hash, which
    /// `prune_outbox` looks up to remove it once the token is used or expired.
    pub fn send_reset(
        &self,
        token_hash: &str,
        to: &str,
        subject: &str,
        text: String,
    ) -> Result<(), String> {
        let name = format!("{RESET_MAIL_PREFIX}{token_hash}.eml");
        self.deliver(to, subject, text, &name, None)
    }

    /// The outbox folder, when mail goes there rather than over SMTP.
    pub fn outbox(&self) -> Option<&Path> {
        match self {
            Mailer::Outbox { folder, .. } => Some(folder),
            Mailer::Smtp { .. } => None,
        }
    }

    fn deliver(
        &self,
        to: &str,
        subject: &str,
        text: String,
        name: &str,
        message_id: Option<&str>,
    ) -> Result<(), String> {
        let from = match self {
            Mailer::Smtp { from, .. } | Mailer::Outbox { from, .. } => from.clone(),
        };
        let to: Mailbox = to.parse().map_err(|e| format!("recipient: {e}"))?;
        let message = Message::builder()
            .message_id(message_id.map(str::to_string))
            .from(from)
            .to(to)
            .subject(subject)
            .header(ContentType::TEXT_PLAIN)
            .body(text)
            .map_err(|e| format!("building a message: {e}"))?;
        match self {
            Mailer::Smtp { transport, .. } => transport
                .send(&message)
                .map(|_| ())
                .map_err(|e| format!("smtp: {e}")),
            Mailer::Outbox { folder, .. } => {
                let path = folder.join(name);
                write_owner_only(folder, &path, &message.formatted())
                    .map_err(|e| format!("outbox: {e}"))?;
                tracing::info!(file = %path.display(), "mail written to the outbox");
                Ok(())
            }
        }
    }
}

/// Writes the whole file or nothing, readable by its owner only (0600, in a 0700 folder
/// when this creates it).
fn write_owner_only(folder: &Path, path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut dir = std::fs::DirBuilder::new();
    dir.recursive(true);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        std::os::unix::fs::DirBuilderExt::mode(&mut dir, 0o700);
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    }
    dir.create(folder)?;
    let part = path.with_extension("part");
    let mut file = options.open(&part)?;
    file.write_all(bytes)?;
    file.sync_all()?;
    std::fs::rename(&part, path)
}

/// Removes the outbox's reset mails whose token can no longer be used (redeemed, expired,
/// replaced by a newer one, or forgotten by `password_reset::prune`): a token left lying in
/// a file is one more place to steal it from. Returns how many were removed.
pub fn prune_outbox(folder: &Path, conn: &rusqlite::Connection) -> Result<usize, String> {
    // The folder is read before the database: a mail is written only after its token is
    // stored, so every mail seen here has its token visible to the query below.
    let entries = match std::fs::read_dir(folder) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(0),
        Err(e) => return Err(format!("outbox: {e}")),
    };
    let mails: Vec<(String, PathBuf)> = entries
        .filter_map(Result::ok)
        .filter_map(|entry| {
            let name = entry.file_name().into_string().ok()?;
            let hash = name
                .strip_prefix(RESET_MAIL_PREFIX)?
                .strip_suffix(".eml")?
                .to_string();
            Some((hash, entry.path()))
        })
        .collect();
    if mails.is_empty() {
        return Ok(0);
    }
    let open: HashSet<String> =
        password_reset::open_hashes(conn, now()).map_err(|e| e.to_string())?;
    let mut removed = 0;
    for (hash, path) in mails {
        if !open.contains(&hash) {
            match std::fs::remove_file(&path) {
                Ok(()) => removed += 1,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(format!("outbox: removing {}: {e}", path.display())),
            }
        }
    }
    Ok(removed)
}
