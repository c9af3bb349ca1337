//! # berth-test-servers
//!
//! Real servers for Berth's tests, Redis and PostgreSQL, each private to
//! the test that starts it: a fresh process on a random loopback port, its files in a temporary
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

/// Where Debian puts PostgreSQL's programs: `/usr/lib/postgresql/<major>/bin`,
/// newest first.
fn postgres_dirs() -> Vec<PathBuf> {
    let mut dirs: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| Some((entry.file_name().to_str()?.parse().ok()?, entry.path().join("bin"))))
        .collect();
    dirs.sort_by_key(|(major, _)| std::cmp::Reverse(*major));
    dirs.into_iter().map(|(_, dir)| dir).collect()
}

/// Whether this process runs as root (it owns `/proc/self`'s uid 0).
fn is_root() -> bool {
    std::fs::metadata("/proc/self").is_ok_and(|meta| std::os::unix::fs::MetadataExt::uid(&meta) == 0)
}

/// `program` run as `nobody` when this process is root: PostgreSQL refuses
/// to run as root, and CI runs as root.
fn unprivileged(program: &Path) -> Command {
    if is_root() {
        let mut command = Command::new("setpriv");
        command.args(["--reuid=nobody", "--regid=nogroup", "--clear-groups", "--"]).arg(program);
        command
    } else {
        Command::new(program)
    }
}

/// A private PostgreSQL cluster: a fresh `initdb` in a temporary directory,
/// trust authentication for user `berth` on 127.0.0.1 only, durability off
/// (a test's data need not survive a crash), and a database `berth`.
pub struct PostgresServer {
    port: u16,
    bin: PathBuf,
    child: Child,
    /// The cluster's files; removed on drop, after the server stops.
    _dir: tempfile::TempDir,
}

impl PostgresServer {
    /// Initialises a cluster, starts it, and waits until it takes
    /// connections.
    pub fn start() -> Result<Self, ServerError> {
        let io = |source| ServerError::Io { what: "postgres", source };
        // The real directory, beside its siblings `postgres`, `pg_isready`
        // and `createdb`, however `initdb` was found.
        let initdb = std::fs::canonicalize(find("initdb", "postgresql", &postgres_dirs())?).map_err(io)?;
        let bin = initdb.parent().map(Path::to_owned).unwrap_or_default();
        let dir = tempfile::tempdir().map_err(io)?;
        if is_root() {
            // The unprivileged user must own the cluster's directory.
            let status = Command::new("chown").arg("nobody:nogroup").arg(dir.path()).status().map_err(io)?;
            if !status.success() {
                return Err(io(std::io::Error::other("cannot hand the cluster's directory to nobody")));
            }
        }
        let data = dir.path().join("data");
        let log = dir.path().join("initdb.log");
        let initialised = unprivileged(&initdb)
            .args(["-A", "trust", "-U", "berth", "-E", "UTF8", "--no-locale", "--no-sync", "-D"])
            .arg(&data)
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).map_err(io)?)
            .status()
            .map_err(io)?;
        if !initialised.success() {
            return Err(ServerError::Silent { what: "initdb", seconds: 0, log: log_tail(&log) });
        }
        let mut last = None;
        for _ in 0..5 {
            let port = free_port()?;
            let log = dir.path().join("postgres.log");
            let mut child = unprivileged(&bin.join("postgres"))
                .arg("-D")
                .arg(&data)
                .args(["-p", &port.to_string(), "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off"])
                .args(["-c", "synchronous_commit=off", "-c", "full_page_writes=off", "-c", "max_connections=100"])
                .arg("-c")
                .arg(format!("unix_socket_directories={}", dir.path().display()))
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(std::fs::File::create(&log).map_err(io)?)
                .spawn()
                .map_err(io)?;
            match postgres_answers(&mut child, &bin, port, &log) {
                Ok(()) => {
                    let server = Self { port, bin, child, _dir: dir };
                    server.create_database("berth")?;
                    return Ok(server);
                }
                // The port was taken in between: again, on another.
                Err(error) => last = Some(error),
            }
            let _ = child.kill();
            let _ = child.wait();
        }
        Err(last.expect("five tries failed"))
    }

    /// One server for the whole test process, started on first use: for
    /// suites of many small store tests, each of which takes a database of
    /// its own ([`Self::create_database`]) rather than a cluster. A static
    /// is never dropped, so a watchdog process stops the server and removes
    /// its files once this process has gone, however it ended.
    pub fn shared() -> Result<&'static Self, String> {
        static SHARED: std::sync::OnceLock<Result<PostgresServer, String>> = std::sync::OnceLock::new();
        SHARED
            .get_or_init(|| {
                let server = Self::start().map_err(|error| error.to_string())?;
                let watchdog = format!(
                    "while kill -0 {test} 2>/dev/null; do sleep 0.5; done; kill -QUIT {server}; sleep 1; rm -rf '{dir}'",
                    test = std::process::id(),
                    server = server.child.id(),
                    dir = server._dir.path().display(),
                );
                Command::new("sh")
                    .args(["-c", &watchdog])
                    .stdin(Stdio::null())
                    .stdout(Stdio::null())
                    .stderr(Stdio::null())
                    .spawn()
                    .map_err(|error| format!("cannot start the test PostgreSQL's watchdog: {error}"))?;
                Ok(server)
            })
            .as_ref()
            .map_err(Clone::clone)
    }

    /// `postgres://berth@127.0.0.1:PORT/berth`.
    pub fn url(&self) -> String {
        self.url_of("berth")
    }

    /// Creates database `name` (for a test that wants its own); its URL.
    pub fn create_database(&self, name: &str) -> Result<String, ServerError> {
        let io = |source| ServerError::Io { what: "createdb", source };
        let output = Command::new(self.bin.join("createdb"))
            .args(["-h", "127.0.0.1", "-p", &self.port.to_string(), "-U", "berth", name])
            .output()
            .map_err(io)?;
        if !output.status.success() {
            let log = String::from_utf8_lossy(&output.stderr).into_owned();
            return Err(ServerError::Silent { what: "createdb", seconds: 0, log });
        }
        Ok(self.url_of(name))
    }

    /// Kills the server now, as a crash would.
    pub fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    fn url_of(&self, database: &str) -> String {
        format!("postgres://berth@127.0.0.1:{}/{database}", self.port)
    }
}

