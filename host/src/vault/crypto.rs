//! The vault's cryptography: a master key, per-tenant keys derived from it
//! with HKDF-SHA256, and AES-256-GCM sealing with the row's identity as
//! associated data (so a ciphertext copied to another row fails to open).

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use hkdf::Hkdf;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use zeroize::Zeroizing;

const NONCE_BYTES: usize = 12;
const SALT: &[u8] = b"berth-vault-v1";
/// Salt of keys for purposes other than a tenant's secrets, so that no
/// tenant's name can make one of them.
const PURPOSE_SALT: &[u8] = b"berth-purpose-v1";
/// Check-value label of vaults whose associated data covered a row's
/// identity only; a vault still holding it has rows to re-seal.
const LEGACY_CHECK_LABEL: &[u8] = b"berth-master-key-check";
/// Check-value label of vaults whose associated data also covers each
/// credential's scheme parameters and bound origins. Only the key can
/// produce it, so whoever writes the database cannot pretend that a
/// migrated vault still needs its (weaker) legacy rows re-sealed.
const CHECK_LABEL: &[u8] = b"berth-master-key-check-v2";

/// Why sealing or opening failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CryptoError {
    /// A key is not 32 bytes of hex.
    #[error("a master key must be 64 hex characters (32 bytes)")]
    BadKey,
    /// Authentication failed: wrong key, or the data was altered.
    #[error("cannot decrypt: wrong master key or tampered data")]
    Open,
}

/// The 256-bit master key. Never stored in the database.
#[derive(Clone)]
pub struct MasterKey(Zeroizing<[u8; 32]>);

impl MasterKey {
    /// A new random key.
    pub fn generate() -> Self {
        let mut bytes = Zeroizing::new([0u8; 32]);
        getrandom::fill(bytes.as_mut()).expect("the operating system's random source failed");
        Self(bytes)
    }

    /// Parses 64 hex characters (surrounding whitespace ignored).
    pub fn from_hex(text: &str) -> Result<Self, CryptoError> {
        let decoded = Zeroizing::new(hex::decode(text.trim()).map_err(|_| CryptoError::BadKey)?);
        let bytes: [u8; 32] = decoded.as_slice().try_into().map_err(|_| CryptoError::BadKey)?;
        Ok(Self(Zeroizing::new(bytes)))
    }

    /// The key as hex, for writing a key file.
    pub fn to_hex(&self) -> Zeroizing<String> {
        Zeroizing::new(hex::encode(self.0.as_ref()))
    }

    /// A value that identifies this key without revealing it, stored to
    /// detect a wrong key with a clear error instead of garbage.
    pub fn check_value(&self) -> Vec<u8> {
        self.labelled_check(CHECK_LABEL)
    }

    /// The check value of this key in a vault not yet migrated to the
    /// associated data that covers scheme parameters and bindings.
    pub(crate) fn legacy_check_value(&self) -> Vec<u8> {
        self.labelled_check(LEGACY_CHECK_LABEL)
    }

    fn labelled_check(&self, label: &[u8]) -> Vec<u8> {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(self.0.as_ref()).expect("any key length works");
        mac.update(label);
        mac.finalize().into_bytes().to_vec()
    }

    /// The key for `tenant`'s secrets.
    fn tenant_key(&self, tenant: &str) -> Zeroizing<[u8; 32]> {
        self.expand(SALT, tenant.as_bytes())
    }

    /// A key for `purpose`, independent of the tenants' keys and of any
    /// other purpose's, which every host holding this master key derives
    /// alike.
    pub fn derive(&self, purpose: &[u8]) -> Zeroizing<[u8; 32]> {
        self.expand(PURPOSE_SALT, purpose)
    }

    /// HKDF-SHA256 of this key with `salt`, expanded for `info`.
    fn expand(&self, salt: &[u8], info: &[u8]) -> Zeroizing<[u8; 32]> {
        let mut key = Zeroizing::new([0u8; 32]);
        Hkdf::<Sha256>::new(Some(salt), self.0.as_ref())
            .expand(info, key.as_mut())
            .expect("32 bytes is a valid HKDF output length");
        key
    }

    /// Encrypts `plaintext` for `tenant`, bound to `context` (the row).
    pub fn seal(&self, tenant: &str, context: &[u8], plaintext: &[u8]) -> Vec<u8> {
        seal(&self.tenant_key(tenant), context, plaintext)
    }

    /// Decrypts what [`Self::seal`] produced for the same tenant and context.
    pub fn open(&self, tenant: &str, context: &[u8], sealed: &[u8]) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
        open(&self.tenant_key(tenant), context, sealed)
    }
}

/// Encrypts `plaintext` under `key` (AES-256-GCM, a random nonce first),
/// bound to `context`.
pub fn seal(key: &[u8; 32], context: &[u8], plaintext: &[u8]) -> Vec<u8> {
    let cipher = Aes256Gcm::new_from_slice(key).expect("32-byte key");
    let mut nonce = [0u8; NONCE_BYTES];
    getrandom::fill(&mut nonce).expect("the operating system's random source failed");
    let sealed = cipher
        .encrypt(Nonce::from_slice(&nonce), Payload { msg: plaintext, aad: context })
        .expect("AES-GCM encryption of an in-memory buffer cannot fail");
    [nonce.as_slice(), &sealed].concat()
}

/// Decrypts what [`seal`] produced with the same key and context.
pub fn open(key: &[u8; 32], context: &[u8], sealed: &[u8]) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
    if sealed.len() < NONCE_BYTES {
        return Err(CryptoError::Open);
    }
    let (nonce, ciphertext) = sealed.split_at(NONCE_BYTES);
    let cipher = Aes256Gcm::new_from_slice(key).expect("32-byte key");
    cipher
        .decrypt(Nonce::from_slice(nonce), Payload { msg: ciphertext, aad: context })
        .map(Zeroizing::new)
        .map_err(|_| CryptoError::Open)
}

impl std::fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MasterKey(..)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_data_opens_only_with_the_same_key_tenant_and_context() {
        let key = MasterKey::generate();
        let sealed = key.seal("acme", b"acme/servicenow/basic", b"hunter2");
        assert_eq!(key.open("acme", b"acme/servicenow/basic", &sealed).unwrap().as_slice(), b"hunter2");
        assert_eq!(key.open("globex", b"acme/servicenow/basic", &sealed), Err(CryptoError::Open));
        assert_eq!(key.open("acme", b"acme/jira/basic", &sealed), Err(CryptoError::Open));
        assert_eq!(MasterKey::generate().open("acme", b"acme/servicenow/basic", &sealed), Err(CryptoError::Open));
        let mut tampered = sealed.clone();
        *tampered.last_mut().unwrap() ^= 1;
        assert_eq!(key.open("acme", b"acme/servicenow/basic", &tampered), Err(CryptoError::Open));
    }

    #[test]
    fn keys_round_trip_through_hex_and_are_checkable() {
        let key = MasterKey::generate();
        let again = MasterKey::from_hex(&key.to_hex()).unwrap();
        assert_eq!(key.check_value(), again.check_value());
        assert_ne!(key.check_value(), MasterKey::generate().check_value());
        assert_eq!(MasterKey::from_hex("abcd").unwrap_err(), CryptoError::BadKey);
    }
}
