//! `berth:plugin@0.1.0`: components built against the first contract keep
//! loading and behave exactly as before. Its imports are served by the same
//! capability contexts as 0.2's, through the conversions below (the shapes
//! are identical, only the generated types differ), and what such a
//! component exports is lifted into 0.2's types, which the rest of the host
//! works in. Nothing else in the host knows 0.1 exists.

use super::bindings::v0_1::berth::plugin as old;
use super::bindings::{berth::plugin as new, types};
use super::state::CallState;
use crate::capabilities::cache::CacheCtx;
use crate::capabilities::config::ConfigCtx;
use crate::capabilities::http::HttpCtx;
use crate::capabilities::log::LogCtx;
use crate::capabilities::secrets::{SecretHandle, SecretsCtx};
use wasmtime::component::{HasSelf, Linker, Resource};

/// Adds the 0.1 interfaces to `linker`, beside 0.2's.
pub(crate) fn add_to_linker(linker: &mut Linker<CallState>) -> wasmtime::Result<()> {
    old::types::add_to_linker::<CallState, HasSelf<CallState>>(linker, |state| state)?;
    old::http::add_to_linker::<CallState, HasSelf<HttpCtx>>(linker, |state| &mut state.http)?;
    old::secrets::add_to_linker::<CallState, HasSelf<SecretsCtx>>(linker, |state| &mut state.secrets)?;
    old::config::add_to_linker::<CallState, HasSelf<ConfigCtx>>(linker, |state| &mut state.config)?;
    old::cache::add_to_linker::<CallState, HasSelf<CacheCtx>>(linker, |state| &mut state.cache)?;
    old::log::add_to_linker::<CallState, HasSelf<LogCtx>>(linker, |state| &mut state.log)
}

impl old::types::Host for CallState {}

impl old::http::Host for HttpCtx {
    async fn send(
        &mut self,
        request: old::http::Request,
    ) -> wasmtime::Result<Result<old::http::Response, old::http::HttpError>> {
        let outcome = new::http::Host::send(self, request.into()).await?;
        Ok(outcome.map(Into::into).map_err(Into::into))
    }
}

impl old::secrets::Host for SecretsCtx {
    fn get(&mut self, name: String) -> wasmtime::Result<Result<Resource<SecretHandle>, old::secrets::SecretError>> {
        Ok(new::secrets::Host::get(self, name)?.map_err(|error| match error {
            new::secrets::SecretError::NotFound(message) => old::secrets::SecretError::NotFound(message),
            new::secrets::SecretError::Denied(message) => old::secrets::SecretError::Denied(message),
        }))
    }
}

impl old::secrets::HostSecret for SecretsCtx {
    fn hmac_sha256(&mut self, secret: Resource<SecretHandle>, data: Vec<u8>) -> wasmtime::Result<Vec<u8>> {
        new::secrets::HostSecret::hmac_sha256(self, secret, data)
    }

    fn drop(&mut self, secret: Resource<SecretHandle>) -> wasmtime::Result<()> {
        new::secrets::HostSecret::drop(self, secret)
    }
}

impl old::config::Host for ConfigCtx {
    fn get(&mut self, key: String) -> wasmtime::Result<Option<String>> {
        new::config::Host::get(self, key)
    }
}

impl old::cache::Host for CacheCtx {
    fn get(&mut self, key: String) -> wasmtime::Result<Option<Vec<u8>>> {
        new::cache::Host::get(self, key)
    }

    fn set(
        &mut self,
        key: String,
        value: Vec<u8>,
        ttl_seconds: u32,
    ) -> wasmtime::Result<Result<(), old::cache::CacheError>> {
        Ok(new::cache::Host::set(self, key, value, ttl_seconds)?.map_err(|error| match error {
            new::cache::CacheError::TooLarge(limit) => old::cache::CacheError::TooLarge(limit),
        }))
    }

    fn delete(&mut self, key: String) -> wasmtime::Result<()> {
        new::cache::Host::delete(self, key)
    }
}

impl old::log::Host for LogCtx {
    fn log(&mut self, level: old::log::Level, message: String) -> wasmtime::Result<()> {
        use new::log::Level as New;
        use old::log::Level as Old;
        let level = match level {
            Old::Trace => New::Trace,
            Old::Debug => New::Debug,
            Old::Info => New::Info,
            Old::Warn => New::Warn,
            Old::Error => New::Error,
        };
        new::log::Host::log(self, level, message)
    }
}

impl From<old::http::Request> for new::http::Request {
    fn from(request: old::http::Request) -> Self {
        use new::http::Method as New;
        use old::http::Method as Old;
        let method = match request.method {
            Old::Get => New::Get,
            Old::Head => New::Head,
            Old::Post => New::Post,
            Old::Put => New::Put,
            Old::Patch => New::Patch,
            Old::Delete => New::Delete,
            Old::Options => New::Options,
        };
        Self {
            method,
            url: request.url,
            headers: request.headers,
            body: request.body,
            credential: request.credential,
            timeout_ms: request.timeout_ms,
        }
    }
}

impl From<new::http::Response> for old::http::Response {
    fn from(response: new::http::Response) -> Self {
        Self { status: response.status, headers: response.headers, body: response.body }
    }
}

impl From<new::http::HttpError> for old::http::HttpError {
    fn from(error: new::http::HttpError) -> Self {
        use new::http::HttpError as New;
        match error {
            New::Denied(message) => Self::Denied(message),
            New::InvalidRequest(message) => Self::InvalidRequest(message),
            New::CredentialFailed(message) => Self::CredentialFailed(message),
            New::Timeout => Self::Timeout,
            New::TooLarge(limit) => Self::TooLarge(limit),
            New::RateLimited(wait) => Self::RateLimited(wait),
            New::CircuitOpen(message) => Self::CircuitOpen(message),
            New::Connection(message) => Self::Connection(message),
        }
    }
}

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
