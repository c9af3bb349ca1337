//! Who may call the site.
//!
//! Jira Cloud takes HTTP Basic with an account's email address and an API
//! token (`Authorization: Basic base64(email:api_token)`), and OAuth 2.0
//! access tokens (`Authorization: Bearer …`). Both work on the site URL
//! and through the API gateway, `/ex/jira/{cloudId}/…`, where the gateway
//! first checks that it knows the cloud id. The email address is compared
//! without regard to case, as Atlassian accounts are; the token exactly.

use super::Options;
use axum::http::{HeaderMap, header};
use base64::Engine;

/// A request the site turns away: whether it carried credentials at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Refused {
    /// It carried an `Authorization` header (with wrong credentials).
    pub presented: bool,
}

/// Accepts a request carrying the configured account's credentials.
pub fn authenticate(options: &Options, headers: &HeaderMap) -> Result<(), Refused> {
    let Some(presented) = headers.get(header::AUTHORIZATION) else { return Err(Refused { presented: false }) };
    let presented = presented.to_str().unwrap_or_default().trim();
    let accepted = match presented.split_once(' ') {
        Some((scheme, token)) if scheme.eq_ignore_ascii_case("bearer") => token.trim() == options.access_token,
        Some((scheme, encoded)) if scheme.eq_ignore_ascii_case("basic") => basic(encoded)
            .is_some_and(|(email, token)| email.eq_ignore_ascii_case(&options.email) && token == options.api_token),
        _ => false,
    };
    if accepted { Ok(()) } else { Err(Refused { presented: true }) }
}

/// `email:token` from a Basic credential.
fn basic(encoded: &str) -> Option<(String, String)> {
    let decoded = base64::engine::general_purpose::STANDARD.decode(encoded.trim()).ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (email, token) = text.split_once(':')?;
    Some((email.to_owned(), token.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(header::AUTHORIZATION, HeaderValue::try_from(value).unwrap());
        headers
    }

    fn basic_header(email: &str, token: &str) -> HeaderMap {
        headers(&format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(format!("{email}:{token}"))))
    }

    #[test]
    fn basic_with_an_api_token_or_a_bearer_token() {
        let options = Options::default();
        assert_eq!(authenticate(&options, &basic_header(&options.email, &options.api_token)), Ok(()));
        assert_eq!(
            authenticate(&options, &basic_header(&options.email.to_uppercase(), &options.api_token)),
            Ok(()),
            "emails compare without case"
        );
        assert_eq!(authenticate(&options, &headers(&format!("Bearer {}", options.access_token))), Ok(()));
        let wrong = Err(Refused { presented: true });
        assert_eq!(authenticate(&options, &basic_header(&options.email, "nope")), wrong);
        assert_eq!(authenticate(&options, &basic_header(&options.api_token, &options.email)), wrong);
        assert_eq!(authenticate(&options, &headers(&format!("Bearer {}", options.api_token))), wrong);
        assert_eq!(authenticate(&options, &headers("Basic !!!")), wrong);
        assert_eq!(authenticate(&options, &headers("Digest x")), wrong);
        assert_eq!(authenticate(&options, &HeaderMap::new()), Err(Refused { presented: false }));
    }
}
