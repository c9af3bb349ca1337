//! Checking that a webhook came from the upstream: the signature schemes
//! the vendors document, each checked in constant time against the
//! tenant's secret. Nothing here ever returns or logs the secret.

use crate::runtime::bindings::events::Signature;
use base64::Engine;
use hmac::{Hmac, Mac};
use http::HeaderMap;
use sha2::{Digest, Sha256};
use std::time::Duration;
use subtle::ConstantTimeEq;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// GitHub's signature header.
const HUB_SIGNATURE_256: &str = "x-hub-signature-256";
/// Jira's (WebSub) signature header.
const HUB_SIGNATURE: &str = "x-hub-signature";
/// Zendesk's signature header.
const ZENDESK_SIGNATURE: &str = "x-zendesk-webhook-signature";
/// Zendesk's signed timestamp.
const ZENDESK_TIMESTAMP: &str = "x-zendesk-webhook-signature-timestamp";

/// Headers that carry a signature or a secret: never handed to a plugin.
pub const SECRET_HEADERS: [&str; 6] =
    ["authorization", "proxy-authorization", "cookie", HUB_SIGNATURE_256, HUB_SIGNATURE, ZENDESK_SIGNATURE];

/// Why a delivery was not verified. Each says what was wrong, never what
/// was expected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Unverified {
    /// The header that must carry the signature or secret is absent.
    #[error("the `{0}` header is missing")]
    Missing(String),
    /// The header is there but not in the documented form.
    #[error("the `{0}` header is not in the documented form")]
    Malformed(String),
    /// The signature or secret does not match the tenant's secret.
    #[error("the signature does not match the tenant's webhook secret")]
    Mismatch,
    /// The signed timestamp lies outside the replay window.
    #[error("the signed timestamp is {age_secs} s from now, outside the {window_secs} s replay window")]
    Replayed {
        /// How far the timestamp is from now, in seconds.
        age_secs: i64,
        /// The window.
        window_secs: u64,
    },
}

/// Checks a delivery's `headers` and raw `body` against `secret` under
/// `signature`; a signed timestamp must lie within `window` of `now`.
pub fn verify(
    signature: &Signature,
    secret: &[u8],
    headers: &HeaderMap,
    body: &[u8],
    now: OffsetDateTime,
    window: Duration,
) -> Result<(), Unverified> {
    match signature {
        Signature::HubSignature256 => hub(secret, headers, HUB_SIGNATURE_256, body),
        Signature::HubSignature => hub(secret, headers, HUB_SIGNATURE, body),
        Signature::Zendesk => zendesk(secret, headers, body, now, window),
        Signature::Bearer => {
            let value = header(headers, "authorization")?;
            let token = value.strip_prefix("Bearer ").ok_or_else(|| Unverified::Malformed("authorization".into()))?;
            same_secret(secret, token.as_bytes())
        }
        Signature::Header(name) => same_secret(secret, header(headers, name)?.as_bytes()),
    }
}

/// `sha256=<hex HMAC-SHA256(secret, body)>` in header `name`.
fn hub(secret: &[u8], headers: &HeaderMap, name: &str, body: &[u8]) -> Result<(), Unverified> {
    let value = header(headers, name)?;
    let digest = value
        .strip_prefix("sha256=")
        .and_then(|hex_digest| hex::decode(hex_digest).ok())
        .ok_or_else(|| Unverified::Malformed(name.to_owned()))?;
    mac(secret, &[body]).verify_slice(&digest).map_err(|_| Unverified::Mismatch)
}

/// base64 HMAC-SHA256(secret, timestamp + body), the timestamp fresh.
fn zendesk(
    secret: &[u8],
    headers: &HeaderMap,
    body: &[u8],
    now: OffsetDateTime,
    window: Duration,
) -> Result<(), Unverified> {
    let signature = header(headers, ZENDESK_SIGNATURE)?;
    let digest = base64::engine::general_purpose::STANDARD
        .decode(signature)
        .map_err(|_| Unverified::Malformed(ZENDESK_SIGNATURE.to_owned()))?;
    let stamp = header(headers, ZENDESK_TIMESTAMP)?;
    let signed_at =
        OffsetDateTime::parse(stamp, &Rfc3339).map_err(|_| Unverified::Malformed(ZENDESK_TIMESTAMP.to_owned()))?;
    // The signature first: an unsigned timestamp says nothing.
    mac(secret, &[stamp.as_bytes(), body]).verify_slice(&digest).map_err(|_| Unverified::Mismatch)?;
    let age_secs = (now - signed_at).whole_seconds();
    if age_secs.unsigned_abs() > window.as_secs() {
        return Err(Unverified::Replayed { age_secs, window_secs: window.as_secs() });
    }
    Ok(())
}

