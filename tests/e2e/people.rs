//! Per-user upstream credentials: each person connects their own GitHub
//! account through Berth's authorization-code + PKCE flow and then acts
//! upstream as themselves.
//!
//! The real `berth` binary serves the real `github` component over
//! Streamable HTTP to rmcp's client, whose bearer JWTs come from the fake
//! identity provider. The fake GitHub is also the authorization server (a
//! GitHub OAuth app, with expiring user tokens and rotating refresh
//! tokens). The test plays each person's browser: it opens the link the
//! URL elicitation carried, signs in at the identity provider (the proof
//! that it is the person the link was made for), confirms, is sent to
//! GitHub, approves, and is sent back to Berth's callback. Berth's public
//! URL is `https://berth.example`, as behind a reverse proxy; the browser
//! maps it to the host's loopback address.

use crate::support::http::{HttpHost, audit_tail, cli, cli_with_stdin};
use crate::support::{PluginsDir, bundled, fakes_settings};
use berth_fakes::github::{self, FakeGitHub, GrantKind, OAuthApp, Options};
use berth_fakes::idp::{Alg, FakeIdp};
use rmcp::ServiceError;
use rmcp::model::{CallToolRequestParams, ErrorData};
use serde_json::{Value, json};
use std::time::{SystemTime, UNIX_EPOCH};

/// This server's resource identifier: every token's audience.
const RESOURCE: &str = "https://berth.example/mcp";
/// Where browsers reach Berth.
const PUBLIC: &str = "https://berth.example";
/// The OAuth app's client.
const CLIENT_ID: &str = "Iv23liBerthTest01";
const CLIENT_SECRET: &str = "0f9d8c7b6a5e4d3c2b1a0f9e8d7c6b5a4f3e2d1c";
/// Berth's sign-in client at the identity provider.
const SIGN_IN_CLIENT: &str = "berth-connect";

/// An identity provider trusted for tenant `acme`, a fake GitHub with
/// Berth's OAuth app registered, and a host serving `github` to `acme`
/// with a per-user `github` credential.
struct Setup {
    idp: FakeIdp,
    github: FakeGitHub,
    data: tempfile::TempDir,
    _plugins: PluginsDir,
    host: HttpHost,
    /// `acme`'s API key.
    key: String,
}

impl Setup {
    async fn start() -> Self {
        let idp = FakeIdp::start().await.unwrap();
        idp.register_client(SIGN_IN_CLIENT, &format!("{PUBLIC}/oauth/signin"));
        let github = FakeGitHub::start(Options::default()).await.unwrap();
        github.register_oauth_app(OAuthApp::new(CLIENT_ID, CLIENT_SECRET, format!("{PUBLIC}/oauth/callback")));
        let data = tempfile::tempdir().unwrap();
        let key = cli(data.path(), &["tenant", "add", "acme"]).trim().to_owned();
        cli(data.path(), &["tenant", "enable", "acme", "github"]);
        cli(data.path(), &["config", "set", "--tenant", "acme", "github", "api_url", &github.host()]);
        cli(data.path(), &["config", "set", "--tenant", "acme", "github", "default_repo", github::PRIVATE_REPO]);
        let issuer = ["auth", "issuer", "add", &idp.issuer(), "--tenant-claim", "org"];
        cli(data.path(), &[&issuer[..], &["--login-client-id", SIGN_IN_CLIENT]].concat());
        let base = github.served.base_url();
        let (authorize, token) = (format!("{base}/login/oauth/authorize"), format!("{base}/login/oauth/access_token"));
        let args = [
            "credential",
            "set",
            "--tenant",
            "acme",
            "--plugin",
            "github",
            "github",
            "--bind",
            &base,
            "--scheme",
            "oauth2-authorization-code",
            "--authorize-url",
            &authorize,
            "--token-url",
            &token,
            "--client-id",
            CLIENT_ID,
            "--scope",
            "repo",
        ];
        cli_with_stdin(data.path(), &args, &format!("{CLIENT_SECRET}\n"));
        let plugins = PluginsDir::new().with(&bundled("github"), "github.wasm");
        let settings = format!("[auth]\nresource = \"{RESOURCE}\"\n\n{}", fakes_settings(data.path()));
        let host = HttpHost::start(data.path(), Some(plugins.path()), &["--no-watch"], Some(&settings)).await;
        Self { idp, github, data, _plugins: plugins, host, key }
    }

    /// A token of `sub` in `acme`, allowed everything.
    fn token(&self, sub: &str) -> String {
        let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs();
        let claims = json!({"iss": self.idp.issuer(), "sub": sub, "aud": RESOURCE, "org": "acme",
            "roles": ["operator"], "iat": now, "exp": now + 3600});
        self.idp.sign(Alg::Es256, &claims)
    }

