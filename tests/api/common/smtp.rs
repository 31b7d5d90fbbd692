//! A small SMTP server on loopback for tests: the server under test talks to it through
//! lettre, exactly as it would to a mail relay.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::mpsc;
use std::time::Duration;

/// One received message: the envelope and the data.
pub struct Received {
    pub mail_from: String,
    pub rcpt_to: Vec<String>,
    pub data: String,
}

/// Serves SMTP on a loopback port for `sessions` connections, sending each message down
/// the channel. Speaks just enough of RFC 5321 for a client that behaves.
pub fn smtp_listener(sessions: usize) -> (u16, mpsc::Receiver<Received>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let (sender, receiver) = mpsc::channel();
    std::thread::spawn(move || serve_listener(listener, sessions, &sender));
    (port, receiver)
}

/// Serves `sessions` connections of `listener`, one after another.
pub fn serve_listener(listener: TcpListener, sessions: usize, sender: &mpsc::Sender<Received>) {
    for stream in listener.incoming().take(sessions) {
        let Ok(stream) = stream else { return };
        serve_session(stream, sender);
    }
}

fn serve_session(stream: TcpStream, sender: &mpsc::Sender<Received>) {
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut out = stream;
    let mut reply = |text: &str| out.write_all(format!("{text}\r\n").as_bytes()).unwrap();
    reply("220 test.local ESMTP ready");
    let mut current = Received {
        mail_from: String::new(),
        rcpt_to: Vec::new(),
        data: String::new(),
    };
    let mut line = String::new();
    loop {
        line.clear();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        let command = line.trim_end().to_string();
        let upper = command.to_ascii_uppercase();
        if upper.starts_with("EHLO") || upper.starts_with("HELO") {
            reply("250-test.local greets you");
            reply("250 8BITMIME");
        } else if upper.starts_with("MAIL FROM:") {
            current.mail_from = command[10..].trim().to_string();
            reply("250 OK");
        } else if upper.starts_with("RCPT TO:") {
            current.rcpt_to.push(command[8..].trim().to_string());
            reply("250 OK");
        } else if upper == "DATA" {
            reply("354 end with <CRLF>.<CRLF>");
            loop {
                line.clear();
                if reader.read_line(&mut line).unwrap_or(0) == 0 {
                    return;
                }
                if line == ".\r\n" {
                    break;
                }
                current.data.push_str(&line);
            }
            reply("250 OK queued");
            let done = std::mem::replace(
                &mut current,
                Received {
                    mail_from: String::new(),
                    rcpt_to: Vec::new(),
                    data: String::new(),
                },
            );
            let _ = sender.send(done);
        } else if upper == "QUIT" {
            reply("221 bye");
            return;
        } else if upper == "RSET" || upper == "NOOP" {
            reply("250 OK");
        } else {
            reply("502 not implemented");
        }
    }
}