/// A shared secret sent as is, compared without leaking its length or
/// where it differs: both sides are hashed first.
fn same_secret(secret: &[u8], presented: &[u8]) -> Result<(), Unverified> {
    let same: bool = Sha256::digest(secret).ct_eq(&Sha256::digest(presented)).into();
    if same { Ok(()) } else { Err(Unverified::Mismatch) }
}

fn mac(secret: &[u8], parts: &[&[u8]]) -> Hmac<Sha256> {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes a key of any length");
    for part in parts {
        mac.update(part);
    }
    mac
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Result<&'a str, Unverified> {
    let value = headers.get(name).ok_or_else(|| Unverified::Missing(name.to_owned()))?;
    value.to_str().map(str::trim).map_err(|_| Unverified::Malformed(name.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        pairs.iter().map(|(name, value)| (name.parse().unwrap(), value.parse().unwrap())).collect()
    }

    const WINDOW: Duration = Duration::from_secs(300);
    const NOW: OffsetDateTime = datetime!(2021-03-25 05:10:00 UTC);

    #[test]
    fn github_vector_verifies_and_a_changed_byte_does_not() {
        let secret = b"It's a Secret to Everybody";
        let signed =
            headers(&[(HUB_SIGNATURE_256, "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17")]);
        assert_eq!(verify(&Signature::HubSignature256, secret, &signed, b"Hello, World!", NOW, WINDOW), Ok(()));
        assert_eq!(
            verify(&Signature::HubSignature256, secret, &signed, b"Hello, World?", NOW, WINDOW),
            Err(Unverified::Mismatch)
        );
        assert_eq!(
            verify(&Signature::HubSignature, secret, &signed, b"Hello, World!", NOW, WINDOW),
            Err(Unverified::Missing(HUB_SIGNATURE.into())),
            "Jira's header is another one"
        );
        let sha1 = headers(&[(HUB_SIGNATURE_256, "sha1=0123")]);
        assert_eq!(
            verify(&Signature::HubSignature256, secret, &sha1, b"", NOW, WINDOW),
            Err(Unverified::Malformed(HUB_SIGNATURE_256.into()))
        );
    }

    #[test]
    fn zendesk_vector_verifies_inside_the_window_only() {
        let secret = b"dGhpc19zZWNyZXRfaXNfZm9yX3Rlc3Rpbmdfb25seQ==";
        let body = br#"{"ticket_id":"123"}"#;
        let signed = headers(&[
            (ZENDESK_SIGNATURE, "YmkQCnSLfGdf5pcvqNFcuOtUpzUb/ss09fM0NCi/wvw="),
            (ZENDESK_TIMESTAMP, "2021-03-25T05:09:27Z"),
        ]);
        assert_eq!(verify(&Signature::Zendesk, secret, &signed, body, NOW, WINDOW), Ok(()));
        let later = datetime!(2021-03-25 06:09:27 UTC);
        assert_eq!(
            verify(&Signature::Zendesk, secret, &signed, body, later, WINDOW),
            Err(Unverified::Replayed { age_secs: 3600, window_secs: 300 })
        );
        let restamped = headers(&[
            (ZENDESK_SIGNATURE, "YmkQCnSLfGdf5pcvqNFcuOtUpzUb/ss09fM0NCi/wvw="),
            (ZENDESK_TIMESTAMP, "2021-03-25T05:09:59Z"),
        ]);
        assert_eq!(
            verify(&Signature::Zendesk, secret, &restamped, body, NOW, WINDOW),
            Err(Unverified::Mismatch),
            "a fresh timestamp on an old signature is refused"
        );
    }

    #[test]
    fn shared_secrets_match_exactly() {
        let secret = b"0123456789abcdef0123456789abcdef";
        let bearer = headers(&[("authorization", "Bearer 0123456789abcdef0123456789abcdef")]);
        assert_eq!(verify(&Signature::Bearer, secret, &bearer, b"", NOW, WINDOW), Ok(()));
        let basic = headers(&[("authorization", "Basic 0123456789abcdef0123456789abcdef")]);
        assert_eq!(
            verify(&Signature::Bearer, secret, &basic, b"", NOW, WINDOW),
            Err(Unverified::Malformed("authorization".into()))
        );
        let custom = Signature::Header("x-sdp-webhook-token".into());
        let prefix = headers(&[("x-sdp-webhook-token", "0123456789abcdef")]);
        assert_eq!(verify(&custom, secret, &prefix, b"", NOW, WINDOW), Err(Unverified::Mismatch));
        assert_eq!(
            verify(&custom, secret, &HeaderMap::new(), b"", NOW, WINDOW),
            Err(Unverified::Missing("x-sdp-webhook-token".into()))
        );
    }
}
