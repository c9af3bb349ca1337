//! Jira's failures, and the one place each becomes the tool error an agent
//! (and, through it, an operator) reads: what happened, in Jira's own words
//! where it gave any, and what to do about it.
//!
//! | status | error | says |
//! |---|---|---|
//! | 400 | `invalid-arguments` | Jira's `errorMessages` and per-field `errors` (or Service Management's `errorMessage`), quoted |
//! | 401 | `denied` | the `jira` credential was refused; the commands that store a working one |
//! | 403 | `denied` | the credential's user (or token's scopes) may not do this |
//! | 404 | `not-found` | what was asked for (the issue key) does not exist or is hidden; through the gateway, an unknown cloud id is a `denied` naming `cloud_id` |
//! | 409, 413, 422 | `invalid-arguments` | Jira's explanation |
//! | 410 | `upstream` | the API is gone from Jira; the adapter needs an update |
//! | 429 | `upstream` | rate limited after the host's retries; try again in the `Retry-After` seconds |
//! | other | `upstream` | Jira's explanation and status |
//!
//! Jira's three envelopes are read: the platform's `ErrorCollection`
//! (`{"errorMessages":[…],"errors":{"field":"…"}}`), Service Management's
//! `{"errorMessage":"…"}` and the gateway's `{"code":404,"message":"…"}`.
//! What is quoted is bounded: [`MAX_MESSAGES`] messages of at most
//! [`MAX_MESSAGE`] characters each.

use berth_sdk::ToolError;
use berth_sdk::http::HttpError;
use serde_json::Value;

/// The credential name the manifest declares.
pub const CREDENTIAL: &str = "jira";

/// At most this many of Jira's messages are quoted.
const MAX_MESSAGES: usize = 8;
/// Each quoted message is cut to this many characters.
const MAX_MESSAGE: usize = 300;

/// How to store a working credential, for the messages that need it.
const HOW_TO_STORE: &str = "store the Atlassian account's e-mail address and an API token (create one at \
     https://id.atlassian.com/manage-profile/security/api-tokens) with `berth credential set --tenant <tenant> \
     --plugin jira jira --scheme basic --username <email>` and the token on stdin; or, for an OAuth 2.0 access \
     token, set config `cloud_id` and use `--scheme bearer` with the token on stdin. Scoped API tokens and \
     service accounts work only through the API gateway, so they need `cloud_id` too";

/// A failed answer: what the request was about and what came back.
pub struct Failure<'a> {
    /// HTTP status.
    pub status: u16,
    /// `Retry-After`, when sent.
    pub retry_after: Option<&'a str>,
    /// `RateLimit-Reason`, when sent.
    pub rate_limit_reason: Option<&'a str>,
    /// The body.
    pub body: &'a [u8],
    /// What the request was about, for the message: "issue `OPS-12`".
    pub target: &'a str,
    /// Whether it went through the API gateway.
    pub via_gateway: bool,
}

/// A non-2xx answer as a tool error.
pub fn status_error(failure: &Failure<'_>) -> ToolError {
    let body: Value = serde_json::from_slice(failure.body).unwrap_or(Value::Null);
    let reason = explanation(&body, failure.body, failure.status);
    let target = failure.target;
    match failure.status {
        400 | 409 | 413 | 422 => ToolError::invalid(format!("Jira rejected the request for {target}: {reason}")),
        401 => {
            let via = if failure.via_gateway {
                " through the API gateway (if `cloud_id` was set after the credential was stored, the credential \
                 is not bound to the gateway: rebind it with `berth credential bind --tenant <tenant> --plugin jira \
                 jira`)"
            } else {
                " on the site"
            };
            ToolError::denied(format!(
                "Jira rejected the `{CREDENTIAL}` credential{via} ({reason}). Check what the tenant stored with \
                 `berth credential list --tenant <tenant>`; to fix it, {HOW_TO_STORE}"
            ))
        }
        403 => ToolError::denied(format!(
            "Jira refused {target}: {reason}. The credential's user lacks the Jira permission for it (or an OAuth \
             or scoped token lacks the scope); a Jira administrator can grant it"
        )),
        404 if failure.via_gateway && is_gateway_answer(&body) => ToolError::denied(format!(
            "the Atlassian API gateway does not know this site ({reason}): check config `cloud_id` (the site's \
             https://<site>/_edge/tenant_info shows it) and that the credential may reach that site"
        )),
        404 => ToolError::not_found(format!(
            "{target} was not found in Jira: it does not exist, or the credential's user may not see it ({reason})"
        )),
        410 => ToolError::upstream(
            Some(410),
            format!("Jira no longer offers the API used for {target} ({reason}); this adapter needs an update"),
        ),
        429 => ToolError::upstream(Some(429), rate_limited(failure.retry_after, failure.rate_limit_reason)),
        status => ToolError::upstream(Some(status), format!("Jira failed on {target} (HTTP {status}): {reason}")),
    }
}

