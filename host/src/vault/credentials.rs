//! Credential schemes and how the host applies them to a request. The guest
//! names a credential; the host turns it into headers, only for the origins
//! the credential is bound to, and knows every secret string so it can
//! redact them from responses.

pub use super::redact::{MIN_REDACTED_LEN, Redactor};
use crate::upstream::HopHeaders;
use base64::Engine;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::Arc;
use url::Url;
use zeroize::Zeroizing;

/// How a credential authenticates. The non-secret parameters live here; the
/// secret parts are stored encrypted beside them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "scheme", rename_all = "kebab-case")]
pub enum Scheme {
    /// `Authorization: Basic base64(username:password)`; secret: `password`.
    Basic {
        /// User name.
        username: String,
    },
    /// `Authorization: Bearer <token>`; secret: `token`.
    Bearer,
    /// `<header>: <value>`; secret: `value`.
    ApiKey {
        /// Header name, e.g. `X-Api-Key`.
        header: String,
    },
    /// Header templates such as `Cookie=JSESSIONID={session_id}`; secrets:
    /// one value per placeholder.
    Headers {
        /// (header name, template) pairs.
        templates: Vec<(String, String)>,
    },
    /// OAuth2 client-credentials grant; secret: `client_secret`.
    Oauth2ClientCredentials {
        /// Token endpoint (must be inside the plugin's egress).
        token_url: String,
        /// Client id.
        client_id: String,
        /// Requested scope.
        scope: Option<String>,
    },
    /// A key the plugin signs with through `secrets` (the host computes the
    /// HMAC); never attached to a request. Secret: `key`, high-entropy (see
    /// [`crate::vault::VaultSettings::min_signing_key_bytes`]).
    SigningKey,
    /// The secret an upstream signs its webhooks with (or sends as a shared
    /// secret), stored under the reserved name [`WEBHOOK_SECRET_NAME`]. The
    /// host checks deliveries with it before any plugin sees them; it is
    /// never attached to a request and never signs for a plugin. Secret:
    /// `secret`, high-entropy like a signing key.
    WebhookSecret,
    /// OAuth2 refresh-token grant; secrets: `refresh_token` and
    /// `client_secret` (empty for public clients).
    Oauth2RefreshToken {
        /// Token endpoint (must be inside the plugin's egress).
        token_url: String,
        /// Client id.
        client_id: String,
        /// How the token is sent, e.g. `Zoho-oauthtoken {token}`; default `Bearer {token}`.
        header_format: Option<String>,
    },
    /// OAuth2 authorization code grant with PKCE, for each person on their
    /// own: every principal connects their own upstream account through
    /// Berth's `/oauth/connect` page, and calls act upstream as them. The
    /// tenant's row holds the OAuth client; secret: `client_secret`. Each
    /// person's tokens are stored under their principal
    /// ([`super::user_tokens`]), never shared with another.
    Oauth2AuthorizationCode {
        /// Where people approve the client (query parameters it carries,
        /// such as Atlassian's `audience`, are kept).
        authorize_url: String,
        /// Token endpoint (must be inside the plugin's egress).
        token_url: String,
        /// Client id.
        client_id: String,
        /// Requested scope.
        scope: Option<String>,
        /// How the token is sent; default `Bearer {token}`.
        header_format: Option<String>,
    },
}

