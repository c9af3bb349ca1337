//! The ticket desk: the host's own `tickets_search`, `tickets_get`,
//! `tickets_create`, `tickets_comment` and `tickets_update`, served over
//! every enabled plugin of the tenant that exports `ticketing`.
//!
//! A search fans out to those systems concurrently, each call in its own
//! sandbox under the usual limits and audited like any call, and merges the
//! answers by `updated` ([`merge`]) with one cursor for all of them
//! ([`cursor`]). A system that fails is named beside the others' results.
//! The other tools route by the `system:` prefix of a ticket's id. Every
//! answer is cleaned of hidden text per the tenant's setting, as any plugin
//! output is.

mod cursor;
mod merge;
mod model;
mod tools;

use super::server::{BerthServer, failure};
use crate::auth::Principal;
use crate::metrics::CallOutcome;
use crate::policy::echo::clip;
use crate::runtime::LoadedPlugin;
use crate::runtime::bindings::ticketing::{Assignment, NewComment, NewTicket, SearchQuery, TicketPage, TicketUpdate};
use crate::runtime::bindings::types::ToolError;
use crate::runtime::tickets::{AddComment, GetTicket, TicketOperation, UpdateTicket};
use crate::snapshot::Generation;
use cursor::{Position, SearchCursor};
use merge::{Fetched, merge};
use model::{CommentView, DetailsView, TicketView};
use rmcp::ErrorData;
use rmcp::model::{CallToolResult, ContentBlock, Tool};
use serde::Serialize;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::sync::Arc;
use std::time::Instant;
pub use tools::TicketTool;
use tools::{CommentArgs, CreateArgs, DEFAULT_LIMIT, GetArgs, MAX_LIMIT, SearchArgs, UpdateArgs};

/// The metrics' plugin label for the desk's own tools.
pub(super) const DESK: &str = "tickets";

/// One call of a desk tool: who, with which systems, on which snapshot.
struct Desk<'a> {
    server: &'a BerthServer,
    principal: &'a Principal,
    generation: &'a Generation,
    /// The tenant's ticket systems, by name.
    systems: Vec<Arc<LoadedPlugin>>,
}

/// A desk tool's failure: what the agent reads.
type Refusal = String;

/// How many times one search asks a system again whose page came back
/// empty with a cursor (a system that filters after its own query can).
const EMPTY_PAGE_ROUNDS: u32 = 3;

/// Refuses a page a plugin should not have sent: more tickets than asked
/// for would be skipped unseen, and a cursor past the bound would make the
/// desk's own cursor one no client can send back.
fn check_page(system: &str, size: u32, page: &TicketPage) -> Result<(), Refusal> {
    if page.tickets.len() > size as usize {
        return Err(format!("{system}: returned {} tickets where at most {size} were asked for", page.tickets.len()));
    }
    if page.cursor.as_ref().is_some_and(|cursor| cursor.len() > cursor::MAX_PLUGIN_CURSOR_LEN) {
        return Err(format!("{system}: returned a cursor longer than {} bytes", cursor::MAX_PLUGIN_CURSOR_LEN));
    }
    Ok(())
}

impl BerthServer {
    /// The desk's tools, when the tenant has a ticket system among `plugins`.
    pub(super) fn ticket_tools(plugins: &[Arc<LoadedPlugin>]) -> Vec<Tool> {
        let systems: Vec<String> =
            plugins.iter().filter(|plugin| plugin.serves_tickets()).map(|plugin| plugin.name().to_owned()).collect();
        if systems.is_empty() {
            return Vec::new();
        }
        TicketTool::ALL.iter().map(|tool| tool.describe(&systems)).collect()
    }

