//! ServiceDesk Plus's failures, and the one place each becomes the tool
//! error an agent (and, through it, an operator) reads: what happened, in
//! ServiceDesk Plus's own words where it gave any, and what to do about it.
//!
//! Every answer carries `response_status`: an object for one entity, an
//! array for a list. A failure's holds the overall code (4000 is a wrapper)
//! and `messages`, each with its own `status_code`, `message`, and the
//! `field` (or `fields`) it is about. The most telling code decides:
//!
//! | SDP code (HTTP) | error | says |
//! |---|---|---|
//! | 4012 (400) | `invalid-arguments` | which mandatory fields this portal wants filled |
//! | 4022 (401), or any 401 | `denied` | the `servicedesk-plus` credential was refused even after a refresh; how to store a working one |
//! | 4002 (403), or any 403 | `denied` | ServiceDesk Plus's reason (a closed request, a missing permission or scope) |
//! | 4007 (404), or any 404 | `not-found` | what was asked for does not exist |
//! | 4015 (429), or any 429 | `upstream` | rate limited after the host's retries; try again later |
//! | 7001 | `denied` | the portal's licence does not allow it |
//! | 4000, 4001, 4005, 4008, 4009, 4014, 4016, 4021, other 4xx | `invalid-arguments` | the messages, with their fields |
//! | other | `upstream` | the messages and the status |
//!
//! What is quoted is bounded: [`MAX_MESSAGES`] messages of at most
//! [`MAX_MESSAGE`] characters each.

use berth_sdk::ToolError;
use berth_sdk::http::HttpError;
use serde_json::Value;

/// The credential name the manifest declares.
pub const CREDENTIAL: &str = "servicedesk-plus";

/// At most this many of ServiceDesk Plus's messages are quoted.
const MAX_MESSAGES: usize = 8;
/// Each quoted message is cut to this many characters.
const MAX_MESSAGE: usize = 300;

/// SDP code: mandatory fields are missing.
const MANDATORY_MISSING: u64 = 4012;
/// SDP code: the OAuth token is invalid or expired.
const INVALID_TOKEN: u64 = 4022;
/// SDP code: forbidden (permission, scope or a business rule).
const FORBIDDEN: u64 = 4002;
/// SDP code: invalid URL, or no such entity.
const NOT_FOUND: u64 = 4007;
/// SDP code: the API rate limit is reached.
const RATE_LIMITED: u64 = 4015;
/// SDP code: the licence does not allow it.
const NOT_LICENSED: u64 = 7001;

/// How to store a working credential, for the messages that need it.
pub const HOW_TO_STORE: &str = "create a Self Client at the data centre's Zoho API console (api-console.zoho.com, \
     .eu, .in, .com.au…), generate a grant code with scopes SDPOnDemand.requests.ALL, SDPOnDemand.setup.READ and \
     SDPOnDemand.users.READ, exchange it for a refresh token, and store it with `berth credential set --tenant \
     <tenant> --plugin servicedesk-plus servicedesk-plus --scheme oauth2-refresh-token --token-url \
     https://<accounts_server>/oauth/v2/token --client-id <client id> --header-format \"Zoho-oauthtoken {token}\"` \
     with `refresh_token=<token>` and `client_secret=<secret>` lines on stdin; the accounts server must be the \
     portal's data centre's (config `accounts_server`)";

/// A failed answer: what the request was about and what came back.
pub struct Failure<'a> {
    /// HTTP status.
    pub status: u16,
    /// `Retry-After`, when sent.
    pub retry_after: Option<&'a str>,
    /// The body.
    pub body: &'a [u8],
    /// What the request was about, for the message: "request `123`".
    pub target: &'a str,
}

/// One entry of `response_status.messages`.
#[derive(Debug, Default, PartialEq, Eq)]
struct Message {
    code: Option<u64>,
    text: Option<String>,
    fields: Vec<String>,
}