/// Whether `body` is the gateway's own answer rather than Jira's.
fn is_gateway_answer(body: &Value) -> bool {
    body.get("code").is_some() && body.get("message").is_some() && body.get("errorMessages").is_none()
}

/// Jira's explanation, from whichever envelope it used, else the start of
/// the body, else the status.
fn explanation(body: &Value, raw: &[u8], status: u16) -> String {
    let mut messages: Vec<String> = Vec::new();
    if let Some(list) = body.get("errorMessages").and_then(Value::as_array) {
        messages.extend(list.iter().filter_map(Value::as_str).map(str::to_owned));
    }
    if let Some(fields) = body.get("errors").and_then(Value::as_object) {
        let mut fields: Vec<(&String, &Value)> = fields.iter().collect();
        fields.sort_by_key(|(field, _)| *field);
        messages.extend(fields.into_iter().map(|(field, message)| match message.as_str() {
            Some(text) => format!("{field}: {text}"),
            None => format!("{field}: {message}"),
        }));
    }
    for key in ["errorMessage", "message"] {
        if let Some(text) = body.get(key).and_then(Value::as_str) {
            messages.push(text.to_owned());
        }
    }
    let messages: Vec<String> = messages
        .iter()
        .map(|message| one_line(message))
        .filter(|message| !message.is_empty())
        .take(MAX_MESSAGES)
        .collect();
    if !messages.is_empty() {
        return messages.join("; ");
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

/// What a final 429 says: when to try again, and why Jira limited.
fn rate_limited(retry_after: Option<&str>, reason: Option<&str>) -> String {
    let wait = retry_after
        .map(str::trim)
        .filter(|seconds| !seconds.is_empty())
        .map(|seconds| format!(" in {} s", seconds.chars().take(40).collect::<String>()))
        .unwrap_or_default();
    let reason = match reason.map(str::trim) {
        Some("jira-per-issue-on-write") => " (too many writes to one issue)",
        Some(reason) if reason.contains("quota") => " (the hourly quota is spent)",
        Some(_) => " (too many requests at once)",
        None => "",
    };
    format!(
        "Jira is rate limiting this integration{reason} and the host's retries ran out; try again{wait}, with \
         fewer requests at a time"
    )
}

/// A failure to get any answer, in terms of what to do about it.
pub fn transport_error(error: HttpError) -> ToolError {
    match error {
        HttpError::RateLimited(wait) => {
            let wait = wait.map(|ms| ms.div_ceil(1000).to_string());
            ToolError::upstream(Some(429), rate_limited(wait.as_deref(), None))
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
        status_error(&Failure {
            status,
            retry_after: None,
            rate_limit_reason: None,
            body: &bytes,
            target: "issue `OPS-99`",
            via_gateway: false,
        })
    }

    #[test]
    fn each_status_is_typed_and_says_what_to_do() {
        let missing = failure(
            404,
            &json!({"errorMessages": ["Issue does not exist or you do not have permission to see it."], "errors": {}}),
        );
        assert!(
            matches!(&missing, ToolError::NotFound(m) if m.contains("issue `OPS-99`") && m.contains("Issue does not exist")),
            "{missing:?}"
        );
        let refused = failure(
            401,
            &json!({"errorMessages": ["Client must be authenticated to access this resource."], "errors": {}}),
        );
        let ToolError::Denied(message) = refused else { panic!("{refused:?}") };
        assert!(message.contains("`jira` credential") && message.contains("Client must be authenticated"));
        assert!(message.contains("--scheme basic --username <email>") && message.contains("--scheme bearer"));
        let forbidden = failure(403, &json!({"errorMessages": ["You do not have permission to edit issues."]}));
        assert!(
            matches!(&forbidden, ToolError::Denied(m) if m.contains("permission to edit") && m.contains("administrator"))
        );
        let gone = failure(410, &json!({"errorMessages": ["The requested API has been removed."]}));
        assert!(
            matches!(&gone, ToolError::Upstream(e) if e.status == Some(410) && e.message.contains("needs an update"))
        );
        let broken = failure(502, &Value::Null);
        assert!(matches!(&broken, ToolError::Upstream(e) if e.status == Some(502) && e.message.contains("HTTP 502")));
    }

    #[test]
    fn a_400_quotes_jiras_messages_and_field_errors() {
        let rejected = failure(
            400,
            &json!({"errorMessages": ["Field 'priority' is required"], "errors": {"summary": "You must specify a summary of the issue.", "labels": ["x"]}}),
        );
        let ToolError::InvalidArguments(message) = rejected else { panic!("{rejected:?}") };
        assert_eq!(
            message,
            "Jira rejected the request for issue `OPS-99`: Field 'priority' is required; labels: [\"x\"]; summary: You \
             must specify a summary of the issue."
        );
        let desk = failure(
            400,
            &json!({"errorMessage": "The request type is not valid.", "i18nErrorMessage": {"i18nKey": "k"}}),
        );
        assert!(matches!(&desk, ToolError::InvalidArguments(m) if m.ends_with("The request type is not valid.")));
        let raw = status_error(&Failure {
            status: 400,
            retry_after: None,
            rate_limit_reason: None,
            body: b"<html>\n  Bad   request\n</html>",
            target: "x",
            via_gateway: false,
        });
        assert!(matches!(&raw, ToolError::InvalidArguments(m) if m.ends_with("<html> Bad request </html>")));
    }

    #[test]
    fn what_is_quoted_is_bounded() {
        let many: Vec<String> = (0..100).map(|n| format!("message {n} {}", "x".repeat(1000))).collect();
        let ToolError::InvalidArguments(message) = failure(400, &json!({"errorMessages": many})) else { panic!() };
        assert!(message.len() < MAX_MESSAGES * (MAX_MESSAGE + 8) + 200, "{}", message.len());
        assert!(message.contains("message 7") && !message.contains("message 8"));
    }

    #[test]
    fn the_gateway_not_knowing_the_site_names_cloud_id() {
        let bytes = br#"{"code":404,"message":"Not Found"}"#;
        let through = |via_gateway| {
            status_error(&Failure {
                status: 404,
                retry_after: None,
                rate_limit_reason: None,
                body: bytes,
                target: "issue `OPS-1`",
                via_gateway,
            })
        };
        assert!(matches!(through(true), ToolError::Denied(m) if m.contains("`cloud_id`")));
        assert!(matches!(through(false), ToolError::NotFound(_)));
    }

    #[test]
    fn a_final_429_says_when_to_retry() {
        let limited = status_error(&Failure {
            status: 429,
            retry_after: Some("120"),
            rate_limit_reason: Some("jira-burst-based"),
            body: br#"{"errorMessages":["Rate limit exceeded."]}"#,
            target: "x",
            via_gateway: false,
        });
        assert!(
            matches!(&limited, ToolError::Upstream(e) if e.status == Some(429) && e.message.contains("try again in 120 s")),
            "{limited:?}"
        );
        let waited = transport_error(HttpError::RateLimited(Some(90_500)));
        assert!(matches!(&waited, ToolError::Upstream(e) if e.message.contains("in 91 s")), "{waited:?}");
        let missing = transport_error(HttpError::CredentialFailed("no credential named `jira`".into()));
        assert!(matches!(&missing, ToolError::Denied(m) if m.contains("berth credential set")));
        let denied = transport_error(HttpError::Denied("outside egress".into()));
        assert!(matches!(denied, ToolError::Denied(_)));
    }
}
