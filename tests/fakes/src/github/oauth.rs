//! What github.com keeps for its OAuth web application flow with user
//! access tokens that expire (GitHub's "Generating a user access token for
//! a GitHub App", "Refreshing user access tokens", "Authorizing OAuth apps"
//! and "Troubleshooting OAuth app access token request errors"): the
//! registered apps, the codes `/login/oauth/authorize` hands out, the
//! tokens `/login/oauth/access_token` issues for them, and every grant so
//! far. The two routes are in `login.rs`.
//!
//! - A **code** is 20 lowercase hex digits and lives 10 minutes. It stands
//!   for one approval: the client, the redirect URI, the person and the
//!   PKCE challenge (S256). The first exchange that names it with the
//!   client's right credentials spends it, whether it succeeds or not.
//! - An **access token** is `ghu_` and 36 letters and digits, a **refresh
//!   token** `ghr_` and 76; they live the app's
//!   [`OAuthApp::token_lifetime`] and [`OAuthApp::refresh_token_lifetime`].
//!   Using a refresh token issues a new pair and ends, at once, that
//!   refresh token and the access token issued with it ("Once you use a
//!   refresh token, that refresh token and the old user access token will
//!   no longer work").
//! - Refusals are the token endpoint's `error` objects ([`TokenError`]).

pub use crate::authorization::s256;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::time::{Duration, Instant, SystemTime};
use url::Url;

/// How long a user access token lives on GitHub: 8 hours.
pub const USER_TOKEN_LIFETIME: Duration = Duration::from_secs(28_800);
/// How long a refresh token lives on GitHub: 184 days, as its
/// `refresh_token_expires_in` reads.
pub const REFRESH_TOKEN_LIFETIME: Duration = Duration::from_secs(15_897_600);
/// How long a code can be exchanged.
const CODE_LIFETIME: Duration = Duration::from_secs(600);
/// The letters and digits tokens are written in.
const ALPHANUMERIC: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// An app registered with the fake's github.com: who may run the flow, and
/// where people are sent back to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OAuthApp {
    /// The app's client id.
    pub client_id: String,
    /// The app's client secret.
    pub client_secret: String,
    /// The registered callback URL; a `redirect_uri` must be it or below
    /// it.
    pub callback_url: String,
    /// How long a user access token lives (GitHub: 8 hours).
    pub token_lifetime: Duration,
    /// How long a refresh token lives (GitHub: 15,897,600 seconds).
    pub refresh_token_lifetime: Duration,
}

impl OAuthApp {
    /// An app with GitHub's token lifetimes ([`USER_TOKEN_LIFETIME`],
    /// [`REFRESH_TOKEN_LIFETIME`]).
    pub fn new(
        client_id: impl Into<String>,
        client_secret: impl Into<String>,
        callback_url: impl Into<String>,
    ) -> Self {
        Self {
            client_id: client_id.into(),
            client_secret: client_secret.into(),
            callback_url: callback_url.into(),
            token_lifetime: USER_TOKEN_LIFETIME,
            refresh_token_lifetime: REFRESH_TOKEN_LIFETIME,
        }
    }

    /// The callback URL, parsed.
    ///
    /// # Panics
    ///
    /// If it is not an absolute URL, which
    /// [`super::FakeGitHub::register_oauth_app`] refuses.
    pub fn callback(&self) -> Url {
        Url::parse(&self.callback_url).expect("a registered app's callback URL is an absolute URL")
    }

    /// Where `redirect_uri` sends people back, if it may: the same scheme,
    /// host and port as the callback URL, and its path or one below it.
    pub fn allowed(&self, redirect_uri: &str) -> Option<Url> {
        let (callback, redirect) = (self.callback(), Url::parse(redirect_uri).ok()?);
        let below = redirect
            .path()
            .strip_prefix(callback.path().trim_end_matches('/'))
            .is_some_and(|rest| rest.starts_with('/'));
        let allowed = callback.scheme() == redirect.scheme()
            && callback.host() == redirect.host()
            && callback.port_or_known_default() == redirect.port_or_known_default()
            && (redirect.path() == callback.path() || below);
        allowed.then_some(redirect)
    }
}

/// How a token was granted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GrantKind {
    /// For a code, at the end of the web application flow.
    Code,
    /// For a refresh token.
    Refresh,
}

/// One successful answer of the token endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    /// Code or refresh.
    pub kind: GrantKind,
    /// Whose token it is.
    pub login: String,
}

