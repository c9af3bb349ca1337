//! Host-side bindings generated from `wit/` by wasmtime's `bindgen!`: the
//! current contract, `berth:plugin@0.2.0`, at the top level, and the first
//! one, `berth:plugin@0.1.0`, in [`v0_1`]. The host works in 0.2's types;
//! [`super::legacy`] converts what a 0.1 component says.

wasmtime::component::bindgen!({
    path: "../wit",
    world: "adapter",
    imports: {
        "berth:plugin/http.send": async | trappable,
        "berth:plugin/client.progress": async | trappable,
        "berth:plugin/client.request-input": async | trappable,
        // The cache may live in Redis.
        "berth:plugin/cache.get": async | trappable,
        "berth:plugin/cache.set": async | trappable,
        "berth:plugin/cache.delete": async | trappable,
        default: trappable,
    },
    exports: { default: async },
    with: {
        "berth:plugin/secrets.secret": crate::capabilities::secrets::SecretHandle,
    },
    // What a plugin declares is kept in the compile cache as JSON.
    additional_derives: [serde::Serialize, serde::Deserialize],
});

/// `berth:plugin@0.1.0`, which components built before 0.2 target.
pub mod v0_1 {
    wasmtime::component::bindgen!({
        path: "../wit/0.1.0",
        world: "adapter",
        imports: {
            "berth:plugin/http.send": async | trappable,
            "berth:plugin/cache.get": async | trappable,
            "berth:plugin/cache.set": async | trappable,
            "berth:plugin/cache.delete": async | trappable,
            default: trappable,
        },
        exports: { default: async },
        with: {
            "berth:plugin/secrets.secret": crate::capabilities::secrets::SecretHandle,
        },
    });
}

/// The bindings of a world that adds exports to `adapter`, whose imports
/// are the ones above. What a plugin declares (the event source among it)
/// is kept in the compile cache as JSON, hence the derives.
macro_rules! exports_of {
    ($world:literal) => {
        wasmtime::component::bindgen!({
            path: "../wit",
            world: $world,
            imports: { default: trappable },
            exports: { default: async },
            with: {
                "berth:plugin/types": super::berth::plugin::types,
                "berth:plugin/http": super::berth::plugin::http,
                "berth:plugin/secrets": super::berth::plugin::secrets,
                "berth:plugin/config": super::berth::plugin::config,
                "berth:plugin/cache": super::berth::plugin::cache,
                "berth:plugin/log": super::berth::plugin::log,
                "berth:plugin/client": super::berth::plugin::client,
                "berth:plugin/changes": super::berth::plugin::changes,
            },
            additional_derives: [serde::Serialize, serde::Deserialize],
        });
    };
}

/// The `ticket-adapter` world, of which the host uses only the exported
/// `ticketing` interface.
pub mod ticket_adapter {
    exports_of!("ticket-adapter");
}

/// The `event-adapter` world, of which the host uses only the event
/// exports (`describe-events`, `handle-event`). A `ticket-event-adapter`
/// component has the same exports.
pub mod event_adapter {
    exports_of!("event-adapter");
}

pub use self::berth::plugin::types;
pub use event_adapter::berth::plugin::events;
pub use ticket_adapter::exports::berth::plugin::ticketing;

impl types::ToolError {
    /// The message for a guest-reported error, naming its kind: what an
    /// agent (or `berth plugin call`) shows. (bindgen's `Display` is its
    /// `Debug`.)
    pub fn describe(&self) -> String {
        use types::{ToolError, UpstreamError};
        match self {
            ToolError::InvalidArguments(message) => format!("invalid arguments: {message}"),
            ToolError::NotFound(message) => format!("not found: {message}"),
            ToolError::Denied(message) => format!("denied: {message}"),
            ToolError::Upstream(UpstreamError { status: Some(status), message }) => {
                format!("upstream error (HTTP {status}): {message}")
            }
            ToolError::Upstream(UpstreamError { status: None, message }) => format!("upstream error: {message}"),
            ToolError::Internal(message) => format!("plugin error: {message}"),
            ToolError::MissingCapability(capability) => {
                format!("the client did not declare the capability `{capability}`, which this request needs")
            }
        }
    }
}
