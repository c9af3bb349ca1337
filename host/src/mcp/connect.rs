//! Per-user credentials at the start of a call: every credential of the
//! plugin that acts as the calling person gets that person's own tokens,
//! and a person who has not connected yet is answered, before the plugin
//! runs, with MCP's URL elicitation required error (-32042). It carries a
//! link to Berth's own `/oauth/connect/{state}` page, where they connect
//! their upstream account (see [`crate::http::connect`]); then they call
//! again. The link is no secret to the agent: whoever opens it must sign in
//! at the person's identity provider as that person before anything is
//! connected. So only a principal who can sign in (a token from an issuer
//! with a sign-in client) can use a per-user credential; an API key or the
//! operator's own session is refused, saying so.

use super::server::{BerthServer, internal, snapshot_error};
use crate::auth::Principal;
use crate::snapshot::Generation;
use crate::vault::Credential;
use crate::vault::credentials::UserGrant;
use crate::vault::user_tokens::Owner;
use rmcp::ErrorData;
use rmcp::model::ErrorCode;
use serde_json::{Value, json};

/// MCP's `URLElicitationRequiredError` (revision 2025-11-25).
pub const URL_ELICITATION_REQUIRED: ErrorCode = ErrorCode(-32042);

impl BerthServer {
    /// `credentials` as `principal`'s call of `plugin` uses them: each
    /// per-user one with their tokens. Anyone not yet connected to one is
    /// refused with a link to connect (every missing one at once).
    pub(super) async fn as_person(
        &self,
        generation: &Generation,
        principal: &Principal,
        plugin: &str,
        credentials: &[Credential],
    ) -> Result<Vec<Credential>, ErrorData> {
        let Some(per_user) = credentials.iter().find(|credential| credential.scheme.is_per_user()) else {
            return Ok(credentials.to_vec());
        };
        let issuers = self.app.snapshot.issuers(generation).await.map_err(snapshot_error)?;
        let signs_in = principal.issuer.as_deref().is_some_and(|issuer| {
            issuers.iter().any(|known| known.issuer == issuer && known.login_client_id.is_some())
        });
        if !signs_in {
            return Err(ErrorData::invalid_request(
                format!(
                    "credential `{}` of `{plugin}` acts as each person, who must sign in to connect their own \
                     account: call with a token from an identity provider that has a sign-in client \
                     (`berth auth issuer add ... --login-client-id`); an API key or the operator's own session \
                     is no person",
                    per_user.name
                ),
                None,
            ));
        }
        let person = principal.audit_name();
        let mut ready = Vec::with_capacity(credentials.len());
        let mut missing = Vec::new();
        for credential in credentials {
            if !credential.scheme.is_per_user() {
                ready.push(credential.clone());
                continue;
            }
            let owner = Owner { tenant: &principal.tenant, plugin, credential: &credential.name, principal: &person };
            // A vault error reads as a snapshot's does: a rotation is guidance, the rest internal.
            let token = self.app.vault.user_token(owner).await.map_err(|error| snapshot_error(error.into()))?;
            match token {
                Some(token) => ready.push(Credential {
                    user: Some(UserGrant { principal: person.as_str().into(), token }),
                    ..credential.clone()
                }),
                None => missing.push(self.elicitation(owner, principal).await?),
            }
        }
        if missing.is_empty() {
            return Ok(ready);
        }
        let message = format!(
            "this call of `{plugin}` acts as you upstream, and you have not connected your account yet: \
             open the link this error carries, connect, then call again"
        );
        Err(ErrorData::new(URL_ELICITATION_REQUIRED, message, Some(json!({ "elicitations": missing }))))
    }

    /// A URL-mode elicitation sending `owner` to connect: their pending
    /// flow's page, or a new one's.
    async fn elicitation(&self, owner: Owner<'_>, principal: &Principal) -> Result<Value, ErrorData> {
        let Some(base) = self.app.auth.public_base() else {
            return Err(ErrorData::internal_error(
                format!(
                    "credential `{}` of `{}` acts as each person, and this server does not know where browsers \
                     reach it; the operator sets [auth] public_url",
                    owner.credential, owner.plugin
                ),
                None,
            ));
        };
        let issuer = principal.issuer.as_deref().unwrap_or_default();
        let flow = self.app.flows.begin(owner, (&principal.subject, issuer)).await.map_err(internal)?;
        Ok(json!({
            "mode": "url",
            "elicitationId": flow.id(),
            "url": format!("{base}/oauth/connect/{}", flow.state),
            "message": format!(
                "Connect your own account for `{}` of {} to Berth; calls then act upstream as you.",
                owner.credential, owner.plugin
            ),
        }))
    }
}

/// The link a URL elicitation required error carries, for answers that
/// can only be text (one system among the ticket desk's).
pub(super) fn connect_link(error: &ErrorData) -> Option<&str> {
    if error.code != URL_ELICITATION_REQUIRED {
        return None;
    }
    error.data.as_ref()?.pointer("/elicitations/0/url")?.as_str()
}