/// The overall code and the messages of a body's `response_status`
/// (object or array).
fn envelope(body: &Value) -> (Option<u64>, Vec<Message>) {
    let statuses: Vec<&Value> = match body.get("response_status") {
        Some(Value::Array(statuses)) => statuses.iter().collect(),
        Some(status @ Value::Object(_)) => vec![status],
        _ => Vec::new(),
    };
    let overall = statuses.iter().find_map(|status| status.get("status_code").and_then(code));
    let mut messages = Vec::new();
    for status in &statuses {
        for message in status.get("messages").and_then(Value::as_array).into_iter().flatten() {
            let mut fields: Vec<String> = message
                .get("fields")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect();
            if let Some(field) = message.get("field").and_then(Value::as_str) {
                fields.insert(0, field.to_owned());
            }
            fields.dedup();
            messages.push(Message {
                code: message.get("status_code").and_then(code),
                text: message.get("message").and_then(Value::as_str).map(one_line).filter(|text| !text.is_empty()),
                fields,
            });
        }
    }
    (overall, messages)
}

/// A status code, sent as a number or a string.
fn code(value: &Value) -> Option<u64> {
    value.as_u64().or_else(|| value.as_str().and_then(|text| text.trim().parse().ok()))
}

/// A non-2xx answer (or a 2xx whose `response_status` failed) as a tool
/// error.
pub fn status_error(failure: &Failure<'_>) -> ToolError {
    let body: Value = serde_json::from_slice(failure.body).unwrap_or(Value::Null);
    let (overall, messages) = envelope(&body);
    let has = |wanted: u64| messages.iter().any(|message| message.code == Some(wanted)) || overall == Some(wanted);
    let reason = explanation(&messages, failure.body, failure.status);
    let target = failure.target;
    if has(MANDATORY_MISSING) {
        let mut fields: Vec<&str> = messages
            .iter()
            .filter(|message| message.code == Some(MANDATORY_MISSING))
            .flat_map(|message| message.fields.iter().map(String::as_str))
            .collect();
        fields.dedup();
        let named = if fields.is_empty() {
            String::new()
        } else {
            format!(": {}", fields.iter().map(|field| format!("`{field}`")).collect::<Vec<_>>().join(", "))
        };
        return ToolError::invalid(format!(
            "ServiceDesk Plus needs more mandatory fields for {target}{named} ({reason}); this portal's request \
             template makes them mandatory"
        ));
    }
    if has(INVALID_TOKEN) || failure.status == 401 {
        return ToolError::denied(format!(
            "ServiceDesk Plus refused the `{CREDENTIAL}` credential ({reason}), even with a freshly refreshed \
             access token: its scopes may not cover this, or it belongs to another data centre than config \
             `domain`. Check what the tenant stored with `berth credential list --tenant <tenant>`; to fix it, \
             {HOW_TO_STORE}"
        ));
    }
    if has(RATE_LIMITED) || failure.status == 429 {
        return ToolError::upstream(Some(429), rate_limited(failure.retry_after));
    }
    if has(FORBIDDEN) || failure.status == 403 {
        return ToolError::denied(format!(
            "ServiceDesk Plus refused {target}: {reason}. A closed request takes no changes; otherwise the \
             credential's user lacks the permission (or its token the scope) for it"
        ));
    }
    if has(NOT_FOUND) || failure.status == 404 {
        return ToolError::not_found(format!(
            "{target} was not found in ServiceDesk Plus: it does not exist, or config `portal` names another \
             portal ({reason})"
        ));
    }
    if has(NOT_LICENSED) {
        return ToolError::denied(format!("the ServiceDesk Plus portal's licence does not allow {target}: {reason}"));
    }
    match failure.status {
        200..=299 | 400..=499 => {
            ToolError::invalid(format!("ServiceDesk Plus rejected the request for {target}: {reason}"))
        }
        status => {
            ToolError::upstream(Some(status), format!("ServiceDesk Plus failed on {target} (HTTP {status}): {reason}"))
        }
    }
}

