//! JSON Schemas a plugin declares for its tools' arguments and output. The
//! host evaluates them against what any client sends, so a schema is
//! untrusted code: at load it must fit the operator's bounds (size, depth,
//! branches), every `pattern` must run on a linear-time regex engine, and
//! references must be local and non-recursive; when it reports a mismatch,
//! the report is bounded in count and length and never copies the instance.

use crate::log_safe;
use jsonschema::{PatternOptions, Validator};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::{HashMap, HashSet};

/// Bounds on one schema and on what validating against it may report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SchemaLimits {
    /// Largest schema, as JSON text, in KiB. Schemas derived from rich
    /// argument types are a few KiB; 64 leaves ample room.
    pub max_schema_kib: u32,
    /// Deepest nesting of objects and arrays in a schema. Generated schemas
    /// keep nested types in `$defs`, a few levels deep.
    pub max_schema_depth: u32,
    /// Branches one validation may evaluate: the entries of every `allOf`,
    /// `anyOf` and `oneOf`, counted again wherever a `$ref` uses them. Each
    /// branch is evaluated against the whole instance, so this multiplies
    /// the cost of every call; an optional field or an enum with documented
    /// variants costs a few.
    pub max_schema_branches: u32,
    /// Compiled size of one `pattern` (or `patternProperties` key), in KiB,
    /// and of its matching cache. The regex engine's own default is 10 MiB
    /// per pattern, which a few hundred patterns would turn into gigabytes.
    pub max_pattern_kib: u32,
    /// Mismatches one validation reports; the rest are summarised. A client
    /// fixes the first few and asks again.
    pub max_errors: u32,
    /// Longest report of one mismatch, in bytes.
    pub max_error_bytes: u32,
}

impl Default for SchemaLimits {
    fn default() -> Self {
        Self {
            max_schema_kib: 64,
            max_schema_depth: 32,
            max_schema_branches: 128,
            max_pattern_kib: 256,
            max_errors: 8,
            max_error_bytes: 512,
        }
    }
}

impl SchemaLimits {
    /// Refuses bounds that would refuse every schema or bound nothing,
    /// naming the setting and the accepted range.
    pub fn validate(&self) -> Result<(), crate::settings::InvalidSetting> {
        let checks = [
            ("max_schema_kib", u64::from(self.max_schema_kib), 1, 16 * 1024),
            ("max_schema_depth", u64::from(self.max_schema_depth), 2, 128),
            ("max_schema_branches", u64::from(self.max_schema_branches), 0, 100_000),
            ("max_pattern_kib", u64::from(self.max_pattern_kib), 1, 10 * 1024),
            ("max_errors", u64::from(self.max_errors), 1, 1_000),
            ("max_error_bytes", u64::from(self.max_error_bytes), 32, 64 * 1024),
        ];
        for (name, value, low, high) in checks {
            crate::settings::in_range("schemas", name, value, low..=high)?;
        }
        Ok(())
    }
}

/// What the bounds of [`SchemaLimits`] refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SchemaProblem {
    /// The JSON text is too large.
    #[error("it is {bytes} bytes, over the limit of {max} KiB (`max_schema_kib`)")]
    TooLarge {
        /// Its size.
        bytes: usize,
        /// The limit.
        max: u32,
    },
    /// It nests too deeply.
    #[error("it nests deeper than {0} levels (`max_schema_depth`)")]
    TooDeep(u32),
    /// It has too many branches.
    #[error("it has more than {0} allOf/anyOf/oneOf branches, references expanded (`max_schema_branches`)")]
    TooManyBranches(u32),
    /// A reference the host does not follow.
    #[error("`$ref` {0} is not a local JSON pointer (`#` or `#/...`); remote references and anchors are refused")]
    ForeignReference(String),
    /// A reference that refers back to itself.
    #[error("`$ref` {0} refers back to itself; recursive schemas are refused")]
    RecursiveReference(String),
    /// A keyword that changes how references resolve.
    #[error("`{0}` is not allowed inside a schema (it changes how references resolve)")]
    Keyword(&'static str),
}

/// A compiled schema and the bounds on what it reports.
#[derive(Debug)]
pub struct CheckedSchema {
    validator: Validator,
    limits: SchemaLimits,
    /// The schema's size as text: with an instance's, a bound on what
    /// validating it may cost.
    text_len: usize,
}

