//! GitHub's failures, and the one place each becomes the tool error an
//! agent (and, through it, an operator) reads: what happened, in GitHub's
//! own words (`message`, and a 422's validation `errors`), and what to do
//! about it.
//!
//! | status | error | says |
//! |---|---|---|
//! | 400 | `invalid-arguments` | GitHub's message ("Problems parsing JSON") |
//! | 401 | `denied` | the `github` credential was refused; the command that stores a working one |
//! | 403, 429 with `x-ratelimit-remaining: 0` | `upstream` | the primary rate limit is spent until `x-ratelimit-reset`: when that is |
//! | 403, 429 with `retry-after`, or "secondary rate limit" | `upstream` | the secondary rate limit: when to try again |
//! | 403 otherwise | `denied` | GitHub's reason (a missing permission, "This workflow is already running"), and the permissions it names in `x-accepted-github-permissions` |
//! | 404 | `not-found` | what was asked for does not exist, or the token cannot see it (GitHub hides private repositories behind 404) |
//! | 410 | `not-found` | it is gone (a deleted issue, a repository with issues turned off) |
//! | 409, 422 | `invalid-arguments` | GitHub's message and each validation error |
//! | other | `upstream` | GitHub's message and the status |
//!
//! Short rate-limit waits never reach this far: [`rate_limit`] tells the
//! client how long GitHub asks it to wait, and the client waits when that
//! fits in a call. What is quoted is bounded: [`MAX_MESSAGES`] messages of
//! at most [`MAX_MESSAGE`] characters each.

use crate::time;
use berth_sdk::ToolError;
use berth_sdk::http::HttpError;
use serde_json::Value;

/// The credential name the manifest declares.
pub const CREDENTIAL: &str = "github";

/// At most this many messages are quoted.
const MAX_MESSAGES: usize = 8;
/// Each quoted message is cut to this many characters.
const MAX_MESSAGE: usize = 300;
/// How long GitHub asks a client to back off from a secondary limit that
/// names no time: "wait at least one minute".
const SECONDARY_DEFAULT_WAIT: u64 = 60;

/// How to store a working credential, for the messages that need it.
pub const HOW_TO_STORE: &str = "store a personal access token (fine-grained, with read access to the \
     repositories' metadata and read or write access to issues, pull requests, actions and contents as the tools \
     need; or classic, with the `repo` scope) with `berth credential set --tenant <tenant> --plugin github github \
     --scheme bearer` and the token on stdin. GitHub App installation tokens are not supported yet";

/// A failed answer: what the request was about and what came back.
pub struct Failure<'a> {
    /// HTTP status.
    pub status: u16,
    /// The answer's headers.
    pub headers: &'a [(String, String)],
    /// The body.
    pub body: &'a [u8],
    /// What the request was about, for the message: "issue acme/ops-portal#3".
    pub target: &'a str,
}

impl Failure<'_> {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(key, _)| key.eq_ignore_ascii_case(name)).map(|(_, value)| value.trim())
    }
}

/// Which of GitHub's rate limits refused a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LimitKind {
    /// The hourly (or, for search, per-minute) request budget.
    Primary,
    /// The limit on bursts, concurrency and content creation.
    Secondary,
}

/// A rate limit's refusal: which, and how long GitHub asks to wait.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    /// Which limit.
    pub kind: LimitKind,
    /// Seconds to wait before trying again.
    pub wait_secs: u64,
    /// When that is, in seconds since the epoch.
    pub until: i64,
}

/// Whether `failure` is a rate limit's refusal (GitHub answers 403 or 429
/// for both), and how long to wait, as GitHub documents it: `retry-after`
/// when sent; else, with `x-ratelimit-remaining: 0`, until
/// `x-ratelimit-reset`; else, for a secondary limit, at least a minute.
pub fn rate_limit(failure: &Failure<'_>, now: i64) -> Option<RateLimit> {
    if !matches!(failure.status, 403 | 429) {
        return None;
    }
    let message = explanation(failure).to_lowercase();
    let secondary = message.contains("secondary rate limit");
    let spent = failure.header("x-ratelimit-remaining") == Some("0");
    let retry_after = failure.header("retry-after").and_then(|seconds| seconds.parse::<u64>().ok());
    let reset = failure.header("x-ratelimit-reset").and_then(|at| at.parse::<i64>().ok());
    let kind = if secondary || (retry_after.is_some() && !spent) { LimitKind::Secondary } else { LimitKind::Primary };
    let wait_secs = match (retry_after, spent, reset) {
        (Some(seconds), ..) => seconds,
        (None, true, Some(reset)) => u64::try_from(reset.saturating_sub(now)).unwrap_or(0).max(1),
        (None, _, _) if secondary => SECONDARY_DEFAULT_WAIT,
        (None, true, None) if failure.status == 429 || message.contains("rate limit") => SECONDARY_DEFAULT_WAIT,
        _ => return None,
    };
    let until = now.saturating_add(i64::try_from(wait_secs).unwrap_or(i64::MAX / 2));
    Some(RateLimit { kind, wait_secs, until })
}

