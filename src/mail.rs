//! Outgoing mail: SMTP when a host is configured, otherwise an `.eml` file in the outbox
//! folder (handy on a laptop with no mail server). Sending blocks: call it from a blocking
//! thread.

use std::path::PathBuf;
use std::time::Duration;

use lettre::message::{header::ContentType, Mailbox};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{Message, SmtpTransport, Transport};
use rand::RngCore;

use crate::config::{Config, SmtpTls};
use crate::media::write_atomically;

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
        let from = match self {
            Mailer::Smtp { from, .. } | Mailer::Outbox { from, .. } => from.clone(),
        };
        let to: Mailbox = to.parse().map_err(|e| format!("recipient: {e}"))?;
        let message = Message::builder()
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
                std::fs::create_dir_all(folder).map_err(|e| format!("outbox: {e}"))?;
                let mut random = [0u8; 8];
                rand::rng().fill_bytes(&mut random);
                let name = format!("{}-{}.eml", crate::models::now(), hex::encode(random));
                let path = folder.join(name);
                write_atomically(&path, &message.formatted())
                    .map_err(|e| format!("outbox: {e}"))?;
                tracing::info!(file = %path.display(), "mail written to the outbox");
                Ok(())
            }
        }
    }
}
