//! Why a portal request failed, and the one place each reason becomes the
//! tool error an agent (and, through it, an operator) reads.
//!
//! An expired session is the failure operators meet most: the portal's
//! session cookie lasts hours, not months. Its message therefore spells
//! out how to get a fresh cookie and token and the exact command that
//! stores them.

use berth_sdk::ToolError;
use berth_sdk::http::{HttpError, Response};
use serde_json::Value;

/// A failed portal request.
#[derive(Debug, Clone)]
pub enum PortalError {
    /// The host could not get an answer (policy, timeout, connection, ...).
    Http(HttpError),
    /// The tenant has no usable `buyict` credential.
    NoCredential {
        /// The portal's host, for the instructions.
        base_url: String,
        /// What the host said.
        message: String,
    },
    /// 401: the session cookie and token no longer authenticate.
    SessionExpired {
        /// The portal's host, for the instructions.
        base_url: String,
        /// What the portal said.
        message: String,
    },
    /// 403: the signed-in user may not see this.
    Forbidden(String),
    /// 429: the portal's rate limit.
    RateLimited {
        /// `Retry-After`, in seconds, when given.
        retry_after: Option<String>,
        /// What the portal said.
        message: String,
    },
    /// Any other failure status.
    Status {
        /// HTTP status.
        status: u16,
        /// What the portal said.
        message: String,
    },
    /// A success whose body is not what a Service Portal answers.
    Unexpected(String),
}

impl PortalError {
    /// Classifies a failure of the host's `send`.
    pub fn from_http(error: HttpError, base_url: &str) -> Self {
        match error {
            HttpError::CredentialFailed(message) => Self::NoCredential { base_url: base_url.to_owned(), message },
            other => Self::Http(other),
        }
    }

    /// Checks a response's status; `base_url` names the portal in messages.
    pub fn check(response: &Response, base_url: &str) -> Result<(), Self> {
        if response.is_success() {
            return Ok(());
        }
        let message = envelope_message(&response.body).unwrap_or_else(|| format!("HTTP {}", response.status));
        Err(match response.status {
            401 => Self::SessionExpired { base_url: base_url.to_owned(), message },
            403 => Self::Forbidden(message),
            429 => Self::RateLimited { retry_after: response.header("retry-after").map(str::to_owned), message },
            status => Self::Status { status, message },
        })
    }
}

/// `message: detail` from the ServiceNow error envelope
/// `{"error": {"message", "detail"}, "status": "failure"}`.
fn envelope_message(body: &[u8]) -> Option<String> {
    let envelope: Value = serde_json::from_slice(body).ok()?;
    let error = envelope.get("error")?;
    let message = error.get("message").and_then(Value::as_str).filter(|text| !text.is_empty())?;
    Some(match error.get("detail").and_then(Value::as_str).filter(|text| !text.is_empty()) {
        Some(detail) => format!("{message}: {detail}"),
        None => message.to_owned(),
    })
}

/// How to store a fresh session: where to find the cookie and token, and
/// the full command.
pub fn refresh_instructions(base_url: &str) -> String {
    format!(
        "To refresh it: (1) sign in to BuyICT at https://{base_url}/sp in a web browser; \
         (2) copy the value of the JSESSIONID cookie for {base_url} (developer tools > Application or Storage > \
         Cookies) and the session token g_ck (type `g_ck` in the developer tools console, or find \
         `window.g_ck = '...'` in the page source); \
         (3) store both for this tenant by running, with your values:\n  \
         printf 'session_id=%s\\nuser_token=%s\\n' '<JSESSIONID value>' '<g_ck value>' | \
         berth credential set --tenant <tenant> --plugin buyict buyict --scheme headers \
         --header 'Cookie=JSESSIONID={{session_id}}' --header 'X-UserToken={{user_token}}'\n\
         The next call uses the new session; Berth needs no restart."
    )
}

impl From<PortalError> for ToolError {
    fn from(error: PortalError) -> Self {
        match error {
            PortalError::Http(error) => error.into(),
            PortalError::NoCredential { base_url, message } => ToolError::denied(format!(
                "no usable BuyICT session is configured ({message}). {}",
                refresh_instructions(&base_url)
            )),
            PortalError::SessionExpired { base_url, message } => ToolError::denied(format!(
                "the BuyICT session has expired or is not valid (HTTP 401: {message}). {}",
                refresh_instructions(&base_url)
            )),
            PortalError::Forbidden(message) => ToolError::denied(format!(
                "BuyICT refused access (HTTP 403: {message}); the signed-in account may not see this record"
            )),
            PortalError::RateLimited { retry_after, message } => {
                let wait = retry_after.map_or_else(String::new, |seconds| format!("; retry after {seconds} s"));
                ToolError::upstream(Some(429), format!("BuyICT's rate limit was reached ({message}){wait}"))
            }
            PortalError::Status { status, message } => {
                ToolError::upstream(Some(status), format!("BuyICT answered HTTP {status}: {message}"))
            }
            PortalError::Unexpected(message) => {
                ToolError::upstream(None, format!("unexpected answer from BuyICT: {message}"))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn response(status: u16, body: &str) -> Response {
        Response { status, headers: vec![("retry-after".to_owned(), "60".to_owned())], body: body.as_bytes().to_vec() }
    }

    #[test]
    fn statuses_map_to_reasons_with_the_servicenow_message() {
        let envelope = r#"{"error":{"message":"User Not Authenticated","detail":"Required to provide Auth information"},"status":"failure"}"#;
        assert!(matches!(
            PortalError::check(&response(401, envelope), "portal.test"),
            Err(PortalError::SessionExpired { ref base_url, ref message })
                if base_url == "portal.test" && message == "User Not Authenticated: Required to provide Auth information"
        ));
        assert!(matches!(
            PortalError::check(&response(429, "{}"), "portal.test"),
            Err(PortalError::RateLimited { retry_after: Some(ref seconds), .. }) if seconds == "60"
        ));
        assert!(matches!(
            PortalError::check(&response(500, "<html>oops</html>"), "portal.test"),
            Err(PortalError::Status { status: 500, ref message }) if message == "HTTP 500"
        ));
        assert!(PortalError::check(&response(200, "{}"), "portal.test").is_ok());
    }

    #[test]
    fn an_expired_or_missing_session_says_how_to_refresh_it() {
        let expired = PortalError::SessionExpired { base_url: "portal.test".into(), message: "x".into() };
        let missing = PortalError::from_http(HttpError::CredentialFailed("none".into()), "portal.test");
        for error in [expired, missing] {
            let error = ToolError::from(error);
            let ToolError::Denied(message) = error else { panic!("{error:?}") };
            for needle in [
                "https://portal.test/sp",
                "JSESSIONID",
                "g_ck",
                "berth credential set",
                "--scheme headers",
                "'Cookie=JSESSIONID={session_id}'",
                "'X-UserToken={user_token}'",
            ] {
                assert!(message.contains(needle), "{needle} missing from {message}");
            }
        }
    }
}
