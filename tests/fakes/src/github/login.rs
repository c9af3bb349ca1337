//! github.com's two pages of the OAuth web application flow. github.com
//! serves them, not api.github.com, so they pass none of the API's checks
//! (no `User-Agent` or API version needed, no rate limit); the fake serves
//! them on its one origin beside the API.
//!
//! - `GET /login/oauth/authorize?client_id=&redirect_uri=&scope=&state=
//!   &code_challenge=&code_challenge_method=&login=&allow_signup=` stands
//!   for the browser's visit. An unknown `client_id` is a 404 page. A
//!   `redirect_uri` that is not the registered callback URL or below it
//!   (absent means the callback) sends the person to the callback with
//!   `error=redirect_uri_mismatch`. A `code_challenge` needs
//!   `code_challenge_method=S256` (GitHub supports only S256), else 400.
//!   Who signs in is `login` (on GitHub only a suggestion; here it is who
//!   is in the browser), by default the fake's [`super::Options::login`];
//!   a login that is not a seeded user is a 404 page. The person approves
//!   (302 to `redirect_uri?code=…&state=…`) unless
//!   [`super::FakeGitHub::deny_authorization`] makes them deny (302 with
//!   `error=access_denied`). `state` comes back as given; `scope` is
//!   granted as asked, written comma-separated as GitHub does;
//!   `allow_signup` changes nothing.
//! - `POST /login/oauth/access_token` takes its parameters form-encoded in
//!   the body, as JSON (`Content-Type: application/json`) or in the query
//!   string, and the client's credentials also as HTTP Basic. Without
//!   `grant_type` or with `authorization_code`: `client_id`,
//!   `client_secret`, `code`, `redirect_uri` (if given, the one the code
//!   was issued for) and `code_verifier` (when the code has a challenge);
//!   with `refresh_token`: `client_id`, `client_secret`, `refresh_token`.
//!   The answer is JSON with `Accept: application/json`, else
//!   `application/x-www-form-urlencoded`, GitHub's default (XML is not
//!   served); refusals are status **200** with `error`,
//!   `error_description` and `error_uri`.

use super::oauth::{Approval, TokenError};
use super::{Account, lock};
use crate::authorization::redirect;
use axum::Json;
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::Value;
use std::collections::HashMap;
use std::sync::Arc;
use url::form_urlencoded;

/// github.com's 404 page, in short.
const NOT_FOUND_PAGE: &str = "<!DOCTYPE html><html><head><title>Page not found · GitHub</title></head>\
<body><h1>404</h1><p>This is not the web page you are looking for.</p></body></html>\n";

/// The page for a `code_challenge` without `code_challenge_method=S256`.
const S256_ONLY_PAGE: &str = "<!DOCTYPE html><html><head><title>Bad request · GitHub</title></head>\
<body><p>The code_challenge_method must be S256: GitHub supports only S256 for PKCE.</p></body></html>\n";

/// The redirect for a `redirect_uri` that is not the callback URL or below
/// it.
const REDIRECT_URI_MISMATCH: [(&str, &str); 3] = [
    ("error", "redirect_uri_mismatch"),
    ("error_description", "The redirect_uri MUST match the registered callback URL for this application."),
    (
        "error_uri",
        "https://docs.github.com/apps/managing-oauth-apps/troubleshooting-authorization-request-errors/#redirect-uri-mismatch",
    ),
];

/// The redirect when the person denies the app.
const ACCESS_DENIED: [(&str, &str); 3] = [
    ("error", "access_denied"),
    ("error_description", "The user has denied your application access."),
    (
        "error_uri",
        "https://docs.github.com/apps/managing-oauth-apps/troubleshooting-authorization-request-errors/#access-denied",
    ),
];

/// A request's parameters; an empty value counts as absent.
struct Params(HashMap<String, String>);

impl Params {
    /// The parameters of a query string or form body.
    fn form(&mut self, source: &[u8]) {
        self.0.extend(form_urlencoded::parse(source).into_owned());
    }

    /// Parameter `key`, unless absent or empty.
    fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).map(String::as_str).filter(|value| !value.is_empty())
    }
}

