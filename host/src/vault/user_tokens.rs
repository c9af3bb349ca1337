//! Each person's own tokens for per-user credentials (scheme
//! `oauth2-authorization-code`): what Berth's `/oauth/callback` stored when
//! they connected their upstream account, renewed as they expire.
//!
//! A row is keyed by tenant, plugin, credential and principal, and sealed
//! like a credential: under the tenant's key, with that whole identity as
//! associated data, so a database writer cannot hand one person's tokens
//! to another (they stop opening). `berth vault rotate` re-seals them with
//! the credentials. No change counter moves when one is written: renewing
//! a person's token is no reason for every replica to reload its copy.

use super::credentials::UserToken;
use super::{MasterKey, Vault, VaultError};
use crate::args;
use crate::db::{Conn, DbError};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

/// The sealed tokens of one owner's row (tenant, plugin, name, principal).
const ROW_SECRET: &str =
    "SELECT secret FROM user_credentials WHERE tenant = ?1 AND plugin = ?2 AND name = ?3 AND principal = ?4";

/// Whose tokens: one person's, for one credential of one plugin.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Owner<'a> {
    /// Tenant.
    pub tenant: &'a str,
    /// Plugin.
    pub plugin: &'a str,
    /// The credential's name.
    pub credential: &'a str,
    /// The principal, as [`crate::auth::Principal::audit_name`] names it.
    pub principal: &'a str,
}

impl Owner<'_> {
    /// Associated data covering the row's whole identity, each part
    /// length-prefixed so no two owners share one.
    fn context(&self) -> Vec<u8> {
        let mut context = b"berth-user-token-v1".to_vec();
        for part in [self.tenant, self.plugin, self.credential, self.principal] {
            context.extend_from_slice(&(part.len() as u64).to_be_bytes());
            context.extend_from_slice(part.as_bytes());
        }
        context
    }
}

/// One person's connection, as listed for an operator: never a token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Connection {
    /// Plugin.
    pub plugin: String,
    /// Credential.
    pub credential: String,
    /// Whose.
    pub principal: String,
    /// When it was last stored (connected or renewed), Unix seconds.
    pub updated_at: i64,
}

/// What a row seals.
#[derive(Serialize, Deserialize)]
struct Sealed {
    connection: String,
    access_token: String,
    refresh_token: Option<String>,
    expires_at_ms: Option<i64>,
}

impl Sealed {
    fn of(token: &UserToken) -> Self {
        Self {
            connection: token.connection.clone(),
            access_token: token.access_token.to_string(),
            refresh_token: token.refresh_token.as_ref().map(|token| token.to_string()),
            expires_at_ms: token.expires_at_ms,
        }
    }

    fn into_token(self) -> UserToken {
        UserToken {
            connection: self.connection,
            access_token: Zeroizing::new(self.access_token),
            refresh_token: self.refresh_token.map(Zeroizing::new),
            expires_at_ms: self.expires_at_ms,
        }
    }
}

impl Vault {
    /// `owner`'s tokens, if they have connected.
    pub async fn user_token(&self, owner: Owner<'_>) -> Result<Option<UserToken>, VaultError> {
        match self.open_user_token(owner).await {
            Err(VaultError::Crypto(_)) if self.follow_rotation().await? => self.open_user_token(owner).await,
            outcome => outcome,
        }
    }

    async fn open_user_token(&self, owner: Owner<'_>) -> Result<Option<UserToken>, VaultError> {
        let row =
            self.db.query_opt(ROW_SECRET, args![owner.tenant, owner.plugin, owner.credential, owner.principal]).await?;
        row.map(|row| self.open_row(owner, &row.get::<Vec<u8>>(0)?)).transpose()
    }

    /// The tokens sealed in `owner`'s row.
    fn open_row(&self, owner: Owner<'_>, sealed: &[u8]) -> Result<UserToken, VaultError> {
        let plain = self.key().open(owner.tenant, &owner.context(), sealed)?;
        let opened: Sealed =
            serde_json::from_slice(&plain).map_err(|_| VaultError::Corrupt(owner.credential.to_owned()))?;
        Ok(opened.into_token())
    }

    /// `token` sealed under `key` for `owner`'s row.
    fn seal_row(key: &MasterKey, owner: Owner<'_>, token: &UserToken) -> Vec<u8> {
        let plain = Zeroizing::new(serde_json::to_vec(&Sealed::of(token)).expect("strings serialize"));
        key.seal(owner.tenant, &owner.context(), &plain)
    }