/// Validations whose schema and instance sizes, multiplied, stay under this
/// are cheap enough to run where the call is (a few microseconds; a tool's
/// schema of a kilobyte or two and its arguments of a few hundred bytes).
/// Larger ones go to the blocking pool, where a slow one holds no async
/// worker.
const CHEAP_VALIDATION: usize = 1 << 20;

impl CheckedSchema {
    /// Checks `schema` against `limits`, then compiles it with the `regex`
    /// engine (linear time; patterns that need backtracking, such as
    /// backreferences and look-around, do not compile and are refused).
    pub fn compile(schema: &Value, text_len: usize, limits: SchemaLimits) -> Result<Self, String> {
        check_bounds(schema, text_len, &limits).map_err(|problem| problem.to_string())?;
        let pattern_bytes = limits.max_pattern_kib as usize * 1024;
        let patterns = PatternOptions::regex().size_limit(pattern_bytes).dfa_size_limit(pattern_bytes);
        let validator = jsonschema::options()
            .with_pattern_options(patterns)
            .build(schema)
            .map_err(|error| log_safe::quote(&error.masked().to_string()))?;
        Ok(Self { validator, limits, text_len })
    }

    /// Whether validating an instance of `instance_len` bytes (as JSON text)
    /// is cheap enough to run on an async worker.
    pub fn is_cheap_for(&self, instance_len: usize) -> bool {
        self.text_len.saturating_mul(instance_len) <= CHEAP_VALIDATION
    }

    /// Why `instance` does not match, naming the offending fields, or `None`
    /// when it matches. At most [`SchemaLimits::max_errors`] mismatches are
    /// described, each cut to [`SchemaLimits::max_error_bytes`], and the
    /// instance's values are masked: a report never grows with the input.
    pub fn errors(&self, instance: &Value) -> Option<String> {
        let max_errors = self.limits.max_errors as usize;
        let mut errors = self.validator.iter_errors(instance);
        let mut problems: Vec<String> = errors
            .by_ref()
            .take(max_errors)
            .map(|error| {
                let path = error.instance_path().to_string();
                let message = if path.is_empty() || path == "/" {
                    error.masked().to_string()
                } else {
                    format!("`{}`: {}", path.trim_start_matches('/').replace('/', "."), error.masked())
                };
                cut(message, self.limits.max_error_bytes as usize)
            })
            .collect();
        if errors.next().is_some() {
            problems.push(format!("and more (only the first {max_errors} are reported)"));
        }
        (!problems.is_empty()).then(|| problems.join("; "))
    }
}

/// `message` cut to at most `max` bytes on a character boundary, marked `…`.
fn cut(mut message: String, max: usize) -> String {
    if message.len() > max {
        let mut end = max.saturating_sub('…'.len_utf8());
        while !message.is_char_boundary(end) {
            end -= 1;
        }
        message.truncate(end);
        message.push('…');
    }
    message
}

/// Checks the size, depth, references and branch count of `schema`, whose
/// JSON text is `text_len` bytes long.
pub fn check_bounds(schema: &Value, text_len: usize, limits: &SchemaLimits) -> Result<(), SchemaProblem> {
    if text_len > limits.max_schema_kib as usize * 1024 {
        return Err(SchemaProblem::TooLarge { bytes: text_len, max: limits.max_schema_kib });
    }
    let mut walk = Walk { root: schema, limits, expanding: HashSet::new(), expanded: HashMap::new() };
    let branches = walk.weight(schema, 0)?;
    if branches > u64::from(limits.max_schema_branches) {
        return Err(SchemaProblem::TooManyBranches(limits.max_schema_branches));
    }
    Ok(())
}

/// Keywords whose values are data, not schemas: nothing in them is a
/// reference or a branch.
const DATA_KEYWORDS: &[&str] = &["enum", "const", "default", "examples"];
/// Keywords that hold schemas only reached through references: they count
/// where they are referenced, not where they are defined.
const DEFINITION_KEYWORDS: &[&str] = &["$defs", "definitions"];
/// Keywords that make references resolve somewhere other than this
/// document's root, which the checks here could not follow.
const RESOLUTION_KEYWORDS: &[&str] = &["$dynamicRef", "$recursiveRef", "$dynamicAnchor", "$recursiveAnchor", "$anchor"];

