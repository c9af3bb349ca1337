//! Connecting a person's upstream account to a per-user credential: the
//! OAuth2 authorization code grant with PKCE (RFC 6749 §4.1, RFC 7636), as
//! Berth runs it on the person's behalf.
//!
//! A call by someone not yet connected starts a [`Flow`]: a random `state`
//! and PKCE verifier for that person and credential, valid for
//! [`FLOW_LIFETIME`]. The person opens `/oauth/connect/{state}`, which
//! binds the flow to their browser (a cookie whose hash the flow keeps)
//! and has them sign in at their identity provider (OpenID Connect, with
//! the flow's nonce and a second verifier): the flow is [`Flow::verified`]
//! only when the subject who signed in is the one it was made for, so a
//! link passed to someone else connects nothing. Then they confirm, are
//! sent to the authorization server, and come back to `/oauth/callback`
//! with a code. Only the bound, verified browser can finish: the flow is
//! taken (once) and the code is exchanged with the verifier.
//!
//! The link's `state` is no secret: the agent holds it. Each leg away from
//! Berth (the sign-in, the authorization) carries a state of its own,
//! `{id}.{secret}`, made afresh when the browser starts that leg and known
//! only to that browser and that server; the way back is found by it, so
//! nobody holding the link can finish a leg with a code of their own.
//!
//! Flows live in the store, so any replica can take the callback. A row is
//! keyed by an HMAC of its public id (the store never holds a state that
//! would complete it) and sealed, verifier included, under a key derived
//! from the master key for this purpose. One person has at most one flow per
//! credential: a second call while one is pending gets the same link, so
//! a client cannot fill the store by calling in a loop.

use super::credentials::{Credential, Scheme};
use super::crypto;
use super::oauth::TokenRequest;
use super::user_tokens::Owner;
use crate::args;
use crate::db::{Database, DbError};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::time::Duration;
use zeroize::Zeroizing;

/// What the flows' key is derived for.
pub const PURPOSE: &[u8] = b"berth oauth2 authorization flows";

/// How long a person has to finish connecting.
pub const FLOW_LIFETIME: Duration = Duration::from_secs(600);

/// A connection under way.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Flow {
    /// The tenant.
    pub tenant: String,
    /// The plugin.
    pub plugin: String,
    /// The per-user credential being connected.
    pub credential: String,
    /// Who is connecting, as the audit log names them.
    pub principal: String,
    /// Their subject at their identity provider: who must sign in.
    pub subject: String,
    /// That identity provider.
    pub issuer: String,
    /// The sign-in's nonce (OpenID Connect Core §3.1.2.1).
    pub nonce: String,
    /// The sign-in's own PKCE verifier.
    pub sign_in_verifier: String,
    /// Whether the browser it is bound to signed in as [`Self::subject`].
    pub verified: bool,
    /// The secret of the sign-in leg's state (see [`Leg`]).
    pub sign_in_secret: String,
    /// The secret of the authorization leg's state.
    pub authorize_secret: String,
    /// The `state` the authorization server hands back.
    pub state: String,
    /// The PKCE code verifier (43 characters of base64url).
    pub verifier: String,
    /// When it lapses, Unix ms.
    pub expires_at_ms: i64,
    /// The SHA-256 (hex) of the cookie of the browser that confirmed it,
    /// once one has: only that browser can finish it.
    pub browser: Option<String>,
}

/// Shows who and what, never the state, verifier or browser.
impl std::fmt::Debug for Flow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Flow")
            .field("tenant", &self.tenant)
            .field("plugin", &self.plugin)
            .field("credential", &self.credential)
            .field("principal", &self.principal)
            .field("expires_at_ms", &self.expires_at_ms)
            .finish_non_exhaustive()
    }
}

/// What a presented state is: the link's, or a leg's `{id}.{secret}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Leg {
    /// `/oauth/connect/{state}`: the link itself.
    Link,
    /// Back from the identity provider.
    SignIn,
    /// Back from the upstream's authorization server.
    Authorize,
}

/// The public id of the flow whose link state is `state`.
fn id_of(state: &str) -> String {
    hex::encode(&Sha256::digest(state.as_bytes())[..16])
}

impl Flow {
    /// A public name for the flow, from which its state cannot be found:
    /// the elicitation's id, and its browser cookie's name.
    pub fn id(&self) -> String {
        id_of(&self.state)
    }