/// What a person approved at `/login/oauth/authorize`, which a code stands
/// for.
#[derive(Debug, Clone)]
pub struct Approval {
    /// The app asking.
    pub client_id: String,
    /// Where the person was sent back to.
    pub redirect_uri: String,
    /// Who approved.
    pub login: String,
    /// The scopes granted, comma-separated.
    pub scope: String,
    /// The PKCE `code_challenge` (S256), if one was given.
    pub challenge: Option<String>,
}

/// Why the token endpoint refuses; GitHub answers each with status 200.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenError {
    /// No such client, or the wrong secret.
    IncorrectClientCredentials,
    /// The code is unknown, expired or spent, or the verifier does not
    /// match its challenge.
    BadVerificationCode,
    /// The `redirect_uri` is not the one the code was issued for.
    RedirectUriMismatch,
    /// The refresh token is unknown, expired or used.
    BadRefreshToken,
    /// A `grant_type` the fake does not serve.
    UnsupportedGrantType,
}

impl TokenError {
    /// `error`, `error_description` and `error_uri`.
    pub fn fields(self) -> Vec<(&'static str, Value)> {
        let (error, description, uri) = match self {
            Self::IncorrectClientCredentials => (
                "incorrect_client_credentials",
                "The client_id and/or client_secret passed are incorrect.",
                "https://docs.github.com/apps/managing-oauth-apps/troubleshooting-oauth-app-access-token-request-errors/#incorrect-client-credentials",
            ),
            Self::BadVerificationCode => (
                "bad_verification_code",
                "The code passed is incorrect or expired.",
                "https://docs.github.com/apps/managing-oauth-apps/troubleshooting-oauth-app-access-token-request-errors/#bad-verification-code",
            ),
            Self::RedirectUriMismatch => (
                "redirect_uri_mismatch",
                "The redirect_uri MUST match the registered callback URL for this application.",
                "https://docs.github.com/apps/managing-oauth-apps/troubleshooting-authorization-request-errors/#redirect-uri-mismatch2",
            ),
            Self::BadRefreshToken => (
                "bad_refresh_token",
                "The refresh token passed is incorrect or expired.",
                "https://docs.github.com/apps/creating-github-apps/authenticating-with-a-github-app/refreshing-user-access-tokens",
            ),
            Self::UnsupportedGrantType => (
                "unsupported_grant_type",
                "The grant type is not supported.",
                "https://docs.github.com/apps/oauth-apps/building-oauth-apps/authorizing-oauth-apps",
            ),
        };
        vec![("error", json!(error)), ("error_description", json!(description)), ("error_uri", json!(uri))]
    }
}

/// A new pair of tokens.
#[derive(Debug, Clone)]
pub struct Issued {
    access_token: String,
    expires_in: u64,
    refresh_token: String,
    refresh_token_expires_in: u64,
    scope: String,
}

impl Issued {
    /// The token endpoint's answer, in GitHub's order.
    pub fn fields(self) -> Vec<(&'static str, Value)> {
        vec![
            ("access_token", json!(self.access_token)),
            ("expires_in", json!(self.expires_in)),
            ("refresh_token", json!(self.refresh_token)),
            ("refresh_token_expires_in", json!(self.refresh_token_expires_in)),
            ("scope", json!(self.scope)),
            ("token_type", json!("bearer")),
        ]
    }
}

/// Something issued at `issued` that works for `lifetime`.
#[derive(Debug, Clone, Copy)]
struct Life {
    issued: Instant,
    lifetime: Duration,
}

impl Life {
    fn from_now(lifetime: Duration) -> Self {
        Self { issued: Instant::now(), lifetime }
    }

    fn alive(self) -> bool {
        self.issued.elapsed() < self.lifetime
    }
}

#[derive(Debug)]
struct Code {
    approval: Approval,
    life: Life,
}

#[derive(Debug)]
struct Access {
    login: String,
    life: Life,
}

#[derive(Debug)]
struct Refresh {
    client_id: String,
    login: String,
    scope: String,
    /// The access token issued with it, which ends when it is used.
    access_token: String,
    life: Life,
}

/// The flow's records.
#[derive(Debug)]
pub struct OAuth {
    apps: Vec<OAuthApp>,
    deny: bool,
    codes: HashMap<String, Code>,
    access: HashMap<String, Access>,
    refresh: HashMap<String, Refresh>,
    grants: Vec<Grant>,
    seed: [u8; 32],
    minted: u64,
}

