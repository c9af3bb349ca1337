//! # A fake OAuth 2.1 / OpenID Connect identity provider
//!
//! What a resource server needs from an identity provider, and what a
//! relying party needs to sign a person in, over HTTPS on loopback with the
//! [`crate::TestCa`] certificate:
//! - RFC 8414 metadata at `/.well-known/oauth-authorization-server`, and
//!   the same document as OpenID Connect Discovery 1.0 metadata at
//!   `/.well-known/openid-configuration`: `issuer`, `jwks_uri`,
//!   `authorization_endpoint` (`/authorize`), `token_endpoint` (`/token`),
//!   `response_types_supported` `["code"]`, `grant_types_supported`
//!   `["authorization_code"]`, `code_challenge_methods_supported`
//!   `["S256"]`, `token_endpoint_auth_methods_supported` `["none"]`,
//!   `scopes_supported` `["openid"]`, `subject_types_supported`
//!   `["public"]`, `response_modes_supported` `["query"]`,
//!   `claims_supported` and `id_token_signing_alg_values_supported`
//!   `["RS256", "ES256", "EdDSA"]`;
//! - its key set at `/jwks`: an RS256 key (a fixed test key, `idp/`), and
//!   ES256 and EdDSA keys generated at start; [`FakeIdp::rotate`] replaces
//!   the ES256 and EdDSA keys with new ones under new key ids, as a
//!   provider's key rotation does, and [`FakeIdp::jwks_fetches`] counts the
//!   fetches of the set;
//! - tokens: [`FakeIdp::sign`] signs any claims with the current key of an
//!   algorithm, with its `kid`. For the refusals a resource server owes,
//!   [`FakeIdp::unsigned`] makes an `alg: none` token and
//!   [`FakeIdp::hmac_with_public_key`] an HS256 token keyed with the RSA
//!   key's public PEM (the algorithm-confusion attack);
//! - sign-in with the authorization code flow (OpenID Connect Core 1.0
//!   §3.1, RFC 6749 §4.1) with PKCE (RFC 7636), for public clients that
//!   [`FakeIdp::register_client`] registers, each with one redirect URI
//!   (`flow.rs`, `endpoints.rs`):
//!   - `GET /authorize?response_type=code&client_id=&redirect_uri=&scope=
//!     &state=&nonce=&code_challenge=&code_challenge_method=S256
//!     &login_hint=` stands for the browser's visit. An unknown
//!     `client_id`, or a `redirect_uri` that is not exactly the registered
//!     one, is a 400 page and never a redirect (RFC 6749 §4.1.2.1). Every
//!     other refusal sends the browser back: 302 to the redirect URI with
//!     `error`, `error_description` and `state`: `invalid_request` for a
//!     repeated parameter, a missing `response_type`, or a missing or
//!     non-S256 PKCE challenge (PKCE is required of these public clients;
//!     an absent `code_challenge_method` means `plain`, refused too),
//!     `unsupported_response_type` for
//!     a `response_type` other than `code`, `invalid_scope` for a `scope`
//!     without `openid`. Who signs in is the person in the browser: the
//!     fake takes them from the query parameter `user` (a test appends
//!     `&user=<sub>` to stand for that person's session at the provider);
//!     without it the answer is a 200 login page whose form asks for
//!     `user` and sends the request again. `login_hint` is a hint only and
//!     changes nothing. Signed in: 302 to `redirect_uri?code=…&state=…`;
//!     the code is single use, lives 60 seconds and is bound to the client,
//!     the redirect URI, the person, the nonce and the challenge.
//!   - `POST /token` (`application/x-www-form-urlencoded`,
//!     `grant_type=authorization_code`, `code`, `redirect_uri`,
//!     `client_id`, `code_verifier`) answers 200 with `Cache-Control:
//!     no-store`, an opaque `access_token` (`Bearer`, `expires_in` 3600,
//!     `scope` `openid`) and an `id_token` signed with the current ES256
//!     key under its `kid`: `iss`, `sub`, `aud` (the client id), `iat`,
//!     `exp` (`iat` + 300), `auth_time` and the `nonce` given to
//!     `/authorize`, if any. Refusals are 400 JSON `error` objects (RFC
//!     6749 §5.2): `invalid_request` (a missing or repeated parameter, a
//!     body that is not a form), `invalid_client` (an unregistered
//!     `client_id`; the code stays unspent), `invalid_grant` (an unknown,
//!     spent, expired or other client's code, another `redirect_uri`, a
//!     `code_verifier` whose S256 is not the challenge; the first exchange
//!     naming a code spends it, even when refused),
//!     `unsupported_grant_type`.
//!     [`FakeIdp::sign_ins`] lists who signed in.
//!
//!   Not served: refresh tokens, UserInfo (nothing accepts the access
//!   token), `prompt`, `max_age`, request objects, `response_mode` other
//!   than `query`, confidential clients.
//!
//! The private keys are test keys for this fake only.

