//! `berth config`: tenants' non-secret plugin settings.

use anyhow::bail;
use berth::db::Database;
use clap::Subcommand;

/// What `berth config` does.
#[derive(Debug, Subcommand)]
pub(crate) enum ConfigCommand {
    /// Set a plugin setting for a tenant.
    Set {
        /// Tenant.
        #[arg(long)]
        tenant: String,
        /// Plugin name.
        plugin: String,
        /// Setting name, e.g. `instance`.
        key: String,
        /// Value.
        value: String,
    },
    /// Remove a plugin setting from a tenant.
    Unset {
        /// Tenant.
        #[arg(long)]
        tenant: String,
        /// Plugin name.
        plugin: String,
        /// Setting name.
        key: String,
    },
    /// List a tenant's plugin settings.
    List {
        /// Tenant.
        #[arg(long)]
        tenant: String,
    },
}

/// Carries out `command` on the settings in `db`.
pub(crate) async fn run(command: ConfigCommand, db: &Database) -> anyhow::Result<()> {
    match command {
        ConfigCommand::Set { tenant, plugin, key, value } => {
            db.set_plugin_config(&tenant, &plugin, &key, &value).await?
        }
        ConfigCommand::Unset { tenant, plugin, key } => {
            if !db.unset_plugin_config(&tenant, &plugin, &key).await? {
                bail!("tenant `{tenant}` has no setting `{key}` for plugin `{plugin}`");
            }
        }
        ConfigCommand::List { tenant } => {
            for (plugin, key, value) in db.tenant_config(&tenant).await? {
                println!("{plugin}\t{key}\t{value}");
            }
        }
    }
    Ok(())
}