    /// Replaces `owner`'s tokens with `new` (or forgets them, for `None`),
    /// only if what is stored is still `expected`: another call, replica
    /// or operator may have renewed, removed or reconnected them since
    /// they were read, and that is never undone. Whether it replaced them.
    pub async fn replace_user_token(
        &self,
        owner: Owner<'_>,
        expected: &UserToken,
        new: Option<&UserToken>,
    ) -> Result<bool, VaultError> {
        let (mut tx, master) = self.sealing().await?;
        let key = args![owner.tenant, owner.plugin, owner.credential, owner.principal];
        let row = tx.query_opt(ROW_SECRET, key.clone()).await?;
        let Some(row) = row else { return Ok(false) };
        let read: Vec<u8> = row.get(0)?;
        let stored = self.open_row(owner, &read)?;
        let same = stored.connection == expected.connection && stored.access_token == expected.access_token;
        if !same {
            return Ok(false);
        }
        // Over exactly the row read: a plain write (a reconnection) need not
        // wait for this transaction's lock on PostgreSQL.
        let changed = match new {
            Some(token) => {
                let sealed = Self::seal_row(&master, owner, token);
                tx.execute(
                    "UPDATE user_credentials SET secret = ?6, updated_at = ?7
                     WHERE tenant = ?1 AND plugin = ?2 AND name = ?3 AND principal = ?4 AND secret = ?5",
                    [key, args![read, sealed, crate::audit::now_ms() / 1000]].concat(),
                )
                .await?
            }
            None => {
                tx.execute(
                    "DELETE FROM user_credentials
                     WHERE tenant = ?1 AND plugin = ?2 AND name = ?3 AND principal = ?4 AND secret = ?5",
                    [key, args![read]].concat(),
                )
                .await?
            }
        };
        if changed != 1 {
            return Ok(false);
        }
        tx.commit().await?;
        Ok(true)
    }

    /// Stores `token` as `owner`'s, replacing what they had.
    pub async fn save_user_token(&self, owner: Owner<'_>, token: &UserToken) -> Result<(), VaultError> {
        let (mut tx, master) = self.sealing().await?;
        let sealed = Self::seal_row(&master, owner, token);
        tx.execute(
            "INSERT INTO user_credentials (tenant, plugin, name, principal, secret, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT (tenant, plugin, name, principal) DO UPDATE SET
               secret = excluded.secret, updated_at = excluded.updated_at",
            args![owner.tenant, owner.plugin, owner.credential, owner.principal, sealed, crate::audit::now_ms() / 1000],
        )
        .await?;
        Ok(tx.commit().await?)
    }

    /// Forgets `owner`'s tokens; whether there were any.
    pub async fn remove_user_token(&self, owner: Owner<'_>) -> Result<bool, VaultError> {
        let removed = self
            .db
            .execute(
                "DELETE FROM user_credentials WHERE tenant = ?1 AND plugin = ?2 AND name = ?3 AND principal = ?4",
                args![owner.tenant, owner.plugin, owner.credential, owner.principal],
            )
            .await?;
        Ok(removed > 0)
    }

    /// Who has connected which of `tenant`'s per-user credentials.
    pub async fn connections(&self, tenant: &str) -> Result<Vec<Connection>, VaultError> {
        let rows = self
            .db
            .query(
                "SELECT plugin, name, principal, updated_at FROM user_credentials WHERE tenant = ?1
                 ORDER BY plugin, name, principal",
                args![tenant],
            )
            .await?;
        let connections = rows.iter().map(|row| {
            Ok::<_, DbError>(Connection {
                plugin: row.get(0)?,
                credential: row.get(1)?,
                principal: row.get(2)?,
                updated_at: row.get(3)?,
            })
        });
        Ok(connections.collect::<Result<_, _>>()?)
    }
}

/// Forgets, in `conn`'s transaction, every person's tokens for credential
/// `name` of `plugin` on `tenant`: it was deleted, or now names another
/// client or server, which tokens from the old one must never reach.
pub(super) async fn forget_connections(conn: &mut Conn, tenant: &str, plugin: &str, name: &str) -> Result<(), DbError> {
    let sql = "DELETE FROM user_credentials WHERE tenant = ?1 AND plugin = ?2 AND name = ?3";
    conn.execute(sql, args![tenant, plugin, name]).await?;
    Ok(())
}

