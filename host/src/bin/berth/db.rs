//! `berth db`: the store itself.

use berth::db::{Database, DatabaseUrl, migrate::migrate};
use berth::settings::Settings;
use clap::Subcommand;

/// What `berth db` does.
#[derive(Debug, Subcommand)]
pub(crate) enum DbCommand {
    /// Copy this data directory's embedded database, with its plugin
    /// components, into PostgreSQL: tenants, keys, settings, sealed
    /// credentials (same master key), plugins, history, audit and events.
    /// Rows already there are kept; running it again copies nothing more.
    Migrate {
        /// The PostgreSQL database to fill: postgres://user[:password]@host[:port]/database.
        #[arg(long, value_name = "URL", env = "BERTH_MIGRATE_TO", hide_env_values = true)]
        to: String,
    },
}

/// Carries out `command` on the stores `settings` lead to.
pub(crate) async fn run(command: DbCommand, settings: &Settings) -> anyhow::Result<()> {
    let DbCommand::Migrate { to } = command;
    // Parsed here, not by clap, whose error would echo the URL and its password.
    let DatabaseUrl::Postgres(url) = to.parse::<DatabaseUrl>()? else { anyhow::bail!("--to must be a PostgreSQL URL") };
    let from = settings.open_database().await?;
    let target = Database::open_postgres(&url).await?;
    for copied in migrate(&from, &target, &settings.data_dir()).await? {
        println!("{}\t{} read\t{} copied", copied.table, copied.read, copied.written);
    }
    eprintln!("done: hosts started with this database URL now serve this deployment");
    Ok(())
}