impl OAuth {
    /// No apps, codes or tokens yet; people approve.
    pub fn new() -> Self {
        let seed = Sha256::digest(format!("{:?} {}", SystemTime::now(), std::process::id())).into();
        Self {
            apps: Vec::new(),
            deny: false,
            codes: HashMap::new(),
            access: HashMap::new(),
            refresh: HashMap::new(),
            grants: Vec::new(),
            seed,
            minted: 0,
        }
    }

    /// Registers `app`, replacing one with the same client id.
    ///
    /// # Panics
    ///
    /// If its callback URL is not an absolute URL.
    pub fn register(&mut self, app: OAuthApp) {
        assert!(Url::parse(&app.callback_url).is_ok(), "callback URL {:?} is not an absolute URL", app.callback_url);
        self.apps.retain(|known| known.client_id != app.client_id);
        self.apps.push(app);
    }

    /// The app with `client_id`.
    pub fn app(&self, client_id: &str) -> Option<&OAuthApp> {
        self.apps.iter().find(|app| app.client_id == client_id)
    }

    /// Makes people deny (`true`) or approve (`false`) from now on.
    pub fn set_deny(&mut self, deny: bool) {
        self.deny = deny;
    }

    /// Whether people deny.
    pub fn denies(&self) -> bool {
        self.deny
    }

    /// A new code for `approval`.
    pub fn approve(&mut self, approval: Approval) -> String {
        let code: String = self.random()[..10].iter().map(|byte| format!("{byte:02x}")).collect();
        self.codes.insert(code.clone(), Code { approval, life: Life::from_now(CODE_LIFETIME) });
        code
    }

    /// The authorization code grant: `code` for a new pair of tokens, if
    /// the client is right, the code alive and its own, `redirect_uri` (if
    /// given) the one it was issued for and `verifier` its challenge's.
    pub fn redeem(
        &mut self,
        client_id: &str,
        client_secret: &str,
        code: &str,
        redirect_uri: Option<&str>,
        verifier: Option<&str>,
    ) -> Result<Issued, TokenError> {
        let app = self.client(client_id, client_secret)?;
        let own = self.codes.get(code).is_some_and(|known| known.approval.client_id == app.client_id);
        let Some(Code { approval, life }) = own.then(|| self.codes.remove(code)).flatten() else {
            return Err(TokenError::BadVerificationCode);
        };
        if !life.alive() {
            return Err(TokenError::BadVerificationCode);
        }
        if redirect_uri.is_some_and(|uri| uri != approval.redirect_uri) {
            return Err(TokenError::RedirectUriMismatch);
        }
        if let Some(challenge) = &approval.challenge
            && verifier.is_none_or(|verifier| s256(verifier) != *challenge)
        {
            return Err(TokenError::BadVerificationCode);
        }
        Ok(self.issue(&app, approval.login, approval.scope, GrantKind::Code))
    }

    /// The refresh grant: `refresh_token` for a new pair, if the client is
    /// right and the token alive and its own.
    pub fn refresh(&mut self, client_id: &str, client_secret: &str, refresh_token: &str) -> Result<Issued, TokenError> {
        let app = self.client(client_id, client_secret)?;
        let own = self.refresh.get(refresh_token).is_some_and(|known| known.client_id == app.client_id);
        let Some(used) = own.then(|| self.refresh.remove(refresh_token)).flatten() else {
            return Err(TokenError::BadRefreshToken);
        };
        if !used.life.alive() {
            return Err(TokenError::BadRefreshToken);
        }
        self.access.remove(&used.access_token);
        Ok(self.issue(&app, used.login, used.scope, GrantKind::Refresh))
    }

    /// Whose `access_token` is, while it is alive.
    pub fn login_of(&self, access_token: &str) -> Option<String> {
        self.access.get(access_token).filter(|access| access.life.alive()).map(|access| access.login.clone())
    }

    /// Ends every access token now, as their lifetime passing would;
    /// refresh tokens still work.
    pub fn expire_access_tokens(&mut self) {
        self.access.values_mut().for_each(|access| access.life.lifetime = Duration::ZERO);
    }

    /// Every successful grant, oldest first.
    pub fn grants(&self) -> Vec<Grant> {
        self.grants.clone()
    }

    /// The app `client_id` if `client_secret` is its secret.
    fn client(&self, client_id: &str, client_secret: &str) -> Result<OAuthApp, TokenError> {
        self.app(client_id)
            .filter(|app| app.client_secret == client_secret)
            .cloned()
            .ok_or(TokenError::IncorrectClientCredentials)
    }

