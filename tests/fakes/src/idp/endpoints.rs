//! The provider's two routes of the authorization code flow (OpenID Connect
//! Core 1.0 §3.1.2 and §3.1.3, RFC 6749 §4.1, RFC 7636 §4.3 to §4.6); what
//! they keep is in `flow.rs`, what they answer in the module's doc.
//!
//! Parameters sent without a value count as absent, and none may be sent
//! twice (RFC 6749 §3.1 and §3.2).

use super::flow::{SignIn, TokenError, challenge_shaped};
use super::{Alg, Provider, Slot, provider};
use crate::authorization::redirect;
use crate::lock;
use axum::Json;
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use url::{Url, form_urlencoded};

/// How long an ID token is valid, in seconds.
const ID_TOKEN_LIFETIME: i64 = 300;
/// How long an access token is valid, in seconds.
const ACCESS_TOKEN_LIFETIME: u64 = 3600;

/// The page for an unknown `client_id`.
const UNKNOWN_CLIENT_PAGE: &str = "<!DOCTYPE html><html><head><title>Sign-in error</title></head>\
<body><h1>Sign-in error</h1><p>The client_id is not a registered client.</p></body></html>\n";

/// The page for a `redirect_uri` that is not the client's registered one.
const REDIRECT_URI_PAGE: &str = "<!DOCTYPE html><html><head><title>Sign-in error</title></head>\
<body><h1>Sign-in error</h1><p>The redirect_uri is not the one registered for this client.</p></body></html>\n";

/// A request's parameters.
struct Params {
    values: BTreeMap<String, String>,
    /// Whether a parameter was sent more than once.
    repeated: bool,
}

impl Params {
    /// The parameters of a query string or form body.
    fn parse(source: &[u8]) -> Self {
        let mut params = Self { values: BTreeMap::new(), repeated: false };
        for (key, value) in form_urlencoded::parse(source).into_owned() {
            params.repeated |= params.values.insert(key, value).is_some();
        }
        params
    }

    /// Parameter `key`, unless absent or empty.
    fn get(&self, key: &str) -> Option<&str> {
        self.values.get(key).map(String::as_str).filter(|value| !value.is_empty())
    }
}

/// `GET /authorize`: the browser's visit, signed in as `user`.
pub async fn authorize(State(slot): State<Slot>, RawQuery(query): RawQuery) -> Response {
    let provider = provider(&slot);
    let params = Params::parse(query.unwrap_or_default().as_bytes());
    let client_id = params.get("client_id").unwrap_or_default();
    let Some(registered) = lock(&provider.flow).redirect_uri(client_id).map(str::to_owned) else {
        return page(StatusCode::BAD_REQUEST, UNKNOWN_CLIENT_PAGE.to_owned());
    };
    if params.get("redirect_uri") != Some(registered.as_str()) {
        return page(StatusCode::BAD_REQUEST, REDIRECT_URI_PAGE.to_owned());
    }
    let back = Url::parse(&registered).expect("a registered redirect URI is an absolute URL");
    let state = params.get("state");
    if let Some((error, description)) = refusal(&params) {
        return redirect(back, &[("error", error), ("error_description", description)], state);
    }
    let Some(user) = params.get("user") else {
        return page(StatusCode::OK, login_page(&params));
    };
    let code = lock(&provider.flow).issue(SignIn {
        client_id: client_id.to_owned(),
        redirect_uri: registered,
        user: user.to_owned(),
        nonce: params.get("nonce").map(str::to_owned),
        challenge: params.get("code_challenge").unwrap_or_default().to_owned(),
        auth_time: crate::clock::unix_seconds_now(),
    });
    redirect(back, &[("code", &code)], state)
}

