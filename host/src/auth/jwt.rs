//! Validating a bearer JWT from a trusted issuer, as the MCP authorization
//! specification asks of a resource server:
//! - the signature, with RS256, ES256 or EdDSA only, by a key from the
//!   issuer's published set whose type (and declared algorithm, if any)
//!   matches the token's; so `alg: none`, an HMAC token verified with a
//!   public key (algorithm confusion) and any other algorithm are refused;
//! - `iss` one of the configured issuers, and `aud` this resource (RFC
//!   8707), so a token minted for another service is refused here;
//! - `exp` and `nbf`, with a small leeway for clock skew; `sub` required.
//!
//! The issuer is read from the token before its signature is checked only
//! to choose which keys to check it with; nothing else of an unverified
//! token is used.
//!
//! [`verify_id_token`] checks an OpenID Connect ID token the same way, with
//! Berth's sign-in client as its audience and the sign-in's nonce: how a
//! person proves who they are before connecting an upstream account.

use super::issuers::{Issuer, TenantFrom};
use super::jwks::{KeyError, Keys};
use base64::Engine;
use jsonwebtoken::jwk::KeyAlgorithm;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::Value;

/// The algorithms accepted.
const ALGORITHMS: [Algorithm; 3] = [Algorithm::RS256, Algorithm::ES256, Algorithm::EdDSA];
/// Longest token read, in bytes.
const MAX_TOKEN_BYTES: usize = 16 * 1024;

/// A token that passed: who it is and for which tenant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    /// The issuer that signed it.
    pub issuer: Issuer,
    /// Its subject.
    pub subject: String,
    /// The tenant it names (checked against the registered tenants by the
    /// caller).
    pub tenant: String,
    /// The role names its roles claim carries, as given.
    pub roles: Vec<String>,
}

/// Why a token is refused: each is a 401 `invalid_token` with this as its
/// description, except [`TokenError::Unreachable`], which is the host's
/// trouble, not the token's.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    /// Not a JWT at all, or too long.
    #[error("the token is not a well-formed JWT")]
    Malformed,
    /// Signed with an algorithm Berth does not accept (`none`, HS256...).
    #[error("the token's algorithm is not accepted; use RS256, ES256 or EdDSA")]
    Algorithm,
    /// `iss` is not a configured issuer.
    #[error("the token's issuer is not trusted here")]
    UnknownIssuer,
    /// The issuer's key set has no key for it.
    #[error("the token was signed with a key its issuer does not publish")]
    UnknownKey,
    /// The signature, a time claim, or the audience did not check out.
    #[error("the token is not valid: {0}")]
    Invalid(String),
    /// A claim Berth needs is missing or not a string.
    #[error("the token has no usable `{0}` claim")]
    Claim(String),
    /// The issuer's keys could not be fetched.
    #[error("{0}")]
    Unreachable(String),
}

/// Validates `token` against `issuers` for the resource `audience`.
pub async fn verify(
    token: &str,
    issuers: &[Issuer],
    keys: &Keys,
    audience: &str,
    leeway_secs: u64,
) -> Result<Verified, TokenError> {
    let header = header_of(token)?;
    let claimed = unverified_issuer(token).ok_or(TokenError::Malformed)?;
    let issuer = issuers.iter().find(|issuer| issuer.issuer == claimed).ok_or(TokenError::UnknownIssuer)?;
    let claims = verified_claims(token, &header, issuer, keys, audience, leeway_secs).await?;
    let text = |name: &str| claims.get(name).and_then(Value::as_str).map(str::to_owned);
    let subject = text("sub").ok_or_else(|| TokenError::Claim("sub".to_owned()))?;
    let tenant = match &issuer.tenant {
        TenantFrom::Fixed { tenant } => tenant.clone(),
        TenantFrom::Claim { claim } => text(claim).ok_or_else(|| TokenError::Claim(claim.clone()))?,
    };
    let roles = match claims.get(&issuer.roles_claim) {
        Some(Value::String(names)) => names.split_whitespace().map(str::to_owned).collect(),
        Some(Value::Array(names)) => names.iter().filter_map(Value::as_str).map(str::to_owned).collect(),
        _ => Vec::new(),
    };
    Ok(Verified { issuer: issuer.clone(), subject, tenant, roles })
}

