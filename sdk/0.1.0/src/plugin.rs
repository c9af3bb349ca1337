//! The [`Plugin`] trait and the export glue behind [`crate::export_plugin!`].

use crate::bindings::berth::plugin::types as wit;
use crate::{Manifest, Tool, ToolError, ToolResult};

/// A Berth plugin: a manifest plus a set of tools.
///
/// Both functions are called by the generated exports (each call runs in a
/// fresh instance, and `tools` is called on every call to find the tool by
/// name), so keep them cheap and free of side effects: build values, do not
/// call capabilities. Input schemas are built only for `list-tools`.
pub trait Plugin {
    /// What the plugin is and what it needs: egress, credentials, config.
    fn manifest() -> Manifest;
    /// The tools the plugin offers.
    fn tools() -> Vec<Tool>;
}

/// `describe` export.
pub fn describe<P: Plugin>() -> wit::Manifest {
    P::manifest().into_wit()
}

/// `list-tools` export.
pub fn list_tools<P: Plugin>() -> Vec<wit::Tool> {
    P::tools().iter().map(Tool::describe).collect()
}

/// `call-tool` export: finds the tool by name and runs it.
pub fn call_tool<P: Plugin>(name: &str, arguments: &str) -> Result<ToolResult, ToolError> {
    let tools = P::tools();
    let tool = tools
        .iter()
        .find(|tool| tool.name() == name)
        .ok_or_else(|| ToolError::NotFound(format!("this plugin has no tool named `{name}`")))?;
    tool.call(arguments)
}

#[cfg(test)]
mod tests {
    use super::*;
    use schemars::{JsonSchema, Schema, SchemaGenerator};
    use std::borrow::Cow;
    use std::sync::atomic::{AtomicUsize, Ordering};

    static SCHEMAS_BUILT: AtomicUsize = AtomicUsize::new(0);

    /// Arguments whose schema counts how often it is built.
    #[derive(serde::Deserialize)]
    struct Counted {
        name: String,
    }

    impl JsonSchema for Counted {
        fn schema_name() -> Cow<'static, str> {
            "Counted".into()
        }

        fn json_schema(_: &mut SchemaGenerator) -> Schema {
            SCHEMAS_BUILT.fetch_add(1, Ordering::SeqCst);
            schemars::json_schema!({"type": "object", "properties": {"name": {"type": "string"}}})
        }
    }

    struct Counting;

    impl Plugin for Counting {
        fn manifest() -> Manifest {
            Manifest::new("counting", "0.1.0", "Counts schemas.")
        }

        fn tools() -> Vec<Tool> {
            vec![Tool::new("greet", "Greets.", |args: Counted| Ok(format!("Hello, {}!", args.name)))]
        }
    }

    #[test]
    fn a_call_dispatches_by_name_without_building_schemas() {
        let result = call_tool::<Counting>("greet", r#"{"name":"Ada"}"#).unwrap();
        assert!(matches!(&result.content[..], [wit::Content::Text(text)] if text == "Hello, Ada!"));
        assert_eq!(SCHEMAS_BUILT.load(Ordering::SeqCst), 0, "calling built a schema");
        let listed = list_tools::<Counting>();
        assert!(listed[0].input_schema.contains("\"name\""), "{}", listed[0].input_schema);
        assert_eq!(SCHEMAS_BUILT.load(Ordering::SeqCst), 1);
    }
}