impl Scheme {
    /// The scheme's name as the CLI spells it.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Basic { .. } => "basic",
            Self::Bearer => "bearer",
            Self::ApiKey { .. } => "api-key",
            Self::Headers { .. } => "headers",
            Self::Oauth2ClientCredentials { .. } => "oauth2-client-credentials",
            Self::Oauth2RefreshToken { .. } => "oauth2-refresh-token",
            Self::Oauth2AuthorizationCode { .. } => "oauth2-authorization-code",
            Self::SigningKey => "signing-key",
            Self::WebhookSecret => "webhook-secret",
        }
    }

    /// Whether the scheme needs a token from a token endpoint.
    pub fn is_oauth(&self) -> bool {
        matches!(
            self,
            Self::Oauth2ClientCredentials { .. }
                | Self::Oauth2RefreshToken { .. }
                | Self::Oauth2AuthorizationCode { .. }
        )
    }

    /// Whether each person uses their own account through it.
    pub fn is_per_user(&self) -> bool {
        matches!(self, Self::Oauth2AuthorizationCode { .. })
    }

    /// The token endpoint of an OAuth2 scheme.
    pub fn token_url(&self) -> Option<&str> {
        match self {
            Self::Oauth2ClientCredentials { token_url, .. }
            | Self::Oauth2RefreshToken { token_url, .. }
            | Self::Oauth2AuthorizationCode { token_url, .. } => Some(token_url),
            _ => None,
        }
    }

    /// The secret parts this scheme needs, in the order the CLI reads them
    /// from stdin.
    pub fn secret_parts(&self) -> Vec<String> {
        match self {
            Self::Basic { .. } => vec!["password".to_owned()],
            Self::Bearer => vec!["token".to_owned()],
            Self::ApiKey { .. } => vec!["value".to_owned()],
            Self::Headers { templates } => {
                let mut keys: Vec<String> = templates.iter().flat_map(|(_, template)| placeholders(template)).collect();
                keys.dedup();
                keys
            }
            Self::Oauth2ClientCredentials { .. } | Self::Oauth2AuthorizationCode { .. } => {
                vec!["client_secret".to_owned()]
            }
            Self::Oauth2RefreshToken { .. } => vec!["refresh_token".to_owned(), "client_secret".to_owned()],
            Self::SigningKey => vec!["key".to_owned()],
            Self::WebhookSecret => vec!["secret".to_owned()],
        }
    }
}

/// How a manifest declares a signing key: a credential need whose name ends
/// in this (`webhook-signing-key`). `secrets` offers HMAC only on those, so
/// a plugin can never turn a password, token or client secret into an
/// oracle for guessing it offline. A name in the existing `credential-need`
/// record keeps every 0.1 component loading.
pub const SIGNING_KEY_SUFFIX: &str = "-signing-key";

/// Whether a manifest's credential need `name` declares a signing key.
pub fn is_signing_key_name(name: &str) -> bool {
    name.len() > SIGNING_KEY_SUFFIX.len() && name.ends_with(SIGNING_KEY_SUFFIX)
}

/// The name a tenant's webhook secret for a plugin is stored under; no
/// other scheme may use it, and it may hold no other scheme.
pub const WEBHOOK_SECRET_NAME: &str = "webhook";

/// Whether the credential is never sent anywhere: a signing key or a
/// webhook secret, which have no origins to be bound to.
pub fn is_never_sent(scheme: &Scheme) -> bool {
    matches!(scheme, Scheme::SigningKey | Scheme::WebhookSecret)
}

/// The names inside `{...}` in `template`.
pub fn placeholders(template: &str) -> Vec<String> {
    template.split('{').skip(1).filter_map(|rest| rest.split_once('}').map(|(key, _)| key.to_owned())).collect()
}

/// One person's tokens for a per-user credential, as their authorization
/// granted them.
#[derive(Clone)]
pub struct UserToken {
    /// Which connection they belong to: random, made when the person
    /// connected and kept through renewals, so that a token cached for an
    /// earlier connection is never sent for a later one.
    pub connection: String,
    /// The access token.
    pub access_token: Zeroizing<String>,
    /// The refresh token, if the authorization server issued one.
    pub refresh_token: Option<Zeroizing<String>>,
    /// When the access token expires, Unix ms; `None` when the grant named
    /// no lifetime (a GitHub OAuth app's tokens never expire).
    pub expires_at_ms: Option<i64>,
}

/// A per-user credential's tokens for one call: whose they are, and what
/// they were when the call started.
#[derive(Clone)]
pub struct UserGrant {
    /// The principal they belong to, as the audit log names it.
    pub principal: Arc<str>,
    /// The tokens.
    pub token: UserToken,
}

/// A credential ready to use for one call: its scheme, its decrypted secret
/// parts, and the origins it may be sent to.
#[derive(Clone)]
pub struct Credential {
    /// Name the plugin uses.
    pub name: String,
    /// How it authenticates.
    pub scheme: Scheme,
    /// Origins (`scheme://host:port`) the headers may be sent to.
    pub bound_origins: Vec<String>,
    /// Secret parts by name.
    pub secrets: BTreeMap<String, Zeroizing<String>>,
    /// For a per-user scheme, the calling person's tokens; `None` outside a
    /// call by a connected person.
    pub user: Option<UserGrant>,
}