/// Waits until the postgres `child` on `port` takes connections.
fn postgres_answers(child: &mut Child, bin: &Path, port: u16, log: &Path) -> Result<(), ServerError> {
    let started = Instant::now();
    while started.elapsed() < STARTUP {
        if matches!(child.try_wait(), Ok(Some(_))) {
            break;
        }
        let ready = Command::new(bin.join("pg_isready"))
            .args(["-q", "-h", "127.0.0.1", "-p", &port.to_string(), "-U", "berth"])
            .status();
        if ready.is_ok_and(|status| status.success()) {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    Err(ServerError::Silent { what: "postgres", seconds: STARTUP.as_secs(), log: log_tail(log) })
}

impl Drop for PostgresServer {
    fn drop(&mut self) {
        self.stop();
    }
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
            // Answering, and this one: not another test's server that took
            // the port first.
            if ping(self.port) && serves_process(self.port, self.child.id()) {
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

/// Whether the Redis on `port` is process `pid` (`INFO server`).
fn serves_process(port: u16, pid: u32) -> bool {
    use std::io::{Read, Write};
    let Ok(mut stream) = std::net::TcpStream::connect(("127.0.0.1", port)) else { return false };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(1)));
    let mut info = vec![0u8; 8192];
    let read = stream.write_all(b"INFO server\r\n").and_then(|()| stream.read(&mut info));
    let info = String::from_utf8_lossy(&info[..read.unwrap_or(0)]).into_owned();
    info.lines().any(|line| line.trim() == format!("process_id:{pid}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_postgres_takes_sql_in_its_own_databases_and_is_gone_after_drop() {
        let server = PostgresServer::start().unwrap();
        let psql = |url: &str, sql: &str| {
            let output = Command::new(server.bin.join("psql")).args([url, "-tA", "-c", sql]).output().unwrap();
            assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
            String::from_utf8(output.stdout).unwrap().trim().to_owned()
        };
        psql(&server.url(), "CREATE TABLE t (n int); INSERT INTO t VALUES (41), (1)");
        assert_eq!(psql(&server.url(), "SELECT sum(n) FROM t"), "42");
        let other = server.create_database("other").unwrap();
        assert_eq!(psql(&other, "SELECT count(*) FROM pg_tables WHERE tablename = 't'"), "0");
        let (port, dir) = (server.port, server._dir.path().to_owned());
        drop(server);
        assert!(std::net::TcpStream::connect(("127.0.0.1", port)).is_err(), "stopped on drop");
        assert!(!dir.exists(), "its files removed");
    }

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