/// `GET /login/oauth/authorize`: the person's visit, approved or denied at
/// once.
pub async fn authorize(State(account): State<Arc<Account>>, RawQuery(query): RawQuery) -> Response {
    let mut params = Params(HashMap::new());
    params.form(query.unwrap_or_default().as_bytes());
    let state = params.get("state");
    let Some(app) = lock(&account.oauth).app(params.get("client_id").unwrap_or_default()).cloned() else {
        return page(StatusCode::NOT_FOUND, NOT_FOUND_PAGE);
    };
    let (redirect_uri, target) = match params.get("redirect_uri") {
        None => (app.callback_url.as_str(), app.callback()),
        Some(uri) => match app.allowed(uri) {
            Some(target) => (uri, target),
            None => return redirect(app.callback(), &REDIRECT_URI_MISMATCH, state),
        },
    };
    let challenge = params.get("code_challenge");
    if challenge.is_some() && params.get("code_challenge_method") != Some("S256") {
        return page(StatusCode::BAD_REQUEST, S256_ONLY_PAGE);
    }
    let wanted = params.get("login").unwrap_or(&account.options.login);
    let Some(login) = lock(&account.store).user(wanted).map(|user| user.login.clone()) else {
        return page(StatusCode::NOT_FOUND, NOT_FOUND_PAGE);
    };
    let mut oauth = lock(&account.oauth);
    if oauth.denies() {
        return redirect(target, &ACCESS_DENIED, state);
    }
    let scope = params.get("scope").unwrap_or_default();
    let code = oauth.approve(Approval {
        client_id: app.client_id.clone(),
        redirect_uri: redirect_uri.to_owned(),
        login,
        scope: scope.split([' ', ',']).filter(|scope| !scope.is_empty()).collect::<Vec<_>>().join(","),
        challenge: challenge.map(str::to_owned),
    });
    redirect(target, &[("code", &code)], state)
}

/// `POST /login/oauth/access_token`: a code or a refresh token for a new
/// pair of tokens.
pub async fn access_token(
    State(account): State<Arc<Account>>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let params = token_params(query.as_deref(), &headers, &body);
    let (id, secret) = (params.get("client_id").unwrap_or_default(), params.get("client_secret").unwrap_or_default());
    let outcome = {
        let mut oauth = lock(&account.oauth);
        match params.get("grant_type") {
            None | Some("authorization_code") => oauth.redeem(
                id,
                secret,
                params.get("code").unwrap_or_default(),
                params.get("redirect_uri"),
                params.get("code_verifier"),
            ),
            Some("refresh_token") => oauth.refresh(id, secret, params.get("refresh_token").unwrap_or_default()),
            Some(_) => Err(TokenError::UnsupportedGrantType),
        }
    };
    let fields = match outcome {
        Ok(issued) => issued.fields(),
        Err(error) => error.fields(),
    };
    if wants_json(&headers) {
        return Json(Value::Object(fields.into_iter().map(|(key, value)| (key.to_owned(), value)).collect()))
            .into_response();
    }
    let mut form = form_urlencoded::Serializer::new(String::new());
    for (key, value) in fields {
        match value {
            Value::String(text) => form.append_pair(key, &text),
            other => form.append_pair(key, &other.to_string()),
        };
    }
    ([(header::CONTENT_TYPE, "application/x-www-form-urlencoded; charset=utf-8")], form.finish()).into_response()
}

/// The token request's parameters: the query string, then the body (a form
/// or a JSON object), then the client's HTTP Basic credentials for any
/// the others left out.
fn token_params(query: Option<&str>, headers: &HeaderMap, body: &[u8]) -> Params {
    let mut params = Params(HashMap::new());
    params.form(query.unwrap_or_default().as_bytes());
    let json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| media_type(value) == "application/json");
    if json && let Ok(Value::Object(object)) = serde_json::from_slice::<Value>(body) {
        params.0.extend(object.into_iter().filter_map(|(key, value)| Some((key, value.as_str()?.to_owned()))));
    } else {
        params.form(body);
    }
    if let Some((id, secret)) = crate::basic_credentials(headers) {
        params.0.entry("client_id".to_owned()).or_insert(id);
        params.0.entry("client_secret".to_owned()).or_insert(secret);
    }
    params
}

/// Whether `Accept` names `application/json`.
fn wants_json(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .any(|range| media_type(range) == "application/json")
}

/// The media type of a `Content-Type` or `Accept` entry, without
/// parameters, lowercased.
fn media_type(value: &str) -> String {
    value.split(';').next().unwrap_or_default().trim().to_ascii_lowercase()
}

