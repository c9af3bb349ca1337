//! # berth-sdk for `berth:plugin@0.1.0`, frozen
//!
//! The SDK as it was when the contract was `berth:plugin@0.1.0`, kept
//! unchanged (but for the path of its WIT, now `wit/0.1.0`) as `wit/0.1.0`
//! keeps the contract. The fixtures that were built with it before 0.2
//! (`hostile`, `hostile-output`, `hostile-egress`, `describe-trap`,
//! `probe`, `versioned`) still are, so their components are the 0.1
//! components a third party built then, and the tests prove such
//! components keep working. Never change it; plugins use `sdk/`.
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
//! Build with `cargo build --release --target wasm32-wasip2` and load the
//! resulting `.wasm` into Berth. The capabilities the host grants are in
//! [`http`], [`config`], [`cache`], [`secrets`] and [`log`].

#![deny(missing_docs)]

pub mod cache;
pub mod config;
pub mod http;
pub mod log;
mod manifest;
mod plugin;
pub mod secrets;
mod tool;

pub use manifest::Manifest;
pub use plugin::Plugin;
pub use tool::{IntoToolResult, Json, NoArgs, Tool};

/// The types generated from `wit/` by `wit-bindgen`. Plugin code rarely needs
/// them directly; the rest of this crate wraps them.
#[allow(missing_docs, unsafe_code, clippy::all)]
pub mod bindings {
    wit_bindgen::generate!({
        path: "../../wit/0.1.0",
        world: "adapter",
        pub_export_macro: true,
        export_macro_name: "__export_adapter",
        default_bindings_module: "berth_sdk::bindings",
    });
}

pub use bindings::berth::plugin::types::{
    ConfigKey, Content, CredentialNeed, ToolAnnotations, ToolError, ToolResult, UpstreamError,
};

/// Implementation details used by [`export_plugin!`]; not a stable API.
#[doc(hidden)]
pub mod __private {
    pub use crate::plugin::{call_tool, describe, list_tools};
}

/// Exports a [`Plugin`] implementation as the component's `describe`,
/// `list-tools` and `call-tool` functions. Invoke it once, at the crate root
/// of a `cdylib` crate.
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
            }
    $crate::bindings::__export_adapter!(BerthExports with_types_in $crate::bindings);
        };
    };
}