mod endpoints;
mod flow;

use axum::Json;
use axum::Router;
use axum::extract::State;
use axum::routing::{get, post};
use base64::Engine;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

/// The RSA test key (PKCS#8 PEM) and its public parts as a JWK.
const RSA_KEY: &str = include_str!("idp/rsa-test-key.pem");
const RSA_PUBLIC_PEM: &str = include_str!("idp/rsa-test-key.pub.pem");
const RSA_JWK: &str = include_str!("idp/rsa-test-key.jwk.json");

/// An algorithm the fake signs with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Alg {
    /// RSA with SHA-256.
    Rs256,
    /// ECDSA P-256 with SHA-256.
    Es256,
    /// Ed25519.
    EdDsa,
}

/// One signing key and its public JWK.
struct Key {
    alg: Alg,
    kid: String,
    encoding: EncodingKey,
    jwk: Value,
}

struct Provider {
    issuer: String,
    keys: Mutex<Vec<Key>>,
    generation: AtomicUsize,
    jwks_fetches: AtomicUsize,
    flow: Mutex<flow::Flow>,
}

impl Provider {
    /// A token with `claims`, signed with the current `alg` key, with its
    /// `kid`.
    fn sign(&self, alg: Alg, claims: &Value) -> String {
        let keys = crate::lock(&self.keys);
        let key = keys.iter().find(|key| key.alg == alg).expect("a key per algorithm");
        let mut header = Header::new(algorithm(alg));
        header.kid = Some(key.kid.clone());
        jsonwebtoken::encode(&header, claims, &key.encoding).expect("signing with a test key")
    }
}

/// A running identity provider.
pub struct FakeIdp {
    /// The server: address and recorded requests.
    pub served: crate::Served,
    provider: Arc<Provider>,
}

impl FakeIdp {
    /// Starts the provider on `127.0.0.1:0`; its issuer is its base URL.
    pub async fn start() -> std::io::Result<Self> {
        // The issuer is the address, known once the listener is bound: bind
        // first, then serve the provider that knows it.
        let slot: Arc<Mutex<Option<Arc<Provider>>>> = Arc::default();
        let router = Router::new()
            .route("/.well-known/oauth-authorization-server", get(metadata))
            .route("/.well-known/openid-configuration", get(metadata))
            .route("/jwks", get(jwks))
            .route("/authorize", get(endpoints::authorize))
            .route("/token", post(endpoints::token))
            .with_state(slot.clone());
        let served = crate::serve(router).await?;
        let provider = Arc::new(Provider {
            issuer: served.base_url(),
            keys: Mutex::new(keys(0)),
            generation: AtomicUsize::new(0),
            jwks_fetches: AtomicUsize::new(0),
            flow: Mutex::new(flow::Flow::new()),
        });
        *crate::lock(&slot) = Some(provider.clone());
        Ok(Self { served, provider })
    }

    /// The issuer identifier: `https://127.0.0.1:PORT`.
    pub fn issuer(&self) -> String {
        self.provider.issuer.clone()
    }

    /// A token with `claims`, signed with the current `alg` key.
    pub fn sign(&self, alg: Alg, claims: &Value) -> String {
        self.provider.sign(alg, claims)
    }

    /// A token with `claims` signed by a key the provider never published,
    /// under the key id `kid`.
    pub fn sign_with_unknown_key(&self, kid: &str, claims: &Value) -> String {
        let stranger = generated(Alg::Es256, kid);
        let mut header = Header::new(Algorithm::ES256);
        header.kid = Some(kid.to_owned());
        jsonwebtoken::encode(&header, claims, &stranger.encoding).expect("signing with a test key")
    }