/// What a rate limit that was not waited out says.
pub fn rate_limited(limit: &RateLimit, status: Option<u16>) -> ToolError {
    let which = match limit.kind {
        LimitKind::Primary => "GitHub's rate limit for this token is spent",
        LimitKind::Secondary => "GitHub's secondary rate limit refused this request (too many requests at once)",
    };
    ToolError::upstream(
        status,
        format!(
            "{which}; try again in {} s (after {}), with fewer requests at a time",
            limit.wait_secs,
            time::time_of_day(limit.until)
        ),
    )
}

/// A non-2xx answer (not a rate limit waited out) as a tool error.
pub fn status_error(failure: &Failure<'_>, now: i64) -> ToolError {
    if let Some(limit) = rate_limit(failure, now) {
        return rate_limited(&limit, Some(failure.status));
    }
    let reason = explanation(failure);
    let target = failure.target;
    match failure.status {
        400 | 409 | 422 => ToolError::invalid(format!("GitHub rejected the request for {target}: {reason}")),
        401 => ToolError::denied(format!(
            "GitHub refused the credential `{CREDENTIAL}` ({reason}). Check what the tenant stored with `berth \
             credential list --tenant <tenant>`; to fix it, {HOW_TO_STORE}"
        )),
        403 => {
            let needs = failure.header("x-accepted-github-permissions").filter(|needs| !needs.is_empty());
            let hint = match needs {
                Some(needs) => format!(
                    ". The token lacks the permission for it; GitHub accepts any of these permission sets: {}",
                    one_line(needs)
                ),
                None if reason.contains("not accessible") || reason.contains("permission") => {
                    ". The token lacks the permission for it".to_owned()
                }
                None => String::new(),
            };
            ToolError::denied(format!("GitHub refused {target}: {reason}{hint}"))
        }
        404 => ToolError::not_found(format!(
            "{target} was not found on GitHub: it does not exist, or the token may not see it (GitHub answers 404 \
             for private repositories a token cannot read) ({reason})"
        )),
        410 => ToolError::not_found(format!("{target} is gone from GitHub ({reason})")),
        status => ToolError::upstream(Some(status), format!("GitHub failed on {target} (HTTP {status}): {reason}")),
    }
}

