//! Reading one JSON-RPC message from a client, the same way on every
//! transport (stdio, `/mcp`, `/messages`): what rmcp would otherwise drop
//! in silence, turn into a request it does not mean ("method not found" for
//! a call with bad arguments), or read as a notification (a request whose id
//! is `null`) is refused here with the JSON-RPC error that says what is
//! wrong:
//!
//! | the message | the error |
//! |---|---|
//! | not UTF-8, not JSON, two messages on one line, nested too deep | `-32700` parse error, `id: null` |
//! | a batch, not an object, an `id` that is `null` or not a string or number, not JSON-RPC 2.0, no shape MCP knows | `-32600` invalid request |
//! | `tools/call` whose `arguments` is not an object | `-32602` invalid params |
//!
//! The error carries the request's id when there is one to read. Nothing
//! the client sent is quoted beyond [`clip`]'s bound.

use crate::policy::echo::clip;
use rmcp::model::{ClientJsonRpcMessage, ErrorCode, RequestId};
use serde_json::{Value, json};

/// A message that cannot be served, and the answer it gets.
#[derive(Debug, Clone, PartialEq)]
pub struct Unreadable {
    /// The request's id, when one could be read.
    pub id: Option<RequestId>,
    /// The JSON-RPC error code.
    pub code: ErrorCode,
    /// What is wrong, for the client and the log.
    pub message: String,
}

impl Unreadable {
    fn new(id: Option<RequestId>, code: ErrorCode, message: impl Into<String>) -> Self {
        Self { id, code, message: message.into() }
    }

    /// The JSON-RPC error response, with `"id": null` when there is no id
    /// (as JSON-RPC 2.0 requires of a parse error or an invalid request).
    pub fn to_json(&self) -> Value {
        let id = self.id.clone().map_or(Value::Null, RequestId::into_json_value);
        json!({"jsonrpc": "2.0", "id": id, "error": {"code": self.code.0, "message": self.message}})
    }
}

/// Reads `bytes` as one JSON-RPC message from a client.
pub fn parse(bytes: &[u8]) -> Result<ClientJsonRpcMessage, Unreadable> {
    let text = std::str::from_utf8(bytes)
        .map_err(|_| Unreadable::new(None, ErrorCode::PARSE_ERROR, "parse error: the message is not UTF-8"))?;
    let value: Value = serde_json::from_str(text)
        .map_err(|error| Unreadable::new(None, ErrorCode::PARSE_ERROR, format!("parse error: {error}")))?;
    let object = match &value {
        Value::Object(object) => object,
        Value::Array(_) => return Err(invalid(None, "batches are not supported; send one message at a time")),
        _ => return Err(invalid(None, "a JSON-RPC message is a JSON object")),
    };
    let id = match object.get("id") {
        None => None,
        Some(Value::Number(number)) => match number.as_i64() {
            Some(number) => Some(RequestId::Number(number)),
            None => return Err(invalid(None, "a numeric id must be an integer")),
        },
        Some(Value::String(text)) => Some(RequestId::String(text.as_str().into())),
        Some(_) => return Err(invalid(None, "the id must be a string or an integer, not null")),
    };
    if object.get("jsonrpc").and_then(Value::as_str) != Some("2.0") {
        return Err(invalid(id, "the message must say \"jsonrpc\": \"2.0\""));
    }
    let arguments = object.get("params").and_then(|params| params.get("arguments"));
    if object.get("method").and_then(Value::as_str) == Some("tools/call")
        && arguments.is_some_and(|arguments| !arguments.is_object() && !arguments.is_null())
    {
        return Err(Unreadable::new(id, ErrorCode::INVALID_PARAMS, "tools/call `arguments` must be a JSON object"));
    }
    serde_json::from_value(value)
        .map_err(|error| invalid(id, &format!("not an MCP message: {}", clip(&error.to_string()))))
}

