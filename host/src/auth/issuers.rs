//! The identity providers whose tokens Berth accepts, as operators add
//! them (`berth auth issuer add`): each issuer, how its tokens name their
//! tenant (a claim, or one fixed tenant), which claim carries roles,
//! which role, if any, may use the admin API, and the client people sign
//! in to Berth with, if any (for per-user credentials).

use crate::args;
use crate::db::{Database, DbError};
use serde::{Deserialize, Serialize};

/// How an issuer's tokens name their tenant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "from", rename_all = "lowercase", deny_unknown_fields)]
pub enum TenantFrom {
    /// The value of this claim (for example `org`) is the tenant.
    Claim {
        /// The claim's name.
        claim: String,
    },
    /// Every token of the issuer is this tenant's.
    Fixed {
        /// The tenant.
        tenant: String,
    },
}

/// One trusted issuer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Issuer {
    /// The issuer identifier, exactly as tokens carry it in `iss`: an
    /// `https://` URL, from which its metadata and keys are found.
    pub issuer: String,
    /// How its tokens name their tenant.
    pub tenant: TenantFrom,
    /// The claim that carries roles: an array of strings, or one string of
    /// space-separated names (as `scope` is).
    pub roles_claim: String,
    /// The role that may use the admin API, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub admin_role: Option<String>,
    /// The public OpenID Connect client (registered at the issuer, with
    /// redirect URI `{public_url}/oauth/signin`) through which a person
    /// signs in before connecting an upstream account: proof that whoever
    /// opened a connect link is the person it was made for. Without one,
    /// the issuer's principals cannot use per-user credentials.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub login_client_id: Option<String>,
}

/// Why an issuer could not be stored or read.
#[derive(Debug, thiserror::Error)]
pub enum IssuerError {
    /// The store failed.
    #[error(transparent)]
    Db(#[from] DbError),
    /// The issuer identifier is not usable.
    #[error(
        "issuer `{0}` is not usable: it must be an https:// URL without a query or fragment, exactly as its tokens carry it in `iss`"
    )]
    InvalidIssuer(String),
    /// A claim name is empty or too long.
    #[error("claim name `{0}` is invalid: use 1-64 printable characters")]
    InvalidClaim(String),
    /// A sign-in client id is empty, too long or unprintable.
    #[error("client id `{0}` is invalid: use 1-256 printable characters")]
    InvalidClientId(String),
    /// A stored issuer no longer parses.
    #[error("the stored issuer `{0}` is not valid; add it again")]
    Corrupt(String),
}

impl Issuer {
    /// Checks the identifier and the claim names.
    pub fn validate(&self) -> Result<(), IssuerError> {
        let url = url::Url::parse(&self.issuer).map_err(|_| IssuerError::InvalidIssuer(self.issuer.clone()))?;
        if url.scheme() != "https"
            || url.host_str().is_none()
            || url.query().is_some()
            || url.fragment().is_some()
            || self.issuer.len() > 512
        {
            return Err(IssuerError::InvalidIssuer(self.issuer.clone()));
        }
        let claims = match &self.tenant {
            TenantFrom::Claim { claim } => vec![claim, &self.roles_claim],
            TenantFrom::Fixed { .. } => vec![&self.roles_claim],
        };
        for claim in claims {
            if claim.is_empty() || claim.len() > 64 || claim.chars().any(char::is_control) {
                return Err(IssuerError::InvalidClaim(claim.clone()));
            }
        }
        if let Some(client_id) = &self.login_client_id
            && (client_id.is_empty() || client_id.len() > 256 || client_id.chars().any(char::is_control))
        {
            return Err(IssuerError::InvalidClientId(client_id.clone()));
        }
        Ok(())
    }
}

/// The issuers in `db`.
pub struct Issuers<'a> {
    db: &'a Database,
}

impl<'a> Issuers<'a> {
    /// The issuers in `db`.
    pub fn new(db: &'a Database) -> Self {
        Self { db }
    }

    /// Adds `issuer`, or replaces the one with its identifier.
    pub async fn add(&self, issuer: &Issuer) -> Result<(), IssuerError> {
        issuer.validate()?;
        let config = serde_json::to_string(issuer).expect("an issuer serialises");
        self.db
            .execute(
                "INSERT INTO auth_issuers (issuer, config) VALUES (?1, ?2)
                 ON CONFLICT (issuer) DO UPDATE SET config = excluded.config",
                args![&issuer.issuer, config],
            )
            .await?;
        Ok(())
    }

    /// Every issuer, by identifier.
    pub async fn list(&self) -> Result<Vec<Issuer>, IssuerError> {
        let rows = self.db.query("SELECT issuer, config FROM auth_issuers ORDER BY issuer", args![]).await?;
        rows.iter()
            .map(|row| {
                let (issuer, config): (String, String) = (row.get(0)?, row.get(1)?);
                serde_json::from_str(&config).map_err(|_| IssuerError::Corrupt(issuer))
            })
            .collect()
    }

    /// Removes `issuer`; whether it was there. Its tokens stop working on
    /// the next call.
    pub async fn remove(&self, issuer: &str) -> Result<bool, IssuerError> {
        Ok(self.db.execute("DELETE FROM auth_issuers WHERE issuer = ?1", args![issuer]).await? > 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::testing::each_backend;

    fn issuer(url: &str) -> Issuer {
        Issuer {
            issuer: url.into(),
            tenant: TenantFrom::Claim { claim: "org".into() },
            roles_claim: "roles".into(),
            admin_role: None,
            login_client_id: None,
        }
    }

    #[tokio::test]
    async fn issuers_round_trip_and_must_be_https() {
        for store in each_backend().await {
            let issuers = Issuers::new(&store.db);
            let okta = issuer("https://acme.okta.example/oauth2/default");
            issuers.add(&okta).await.unwrap();
            let fixed = Issuer {
                tenant: TenantFrom::Fixed { tenant: "acme".into() },
                login_client_id: Some("berth-connect".into()),
                ..issuer("https://login.example")
            };
            issuers.add(&fixed).await.unwrap();
            assert_eq!(issuers.list().await.unwrap(), [okta.clone(), fixed], "{}", store.name);
            assert!(issuers.remove(&okta.issuer).await.unwrap());
            assert!(!issuers.remove(&okta.issuer).await.unwrap());
            for bad in ["http://idp.example", "https://idp.example/?x=1", "not a url", "https://idp.example/#f"] {
                assert!(matches!(issuers.add(&issuer(bad)).await, Err(IssuerError::InvalidIssuer(_))), "{bad}");
            }
        }
    }
}