/// Validates an OpenID Connect ID token from `issuer` for the sign-in
/// client `client_id` (its `aud`), issued for the sign-in that sent
/// `nonce`: the subject who signed in.
pub async fn verify_id_token(
    token: &str,
    issuer: &Issuer,
    keys: &Keys,
    client_id: &str,
    nonce: &str,
    leeway_secs: u64,
) -> Result<String, TokenError> {
    let header = header_of(token)?;
    if unverified_issuer(token).as_deref() != Some(issuer.issuer.as_str()) {
        return Err(TokenError::UnknownIssuer);
    }
    let claims = verified_claims(token, &header, issuer, keys, client_id, leeway_secs).await?;
    // Issued to several audiences, it must have been issued for this client
    // (OpenID Connect Core §3.1.3.7).
    let audiences = claims.get("aud").and_then(Value::as_array).map_or(1, Vec::len);
    if audiences > 1 && claims.get("azp").and_then(Value::as_str) != Some(client_id) {
        return Err(TokenError::Invalid("it was issued to another party (azp)".to_owned()));
    }
    if claims.get("nonce").and_then(Value::as_str) != Some(nonce) {
        return Err(TokenError::Invalid("it was issued for another sign-in (nonce)".to_owned()));
    }
    claims.get("sub").and_then(Value::as_str).map(str::to_owned).ok_or_else(|| TokenError::Claim("sub".to_owned()))
}

/// The header of `token`, if it is a bounded JWT with an accepted
/// algorithm.
fn header_of(token: &str) -> Result<jsonwebtoken::Header, TokenError> {
    if token.len() > MAX_TOKEN_BYTES {
        return Err(TokenError::Malformed);
    }
    let header = jsonwebtoken::decode_header(token).map_err(|_| match unverified_part(token, 0) {
        // A header that parses but names an algorithm the library has no
        // name for (`none`, say) is a refused algorithm, not noise.
        Some(header) if header.get("alg").is_some() => TokenError::Algorithm,
        _ => TokenError::Malformed,
    })?;
    if !ALGORITHMS.contains(&header.alg) {
        return Err(TokenError::Algorithm);
    }
    Ok(header)
}

/// The claims of `token` (whose `header` is read), once its signature by
/// one of `issuer`'s keys, `iss`, `aud` (`audience`), `exp` and `nbf`
/// check out; `sub` is required.
async fn verified_claims(
    token: &str,
    header: &jsonwebtoken::Header,
    issuer: &Issuer,
    keys: &Keys,
    audience: &str,
    leeway_secs: u64,
) -> Result<Value, TokenError> {
    let kid = header.kid.clone().unwrap_or_default();
    let jwk = keys.key(&issuer.issuer, &kid).await.map_err(|error| match error {
        KeyError::UnknownKey(_) => TokenError::UnknownKey,
        KeyError::Unreachable(reason) => TokenError::Unreachable(reason),
    })?;
    if jwk.common.key_algorithm.is_some_and(|declared| !declared_for(declared, header.alg)) {
        return Err(TokenError::Algorithm);
    }
    let key = DecodingKey::from_jwk(&jwk).map_err(|_| TokenError::UnknownKey)?;
    let mut validation = Validation::new(header.alg);
    validation.algorithms = vec![header.alg];
    validation.leeway = leeway_secs;
    validation.validate_nbf = true;
    validation.set_issuer(&[&issuer.issuer]);
    validation.set_audience(&[audience]);
    validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
    let decoded = jsonwebtoken::decode::<Value>(token, &key, &validation).map_err(|error| match error.kind() {
        jsonwebtoken::errors::ErrorKind::InvalidAlgorithm => TokenError::Algorithm,
        _ => TokenError::Invalid(describe(&error)),
    })?;
    Ok(decoded.claims)
}

/// Whether a key that declares `declared` may verify `alg`.
fn declared_for(declared: KeyAlgorithm, alg: Algorithm) -> bool {
    matches!(
        (declared, alg),
        (KeyAlgorithm::RS256, Algorithm::RS256)
            | (KeyAlgorithm::ES256, Algorithm::ES256)
            | (KeyAlgorithm::EdDSA, Algorithm::EdDSA)
    )
}

/// The `iss` of a token whose signature is not checked yet.
fn unverified_issuer(token: &str) -> Option<String> {
    unverified_part(token, 1)?.get("iss")?.as_str().map(str::to_owned)
}

/// Part `index` of a token (0: the header, 1: the claims) as JSON,
/// unverified.
fn unverified_part(token: &str, index: usize) -> Option<Value> {
    let part = token.split('.').nth(index)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(part).ok()?;
    serde_json::from_slice(&bytes).ok()
}

/// What failed, in words a client can act on.
fn describe(error: &jsonwebtoken::errors::Error) -> String {
    use jsonwebtoken::errors::ErrorKind;
    match error.kind() {
        ErrorKind::ExpiredSignature => "it has expired".to_owned(),
        ErrorKind::ImmatureSignature => "it is not valid yet (nbf)".to_owned(),
        ErrorKind::InvalidAudience => "it was issued for another resource (aud)".to_owned(),
        ErrorKind::InvalidIssuer => "its issuer does not match".to_owned(),
        ErrorKind::InvalidSignature => "its signature does not verify".to_owned(),
        ErrorKind::MissingRequiredClaim(claim) => format!("it has no `{claim}` claim"),
        _ => "it does not verify".to_owned(),
    }
}
