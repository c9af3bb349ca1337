//! A plugin component of either contract version, behind one set of
//! exports in 0.2's types. A 0.1 component offers tools only: it lists no
//! resources, templates or prompts, and the host never routes anything else
//! to it.

use super::bindings::event_adapter::{EventAdapter, EventAdapterIndices};
use super::bindings::events::{EventOutcome, EventSource};
use super::bindings::types::{
    Completion, CompletionRequest, Manifest, Prompt, PromptResult, ResourceContents, ResourceInfo, ResourceTemplate,
    Tool, ToolError, ToolResult,
};
use super::bindings::{Adapter, AdapterIndices, ticketing, v0_1};
use super::state::CallState;
use wasmtime::Store;
use wasmtime::component::InstancePre;

/// An export only 0.2 components have; how a component's version is told.
const V0_2_EXPORT: &str = "list-prompts";
/// The interface a ticket system exports (the `ticket-adapter` world).
const TICKETING_EXPORT: &str = "berth:plugin/ticketing@0.2.0";
/// The export of a plugin that can take webhooks (the `event-adapter` and
/// `ticket-event-adapter` worlds).
const EVENTS_EXPORT: &str = "handle-event";

/// What a plugin declares about itself at load.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub(crate) struct Declared {
    pub manifest: Manifest,
    pub tools: Vec<Tool>,
    pub templates: Vec<ResourceTemplate>,
    pub prompts: Vec<Prompt>,
    /// How its webhooks are authenticated; none: it takes no events.
    #[serde(default)]
    pub events: Option<EventSource>,
}

/// A pre-instantiated component, of the contract it was built against.
pub(crate) enum GuestPre {
    /// `berth:plugin@0.1.0`.
    V0_1(v0_1::AdapterPre<CallState>),
    /// `berth:plugin@0.2.0`, with the `ticketing` and event exports when
    /// it has them.
    V0_2 {
        pre: InstancePre<CallState>,
        adapter: AdapterIndices,
        ticketing: Option<ticketing::GuestIndices>,
        events: Option<Box<EventAdapterIndices>>,
    },
}

/// An instance for one call.
pub(crate) enum Guest {
    V0_1(v0_1::Adapter),
    V0_2 { adapter: Box<Adapter>, ticketing: Option<ticketing::Guest>, events: Option<Box<EventAdapter>> },
}

/// A guest export's outcome: the trap, or what the guest answered.
type Answer<T> = wasmtime::Result<Result<T, ToolError>>;

impl GuestPre {
    /// Checks `pre`'s exports against the contract it was built for.
    pub fn new(pre: InstancePre<CallState>) -> wasmtime::Result<Self> {
        let engine = pre.engine().clone();
        let current = pre.component().component_type().exports(&engine).any(|(name, _)| name == V0_2_EXPORT);
        if !current {
            return Ok(Self::V0_1(v0_1::AdapterPre::new(pre)?));
        }
        // A component that exports the interface must export all of it.
        let ticketing = match pre.component().get_export_index(None, TICKETING_EXPORT) {
            Some(_) => Some(ticketing::GuestIndices::new(&pre)?),
            None => None,
        };
        let events = match pre.component().get_export_index(None, EVENTS_EXPORT) {
            Some(_) => Some(Box::new(EventAdapterIndices::new(&pre)?)),
            None => None,
        };
        Ok(Self::V0_2 { adapter: AdapterIndices::new(&pre)?, ticketing, events, pre })
    }

    /// Whether the component exports the normalised ticket desk.
    pub fn serves_tickets(&self) -> bool {
        matches!(self, Self::V0_2 { ticketing: Some(_), .. })
    }

    /// The contract version, as `berth plugin inspect` shows it.
    pub fn contract(&self) -> &'static str {
        match self {
            Self::V0_1(_) => "berth:plugin@0.1.0",
            Self::V0_2 { .. } => "berth:plugin@0.2.0",
        }
    }

    /// A fresh instance in `store`.
    pub async fn instantiate(&self, store: &mut Store<CallState>) -> wasmtime::Result<Guest> {
        Ok(match self {
            Self::V0_1(pre) => Guest::V0_1(pre.instantiate_async(store).await?),
            Self::V0_2 { pre, adapter, ticketing, events } => {
                let instance = pre.instantiate_async(&mut *store).await?;
                Guest::V0_2 {
                    adapter: Box::new(adapter.load(&mut *store, &instance)?),
                    ticketing: ticketing.as_ref().map(|indices| indices.load(&mut *store, &instance)).transpose()?,
                    events: events
                        .as_ref()
                        .map(|indices| indices.load(&mut *store, &instance).map(Box::new))
                        .transpose()?,
                }
            }
        })
    }
}

