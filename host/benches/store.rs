//! Berth on each store, under one load client, in one run: the embedded
//! SQLite file (the baseline), a private PostgreSQL, and two replicas over
//! that PostgreSQL with the client's sessions split between them. Every
//! host serves the bundled `hello` plugin over Streamable HTTP with its
//! default settings (audit log on, every call reading the store's change
//! counter); the client measures sequential latency (p50, p99) and
//! throughput with 8 sessions in flight, with the same code as the
//! transport benchmark. Rounds interleave the stores, and the medians are
//! printed with ratios to SQLite.
//!
//! On one machine the replicas share its cores (and PostgreSQL's), so the
//! two-replica row shows what coordination through the store costs, not
//! how replicas scale across machines.
//!
//! `cargo bench -p berth --bench store` runs the full benchmark. `cargo
//! test` runs it once in a quick mode that proves it works and asserts no
//! timing.

mod load;

use berth_test_servers::PostgresServer;
use load::{Load, Row, Sample, drive, free_port, greet_request, http_client, median, peak_rss_mib, wait_listening};
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};

const BERTH: &str = env!("CARGO_BIN_EXE_berth");
const BUNDLED: &str = env!("BERTH_BUNDLED_PLUGINS");

const FULL: Load = Load { rounds: 3, warmup: 300, sequential: 3000, concurrent_per_worker: 1500 };
const QUICK: Load = Load { rounds: 1, warmup: 2, sequential: 10, concurrent_per_worker: 5 };
const IN_FLIGHT: usize = 8;

/// What is measured.
#[derive(Clone, Copy, PartialEq)]
enum Setup {
    Sqlite,
    Postgres,
    TwoReplicas,
}

impl Setup {
    const ALL: [Self; 3] = [Self::Sqlite, Self::Postgres, Self::TwoReplicas];

    fn name(self) -> &'static str {
        match self {
            Self::Sqlite => "SQLite",
            Self::Postgres => "PostgreSQL",
            Self::TwoReplicas => "2 replicas on PostgreSQL",
        }
    }
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("tokio runtime");
    // `cargo bench` passes `--bench`; `cargo test` does not.
    let load = if std::env::args().any(|arg| arg == "--bench") { FULL } else { QUICK };
    runtime.block_on(run(load));
}

/// The stores, each with tenant `bench` (hello enabled), and the plugins.
struct Stores {
    /// The embedded store's data directory.
    sqlite: tempfile::TempDir,
    sqlite_key: String,
    _postgres: PostgresServer,
    /// `--database URL --master-key-file FILE`.
    postgres_args: Vec<String>,
    postgres_key: String,
    /// One data directory per PostgreSQL replica.
    replica_data: [tempfile::TempDir; 2],
    plugins: tempfile::TempDir,
}

impl Stores {
    fn new() -> Self {
        let plugins = tempfile::tempdir().expect("tempdir");
        std::fs::copy(Path::new(BUNDLED).join("hello.wasm"), plugins.path().join("hello.wasm")).expect("copy hello");
        let sqlite = tempfile::tempdir().expect("tempdir");
        let sqlite_key = add_tenant(sqlite.path(), &[]);
        let postgres = PostgresServer::start().expect("a private PostgreSQL");
        let replica_data = [tempfile::tempdir().expect("tempdir"), tempfile::tempdir().expect("tempdir")];
        let key_file = replica_data[0].path().join("shared-master.key");
        std::fs::write(&key_file, "5e".repeat(32)).expect("a master key");
        let postgres_args = vec![
            "--database".to_owned(),
            postgres.url(),
            "--master-key-file".to_owned(),
            key_file.display().to_string(),
        ];
        let postgres_key = add_tenant(replica_data[0].path(), &postgres_args);
        Self { sqlite, sqlite_key, _postgres: postgres, postgres_args, postgres_key, replica_data, plugins }
    }

    /// The hosts of `setup`: their data directories, extra arguments, and
    /// the tenant's key.
    fn hosts(&self, setup: Setup) -> (Vec<(&Path, &[String])>, &str) {
        match setup {
            Setup::Sqlite => (vec![(self.sqlite.path(), &[][..])], &self.sqlite_key),
            Setup::Postgres => (vec![(self.replica_data[0].path(), &self.postgres_args[..])], &self.postgres_key),
            Setup::TwoReplicas => (
                self.replica_data.iter().map(|dir| (dir.path(), &self.postgres_args[..])).collect(),
                &self.postgres_key,
            ),
        }
    }
}

