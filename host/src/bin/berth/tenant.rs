//! `berth tenant`: tenants, their API keys and the plugins they see.

use berth::auth::policy::Policies;
use berth::db::Database;
use berth::tenants::{HiddenText, Tenants};
use clap::Subcommand;

/// What `berth tenant` does.
#[derive(Debug, Subcommand)]
pub(crate) enum TenantCommand {
    /// Register a tenant; prints its API key (the only line on stdout).
    Add {
        /// Tenant name.
        name: String,
    },
    /// List tenants with their key ids and enabled plugins.
    List,
    /// Issue a new API key; the old one stops working at once.
    RotateKey {
        /// Tenant name.
        name: String,
    },
    /// Let a tenant see and call a plugin.
    Enable {
        /// Tenant name.
        name: String,
        /// Plugin name.
        plugin: String,
    },
    /// Stop a tenant from seeing and calling a plugin.
    Disable {
        /// Tenant name.
        name: String,
        /// Plugin name.
        plugin: String,
    },
    /// Choose what happens to hidden text (invisible and bidirectional
    /// characters, HTML comments) in what the tenant's plugins return:
    /// `strip` (the default) removes it before a model sees it, `keep`
    /// passes it on.
    HiddenText {
        /// Tenant name.
        name: String,
        /// `strip` or `keep`.
        choice: HiddenText,
    },
    /// Show or set a tenant's policy: the roles its API keys act with.
    #[command(subcommand)]
    Policy(PolicyCommand),
}

/// What `berth tenant policy` does.
#[derive(Debug, Subcommand)]
pub(crate) enum PolicyCommand {
    /// Print the tenant's policy as JSON.
    Show {
        /// Tenant name.
        name: String,
    },
    /// Change the tenant's policy; what is not given stays as it was. It
    /// holds from the next call.
    Set {
        /// Tenant name.
        name: String,
        /// The roles the tenant's API keys act with (default `operator`).
        #[arg(long, value_delimiter = ',')]
        key_roles: Option<Vec<String>>,
        /// Whether every tool annotated destructive needs a person's
        /// approval, asked through the client, before it runs.
        #[arg(long)]
        confirm_destructive: Option<bool>,
        /// Tools that need approval, by name pattern (`*` matches
        /// anything); an empty value clears the list.
        #[arg(long, value_delimiter = ',')]
        confirm_tools: Option<Vec<String>>,
    },
}

/// Carries out `command` on the tenants in `db`.
pub(crate) async fn run(command: TenantCommand, db: &Database) -> anyhow::Result<()> {
    let tenants = Tenants::new(db);
    match command {
        TenantCommand::Add { name } => println!("{}", tenants.add(&name).await?.as_str()),
        TenantCommand::RotateKey { name } => println!("{}", tenants.rotate_key(&name).await?.as_str()),
        TenantCommand::List => {
            for tenant in tenants.list().await? {
                let plugins = tenant.plugins.into_iter().collect::<Vec<_>>().join(",");
                println!(
                    "{}\tkey berth_{}_…\tplugins: {}\thidden text: {}",
                    tenant.name,
                    tenant.key_id,
                    if plugins.is_empty() { "-" } else { &plugins },
                    tenant.hidden_text.as_str()
                );
            }
        }
        TenantCommand::Enable { name, plugin } => tenants.enable(&name, &plugin).await?,
        TenantCommand::Disable { name, plugin } => tenants.disable(&name, &plugin).await?,
        TenantCommand::HiddenText { name, choice } => tenants.set_hidden_text(&name, choice).await?,
        TenantCommand::Policy(PolicyCommand::Show { name }) => {
            let policy = Policies::new(db).tenant_policy(&name).await?;
            println!("{}", serde_json::to_string_pretty(&policy)?);
        }
        TenantCommand::Policy(PolicyCommand::Set { name, key_roles, confirm_destructive, confirm_tools }) => {
            let policies = Policies::new(db);
            let mut policy = policies.tenant_policy(&name).await?;
            policy.key_roles = key_roles.unwrap_or(policy.key_roles);
            policy.confirm.destructive = confirm_destructive.unwrap_or(policy.confirm.destructive);
            if let Some(tools) = confirm_tools {
                policy.confirm.tools = tools.into_iter().filter(|tool| !tool.is_empty()).collect();
            }
            policies.set_tenant_policy(&name, &policy).await?;
        }
    }
    Ok(())
}
