//! `berth role`: what principals may list and call.

use berth::auth::policy::Policies;
use berth::auth::roles::{Grant, Role};
use berth::db::Database;
use clap::Subcommand;

/// What `berth role` does.
#[derive(Debug, Subcommand)]
pub(crate) enum RoleCommand {
    /// Define a role (or redefine one): the tools it grants, by pattern.
    Add {
        /// Role name.
        name: String,
        /// Tool name patterns, `*` matching anything (`servicenow_*`,
        /// `tickets_search`); repeatable.
        #[arg(long = "tools", required = true, value_delimiter = ',')]
        tools: Vec<String>,
        /// Only the tools their plugin annotates read-only.
        #[arg(long)]
        read_only: bool,
        /// None of the tools their plugin annotates destructive.
        #[arg(long)]
        no_destructive: bool,
    },
    /// List the roles, built-in ones first.
    List,
    /// Remove a role defined with `berth role add`.
    Remove {
        /// Role name.
        name: String,
    },
}

/// Carries out `command` on the store `db`.
pub(crate) async fn run(command: RoleCommand, db: &Database) -> anyhow::Result<()> {
    let policies = Policies::new(db);
    match command {
        RoleCommand::Add { name, tools, read_only, no_destructive } => {
            policies.define_role(&Role { name, grants: vec![Grant { tools, read_only, no_destructive }] }).await?;
        }
        RoleCommand::List => {
            for role in policies.roles().await? {
                let grants: Vec<String> = role
                    .grants
                    .iter()
                    .map(|grant| {
                        let mut text = grant.tools.join(",");
                        if grant.read_only {
                            text.push_str(" (read-only only)");
                        }
                        if grant.no_destructive {
                            text.push_str(" (no destructive)");
                        }
                        text
                    })
                    .collect();
                println!("{}\t{}", role.name, grants.join("; "));
            }
        }
        RoleCommand::Remove { name } => {
            if !policies.remove_role(&name).await? {
                anyhow::bail!("no role `{name}`");
            }
        }
    }
    Ok(())
}