    /// An unsigned token (`alg: none`) with `claims`.
    pub fn unsigned(&self, claims: &Value) -> String {
        let part = |value: &Value| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(value.to_string());
        format!("{}.{}.", part(&json!({"alg": "none", "typ": "JWT"})), part(claims))
    }

    /// An HS256 token with `claims` whose HMAC key is the RSA key's public
    /// PEM, under the RSA key's id: what a verifier that lets the token
    /// choose the algorithm would accept.
    pub fn hmac_with_public_key(&self, claims: &Value) -> String {
        let mut header = Header::new(Algorithm::HS256);
        header.kid = Some(self.kid(Alg::Rs256));
        let key = EncodingKey::from_secret(RSA_PUBLIC_PEM.as_bytes()).expect("an HMAC key");
        jsonwebtoken::encode(&header, claims, &key).expect("HS256")
    }

    /// The current key id of `alg`.
    pub fn kid(&self, alg: Alg) -> String {
        crate::lock(&self.provider.keys).iter().find(|key| key.alg == alg).expect("a key").kid.clone()
    }

    /// Replaces the ES256 and EdDSA keys with new ones, under new key ids;
    /// tokens signed with the old ones no longer verify against the set.
    pub fn rotate(&self) {
        let generation = self.provider.generation.fetch_add(1, Ordering::SeqCst) + 1;
        *crate::lock(&self.provider.keys) = keys(generation);
    }

    /// How many times the key set was fetched.
    pub fn jwks_fetches(&self) -> usize {
        self.provider.jwks_fetches.load(Ordering::SeqCst)
    }

    /// Registers the public client `client_id` (no secret; PKCE instead)
    /// with its one redirect URI, which authorization and token requests
    /// must name exactly; replaces a client with the same id. Registered
    /// after [`Self::start`], since the redirect URI usually names a port
    /// known only then.
    ///
    /// # Panics
    ///
    /// If `redirect_uri` is not an absolute URL or has a fragment.
    pub fn register_client(&self, client_id: &str, redirect_uri: &str) {
        crate::lock(&self.provider.flow).register(client_id, redirect_uri);
    }

    /// The `sub` of every successful code exchange at `/token`, oldest
    /// first: who signed in.
    pub fn sign_ins(&self) -> Vec<String> {
        crate::lock(&self.provider.flow).sign_ins()
    }
}

type Slot = Arc<Mutex<Option<Arc<Provider>>>>;

fn provider(slot: &Slot) -> Arc<Provider> {
    crate::lock(slot).clone().expect("the provider is set before the first request can arrive")
}

async fn metadata(State(slot): State<Slot>) -> Json<Value> {
    let issuer = provider(&slot).issuer.clone();
    Json(json!({
        "issuer": issuer,
        "jwks_uri": format!("{issuer}/jwks"),
        "authorization_endpoint": format!("{issuer}/authorize"),
        "token_endpoint": format!("{issuer}/token"),
        "response_types_supported": ["code"],
        "grant_types_supported": ["authorization_code"],
        "response_modes_supported": ["query"],
        "code_challenge_methods_supported": ["S256"],
        "token_endpoint_auth_methods_supported": ["none"],
        "scopes_supported": ["openid"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256", "ES256", "EdDSA"],
        "claims_supported": ["iss", "sub", "aud", "iat", "exp", "auth_time", "nonce"],
    }))
}

async fn jwks(State(slot): State<Slot>) -> Json<Value> {
    let provider = provider(&slot);
    provider.jwks_fetches.fetch_add(1, Ordering::SeqCst);
    let keys: Vec<Value> = crate::lock(&provider.keys).iter().map(|key| key.jwk.clone()).collect();
    Json(json!({ "keys": keys }))
}

/// The keys of `generation`: the RSA test key, and ES256 and EdDSA keys
/// made now.
fn keys(generation: usize) -> Vec<Key> {
    let mut rsa: Value = serde_json::from_str(RSA_JWK).expect("the RSA test JWK");
    rsa["kid"] = json!("rsa-1");
    rsa["alg"] = json!("RS256");
    rsa["use"] = json!("sig");
    let rsa = Key {
        alg: Alg::Rs256,
        kid: "rsa-1".into(),
        encoding: EncodingKey::from_rsa_pem(RSA_KEY.as_bytes()).expect("the RSA test key"),
        jwk: rsa,
    };
    vec![rsa, generated(Alg::Es256, &format!("ec-{generation}")), generated(Alg::EdDsa, &format!("ed-{generation}"))]
}

/// A new key of `alg` (ES256 or EdDSA) under `kid`.
fn generated(alg: Alg, kid: &str) -> Key {
    let b64 = |bytes: &[u8]| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
    let (pair, jwk) = match alg {
        Alg::Es256 => {
            let pair = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).expect("a P-256 key");
            // Uncompressed point: 0x04, then x and y.
            let point = pair.public_key_raw().to_vec();
            let jwk = json!({"kty": "EC", "crv": "P-256", "x": b64(&point[1..33]), "y": b64(&point[33..65])});
            (pair, jwk)
        }
        Alg::EdDsa => {
            let pair = rcgen::KeyPair::generate_for(&rcgen::PKCS_ED25519).expect("an Ed25519 key");
            let jwk = json!({"kty": "OKP", "crv": "Ed25519", "x": b64(pair.public_key_raw())});
            (pair, jwk)
        }
        Alg::Rs256 => unreachable!("the RSA key is fixed"),
    };
    let pem = pair.serialize_pem();
    let encoding = match alg {
        Alg::Es256 => EncodingKey::from_ec_pem(pem.as_bytes()),
        _ => EncodingKey::from_ed_pem(pem.as_bytes()),
    }
    .expect("rcgen writes PKCS#8 PEM");
    let mut jwk = jwk;
    jwk["kid"] = json!(kid);
    jwk["alg"] = json!(if alg == Alg::Es256 { "ES256" } else { "EdDSA" });
    jwk["use"] = json!("sig");
    Key { alg, kid: kid.to_owned(), encoding, jwk }
}

