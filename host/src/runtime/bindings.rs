//! Host-side bindings generated from `wit/` by wasmtime's `bindgen!`.

wasmtime::component::bindgen!({
    path: "../wit",
    world: "adapter",
    imports: {
        "berth:plugin/http.send": async | trappable,
        default: trappable,
    },
    exports: { default: async },
    with: {
        "berth:plugin/secrets.secret": crate::capabilities::secrets::SecretHandle,
    },
    // What a plugin declares is kept in the compile cache as JSON.
    additional_derives: [serde::Serialize, serde::Deserialize],
});

pub use self::berth::plugin::types;

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
        }
    }
}