impl Guest {
    /// `describe`, `list-tools` and, from 0.2, `list-resource-templates`
    /// and `list-prompts`.
    pub async fn declarations(&self, store: &mut Store<CallState>) -> wasmtime::Result<Declared> {
        Ok(match self {
            Self::V0_1(adapter) => Declared {
                manifest: adapter.call_describe(&mut *store).await?.into(),
                tools: adapter.call_list_tools(&mut *store).await?.into_iter().map(Into::into).collect(),
                templates: Vec::new(),
                prompts: Vec::new(),
                events: None,
            },
            Self::V0_2 { adapter, events, .. } => Declared {
                manifest: adapter.call_describe(&mut *store).await?,
                tools: adapter.call_list_tools(&mut *store).await?,
                templates: adapter.call_list_resource_templates(&mut *store).await?,
                prompts: adapter.call_list_prompts(&mut *store).await?,
                events: match events {
                    Some(events) => events.call_describe_events(&mut *store).await?,
                    None => None,
                },
            },
        })
    }

    /// `call-tool`.
    pub async fn call_tool(&self, store: &mut Store<CallState>, name: &str, arguments: &str) -> Answer<ToolResult> {
        Ok(match self {
            Self::V0_1(adapter) => {
                adapter.call_call_tool(store, name, arguments).await?.map(Into::into).map_err(Into::into)
            }
            Self::V0_2 { adapter, .. } => adapter.call_call_tool(store, name, arguments).await?,
        })
    }

    /// `list-resources`.
    pub async fn list_resources(&self, store: &mut Store<CallState>) -> Answer<Vec<ResourceInfo>> {
        match self {
            Self::V0_1(_) => Ok(Ok(Vec::new())),
            Self::V0_2 { adapter, .. } => adapter.call_list_resources(store).await,
        }
    }

    /// `read-resource`.
    pub async fn read_resource(&self, store: &mut Store<CallState>, uri: &str) -> Answer<Vec<ResourceContents>> {
        match self {
            Self::V0_1(_) => Ok(Err(ToolError::NotFound(format!("no resource `{uri}`")))),
            Self::V0_2 { adapter, .. } => adapter.call_read_resource(store, uri).await,
        }
    }

    /// `get-prompt`.
    pub async fn get_prompt(
        &self,
        store: &mut Store<CallState>,
        name: &str,
        arguments: &[(String, String)],
    ) -> Answer<PromptResult> {
        match self {
            Self::V0_1(_) => Ok(Err(ToolError::NotFound(format!("no prompt `{name}`")))),
            Self::V0_2 { adapter, .. } => adapter.call_get_prompt(store, name, arguments).await,
        }
    }

    /// The `ticketing` export, if the component has it.
    pub fn ticketing(&self) -> Option<&ticketing::Guest> {
        match self {
            Self::V0_2 { ticketing, .. } => ticketing.as_ref(),
            Self::V0_1(_) => None,
        }
    }

    /// `handle-event`; a plugin without the export takes no events.
    pub async fn handle_event(
        &self,
        store: &mut Store<CallState>,
        headers: &[(String, String)],
        body: &[u8],
    ) -> wasmtime::Result<Result<EventOutcome, String>> {
        match self {
            Self::V0_2 { events: Some(events), .. } => events.call_handle_event(store, headers, body).await,
            _ => Ok(Err("the plugin takes no events".to_owned())),
        }
    }

    /// `complete`.
    pub async fn complete(&self, store: &mut Store<CallState>, request: &CompletionRequest) -> Answer<Completion> {
        match self {
            Self::V0_1(_) => Ok(Ok(Completion { values: Vec::new(), total: None, has_more: false })),
            Self::V0_2 { adapter, .. } => adapter.call_complete(store, request).await,
        }
    }
}
