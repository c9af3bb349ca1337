//! {{name}}: a Berth plugin. Each tool is a typed function; the SDK derives
//! its JSON Schema from the argument type and checks the arguments before
//! the function runs.

use berth_sdk::{Manifest, Plugin, Tool, ToolError, log};
use schemars::JsonSchema;
use serde::Deserialize;

/// The arguments of `greet`. Doc comments become the schema's descriptions,
/// which the agent reads.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct GreetArgs {
    /// Who to greet.
    name: String,
}

fn greet(args: GreetArgs) -> Result<String, ToolError> {
    if args.name.trim().is_empty() {
        return Err(ToolError::invalid("`name` must not be empty"));
    }
    log::info(format!("greeting {}", args.name));
    Ok(format!("Hello, {}!", args.name))
}

struct {{type_name}};

impl Plugin for {{type_name}} {
    fn manifest() -> Manifest {
        // Declare every URL prefix the plugin may reach with `.egress(..)`,
        // the credentials it needs with `.credential(..)` and its settings
        // with `.config_required(..)` / `.config_default(..)`.
        Manifest::new("{{name}}", env!("CARGO_PKG_VERSION"), "{{description}}")
    }

    fn tools() -> Vec<Tool> {
        vec![Tool::new("greet", "Greets someone by name.", greet).read_only().closed_world()]
    }
}

berth_sdk::export_plugin!({{type_name}});
