//! `berth:plugin@0.1.0`'s imports, served by the same capability contexts
//! as 0.2's: the shapes are identical, only the generated types differ, so
//! each 0.1 function converts and delegates. Nothing else in the
//! capabilities knows 0.1 exists.

use super::cache::CacheCtx;
use super::config::ConfigCtx;
use super::http::HttpCtx;
use super::log::LogCtx;
use super::secrets::{SecretHandle, SecretsCtx};
use crate::runtime::CallState;
use crate::runtime::bindings::berth::plugin as new;
use crate::runtime::bindings::v0_1::berth::plugin as old;
use wasmtime::component::{HasSelf, Linker, Resource};

/// Adds the 0.1 interfaces to `linker`, beside 0.2's.
pub(super) fn add_to_linker(linker: &mut Linker<CallState>) -> wasmtime::Result<()> {
    old::types::add_to_linker::<CallState, HasSelf<CallState>>(linker, |state| state)?;
    old::http::add_to_linker::<CallState, HasSelf<HttpCtx>>(linker, |state| &mut state.contexts.http)?;
    old::secrets::add_to_linker::<CallState, HasSelf<SecretsCtx>>(linker, |state| &mut state.contexts.secrets)?;
    old::config::add_to_linker::<CallState, HasSelf<ConfigCtx>>(linker, |state| &mut state.contexts.config)?;
    old::cache::add_to_linker::<CallState, HasSelf<CacheCtx>>(linker, |state| &mut state.contexts.cache)?;
    old::log::add_to_linker::<CallState, HasSelf<LogCtx>>(linker, |state| &mut state.contexts.log)
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
    async fn get(&mut self, key: String) -> wasmtime::Result<Option<Vec<u8>>> {
        new::cache::Host::get(self, key).await
    }

    async fn set(
        &mut self,
        key: String,
        value: Vec<u8>,
        ttl_seconds: u32,
    ) -> wasmtime::Result<Result<(), old::cache::CacheError>> {
        Ok(new::cache::Host::set(self, key, value, ttl_seconds).await?.map_err(|error| match error {
            new::cache::CacheError::TooLarge(limit) => old::cache::CacheError::TooLarge(limit),
        }))
    }

    async fn delete(&mut self, key: String) -> wasmtime::Result<()> {
        new::cache::Host::delete(self, key).await
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