    /// Runs desk tool `tool` for `principal`, whose permission to is
    /// checked before. A tenant without ticket systems has no such tool.
    pub(super) async fn call_ticket_tool(
        &self,
        principal: &Principal,
        tool: TicketTool,
        arguments: Value,
    ) -> Result<CallToolResult, ErrorData> {
        let started = Instant::now();
        let tenant = &principal.tenant;
        let (generation, access) = self.access(tenant).await?;
        let mut systems: Vec<Arc<LoadedPlugin>> =
            self.plugins_in(&access).into_iter().filter(|plugin| plugin.serves_tickets()).collect();
        if systems.is_empty() {
            return Err(ErrorData::invalid_params(format!("unknown tool `{}`", tool.name()), None));
        }
        systems.sort_by(|a, b| a.name().cmp(b.name()));
        let hidden_text = self.hidden_text(&generation, tenant).await?;
        let desk = Desk { server: self, principal, generation: &generation, systems };
        let answer = match tool {
            TicketTool::Search => desk.search(arguments).await,
            TicketTool::Get => desk.get(arguments).await,
            TicketTool::Create => desk.create(arguments).await,
            TicketTool::Comment => desk.comment(arguments).await,
            TicketTool::Update => desk.update(arguments).await,
        };
        let (result, outcome) = match answer {
            Ok(mut value) => {
                super::untrusted::clean(hidden_text, &mut value);
                let text = serde_json::to_string(&value).unwrap_or_default();
                let limit = self.app.runtime.limits().output_bytes();
                // Text and structured content each carry the answer.
                if text.len().saturating_mul(2) > limit {
                    let said = format!(
                        "the answer is larger than the host's output limit of {} KiB; ask for fewer tickets \
                         (`limit`) or narrow the search",
                        limit / 1024
                    );
                    (failure(said), CallOutcome::LimitExceeded)
                } else {
                    let mut result = CallToolResult::success(vec![ContentBlock::text(text)]);
                    result.structured_content = Some(value);
                    (result, CallOutcome::Ok)
                }
            }
            Err(refusal) => {
                let mut refusal = refusal;
                super::untrusted::clean(hidden_text, &mut refusal);
                (failure(refusal), CallOutcome::ToolError)
            }
        };
        self.app.metrics.tool_call(tenant, DESK, tool.name(), outcome, started.elapsed());
        tracing::info!(
            tenant = %tenant, tool = %tool.name(), outcome = outcome.as_str(),
            elapsed_ms = started.elapsed().as_millis() as u64, "tool call"
        );
        Ok(result)
    }
}

/// Reads `arguments` as `T`, or says what is wrong with them.
fn arguments<T: serde::de::DeserializeOwned>(tool: TicketTool, arguments: Value) -> Result<T, Refusal> {
    serde_json::from_value(arguments).map_err(|error| format!("invalid arguments for `{}`: {error}", tool.name()))
}

fn json_of(value: impl Serialize) -> Value {
    serde_json::to_value(value).unwrap_or(Value::Null)
}

/// A system's failure as the agent reads it.
fn named_failure(system: &str, error: &ToolError) -> String {
    format!("{system}: {}", error.describe())
}