/// Why an authorization request from a known client to its redirect URI
/// is refused, if it is: the `error` and its `error_description`.
fn refusal(params: &Params) -> Option<(&'static str, &'static str)> {
    let challenge = params.get("code_challenge");
    if params.repeated {
        Some(("invalid_request", "A parameter is repeated."))
    } else if params.get("response_type").is_none() {
        Some(("invalid_request", "The response_type is missing."))
    } else if params.get("response_type") != Some("code") {
        Some(("unsupported_response_type", "Only the response_type code is supported."))
    } else if !params.get("scope").unwrap_or_default().split(' ').any(|scope| scope == "openid") {
        Some(("invalid_scope", "The scope must include openid."))
    } else if challenge.is_none() {
        Some(("invalid_request", "code challenge required: PKCE is required of public clients."))
    } else if params.get("code_challenge_method") != Some("S256") {
        Some(("invalid_request", "transform algorithm not supported: the code_challenge_method must be S256."))
    } else if !challenge.is_some_and(challenge_shaped) {
        Some(("invalid_request", "The code_challenge is not an S256 challenge."))
    } else {
        None
    }
}

/// The login page: a form that sends the request again with the `user`
/// who signs in.
fn login_page(params: &Params) -> String {
    let hidden: String = params
        .values
        .iter()
        .filter(|(key, _)| *key != "user")
        .map(|(key, value)| format!("<input type=\"hidden\" name=\"{}\" value=\"{}\">", escape(key), escape(value)))
        .collect();
    format!(
        "<!DOCTYPE html><html><head><title>Sign in</title></head><body><h1>Sign in</h1>\
         <form method=\"get\" action=\"/authorize\">{hidden}\
         <label>User <input type=\"text\" name=\"user\" autofocus required></label>\
         <button type=\"submit\">Sign in</button></form></body></html>\n"
    )
}

/// `text` with HTML's special characters escaped.
fn escape(text: &str) -> String {
    text.chars()
        .map(|character| match character {
            '&' => "&amp;".to_owned(),
            '<' => "&lt;".to_owned(),
            '>' => "&gt;".to_owned(),
            '"' => "&quot;".to_owned(),
            '\'' => "&#39;".to_owned(),
            other => other.to_string(),
        })
        .collect()
}

/// `POST /token`: a code for an ID token and an access token.
pub async fn token(State(slot): State<Slot>, headers: HeaderMap, body: Bytes) -> Response {
    let (status, answer) = match exchange(&provider(&slot), &headers, &body) {
        Ok(tokens) => (StatusCode::OK, tokens),
        Err(error) => (StatusCode::BAD_REQUEST, error.body()),
    };
    // RFC 6749 §5.1: a response with tokens is not to be cached.
    (status, [(header::CACHE_CONTROL, "no-store"), (header::PRAGMA, "no-cache")], Json(answer)).into_response()
}

/// The token endpoint's answer to a token request of `headers` and `body`.
fn exchange(provider: &Provider, headers: &HeaderMap, body: &[u8]) -> Result<Value, TokenError> {
    let form = headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split(';').next())
        .is_some_and(|media| media.trim().eq_ignore_ascii_case("application/x-www-form-urlencoded"));
    if !form {
        return Err(TokenError::InvalidRequest("The body must be application/x-www-form-urlencoded."));
    }
    let params = Params::parse(body);
    if params.repeated {
        return Err(TokenError::InvalidRequest("A parameter is repeated."));
    }
    match params.get("grant_type") {
        Some("authorization_code") => {}
        Some(_) => return Err(TokenError::UnsupportedGrantType),
        None => return Err(TokenError::InvalidRequest("The grant_type is missing.")),
    }
    let (Some(code), Some(redirect_uri), Some(client_id), Some(verifier)) =
        (params.get("code"), params.get("redirect_uri"), params.get("client_id"), params.get("code_verifier"))
    else {
        return Err(TokenError::InvalidRequest("The code, redirect_uri, client_id and code_verifier are required."));
    };
    let (sign_in, access_token) = {
        let mut flow = lock(&provider.flow);
        let sign_in = flow.redeem(client_id, code, redirect_uri, verifier)?;
        (sign_in, flow.access_token())
    };
    let issued_at = crate::clock::unix_seconds_now();
    let mut claims = json!({
        "iss": provider.issuer,
        "sub": sign_in.user,
        "aud": sign_in.client_id,
        "iat": issued_at,
        "exp": issued_at + ID_TOKEN_LIFETIME,
        "auth_time": sign_in.auth_time,
    });
    if let Some(nonce) = sign_in.nonce {
        claims["nonce"] = json!(nonce);
    }
    Ok(json!({
        "access_token": access_token,
        "token_type": "Bearer",
        "expires_in": ACCESS_TOKEN_LIFETIME,
        "id_token": provider.sign(Alg::Es256, &claims),
        "scope": "openid",
    }))
}