    /// How the audit log names `sub`.
    fn principal(&self, sub: &str) -> String {
        format!("{sub}@{}", self.idp.issuer())
    }

    /// `sub` opens an issue: the issue's author, or the JSON-RPC error.
    async fn open_issue(&self, sub: &str, title: &str) -> Result<String, ErrorData> {
        self.open_issue_as(&self.token(sub), title).await
    }

    /// Opens an issue with `bearer` (a token or an API key).
    async fn open_issue_as(&self, bearer: &str, title: &str) -> Result<String, ErrorData> {
        let request = CallToolRequestParams::new("github_create_issue")
            .with_arguments(json!({"title": title}).as_object().unwrap().clone());
        match self.host.client(bearer).await.call_tool(request).await {
            Ok(result) => {
                assert_ne!(result.is_error, Some(true), "{result:?}");
                let issue = result.structured_content.expect("the issue");
                Ok(issue["author"].as_str().unwrap_or_default().to_owned())
            }
            Err(ServiceError::McpError(error)) => Err(error),
            Err(other) => panic!("{other}"),
        }
    }

    /// A URL on Berth's public address (or a path on it), as the browser
    /// reaches it.
    fn at_berth(&self, url: &str) -> String {
        let path = if url.starts_with('/') { url } else { url.strip_prefix(PUBLIC).expect("on Berth's address") };
        self.host.url(path)
    }

    /// `refusal`'s link followed to the end by `sub`'s browser, as `login`
    /// at GitHub: the callback's status and page, and the callback URL.
    async fn connect(&self, refusal: &ErrorData, sub: &str, login: &str) -> (u16, String, String) {
        let link = connect_link(refusal);
        let browser = Browser::new();
        let (status, page) = browser.open(self, &link, sub).await;
        assert_eq!(status, 200, "{page}");
        assert!(page.contains(&self.principal(sub)) && page.contains("github"), "{page}");
        // Once signed in, the link opened anywhere else (a preview, another
        // browser) neither undoes that nor goes on.
        assert_eq!(Browser::new().get(&self.at_berth(&link)).await.0, 409);
        let callback = browser.approve(&browser.onward(self, &link).await, login).await;
        let (status, page) = browser.get(&self.at_berth(&callback)).await;
        (status, page, callback)
    }
}

/// A person's browser: follows no redirect by itself, trusts the fakes'
/// certificate authority, and keeps the one cookie Berth sets.
struct Browser {
    client: reqwest::Client,
    cookie: std::sync::Mutex<Option<String>>,
}

impl Browser {
    fn new() -> Self {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let ca = reqwest::Certificate::from_pem(berth_fakes::TestCa::get().pem().as_bytes()).unwrap();
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .add_root_certificate(ca)
            .build()
            .unwrap();
        Self { client, cookie: std::sync::Mutex::default() }
    }

    /// Sends `request` with the cookie, keeping any new one.
    async fn send(&self, request: reqwest::RequestBuilder) -> reqwest::Response {
        let cookie = self.cookie.lock().unwrap().clone();
        let request = match cookie {
            Some(cookie) => request.header("cookie", cookie),
            None => request,
        };
        let response = request.send().await.unwrap();
        if let Some(set) = response.headers().get("set-cookie") {
            let set = set.to_str().unwrap();
            assert!(set.contains("HttpOnly") && set.contains("Secure") && set.contains("SameSite=Lax"), "{set}");
            assert!(set.starts_with("__Host-") && set.contains("Path=/;"), "no sibling domain can plant it: {set}");
            *self.cookie.lock().unwrap() = Some(set.split(';').next().unwrap().to_owned());
        }
        response
    }

    /// GETs `url`: the status and the page.
    async fn get(&self, url: &str) -> (u16, String) {
        let response = self.send(self.client.get(url)).await;
        (response.status().as_u16(), response.text().await.unwrap())
    }

    /// Opens `link` and signs in at the identity provider as `sub`: the
    /// status and page Berth ends on.
    async fn open(&self, setup: &Setup, link: &str, sub: &str) -> (u16, String) {
        let to_sign_in = self.send(self.client.get(setup.at_berth(link))).await;
        assert_eq!(to_sign_in.status(), 303, "a browser that has not signed in is sent to");
        let authorize = location(&to_sign_in);
        assert!(authorize.starts_with(&setup.idp.issuer()) && authorize.contains("nonce="), "{authorize}");
        let signed_in = self.send(self.client.get(format!("{authorize}&user={sub}"))).await;
        assert_eq!(signed_in.status(), 302);
        let back = self.send(self.client.get(setup.at_berth(&location(&signed_in)))).await;
        if back.status() != 303 {
            return (back.status().as_u16(), back.text().await.unwrap());
        }
        let page = self.send(self.client.get(setup.at_berth(&location(&back)))).await;
        assert_eq!(page.headers()["x-frame-options"], "DENY");
        (page.status().as_u16(), page.text().await.unwrap())
    }