    /// The state `leg` carries: the link's own, or `{id}.{secret}`.
    pub fn state_of(&self, leg: Leg) -> String {
        match leg {
            Leg::Link => self.state.clone(),
            Leg::SignIn => format!("{}.{}", self.id(), self.sign_in_secret),
            Leg::Authorize => format!("{}.{}", self.id(), self.authorize_secret),
        }
    }

    /// The name of the cookie that binds the flow to a browser: on https
    /// `__Host-` prefixed, so no sibling domain can plant one.
    pub fn cookie_name(&self, secure: bool) -> String {
        let prefix = if secure { "__Host-" } else { "" };
        format!("{prefix}berth_connect_{}", self.id())
    }

    /// Whether `cookie` (the value of [`Self::cookie_name`] the browser
    /// sent) is the one of the browser that confirmed the flow.
    pub fn is_browser(&self, cookie: Option<&str>) -> bool {
        let Some(cookie) = cookie else { return false };
        self.browser.as_deref().is_some_and(|browser| browser == hex::encode(Sha256::digest(cookie.as_bytes())))
    }

    /// Whose tokens the flow will store.
    pub fn owner(&self) -> Owner<'_> {
        Owner { tenant: &self.tenant, plugin: &self.plugin, credential: &self.credential, principal: &self.principal }
    }

    /// Where the person approves `scheme`'s client, sent back to
    /// `redirect_uri`: the authorize URL with its own parameters kept and
    /// the grant's added. `None` for any other scheme.
    pub fn authorize_url(&self, scheme: &Scheme, redirect_uri: &str) -> Option<url::Url> {
        let Scheme::Oauth2AuthorizationCode { authorize_url, client_id, scope, .. } = scheme else { return None };
        let mut url = url::Url::parse(authorize_url).ok()?;
        {
            let mut query = url.query_pairs_mut();
            query
                .append_pair("response_type", "code")
                .append_pair("client_id", client_id)
                .append_pair("redirect_uri", redirect_uri)
                .append_pair("state", &self.state_of(Leg::Authorize))
                .append_pair("code_challenge", &challenge(&self.verifier))
                .append_pair("code_challenge_method", "S256");
            if let Some(scope) = scope {
                query.append_pair("scope", scope);
            }
        }
        Some(url)
    }

    /// Where the browser signs in at the person's identity provider:
    /// `authorization` with the sign-in client `client_id`, back to
    /// `redirect_uri`, asking for an ID token bound to the flow's nonce,
    /// and hinting at who is expected.
    pub fn sign_in_url(&self, authorization: &url::Url, client_id: &str, redirect_uri: &str) -> url::Url {
        let mut url = authorization.clone();
        url.query_pairs_mut()
            .append_pair("response_type", "code")
            .append_pair("client_id", client_id)
            .append_pair("redirect_uri", redirect_uri)
            .append_pair("scope", "openid")
            .append_pair("state", &self.state_of(Leg::SignIn))
            .append_pair("nonce", &self.nonce)
            .append_pair("code_challenge", &challenge(&self.sign_in_verifier))
            .append_pair("code_challenge_method", "S256")
            .append_pair("login_hint", &self.subject);
        url
    }

    /// The form exchanging the sign-in's `code` (a public client: no
    /// secret, the verifier instead).
    pub fn sign_in_exchange(&self, code: &str, client_id: &str, redirect_uri: &str) -> Zeroizing<String> {
        let mut form = url::form_urlencoded::Serializer::new(String::new());
        form.append_pair("grant_type", "authorization_code")
            .append_pair("code", code)
            .append_pair("redirect_uri", redirect_uri)
            .append_pair("client_id", client_id)
            .append_pair("code_verifier", &self.sign_in_verifier);
        Zeroizing::new(form.finish())
    }

    /// The token request exchanging `code` for `credential`'s tokens.
    pub fn code_request(&self, credential: &Credential, code: &str, redirect_uri: &str) -> Option<TokenRequest> {
        let Scheme::Oauth2AuthorizationCode { token_url, client_id, .. } = &credential.scheme else { return None };
        let mut form = url::form_urlencoded::Serializer::new(String::new());
        form.append_pair("grant_type", "authorization_code")
            .append_pair("code", code)
            .append_pair("redirect_uri", redirect_uri)
            .append_pair("client_id", client_id)
            .append_pair("code_verifier", &self.verifier);
        let secret = credential.secrets.get("client_secret").map_or("", |secret| secret.as_str());
        if !secret.is_empty() {
            form.append_pair("client_secret", secret);
        }
        Some(TokenRequest { url: token_url.clone(), form: Zeroizing::new(form.finish()) })
    }
}