/// Re-seals every person's tokens from `old` to `new` inside a rotation's
/// transaction; how many.
pub(super) async fn reseal(conn: &mut Conn, old: &MasterKey, new: &MasterKey) -> Result<usize, VaultError> {
    let rows = conn.query("SELECT tenant, plugin, name, principal, secret FROM user_credentials", args![]).await?;
    let mut resealed = Vec::with_capacity(rows.len());
    for row in &rows {
        let (tenant, plugin, name, principal, sealed): (String, String, String, String, Vec<u8>) =
            (row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?, row.get(4)?);
        let owner = Owner { tenant: &tenant, plugin: &plugin, credential: &name, principal: &principal };
        let plain = old.open(&tenant, &owner.context(), &sealed).map_err(|_| VaultError::Corrupt(name.clone()))?;
        resealed.push((new.seal(&tenant, &owner.context(), &plain), sealed, tenant, plugin, name, principal));
    }
    for (sealed, was, tenant, plugin, name, principal) in &resealed {
        let changed = conn
            .execute(
                "UPDATE user_credentials SET secret = ?5
                 WHERE tenant = ?1 AND plugin = ?2 AND name = ?3 AND principal = ?4 AND secret = ?6",
                args![tenant, plugin, name, principal, sealed.as_slice(), was.as_slice()],
            )
            .await?;
        if changed == 0 {
            return Err(VaultError::ChangedMeanwhile(name.clone()));
        }
    }
    Ok(resealed.len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::testing::each_backend;
    use crate::vault::KeySource;
    use std::sync::Arc;

    fn token(access: &str) -> UserToken {
        UserToken {
            connection: "c-1".to_owned(),
            access_token: Zeroizing::new(access.to_owned()),
            refresh_token: Some(Zeroizing::new(format!("refresh-of-{access}"))),
            expires_at_ms: Some(1_000),
        }
    }

    #[tokio::test]
    async fn each_person_has_their_own_tokens_which_survive_a_rotation_and_never_move_to_another() {
        for store in each_backend().await {
            let db = Arc::new(store.db.clone());
            let vault = Vault::open(db.clone(), MasterKey::generate(), KeySource::Environment).await.unwrap();
            let alice = Owner { tenant: "acme", plugin: "github", credential: "github", principal: "alice@idp" };
            let bob = Owner { principal: "bob@idp", ..alice };
            vault.save_user_token(alice, &token("at-alice")).await.unwrap();
            assert!(vault.user_token(bob).await.unwrap().is_none(), "{}: bob has not connected", store.name);
            assert_eq!(vault.user_token(alice).await.unwrap().unwrap().access_token.as_str(), "at-alice");

            let new = MasterKey::generate();
            vault.rotate(&new).await.unwrap();
            let rotated = Vault::open(db.clone(), new, KeySource::Environment).await.unwrap();
            let opened = rotated.user_token(alice).await.unwrap().unwrap();
            assert_eq!(opened.refresh_token.unwrap().as_str(), "refresh-of-at-alice");

            // A database writer hands alice's row to bob: it no longer opens.
            db.execute("UPDATE user_credentials SET principal = 'bob@idp'", args![]).await.unwrap();
            assert!(matches!(rotated.user_token(bob).await, Err(VaultError::Crypto(_))), "{}", store.name);
            assert_eq!(rotated.connections("acme").await.unwrap()[0].principal, "bob@idp");
            assert!(rotated.remove_user_token(bob).await.unwrap());
            assert!(rotated.connections("acme").await.unwrap().is_empty());
        }
    }

    #[tokio::test]
    async fn a_replacement_happens_only_over_what_was_read() {
        for store in each_backend().await {
            let db = Arc::new(store.db.clone());
            let vault = Vault::open(db.clone(), MasterKey::generate(), KeySource::Environment).await.unwrap();
            let ana = Owner { tenant: "acme", plugin: "github", credential: "github", principal: "ana@idp" };
            let (first, renewed) = (token("at-1"), token("at-2"));
            vault.save_user_token(ana, &first).await.unwrap();
            assert!(vault.replace_user_token(ana, &first, Some(&renewed)).await.unwrap());
            // A second renewal from the same read loses, and so does a
            // removal based on it: neither undoes the first.
            assert!(!vault.replace_user_token(ana, &first, Some(&token("at-3"))).await.unwrap(), "{}", store.name);
            assert!(!vault.replace_user_token(ana, &first, None).await.unwrap());
            assert_eq!(vault.user_token(ana).await.unwrap().unwrap().access_token.as_str(), "at-2");
            // A renewal never brings back a connection removed meanwhile.
            vault.remove_user_token(ana).await.unwrap();
            assert!(!vault.replace_user_token(ana, &renewed, Some(&token("at-4"))).await.unwrap());
            assert!(vault.user_token(ana).await.unwrap().is_none());
            // Re-setting the credential with other parameters, or deleting
            // it, forgets everyone's tokens.
            let scheme = |client_id: &str| crate::vault::Scheme::Oauth2AuthorizationCode {
                authorize_url: "https://gh.example/login/oauth/authorize".into(),
                token_url: "https://gh.example/login/oauth/access_token".into(),
                client_id: client_id.into(),
                scope: None,
                header_format: None,
            };
            let secret: std::collections::BTreeMap<String, Zeroizing<String>> =
                [("client_secret".to_owned(), Zeroizing::new("s".to_owned()))].into();
            vault.set("acme", "github", "github", &scheme("one"), &[], &secret).await.unwrap();
            vault.save_user_token(ana, &first).await.unwrap();
            vault.set("acme", "github", "github", &scheme("one"), &[], &secret).await.unwrap();
            assert!(vault.user_token(ana).await.unwrap().is_some(), "the same client: connections stay");
            vault.set("acme", "github", "github", &scheme("two"), &[], &secret).await.unwrap();
            assert!(vault.user_token(ana).await.unwrap().is_none(), "another client: connections end");
            vault.save_user_token(ana, &first).await.unwrap();
            vault.delete("acme", "github", "github").await.unwrap();
            assert!(vault.user_token(ana).await.unwrap().is_none());
        }
    }
}