    /// Confirms on Berth's page: where GitHub's authorization is.
    async fn onward(&self, setup: &Setup, link: &str) -> String {
        // A browser's form post says where it comes from.
        let onward = self.send(self.client.post(setup.at_berth(link)).header("origin", PUBLIC)).await;
        assert_eq!(onward.status(), 303);
        let authorize = location(&onward);
        assert!(authorize.contains("code_challenge_method=S256"), "{authorize}");
        authorize
    }

    /// Approves at GitHub as `login`: where GitHub sends the browser back.
    async fn approve(&self, authorize: &str, login: &str) -> String {
        let approved = self.send(self.client.get(format!("{authorize}&login={login}"))).await;
        assert_eq!(approved.status(), 302);
        location(&approved)
    }
}

/// Where a redirect points.
fn location(response: &reqwest::Response) -> String {
    response.headers()["location"].to_str().unwrap().to_owned()
}

/// The URL of the one URL-mode elicitation a -32042 error carries.
fn connect_link(refusal: &ErrorData) -> String {
    assert_eq!(refusal.code.0, -32042, "{refusal:?}");
    let elicitations = refusal.data.as_ref().and_then(|data| data["elicitations"].as_array()).expect("elicitations");
    assert_eq!(elicitations.len(), 1, "{refusal:?}");
    let elicitation = &elicitations[0];
    assert_eq!(elicitation["mode"], "url");
    assert!(elicitation["elicitationId"].as_str().is_some_and(|id| !id.is_empty()));
    let url = elicitation["url"].as_str().unwrap().to_owned();
    assert!(url.starts_with(&format!("{PUBLIC}/oauth/connect/")), "{url}");
    url
}

/// Every upstream request of the audited calls, with the call's principal.
async fn requests_by(setup: &Setup, calls: usize) -> Vec<(String, Value)> {
    let tail = audit_tail(setup.data.path(), calls, &["--tenant", "acme"]).await;
    let calls: Vec<Value> = tail.lines().map(|line| serde_json::from_str(line).unwrap()).collect();
    calls
        .iter()
        .flat_map(|call| {
            let principal = call["principal"].as_str().unwrap_or_default().to_owned();
            call["requests"]
                .as_array()
                .cloned()
                .unwrap_or_default()
                .into_iter()
                .map(move |request| (principal.clone(), request))
        })
        .collect()
}