/// The S256 code challenge of `verifier` (RFC 7636 §4.2).
pub fn challenge(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

/// 32 random bytes as base64url: a state, a verifier (RFC 7636 §4.1), a
/// browser's cookie, a connection's id.
pub fn random_token() -> String {
    let mut bytes = Zeroizing::new([0u8; 32]);
    getrandom::fill(bytes.as_mut()).expect("the operating system's random source failed");
    URL_SAFE_NO_PAD.encode(bytes.as_ref())
}

/// The connections under way, in the store.
pub struct Flows {
    db: Database,
    key: Zeroizing<[u8; 32]>,
}

impl Flows {
    /// Flows in `db`, sealed under `key` (the vault's key for [`PURPOSE`]).
    pub fn new(db: Database, key: Zeroizing<[u8; 32]>) -> Self {
        Self { db, key }
    }

    /// The flow connecting `owner`, who is `subject` at `issuer`: the one
    /// still pending with at least half its time left (a link handed out
    /// is never about to lapse), or a new one. Lapsed flows (anyone's)
    /// are cleared on the way.
    pub async fn begin(&self, owner: Owner<'_>, (subject, issuer): (&str, &str)) -> Result<Flow, DbError> {
        let now = crate::audit::now_ms();
        self.db.execute("DELETE FROM oauth_flows WHERE expires_at_ms <= ?1", args![now]).await?;
        let owner_key = self.mac(&[owner.tenant, owner.plugin, owner.credential, owner.principal]);
        let pending =
            self.db.query_opt("SELECT state_key, sealed FROM oauth_flows WHERE owner_key = ?1", args![&owner_key]);
        // `state_key` is the row's key: an HMAC of the flow's public id.
        if let Some(row) = pending.await? {
            let (state_key, sealed): (String, Vec<u8>) = (row.get(0)?, row.get(1)?);
            let half = (FLOW_LIFETIME / 2).as_millis() as i64;
            if let Some(flow) = self.open(&state_key, &sealed).filter(|flow| flow.expires_at_ms - now > half) {
                return Ok(flow);
            }
        }
        let flow = Flow {
            tenant: owner.tenant.to_owned(),
            plugin: owner.plugin.to_owned(),
            credential: owner.credential.to_owned(),
            principal: owner.principal.to_owned(),
            subject: subject.to_owned(),
            issuer: issuer.to_owned(),
            state: random_token(),
            verifier: random_token(),
            nonce: random_token(),
            sign_in_verifier: random_token(),
            expires_at_ms: now.saturating_add(FLOW_LIFETIME.as_millis() as i64),
            browser: None,
            verified: false,
            sign_in_secret: random_token(),
            authorize_secret: random_token(),
        };
        let state_key = self.mac(&[&flow.id()]);
        let sealed = self.seal(&state_key, &flow);
        self.db
            .execute(
                "INSERT INTO oauth_flows (state_key, owner_key, sealed, expires_at_ms) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (owner_key) DO UPDATE SET
                   state_key = excluded.state_key, sealed = excluded.sealed, expires_at_ms = excluded.expires_at_ms",
                args![state_key, owner_key, sealed, flow.expires_at_ms],
            )
            .await?;
        Ok(flow)
    }

    /// Binds `flow` to the browser whose cookie is `cookie`, which has yet
    /// to sign in: only it can go on, with a new sign-in state. Until one
    /// browser has signed in, the same link opened in another moves the
    /// binding there.
    pub async fn bind(&self, flow: &Flow, cookie: &str) -> Result<Flow, DbError> {
        let browser = Some(hex::encode(Sha256::digest(cookie.as_bytes())));
        self.store(Flow { browser, verified: false, sign_in_secret: random_token(), ..flow.clone() }).await
    }

    /// A new authorization state for `flow`, as its browser goes on to
    /// the authorization server.
    pub async fn onward(&self, flow: &Flow) -> Result<Flow, DbError> {
        self.store(Flow { authorize_secret: random_token(), ..flow.clone() }).await
    }

    /// Records that `flow`'s browser signed in as its subject.
    pub async fn verify(&self, flow: &Flow) -> Result<Flow, DbError> {
        self.store(Flow { verified: true, ..flow.clone() }).await
    }

    /// Stores `flow` over its pending row.
    async fn store(&self, flow: Flow) -> Result<Flow, DbError> {
        let state_key = self.mac(&[&flow.id()]);
        let sealed = self.seal(&state_key, &flow);
        self.db.execute("UPDATE oauth_flows SET sealed = ?2 WHERE state_key = ?1", args![state_key, sealed]).await?;
        Ok(flow)
    }

    /// The pending flow the state `presented` on `leg` names, left
    /// pending.
    pub async fn pending(&self, leg: Leg, presented: &str) -> Result<Option<Flow>, DbError> {
        let id = match leg {
            Leg::Link => id_of(presented),
            Leg::SignIn | Leg::Authorize => match presented.split_once('.') {
                Some((id, _)) if id.len() == 32 => id.to_owned(),
                _ => return Ok(None),
            },
        };
        let state_key = self.mac(&[&id]);
        let row = self.db.query_opt("SELECT sealed FROM oauth_flows WHERE state_key = ?1", args![&state_key]).await?;
        let Some(row) = row else { return Ok(None) };
        let flow = self.open(&state_key, &row.get::<Vec<u8>>(0)?);
        Ok(flow.filter(|flow| flow.state_of(leg) == presented && flow.expires_at_ms > crate::audit::now_ms()))
    }

    /// Takes the pending flow the state `presented` on `leg` names: it can
    /// be taken once.
    pub async fn take(&self, leg: Leg, presented: &str) -> Result<Option<Flow>, DbError> {
        let Some(flow) = self.pending(leg, presented).await? else { return Ok(None) };
        let state_key = self.mac(&[&flow.id()]);
        let taken = self.db.execute("DELETE FROM oauth_flows WHERE state_key = ?1", args![state_key]).await?;
        Ok((taken == 1).then_some(flow))
    }

    /// `flow` sealed for the row keyed `state_key`.
    fn seal(&self, state_key: &str, flow: &Flow) -> Vec<u8> {
        let plain = Zeroizing::new(serde_json::to_vec(flow).expect("strings serialize"));
        crypto::seal(&self.key, state_key.as_bytes(), &plain)
    }

    /// The flow sealed in a row, if it opens under its key.
    fn open(&self, state_key: &str, sealed: &[u8]) -> Option<Flow> {
        let plain = crypto::open(&self.key, state_key.as_bytes(), sealed).ok()?;
        serde_json::from_slice(&plain).ok()
    }

    /// An HMAC of `parts`, each length-prefixed: a row key.
    fn mac(&self, parts: &[&str]) -> String {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(self.key.as_ref()).expect("HMAC takes any key length");
        for part in parts {
            mac.update(&(part.len() as u64).to_be_bytes());
            mac.update(part.as_bytes());
        }
        hex::encode(mac.finalize().into_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::testing::each_backend;

    #[test]
    fn the_challenge_is_rfc_7636s_s256() {
        // RFC 7636, appendix B.
        assert_eq!(
            challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }

    #[test]
    fn the_authorize_url_keeps_the_providers_own_parameters() {
        let scheme = Scheme::Oauth2AuthorizationCode {
            authorize_url: "https://auth.atlassian.com/authorize?audience=api.atlassian.com&prompt=consent".into(),
            token_url: "https://auth.atlassian.com/oauth/token".into(),
            client_id: "client-1".into(),
            scope: Some("read:jira-work offline_access".into()),
            header_format: None,
        };
        let flow = Flow {
            tenant: "acme".into(),
            plugin: "jira".into(),
            credential: "jira".into(),
            principal: "alice@idp".into(),
            subject: "alice".into(),
            issuer: "https://idp".into(),
            state: "st".into(),
            verifier: "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk".into(),
            nonce: "n".into(),
            sign_in_verifier: "v".into(),
            expires_at_ms: 0,
            browser: None,
            verified: false,
            sign_in_secret: "s".into(),
            authorize_secret: "a".into(),
        };
        let url = flow.authorize_url(&scheme, "https://berth.example/oauth/callback").unwrap();
        let query: Vec<(String, String)> = url.query_pairs().into_owned().collect();
        let get = |key: &str| query.iter().find(|(name, _)| name == key).map(|(_, value)| value.as_str());
        assert_eq!(get("audience"), Some("api.atlassian.com"));
        assert_eq!(get("code_challenge"), Some("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"));
        assert_eq!(get("code_challenge_method"), Some("S256"));
        assert_eq!(get("redirect_uri"), Some("https://berth.example/oauth/callback"));
        assert_eq!(get("scope"), Some("read:jira-work offline_access"));
        assert_eq!(get("state"), Some(format!("{}.a", flow.id()).as_str()), "the leg's own state, not the link's");
    }

    #[tokio::test]
    async fn a_flow_is_reused_while_pending_taken_once_and_stores_no_usable_state() {
        for store in each_backend().await {
            let flows = Flows::new(store.db.clone(), Zeroizing::new([3u8; 32]));
            let alice = Owner { tenant: "acme", plugin: "github", credential: "github", principal: "alice@idp" };
            let person = ("alice", "https://idp");
            let first = flows.begin(alice, person).await.unwrap();
            assert_eq!(flows.begin(alice, person).await.unwrap(), first, "{}: one pending flow per person", store.name);
            let bob = flows.begin(Owner { principal: "bob@idp", ..alice }, ("bob", "https://idp")).await.unwrap();
            assert_ne!(bob.state, first.state);

            let rows = store.db.query("SELECT state_key, sealed FROM oauth_flows", vec![]).await.unwrap();
            for row in &rows {
                let (key, sealed): (String, Vec<u8>) = (row.get(0).unwrap(), row.get(1).unwrap());
                assert!(key != first.state && key != bob.state && key != first.id(), "the row key is no state or id");
                let verifier = first.verifier.as_bytes();
                assert!(!sealed.windows(verifier.len()).any(|window| window == verifier), "the verifier is sealed");
            }
            assert_eq!(flows.pending(Leg::Link, &first.state).await.unwrap(), Some(first.clone()));
            assert!(!first.is_browser(Some("any")), "no browser confirmed it yet");
            let cookie = random_token();
            let bound = flows.bind(&first, &cookie).await.unwrap();
            assert!(bound.is_browser(Some(&cookie)) && !bound.is_browser(Some("another")) && !bound.is_browser(None));
            assert!(!format!("{bound:?}").contains(&first.state), "Debug shows no state");
            assert!(!bound.verified);
            // The sign-in comes back with its own state; the link's is no good there.
            let signed_in = flows.pending(Leg::SignIn, &bound.state_of(Leg::SignIn)).await.unwrap();
            assert_eq!(signed_in, Some(bound.clone()));
            assert_eq!(flows.pending(Leg::SignIn, &first.state).await.unwrap(), None);
            assert_eq!(flows.pending(Leg::SignIn, &first.state_of(Leg::SignIn)).await.unwrap(), None, "a new leg");
            let verified = flows.verify(&bound).await.unwrap();
            let onward = flows.onward(&verified).await.unwrap();
            assert_ne!(onward.state_of(Leg::Authorize), verified.state_of(Leg::Authorize), "made afresh");
            let first = flows.pending(Leg::Link, &first.state).await.unwrap().unwrap();
            assert_eq!(first, onward, "the binding, the sign-in and the legs are stored");
            let authorize = first.state_of(Leg::Authorize);
            assert_eq!(flows.take(Leg::Authorize, &first.state).await.unwrap(), None, "the link cannot finish");
            assert_eq!(flows.take(Leg::Authorize, &authorize).await.unwrap(), Some(first.clone()));
            assert_eq!(flows.take(Leg::Authorize, &authorize).await.unwrap(), None, "taken once");
            assert_eq!(flows.take(Leg::Link, "made-up").await.unwrap(), None);
            assert_eq!(flows.take(Leg::Authorize, "x.y").await.unwrap(), None);
            let other_key = Flows::new(store.db.clone(), Zeroizing::new([4u8; 32]));
            assert_eq!(other_key.pending(Leg::Link, &bob.state).await.unwrap(), None, "another key opens nothing");
        }
    }
}