impl Credential {
    /// The headers this credential sets; an OAuth2 credential needs its
    /// current access `token`.
    pub fn headers(&self, token: Option<&str>) -> Vec<(String, String)> {
        let secret = |part: &str| self.secrets.get(part).map(|value| value.as_str()).unwrap_or_default();
        match &self.scheme {
            Scheme::Basic { username } => {
                let encoded =
                    base64::engine::general_purpose::STANDARD.encode(format!("{username}:{}", secret("password")));
                vec![("authorization".to_owned(), format!("Basic {encoded}"))]
            }
            Scheme::Bearer => vec![("authorization".to_owned(), format!("Bearer {}", secret("token")))],
            Scheme::ApiKey { header } => vec![(header.to_ascii_lowercase(), secret("value").to_owned())],
            Scheme::Headers { templates } => templates
                .iter()
                .map(|(name, template)| {
                    let value = self
                        .secrets
                        .iter()
                        .fold(template.clone(), |value, (key, secret)| value.replace(&format!("{{{key}}}"), secret));
                    (name.to_ascii_lowercase(), value)
                })
                .collect(),
            Scheme::SigningKey | Scheme::WebhookSecret => Vec::new(),
            Scheme::Oauth2ClientCredentials { .. }
            | Scheme::Oauth2RefreshToken { .. }
            | Scheme::Oauth2AuthorizationCode { .. } => {
                let Some(token) = token else { return Vec::new() };
                let format = match &self.scheme {
                    Scheme::Oauth2RefreshToken { header_format: Some(format), .. }
                    | Scheme::Oauth2AuthorizationCode { header_format: Some(format), .. } => format.as_str(),
                    _ => "Bearer {token}",
                };
                vec![("authorization".to_owned(), format.replace("{token}", token))]
            }
        }
    }

    /// Every string that must never reach the guest: the secret parts and
    /// the header values derived from them, each with the length of its
    /// leading part that is no secret (see
    /// [`super::redact::Redactor::with_public_prefixes`]).
    pub fn sensitive_values(&self) -> Vec<(String, usize)> {
        let mut values: Vec<(String, usize)> = self.secrets.values().map(|value| (value.to_string(), 0)).collect();
        if let Some(user) = &self.user {
            let token = &user.token;
            values.extend(token.refresh_token.iter().chain([&token.access_token]).map(|value| (value.to_string(), 0)));
        }
        values.extend(self.headers(None).into_iter().map(|(_, value)| (value, 0)));
        if let Scheme::Basic { username } = &self.scheme {
            values.extend(
                self.headers(None)
                    .into_iter()
                    .filter_map(|(_, value)| value.strip_prefix("Basic ").map(|token| (token.to_owned(), 0))),
            );
            // `user:pass` itself, whose encodings the redactor also covers.
            // Its `user:` is no secret: the user name is often the account's
            // own e-mail address, which upstream answers name (Zendesk's
            // `{email}/token`), so only an echo reaching the password is cut.
            let password = self.secrets.get("password").map(|value| value.as_str()).unwrap_or_default();
            values.push((format!("{username}:{password}"), username.len() + 1));
        }
        values
    }

    /// The secret webhooks are checked with: only a webhook secret has one.
    pub fn webhook_secret(&self) -> Option<&str> {
        match self.scheme {
            Scheme::WebhookSecret => self.secrets.get("secret").map(|value| value.as_str()),
            _ => None,
        }
    }

    /// The key `secrets` handles sign with: only a signing key has one.
    pub fn signing_key(&self) -> Option<&str> {
        match self.scheme {
            Scheme::SigningKey => self.secrets.get("key").map(|value| value.as_str()),
            _ => None,
        }
    }
}

/// Shows everything but the secret values.
impl std::fmt::Debug for Credential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credential")
            .field("name", &self.name)
            .field("scheme", &self.scheme)
            .field("bound_origins", &self.bound_origins)
            .field("secrets", &self.secrets.keys().collect::<Vec<_>>())
            .field("user", &self.user.as_ref().map(|user| &user.principal))
            .finish()
    }
}