/// Whether a 2xx body still says it failed (`response_status` `failed`).
pub fn failed_in_body(body: &Value) -> bool {
    let statuses: Vec<&Value> = match body.get("response_status") {
        Some(Value::Array(statuses)) => statuses.iter().collect(),
        Some(status) => vec![status],
        None => Vec::new(),
    };
    statuses.iter().any(|status| {
        status.get("status").and_then(Value::as_str) == Some("failed")
            || status.get("status_code").and_then(code).is_some_and(|code| code >= 4000)
    })
}

/// ServiceDesk Plus's explanation: each message with its fields and code,
/// else the start of the body, else the status.
fn explanation(messages: &[Message], raw: &[u8], status: u16) -> String {
    let quoted: Vec<String> = messages
        .iter()
        .filter_map(|message| {
            let text = message.text.clone().or_else(|| message.code.map(|code| format!("status code {code}")))?;
            let fields =
                if message.fields.is_empty() { String::new() } else { format!("{}: ", message.fields.join(", ")) };
            let code = match message.code {
                Some(code) if !text.contains(&code.to_string()) => format!(" ({code})"),
                _ => String::new(),
            };
            Some(format!("{fields}{text}{code}"))
        })
        .take(MAX_MESSAGES)
        .collect();
    if !quoted.is_empty() {
        return quoted.join("; ");
    }
    let text = one_line(&String::from_utf8_lossy(raw));
    if text.is_empty() { format!("HTTP {status}") } else { text }
}

/// `text` on one line, cut to [`MAX_MESSAGE`] characters.
fn one_line(text: &str) -> String {
    let joined = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if joined.chars().count() > MAX_MESSAGE {
        let cut: String = joined.chars().take(MAX_MESSAGE).collect();
        format!("{cut}…")
    } else {
        joined
    }
}

/// What a final rate limit says: when to try again.
fn rate_limited(retry_after: Option<&str>) -> String {
    let wait = retry_after
        .map(str::trim)
        .filter(|seconds| !seconds.is_empty())
        .map(|seconds| format!(" in {} s", seconds.chars().take(40).collect::<String>()))
        .unwrap_or_else(|| " in a minute".to_owned());
    format!(
        "ServiceDesk Plus is rate limiting this portal's API (status code 4015) and the host's retries ran out; \
         try again{wait}, with fewer requests at a time"
    )
}

