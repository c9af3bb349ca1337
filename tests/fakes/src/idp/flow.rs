//! What the provider keeps for the authorization code flow (RFC 6749 §4.1,
//! OpenID Connect Core 1.0 §3.1, PKCE as RFC 7636): the registered public
//! clients, the codes `/authorize` hands out, and who signed in. The two
//! routes are in `endpoints.rs`.
//!
//! - A **client** is public (no secret) with one redirect URI, which a
//!   request must name exactly (RFC 6749 §3.1.2.3, OpenID Connect Core
//!   §3.1.2.1: "simple string comparison").
//! - A **code** is 43 base64url characters (32 random bytes) and lives
//!   [`CODE_LIFETIME`]. It stands for one sign-in: the client, the redirect
//!   URI, the person, the nonce and the S256 challenge. The first exchange
//!   by a registered client that names it spends it, whether it succeeds
//!   or not (RFC 6749 §4.1.2: "The client MUST NOT use the authorization
//!   code more than once").
//! - Refusals are the token endpoint's `error` objects ([`TokenError`],
//!   RFC 6749 §5.2).

pub use crate::authorization::s256;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::time::{Duration, Instant, SystemTime};
use url::Url;

/// How long a code can be exchanged.
pub const CODE_LIFETIME: Duration = Duration::from_secs(60);

/// What a person's sign-in at `/authorize` granted, which a code stands
/// for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignIn {
    /// The client asking.
    pub client_id: String,
    /// Where the browser was sent back to.
    pub redirect_uri: String,
    /// Who signed in: the ID token's `sub`.
    pub user: String,
    /// The request's `nonce`, which the ID token carries, if one was given.
    pub nonce: Option<String>,
    /// The PKCE `code_challenge` (S256).
    pub challenge: String,
    /// When the person signed in, in seconds since the Unix epoch.
    pub auth_time: i64,
}

