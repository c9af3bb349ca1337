//! `berth:plugin@0.1.0`'s exports: what a component built against the
//! first contract declares and answers, lifted into 0.2's types, which the
//! rest of the host works in. Its imports are the capabilities' (see
//! `capabilities::v0_1`).

use super::bindings::types;
use super::bindings::v0_1::berth::plugin as old;

impl From<old::types::Manifest> for types::Manifest {
    fn from(manifest: old::types::Manifest) -> Self {
        Self {
            name: manifest.name,
            version: manifest.version,
            description: manifest.description,
            egress: manifest.egress,
            credentials: manifest
                .credentials
                .into_iter()
                .map(|need| types::CredentialNeed { name: need.name, description: need.description })
                .collect(),
            config: manifest
                .config
                .into_iter()
                .map(|key| types::ConfigKey {
                    name: key.name,
                    description: key.description,
                    required: key.required,
                    default: key.default,
                })
                .collect(),
        }
    }
}

impl From<old::types::Tool> for types::Tool {
    fn from(tool: old::types::Tool) -> Self {
        let hints = tool.annotations;
        Self {
            name: tool.name,
            title: tool.title,
            description: tool.description,
            input_schema: tool.input_schema,
            output_schema: tool.output_schema,
            annotations: types::ToolAnnotations {
                read_only: hints.read_only,
                destructive: hints.destructive,
                idempotent: hints.idempotent,
                open_world: hints.open_world,
            },
        }
    }
}

impl From<old::types::ToolResult> for types::ToolResult {
    fn from(result: old::types::ToolResult) -> Self {
        let content = result
            .content
            .into_iter()
            .map(|content| match content {
                old::types::Content::Text(text) => types::Content::Text(text),
                old::types::Content::Json(text) => types::Content::Json(text),
                // 0.1's link was a bare URI; MCP names a link, and 0.1 hosts
                // named it by its URI.
                old::types::Content::ResourceLink(uri) => types::Content::ResourceLink(types::ResourceLink {
                    name: uri.clone(),
                    uri,
                    description: None,
                    mime_type: None,
                }),
            })
            .collect();
        Self { content, structured: result.structured, is_error: result.is_error }
    }
}

impl From<old::types::ToolError> for types::ToolError {
    fn from(error: old::types::ToolError) -> Self {
        use old::types::ToolError as Old;
        match error {
            Old::InvalidArguments(message) => Self::InvalidArguments(message),
            Old::NotFound(message) => Self::NotFound(message),
            Old::Denied(message) => Self::Denied(message),
            Old::Upstream(upstream) => {
                Self::Upstream(types::UpstreamError { status: upstream.status, message: upstream.message })
            }
            Old::Internal(message) => Self::Internal(message),
        }
    }
}
