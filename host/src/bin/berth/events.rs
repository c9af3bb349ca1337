//! `berth events`: the webhook event history.

use crate::audit::TailArgs;
use berth::settings::Settings;
use clap::Subcommand;

/// What `berth events` does.
#[derive(Debug, Subcommand)]
pub(crate) enum EventsCommand {
    /// The newest webhook deliveries and what became of each, oldest first:
    /// time, tenant, plugin, delivery id, type, outcome and why.
    Tail(TailArgs),
}

/// Carries out `command` on the history `settings` lead to.
pub(crate) async fn run(command: EventsCommand, settings: &Settings) -> anyhow::Result<()> {
    let EventsCommand::Tail(TailArgs { tenant, json, lines }) = command;
    for event in berth::events::history::tail(&settings.open_database().await?, tenant.as_deref(), lines).await? {
        if json {
            println!("{}", serde_json::to_string(&event)?);
            continue;
        }
        println!(
            "{} tenant={} plugin={} delivery={} type={} {}{}{}",
            event.at_ms,
            event.tenant,
            event.plugin,
            event.delivery.as_deref().unwrap_or("-"),
            event.kind.as_deref().unwrap_or("-"),
            event.outcome,
            if event.detail.is_empty() { "" } else { ": " },
            event.detail
        );
    }
    Ok(())
}