/// One pass over a schema, expanding each local reference once
/// (memoised), so that even an exponential chain of references costs a
/// linear walk.
struct Walk<'a> {
    root: &'a Value,
    limits: &'a SchemaLimits,
    expanding: HashSet<&'a str>,
    expanded: HashMap<&'a str, u64>,
}

impl<'a> Walk<'a> {
    /// The branches `node` evaluates, references expanded, saturating.
    fn weight(&mut self, node: &'a Value, depth: u32) -> Result<u64, SchemaProblem> {
        if depth > self.limits.max_schema_depth {
            return Err(SchemaProblem::TooDeep(self.limits.max_schema_depth));
        }
        let mut weight: u64 = 0;
        match node {
            Value::Array(items) => {
                for item in items {
                    weight = weight.saturating_add(self.weight(item, depth + 1)?);
                }
            }
            Value::Object(map) => {
                for (key, child) in map {
                    let key = key.as_str();
                    if DATA_KEYWORDS.contains(&key) {
                        continue;
                    }
                    if let Some(keyword) = RESOLUTION_KEYWORDS.iter().find(|keyword| **keyword == key) {
                        return Err(SchemaProblem::Keyword(keyword));
                    }
                    let child_weight = match (key, child) {
                        ("$ref", Value::String(target)) => self.reference(target)?,
                        ("$id" | "id", Value::String(_)) if depth > 0 => return Err(SchemaProblem::Keyword("$id")),
                        ("allOf" | "anyOf" | "oneOf", Value::Array(branches)) => {
                            (branches.len() as u64).saturating_add(self.weight(child, depth + 1)?)
                        }
                        _ if DEFINITION_KEYWORDS.contains(&key) => {
                            self.weight(child, depth + 1)?;
                            0
                        }
                        _ => self.weight(child, depth + 1)?,
                    };
                    weight = weight.saturating_add(child_weight);
                }
            }
            _ => {}
        }
        Ok(weight)
    }