/// A `text/html` page with `status`.
fn page(status: StatusCode, html: String) -> Response {
    (status, [(header::CONTENT_TYPE, "text/html; charset=utf-8")], html).into_response()
}

#[cfg(test)]
mod tests {
    use super::super::flow::s256;
    use super::super::{Alg, FakeIdp, algorithm};
    use jsonwebtoken::jwk::JwkSet;
    use jsonwebtoken::{DecodingKey, Validation};
    use reqwest::StatusCode;
    use serde_json::{Value, json};
    use std::collections::HashMap;
    use url::{Url, form_urlencoded};

    const CLIENT: &str = "berth-connect";
    const REDIRECT: &str = "https://127.0.0.1:9443/oauth/signin";
    /// RFC 7636, appendix B.
    const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
    const NONCE: &str = "n-0S6_WzA2Mj";

    /// A provider with the test client registered.
    async fn started() -> FakeIdp {
        let idp = FakeIdp::start().await.unwrap();
        idp.register_client(CLIENT, REDIRECT);
        idp
    }

    /// A client that trusts the test CA and follows no redirects, as a test
    /// standing for a browser reads them.
    fn browser() -> reqwest::Client {
        let ca = reqwest::Certificate::from_pem(crate::TestCa::get().pem().as_bytes()).unwrap();
        reqwest::Client::builder().add_root_certificate(ca).redirect(reqwest::redirect::Policy::none()).build().unwrap()
    }

    fn encode(pairs: &[(&str, &str)]) -> String {
        form_urlencoded::Serializer::new(String::new()).extend_pairs(pairs).finish()
    }

