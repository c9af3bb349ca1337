//! The [`Plugin`] trait and the export glue behind [`crate::export_plugin!`].

use crate::bindings::berth::plugin::types as wit;
use crate::{
    Completion, CompletionRequest, Manifest, Prompt, PromptResult, ResourceContents, ResourceInfo, ResourceTemplate,
    Tool, ToolError, ToolResult,
};

/// A Berth plugin: a manifest plus a set of tools, and optionally
/// resources, resource templates, prompts and completions.
///
/// `manifest`, `tools`, `resource_templates` and `prompts` are called by the
/// generated exports (each call runs in a fresh instance, and `tools` is
/// called on every call to find the tool by name), so keep them cheap and
/// free of side effects: build values, do not call capabilities. Input
/// schemas are built only for `list-tools`.
///
/// A resource's URI scheme is the plugin's name (`weather://today`).
///
/// ```no_run
/// use berth_sdk::{Manifest, Plugin, ResourceContents, ResourceInfo, Tool, ToolError};
///
/// struct Weather;
///
/// impl Plugin for Weather {
///     fn manifest() -> Manifest {
///         Manifest::new("weather", "1.0.0", "Today's weather")
///     }
///     fn tools() -> Vec<Tool> {
///         Vec::new()
///     }
///     fn resources() -> Result<Vec<ResourceInfo>, ToolError> {
///         Ok(vec![ResourceInfo::new("weather://today", "today", "Today's forecast").mime_type("text/plain")])
///     }
///     fn read_resource(uri: &str) -> Result<Vec<ResourceContents>, ToolError> {
///         match uri {
///             "weather://today" => Ok(vec![ResourceContents::text(uri, "text/plain", "Sunny")]),
///             _ => Err(ToolError::not_found(uri)),
///         }
///     }
/// }
/// ```
pub trait Plugin {
    /// What the plugin is and what it needs: egress, credentials, config.
    fn manifest() -> Manifest;
    /// The tools the plugin offers.
    fn tools() -> Vec<Tool>;
    /// The resources the calling tenant can read now. Runs with the
    /// tenant's grants, so it may ask the upstream. None by default.
    fn resources() -> Result<Vec<ResourceInfo>, ToolError> {
        Ok(Vec::new())
    }
    /// Families of resources by URI template. None by default.
    fn resource_templates() -> Vec<ResourceTemplate> {
        Vec::new()
    }
    /// Reads the resource at `uri`; `not-found` for a URI the plugin does
    /// not know (the default for every URI).
    fn read_resource(uri: &str) -> Result<Vec<ResourceContents>, ToolError> {
        Err(ToolError::not_found(format!("no resource `{uri}`")))
    }
    /// The prompts the plugin offers. None by default.
    fn prompts() -> Vec<Prompt> {
        Vec::new()
    }
    /// Suggests values for a prompt argument or a template variable. No
    /// suggestions by default.
    fn complete(request: &CompletionRequest) -> Result<Completion, ToolError> {
        let _ = request;
        Ok(Completion::none())
    }
}

/// `describe` export.
pub fn describe<P: Plugin>() -> wit::Manifest {
    P::manifest().into_wit()
}

/// `list-tools` export.
pub fn list_tools<P: Plugin>() -> Vec<wit::Tool> {
    P::tools().iter().map(Tool::describe).collect()
}

/// `list-prompts` export.
pub fn list_prompts<P: Plugin>() -> Vec<wit::Prompt> {
    P::prompts().iter().map(Prompt::describe).collect()
}

/// `get-prompt` export: finds the prompt by name and builds it.
pub fn get_prompt<P: Plugin>(name: &str, arguments: Vec<(String, String)>) -> Result<PromptResult, ToolError> {
    let prompts = P::prompts();
    let prompt = prompts
        .iter()
        .find(|prompt| prompt.name() == name)
        .ok_or_else(|| ToolError::NotFound(format!("this plugin has no prompt named `{name}`")))?;
    prompt.build(arguments)
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
    fn a_prompt_is_built_by_name_from_its_arguments() {
        struct Prompting;
        impl Plugin for Prompting {
            fn manifest() -> Manifest {
                Manifest::new("prompting", "0.1.0", "Prompts.")
            }
            fn tools() -> Vec<Tool> {
                Vec::new()
            }
            fn prompts() -> Vec<Prompt> {
                vec![
                    Prompt::new("greet", "Greets.", |args| {
                        Ok(vec![crate::PromptMessage::user(crate::Content::text(format!(
                            "Hi {}",
                            args.require("name")?
                        )))])
                    })
                    .argument("name", "Who.", true),
                ]
            }
        }
        let listed = list_prompts::<Prompting>();
        assert_eq!((listed[0].name.as_str(), listed[0].arguments[0].required), ("greet", true));
        let built = get_prompt::<Prompting>("greet", vec![("name".into(), "Ada".into())]).unwrap();
        assert!(matches!(&built.messages[0].content, wit::Content::Text(text) if text == "Hi Ada"));
        assert!(matches!(get_prompt::<Prompting>("greet", vec![]), Err(ToolError::InvalidArguments(_))));
        assert!(matches!(get_prompt::<Prompting>("nope", vec![]), Err(ToolError::NotFound(_))));
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