#[tokio::test]
async fn each_person_connects_their_own_account_and_acts_upstream_as_themselves() {
    let setup = Setup::start().await;

    // Ana has not connected: the call is answered with a link, and never runs.
    let refusal = setup.open_issue("ana", "Printer on 3 is offline").await.unwrap_err();
    let again = setup.open_issue("ana", "Printer on 3 is offline").await.unwrap_err();
    assert_eq!(connect_link(&again), connect_link(&refusal), "one pending flow per person");
    assert_eq!(setup.github.hits().count("/repos/"), 0, "nothing reached GitHub");

    let (status, page, callback) = setup.connect(&refusal, "ana", github::LOGIN).await;
    assert_eq!((status, page.contains("Connected")), (200, true), "{page}");
    assert_eq!(setup.open_issue("ana", "Printer on 3 is offline").await.unwrap(), github::LOGIN);

    // Bo never uses Ana's token: he connects his own account.
    let refusal = setup.open_issue("bo", "VPN drops hourly").await.unwrap_err();
    setup.connect(&refusal, "bo", github::OTHER_LOGIN).await;
    assert_eq!(setup.open_issue("bo", "VPN drops hourly").await.unwrap(), github::OTHER_LOGIN);
    assert_eq!(setup.open_issue("ana", "Badge reader stuck").await.unwrap(), github::LOGIN);

    // Cy's link opened by Bo, who signs in as himself: nothing is connected.
    let refusal = setup.open_issue("cy", "Monitor flickers").await.unwrap_err();
    let link = connect_link(&refusal);
    let (status, page) = Browser::new().open(&setup, &link, "bo").await;
    assert_eq!(status, 403, "{page}");
    assert!(page.contains("this link was made for") && page.contains(&setup.principal("cy")), "{page}");

    // Cy sends GitHub's authorization, from his own signed-in browser, to
    // Bo: Bo's browser, back at the callback, never signed in for it.
    let cys = Browser::new();
    assert_eq!(cys.open(&setup, &link, "cy").await.0, 200);
    let lured = Browser::new();
    let callback_for_cy = lured.approve(&cys.onward(&setup, &link).await, github::OTHER_LOGIN).await;
    // Nor can whoever holds the link (the agent) bring Cy's own browser back
    // with a code of theirs: the way back takes the leg's own state.
    let link_state = link.rsplit('/').next().unwrap();
    let forged = format!("/oauth/callback?state={link_state}&code=a-code-of-the-agents");
    assert_eq!(cys.get(&setup.at_berth(&forged)).await.0, 404);
    let (status, page) = lured.get(&setup.at_berth(&callback_for_cy)).await;
    assert_eq!(status, 400, "{page}");
    assert!(page.contains("did not sign in for the connection"), "{page}");
    assert_eq!(setup.github.oauth_grants().len(), 2, "no code was exchanged");
    assert_eq!(connect_link(&setup.open_issue("cy", "Monitor flickers").await.unwrap_err()), link, "still pending");

    // An API key is no person: it cannot use a per-user credential.
    let keyed = setup.open_issue_as(&setup.key, "From a script").await.unwrap_err();
    assert!(keyed.message.contains("is no person") && keyed.message.contains("--login-client-id"), "{keyed:?}");

    // The callback works once: replayed, it is refused and exchanges nothing.
    assert_eq!(Browser::new().get(&setup.at_berth(&callback)).await.0, 404);
    assert_eq!(setup.github.oauth_grants().len(), 2, "Ana's and Bo's codes, each redeemed once");

    // Whose token each request carried, and each connection, are audited.
    let requests = requests_by(&setup, 13).await;
    let (ana, bo) = (setup.principal("ana"), setup.principal("bo"));
    let carried: Vec<(&str, &str)> = requests
        .iter()
        .filter(|(_, request)| request["path"].as_str().is_some_and(|path| path.ends_with("/issues")))
        .map(|(principal, request)| (principal.as_str(), request["acting_as"].as_str().unwrap_or_default()))
        .collect();
    assert_eq!(carried, [(ana.as_str(), ana.as_str()), (bo.as_str(), bo.as_str()), (ana.as_str(), ana.as_str())]);
    let tail = audit_tail(setup.data.path(), 13, &["--tenant", "acme"]).await;
    assert_eq!(tail.matches("refused: credential `github` of `github` acts as each person").count(), 1, "{tail}");
    assert_eq!(tail.matches("\"outcome\":\"connected\"").count(), 2, "{tail}");
    assert_eq!(tail.matches("not connected: this call of `github` acts as you").count(), 5, "{tail}");
    assert_eq!(tail.matches("not connected: this link was made for").count(), 1, "{tail}");
    assert_eq!(tail.matches("not connected: this browser did not sign in").count(), 1, "{tail}");
    assert_eq!(setup.idp.sign_ins(), ["ana", "bo", "bo", "cy"], "who signed in at the identity provider");
    let listed = cli(setup.data.path(), &["credential", "connections", "--tenant", "acme"]);
    assert!(listed.contains(&ana) && listed.contains(&bo) && !listed.contains("ghu_"), "{listed}");
}

#[tokio::test]
async fn an_expired_token_is_renewed_and_a_refused_renewal_or_consent_asks_again() {
    let setup = Setup::start().await;
    let refusal = setup.open_issue("ana", "Printer on 3 is offline").await.unwrap_err();
    setup.connect(&refusal, "ana", github::LOGIN).await;
    assert_eq!(setup.open_issue("ana", "first").await.unwrap(), github::LOGIN);

    // GitHub's user tokens expire: the next call renews Ana's with her
    // refresh token (which rotates) and goes on as her.
    setup.github.expire_user_tokens();
    assert_eq!(setup.open_issue("ana", "second").await.unwrap(), github::LOGIN);
    let grants = setup.github.oauth_grants();
    let kinds: Vec<(GrantKind, &str)> = grants.iter().map(|grant| (grant.kind, grant.login.as_str())).collect();
    assert_eq!(kinds, [(GrantKind::Code, github::LOGIN), (GrantKind::Refresh, github::LOGIN)]);
    assert_eq!(setup.open_issue("ana", "third").await.unwrap(), github::LOGIN, "the renewed token was kept");
    assert_eq!(setup.github.oauth_grants().len(), 2, "and not renewed again");

    // Ana turns the app down at GitHub: not connected, and the next call asks again.
    let disconnect = ["credential", "disconnect", "--tenant", "acme", "--plugin", "github", "github"];
    cli(setup.data.path(), &[&disconnect[..], &["--principal", &setup.principal("ana")]].concat());
    let refusal = setup.open_issue("ana", "fourth").await.unwrap_err();
    setup.github.deny_authorization(true);
    let (status, page, _) = setup.connect(&refusal, "ana", github::LOGIN).await;
    assert_eq!(status, 400, "{page}");
    assert!(page.contains("access_denied"), "{page}");
    assert_eq!(setup.open_issue("ana", "fourth").await.unwrap_err().code.0, -32042);
    let tail = audit_tail(setup.data.path(), 1, &["--tenant", "acme"]).await;
    assert!(tail.contains("not connected: the authorization server answered: access_denied"), "{tail}");
}
