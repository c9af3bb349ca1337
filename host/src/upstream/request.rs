//! The checks a plugin's request passes before anything is metered, counted
//! or sent: header names and values that HTTP allows, none of the headers
//! the host owns, and bounded header count, header bytes and body bytes. A
//! request that fails them is the plugin's mistake, the typed
//! `invalid-request`, which is never retried and never counts against the
//! upstream's circuit.

use super::{EgressSettings, Outbound, UpstreamError};

/// Headers a plugin may not set. `Host` would let a shared front end route
/// the tenant's credential to another virtual host; the hop-by-hop and
/// framing headers belong to the connection the host manages; and the host
/// owns `Accept-Encoding` so that it can decode every answer before
/// redacting secrets from it.
const FORBIDDEN: &[&str] = &[
    "host",
    "connection",
    "keep-alive",
    "transfer-encoding",
    "te",
    "trailer",
    "upgrade",
    "content-length",
    "accept-encoding",
];

/// `Err` with the first reason `request` may not be sent.
pub fn validate(request: &Outbound, settings: &EgressSettings) -> Result<(), UpstreamError> {
    let invalid = |reason: String| Err(UpstreamError::InvalidRequest(reason));
    if request.headers.len() > settings.max_request_headers as usize {
        return invalid(format!(
            "{} headers; the most a request may carry is {} ([egress] max_request_headers)",
            request.headers.len(),
            settings.max_request_headers
        ));
    }
    let header_bytes: usize = request.headers.iter().map(|(name, value)| name.len() + value.len()).sum();
    let header_cap = settings.max_request_header_kib as usize * 1024;
    if header_bytes > header_cap {
        return invalid(format!(
            "{header_bytes} bytes of headers; the most a request may carry is {header_cap} ([egress] max_request_header_kib)"
        ));
    }
    let body = request.body.as_ref().map_or(0, |body| body.len());
    let body_cap = settings.max_request_body_kib as usize * 1024;
    if body > body_cap {
        return invalid(format!(
            "a body of {body} bytes; the most a request may carry is {body_cap} ([egress] max_request_body_kib)"
        ));
    }
    for (name, value) in &request.headers {
        let Ok(parsed) = http::HeaderName::from_bytes(name.as_bytes()) else {
            return invalid(format!("`{}` is not a valid header name", name.escape_debug()));
        };
        if FORBIDDEN.contains(&parsed.as_str()) || parsed.as_str().starts_with("proxy-") {
            return invalid(format!("the host sets header `{parsed}` itself; a plugin may not"));
        }
        if http::HeaderValue::from_str(value).is_err() {
            return invalid(format!("the value of header `{parsed}` has a control character (CR, LF or NUL)"));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, Instant};

    fn request(headers: &[(&str, &str)], body: usize) -> Outbound {
        Outbound {
            method: reqwest::Method::POST,
            url: "https://a.example/".to_owned(),
            headers: headers.iter().map(|(name, value)| (name.to_string(), value.to_string())).collect(),
            body: (body > 0).then(|| bytes::Bytes::from(vec![0; body])),
            timeout: None,
            deadline: Instant::now() + Duration::from_secs(1),
        }
    }

    fn reason(request: &Outbound) -> String {
        match validate(request, &EgressSettings::default()) {
            Err(UpstreamError::InvalidRequest(reason)) => reason,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn headers_the_host_owns_are_refused_in_any_case() {
        for name in ["Host", "connection", "Keep-Alive", "TRANSFER-ENCODING", "te", "Trailer", "upgrade"] {
            assert!(reason(&request(&[(name, "x")], 0)).contains("sets header"), "{name}");
        }
        for name in ["Content-Length", "Proxy-Authorization", "proxy-connection", "Accept-Encoding"] {
            assert!(reason(&request(&[(name, "x")], 0)).contains("sets header"), "{name}");
        }
        assert!(
            validate(&request(&[("x-trace", "1"), ("accept", "application/json")], 10), &Default::default()).is_ok()
        );
    }

    #[test]
    fn malformed_names_and_values_are_refused() {
        assert!(reason(&request(&[("x-a", "1\r\nhost: evil")], 0)).contains("control character"));
        assert!(reason(&request(&[("x a", "1")], 0)).contains("not a valid header name"));
        assert!(reason(&request(&[("", "1")], 0)).contains("not a valid header name"));
    }

    #[test]
    fn count_bytes_and_body_are_bounded() {
        let settings = EgressSettings::default();
        let many: Vec<(String, String)> =
            (0..=settings.max_request_headers).map(|i| (format!("x-{i}"), String::new())).collect();
        let many: Vec<(&str, &str)> = many.iter().map(|(name, value)| (name.as_str(), value.as_str())).collect();
        assert!(reason(&request(&many, 0)).contains("max_request_headers"));
        let long = "v".repeat(settings.max_request_header_kib as usize * 1024);
        assert!(reason(&request(&[("x-long", &long)], 0)).contains("max_request_header_kib"));
        let body = settings.max_request_body_kib as usize * 1024;
        assert!(validate(&request(&[], body), &settings).is_ok());
        assert!(reason(&request(&[], body + 1)).contains("max_request_body_kib"));
    }
}