impl Desk<'_> {
    fn names(&self) -> String {
        self.systems.iter().map(|plugin| plugin.name()).collect::<Vec<_>>().join(", ")
    }

    fn system(&self, name: &str) -> Result<&Arc<LoadedPlugin>, Refusal> {
        self.systems.iter().find(|plugin| plugin.name() == name).ok_or_else(|| {
            format!("`{}` is not a ticket system of this tenant; they are: {}", clip(name), self.names())
        })
    }

    /// The system and key of ticket id `id` (`system:key`).
    fn route(&self, id: &str) -> Result<(&Arc<LoadedPlugin>, String), Refusal> {
        let (system, key) = id
            .split_once(':')
            .filter(|(_, key)| !key.trim().is_empty())
            .ok_or_else(|| format!("`{}` is not a ticket id; ids are `system:key`, such as `jira:OPS-12`", clip(id)))?;
        Ok((self.system(system)?, key.trim().to_owned()))
    }

    /// Runs `operation` on `system`, audited as `tool` with `arguments`.
    /// What the system or the sandbox reports comes back as a refusal that
    /// names the system.
    async fn run<O: TicketOperation>(
        &self,
        system: &LoadedPlugin,
        tool: TicketTool,
        arguments: &Value,
        operation: O,
    ) -> Result<O::Output, Refusal> {
        let runtime = &self.server.app.runtime;
        let target = (self.principal, system, self.generation);
        let run = async |scope| runtime.ticketing(system, scope, operation).await;
        match self.server.export(target, tool.name(), arguments.clone(), run).await {
            Ok(Ok(output)) => Ok(output),
            Ok(Err(error)) => Err(named_failure(system.name(), &error)),
            // A person not connected to this system: the link goes in the text.
            Err(error) => match super::connect::connect_link(&error) {
                Some(link) => Err(format!(
                    "{}: acts as you, and you have not connected your account yet; connect at {link}, then call again",
                    system.name()
                )),
                None => Err(format!("{}: {}", system.name(), error.message)),
            },
        }
    }

    async fn search(&self, given: Value) -> Result<Value, Refusal> {
        let args: SearchArgs = arguments(TicketTool::Search, given.clone())?;
        let limit = args.limit.unwrap_or(DEFAULT_LIMIT);
        if !(1..=MAX_LIMIT).contains(&limit) {
            return Err(format!("`limit` must be 1 to {MAX_LIMIT}"));
        }
        let statuses = model::categories(&args.status)?;
        let priorities = args.priority.iter().map(|name| model::priority(name)).collect::<Result<Vec<_>, _>>()?;
        let updated_since = args.updated_since.as_deref().map(model::utc_instant).transpose()?;
        let mut chosen = match &args.systems {
            Some(names) => names
                .iter()
                .map(|name| self.system(name).map(|plugin| plugin.name().to_owned()))
                .collect::<Result<Vec<_>, _>>()?,
            None => self.systems.iter().map(|plugin| plugin.name().to_owned()).collect(),
        };
        chosen.sort();
        chosen.dedup();
        // The filters as given: the systems a tenant has may change while
        // it pages, which the cursor's positions account for.
        let mut named = args.systems.clone();
        if let Some(named) = &mut named {
            named.sort();
            named.dedup();
        }
        let digest = {
            let search = json!([
                args.text,
                statuses.iter().map(|s| format!("{s:?}")).collect::<Vec<_>>(),
                priorities.iter().map(|p| format!("{p:?}")).collect::<Vec<_>>(),
                args.assignee,
                args.requester,
                updated_since,
                named
            ]);
            hex::encode(&Sha256::digest(search.to_string().as_bytes())[..12])
        };
        let mut failures = Vec::new();
        let positions = match &args.cursor {
            Some(text) => {
                let cursor = SearchCursor::decode(text, &digest).map_err(|error| error.to_string())?;
                cursor.check(named.as_deref(), MAX_LIMIT).map_err(|error| error.to_string())?;
                let (present, gone): (Vec<Position>, Vec<Position>) =
                    cursor.positions.into_iter().partition(|position| self.system(&position.system).is_ok());
                for position in gone {
                    failures
                        .push(json!({"system": position.system, "error": "no longer a ticket system of this tenant"}));
                }
                present
            }
            None => chosen
                .iter()
                .map(|system| Position { system: system.clone(), cursor: None, size: limit, skip: 0 })
                .collect(),
        };
        let query = |position: &Position| SearchQuery {
            text: args.text.clone().filter(|text| !text.trim().is_empty()),
            statuses: statuses.clone(),
            priorities: priorities.clone(),
            assignee: args.assignee.clone(),
            requester: args.requester.clone(),
            updated_since: updated_since.clone(),
            limit: position.size,
            cursor: position.cursor.clone(),
        };
        // A system whose page came back empty but with more to come is
        // asked for its next page at once, a few times, rather than leave
        // the whole page waiting on it.
        let asked_count = positions.len();
        let (mut fetched, mut retry) = (Vec::new(), Vec::new());
        let mut pending = positions;
        for round in 1..=EMPTY_PAGE_ROUNDS {
            let asked = pending.iter().map(|position| async {
                let system = self.system(&position.system)?;
                let page = self.run(system, TicketTool::Search, &given, query(position)).await?;
                check_page(&position.system, position.size, &page)?;
                Ok::<_, Refusal>(page)
            });
            let answers = futures::future::join_all(asked).await;
            let mut again = Vec::new();
            for (position, answer) in pending.into_iter().zip(answers) {
                match answer {
                    Ok(page) if page.tickets.len() <= position.skip as usize && round < EMPTY_PAGE_ROUNDS => {
                        // An exhausted system has nothing more to give.
                        if let Some(cursor) = page.cursor {
                            again.push(Position { cursor: Some(cursor), skip: 0, size: limit, ..position });
                        }
                    }
                    Ok(page) => fetched.push(Fetched { position, page }),
                    Err(refusal) => {
                        failures.push(json!({"system": position.system, "error": refusal}));
                        // Asked again, from the same place, on the next page.
                        retry.push(position);
                    }
                }
            }
            if again.is_empty() {
                break;
            }
            pending = again;
        }
        if asked_count > 0 && retry.len() == asked_count {
            let said: Vec<String> =
                failures.iter().filter_map(|failure| failure["error"].as_str().map(str::to_owned)).collect();
            return Err(format!("no ticket system answered: {}", said.join("; ")));
        }
        let merged = merge(fetched, limit as usize, limit);
        let mut positions = merged.positions;
        positions.extend(retry);
        let next_cursor = (!positions.is_empty()).then(|| SearchCursor { search: digest, positions }.encode());
        let tickets: Vec<TicketView> =
            merged.tickets.into_iter().map(|(system, ticket)| TicketView::listed(&system, ticket)).collect();
        let mut answer = json!({"tickets": tickets, "searched": chosen, "failures": failures});
        if let Some(next_cursor) = next_cursor {
            answer["next_cursor"] = Value::String(next_cursor);
        }
        Ok(answer)
    }

    async fn get(&self, given: Value) -> Result<Value, Refusal> {
        let args: GetArgs = arguments(TicketTool::Get, given.clone())?;
        let (system, key) = self.route(&args.id)?;
        let details = self.run(system, TicketTool::Get, &given, GetTicket(key)).await?;
        Ok(json_of(DetailsView::of(system.name(), details)))
    }

    async fn create(&self, given: Value) -> Result<Value, Refusal> {
        let args: CreateArgs = arguments(TicketTool::Create, given.clone())?;
        let system = self.system(&args.system)?;
        if args.title.trim().is_empty() {
            return Err("`title` must say what the ticket is about".to_owned());
        }
        let ticket = NewTicket {
            title: args.title,
            description: args.description,
            priority: args.priority.as_deref().map(model::priority).transpose()?,
            assignee: args.assignee,
            requester: args.requester,
            queue: args.queue,
            labels: args.labels,
        };
        let created = self.run(system, TicketTool::Create, &given, ticket).await?;
        Ok(json_of(TicketView::full(system.name(), created)))
    }

    async fn comment(&self, given: Value) -> Result<Value, Refusal> {
        let args: CommentArgs = arguments(TicketTool::Comment, given.clone())?;
        if args.body.trim().is_empty() {
            return Err("`body` is empty; there is nothing to add".to_owned());
        }
        let (system, key) = self.route(&args.id)?;
        let comment = NewComment { body: args.body, public: args.public };
        let written = self.run(system, TicketTool::Comment, &given, AddComment(key.clone(), comment)).await?;
        Ok(json!({"id": format!("{}:{key}", system.name()), "comment": CommentView::from(written)}))
    }

    async fn update(&self, given: Value) -> Result<Value, Refusal> {
        let args: UpdateArgs = arguments(TicketTool::Update, given.clone())?;
        let (system, key) = self.route(&args.id)?;
        let update = TicketUpdate {
            status: args.status.as_deref().map(model::category).transpose()?,
            note: args.note.filter(|note| !note.trim().is_empty()),
            assignee: args.assignee.map(|assignee| assignee.map_or(Assignment::Unassigned, Assignment::To)),
            priority: args.priority.as_deref().map(model::priority).transpose()?,
        };
        let nothing =
            update.status.is_none() && update.note.is_none() && update.assignee.is_none() && update.priority.is_none();
        if nothing {
            return Err("nothing to update: give a status, note, assignee or priority".to_owned());
        }
        let updated = self.run(system, TicketTool::Update, &given, UpdateTicket(key, update)).await?;
        Ok(json_of(TicketView::full(system.name(), updated)))
    }
}
