//! Validation of what a plugin declares about itself: its name, version,
//! tools and their schemas, within the operator's bounds. A plugin that
//! breaks a rule is refused at load with an error that says which rule and
//! how to fix it. Guest-chosen text quoted in an error is escaped and cut
//! (see [`crate::log_safe`]): these errors are logged.

use super::schema::{CheckedSchema, SchemaLimits};
use crate::log_safe::quote;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// Longest tool name MCP clients reliably accept (`{plugin}_{tool}`).
pub const MAX_QUALIFIED_NAME: usize = 64;
/// Longest plugin version; semantic versions with pre-release and build
/// tags fit easily.
pub const MAX_VERSION: usize = 64;

/// Bounds on what one plugin may declare, checked at load. Every session's
/// `tools/list` carries every tool of every plugin its tenant enabled, so a
/// plugin's tool table costs every session and every model's context.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ManifestLimits {
    /// Tools one plugin may declare. The largest real adapters declare a
    /// few dozen; past a hundred, a model chooses badly anyway.
    pub max_tools: u32,
    /// A plugin's whole tool table (names, titles, descriptions, schemas),
    /// in KiB: what it adds to every `tools/list`. The bundled plugins need
    /// under 64.
    pub max_tools_kib: u32,
    /// Longest description or title (of the plugin, a tool, a credential or a
    /// setting), in bytes. A description is a prompt for the model; 8 KiB is
    /// several pages.
    pub max_description_bytes: u32,
    /// Egress rules, credentials and settings one plugin may declare, each.
    /// Every call resolves every egress rule; real plugins declare a few.
    pub max_entries: u32,
}

impl Default for ManifestLimits {
    fn default() -> Self {
        Self { max_tools: 128, max_tools_kib: 512, max_description_bytes: 8 * 1024, max_entries: 64 }
    }
}

impl ManifestLimits {
    /// Refuses bounds that would refuse every plugin or bound nothing,
    /// naming the setting and the accepted range.
    pub fn validate(&self) -> Result<(), crate::settings::InvalidSetting> {
        let checks = [
            ("max_tools", u64::from(self.max_tools), 1, 10_000),
            ("max_tools_kib", u64::from(self.max_tools_kib), 1, 64 * 1024),
            ("max_description_bytes", u64::from(self.max_description_bytes), 64, 1024 * 1024),
            ("max_entries", u64::from(self.max_entries), 1, 10_000),
        ];
        for (name, value, low, high) in checks {
            crate::settings::in_range("manifest", name, value, low..=high)?;
        }
        Ok(())
    }
}

