//! The access tokens a fake's OAuth token endpoint issues, which its API
//! then accepts: each lives for a fixed time, a test can end them all at
//! once (as the time passing would), and they are counted, so a test can
//! show that a client cached one or renewed it.

use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::time::{Duration, Instant};

/// The tokens issued so far.
#[derive(Debug)]
pub struct Tokens {
    lifetime: Duration,
    expiry: HashMap<String, Instant>,
    issued: u64,
}

impl Tokens {
    /// No tokens yet; each one issued lives for `lifetime`.
    pub fn new(lifetime: Duration) -> Self {
        Self { lifetime, expiry: HashMap::new(), issued: 0 }
    }

    /// A new token: 32 fresh hex digits, written in the vendor's shape by
    /// `shape`.
    pub fn issue(&mut self, shape: impl FnOnce(&str) -> String) -> String {
        self.issued += 1;
        let seed = format!("{:?} {} {:p}", std::time::SystemTime::now(), self.issued, self);
        let hex: String = Sha256::digest(seed.as_bytes()).iter().take(16).map(|byte| format!("{byte:02x}")).collect();
        let token = shape(&hex);
        self.expiry.insert(token.clone(), Instant::now() + self.lifetime);
        token
    }

    /// Whether `token` was issued and has not expired.
    pub fn valid(&self, token: &str) -> bool {
        self.expiry.get(token).is_some_and(|expiry| Instant::now() < *expiry)
    }

    /// Ends every token's life now.
    pub fn expire_all(&mut self) {
        let now = Instant::now();
        self.expiry.values_mut().for_each(|expiry| *expiry = now);
    }

    /// How many tokens were issued.
    pub fn issued(&self) -> u64 {
        self.issued
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_shaped_expire_and_are_counted() {
        let mut tokens = Tokens::new(Duration::from_secs(60));
        let first = tokens.issue(|hex| format!("1000.{hex}"));
        assert!(first.starts_with("1000.") && first.len() == 37 && tokens.valid(&first));
        assert!(!tokens.valid("1000.forged"));
        tokens.expire_all();
        assert!(!tokens.valid(&first));
        let second = tokens.issue(str::to_owned);
        assert_ne!(first, second);
        assert!(tokens.valid(&second));
        assert_eq!(tokens.issued(), 2);
    }
}
