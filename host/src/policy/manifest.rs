//! Validation of what a plugin declares about itself: its name, its tools
//! and their schemas. A plugin that breaks a rule is refused at load with an
//! error that says which rule and how to fix it.

use crate::policy::echo::clip;
use serde_json::{Map, Value};

/// Longest tool name MCP clients reliably accept (`{plugin}_{tool}`).
pub const MAX_QUALIFIED_NAME: usize = 64;

/// A rule a plugin's self-description broke.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ManifestError {
    /// The plugin name is not `[a-z][a-z0-9-]*`.
    #[error("plugin name `{0}` is invalid: use a lower-case letter followed by lower-case letters, digits or `-`")]
    PluginName(String),
    /// A tool name is not `[a-z][a-z0-9_]*`.
    #[error("tool name `{0}` is invalid: use a lower-case letter followed by lower-case letters, digits or `_`")]
    ToolName(String),
    /// `{plugin}_{tool}` is longer than clients accept.
    #[error("tool name `{0}` is longer than {MAX_QUALIFIED_NAME} characters once prefixed with the plugin name")]
    TooLong(String),
    /// Two tools share a name.
    #[error("tool `{0}` is declared twice")]
    DuplicateTool(String),
    /// An egress rule does not parse.
    #[error(transparent)]
    Egress(#[from] super::egress::EgressRuleError),
    /// A schema is not a JSON object describing an object.
    #[error("tool `{tool}` has an invalid {which} schema: {reason}")]
    Schema {
        /// The tool.
        tool: String,
        /// `input` or `output`.
        which: &'static str,
        /// What is wrong.
        reason: String,
    },
}

/// Checks a plugin name against `[a-z][a-z0-9-]*`.
pub fn check_plugin_name(name: &str) -> Result<(), ManifestError> {
    if is_identifier(name, b'-') { Ok(()) } else { Err(ManifestError::PluginName(name.to_owned())) }
}

/// Checks a tool name against `[a-z][a-z0-9_]*` and the length budget of the
/// name clients see.
pub fn check_tool_name(plugin: &str, tool: &str) -> Result<(), ManifestError> {
    if !is_identifier(tool, b'_') {
        return Err(ManifestError::ToolName(tool.to_owned()));
    }
    let qualified = qualified_name(plugin, tool);
    if qualified.len() > MAX_QUALIFIED_NAME {
        return Err(ManifestError::TooLong(qualified));
    }
    Ok(())
}

/// The name an MCP client sees: `{plugin}_{tool}`. Plugin names cannot hold
/// `_`, so the first `_` always splits it back (see [`split_qualified_name`]).
pub fn qualified_name(plugin: &str, tool: &str) -> String {
    format!("{plugin}_{tool}")
}

/// Splits `{plugin}_{tool}` into its parts.
pub fn split_qualified_name(name: &str) -> Option<(&str, &str)> {
    name.split_once('_')
}

/// Checks that names are unique across `tools`.
pub fn check_unique<'a>(tools: impl IntoIterator<Item = &'a str>) -> Result<(), ManifestError> {
    let mut seen = std::collections::BTreeSet::new();
    for tool in tools {
        if !seen.insert(tool) {
            return Err(ManifestError::DuplicateTool(tool.to_owned()));
        }
    }
    Ok(())
}

/// Parses a tool schema: a JSON object that compiles as JSON Schema and, for
/// an input schema, describes an object (MCP requires `"type": "object"`).
pub fn parse_schema(
    tool: &str,
    which: &'static str,
    text: &str,
) -> Result<(Map<String, Value>, jsonschema::Validator), ManifestError> {
    let invalid = |reason: String| ManifestError::Schema { tool: tool.to_owned(), which, reason };
    let value: Value = serde_json::from_str(text).map_err(|error| invalid(format!("not JSON: {error}")))?;
    let Value::Object(object) = value else {
        return Err(invalid("not a JSON object".to_owned()));
    };
    if which == "input" && object.get("type") != Some(&Value::String("object".to_owned())) {
        return Err(invalid("the input schema must have \"type\": \"object\"".to_owned()));
    }
    let validator =
        jsonschema::validator_for(&Value::Object(object.clone())).map_err(|error| invalid(error.to_string()))?;
    Ok((object, validator))
}

/// Describes why `arguments` fail `validator`, naming the offending field.
pub fn argument_errors(validator: &jsonschema::Validator, arguments: &Value) -> Option<String> {
    // The client's own values are quoted in these messages: at most a few
    // problems, each cut short (see `echo`).
    const SHOWN: usize = 8;
    let mut errors = validator.iter_errors(arguments);
    let mut problems: Vec<String> = errors
        .by_ref()
        .take(SHOWN)
        .map(|error| {
            let path = error.instance_path().to_string();
            let problem = if path.is_empty() || path == "/" {
                error.to_string()
            } else {
                format!("`{}`: {error}", path.trim_start_matches('/').replace('/', "."))
            };
            clip(&problem).into_owned()
        })
        .collect();
    let more = errors.count();
    if more > 0 {
        problems.push(format!("and {more} more"));
    }
    (!problems.is_empty()).then(|| problems.join("; "))
}

fn is_identifier(name: &str, separator: u8) -> bool {
    let bytes = name.as_bytes();
    matches!(bytes.first(), Some(b'a'..=b'z'))
        && bytes.iter().all(|&byte| byte.is_ascii_lowercase() || byte.is_ascii_digit() || byte == separator)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn names_follow_the_rules() {
        assert!(check_plugin_name("service-now2").is_ok());
        for bad in ["", "Hello", "2fast", "snake_case", "dot.ted"] {
            assert!(check_plugin_name(bad).is_err(), "{bad}");
        }
        assert!(check_tool_name("jira", "list_issues").is_ok());
        for bad in ["", "List", "kebab-case", "_x"] {
            assert!(check_tool_name("jira", bad).is_err(), "{bad}");
        }
        assert!(matches!(check_tool_name("p", &"a".repeat(63)), Err(ManifestError::TooLong(_))));
    }

    #[test]
    fn qualified_names_split_back() {
        let name = qualified_name("service-desk-plus", "list_requests");
        assert_eq!(split_qualified_name(&name), Some(("service-desk-plus", "list_requests")));
    }

    #[test]
    fn duplicate_tools_are_refused() {
        assert_eq!(check_unique(["a", "b", "a"]), Err(ManifestError::DuplicateTool("a".into())));
    }

    #[test]
    fn argument_errors_name_the_field() {
        let schema = r#"{"type":"object","properties":{"name":{"type":"string"}},"required":["name"]}"#;
        let (_, validator) = parse_schema("greet", "input", schema).unwrap();
        let wrong_type = argument_errors(&validator, &json!({"name": 42})).unwrap();
        assert!(wrong_type.contains("`name`"), "{wrong_type}");
        let missing = argument_errors(&validator, &json!({})).unwrap();
        assert!(missing.contains("name"), "{missing}");
        assert_eq!(argument_errors(&validator, &json!({"name": "Ada"})), None);
    }

    #[test]
    fn input_schema_must_describe_an_object() {
        assert!(parse_schema("t", "input", r#"{"type":"string"}"#).is_err());
        assert!(parse_schema("t", "input", "[1]").is_err());
        assert!(parse_schema("t", "input", r#"{"type":"object","minProperties":"x"}"#).is_err());
    }
}
