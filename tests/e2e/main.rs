//! End-to-end tests: the real `berth` binary, driven by rmcp's real client,
//! against real components and loopback fake upstreams.
//!
//! One test binary holds every suite, so the host, wasmtime and the harness
//! are linked once rather than once per file.

mod support;

mod audit;
mod authz;
mod buyict;
mod client_log;
mod conformance;
mod credentials;
mod demo;
mod egress;
mod events;
mod github;
mod hostile_client;
mod hostile_plugin;
mod hostile_secrets;
mod hostile_upstream;
mod http;
mod jira;
mod languages;
mod legacy;
mod lifecycle;
mod migrate;
mod oauth;
mod opsramp;
mod people;
mod replicas;
mod resilience;
mod runtime;
mod sandbox;
mod scaffold;
mod servicedesk_plus;
mod servicenow;
mod snapshot;
mod stdio;
mod surface;
mod tickets;
mod untrusted;
mod zendesk;