/// Why the token endpoint refuses (RFC 6749 §5.2); each is status 400.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenError {
    /// A parameter is missing or repeated, or the body is not a form.
    InvalidRequest(&'static str),
    /// The `client_id` is not a registered client.
    InvalidClient,
    /// The code is unknown, spent, expired or another client's, or the
    /// redirect URI or the verifier does not match it.
    InvalidGrant(&'static str),
    /// A `grant_type` other than `authorization_code`.
    UnsupportedGrantType,
}

impl TokenError {
    /// The error object: `error` and `error_description`.
    pub fn body(self) -> Value {
        let (error, description) = match self {
            Self::InvalidRequest(why) => ("invalid_request", why),
            Self::InvalidClient => ("invalid_client", "The client_id is not a registered client."),
            Self::InvalidGrant(why) => ("invalid_grant", why),
            Self::UnsupportedGrantType => {
                ("unsupported_grant_type", "Only the authorization_code grant type is supported.")
            }
        };
        json!({"error": error, "error_description": description})
    }
}

/// A code and when it was issued.
#[derive(Debug)]
struct Code {
    sign_in: SignIn,
    issued: Instant,
}

/// The flow's records.
#[derive(Debug)]
pub struct Flow {
    /// Client id to its one redirect URI.
    clients: HashMap<String, String>,
    codes: HashMap<String, Code>,
    sign_ins: Vec<String>,
    seed: [u8; 32],
    minted: u64,
}

impl Flow {
    /// No clients, codes or sign-ins yet.
    pub fn new() -> Self {
        let seed = Sha256::digest(format!("{:?} {} idp", SystemTime::now(), std::process::id())).into();
        Self { clients: HashMap::new(), codes: HashMap::new(), sign_ins: Vec::new(), seed, minted: 0 }
    }

    /// Registers the public client `client_id` with its one
    /// `redirect_uri`, replacing one with the same id.
    ///
    /// # Panics
    ///
    /// If `redirect_uri` is not an absolute URL or has a fragment, which
    /// RFC 6749 §3.1.2 does not allow.
    pub fn register(&mut self, client_id: &str, redirect_uri: &str) {
        let parsed = Url::parse(redirect_uri);
        assert!(
            parsed.is_ok_and(|url| url.fragment().is_none()),
            "redirect URI {redirect_uri:?} is not an absolute URL without a fragment"
        );
        self.clients.insert(client_id.to_owned(), redirect_uri.to_owned());
    }

    /// The redirect URI registered for `client_id`, if it is a client.
    pub fn redirect_uri(&self, client_id: &str) -> Option<&str> {
        self.clients.get(client_id).map(String::as_str)
    }

    /// A new code for `sign_in`.
    pub fn issue(&mut self, sign_in: SignIn) -> String {
        let code = self.random();
        self.codes.insert(code.clone(), Code { sign_in, issued: Instant::now() });
        code
    }

    /// The authorization code grant (RFC 6749 §4.1.3, RFC 7636 §4.6): the
    /// sign-in `code` stands for, recorded in [`Self::sign_ins`], if
    /// `client_id` is a client, the code alive and its own, and
    /// `redirect_uri` and `verifier` the ones it was issued for.
    pub fn redeem(
        &mut self,
        client_id: &str,
        code: &str,
        redirect_uri: &str,
        verifier: &str,
    ) -> Result<SignIn, TokenError> {
        if !self.clients.contains_key(client_id) {
            return Err(TokenError::InvalidClient);
        }
        let Some(Code { sign_in, issued }) = self.codes.remove(code) else {
            return Err(TokenError::InvalidGrant("The authorization code is unknown or was already used."));
        };
        if issued.elapsed() >= CODE_LIFETIME {
            return Err(TokenError::InvalidGrant("The authorization code has expired."));
        }
        if sign_in.client_id != client_id {
            return Err(TokenError::InvalidGrant("The authorization code was issued to another client."));
        }
        if sign_in.redirect_uri != redirect_uri {
            return Err(TokenError::InvalidGrant("The redirect_uri is not the one the code was issued for."));
        }
        if !verifier_shaped(verifier) || s256(verifier) != sign_in.challenge {
            return Err(TokenError::InvalidGrant("The code_verifier does not match the code_challenge."));
        }
        self.sign_ins.push(sign_in.user.clone());
        Ok(sign_in)
    }

    /// A new opaque access token.
    pub fn access_token(&mut self) -> String {
        self.random()
    }

    /// The `sub` of every successful exchange, oldest first.
    pub fn sign_ins(&self) -> Vec<String> {
        self.sign_ins.clone()
    }

    /// 32 bytes no earlier call gave, base64url without padding: SHA-256 of
    /// the flow's seed and a counter (unguessable enough for a fake).
    fn random(&mut self) -> String {
        self.minted += 1;
        URL_SAFE_NO_PAD.encode(Sha256::new().chain_update(self.seed).chain_update(self.minted.to_le_bytes()).finalize())
    }
}

/// Whether `challenge` can be an S256 challenge: 32 bytes (a SHA-256) in
/// base64url without padding, 43 characters.
pub fn challenge_shaped(challenge: &str) -> bool {
    challenge.len() == 43 && URL_SAFE_NO_PAD.decode(challenge).is_ok()
}

/// Whether `verifier` is a `code-verifier` of RFC 7636 §4.1: 43 to 128
/// unreserved characters (`A-Z a-z 0-9 - . _ ~`).
fn verifier_shaped(verifier: &str) -> bool {
    (43..=128).contains(&verifier.len())
        && verifier.bytes().all(|byte| byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~'))
}

#[cfg(test)]
mod tests {
    use super::*;

    const CLIENT: &str = "berth-connect";
    const REDIRECT: &str = "https://berth.test/oauth/signin";
    /// RFC 7636, appendix B.
    const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";

    fn signed_in(flow: &mut Flow) -> String {
        flow.issue(SignIn {
            client_id: CLIENT.to_owned(),
            redirect_uri: REDIRECT.to_owned(),
            user: "ana".to_owned(),
            nonce: Some("n-0S6_WzA2Mj".to_owned()),
            challenge: s256(VERIFIER),
            auth_time: 1_700_000_000,
        })
    }

    #[test]
    fn s256_is_rfc_7636s_and_verifiers_have_its_shape() {
        assert_eq!(s256(VERIFIER), "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
        let challenge = s256(VERIFIER);
        assert!(challenge_shaped(&challenge) && !challenge_shaped(&format!("{challenge}=")));
        assert!(!challenge_shaped(&challenge[..42]) && !challenge_shaped(&challenge.replace('-', "+")));
        assert!(verifier_shaped(VERIFIER) && verifier_shaped(&"~._-".repeat(32)));
        for refused in ["short".to_owned(), "a".repeat(129), format!("{}+", &VERIFIER[..42]), format!("{VERIFIER}=")] {
            assert!(!verifier_shaped(&refused), "{refused}");
        }
    }

    #[test]
    fn a_code_is_random_single_use_and_lives_a_minute() {
        let mut flow = Flow::new();
        flow.register(CLIENT, REDIRECT);
        let code = signed_in(&mut flow);
        assert!(code.len() == 43 && challenge_shaped(&code) && code != signed_in(&mut flow), "{code}");
        assert_eq!(flow.redeem(CLIENT, &code, REDIRECT, VERIFIER).map(|sign_in| sign_in.user), Ok("ana".to_owned()));
        assert_eq!(
            flow.redeem(CLIENT, &code, REDIRECT, VERIFIER),
            Err(TokenError::InvalidGrant("The authorization code is unknown or was already used."))
        );

        let stale = signed_in(&mut flow);
        let issued = Instant::now().checked_sub(CODE_LIFETIME).expect("a minute after the clock's start");
        flow.codes.get_mut(&stale).unwrap().issued = issued;
        assert_eq!(
            flow.redeem(CLIENT, &stale, REDIRECT, VERIFIER),
            Err(TokenError::InvalidGrant("The authorization code has expired."))
        );

        let unknown_client = signed_in(&mut flow);
        assert_eq!(flow.redeem("stranger", &unknown_client, REDIRECT, VERIFIER), Err(TokenError::InvalidClient));
        assert!(flow.redeem(CLIENT, &unknown_client, REDIRECT, VERIFIER).is_ok(), "an unknown client spends no code");
        assert_eq!(flow.sign_ins(), ["ana", "ana"]);
        assert_eq!(TokenError::InvalidClient.body()["error"], "invalid_client");
    }

    #[test]
    #[should_panic(expected = "without a fragment")]
    fn a_redirect_uri_with_a_fragment_is_not_registered() {
        Flow::new().register(CLIENT, "https://berth.test/oauth/signin#top");
    }
}