/// A rule a plugin's self-description broke.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ManifestError {
    /// The plugin name is not `[a-z][a-z0-9-]*`.
    #[error("plugin name `{0}` is invalid: use a lower-case letter followed by lower-case letters, digits or `-`")]
    PluginName(String),
    /// The version is empty, too long, or not printable ASCII.
    #[error(
        "plugin version `{0}` is invalid: use 1 to {MAX_VERSION} printable ASCII characters without spaces, such as 1.2.0"
    )]
    Version(String),
    /// The plugin name is one the host keeps for its own tools.
    #[error("plugin name `{0}` is reserved: the host's own tools use it (tickets_search, ...); choose another name")]
    ReservedName(String),
    /// A tool or prompt name is not `[a-z][a-z0-9_]*`.
    #[error(
        "tool or prompt name `{0}` is invalid: use a lower-case letter followed by lower-case letters, digits or `_`"
    )]
    ToolName(String),
    /// `{plugin}_{tool}` is longer than clients accept.
    #[error(
        "tool or prompt name `{0}` is longer than {MAX_QUALIFIED_NAME} characters once prefixed with the plugin name"
    )]
    TooLong(String),
    /// Two tools, or two prompts, share a name.
    #[error("tool or prompt `{0}` is declared twice")]
    DuplicateTool(String),
    /// A resource template outside the plugin's own URI scheme.
    #[error("resource template `{template}` must start with `{plugin}://`: a plugin answers only for its own URIs")]
    ForeignTemplate {
        /// The template.
        template: String,
        /// The plugin.
        plugin: String,
    },
    /// More tools than the operator allows.
    #[error("the plugin declares {count} tools; at most {max} are allowed (`[manifest] max_tools`)")]
    TooManyTools {
        /// How many it declares.
        count: usize,
        /// The limit.
        max: u32,
    },
    /// More egress rules, credentials, settings, prompts or templates than
    /// allowed.
    #[error("the plugin declares {count} {what}; at most {max} are allowed (`[manifest] max_entries`)")]
    TooManyEntries {
        /// `egress rules`, `credentials`, `settings`, `prompts` or
        /// `resource templates`.
        what: &'static str,
        /// How many it declares.
        count: usize,
        /// The limit.
        max: u32,
    },
    /// The plugin's event source names a header that cannot be one.
    #[error(
        "the plugin's event source names header `{0}`: use a lower-case HTTP header name of at most 64 bytes, other than `authorization`, `cookie`, `host` and `content-length`"
    )]
    EventHeader(String),
    /// A description or title is too long.
    #[error("the {what} is {bytes} bytes; at most {max} are allowed (`[manifest] max_description_bytes`)")]
    DescriptionTooLong {
        /// Whose description, e.g. "description of tool `x`".
        what: String,
        /// Its length.
        bytes: usize,
        /// The limit.
        max: u32,
    },
    /// The tool table as a whole is too large.
    #[error("the plugin's tool table is {bytes} bytes; at most {max} KiB are allowed (`[manifest] max_tools_kib`)")]
    ToolTableTooLarge {
        /// Its size.
        bytes: usize,
        /// The limit.
        max: u32,
    },
    /// An egress rule does not parse.
    #[error(transparent)]
    Egress(#[from] super::egress::EgressRuleError),
    /// A schema is not a JSON object describing an object, breaks a bound,
    /// or does not compile.
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

/// Plugin names the host keeps for its own tools: `tickets_search` and the
/// rest of the ticket desk would otherwise clash with a plugin `tickets`.
pub const RESERVED_PLUGIN_NAMES: &[&str] = &["tickets"];

/// Checks a plugin name against `[a-z][a-z0-9-]*` and the reserved names.
pub fn check_plugin_name(name: &str) -> Result<(), ManifestError> {
    if RESERVED_PLUGIN_NAMES.contains(&name) {
        return Err(ManifestError::ReservedName(name.to_owned()));
    }
    if is_identifier(name, b'-') { Ok(()) } else { Err(ManifestError::PluginName(quote(name))) }
}

/// Checks a version: 1 to [`MAX_VERSION`] printable ASCII characters, no
/// spaces. It is logged and shown to operators as the plugin states it.
pub fn check_version(version: &str) -> Result<(), ManifestError> {
    let printable = version.bytes().all(|byte| byte.is_ascii_graphic());
    if printable && (1..=MAX_VERSION).contains(&version.len()) {
        Ok(())
    } else {
        Err(ManifestError::Version(quote(version)))
    }
}

/// Checks that a list the manifest declares has at most `max_entries`.
pub fn check_entries(what: &'static str, count: usize, limits: &ManifestLimits) -> Result<(), ManifestError> {
    if count > limits.max_entries as usize {
        return Err(ManifestError::TooManyEntries { what, count, max: limits.max_entries });
    }
    Ok(())
}

/// Checks the length of a description or title; `what` names it.
pub fn check_description(
    what: impl FnOnce() -> String,
    text: &str,
    limits: &ManifestLimits,
) -> Result<(), ManifestError> {
    if text.len() > limits.max_description_bytes as usize {
        return Err(ManifestError::DescriptionTooLong {
            what: what(),
            bytes: text.len(),
            max: limits.max_description_bytes,
        });
    }
    Ok(())
}

/// Checks the number of tools and the size of the whole tool table: `bytes`
/// of declared text (names, titles, descriptions, schemas) in `count` tools.
pub fn check_tool_table(count: usize, bytes: usize, limits: &ManifestLimits) -> Result<(), ManifestError> {
    if count > limits.max_tools as usize {
        return Err(ManifestError::TooManyTools { count, max: limits.max_tools });
    }
    if bytes > limits.max_tools_kib as usize * 1024 {
        return Err(ManifestError::ToolTableTooLarge { bytes, max: limits.max_tools_kib });
    }
    Ok(())
}

/// Checks a tool name against `[a-z][a-z0-9_]*` and the length budget of the
/// name clients see.
pub fn check_tool_name(plugin: &str, tool: &str) -> Result<(), ManifestError> {
    if !is_identifier(tool, b'_') {
        return Err(ManifestError::ToolName(quote(tool)));
    }
    let qualified = qualified_name(plugin, tool);
    if qualified.len() > MAX_QUALIFIED_NAME {
        return Err(ManifestError::TooLong(quote(&qualified)));
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

/// Checks that a resource template of `plugin` is in the plugin's own URI
/// scheme, `{plugin}://`, so that no two plugins answer for one URI.
pub fn check_template(plugin: &str, template: &str) -> Result<(), ManifestError> {
    if owns_uri(plugin, template) {
        Ok(())
    } else {
        Err(ManifestError::ForeignTemplate { template: quote(template), plugin: plugin.to_owned() })
    }
}

/// Whether `uri` is in `plugin`'s URI scheme, `{plugin}://`.
pub fn owns_uri(plugin: &str, uri: &str) -> bool {
    uri.strip_prefix(plugin).is_some_and(|rest| rest.starts_with("://"))
}

/// The plugin whose URI scheme `uri` is in, if its scheme could name one.
pub fn uri_owner(uri: &str) -> Option<&str> {
    uri.split_once("://").map(|(scheme, _)| scheme).filter(|scheme| is_identifier(scheme, b'-'))
}

/// Checks that names are unique across `tools`.
pub fn check_unique<'a>(tools: impl IntoIterator<Item = &'a str>) -> Result<(), ManifestError> {
    let mut seen = std::collections::BTreeSet::new();
    for tool in tools {
        if !seen.insert(tool) {
            return Err(ManifestError::DuplicateTool(quote(tool)));
        }
    }
    Ok(())
}

/// Parses a tool schema: a JSON object within `limits` that compiles as
/// JSON Schema and, for an input schema, describes an object (MCP requires
/// `"type": "object"`). `tool` has been checked with [`check_tool_name`].
pub fn parse_schema(
    tool: &str,
    which: &'static str,
    text: &str,
    limits: SchemaLimits,
) -> Result<(Map<String, Value>, CheckedSchema), ManifestError> {
    let invalid = |reason: String| ManifestError::Schema { tool: tool.to_owned(), which, reason };
    let value: Value =
        serde_json::from_str(text).map_err(|error| invalid(format!("not JSON: {}", quote(&error.to_string()))))?;
    let Value::Object(object) = value else {
        return Err(invalid("not a JSON object".to_owned()));
    };
    if which == "input" && object.get("type") != Some(&Value::String("object".to_owned())) {
        return Err(invalid("the input schema must have \"type\": \"object\"".to_owned()));
    }
    let schema = CheckedSchema::compile(&Value::Object(object.clone()), text.len(), limits).map_err(invalid)?;
    Ok((object, schema))
}

fn is_identifier(name: &str, separator: u8) -> bool {
    let bytes = name.as_bytes();
    matches!(bytes.first(), Some(b'a'..=b'z'))
        && bytes.iter().all(|&byte| byte.is_ascii_lowercase() || byte.is_ascii_digit() || byte == separator)
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn input_schema_must_describe_an_object() {
        let parse = |text| parse_schema("t", "input", text, SchemaLimits::default());
        assert!(parse(r#"{"type":"string"}"#).is_err());
        assert!(parse("[1]").is_err());
        assert!(parse(r#"{"type":"object","minProperties":"x"}"#).is_err());
        assert!(parse(r#"{"type":"object","properties":{"name":{"type":"string"}}}"#).is_ok());
    }

    #[test]
    fn versions_are_short_printable_ascii() {
        assert!(check_version("1.2.0-rc.1+build.5").is_ok());
        for bad in ["", "1.0 beta", "1.0\nERROR berth: forged", &"9".repeat(65), "1.0\u{202e}"] {
            assert!(check_version(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn guest_names_in_errors_are_escaped_and_cut() {
        let forged = format!("x\n2026-01-01T00:00:00Z ERROR berth: admin token is {}", "t".repeat(5_000));
        let error = check_tool_name("p", &forged).unwrap_err().to_string();
        assert!(!error.contains('\n') && error.contains("x\\n2026"), "{error}");
        assert!(error.len() < 400, "{} bytes", error.len());
    }

    #[test]
    fn the_tool_table_is_bounded_in_count_and_size() {
        let limits = ManifestLimits { max_tools: 2, max_tools_kib: 1, ..ManifestLimits::default() };
        assert!(check_tool_table(2, 1024, &limits).is_ok());
        assert_eq!(check_tool_table(3, 10, &limits).unwrap_err(), ManifestError::TooManyTools { count: 3, max: 2 });
        assert_eq!(
            check_tool_table(1, 1025, &limits).unwrap_err(),
            ManifestError::ToolTableTooLarge { bytes: 1025, max: 1 }
        );
        let large = "d".repeat(2_000);
        let error = check_description(
            || "description of tool `a`".into(),
            &large,
            &ManifestLimits { max_description_bytes: 100, ..ManifestLimits::default() },
        )
        .unwrap_err();
        assert!(error.to_string().contains("description of tool `a` is 2000 bytes"), "{error}");
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        fn follows_the_rule(name: &str, separator: char) -> bool {
            let mut chars = name.chars();
            chars.next().is_some_and(|first| first.is_ascii_lowercase())
                && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == separator)
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(128))]

            #[test]
            fn plugin_names_pass_exactly_when_they_follow_the_rule(name in "[a-z][a-z0-9-]{0,12}|\\PC{0,16}") {
                prop_assert_eq!(check_plugin_name(&name).is_ok(), follows_the_rule(&name, '-'));
            }

            #[test]
            fn accepted_tool_names_fit_clients_and_split_back(
                plugin in "[a-z][a-z0-9-]{0,30}",
                tool in "[a-z][a-z0-9_]{0,40}|\\PC{0,40}",
            ) {
                let accepted = check_tool_name(&plugin, &tool).is_ok();
                prop_assert_eq!(
                    accepted,
                    follows_the_rule(&tool, '_') && plugin.len() + 1 + tool.len() <= MAX_QUALIFIED_NAME
                );
                if accepted {
                    let qualified = qualified_name(&plugin, &tool);
                    prop_assert_eq!(split_qualified_name(&qualified), Some((plugin.as_str(), tool.as_str())));
                }
            }

            #[test]
            fn refusals_quote_guest_text_on_one_short_line(text in any::<String>()) {
                let refusals = [check_plugin_name(&text), check_tool_name("p", &text), check_version(&text)];
                for error in refusals.into_iter().filter_map(Result::err) {
                    let message = error.to_string();
                    prop_assert!(!message.chars().any(char::is_control), "{:?}", message);
                    prop_assert!(message.len() < 2 * 1024, "{} bytes", message.len());
                }
            }

            #[test]
            fn duplicate_names_are_always_found(names in prop::collection::vec("[a-c]{1,2}", 0..12)) {
                let unique = names.iter().collect::<std::collections::BTreeSet<_>>().len() == names.len();
                prop_assert_eq!(check_unique(names.iter().map(String::as_str)).is_ok(), unique);
            }

            #[test]
            fn parsing_any_text_as_a_schema_never_panics(text in "\\PC{0,64}") {
                let _ = parse_schema("t", "input", &text, SchemaLimits::default());
            }
        }
    }
}
