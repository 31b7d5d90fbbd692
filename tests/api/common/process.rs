//! The real binary as a child process on a loopback port, and plain HTTP/1.1 to it, for
//! what needs real sockets and signals (first start, crashes, shutdown).

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub const BIN: &str = env!("CARGO_BIN_EXE_library-server");

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The server process; killed (SIGKILL) when dropped if still running.
pub struct Server {
    pub child: Child,
    pub port: u16,
}

impl Server {
    /// Starts `library-server serve` in `dir` on a free port with a fast bcrypt, plus
    /// `args`, and waits until `/health` answers.
    pub fn start(dir: &Path, args: &[&str]) -> Server {
        Server::spawn(dir, args, &[("LIBRARY_LOG", "warn")], Stdio::null())
    }

    fn spawn(dir: &Path, args: &[&str], envs: &[(&str, &str)], stderr: Stdio) -> Server {
        let port = free_port();
        let child = Command::new(BIN)
            .current_dir(dir)
            .arg("serve")
            .args(["--port", &port.to_string()])
            .args(args)
            .env("LIBRARY_BCRYPT_COST", "4")
            // Notices and daily backups at an hour of the test's choosing (see notices::scheduler).
            .env("LIBRARY_SCHEDULER", "false")
            .envs(envs.iter().copied())
            .stdout(Stdio::null())
            .stderr(stderr)
            .spawn()
            .unwrap();
        let server = Server { child, port };
        server.wait_until_up();
        server
    }

    pub fn wait_until_up(&self) -> String {
        let started = Instant::now();
        while started.elapsed() < Duration::from_secs(20) {
            if let Some(answer) = get(self.port, "/health") {
                return answer;
            }
            std::thread::sleep(Duration::from_millis(25));
        }
        panic!("the server did not answer on port {}", self.port);
    }

    /// Sends a signal by name (TERM, INT, KILL…).
    pub fn signal(&self, name: &str) {
        let status = Command::new("kill")
            .args([format!("-{name}"), self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
    }

    /// Waits (bounded) for the process to end; its exit status.
    pub fn wait_exit(&mut self, limit: Duration) -> Option<std::process::ExitStatus> {
        let started = Instant::now();
        while started.elapsed() < limit {
            if let Some(status) = self.child.try_wait().unwrap() {
                return Some(status);
            }
            std::thread::sleep(Duration::from_millis(25));
        }
        None
    }
}

/// The server in `dir` with its standard error kept in `dir/server.log` (see `server_log`)
/// at log level info, and `envs` set.
pub fn start_logged(dir: &Path, args: &[&str], envs: &[(&str, &str)]) -> Server {
    let log = std::fs::File::create(dir.join("server.log")).unwrap();
    let envs: Vec<(&str, &str)> = [("LIBRARY_LOG", "info")]
        .into_iter()
        .chain(envs.iter().copied())
        .collect();
    Server::spawn(dir, args, &envs, log.into())
}

/// What a server from `start_logged` has written to its standard error so far.
pub fn server_log(dir: &Path) -> String {
    std::fs::read_to_string(dir.join("server.log")).unwrap_or_default()
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Sends a raw request and reads the whole answer (the request should say
/// `Connection: close`). None when the server cannot be reached.
pub fn http(port: u16, request: &str) -> Option<String> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .ok()?;
    stream.write_all(request.as_bytes()).ok()?;
    let mut answer = String::new();
    stream.read_to_string(&mut answer).ok()?;
    (!answer.is_empty()).then_some(answer)
}

/// Sends a raw request and returns what came back, even when the server closes the
/// connection on a body it did not read (a reset after its answer).
pub fn http_tolerant(port: u16, head: &str, body: &[u8]) -> String {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    stream.write_all(head.as_bytes()).unwrap();
    let _ = stream.write_all(body);
    let mut answer = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        match stream.read(&mut chunk) {
            Ok(0) | Err(_) => break,
            Ok(n) => answer.extend_from_slice(&chunk[..n]),
        }
    }
    String::from_utf8_lossy(&answer).into_owned()
}

pub fn get(port: u16, path: &str) -> Option<String> {
    http(
        port,
        &format!("GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"),
    )
}

/// A form POST as raw HTTP.
pub fn post_form(port: u16, path: &str, form: &str) -> Option<String> {
    http(
        port,
        &format!(
            "POST {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\
             Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{form}",
            form.len()
        ),
    )
}

/// A JSON call to the server process on `port` (`Value::Null` sends no body): the status
/// and the answer's JSON (`Null` when it has none).
pub fn json_call(
    port: u16,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: &serde_json::Value,
) -> (u16, serde_json::Value) {
    let body = if body.is_null() {
        String::new()
    } else {
        body.to_string()
    };
    let auth = token
        .map(|t| format!("Authorization: Bearer {t}\r\n"))
        .unwrap_or_default();
    let answer = http(
        port,
        &format!(
            "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n{auth}\
             Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        ),
    )
    .unwrap_or_default();
    let json = answer
        .split_once("\r\n\r\n")
        .and_then(|(_, b)| serde_json::from_str(b).ok())
        .unwrap_or(serde_json::Value::Null);
    (status_of(&answer), json)
}

/// The status code of a raw answer.
pub fn status_of(answer: &str) -> u16 {
    answer
        .split(' ')
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or(0)
}
