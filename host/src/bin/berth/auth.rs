//! `berth auth`: the identity providers whose tokens Berth accepts.

use berth::auth::issuers::{Issuer, Issuers, TenantFrom};
use berth::db::Database;
use clap::{Args, Subcommand};

/// What `berth auth` does.
#[derive(Debug, Subcommand)]
pub(crate) enum AuthCommand {
    /// Trusted issuers of bearer JWTs (needs `[auth] resource`).
    #[command(subcommand)]
    Issuer(IssuerCommand),
}

/// What `berth auth issuer` does.
#[derive(Debug, Subcommand)]
pub(crate) enum IssuerCommand {
    /// Trust an issuer's tokens, or change how they are read.
    Add(AddArgs),
    /// List the trusted issuers.
    List,
    /// Stop trusting an issuer; its tokens are refused from the next call.
    Remove {
        /// The issuer identifier.
        issuer: String,
    },
}

/// `berth auth issuer add`.
#[derive(Debug, Args)]
pub(crate) struct AddArgs {
    /// The issuer identifier, exactly as its tokens carry it in `iss`
    /// (an https:// URL).
    issuer: String,
    /// The claim naming each token's tenant (such as `org`).
    #[arg(long, conflicts_with = "tenant", required_unless_present = "tenant")]
    tenant_claim: Option<String>,
    /// The one tenant every token of this issuer belongs to.
    #[arg(long)]
    tenant: Option<String>,
    /// The claim carrying roles: an array of names, or a space-separated
    /// string such as `scope`.
    #[arg(long, default_value = "roles")]
    roles_claim: String,
    /// The role that may use the admin API.
    #[arg(long)]
    admin_role: Option<String>,
    /// The public OpenID Connect client people sign in with before they
    /// connect their own upstream accounts (per-user credentials); register
    /// `{public_url}/oauth/signin` as its redirect URI.
    #[arg(long)]
    login_client_id: Option<String>,
}

/// Carries out `command` on the store `db`.
pub(crate) async fn run(command: AuthCommand, db: &Database) -> anyhow::Result<()> {
    let AuthCommand::Issuer(command) = command;
    let issuers = Issuers::new(db);
    match command {
        IssuerCommand::Add(args) => {
            let tenant = match (args.tenant_claim, args.tenant) {
                (Some(claim), _) => TenantFrom::Claim { claim },
                (None, Some(tenant)) => TenantFrom::Fixed { tenant },
                (None, None) => unreachable!("clap requires one of them"),
            };
            let issuer = Issuer {
                issuer: args.issuer,
                tenant,
                roles_claim: args.roles_claim,
                admin_role: args.admin_role,
                login_client_id: args.login_client_id,
            };
            issuers.add(&issuer).await?;
            eprintln!("tokens of {} are accepted from the next call", issuer.issuer);
        }
        IssuerCommand::List => {
            for issuer in issuers.list().await? {
                let tenant = match issuer.tenant {
                    TenantFrom::Claim { claim } => format!("tenant from claim `{claim}`"),
                    TenantFrom::Fixed { tenant } => format!("tenant {tenant}"),
                };
                let admin = issuer.admin_role.map(|role| format!("\tadmin role {role}")).unwrap_or_default();
                let login =
                    issuer.login_client_id.map(|client| format!("\tsign-in client {client}")).unwrap_or_default();
                println!("{}\t{tenant}\troles from claim `{}`{admin}{login}", issuer.issuer, issuer.roles_claim);
            }
        }
        IssuerCommand::Remove { issuer } => {
            if !issuers.remove(&issuer).await? {
                anyhow::bail!("no trusted issuer `{issuer}`");
            }
        }
    }
    Ok(())
}