/// Adds tenant `bench` with `hello` enabled to the store `args` name; its key.
fn add_tenant(data: &Path, args: &[String]) -> String {
    let key = cli(data, args, &["tenant", "add", "bench"]).trim().to_owned();
    cli(data, args, &["tenant", "enable", "bench", "hello"]);
    key
}

fn cli(data: &Path, store: &[String], args: &[&str]) -> String {
    let output = berth().args(store).args(args).arg("--data").arg(data).output().expect("run berth");
    assert!(output.status.success(), "berth {args:?}: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout).expect("utf-8")
}

fn berth() -> std::process::Command {
    let mut command = std::process::Command::new(BERTH);
    command.env("BERTH_COMPILE_CACHE", PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("store-bench-compile-cache"));
    command
}

async fn run(load: Load) {
    let stores = Stores::new();
    let mut samples: Vec<(Setup, Sample)> = Vec::new();
    for round in 0..load.rounds {
        for setup in Setup::ALL {
            let sample = measure(&stores, setup, load).await;
            eprintln!(
                "round {} {}: p50 {:.0} µs, p99 {:.0} µs, {:.0} calls/s, peak RSS {:.1} MiB",
                round + 1,
                setup.name(),
                sample.p50_us,
                sample.p99_us,
                sample.calls_per_sec,
                sample.rss_mib
            );
            samples.push((setup, sample));
        }
    }
    let of = |setup: Setup, pick: fn(&Sample) -> f64| {
        median(samples.iter().filter(|(s, _)| *s == setup).map(|(_, sample)| pick(sample)).collect())
    };
    println!("| | SQLite | PostgreSQL | 2 replicas on PostgreSQL |");
    println!("|---|---|---|---|");
    let rows: [Row; 4] = [
        ("sequential p50", |sample| sample.p50_us, "µs"),
        ("sequential p99", |sample| sample.p99_us, "µs"),
        ("8 in flight", |sample| sample.calls_per_sec, "calls/s"),
        ("peak RSS per host", |sample| sample.rss_mib, "MiB"),
    ];
    for (label, pick, unit) in rows {
        let baseline = of(Setup::Sqlite, pick);
        let (postgres, replicas) = (of(Setup::Postgres, pick), of(Setup::TwoReplicas, pick));
        println!(
            "| {label} | {baseline:.0} {unit} | {postgres:.0} {unit} ({:.2}×) | {replicas:.0} {unit} ({:.2}×) |",
            postgres / baseline,
            replicas / baseline
        );
    }
}

/// Starts the hosts of `setup`, spreads 8 sessions over them, measures,
/// and stops them.
async fn measure(stores: &Stores, setup: Setup, load: Load) -> Sample {
    let (hosts, key) = stores.hosts(setup);
    let mut children: Vec<Child> = Vec::new();
    let mut bases = Vec::new();
    for (data, store) in hosts {
        let address = format!("127.0.0.1:{}", free_port());
        let child = berth()
            .args(store)
            .args(["serve", "--http", &address, "--no-watch", "--data"])
            .arg(data)
            .arg("--plugins")
            .arg(stores.plugins.path())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn berth");
        children.push(child);
        wait_listening(&address).await;
        bases.push(format!("http://{address}/mcp"));
    }
    let mut sessions = Vec::new();
    for index in 0..IN_FLIGHT {
        sessions.push(http_client(&bases[index % bases.len()], Some(key)).await);
    }
    let peers: Vec<_> = sessions.iter().map(|session| session.peer().clone()).collect();
    let mut sample = drive(&sessions[0], &peers, &greet_request("hello_greet"), load).await;
    // Per host: the replicas' largest.
    sample.rss_mib = children.iter().map(|child| peak_rss_mib(child.id())).fold(0.0, f64::max);
    for session in sessions {
        let _ = session.cancel().await;
    }
    for mut child in children {
        let _ = child.kill();
        let _ = child.wait();
    }
    sample
}