    /// The weight of what `target` refers to, computed once per target.
    fn reference(&mut self, target: &'a str) -> Result<u64, SchemaProblem> {
        let Some(pointer) = target.strip_prefix('#').filter(|pointer| pointer.is_empty() || pointer.starts_with('/'))
        else {
            return Err(SchemaProblem::ForeignReference(log_safe::quote(target)));
        };
        if let Some(weight) = self.expanded.get(target) {
            return Ok(*weight);
        }
        if !self.expanding.insert(target) {
            return Err(SchemaProblem::RecursiveReference(log_safe::quote(target)));
        }
        let decoded = percent_encoding::percent_decode_str(pointer).decode_utf8_lossy();
        // A target that does not resolve fails to compile, with the
        // validator's own message.
        let weight = match self.root.pointer(&decoded) {
            Some(node) => self.weight(node, 0)?,
            None => 0,
        };
        self.expanding.remove(target);
        self.expanded.insert(target, weight);
        Ok(weight)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn compile(schema: Value) -> Result<CheckedSchema, String> {
        CheckedSchema::compile(&schema, schema.to_string().len(), SchemaLimits::default())
    }

    #[test]
    fn backtracking_patterns_are_refused_and_linear_ones_compile() {
        let backreference = json!({"type": "object", "properties": {"a": {"type": "string", "pattern": "^(a+)+\\1$"}}});
        let error = compile(backreference).unwrap_err();
        assert!(error.to_lowercase().contains("backreference") || error.contains("regex"), "{error}");
        let lookahead = json!({"type": "object", "patternProperties": {"^(?=x)": {}}});
        assert!(compile(lookahead).is_err());
        let linear = json!({"type": "object", "properties": {"a": {"type": "string", "pattern": "^(a+)+$"}}});
        let schema = compile(linear).unwrap();
        let evil = json!({"a": format!("{}!", "a".repeat(100_000))});
        let started = std::time::Instant::now();
        assert!(schema.errors(&evil).is_some());
        assert!(started.elapsed() < std::time::Duration::from_secs(1), "linear time: {:?}", started.elapsed());
    }

    #[test]
    fn branches_are_bounded_with_references_expanded() {
        let branches = |count: usize| Value::Array((0..count).map(|_| json!({"type": "object"})).collect());
        assert!(compile(json!({"type": "object", "allOf": branches(128)})).is_ok());
        let error = compile(json!({"type": "object", "allOf": branches(2_000)})).unwrap_err();
        assert!(error.contains("more than 128 allOf/anyOf/oneOf branches"), "{error}");
        // Ten branches, used by reference twenty times over.
        let reused = json!({
            "type": "object",
            "$defs": {"ten": {"anyOf": branches(10)}},
            "properties": (0..20).map(|index| (format!("p{index}"), json!({"$ref": "#/$defs/ten"}))).collect::<serde_json::Map<_, _>>(),
        });
        assert!(compile(reused).unwrap_err().contains("branches"));
    }

    #[test]
    fn a_doubling_chain_of_references_is_walked_once_and_refused() {
        let mut defs = serde_json::Map::new();
        for level in 0..60 {
            let next = format!("#/$defs/d{}", level + 1);
            defs.insert(format!("d{level}"), json!({"anyOf": [{"$ref": next}, {"$ref": next}]}));
        }
        defs.insert("d60".into(), json!({"type": "string"}));
        let chain = json!({"type": "object", "$defs": defs, "properties": {"x": {"$ref": "#/$defs/d0"}}});
        let started = std::time::Instant::now();
        assert!(compile(chain).unwrap_err().contains("branches"));
        assert!(started.elapsed() < std::time::Duration::from_secs(1));
    }

    #[test]
    fn references_must_be_local_and_not_recursive() {
        let recursive =
            json!({"type": "object", "$defs": {"a": {"allOf": [{"$ref": "#/$defs/a"}]}}, "$ref": "#/$defs/a"});
        assert!(compile(recursive).unwrap_err().contains("refers back to itself"));
        let remote = json!({"type": "object", "$ref": "https://example.com/schema.json"});
        assert!(compile(remote).unwrap_err().contains("not a local JSON pointer"));
        let anchor = json!({"type": "object", "$defs": {"a": {"$anchor": "x"}}});
        assert!(compile(anchor).unwrap_err().contains("`$anchor`"));
        let nested_id = json!({"type": "object", "properties": {"a": {"$id": "https://elsewhere/", "type": "string"}}});
        assert!(compile(nested_id).unwrap_err().contains("`$id`"));
        let property_named_id = json!({"type": "object", "$id": "https://berth/tool", "properties": {"id": {"type": "string"}, "$ref": {"type": "string"}}});
        assert!(compile(property_named_id).is_ok());
    }

    #[test]
    fn size_and_depth_are_bounded() {
        let deep =
            (0..40).fold(json!({"type": "string"}), |inner, _| json!({"type": "object", "properties": {"x": inner}}));
        assert!(compile(deep).unwrap_err().contains("deeper than 32"));
        let large = json!({"type": "object", "description": "d".repeat(70 * 1024)});
        assert!(compile(large).unwrap_err().contains("over the limit of 64 KiB"));
    }

    #[test]
    fn reports_are_bounded_and_never_copy_the_instance() {
        let branches: Vec<Value> = (0..100).map(|_| json!({"type": "string"})).collect();
        let schema = compile(json!({"type": "object", "allOf": branches})).unwrap();
        let big = json!({"payload": "p".repeat(500_000)});
        let report = schema.errors(&big).unwrap();
        assert!(report.len() < 8 * 600, "{} bytes", report.len());
        assert!(!report.contains("ppppp"), "the instance is masked");
        assert!(report.ends_with("and more (only the first 8 are reported)"), "{report}");
    }

    #[test]
    fn defaults_are_valid_and_nonsense_is_named() {
        assert_eq!(SchemaLimits::default().validate(), Ok(()));
        let error = SchemaLimits { max_errors: 0, ..SchemaLimits::default() }.validate().unwrap_err().to_string();
        assert_eq!(error, "[schemas] max_errors = 0 is out of range; use 1 to 1000");
        assert_eq!(crate::policy::manifest::ManifestLimits::default().validate(), Ok(()));
    }

    #[test]
    fn fields_are_named_in_reports() {
        let schema =
            compile(json!({"type": "object", "properties": {"name": {"type": "string"}}, "required": ["name"]}))
                .unwrap();
        let wrong = schema.errors(&json!({"name": 42})).unwrap();
        assert!(wrong.starts_with("`name`:") && wrong.contains("string"), "{wrong}");
        assert!(schema.errors(&json!({})).unwrap().contains("name"));
        assert_eq!(schema.errors(&json!({"name": "Ada"})), None);
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;
        use serde_json::Map;

        /// Small schemas built from the keywords that cost something:
        /// branches, nesting, patterns (some needing backtracking) and
        /// references (some recursive, some foreign).
        fn schema() -> impl Strategy<Value = Value> {
            let leaf = prop_oneof![
                Just(json!({"type": "string"})),
                Just(json!({"type": "integer", "minimum": 0})),
                Just(json!(true)),
                prop::collection::vec(prop::sample::select(vec!["a", "(", ")", "+", "*", "?", "|", "\\1", "$"]), 0..8)
                    .prop_map(|tokens| json!({"type": "string", "pattern": format!("^(a+){}", tokens.concat())})),
                prop::sample::select(vec!["#", "#/$defs/a", "#/$defs/missing", "other.json", "#anchor"])
                    .prop_map(|target| json!({"$ref": target})),
                prop::collection::vec("[a-z]{1,3}", 0..3).prop_map(|names| json!({"required": names})),
            ];
            leaf.prop_recursive(5, 64, 8, |inner| {
                prop_oneof![
                    (prop::sample::select(vec!["allOf", "anyOf", "oneOf"]), prop::collection::vec(inner.clone(), 0..8))
                        .prop_map(|(keyword, branches)| Value::Object(Map::from_iter([(
                            keyword.to_owned(),
                            Value::Array(branches)
                        )]))),
                    prop::collection::btree_map("[a-z]{1,3}", inner.clone(), 0..4)
                        .prop_map(|properties| json!({"type": "object", "properties": properties})),
                    inner.clone().prop_map(|items| json!({"type": "array", "items": items})),
                    inner.prop_map(|definition| json!({"$defs": {"a": definition}, "$ref": "#/$defs/a"})),
                ]
            })
        }

        /// Instances with keys and strings of any characters.
        fn instance() -> impl Strategy<Value = Value> {
            let leaf =
                prop_oneof![Just(Value::Null), any::<i64>().prop_map(Value::from), "\\PC{0,24}".prop_map(Value::from),];
            leaf.prop_recursive(4, 32, 6, |inner| {
                prop_oneof![
                    prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
                    prop::collection::btree_map("\\PC{1,6}", inner, 0..6)
                        .prop_map(|map| Value::Object(map.into_iter().collect())),
                ]
            })
        }

        const LIMITS: SchemaLimits = SchemaLimits {
            max_schema_kib: 64,
            max_schema_depth: 12,
            max_schema_branches: 24,
            max_pattern_kib: 64,
            max_errors: 3,
            max_error_bytes: 60,
        };

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(96))]

            #[test]
            fn accepted_schemas_keep_their_bounds_and_their_reports_stay_short(
                schema in schema(),
                instances in prop::collection::vec(instance(), 1..4),
            ) {
                let text = schema.to_string();
                let Ok(checked) = CheckedSchema::compile(&schema, text.len(), LIMITS) else {
                    return Ok(());
                };
                prop_assert!(check_bounds(&schema, text.len(), &LIMITS).is_ok());
                prop_assert!(!text.contains("\\\\1"), "a backreference compiled: {}", text);
                for instance in &instances {
                    if let Some(report) = checked.errors(instance) {
                        let most = LIMITS.max_errors as usize * (LIMITS.max_error_bytes as usize + 2) + 64;
                        prop_assert!(report.len() <= most, "{} bytes: {}", report.len(), report);
                    }
                }
            }

            #[test]
            fn recursive_and_foreign_references_are_always_refused(schema in schema()) {
                let text = schema.to_string();
                let foreign = text.contains("\"other.json\"") || text.contains("\"#anchor\"");
                if foreign || text.contains("\"$ref\":\"#\"") {
                    prop_assert!(CheckedSchema::compile(&schema, text.len(), LIMITS).is_err(), "{}", text);
                }
            }
        }
    }
}
