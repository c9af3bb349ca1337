//! OAuth2 access tokens in the shared store, so that replicas share each
//! credential's token instead of each asking the token endpoint for its
//! own (which some endpoints rate-limit, and which with rotating refresh
//! tokens would have replicas invalidate each other's). Only a shared
//! store keeps them: one host's memory already does for one host.
//!
//! A token is sealed like a credential (AES-256-GCM under a key derived
//! from the master key for this purpose alone) together with when it is
//! due for renewal, bound to its row. The row's key is an HMAC, under the
//! same key, of what identifies the credential and its secrets, so a
//! changed secret is another row and the table offers nothing to test
//! guesses of a secret against. What does not open (another master key
//! after a rotation, a tampered row) is a miss, and the next fetch
//! replaces it.

use super::crypto;
use crate::args;
use crate::db::{Database, DbError};
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use zeroize::Zeroizing;

/// What the purpose key is derived for.
pub const PURPOSE: &[u8] = b"berth oauth2 access tokens";

/// Sealed tokens in a shared store.
pub struct TokenStore {
    db: Database,
    key: Zeroizing<[u8; 32]>,
}

/// What a row seals.
#[derive(Serialize, Deserialize)]
struct Sealed {
    token: String,
    renew_at_ms: i64,
}

impl TokenStore {
    /// Tokens in `db`, sealed under `key` (the vault's key for
    /// [`PURPOSE`]).
    pub fn new(db: Database, key: Zeroizing<[u8; 32]>) -> Self {
        Self { db, key }
    }

    /// The token stored for `cache_key` and when it is due for renewal
    /// (Unix ms), if one opens.
    pub async fn load(&self, cache_key: &str) -> Result<Option<(Zeroizing<String>, i64)>, DbError> {
        let stored = self.stored(&self.row_key(cache_key)).await?;
        Ok(stored.map(|(_, token, renew_at_ms)| (token, renew_at_ms)))
    }

    /// Stores `token` for `cache_key`, due for renewal at `renew_at_ms`.
    pub async fn save(&self, cache_key: &str, token: &str, renew_at_ms: i64) -> Result<(), DbError> {
        let row_key = self.row_key(cache_key);
        let plain = Zeroizing::new(serde_json::to_vec(&Sealed { token: token.to_owned(), renew_at_ms }).expect("JSON"));
        let sealed = crypto::seal(&self.key, row_key.as_bytes(), &plain);
        self.db
            .execute(
                "INSERT INTO oauth_tokens (key, sealed, renew_at_ms) VALUES (?1, ?2, ?3)
                 ON CONFLICT (key) DO UPDATE SET sealed = excluded.sealed, renew_at_ms = excluded.renew_at_ms",
                args![row_key, sealed, renew_at_ms],
            )
            .await?;
        Ok(())
    }

    /// Drops the token stored for `cache_key` if it is `stale` (an
    /// upstream refused it), never one another replica stored since.
    pub async fn forget(&self, cache_key: &str, stale: &str) -> Result<(), DbError> {
        let row_key = self.row_key(cache_key);
        if let Some((sealed, token, _)) = self.stored(&row_key).await?
            && token.as_str() == stale
        {
            self.db.execute("DELETE FROM oauth_tokens WHERE key = ?1 AND sealed = ?2", args![row_key, sealed]).await?;
        }
        Ok(())
    }

    /// The sealed row under `row_key` and what it opens to: the token and
    /// its renewal time, both covered by the seal.
    async fn stored(&self, row_key: &str) -> Result<Option<(Vec<u8>, Zeroizing<String>, i64)>, DbError> {
        let row = self.db.query_opt("SELECT sealed FROM oauth_tokens WHERE key = ?1", args![row_key]).await?;
        let Some(row) = row else { return Ok(None) };
        let sealed: Vec<u8> = row.get(0)?;
        let Ok(plain) = crypto::open(&self.key, row_key.as_bytes(), &sealed) else { return Ok(None) };
        let opened: Option<Sealed> = serde_json::from_slice(&plain).ok();
        Ok(opened.map(|opened| (sealed, Zeroizing::new(opened.token), opened.renew_at_ms)))
    }

    /// The row's key: an HMAC under the purpose key.
    fn row_key(&self, cache_key: &str) -> String {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(self.key.as_ref()).expect("HMAC takes any key length");
        mac.update(cache_key.as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vault::oauth::TokenCache;
    use std::time::Duration;

    #[tokio::test]
    async fn replicas_share_one_sealed_token_until_an_upstream_refuses_it() {
        let store = crate::db::testing::postgres().await;
        let key = || Zeroizing::new([7u8; 32]);
        let replica = |db: Database| TokenCache::with_store(TokenStore::new(db, key()));
        let (a, b) = (replica(store.db.clone()), replica(store.another_process().await));
        let fetched =
            |token: &'static str| async move { Ok((Zeroizing::new(token.to_owned()), Duration::from_secs(600))) };
        assert_eq!(a.token("acme\0p\0c\0h", || fetched("at-shared-1")).await.unwrap().as_str(), "at-shared-1");
        let never =
            || async { Err::<(Zeroizing<String>, Duration), _>("B fetched although A's token was shared".into()) };
        assert_eq!(b.token("acme\0p\0c\0h", never).await.unwrap().as_str(), "at-shared-1");

        let rows = store.db.query("SELECT key, sealed FROM oauth_tokens", vec![]).await.unwrap();
        let (row_key, sealed): (String, Vec<u8>) = (rows[0].get(0).unwrap(), rows[0].get(1).unwrap());
        assert!(!row_key.contains("acme"), "the row names no tenant");
        assert!(!sealed.windows(11).any(|window| window == b"at-shared-1"), "the token is sealed at rest");

        b.invalidate("acme\0p\0c\0h", "at-shared-1").await;
        let c = replica(store.another_process().await);
        assert_eq!(c.token("acme\0p\0c\0h", || fetched("at-shared-2")).await.unwrap().as_str(), "at-shared-2");
        let wrong_key = TokenCache::with_store(TokenStore::new(store.db.clone(), Zeroizing::new([8u8; 32])));
        let fresh = wrong_key.token("acme\0p\0c\0h", || fetched("at-own")).await.unwrap();
        assert_eq!(fresh.as_str(), "at-own", "a row that does not open is a miss");
    }
}
