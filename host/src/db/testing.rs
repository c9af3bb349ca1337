//! Store-level tests run each check on both backends: the embedded SQLite
//! in a temporary directory, and a fresh database on this test process's
//! private PostgreSQL server (`berth-test-servers`), never a mock.

use super::Database;
use std::sync::atomic::{AtomicUsize, Ordering};

/// One backend under test, with a data directory of its own.
pub(crate) struct Store {
    /// `sqlite` or `postgres`, for assertion messages.
    pub name: &'static str,
    /// A data directory (the database's, for SQLite).
    pub dir: tempfile::TempDir,
    /// The store.
    pub db: Database,
    /// PostgreSQL's URL; `None` for SQLite.
    url: Option<String>,
}

impl Store {
    /// The settings that name this store.
    pub fn settings(&self) -> super::DatabaseSettings {
        super::DatabaseSettings { url: self.url.clone().map(super::DatabaseUrl::Postgres) }
    }

    /// A second handle on the same store with connections of its own, as
    /// another process or replica would have.
    pub async fn another_process(&self) -> Database {
        match &self.url {
            Some(url) => Database::open_postgres(url).await.unwrap(),
            None => Database::open_embedded(self.dir.path()).await.unwrap(),
        }
    }
}

/// A fresh, empty store on each backend.
pub(crate) async fn each_backend() -> Vec<Store> {
    vec![sqlite().await, postgres().await]
}

/// A fresh embedded store.
pub(crate) async fn sqlite() -> Store {
    let dir = tempfile::tempdir().unwrap();
    let db = Database::open_embedded(dir.path()).await.unwrap();
    Store { name: "sqlite", dir, db, url: None }
}

/// A fresh database on the shared test PostgreSQL server.
pub(crate) async fn postgres() -> Store {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let name = format!("unit_{}", NEXT.fetch_add(1, Ordering::Relaxed));
    let url = tokio::task::spawn_blocking(move || {
        let server = berth_test_servers::PostgresServer::shared().unwrap_or_else(|error| panic!("{error}"));
        server.create_database(&name).unwrap()
    })
    .await
    .unwrap();
    let db = Database::open_postgres(&url).await.unwrap();
    Store { name: "postgres", dir: tempfile::tempdir().unwrap(), db, url: Some(url) }
}