/// GitHub's explanation (`message`, then each validation error), else
/// the start of the body, else the status.
fn explanation(failure: &Failure<'_>) -> String {
    let body: Value = serde_json::from_slice(failure.body).unwrap_or(Value::Null);
    let mut messages: Vec<String> = Vec::new();
    if let Some(message) = body.get("message").and_then(Value::as_str) {
        messages.push(message.to_owned());
    }
    for error in body.get("errors").and_then(Value::as_array).into_iter().flatten() {
        messages.push(match error {
            Value::String(text) => text.clone(),
            Value::Object(fields) => {
                let text = |key: &str| fields.get(key).and_then(Value::as_str).filter(|text| !text.is_empty());
                let place = match (text("resource"), text("field")) {
                    (Some(resource), Some(field)) => format!("{resource}.{field}"),
                    (Some(one), None) | (None, Some(one)) => one.to_owned(),
                    (None, None) => "request".to_owned(),
                };
                let what = text("message").or(text("code")).unwrap_or("invalid");
                match fields.get("value").filter(|value| !value.is_null()) {
                    Some(value) => format!("{place}: {what} ({value})"),
                    None => format!("{place}: {what}"),
                }
            }
            other => other.to_string(),
        });
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
    let text = one_line(&String::from_utf8_lossy(failure.body));
    if text.is_empty() { format!("HTTP {}", failure.status) } else { text }
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

/// A failure to get any answer, in terms of what to do about it.
pub fn transport_error(error: HttpError, now: i64) -> ToolError {
    match error {
        HttpError::RateLimited(wait) => {
            let wait_secs = wait.map_or(SECONDARY_DEFAULT_WAIT, |ms| ms.div_ceil(1000));
            let until = now.saturating_add(i64::try_from(wait_secs).unwrap_or(0));
            rate_limited(&RateLimit { kind: LimitKind::Secondary, wait_secs, until }, Some(429))
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

    const NOW: i64 = 1_800_000_000;

    fn headers(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(name, value)| (name.to_string(), value.to_string())).collect()
    }

    fn failure(status: u16, pairs: &[(&str, &str)], body: &Value) -> ToolError {
        let bytes = serde_json::to_vec(body).unwrap();
        let headers = headers(pairs);
        status_error(&Failure { status, headers: &headers, body: &bytes, target: "issue acme/ops-portal#99" }, NOW)
    }

    #[test]
    fn each_status_is_typed_and_says_what_to_do() {
        let docs = "https://docs.github.com/rest";
        let refused = failure(401, &[], &json!({"message": "Bad credentials", "documentation_url": docs}));
        let ToolError::Denied(message) = refused else { panic!("{refused:?}") };
        assert!(message.contains("refused the credential `github` (Bad credentials)"), "{message}");
        assert!(message.contains("--scheme bearer") && message.contains("App installation tokens are not supported"));
        let missing = failure(404, &[], &json!({"message": "Not Found", "documentation_url": docs}));
        assert!(
            matches!(&missing, ToolError::NotFound(m) if m.contains("issue acme/ops-portal#99") && m.contains("Not Found"))
        );
        let forbidden = failure(
            403,
            &[("x-accepted-github-permissions", "issues=write; pull_requests=write")],
            &json!({"message": "Resource not accessible by personal access token"}),
        );
        assert!(
            matches!(&forbidden, ToolError::Denied(m) if m.contains("not accessible") && m.contains("issues=write; pull_requests=write")),
            "{forbidden:?}"
        );
        let gone = failure(410, &[], &json!({"message": "This issue was deleted"}));
        assert!(matches!(&gone, ToolError::NotFound(m) if m.contains("gone") && m.contains("deleted")));
        let broken = failure(502, &[], &Value::Null);
        assert!(matches!(&broken, ToolError::Upstream(e) if e.status == Some(502) && e.message.contains("HTTP 502")));
    }

    #[test]
    fn a_422_quotes_the_message_and_each_validation_error() {
        let rejected = failure(
            422,
            &[],
            &json!({
                "message": "Validation Failed",
                "errors": [
                    {"resource": "Issue", "field": "title", "code": "missing_field"},
                    {"resource": "Issue", "field": "assignees", "code": "invalid", "value": "nobody"},
                    "Only 1000 results are available",
                ],
                "documentation_url": "https://docs.github.com/rest/issues/issues#create-an-issue",
            }),
        );
        let ToolError::InvalidArguments(message) = rejected else { panic!("{rejected:?}") };
        assert_eq!(
            message,
            "GitHub rejected the request for issue acme/ops-portal#99: Validation Failed; Issue.title: missing_field; \
             Issue.assignees: invalid (\"nobody\"); Only 1000 results are available"
        );
        let many: Vec<String> = (0..50).map(|n| format!("error {n} {}", "x".repeat(1000))).collect();
        let ToolError::InvalidArguments(bounded) = failure(422, &[], &json!({"errors": many})) else { panic!() };
        assert!(bounded.contains("error 7") && !bounded.contains("error 8") && bounded.len() < 3000);
    }

    #[test]
    fn rate_limits_are_told_apart_from_permissions_and_say_when() {
        let reset = (NOW + 1800).to_string();
        let primary_headers = headers(&[("x-ratelimit-remaining", "0"), ("x-ratelimit-reset", reset.as_str())]);
        let body = br#"{"message":"API rate limit exceeded for user ID 1."}"#;
        let primary = Failure { status: 403, headers: &primary_headers, body, target: "x" };
        assert_eq!(
            rate_limit(&primary, NOW),
            Some(RateLimit { kind: LimitKind::Primary, wait_secs: 1800, until: NOW + 1800 })
        );
        let error = status_error(&primary, NOW);
        assert!(
            matches!(&error, ToolError::Upstream(e) if e.status == Some(403) && e.message.contains("try again in 1800 s (after ")),
            "{error:?}"
        );
        let secondary_headers = headers(&[("retry-after", "120"), ("x-ratelimit-remaining", "4990")]);
        let body = br#"{"message":"You have exceeded a secondary rate limit. Please wait a few minutes before you try again."}"#;
        let secondary = Failure { status: 403, headers: &secondary_headers, body, target: "x" };
        assert_eq!(
            rate_limit(&secondary, NOW).map(|limit| (limit.kind, limit.wait_secs)),
            Some((LimitKind::Secondary, 120))
        );
        let unnamed = Failure { status: 429, headers: &[], body, target: "x" };
        assert_eq!(rate_limit(&unnamed, NOW).map(|limit| limit.wait_secs), Some(60), "at least a minute");
        let permission =
            Failure { status: 403, headers: &[], body: br#"{"message":"Must have admin rights"}"#, target: "x" };
        assert_eq!(rate_limit(&permission, NOW), None);
        let waited = transport_error(HttpError::RateLimited(Some(90_500)), NOW);
        assert!(matches!(&waited, ToolError::Upstream(e) if e.message.contains("in 91 s")), "{waited:?}");
        let missing = transport_error(HttpError::CredentialFailed("no credential named `github`".into()), NOW);
        assert!(matches!(&missing, ToolError::Denied(m) if m.contains("berth credential set")));
    }
}