    /// The authorization request Berth sends, with `changes` replacing or
    /// (with an empty value) removing its parameters, or adding others.
    fn request(changes: &[(&'static str, &str)]) -> Vec<(&'static str, String)> {
        let mut pairs: Vec<(&'static str, String)> = [
            ("response_type", "code"),
            ("client_id", CLIENT),
            ("redirect_uri", REDIRECT),
            ("scope", "openid"),
            ("state", "st4te"),
            ("nonce", NONCE),
            ("code_challenge", &s256(VERIFIER)),
            ("code_challenge_method", "S256"),
            ("login_hint", "ana"),
        ]
        .map(|(key, value)| (key, value.to_owned()))
        .to_vec();
        for (key, value) in changes {
            pairs.retain(|(known, _)| known != key);
            if !value.is_empty() {
                pairs.push((key, (*value).to_owned()));
            }
        }
        pairs
    }

    /// `GET /authorize` with `pairs`.
    async fn visit(idp: &FakeIdp, pairs: Vec<(&'static str, String)>) -> reqwest::Response {
        let pairs: Vec<(&str, &str)> = pairs.iter().map(|(key, value)| (*key, value.as_str())).collect();
        browser().get(format!("{}/authorize?{}", idp.issuer(), encode(&pairs))).send().await.unwrap()
    }

    /// Where a 302 sends the browser: the URL without its query, and the
    /// query.
    fn sent_back(answer: &reqwest::Response) -> (String, HashMap<String, String>) {
        assert_eq!(answer.status(), StatusCode::FOUND);
        let mut to = Url::parse(answer.headers()["location"].to_str().unwrap()).unwrap();
        let query = to.query_pairs().into_owned().collect();
        to.set_query(None);
        (to.into(), query)
    }

    /// A code for `user`'s sign-in, asked for with `changes`.
    async fn signed_in(idp: &FakeIdp, user: &str, changes: &[(&'static str, &str)]) -> String {
        let (to, query) = sent_back(&visit(idp, [request(changes), vec![("user", user.to_owned())]].concat()).await);
        assert_eq!((to.as_str(), query["state"].as_str(), query.get("error")), (REDIRECT, "st4te", None));
        query["code"].clone()
    }

    /// `POST /token` with `pairs` as a form: the status, `Cache-Control` and
    /// the JSON answer.
    async fn exchange(idp: &FakeIdp, pairs: &[(&str, &str)]) -> (StatusCode, String, Value) {
        let request = browser()
            .post(format!("{}/token", idp.issuer()))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(encode(pairs));
        let answer = request.send().await.unwrap();
        let cache = answer.headers().get("cache-control").map(|value| value.to_str().unwrap().to_owned());
        (answer.status(), cache.unwrap_or_default(), answer.json().await.unwrap())
    }

    /// The token request Berth sends for `code`.
    fn redemption<'a>(code: &'a str, verifier: &'a str, redirect_uri: &'a str) -> [(&'a str, &'a str); 5] {
        [
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", redirect_uri),
            ("client_id", CLIENT),
            ("code_verifier", verifier),
        ]
    }

    async fn json(idp: &FakeIdp, path: &str) -> Value {
        browser().get(format!("{}{path}", idp.issuer())).send().await.unwrap().json().await.unwrap()
    }

    /// The `error` of a refused exchange, checking its shape.
    fn refused((status, cache, body): (StatusCode, String, Value)) -> String {
        assert_eq!((status, cache.as_str()), (StatusCode::BAD_REQUEST, "no-store"), "{body}");
        assert!(body["error_description"].as_str().is_some_and(|text| !text.is_empty()), "{body}");
        body["error"].as_str().unwrap().to_owned()
    }

    #[tokio::test]
    async fn a_person_signs_in_and_the_id_token_verifies_against_the_published_keys() {
        let idp = started().await;
        let issuer = idp.issuer();
        let metadata = json(&idp, "/.well-known/oauth-authorization-server").await;
        assert_eq!(json(&idp, "/.well-known/openid-configuration").await, metadata);
        assert_eq!(
            [
                &metadata["issuer"],
                &metadata["jwks_uri"],
                &metadata["authorization_endpoint"],
                &metadata["token_endpoint"]
            ],
            [
                &json!(issuer),
                &json!(format!("{issuer}/jwks")),
                &json!(format!("{issuer}/authorize")),
                &json!(format!("{issuer}/token"))
            ]
        );
        assert_eq!(
            [
                &metadata["response_types_supported"],
                &metadata["code_challenge_methods_supported"],
                &metadata["id_token_signing_alg_values_supported"],
                &metadata["scopes_supported"],
            ],
            [&json!(["code"]), &json!(["S256"]), &json!(["RS256", "ES256", "EdDSA"]), &json!(["openid"])]
        );

        // The hint names someone else: who signs in is who is in the browser.
        let before = crate::clock::unix_seconds_now();
        let code = signed_in(&idp, "bo", &[("login_hint", "ana"), ("scope", "openid profile")]).await;
        let (status, cache, tokens) = exchange(&idp, &redemption(&code, VERIFIER, REDIRECT)).await;
        assert_eq!((status, cache.as_str()), (StatusCode::OK, "no-store"), "{tokens}");
        assert_eq!(
            (&tokens["token_type"], &tokens["expires_in"], &tokens["scope"]),
            (&json!("Bearer"), &json!(3600), &json!("openid"))
        );
        assert!(tokens["access_token"].as_str().is_some_and(|token| token.len() == 43 && token != code));

        let id_token = tokens["id_token"].as_str().unwrap();
        let header = jsonwebtoken::decode_header(id_token).unwrap();
        assert_eq!(header.kid, Some(idp.kid(Alg::Es256)));
        let set: JwkSet = serde_json::from_value(json(&idp, "/jwks").await).unwrap();
        let key = DecodingKey::from_jwk(set.find(header.kid.as_deref().unwrap()).unwrap()).unwrap();
        let mut validation = Validation::new(algorithm(Alg::Es256));
        validation.set_audience(&[CLIENT]);
        validation.set_issuer(&[&issuer]);
        validation.set_required_spec_claims(&["iss", "sub", "aud", "exp"]);
        let claims = jsonwebtoken::decode::<Value>(id_token, &key, &validation).unwrap().claims;
        assert_eq!(
            [&claims["iss"], &claims["sub"], &claims["aud"], &claims["nonce"]],
            [&json!(issuer), &json!("bo"), &json!(CLIENT), &json!(NONCE)]
        );
        let (iat, exp, auth_time) =
            (claims["iat"].as_i64().unwrap(), claims["exp"].as_i64(), claims["auth_time"].as_i64());
        assert_eq!(exp, Some(iat + 300));
        assert!(auth_time.is_some_and(|auth_time| before <= auth_time && auth_time <= iat), "{claims}");

        let without_nonce = signed_in(&idp, "ana", &[("nonce", "")]).await;
        let (_, _, tokens) = exchange(&idp, &redemption(&without_nonce, VERIFIER, REDIRECT)).await;
        let claims = jsonwebtoken::decode::<Value>(tokens["id_token"].as_str().unwrap(), &key, &validation).unwrap();
        assert_eq!((&claims.claims["sub"], claims.claims.get("nonce")), (&json!("ana"), None));
        assert_eq!(idp.sign_ins(), ["bo", "ana"]);
    }

    #[tokio::test]
    async fn refused_exchanges_are_rfc_6749_errors() {
        let idp = started().await;
        idp.register_client("another-client", "https://127.0.0.1:9443/elsewhere");

        let used = signed_in(&idp, "ana", &[]).await;
        assert_eq!(exchange(&idp, &redemption(&used, VERIFIER, REDIRECT)).await.0, StatusCode::OK);
        assert_eq!(refused(exchange(&idp, &redemption(&used, VERIFIER, REDIRECT)).await), "invalid_grant", "reused");

        let other_verifier = "another-verifier-entirely-and-43-characters-long";
        let wrong_verifier = signed_in(&idp, "ana", &[]).await;
        let answer = exchange(&idp, &redemption(&wrong_verifier, other_verifier, REDIRECT)).await;
        assert_eq!(refused(answer), "invalid_grant", "wrong verifier");
        let answer = exchange(&idp, &redemption(&wrong_verifier, VERIFIER, REDIRECT)).await;
        assert_eq!(refused(answer), "invalid_grant", "a failed exchange spends the code");

        let elsewhere = signed_in(&idp, "ana", &[]).await;
        let answer = exchange(&idp, &redemption(&elsewhere, VERIFIER, "https://127.0.0.1:9443/oauth/signin/")).await;
        assert_eq!(refused(answer), "invalid_grant", "wrong redirect_uri");

        let theirs = signed_in(&idp, "ana", &[]).await;
        let mut pairs = redemption(&theirs, VERIFIER, REDIRECT);
        pairs[3].1 = "another-client";
        assert_eq!(refused(exchange(&idp, &pairs).await), "invalid_grant", "another client's code");

        let code = signed_in(&idp, "ana", &[]).await;
        let mut pairs = redemption(&code, VERIFIER, REDIRECT);
        pairs[3].1 = "nobody-registered";
        assert_eq!(refused(exchange(&idp, &pairs).await), "invalid_client");
        let mut pairs = redemption(&code, VERIFIER, REDIRECT);
        pairs[0].1 = "refresh_token";
        assert_eq!(refused(exchange(&idp, &pairs).await), "unsupported_grant_type");
        for missing in 0..5 {
            let pairs = redemption(&code, VERIFIER, REDIRECT);
            let mut pairs = pairs.to_vec();
            pairs.remove(missing);
            assert_eq!(refused(exchange(&idp, &pairs).await), "invalid_request", "without {missing}");
        }
        let twice = [&redemption(&code, VERIFIER, REDIRECT)[..], &[("code", code.as_str())]].concat();
        assert_eq!(refused(exchange(&idp, &twice).await), "invalid_request", "a repeated parameter");
        let as_json = browser()
            .post(format!("{}/token", idp.issuer()))
            .header("content-type", "application/json")
            .body(json!({"grant_type": "authorization_code", "code": code}).to_string())
            .send()
            .await
            .unwrap();
        assert_eq!(as_json.status(), StatusCode::BAD_REQUEST);
        assert_eq!(as_json.json::<Value>().await.unwrap()["error"], "invalid_request");

        assert_eq!(exchange(&idp, &redemption(&code, VERIFIER, REDIRECT)).await.0, StatusCode::OK, "code unspent");
        assert_eq!(idp.sign_ins(), ["ana", "ana"]);
    }

    #[tokio::test]
    async fn authorize_refuses_on_a_page_or_back_at_the_client() {
        let idp = started().await;
        let page_only = async |changes: &[(&'static str, &str)]| {
            let answer = visit(&idp, [request(changes), vec![("user", "ana".to_owned())]].concat()).await;
            let content_type = answer.headers()["content-type"].to_str().unwrap().to_owned();
            assert_eq!(answer.headers().get("location"), None, "{changes:?}: never a redirect");
            assert!(answer.status() == StatusCode::BAD_REQUEST && content_type.starts_with("text/html"), "{changes:?}");
        };
        page_only(&[("client_id", "stranger")]).await;
        page_only(&[("client_id", "")]).await;
        for elsewhere in [
            "https://attacker.example/oauth/signin",
            "https://127.0.0.1:9443/oauth/signin/",
            "https://127.0.0.1:9443/oauth/signin?x=1",
            "http://127.0.0.1:9443/oauth/signin",
            "",
        ] {
            page_only(&[("redirect_uri", elsewhere)]).await;
        }

        let refusal = async |changes: &[(&'static str, &str)]| {
            let (to, query) =
                sent_back(&visit(&idp, [request(changes), vec![("user", "ana".to_owned())]].concat()).await);
            assert_eq!((to.as_str(), query["state"].as_str(), query.get("code")), (REDIRECT, "st4te", None));
            assert!(!query["error_description"].is_empty());
            query["error"].clone()
        };
        assert_eq!(refusal(&[("code_challenge", ""), ("code_challenge_method", "")]).await, "invalid_request");
        assert_eq!(refusal(&[("code_challenge", "")]).await, "invalid_request");
        assert_eq!(refusal(&[("code_challenge_method", "plain")]).await, "invalid_request");
        assert_eq!(refusal(&[("code_challenge_method", "")]).await, "invalid_request", "absent means plain");
        assert_eq!(
            refusal(&[("code_challenge", "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM=")]).await,
            "invalid_request",
            "padded"
        );
        assert_eq!(refusal(&[("response_type", "")]).await, "invalid_request");
        assert_eq!(refusal(&[("response_type", "token")]).await, "unsupported_response_type");
        assert_eq!(refusal(&[("scope", "profile email")]).await, "invalid_scope");
        assert_eq!(refusal(&[("scope", "")]).await, "invalid_scope");
        let twice =
            visit(&idp, [request(&[]), vec![("nonce", "again".to_owned()), ("user", "ana".to_owned())]].concat());
        assert_eq!(sent_back(&twice.await).1["error"], "invalid_request", "a repeated parameter");

        let stateless =
            visit(&idp, [request(&[("state", ""), ("scope", "")]), vec![("user", "ana".to_owned())]].concat());
        let (_, query) = sent_back(&stateless.await);
        assert_eq!((query["error"].as_str(), query.get("state")), ("invalid_scope", None));
        assert_eq!(idp.sign_ins(), Vec::<String>::new());
    }

    #[tokio::test]
    async fn without_a_user_the_login_page_asks_who_signs_in() {
        let idp = started().await;
        let answer = visit(&idp, request(&[("state", "a\"<b>&c")])).await;
        assert_eq!((answer.status(), answer.headers().get("location")), (StatusCode::OK, None));
        assert!(answer.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
        let page = answer.text().await.unwrap();
        assert!(page.contains("<form method=\"get\" action=\"/authorize\">"), "{page}");
        assert!(page.contains("name=\"user\""), "{page}");
        assert!(page.contains("<input type=\"hidden\" name=\"state\" value=\"a&quot;&lt;b&gt;&amp;c\">"), "{page}");
        assert!(page.contains(&format!("name=\"code_challenge\" value=\"{}\"", s256(VERIFIER))), "{page}");

        let empty_user = visit(&idp, [request(&[]), vec![("user", String::new())]].concat()).await;
        assert_eq!(empty_user.status(), StatusCode::OK, "an empty user is no user");
        assert_eq!(empty_user.text().await.unwrap().matches("name=\"user\"").count(), 1, "asked for once");
        let refused = visit(&idp, request(&[("scope", "profile")])).await;
        assert_eq!(refused.status(), StatusCode::FOUND, "the request is checked before anyone signs in");
    }
}
