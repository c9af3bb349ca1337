//! Reading a request: its query parameters (repeated ones, such as
//! `fields=a&fields=b` or `keys=OPS&keys=HELP`, and comma-separated lists)
//! and its JSON body, which both APIs want as `application/json`.

use axum::http::{HeaderMap, header};
use serde_json::Value;

/// A request's query parameters, in order.
#[derive(Debug, Clone, Default)]
pub struct Params(Vec<(String, String)>);

/// A parameter whose value is not what it must be.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("The value '{value}' is not valid for the parameter '{name}'.")]
pub struct BadParam {
    /// The parameter.
    pub name: String,
    /// Its value.
    pub value: String,
}

impl Params {
    /// Reads the raw query string.
    pub fn parse(raw: Option<&str>) -> Self {
        Self(url::form_urlencoded::parse(raw.unwrap_or_default().as_bytes()).into_owned().collect())
    }

    /// The first value of `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.iter().find(|(key, _)| key == name).map(|(_, value)| value.as_str())
    }

    /// Every value of `name`, each split at commas, trimmed, empties
    /// dropped.
    pub fn list(&self, name: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(key, _)| key == name)
            .flat_map(|(_, value)| value.split(','))
            .map(str::trim)
            .filter(|part| !part.is_empty())
            .map(str::to_owned)
            .collect()
    }

    /// `name` as a whole number, if given.
    pub fn number(&self, name: &str) -> Result<Option<i64>, BadParam> {
        match self.get(name).map(str::trim).filter(|value| !value.is_empty()) {
            None => Ok(None),
            Some(value) => {
                value.parse().map(Some).map_err(|_| BadParam { name: name.to_owned(), value: value.to_owned() })
            }
        }
    }

    /// `name` as `true`/`false`, if given.
    pub fn flag(&self, name: &str) -> Result<Option<bool>, BadParam> {
        match self.get(name) {
            None => Ok(None),
            Some(value) if value.eq_ignore_ascii_case("true") => Ok(Some(true)),
            Some(value) if value.eq_ignore_ascii_case("false") => Ok(Some(false)),
            Some(value) => Err(BadParam { name: name.to_owned(), value: value.to_owned() }),
        }
    }

    /// Every pair except those named in `skip`, for building page links.
    pub fn without(&self, skip: &[&str]) -> Vec<(String, String)> {
        self.0.iter().filter(|(key, _)| !skip.contains(&key.as_str())).cloned().collect()
    }
}

/// Why a body cannot be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum BodyError {
    /// It is not declared as JSON.
    #[error("the body is not application/json")]
    NotJson,
    /// It does not parse.
    #[error("the body is not valid JSON")]
    Malformed,
}

/// The JSON body of a request: it must be declared `application/json`
/// (with any parameters) and parse.
pub fn json_body(headers: &HeaderMap, body: &[u8]) -> Result<Value, BodyError> {
    let declared = headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .map(|value| value.split(';').next().unwrap_or_default().trim().to_ascii_lowercase());
    if declared.as_deref() != Some("application/json") {
        return Err(BodyError::NotJson);
    }
    serde_json::from_slice(body).map_err(|_| BodyError::Malformed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn repeated_and_comma_separated_values() {
        let params = Params::parse(Some("fields=summary,status&fields=labels&maxResults=5&x=&flag=TRUE&bad=1x"));
        assert_eq!(params.list("fields"), ["summary", "status", "labels"]);
        assert_eq!(params.number("maxResults"), Ok(Some(5)));
        assert_eq!(params.number("x"), Ok(None));
        assert_eq!(params.number("missing"), Ok(None));
        assert!(params.number("bad").is_err());
        assert_eq!(params.flag("flag"), Ok(Some(true)));
        assert_eq!(params.without(&["fields", "x", "flag", "bad"]), [("maxResults".to_owned(), "5".to_owned())]);
    }

    #[test]
    fn bodies_must_be_declared_json() {
        let mut headers = HeaderMap::new();
        assert_eq!(json_body(&headers, b"{}"), Err(BodyError::NotJson));
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json; charset=utf-8"));
        assert_eq!(json_body(&headers, b"{\"a\":1}"), Ok(serde_json::json!({"a": 1})));
        assert_eq!(json_body(&headers, b"{"), Err(BodyError::Malformed));
    }
}