/// A `text/html` page with `status`.
fn page(status: StatusCode, html: &'static str) -> Response {
    (status, [(header::CONTENT_TYPE, "text/html; charset=utf-8")], html).into_response()
}

#[cfg(test)]
mod tests {
    use super::super::oauth::s256;
    use super::super::testing::{Answer, Harness};
    use super::super::{Grant, GrantKind, LOGIN, OAuthApp, OTHER_LOGIN};
    use reqwest::{Method, StatusCode};
    use serde_json::{Value, json};
    use std::collections::HashMap;
    use std::time::Duration;
    use url::form_urlencoded;

    const CLIENT_ID: &str = "Iv23liBerthTest";
    const SECRET: &str = "0f3c9b0e7d5a4c2b1a0f9e8d7c6b5a4f3e2d1c0b";
    const CALLBACK: &str = "https://127.0.0.1:9443/oauth/callback/github";
    const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";

    /// A fake with the test app registered as `app` says.
    async fn started(app: OAuthApp) -> Harness {
        let gh = Harness::start().await;
        gh.fake.register_oauth_app(app);
        gh
    }

    fn app() -> OAuthApp {
        OAuthApp::new(CLIENT_ID, SECRET, CALLBACK)
    }

    fn encode(pairs: &[(&str, &str)]) -> String {
        form_urlencoded::Serializer::new(String::new()).extend_pairs(pairs).finish()
    }

    /// The browser's visit, with `pairs` as the query (and none of an API
    /// client's headers, not even `User-Agent`).
    async fn visit(gh: &Harness, pairs: &[(&str, &str)]) -> Answer {
        Harness::answer(gh.request(Method::GET, &format!("/login/oauth/authorize?{}", encode(pairs)))).await
    }

    /// Where a 302 sends the browser: the URL before the query, and the
    /// query's parameters.
    fn sent_back(answer: &Answer) -> (String, HashMap<String, String>) {
        assert_eq!(answer.status, StatusCode::FOUND, "{}", answer.text);
        let (to, query) = answer.header("location").split_once('?').unwrap();
        (to.to_owned(), form_urlencoded::parse(query.as_bytes()).into_owned().collect())
    }

    /// A code `login` (or the default person) approved, with PKCE.
    async fn approved_code(gh: &Harness, login: Option<&str>) -> String {
        let challenge = s256(VERIFIER);
        let mut pairs = vec![
            ("client_id", CLIENT_ID),
            ("redirect_uri", CALLBACK),
            ("scope", "repo read:org"),
            ("state", "st4te"),
            ("code_challenge", &challenge),
            ("code_challenge_method", "S256"),
            ("allow_signup", "false"),
        ];
        pairs.extend(login.map(|login| ("login", login)));
        let (to, query) = sent_back(&visit(gh, &pairs).await);
        assert_eq!((to.as_str(), query["state"].as_str()), (CALLBACK, "st4te"));
        query["code"].clone()
    }

    /// The token endpoint with a form body and `Accept: application/json`.
    async fn exchange(gh: &Harness, pairs: &[(&str, &str)]) -> Answer {
        let request = gh
            .request(Method::POST, "/login/oauth/access_token")
            .header("accept", "application/json")
            .header("content-type", "application/x-www-form-urlencoded")
            .body(encode(pairs));
        Harness::answer(request).await
    }

    /// `code` exchanged with the right credentials and verifier.
    async fn redeem(gh: &Harness, code: &str) -> Value {
        let answer = exchange(
            gh,
            &[
                ("client_id", CLIENT_ID),
                ("client_secret", SECRET),
                ("code", code),
                ("redirect_uri", CALLBACK),
                ("code_verifier", VERIFIER),
            ],
        )
        .await;
        assert_eq!((answer.status, answer.body["error"].as_str()), (StatusCode::OK, None), "{}", answer.text);
        assert_eq!(answer.header("x-ratelimit-limit"), "", "github.com's pages are outside the API's checks");
        answer.body
    }

