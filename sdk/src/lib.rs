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
//! [`secrets`], [`log`], [`client`] and [`changes`]. A plugin that fronts a
//! ticket system also implements [`ticketing::TicketSystem`] and exports
//! with [`export_ticket_plugin!`], so the host's `tickets_*` tools reach it.

#![deny(missing_docs)]

pub mod cache;
pub mod changes;
pub mod client;
pub mod config;
pub mod content;
pub mod events;
pub mod http;
pub mod log;
mod manifest;
mod plugin;
mod prompt;
pub mod secrets;
pub mod ticketing;
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

/// The bindings of a world that adds exports to `adapter`; its imports are
/// [`bindings`]' own, and `$extra` maps more interfaces to existing modules.
macro_rules! exports_of {
    ($world:literal, $export_macro:literal, $module:literal $(, $extra:literal => $path:path)*) => {
        wit_bindgen::generate!({
            path: "../wit",
            world: $world,
            pub_export_macro: true,
            export_macro_name: $export_macro,
            default_bindings_module: $module,
            with: {
                "berth:plugin/types@0.2.0": crate::bindings::berth::plugin::types,
                "berth:plugin/http@0.2.0": crate::bindings::berth::plugin::http,
                "berth:plugin/secrets@0.2.0": crate::bindings::berth::plugin::secrets,
                "berth:plugin/config@0.2.0": crate::bindings::berth::plugin::config,
                "berth:plugin/cache@0.2.0": crate::bindings::berth::plugin::cache,
                "berth:plugin/log@0.2.0": crate::bindings::berth::plugin::log,
                "berth:plugin/client@0.2.0": crate::bindings::berth::plugin::client,
                "berth:plugin/changes@0.2.0": crate::bindings::berth::plugin::changes,
                $($extra: $path,)*
            },
        });
    };
}

/// The bindings of the `ticket-event-adapter` world, for plugins that export
/// [`ticketing`] (and, optionally, [`events`]).
#[allow(missing_docs, unsafe_code, clippy::all)]
pub mod ticket_bindings {
    exports_of!(
        "ticket-event-adapter",
        "__export_ticket_adapter",
        "berth_sdk::ticket_bindings",
        "berth:plugin/events@0.2.0" => crate::event_bindings::berth::plugin::events
    );
}

/// The bindings of the `event-adapter` world, for plugins that export
/// [`events`].
#[allow(missing_docs, unsafe_code, clippy::all)]
pub mod event_bindings {
    exports_of!("event-adapter", "__export_event_adapter", "berth_sdk::event_bindings");
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
/// crate. `export_plugin!(MyPlugin, events)` also exports its
/// [`EventHandler`](events::EventHandler), for a plugin that receives its
/// upstream's webhooks.
#[macro_export]
macro_rules! export_plugin {
    ($plugin:ty) => {
        const _: () = {
            struct BerthExports;
            $crate::__adapter_exports!(BerthExports, $plugin, $crate::bindings::Guest, {});
    $crate::bindings::__export_adapter!(BerthExports with_types_in $crate::bindings);
        };
    };
    ($plugin:ty, events) => {
        const _: () = {
            struct BerthExports;
            $crate::__adapter_exports!(BerthExports, $plugin, $crate::event_bindings::Guest, {
                $crate::__event_exports!($plugin);
            });
    $crate::event_bindings::__export_event_adapter!(BerthExports with_types_in $crate::event_bindings);
        };
    };
}

/// Exports a [`TicketSystem`](ticketing::TicketSystem) implementation: what
/// [`export_plugin!`] exports, plus the `ticketing` interface behind the
/// host's `tickets_*` tools. Use it instead of `export_plugin!`, once, at
/// the crate root; `export_ticket_plugin!(MyPlugin, events)` also exports
/// its [`EventHandler`](events::EventHandler).
#[macro_export]
macro_rules! export_ticket_plugin {
    ($plugin:ty) => {
        $crate::export_ticket_plugin!(@world $plugin, {
            fn describe_events() -> ::std::option::Option<$crate::events::EventSource> {
                ::std::option::Option::None
            }
            fn handle_event(
                _headers: ::std::vec::Vec<(::std::string::String, ::std::string::String)>,
                _body: ::std::vec::Vec<u8>,
            ) -> ::std::result::Result<$crate::events::EventOutcome, ::std::string::String> {
                ::std::result::Result::Err("this plugin takes no events".into())
            }
        });
    };
    ($plugin:ty, events) => {
        $crate::export_ticket_plugin!(@world $plugin, { $crate::__event_exports!($plugin); });
    };
    (@world $plugin:ty, { $($events:tt)* }) => {
        const _: () = {
            struct BerthExports;
            $crate::__adapter_exports!(BerthExports, $plugin, $crate::ticket_bindings::Guest, { $($events)* });
            impl $crate::ticket_bindings::exports::berth::plugin::ticketing::Guest for BerthExports {
                fn search(
                    query: $crate::ticketing::SearchQuery,
                ) -> ::std::result::Result<$crate::ticketing::TicketPage, $crate::ToolError> {
                    <$plugin as $crate::ticketing::TicketSystem>::search(query)
                }
                fn get(
                    key: ::std::string::String,
                ) -> ::std::result::Result<$crate::ticketing::TicketDetails, $crate::ToolError> {
                    <$plugin as $crate::ticketing::TicketSystem>::get(&key)
                }
                fn create(
                    ticket: $crate::ticketing::NewTicket,
                ) -> ::std::result::Result<$crate::ticketing::Ticket, $crate::ToolError> {
                    <$plugin as $crate::ticketing::TicketSystem>::create(ticket)
                }
                fn add_comment(
                    key: ::std::string::String,
                    comment: $crate::ticketing::NewComment,
                ) -> ::std::result::Result<$crate::ticketing::Comment, $crate::ToolError> {
                    <$plugin as $crate::ticketing::TicketSystem>::comment(&key, comment)
                }
                fn update(
                    key: ::std::string::String,
                    update: $crate::ticketing::TicketUpdate,
                ) -> ::std::result::Result<$crate::ticketing::Ticket, $crate::ToolError> {
                    <$plugin as $crate::ticketing::TicketSystem>::update(&key, update)
                }
            }
    $crate::ticket_bindings::__export_ticket_adapter!(BerthExports with_types_in $crate::ticket_bindings);
        };
    };
}

/// The world-level event exports over
/// [`EventHandler`](events::EventHandler) `$plugin`, as items of a world's
/// `Guest` impl; not a stable API.
#[doc(hidden)]
#[macro_export]
macro_rules! __event_exports {
    ($plugin:ty) => {
        fn describe_events() -> ::std::option::Option<$crate::events::EventSource> {
            ::std::option::Option::Some(<$plugin as $crate::events::EventHandler>::source())
        }
        fn handle_event(
            headers: ::std::vec::Vec<(::std::string::String, ::std::string::String)>,
            body: ::std::vec::Vec<u8>,
        ) -> ::std::result::Result<$crate::events::EventOutcome, ::std::string::String> {
            <$plugin as $crate::events::EventHandler>::handle(&headers, &body)
        }
    };
}

/// The world-level exports every plugin has, implemented for `$exports`
/// over [`Plugin`] `$plugin`, as trait `$guest` of a world's bindings, with
/// the world's `$extra` items; not a stable API.
#[doc(hidden)]
#[macro_export]
macro_rules! __adapter_exports {
    ($exports:ident, $plugin:ty, $guest:path, { $($extra:tt)* }) => {
        impl $guest for $exports {
            $($extra)*
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
    };
}