fn algorithm(alg: Alg) -> Algorithm {
    match alg {
        Alg::Rs256 => Algorithm::RS256,
        Alg::Es256 => Algorithm::ES256,
        Alg::EdDsa => Algorithm::EdDSA,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jsonwebtoken::jwk::JwkSet;
    use jsonwebtoken::{DecodingKey, Validation};

    async fn get(idp: &FakeIdp, path: &str) -> Value {
        let ca = reqwest::Certificate::from_pem(crate::TestCa::get().pem().as_bytes()).unwrap();
        let client = reqwest::Client::builder().add_root_certificate(ca).build().unwrap();
        client.get(format!("{}{path}", idp.issuer())).send().await.unwrap().json().await.unwrap()
    }

    #[tokio::test]
    async fn tokens_verify_against_the_published_keys_until_a_rotation() {
        let idp = FakeIdp::start().await.unwrap();
        let metadata = get(&idp, "/.well-known/oauth-authorization-server").await;
        assert_eq!(metadata["issuer"], idp.issuer());
        let claims =
            json!({"iss": idp.issuer(), "sub": "ana", "aud": "https://berth.test/mcp", "exp": 4_000_000_000u64});
        let set: JwkSet = serde_json::from_value(get(&idp, "/jwks").await).unwrap();
        for (alg, algorithm) in
            [(Alg::Rs256, Algorithm::RS256), (Alg::Es256, Algorithm::ES256), (Alg::EdDsa, Algorithm::EdDSA)]
        {
            let token = idp.sign(alg, &claims);
            let kid = jsonwebtoken::decode_header(&token).unwrap().kid.unwrap();
            let key = DecodingKey::from_jwk(set.find(&kid).unwrap()).unwrap();
            let mut validation = Validation::new(algorithm);
            validation.set_audience(&["https://berth.test/mcp"]);
            jsonwebtoken::decode::<Value>(&token, &key, &validation).unwrap_or_else(|error| panic!("{alg:?}: {error}"));
        }
        let old = idp.kid(Alg::Es256);
        idp.rotate();
        let rotated: JwkSet = serde_json::from_value(get(&idp, "/jwks").await).unwrap();
        assert!(rotated.find(&old).is_none() && rotated.find(&idp.kid(Alg::Es256)).is_some());
        assert_eq!(idp.jwks_fetches(), 2);
        assert!(idp.unsigned(&claims).ends_with('.'));
        assert_eq!(jsonwebtoken::decode_header(idp.hmac_with_public_key(&claims)).unwrap().alg, Algorithm::HS256);
    }
}