fn invalid(id: Option<RequestId>, message: &str) -> Unreadable {
    Unreadable::new(id, ErrorCode::INVALID_REQUEST, format!("invalid request: {message}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn refused(text: &str) -> Value {
        parse(text.as_bytes()).expect_err(text).to_json()
    }

    #[test]
    fn protocol_errors_get_their_json_rpc_codes() {
        for text in ["{", "{} {}", "{\"jsonrpc\":\"2.0\",\"method\":\"ping\",\"id\":1}{}", &"[".repeat(100_000)] {
            let error = refused(text);
            assert_eq!((error["error"]["code"].as_i64(), &error["id"]), (Some(-32700), &Value::Null), "{error}");
        }
        assert_eq!(parse(b"\xff\xfe").unwrap_err().code, ErrorCode::PARSE_ERROR);
        for text in [
            r#"[{"jsonrpc":"2.0","id":1,"method":"ping"}]"#,
            r#""ping""#,
            r#"{"jsonrpc":"2.0","id":null,"method":"tools/list"}"#,
            r#"{"jsonrpc":"2.0","id":{"a":1},"method":"tools/list"}"#,
            r#"{"jsonrpc":"2.0","id":1.5,"method":"tools/list"}"#,
        ] {
            let error = refused(text);
            assert_eq!((error["error"]["code"].as_i64(), &error["id"]), (Some(-32600), &Value::Null), "{error}");
        }
        let error = refused(r#"{"jsonrpc":"1.0","id":"a","method":"tools/list"}"#);
        assert_eq!((error["error"]["code"].as_i64(), &error["id"]), (Some(-32600), &json!("a")), "{error}");
        let error = refused(r#"{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"x","arguments":[1]}}"#);
        assert_eq!((error["error"]["code"].as_i64(), &error["id"]), (Some(-32602), &json!(7)), "{error}");
    }

    /// Any JSON value: scalars, arrays and objects, nested a few levels.
    fn json_value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::from),
            any::<i64>().prop_map(Value::from),
            any::<f64>().prop_map(|number| json!(number)),
            ".{0,12}".prop_map(Value::from),
        ];
        leaf.prop_recursive(4, 32, 6, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::from),
                proptest::collection::btree_map("[a-z]{0,8}", inner, 0..6)
                    .prop_map(|map| Value::Object(map.into_iter().collect())),
            ]
        })
    }

    /// A request id as JSON, and as rmcp reads it.
    fn request_id() -> impl Strategy<Value = (Value, RequestId)> {
        prop_oneof![
            any::<i64>().prop_map(|id| (json!(id), RequestId::Number(id))),
            ".{0,16}".prop_map(|id: String| (json!(id), RequestId::String(id.as_str().into()))),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(128))]

        /// Whatever the bytes, the answer is a message or a JSON-RPC error
        /// of the three kinds, and bytes that are not UTF-8 are a parse error
        /// with no id.
        #[test]
        fn any_bytes_are_a_message_or_a_json_rpc_error(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
            if let Err(refused) = parse(&bytes) {
                prop_assert!([-32700, -32600, -32602].contains(&refused.code.0), "{refused:?}");
                prop_assert!(refused.message.len() < 400);
                if std::str::from_utf8(&bytes).is_err() {
                    prop_assert_eq!((refused.code, refused.id), (ErrorCode::PARSE_ERROR, None));
                }
            }
        }

        /// A JSON value that is not one object is an invalid request with
        /// no id; an object is served or refused, never a panic.
        #[test]
        fn any_json_is_a_message_or_a_json_rpc_error(value in json_value()) {
            match parse(value.to_string().as_bytes()) {
                Ok(_) => prop_assert!(value.is_object()),
                Err(refused) if !value.is_object() => {
                    prop_assert_eq!((refused.code, refused.id), (ErrorCode::INVALID_REQUEST, None));
                }
                Err(refused) => prop_assert!([-32600, -32602].contains(&refused.code.0), "{refused:?}"),
            }
        }

        /// A request reads back with its id; the same request followed by
        /// anything but whitespace on the same line is a parse error.
        #[test]
        fn requests_keep_their_id_and_nothing_may_follow_them(
            (raw_id, id) in request_id(),
            method in prop_oneof![Just("tools/list"), Just("ping"), Just("tools/call"), Just("x/custom")],
            tail in "[ -~]{1,16}",
        ) {
            let params = if method == "tools/call" { json!({"name": "hello_greet", "arguments": {}}) } else { json!({}) };
            let text = json!({"jsonrpc": "2.0", "id": raw_id, "method": method, "params": params}).to_string();
            match parse(text.as_bytes()) {
                Ok(ClientJsonRpcMessage::Request(request)) => prop_assert_eq!(&request.id, &id),
                other => prop_assert!(false, "{text}: {other:?}"),
            }
            if !tail.trim().is_empty() {
                let refused = parse(format!("{text}{tail}").as_bytes()).unwrap_err();
                prop_assert_eq!((refused.code, refused.id), (ErrorCode::PARSE_ERROR, None));
            }
        }
    }

    #[test]
    fn well_formed_messages_pass() {
        for text in [
            r#"{"jsonrpc":"2.0","id":1,"method":"tools/list"}"#,
            r#"{"jsonrpc":"2.0","id":"x","method":"tools/call","params":{"name":"hello_greet","arguments":{"name":"a"}}}"#,
            r#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#,
        ] {
            assert!(parse(text.as_bytes()).is_ok(), "{text}");
        }
    }
}