    /// A new pair of tokens of `login` for `app`, recorded as a grant.
    fn issue(&mut self, app: &OAuthApp, login: String, scope: String, kind: GrantKind) -> Issued {
        let access_token = format!("ghu_{}", self.alphanumeric(36));
        let refresh_token = format!("ghr_{}", self.alphanumeric(76));
        self.access
            .insert(access_token.clone(), Access { login: login.clone(), life: Life::from_now(app.token_lifetime) });
        let record = Refresh {
            client_id: app.client_id.clone(),
            login: login.clone(),
            scope: scope.clone(),
            access_token: access_token.clone(),
            life: Life::from_now(app.refresh_token_lifetime),
        };
        self.refresh.insert(refresh_token.clone(), record);
        self.grants.push(Grant { kind, login });
        Issued {
            access_token,
            expires_in: app.token_lifetime.as_secs(),
            refresh_token,
            refresh_token_expires_in: app.refresh_token_lifetime.as_secs(),
            scope,
        }
    }

    /// 32 bytes no earlier call gave: SHA-256 of the fake's seed and a
    /// counter (unguessable enough for a fake).
    fn random(&mut self) -> [u8; 32] {
        self.minted += 1;
        Sha256::new().chain_update(self.seed).chain_update(self.minted.to_le_bytes()).finalize().into()
    }

    /// `len` fresh letters and digits.
    fn alphanumeric(&mut self, len: usize) -> String {
        let mut text = String::with_capacity(len);
        while text.len() < len {
            // 248 is 4 × 62: taking only bytes below it keeps every
            // character equally likely.
            for byte in self.random().into_iter().filter(|byte| *byte < 248) {
                if text.len() < len {
                    text.push(char::from(ALPHANUMERIC[usize::from(byte % 62)]));
                }
            }
        }
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redirect_uris_must_be_the_callback_or_below_it() {
        let app = OAuthApp::new("id", "secret", "https://127.0.0.1:8443/oauth/callback");
        for allowed in [
            "https://127.0.0.1:8443/oauth/callback",
            "https://127.0.0.1:8443/oauth/callback/github",
            "https://127.0.0.1:8443/oauth/callback?tenant=acme",
        ] {
            assert_eq!(app.allowed(allowed).map(String::from).as_deref(), Some(allowed));
        }
        for refused in [
            "http://127.0.0.1:8443/oauth/callback",
            "https://127.0.0.1:8444/oauth/callback",
            "https://localhost:8443/oauth/callback",
            "https://127.0.0.1:8443/oauth/callbacks",
            "https://127.0.0.1:8443/oauth",
            "https://127.0.0.1:8443/oauth/callback/../elsewhere",
            "not a url",
        ] {
            assert_eq!(app.allowed(refused), None, "{refused}");
        }
        let root = OAuthApp::new("id", "secret", "https://example.com");
        assert!(root.allowed("https://example.com:443/any/path").is_some());
    }

    #[test]
    fn tokens_and_codes_have_githubs_shapes() {
        let mut oauth = OAuth::new();
        let app = OAuthApp::new("id", "secret", "https://example.com/cb");
        oauth.register(app.clone());
        let approval = Approval {
            client_id: "id".to_owned(),
            redirect_uri: app.callback_url.clone(),
            login: "mia-krystof".to_owned(),
            scope: String::new(),
            challenge: None,
        };
        let code = oauth.approve(approval);
        assert!(code.len() == 20 && code.chars().all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c)), "{code}");
        let fields: HashMap<_, _> =
            oauth.redeem("id", "secret", &code, None, None).unwrap().fields().into_iter().collect();
        let (access, refresh) = (fields["access_token"].as_str().unwrap(), fields["refresh_token"].as_str().unwrap());
        assert!(access.strip_prefix("ghu_").is_some_and(|rest| rest.len() == 36), "{access}");
        assert!(refresh.strip_prefix("ghr_").is_some_and(|rest| rest.len() == 76), "{refresh}");
        assert!(access[4..].chars().chain(refresh[4..].chars()).all(|c| c.is_ascii_alphanumeric()));
        assert_eq!(oauth.login_of(access).as_deref(), Some("mia-krystof"));
        assert_eq!(oauth.login_of("ghu_forged"), None);
    }

    #[test]
    fn s256_is_rfc_7636s() {
        // RFC 7636, appendix B.
        assert_eq!(s256("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"), "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
    }
}
