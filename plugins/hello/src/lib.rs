//! `hello`: the smallest useful Berth plugin, and the template for new ones.
//!
//! - `greet {name}` answers `Hello, {name}!`.
//! - `remember {key, value}` stores a value in the tenant's cache.
//! - `recall {key}` reads it back; another tenant never sees it.
//! - `fetch {url}` asks the host to GET a URL. `hello` declares no egress,
//!   so the host always denies it: the tool exists to show what a denial
//!   looks like to an agent.
//! - The resource `hello://greeting` is the greeting itself, `Hello, world!`.
//! - The prompt `greet_someone {name}` asks the model to greet someone warmly.

use berth_sdk::http::Request;
use berth_sdk::{
    Content, Manifest, Plugin, Prompt, PromptMessage, ResourceContents, ResourceInfo, Tool, ToolError, cache, log,
};
use schemars::JsonSchema;
use serde::Deserialize;
use std::time::Duration;

/// The plugin's one resource: its greeting.
const GREETING_URI: &str = "hello://greeting";

/// How long `remember` keeps a value.
const REMEMBER_TTL: Duration = Duration::from_secs(3600);

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct GreetArgs {
    /// Who to greet.
    name: String,
}

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct RememberArgs {
    /// Name to store the value under.
    key: String,
    /// Text to remember.
    value: String,
}

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct RecallArgs {
    /// Name the value was stored under.
    key: String,
}

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct FetchArgs {
    /// Absolute URL to GET.
    url: String,
}

fn greet(args: GreetArgs) -> Result<String, ToolError> {
    Ok(format!("Hello, {}!", args.name))
}

fn remember(args: RememberArgs) -> Result<String, ToolError> {
    cache::set(&args.key, args.value.as_bytes(), REMEMBER_TTL)
        .map_err(|error| ToolError::invalid(format!("cannot remember `{}`: {error:?}", args.key)))?;
    log::info(format!("remembered `{}`", args.key));
    Ok(format!("Remembered `{}`.", args.key))
}

fn recall(args: RecallArgs) -> Result<String, ToolError> {
    let value = cache::get(&args.key)
        .ok_or_else(|| ToolError::not_found(format!("nothing remembered under `{}`", args.key)))?;
    Ok(String::from_utf8_lossy(&value).into_owned())
}

fn fetch(args: FetchArgs) -> Result<String, ToolError> {
    let response = Request::get(args.url).send()?;
    Ok(format!("HTTP {}: {}", response.status, response.text()))
}

struct Hello;

impl Plugin for Hello {
    fn manifest() -> Manifest {
        Manifest::new("hello", env!("CARGO_PKG_VERSION"), "Greets people and remembers things")
    }

    fn tools() -> Vec<Tool> {
        vec![
            Tool::new("greet", "Greets someone by name.", greet).title("Greet").read_only().closed_world(),
            Tool::new("remember", "Remembers a value under a key for this tenant.", remember)
                .additive()
                .idempotent()
                .closed_world(),
            Tool::new("recall", "Recalls a value remembered under a key.", recall).read_only().closed_world(),
            Tool::new(
                "fetch",
                "Fetches a URL through the host (hello has no egress, so this is always denied).",
                fetch,
            )
            .read_only(),
        ]
    }

    fn resources() -> Result<Vec<ResourceInfo>, ToolError> {
        Ok(vec![ResourceInfo::new(GREETING_URI, "greeting", "The greeting this tenant uses").mime_type("text/plain")])
    }

    fn read_resource(uri: &str) -> Result<Vec<ResourceContents>, ToolError> {
        match uri {
            GREETING_URI => Ok(vec![ResourceContents::text(uri, "text/plain", "Hello, world!")]),
            _ => Err(ToolError::not_found(format!("no resource `{uri}`"))),
        }
    }

    fn prompts() -> Vec<Prompt> {
        vec![
            Prompt::new("greet_someone", "Asks the model to greet someone warmly", |args| {
                let who = args.require("name")?;
                Ok(vec![PromptMessage::user(Content::text(format!("Please greet {who} warmly.")))])
            })
            .argument("name", "Who to greet", true),
        ]
    }
}

berth_sdk::export_plugin!(Hello);
