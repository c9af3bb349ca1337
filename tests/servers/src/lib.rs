//! # berth-test-servers
//!
//! Real servers for Berth's tests, each private to the test that starts
//! it: a fresh process on a random loopback port, its files in a temporary
//! directory, killed and removed when the handle drops (also when the test
//! panics, as dropping runs on unwind). Tests of what replicas share run
//! against these, never against mocks. `.ci/run` installs the servers from
//! Debian's packages when a machine lacks them.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Why a server could not be started.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    /// The server's program is not installed.
    #[error("`{0}` is not installed; install Debian's `{1}` package (`.ci/run` does)")]
    Missing(&'static str, &'static str),
    /// Files or processes could not be made.
    #[error("cannot start {what}: {source}")]
    Io {
        /// What was being started.
        what: &'static str,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The server started but never answered.
    #[error("{what} did not answer within {seconds} s; its log:\n{log}")]
    Silent {
        /// The server.
        what: &'static str,
        /// How long it was given.
        seconds: u64,
        /// The end of its log.
        log: String,
    },
}

/// How long a server may take to answer after it starts.
const STARTUP: Duration = Duration::from_secs(20);

/// A free port on 127.0.0.1 now. Another process may take it before the
/// server binds it, so starts retry with a fresh one.
fn free_port() -> Result<u16, ServerError> {
    let listener = TcpListener::bind("127.0.0.1:0").map_err(|source| ServerError::Io { what: "a port", source })?;
    listener.local_addr().map(|addr| addr.port()).map_err(|source| ServerError::Io { what: "a port", source })
}

/// `program` on the `PATH` or in `dirs`.
fn find(program: &'static str, package: &'static str, dirs: &[PathBuf]) -> Result<PathBuf, ServerError> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain(dirs.iter().cloned())
        .map(|dir| dir.join(program))
        .find(|candidate| candidate.is_file())
        .ok_or(ServerError::Missing(program, package))
}

/// The last few lines of the log at `path`.
fn log_tail(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(20)..].join("\n")
}

/// A private `redis-server`: no persistence, loopback only.
pub struct RedisServer {
    port: u16,
    child: Child,
    _dir: tempfile::TempDir,
}

impl RedisServer {
    /// Starts one and waits until it answers `PING`.
    pub fn start() -> Result<Self, ServerError> {
        let program = find("redis-server", "redis-server", &[])?;
        let io = |source| ServerError::Io { what: "redis-server", source };
        let mut last = None;
        for _ in 0..5 {
            let dir = tempfile::tempdir().map_err(io)?;
            let port = free_port()?;
            let log = dir.path().join("redis.log");
            let child = Command::new(&program)
                .args(["--port", &port.to_string(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
                .args(["--protected-mode", "yes", "--daemonize", "no"])
                .arg("--dir")
                .arg(dir.path())
                .arg("--logfile")
                .arg(&log)
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .map_err(io)?;
            let mut server = Self { port, child, _dir: dir };
            match server.wait_until_answering(&log) {
                Ok(()) => return Ok(server),
                // The port was taken in between, or the server died: again.
                Err(error) => last = Some(error),
            }
            server.stop();
        }
        Err(last.expect("five tries failed"))
    }

    /// `redis://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// Kills the server now, as a crash would: what clients do then is what
    /// tests of an outage show.
    pub fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    fn wait_until_answering(&mut self, log: &Path) -> Result<(), ServerError> {
        let started = Instant::now();
        while started.elapsed() < STARTUP {
            if matches!(self.child.try_wait(), Ok(Some(_))) {
                break;
            }
            if ping(self.port) {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        Err(ServerError::Silent { what: "redis-server", seconds: STARTUP.as_secs(), log: log_tail(log) })
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Whether a Redis on `port` answers `PING` with `+PONG`.
fn ping(port: u16) -> bool {
    use std::io::{Read, Write};
    let Ok(mut stream) = std::net::TcpStream::connect(("127.0.0.1", port)) else { return false };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(1)));
    let mut answer = [0u8; 7];
    stream.write_all(b"PING\r\n").is_ok() && stream.read_exact(&mut answer).is_ok() && &answer == b"+PONG\r\n"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_redis_answers_on_its_own_port_and_is_gone_after_drop() {
        let (one, two) = (RedisServer::start().unwrap(), RedisServer::start().unwrap());
        assert_ne!(one.url(), two.url());
        let port = one.port;
        assert!(ping(port));
        drop(one);
        assert!(!ping(port), "killed on drop");
    }
}
