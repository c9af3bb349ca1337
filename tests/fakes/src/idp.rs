//! # A fake OAuth 2.1 / OpenID identity provider
//!
//! What a resource server needs from an identity provider, over HTTPS on
//! loopback with the [`crate::TestCa`] certificate:
//! - RFC 8414 metadata at `/.well-known/oauth-authorization-server`
//!   (`issuer`, `jwks_uri`, and the endpoints a client would use);
//! - its key set at `/jwks`: an RS256 key (a fixed test key, `idp/`), and
//!   ES256 and EdDSA keys generated at start; [`FakeIdp::rotate`] replaces
//!   the ES256 and EdDSA keys with new ones under new key ids, as a
//!   provider's key rotation does, and [`FakeIdp::jwks_fetches`] counts the
//!   fetches of the set;
//! - tokens: [`FakeIdp::sign`] signs any claims with the current key of an
//!   algorithm, with its `kid`. For the refusals a resource server owes,
//!   [`FakeIdp::unsigned`] makes an `alg: none` token and
//!   [`FakeIdp::hmac_with_public_key`] an HS256 token keyed with the RSA
//!   key's public PEM (the algorithm-confusion attack).
//!
//! The private keys are test keys for this fake only.

use axum::Json;
use axum::Router;
use axum::extract::State;
use axum::routing::get;
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
            .route("/jwks", get(jwks))
            .with_state(slot.clone());
        let served = crate::serve(router).await?;
        let provider = Arc::new(Provider {
            issuer: served.base_url(),
            keys: Mutex::new(keys(0)),
            generation: AtomicUsize::new(0),
            jwks_fetches: AtomicUsize::new(0),
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
        let keys = crate::lock(&self.provider.keys);
        let key = keys.iter().find(|key| key.alg == alg).expect("a key per algorithm");
        let mut header = Header::new(algorithm(alg));
        header.kid = Some(key.kid.clone());
        jsonwebtoken::encode(&header, claims, &key.encoding).expect("signing with a test key")
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
        "grant_types_supported": ["authorization_code", "refresh_token"],
        "code_challenge_methods_supported": ["S256"],
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