    async fn refresh(gh: &Harness, refresh_token: &str) -> Answer {
        let pairs = [
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token),
            ("client_id", CLIENT_ID),
            ("client_secret", SECRET),
        ];
        exchange(gh, &pairs).await
    }

    /// Who `GET /user` says `token` is, or the refusal's status.
    async fn whoami(gh: &Harness, token: &str) -> Result<String, (StatusCode, String)> {
        let me = gh.call("GET", "/user", Some(token), None).await;
        match me.status {
            StatusCode::OK => Ok(me.body["login"].as_str().unwrap().to_owned()),
            status => Err((status, me.body["message"].as_str().unwrap_or_default().to_owned())),
        }
    }

    fn bad_credentials() -> Result<String, (StatusCode, String)> {
        Err((StatusCode::UNAUTHORIZED, "Bad credentials".to_owned()))
    }

    #[tokio::test]
    async fn the_code_flow_signs_in_whoever_approved_and_the_api_accepts_their_token() {
        let gh = started(app()).await;
        let code = approved_code(&gh, Some(OTHER_LOGIN)).await;
        assert!(code.len() == 20 && code.bytes().all(|byte| matches!(byte, b'0'..=b'9' | b'a'..=b'f')), "{code}");
        let tokens = redeem(&gh, &code).await;
        assert_eq!(
            (&tokens["expires_in"], &tokens["refresh_token_expires_in"], &tokens["scope"], &tokens["token_type"]),
            (&json!(28_800), &json!(15_897_600), &json!("repo,read:org"), &json!("bearer"))
        );
        let access = tokens["access_token"].as_str().unwrap();
        assert!(access.starts_with("ghu_") && tokens["refresh_token"].as_str().unwrap().starts_with("ghr_"));
        assert_eq!(whoami(&gh, access).await, Ok(OTHER_LOGIN.to_owned()));
        let write =
            gh.call("POST", "/repos/acme/ops-portal/issues/3/comments", Some(access), Some(json!({"body": "On it."})));
        assert_eq!(write.await.body["user"]["login"], OTHER_LOGIN, "the token acts as its person");

        let mine = redeem(&gh, &approved_code(&gh, None).await).await;
        assert_eq!(whoami(&gh, mine["access_token"].as_str().unwrap()).await, Ok(LOGIN.to_owned()));
        assert_eq!(
            gh.fake.oauth_grants(),
            [OTHER_LOGIN, LOGIN].map(|login| Grant { kind: GrantKind::Code, login: login.to_owned() })
        );
    }

    #[tokio::test]
    async fn refused_exchanges_answer_200_with_githubs_error_objects() {
        let gh = started(app()).await;
        let first = approved_code(&gh, None).await;
        let exchange_with = |secret: &'static str, code: String, verifier: &'static str| {
            let gh = &gh;
            async move {
                let pairs = [
                    ("client_id", CLIENT_ID),
                    ("client_secret", secret),
                    ("code", code.as_str()),
                    ("code_verifier", verifier),
                ];
                let answer = exchange(gh, &pairs).await;
                assert_eq!(answer.status, StatusCode::OK, "GitHub answers refusals with 200");
                answer.body
            }
        };

        let wrong_secret = exchange_with("not-the-secret", first.clone(), VERIFIER).await;
        assert_eq!(
            wrong_secret,
            json!({
                "error": "incorrect_client_credentials",
                "error_description": "The client_id and/or client_secret passed are incorrect.",
                "error_uri": "https://docs.github.com/apps/managing-oauth-apps/troubleshooting-oauth-app-access-token-request-errors/#incorrect-client-credentials",
            })
        );
        let wrong_verifier = exchange_with(SECRET, first.clone(), "another-verifier-entirely-43-characters-long").await;
        assert_eq!(
            (wrong_verifier["error"].as_str(), wrong_verifier["error_description"].as_str()),
            (Some("bad_verification_code"), Some("The code passed is incorrect or expired."))
        );
        let spent = exchange_with(SECRET, first, VERIFIER).await;
        assert_eq!(spent["error"], "bad_verification_code", "a failed exchange spends the code");
        let no_verifier = exchange_with(SECRET, approved_code(&gh, None).await, "").await;
        assert_eq!(no_verifier["error"], "bad_verification_code", "the code had a challenge");

        let elsewhere = exchange(
            &gh,
            &[
                ("client_id", CLIENT_ID),
                ("client_secret", SECRET),
                ("code", &approved_code(&gh, None).await),
                ("redirect_uri", "https://127.0.0.1:9443/oauth/callback/github/other"),
                ("code_verifier", VERIFIER),
            ],
        )
        .await;
        assert_eq!(
            (elsewhere.body["error"].as_str(), elsewhere.body["error_description"].as_str()),
            (
                Some("redirect_uri_mismatch"),
                Some("The redirect_uri MUST match the registered callback URL for this application.")
            )
        );
        let unknown_refresh = refresh(&gh, "ghr_unknown").await.body;
        assert_eq!(
            (unknown_refresh["error"].as_str(), unknown_refresh["error_description"].as_str()),
            (Some("bad_refresh_token"), Some("The refresh token passed is incorrect or expired."))
        );
        let password = exchange(&gh, &[("grant_type", "password"), ("client_id", CLIENT_ID)]).await;
        assert_eq!(password.body["error"], "unsupported_grant_type");
        assert_eq!(gh.fake.oauth_grants(), []);
    }

    #[tokio::test]
    async fn without_accept_json_the_answer_is_form_encoded() {
        let gh = started(app()).await;
        let code = approved_code(&gh, None).await;
        let in_query = encode(&[("code", &code), ("code_verifier", VERIFIER)]);
        let request = gh
            .request(Method::POST, &format!("/login/oauth/access_token?{in_query}"))
            .basic_auth(CLIENT_ID, Some(SECRET));
        let answer = Harness::answer(request).await;
        assert_eq!(
            (answer.status, answer.header("content-type")),
            (StatusCode::OK, "application/x-www-form-urlencoded; charset=utf-8")
        );
        let fields: Vec<(String, String)> = form_urlencoded::parse(answer.text.as_bytes()).into_owned().collect();
        let keys: Vec<&str> = fields.iter().map(|(key, _)| key.as_str()).collect();
        assert_eq!(
            keys,
            ["access_token", "expires_in", "refresh_token", "refresh_token_expires_in", "scope", "token_type"]
        );
        assert_eq!(
            (fields[1].1.as_str(), fields[4].1.as_str(), fields[5].1.as_str()),
            ("28800", "repo,read:org", "bearer")
        );
        assert_eq!(whoami(&gh, &fields[0].1).await, Ok(LOGIN.to_owned()));

        let request = gh.request(Method::POST, "/login/oauth/access_token").body(encode(&[
            ("client_id", CLIENT_ID),
            ("client_secret", SECRET),
            ("code", &code),
        ]));
        let refused = Harness::answer(request).await;
        assert_eq!(refused.status, StatusCode::OK);
        assert_eq!(
            refused.text,
            "error=bad_verification_code&error_description=The+code+passed+is+incorrect+or+expired.\
             &error_uri=https%3A%2F%2Fdocs.github.com%2Fapps%2Fmanaging-oauth-apps%2Ftroubleshooting-oauth-app-access-token-request-errors%2F%23bad-verification-code"
        );

        let body = json!({"grant_type": "refresh_token", "refresh_token": fields[2].1, "client_id": CLIENT_ID, "client_secret": SECRET});
        let request = gh
            .request(Method::POST, "/login/oauth/access_token")
            .header("accept", "application/json")
            .header("content-type", "application/json")
            .body(body.to_string());
        let refreshed = Harness::answer(request).await;
        assert!(refreshed.body["access_token"].as_str().unwrap().starts_with("ghu_"), "a JSON body works too");
    }

    #[tokio::test]
    async fn refreshing_rotates_the_pair_and_ends_the_old_one() {
        let gh = started(app()).await;
        let first = redeem(&gh, &approved_code(&gh, Some(OTHER_LOGIN)).await).await;
        let (old_access, old_refresh) =
            (first["access_token"].as_str().unwrap(), first["refresh_token"].as_str().unwrap());
        let second = refresh(&gh, old_refresh).await.body;
        let (access, refresh_token) =
            (second["access_token"].as_str().unwrap(), second["refresh_token"].as_str().unwrap());
        assert!(access != old_access && refresh_token != old_refresh);
        assert_eq!((&second["expires_in"], &second["scope"]), (&json!(28_800), &json!("repo,read:org")));
        assert_eq!(refresh(&gh, old_refresh).await.body["error"], "bad_refresh_token", "a refresh token works once");
        assert_eq!(whoami(&gh, old_access).await, bad_credentials(), "the old access token ended with it");
        assert_eq!(whoami(&gh, access).await, Ok(OTHER_LOGIN.to_owned()));

        gh.fake.expire_user_tokens();
        assert_eq!(whoami(&gh, access).await, bad_credentials());
        let third = refresh(&gh, refresh_token).await.body;
        assert_eq!(whoami(&gh, third["access_token"].as_str().unwrap()).await, Ok(OTHER_LOGIN.to_owned()));
        let kinds: Vec<(GrantKind, String)> =
            gh.fake.oauth_grants().into_iter().map(|grant| (grant.kind, grant.login)).collect();
        assert_eq!(
            kinds,
            [GrantKind::Code, GrantKind::Refresh, GrantKind::Refresh].map(|kind| (kind, OTHER_LOGIN.to_owned()))
        );
    }

    #[tokio::test]
    async fn an_access_token_is_bad_credentials_once_its_lifetime_passes() {
        let gh = started(OAuthApp { token_lifetime: Duration::from_secs(1), ..app() }).await;
        let tokens = redeem(&gh, &approved_code(&gh, None).await).await;
        assert_eq!(tokens["expires_in"], 1);
        let access = tokens["access_token"].as_str().unwrap();
        assert_eq!(whoami(&gh, access).await, Ok(LOGIN.to_owned()));
        tokio::time::sleep(Duration::from_millis(1_100)).await;
        assert_eq!(whoami(&gh, access).await, bad_credentials());
    }

    #[tokio::test]
    async fn authorize_refuses_and_denies_as_github_does() {
        let gh = started(app()).await;
        let challenge = s256(VERIFIER);
        let html = |answer: &Answer| answer.header("content-type").starts_with("text/html");

        let unknown = visit(&gh, &[("client_id", "Iv23liSomeoneElse")]).await;
        assert!(unknown.status == StatusCode::NOT_FOUND && html(&unknown));
        for elsewhere in [
            "https://127.0.0.1:9444/oauth/callback/github",
            "https://127.0.0.1:9443/oauth/callback/githubx",
            "http://127.0.0.1:9443/oauth/callback/github",
        ] {
            let mismatch = visit(&gh, &[("client_id", CLIENT_ID), ("redirect_uri", elsewhere), ("state", "s")]).await;
            assert_eq!(
                mismatch.header("location"),
                format!(
                    "{CALLBACK}?error=redirect_uri_mismatch&error_description=The+redirect_uri+MUST+match+the+registered+callback+URL+for+this+application.\
                     &error_uri=https%3A%2F%2Fdocs.github.com%2Fapps%2Fmanaging-oauth-apps%2Ftroubleshooting-authorization-request-errors%2F%23redirect-uri-mismatch&state=s"
                ),
                "{elsewhere}"
            );
        }
        let below = format!("{CALLBACK}/acme?tenant=acme");
        let (to, query) = sent_back(&visit(&gh, &[("client_id", CLIENT_ID), ("redirect_uri", &below)]).await);
        assert_eq!(
            (to.as_str(), query["tenant"].as_str(), query.get("state")),
            (&below[..below.len() - 12], "acme", None)
        );
        assert_eq!(query["code"].len(), 20);

        for method in [Some("plain"), None] {
            let mut pairs = vec![("client_id", CLIENT_ID), ("code_challenge", challenge.as_str())];
            pairs.extend(method.map(|method| ("code_challenge_method", method)));
            let refused = visit(&gh, &pairs).await;
            assert!(refused.status == StatusCode::BAD_REQUEST && html(&refused) && refused.text.contains("S256"));
        }
        let stranger = visit(&gh, &[("client_id", CLIENT_ID), ("login", "nobody-here")]).await;
        assert!(stranger.status == StatusCode::NOT_FOUND && html(&stranger));

        gh.fake.deny_authorization(true);
        let denied = visit(&gh, &[("client_id", CLIENT_ID), ("redirect_uri", CALLBACK), ("state", "s")]).await;
        assert_eq!(
            denied.header("location"),
            format!(
                "{CALLBACK}?error=access_denied&error_description=The+user+has+denied+your+application+access.\
                 &error_uri=https%3A%2F%2Fdocs.github.com%2Fapps%2Fmanaging-oauth-apps%2Ftroubleshooting-authorization-request-errors%2F%23access-denied&state=s"
            )
        );
        gh.fake.deny_authorization(false);
        let approved = sent_back(&visit(&gh, &[("client_id", CLIENT_ID)]).await);
        assert_eq!(
            (approved.0.as_str(), approved.1.contains_key("code")),
            (CALLBACK, true),
            "absent redirect_uri: the callback"
        );
    }
}
