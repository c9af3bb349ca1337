//! # berth-sdk: write Berth plugins in Rust
//!
//! A Berth plugin is a WebAssembly component that the Berth host runs in a
//! sandbox, one fresh instance per call. This crate hides the component-model
//! plumbing so that a tool is just a typed function: its arguments are a serde
//! struct, its JSON Schema is derived from that struct, and the `describe`,
//! `list-tools` and `call-tool` exports are generated for you.
//!
//! ```no_run
//! use berth_sdk::{Manifest, Plugin, Tool, ToolError};
//! use schemars::JsonSchema;
//! use serde::Deserialize;
//!
//! /// Arguments of `greet`. Doc comments become schema descriptions.
//! #[derive(Deserialize, JsonSchema)]
//! struct GreetArgs {
//!     /// Who to greet.
//!     name: String,
//! }
//!
//! fn greet(args: GreetArgs) -> Result<String, ToolError> {
//!     Ok(format!("Hello, {}!", args.name))
//! }
//!
//! struct Hello;
//!
//! impl Plugin for Hello {
//!     fn manifest() -> Manifest {
//!         Manifest::new("hello", env!("CARGO_PKG_VERSION"), "Says hello")
//!     }
//!     fn tools() -> Vec<Tool> {
//!         vec![Tool::new("greet", "Greets someone by name", greet).read_only()]
//!     }
//! }
//!
//! berth_sdk::export_plugin!(Hello);
//! ```
//!
//! Beyond tools, a plugin may offer resources, resource templates, prompts
//! and completions (see [`Plugin`] and [`Prompt`]), return images, sounds
//! and resources ([`content`]), and talk to the MCP client during a call
//! ([`client`]: progress, elicitation, sampling). A tool returning
//! [`Json<T>`](Json) declares `T`'s schema as its output schema.
//!
//! Build with `cargo build --release --target wasm32-wasip2` and load the
//! resulting `.wasm` into Berth. It targets `berth:plugin@0.2.0`. The
//! capabilities the host grants are in [`http`], [`config`], [`cache`],
//! [`secrets`], [`log`], [`client`] and [`changes`].

#![deny(missing_docs)]

pub mod cache;
pub mod changes;
pub mod client;
pub mod config;
pub mod content;
pub mod http;
pub mod log;
mod manifest;
mod plugin;
mod prompt;
pub mod secrets;
mod tool;

pub use manifest::Manifest;
pub use plugin::Plugin;
pub use prompt::{Prompt, PromptArguments};
pub use tool::{IntoToolResult, Json, NoArgs, Tool};

/// The types generated from `wit/` by `wit-bindgen`. Plugin code rarely needs
/// them directly; the rest of this crate wraps them.
#[allow(missing_docs, unsafe_code, clippy::all)]
pub mod bindings {
    wit_bindgen::generate!({
        path: "../wit",
        world: "adapter",
        pub_export_macro: true,
        export_macro_name: "__export_adapter",
        default_bindings_module: "berth_sdk::bindings",
    });
}

pub use bindings::berth::plugin::types::{
    Completion, CompletionRef, CompletionRequest, ConfigKey, Content, CredentialNeed, Media, PromptMessage,
    PromptResult, ResourceBody, ResourceContents, ResourceInfo, ResourceLink, ResourceTemplate, Role, ToolAnnotations,
    ToolError, ToolResult, UpstreamError,
};

/// Implementation details used by [`export_plugin!`]; not a stable API.
#[doc(hidden)]
pub mod __private {
    pub use crate::plugin::{call_tool, describe, get_prompt, list_prompts, list_tools};
}

/// Exports a [`Plugin`] implementation as the component's functions
/// (`describe`, `list-tools`, `call-tool`, the resource, prompt and
/// completion exports). Invoke it once, at the crate root of a `cdylib`
/// crate.
#[macro_export]
macro_rules! export_plugin {
    ($plugin:ty) => {
        const _: () = {
            struct BerthExports;
            impl $crate::bindings::Guest for BerthExports {
                fn describe() -> $crate::bindings::berth::plugin::types::Manifest {
                    $crate::__private::describe::<$plugin>()
                }
                fn list_tools() -> ::std::vec::Vec<$crate::bindings::berth::plugin::types::Tool> {
                    $crate::__private::list_tools::<$plugin>()
                }
                fn call_tool(
                    name: ::std::string::String,
                    arguments: ::std::string::String,
                ) -> ::std::result::Result<$crate::ToolResult, $crate::ToolError> {
                    $crate::__private::call_tool::<$plugin>(&name, &arguments)
                }
                fn list_resources() -> ::std::result::Result<::std::vec::Vec<$crate::ResourceInfo>, $crate::ToolError> {
                    <$plugin as $crate::Plugin>::resources()
                }
                fn list_resource_templates() -> ::std::vec::Vec<$crate::ResourceTemplate> {
                    <$plugin as $crate::Plugin>::resource_templates()
                }
                fn read_resource(
                    uri: ::std::string::String,
                ) -> ::std::result::Result<::std::vec::Vec<$crate::ResourceContents>, $crate::ToolError> {
                    <$plugin as $crate::Plugin>::read_resource(&uri)
                }
                fn list_prompts() -> ::std::vec::Vec<$crate::bindings::berth::plugin::types::Prompt> {
                    $crate::__private::list_prompts::<$plugin>()
                }
                fn get_prompt(
                    name: ::std::string::String,
                    arguments: ::std::vec::Vec<(::std::string::String, ::std::string::String)>,
                ) -> ::std::result::Result<$crate::PromptResult, $crate::ToolError> {
                    $crate::__private::get_prompt::<$plugin>(&name, arguments)
                }
                fn complete(
                    request: $crate::CompletionRequest,
                ) -> ::std::result::Result<$crate::Completion, $crate::ToolError> {
                    <$plugin as $crate::Plugin>::complete(&request)
                }
            }
    $crate::bindings::__export_adapter!(BerthExports with_types_in $crate::bindings);
        };
    };
}