/// A failure to get any answer, in terms of what to do about it. A token
/// the accounts server would not issue (a wrong refresh token or client
/// secret) arrives here, with Zoho's reason.
pub fn transport_error(error: HttpError) -> ToolError {
    match error {
        HttpError::RateLimited(wait) => {
            let wait = wait.map(|ms| ms.div_ceil(1000).to_string());
            ToolError::upstream(Some(429), rate_limited(wait.as_deref()))
        }
        HttpError::CredentialFailed(reason) => ToolError::denied(format!(
            "the `{CREDENTIAL}` credential could not be used: {reason}. To fix it, {HOW_TO_STORE}"
        )),
        other => other.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn failure(status: u16, body: &Value) -> ToolError {
        let bytes = serde_json::to_vec(body).unwrap();
        status_error(&Failure { status, retry_after: None, body: &bytes, target: "request `42`" })
    }

    fn failed(code: u64, messages: Value) -> Value {
        json!({"response_status": {"status_code": code, "status": "failed", "messages": messages}})
    }

    #[test]
    fn a_4012_names_the_missing_fields() {
        let missing = failure(
            400,
            &failed(
                4000,
                json!([{"status_code": 4012, "type": "failed", "fields": ["subcategory", "requester"], "message": "Mandatory fields are missing"}]),
            ),
        );
        let ToolError::InvalidArguments(message) = missing else { panic!("{missing:?}") };
        assert!(message.contains("`subcategory`, `requester`"), "{message}");
        assert!(message.contains("Mandatory fields are missing"), "{message}");
    }

    #[test]
    fn each_code_is_typed_and_says_what_to_do() {
        let token = failure(401, &failed(4000, json!([{"status_code": 4022, "message": "Invalid API Key"}])));
        let ToolError::Denied(message) = token else { panic!("{token:?}") };
        assert!(message.contains("credential `servicedesk-plus`") || message.contains("`servicedesk-plus` credential"));
        assert!(message.contains("Invalid API Key") && message.contains("--scheme oauth2-refresh-token"), "{message}");
        let closed = failure(
            403,
            &failed(4000, json!([{"status_code": 4002, "type": "failed", "message": "Request is closed"}])),
        );
        assert!(matches!(&closed, ToolError::Denied(m) if m.contains("Request is closed")), "{closed:?}");
        let missing = failure(
            404,
            &json!({"response_status": [{"status_code": 4007, "status": "failed", "messages": [{"status_code": 4007, "message": "Invalid URL"}]}]}),
        );
        assert!(matches!(&missing, ToolError::NotFound(m) if m.contains("request `42`") && m.contains("Invalid URL")));
        let wrong = failure(
            400,
            &failed(4000, json!([{"status_code": 4001, "field": "technician", "message": "Value is not valid"}])),
        );
        assert!(
            matches!(&wrong, ToolError::InvalidArguments(m) if m.ends_with("technician: Value is not valid (4001)")),
            "{wrong:?}"
        );
        let licence = failure(400, &failed(4000, json!([{"status_code": 7001, "message": "Not allowed"}])));
        assert!(matches!(licence, ToolError::Denied(m) if m.contains("licence")));
        let broken = failure(500, &Value::Null);
        assert!(matches!(&broken, ToolError::Upstream(e) if e.status == Some(500) && e.message.contains("HTTP 500")));
    }

    #[test]
    fn a_4015_says_when_to_retry_even_behind_a_400() {
        let limited = status_error(&Failure {
            status: 400,
            retry_after: None,
            body: br#"{"response_status":{"status_code":4015,"status":"failed"}}"#,
            target: "x",
        });
        assert!(matches!(&limited, ToolError::Upstream(e) if e.status == Some(429)), "{limited:?}");
        let later = status_error(&Failure { status: 429, retry_after: Some("120"), body: b"", target: "x" });
        assert!(matches!(&later, ToolError::Upstream(e) if e.message.contains("try again in 120 s")), "{later:?}");
        let waited = transport_error(HttpError::RateLimited(Some(90_500)));
        assert!(matches!(&waited, ToolError::Upstream(e) if e.message.contains("in 91 s")), "{waited:?}");
        let refused =
            transport_error(HttpError::CredentialFailed("the token endpoint answered 400: invalid_code".into()));
        assert!(
            matches!(&refused, ToolError::Denied(m) if m.contains("invalid_code") && m.contains("berth credential set"))
        );
    }

    #[test]
    fn a_failure_inside_a_2xx_is_seen_and_what_is_quoted_is_bounded() {
        assert!(failed_in_body(&json!({"response_status": [{"status_code": 4000, "status": "failed"}]})));
        assert!(!failed_in_body(&json!({"response_status": {"status_code": 2000, "status": "success"}})));
        let many: Vec<Value> =
            (0..100).map(|n| json!({"message": format!("message {n} {}", "x".repeat(1000))})).collect();
        let ToolError::InvalidArguments(message) = failure(400, &failed(4000, json!(many))) else { panic!() };
        assert!(message.len() < MAX_MESSAGES * (MAX_MESSAGE + 8) + 200, "{}", message.len());
        assert!(message.contains("message 7") && !message.contains("message 8"));
        let raw = status_error(&Failure {
            status: 400,
            retry_after: None,
            body: b"<html>\n Bad  request</html>",
            target: "x",
        });
        assert!(matches!(&raw, ToolError::InvalidArguments(m) if m.ends_with("<html> Bad request</html>")));
    }
}
