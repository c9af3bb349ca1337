//! `berth audit`: read the audit log, or prune it to its retention.

use berth::audit::retention::{self, Retention};
use berth::settings::Settings;
use clap::Subcommand;

/// How `tail` commands pick and print the newest records of a log.
#[derive(Debug, clap::Args)]
pub(crate) struct TailArgs {
    /// Only this tenant's records.
    #[arg(long)]
    pub tenant: Option<String>,
    /// One JSON object per line.
    #[arg(long)]
    pub json: bool,
    /// How many records.
    #[arg(short = 'n', long, default_value_t = 20)]
    pub lines: usize,
}

/// What `berth audit` does.
#[derive(Debug, Subcommand)]
pub(crate) enum AuditCommand {
    /// The newest tool calls with the upstream requests each made, oldest first.
    Tail(TailArgs),
    /// Delete calls (and their upstream requests) beyond the retention
    /// bounds now, as a running host does in the background. The bounds
    /// default to `[audit] max_age_days` and `max_calls`; 0 turns one off.
    Prune {
        /// Delete calls older than this many days.
        #[arg(long)]
        max_age_days: Option<u32>,
        /// Keep at most this many calls, the newest.
        #[arg(long)]
        max_calls: Option<u64>,
    },
}

/// Carries out `command` on the audit log `settings` lead to.
pub(crate) async fn run(command: AuditCommand, settings: &Settings) -> anyhow::Result<()> {
    match command {
        AuditCommand::Tail(TailArgs { tenant, json, lines }) => tail(settings, tenant.as_deref(), json, lines).await,
        AuditCommand::Prune { max_age_days, max_calls } => {
            let configured = Retention::from(&settings.audit);
            let retention = Retention {
                max_age_days: max_age_days.unwrap_or(configured.max_age_days),
                max_calls: max_calls.unwrap_or(configured.max_calls),
            };
            let pruned = retention::prune(&settings.open_database().await?, retention, berth::audit::now_ms()).await?;
            println!("deleted {} calls and {} upstream requests", pruned.calls, pruned.requests);
            Ok(())
        }
    }
}

/// Prints the newest `lines` calls (of `tenant`), as text or JSON lines.
async fn tail(settings: &Settings, tenant: Option<&str>, json: bool, lines: usize) -> anyhow::Result<()> {
    for call in berth::audit::tail(&settings.open_database().await?, tenant, lines).await? {
        if json {
            println!("{}", serde_json::to_string(&call)?);
            continue;
        }
        println!(
            "{} {} tenant={} by={} via={} {}_{}@{} {} ({} ms)",
            call.at_ms,
            call.call_id,
            call.tenant,
            call.principal,
            call.transport,
            call.plugin,
            call.tool,
            call.version,
            call.outcome,
            call.duration_ms
        );
        for request in &call.requests {
            let status = request.status.map_or_else(|| "-".to_owned(), |status| status.to_string());
            let acting_as = match request.acting_as.as_str() {
                "" => String::new(),
                whose => format!(" as {whose}"),
            };
            println!(
                "    {} {}{} -> {status} ({} ms, {} retries) {}{acting_as}",
                request.method, request.origin, request.path, request.duration_ms, request.retries, request.outcome
            );
        }
    }
    Ok(())
}
