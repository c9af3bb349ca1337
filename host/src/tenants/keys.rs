//! API keys: generation, parsing, hashing and constant-time comparison.

use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

const PREFIX: &str = "berth";
const ID_BYTES: usize = 6;
const SECRET_BYTES: usize = 32;

/// A freshly generated API key. Shown to the operator once.
pub struct ApiKey {
    id: String,
    secret: String,
    whole: String,
}

impl ApiKey {
    /// A new random key.
    pub fn generate() -> Self {
        let id = random_hex(ID_BYTES);
        let secret = random_hex(SECRET_BYTES);
        let whole = format!("{PREFIX}_{id}_{secret}");
        Self { id, secret, whole }
    }

    /// The whole key, as the client presents it.
    pub fn as_str(&self) -> &str {
        &self.whole
    }

    /// The public key id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The hash that is stored instead of the secret.
    pub fn secret_hash(&self) -> [u8; 32] {
        Sha256::digest(self.secret.as_bytes()).into()
    }

    /// Splits a presented key into (key id, secret), if it has the shape.
    pub fn parse(presented: &str) -> Option<(&str, &str)> {
        let rest = presented.strip_prefix(PREFIX)?.strip_prefix('_')?;
        let (id, secret) = rest.split_once('_')?;
        (id.len() == ID_BYTES * 2 && secret.len() == SECRET_BYTES * 2).then_some((id, secret))
    }
}

impl std::fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ApiKey({PREFIX}_{}_…)", self.id)
    }
}

/// Whether `secret` hashes to `stored`, compared in constant time.
pub(super) fn secret_matches(secret: &str, stored: &[u8]) -> bool {
    let presented: [u8; 32] = Sha256::digest(secret.as_bytes()).into();
    presented.ct_eq(stored).into()
}

fn random_hex(bytes: usize) -> String {
    let mut buffer = vec![0u8; bytes];
    getrandom::fill(&mut buffer).expect("the operating system's random source failed");
    hex::encode(buffer)
}