/// A credential with its current token, as attached to one request.
pub struct Applied<'a> {
    /// The credential.
    pub credential: &'a Credential,
    /// Its OAuth2 access token, if it has one.
    pub token: Option<&'a str>,
}

impl HopHeaders for Applied<'_> {
    fn headers_for(&self, url: &Url) -> Vec<(String, String)> {
        let origin = crate::policy::egress::origin_of(url);
        if self.credential.bound_origins.iter().any(|bound| bound.eq_ignore_ascii_case(&origin)) {
            self.credential.headers(self.token)
        } else {
            Vec::new()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn credential(scheme: Scheme, secrets: &[(&str, &str)]) -> Credential {
        Credential {
            name: "c".into(),
            scheme,
            bound_origins: vec!["https://api.example:443".into()],
            secrets: secrets.iter().map(|(key, value)| (key.to_string(), Zeroizing::new(value.to_string()))).collect(),
            user: None,
        }
    }

    #[test]
    fn each_scheme_produces_its_headers() {
        let basic = credential(Scheme::Basic { username: "admin".into() }, &[("password", "hunter2")]);
        assert_eq!(basic.headers(None), [("authorization".to_owned(), "Basic YWRtaW46aHVudGVyMg==".to_owned())]);
        let bearer = credential(Scheme::Bearer, &[("token", "tok-123")]);
        assert_eq!(bearer.headers(None), [("authorization".to_owned(), "Bearer tok-123".to_owned())]);
        let key = credential(Scheme::ApiKey { header: "X-Api-Key".into() }, &[("value", "k-1")]);
        assert_eq!(key.headers(None), [("x-api-key".to_owned(), "k-1".to_owned())]);
        let templates =
            vec![("Cookie".into(), "JSESSIONID={session_id}".into()), ("X-UserToken".into(), "{user_token}".into())];
        let session = credential(Scheme::Headers { templates }, &[("session_id", "s-9"), ("user_token", "u-7")]);
        assert_eq!(
            session.headers(None),
            [("cookie".to_owned(), "JSESSIONID=s-9".to_owned()), ("x-usertoken".to_owned(), "u-7".to_owned())]
        );
        assert_eq!(session.scheme.secret_parts(), ["session_id", "user_token"]);
    }

    #[test]
    fn headers_go_only_to_bound_origins() {
        let bearer = credential(Scheme::Bearer, &[("token", "tok-123")]);
        let applied = Applied { credential: &bearer, token: None };
        assert_eq!(applied.headers_for(&Url::parse("https://api.example/v1").unwrap()).len(), 1);
        assert!(applied.headers_for(&Url::parse("https://evil.example/v1").unwrap()).is_empty());
        assert!(applied.headers_for(&Url::parse("http://api.example/v1").unwrap()).is_empty());
    }

    #[test]
    fn secrets_and_derived_values_are_redacted() {
        let basic = credential(Scheme::Basic { username: "admin".into() }, &[("password", "hunter2")]);
        let body = b"you sent Basic YWRtaW46aHVudGVyMg== and hunter2, admin:hunter2!";
        let values = basic.sensitive_values();
        let redactor = Redactor::with_public_prefixes(values.iter().map(|(value, public)| (value.as_str(), *public)));
        let redacted = String::from_utf8(redactor.redact(body)).unwrap();
        assert!(!redacted.contains("hunter2") && !redacted.contains("YWRtaW46aHVudGVyMg=="), "{redacted}");
        assert_eq!(redacted, "you sent [REDACTED] and [REDACTED], [REDACTED]!");
    }

    #[test]
    fn the_user_name_of_basic_auth_is_not_redacted() {
        let basic =
            credential(Scheme::Basic { username: "li.wei@example.com/token".into() }, &[("password", "6wiIBWbGk")]);
        let values = basic.sensitive_values();
        let redactor = Redactor::with_public_prefixes(values.iter().map(|(value, public)| (value.as_str(), *public)));
        let body = br#"{"email":"li.wei@example.com","name":"Li Wei"}"#;
        assert_eq!(redactor.redact(body), body.to_vec());
    }
}
