//! `berth vault`: the vault's master key.

use anyhow::Context;
use berth::db::Database;
use berth::settings::Settings;
use berth::vault::{KeySource, MasterKey, Vault, load_master_key, write_key_file};
use clap::Subcommand;

/// What `berth vault` does.
#[derive(Debug, Subcommand)]
pub(crate) enum VaultCommand {
    /// Re-encrypt every secret under a new master key, losing none.
    Rotate,
}

/// Opens the vault in `db` with the configured master key; also says where
/// the key came from, which decides how rotation stores its successor.
pub(crate) async fn open_vault(
    settings: &Settings,
    db: std::sync::Arc<Database>,
) -> anyhow::Result<(Vault, KeySource)> {
    let (key, source) =
        load_master_key(&settings.data_dir(), settings.master_key.as_deref(), settings.master_key_file.as_deref())?;
    Ok((Vault::open(db, key, source.clone()).await?, source))
}

/// Carries out `command` on the vault `settings` lead to.
pub(crate) async fn run(command: VaultCommand, settings: &Settings) -> anyhow::Result<()> {
    match command {
        VaultCommand::Rotate => rotate(settings).await,
    }
}

/// Re-encrypts the vault under a new key. With a key file, the new key is
/// written beside it first and renamed over it only after the database
/// commits, so no crash loses the key that matches the data.
async fn rotate(settings: &Settings) -> anyhow::Result<()> {
    let (vault, source) = open_vault(settings, std::sync::Arc::new(settings.open_database().await?)).await?;
    let new = MasterKey::generate();
    match source {
        KeySource::File(path) => {
            let staged = path.with_extension("key.new");
            write_key_file(&staged, &new).with_context(|| format!("writing {}", staged.display()))?;
            let count = vault.rotate(&new).await?;
            std::fs::rename(&staged, &path).with_context(|| format!("replacing {}", path.display()))?;
            eprintln!("re-encrypted {count} credentials; the new key is in {}", path.display());
        }
        KeySource::Environment => {
            let count = vault.rotate(&new).await?;
            println!("{}", new.to_hex().as_str());
            eprintln!(
                "re-encrypted {count} credentials; set BERTH_MASTER_KEY to the key printed above before the next start"
            );
        }
    }
    Ok(())
}
