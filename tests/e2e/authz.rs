//! Who may call what: bearer JWTs from an identity provider, checked as
//! the MCP authorization specification asks of a resource server, and the
//! roles that decide which tools a principal sees and may call.
//!
//! The identity provider is `berth_fakes::idp`, a real HTTPS server on
//! loopback with its RFC 8414 metadata and key set, signing tokens with
//! RS256, ES256 and EdDSA test keys. The client is rmcp's own, sending
//! the token as its bearer.

use crate::support::http::{HttpHost, admin, audit_tail, cli, client};
use crate::support::{Answering, PluginsDir, bundled, fixture, text};
use berth_fakes::idp::{Alg, FakeIdp};
use rmcp::model::CallToolRequestParams;
use serde_json::{Value, json};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// This server's resource identifier: every token's audience.
const RESOURCE: &str = "https://berth.example/mcp";
/// Where the 401s point clients.
const METADATA: &str = "https://berth.example/.well-known/oauth-protected-resource/mcp";
/// The admin role tokens may carry.
const ADMIN_ROLE: &str = "berth-admin";

/// An identity provider the host trusts for tenant `acme` (named by the
/// `org` claim), and a host serving `hello` and `probe` to it.
struct Setup {
    idp: FakeIdp,
    data: tempfile::TempDir,
    _plugins: PluginsDir,
    host: HttpHost,
    /// `acme`'s API key.
    key: String,
}

impl Setup {
    async fn start() -> Self {
        let idp = FakeIdp::start().await.unwrap();
        let data = tempfile::tempdir().unwrap();
        let ca = data.path().join("test-ca.pem");
        std::fs::write(&ca, berth_fakes::TestCa::get().pem()).unwrap();
        let key = cli(data.path(), &["tenant", "add", "acme"]).trim().to_owned();
        for plugin in ["hello", "probe"] {
            cli(data.path(), &["tenant", "enable", "acme", plugin]);
        }
        let issuer = idp.issuer();
        cli(data.path(), &["auth", "issuer", "add", &issuer, "--tenant-claim", "org", "--admin-role", ADMIN_ROLE]);
        let plugins = PluginsDir::new().with(&bundled("hello"), "hello.wasm").with(&fixture("probe"), "probe.wasm");
        let settings = format!(
            "[auth]\nresource = \"{RESOURCE}\"\njwks_refetch_secs = 1\n\n[egress]\ntrusted_ca_files = [\"{}\"]\n",
            ca.display()
        );
        let host = HttpHost::start(data.path(), Some(plugins.path()), &["--no-watch"], Some(&settings)).await;
        Self { idp, data, _plugins: plugins, host, key }
    }

    /// Claims for `sub` of `org` with `roles`, valid for an hour.
    fn claims(&self, sub: &str, org: &str, roles: &[&str]) -> Value {
        let now = now();
        json!({"iss": self.idp.issuer(), "sub": sub, "aud": RESOURCE, "org": org, "roles": roles, "iat": now, "exp": now + 3600})
    }

    /// `token` sent to `/mcp` as a raw `initialize`: the status and the
    /// `WWW-Authenticate` header.
    async fn initialize_with(&self, token: Option<&str>) -> (u16, String) {
        let initialize = json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
            "protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "raw", "version": "1"}}});
        let mut request = client()
            .post(self.host.url("/mcp"))
            .header("accept", "application/json, text/event-stream")
            .json(&initialize);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.unwrap();
        let challenge = response.headers().get("www-authenticate").map(|value| value.to_str().unwrap().to_owned());
        (response.status().as_u16(), challenge.unwrap_or_default())
    }

    /// The tools `token`'s principal lists.
    async fn tools(&self, token: &str) -> Vec<String> {
        let tools = self.host.client(token).await.list_all_tools().await.unwrap();
        let mut names: Vec<String> = tools.into_iter().map(|tool| tool.name.to_string()).collect();
        names.sort();
        names
    }
}

fn now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs()
}

/// Calls `tool` with `arguments` as `token`'s principal.
async fn call(host: &HttpHost, token: &str, tool: &str, arguments: Value) -> Result<String, String> {
    let request = CallToolRequestParams::new(tool.to_owned()).with_arguments(arguments.as_object().unwrap().clone());
    match host.client(token).await.call_tool(request).await {
        Ok(result) if result.is_error != Some(true) => Ok(text(&result)),
        Ok(result) => Err(text(&result)),
        Err(error) => Err(error.to_string()),
    }
}

#[tokio::test]
async fn a_valid_token_from_each_algorithm_calls_a_tool_and_the_audit_log_names_its_principal() {
    let setup = Setup::start().await;
    for (alg, sub) in [(Alg::Rs256, "ana"), (Alg::Es256, "bo"), (Alg::EdDsa, "cy")] {
        let token = setup.idp.sign(alg, &setup.claims(sub, "acme", &["operator"]));
        let greeting = call(&setup.host, &token, "hello_greet", json!({"name": sub})).await;
        assert_eq!(greeting.as_deref(), Ok(format!("Hello, {sub}!").as_str()), "{alg:?}");
    }
    let tail = audit_tail(setup.data.path(), 3, &[]).await;
    let calls: Vec<Value> = tail.lines().map(|line| serde_json::from_str(line).unwrap()).collect();
    let principals: Vec<&str> = calls.iter().map(|call| call["principal"].as_str().unwrap_or_default()).collect();
    let issuer = setup.idp.issuer();
    assert_eq!(principals, [format!("ana@{issuer}"), format!("bo@{issuer}"), format!("cy@{issuer}")]);
    assert!(calls.iter().all(|call| call["roles"] == "operator" && call["tenant"] == "acme"), "{tail}");
}

#[tokio::test]
async fn bad_tokens_are_refused_with_401_and_a_challenge_that_points_at_the_metadata() {
    let setup = Setup::start().await;
    let idp = &setup.idp;
    let good = setup.claims("ana", "acme", &["operator"]);
    let with = |change: &dyn Fn(&mut Value)| {
        let mut claims = good.clone();
        change(&mut claims);
        claims
    };
    let stranger = FakeIdp::start().await.unwrap();
    let hour_ago = now() - 3600;
    let cases = [
        ("expired", idp.sign(Alg::Es256, &with(&|claims| claims["exp"] = json!(hour_ago))), "expired"),
        ("not yet valid", idp.sign(Alg::Es256, &with(&|claims| claims["nbf"] = json!(now() + 3600))), "not valid yet"),
        (
            "another audience",
            idp.sign(Alg::Es256, &with(&|claims| claims["aud"] = json!("https://other.example/mcp"))),
            "another resource",
        ),
        (
            "another issuer",
            stranger.sign(Alg::Es256, &with(&|claims| claims["iss"] = json!(stranger.issuer()))),
            "issuer is not trusted",
        ),
        ("alg none", idp.unsigned(&good), "not accepted"),
        ("HS256 keyed with the public key", idp.hmac_with_public_key(&good), "not accepted"),
        ("an unknown key", idp.sign_with_unknown_key("kid-nobody-published", &good), "does not publish"),
        ("an unregistered tenant", idp.sign(Alg::Es256, &with(&|claims| claims["org"] = json!("initech"))), "tenant"),
        (
            "no subject",
            idp.sign(
                Alg::Es256,
                &with(&|claims| {
                    claims.as_object_mut().unwrap().remove("sub");
                }),
            ),
            "sub",
        ),
        ("garbage", "not.a.token".to_owned(), "well-formed"),
    ];
    for (case, token, why) in cases {
        let (status, challenge) = setup.initialize_with(Some(&token)).await;
        assert_eq!(status, 401, "{case}");
        assert!(challenge.starts_with("Bearer "), "{case}: {challenge}");
        assert!(challenge.contains(&format!("resource_metadata=\"{METADATA}\"")), "{case}: {challenge}");
        assert!(challenge.contains("error=\"invalid_token\""), "{case}: {challenge}");
        assert!(challenge.contains(why), "{case}: `{why}` not in {challenge}");
    }

    let (status, challenge) = setup.initialize_with(None).await;
    assert_eq!(status, 401);
    assert!(challenge.contains(&format!("resource_metadata=\"{METADATA}\"")) && !challenge.contains("error="));

    // A valid token without any role this server knows: 403, naming the scopes.
    let roleless = idp.sign(Alg::Es256, &setup.claims("ana", "acme", &["visitor"]));
    let (status, challenge) = setup.initialize_with(Some(&roleless)).await;
    assert_eq!(status, 403, "{challenge}");
    assert!(
        challenge.contains("error=\"insufficient_scope\"") && challenge.contains("scope=\"agent operator reader\"")
    );

    // The document the challenge points at, where RFC 9728 has clients look.
    let place = setup.host.url("/.well-known/oauth-protected-resource/mcp");
    let (status, metadata) = admin(reqwest::Method::GET, place, None, None).await;
    assert_eq!(status, 200, "public, as discovery must be");
    assert_eq!(metadata["resource"], RESOURCE);
    assert_eq!(metadata["authorization_servers"], json!([idp.issuer()]));
    assert_eq!(metadata["scopes_supported"], json!(["agent", "operator", "reader"]));
    assert_eq!(metadata["bearer_methods_supported"], json!(["header"]));
}

#[tokio::test]
async fn a_key_rotation_at_the_identity_provider_is_followed_without_a_restart() {
    let setup = Setup::start().await;
    let idp = &setup.idp;
    let claims = setup.claims("ana", "acme", &["reader"]);
    let before = idp.sign(Alg::Es256, &claims);
    assert!(call(&setup.host, &before, "hello_greet", json!({"name": "Ana"})).await.is_ok());

    idp.rotate();
    // Past `jwks_refetch_secs` (1 s), a key id the host has not seen makes it
    // fetch the set again.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let after = idp.sign(Alg::Es256, &claims);
    assert!(call(&setup.host, &after, "hello_greet", json!({"name": "Ana"})).await.is_ok(), "the new key verifies");
    let (status, challenge) = setup.initialize_with(Some(&before)).await;
    assert_eq!(status, 401, "the withdrawn key no longer verifies: {challenge}");

    // Made-up key ids cost the provider one fetch per interval, not one each.
    let fetched = idp.jwks_fetches();
    for attempt in 0..20 {
        let forged = idp.sign_with_unknown_key(&format!("made-up-{attempt}"), &claims);
        assert_eq!(setup.initialize_with(Some(&forged)).await.0, 401);
    }
    assert!(idp.jwks_fetches() - fetched <= 2, "{} fetches for 20 unknown keys", idp.jwks_fetches() - fetched);
}

#[tokio::test]
async fn a_reader_sees_only_read_only_tools_and_an_agent_no_destructive_one() {
    let setup = Setup::start().await;
    let idp = &setup.idp;
    let reader = idp.sign(Alg::Rs256, &setup.claims("rae", "acme", &["reader"]));
    assert_eq!(setup.tools(&reader).await, ["hello_fetch", "hello_greet", "hello_recall"]);
    let refused = call(&setup.host, &reader, "probe_fetch", json!({"url": "https://example.com/"})).await.unwrap_err();
    assert!(refused.contains("not permitted") && refused.contains("read-only tools only"), "{refused}");
    let refused = call(&setup.host, &reader, "hello_remember", json!({"key": "k", "value": "v"})).await.unwrap_err();
    assert!(refused.contains("roles: reader"), "{refused}");

    let agent = idp.sign(Alg::Rs256, &setup.claims("al", "acme", &["agent"]));
    assert_eq!(setup.tools(&agent).await, ["hello_fetch", "hello_greet", "hello_recall", "hello_remember"]);
    let refused = call(&setup.host, &agent, "probe_fetch", json!({"url": "https://example.com/"})).await.unwrap_err();
    assert!(refused.contains("destructive"), "{refused}");

    // Each refusal is in the audit log, with who and why.
    let tail = audit_tail(setup.data.path(), 3, &[]).await;
    let refusals: Vec<Value> = tail
        .lines()
        .map(|line| serde_json::from_str::<Value>(line).unwrap())
        .filter(|call| call["outcome"].as_str().is_some_and(|outcome| outcome.starts_with("refused")))
        .collect();
    assert_eq!(refusals.len(), 3, "{tail}");
    assert_eq!(refusals[0]["principal"], format!("rae@{}", idp.issuer()));
    assert_eq!(refusals[0]["roles"], "reader");
    assert_eq!(refusals[2]["roles"], "agent");

    // An API key is a service account with its tenant's key roles.
    assert!(setup.tools(&setup.key).await.contains(&"probe_fetch".to_owned()), "operator until set");
    cli(setup.data.path(), &["tenant", "policy", "set", "acme", "--key-roles", "reader"]);
    assert_eq!(setup.tools(&setup.key).await, ["hello_fetch", "hello_greet", "hello_recall"]);

    // An operator-defined role, by tool pattern.
    cli(setup.data.path(), &["role", "add", "greeter", "--tools", "hello_greet"]);
    let greeter = idp.sign(Alg::EdDsa, &setup.claims("gil", "acme", &["greeter"]));
    assert_eq!(setup.tools(&greeter).await, ["hello_greet"]);
}

#[tokio::test]
async fn the_admin_api_takes_a_token_with_its_issuers_admin_role() {
    let setup = Setup::start().await;
    let idp = &setup.idp;
    let url = setup.host.url("/admin/plugins");
    let admin_token = idp.sign(Alg::Es256, &setup.claims("root", "acme", &["operator", ADMIN_ROLE]));
    let (status, plugins) = admin(reqwest::Method::GET, url.clone(), Some(&admin_token), None).await;
    assert_eq!(status, 200, "{plugins}");
    assert!(plugins.as_array().is_some_and(|plugins| plugins.len() == 2), "{plugins}");
    let operator = idp.sign(Alg::Es256, &setup.claims("ana", "acme", &["operator"]));
    let (status, refused) = admin(reqwest::Method::GET, url.clone(), Some(&operator), None).await;
    assert_eq!(status, 403, "{refused}");
    let (status, _) =
        admin(reqwest::Method::GET, url, Some(&idp.unsigned(&setup.claims("x", "acme", &[ADMIN_ROLE]))), None).await;
    assert_eq!(status, 401);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_destructive_tool_runs_only_once_a_person_approves_it_and_each_outcome_is_audited() {
    let setup = Setup::start().await;
    cli(setup.data.path(), &["tenant", "policy", "set", "acme", "--confirm-destructive", "true"]);
    let token = setup.idp.sign(Alg::Es256, &setup.claims("ana", "acme", &["operator"]));
    let host = crate::support::http::HttpHostRef { base: setup.host.base.clone() };
    let asked = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let fetch = || {
        let arguments = json!({"url": "https://example.com/report"});
        CallToolRequestParams::new("probe_fetch").with_arguments(arguments.as_object().unwrap().clone())
    };

    let yes = host.connect(&token, Answering::with(json!({"approve": true}), &asked)).await;
    let ran = yes.call_tool(fetch()).await.unwrap();
    assert!(!text(&ran).contains("did not run"), "approved, the tool ran: {}", text(&ran));
    let question = asked.lock().unwrap()[0].clone();
    assert!(question.contains("probe_fetch") && question.contains("ana@") && question.contains("example.com/report"));

    let no = host.connect(&token, Answering::with(json!({"approve": false}), &asked)).await;
    let declined = no.call_tool(fetch()).await.unwrap();
    assert_eq!(declined.is_error, Some(true));
    assert!(text(&declined).contains("did not run") && text(&declined).contains("declined"), "{}", text(&declined));

    // A client without a session (2026-07-28) is asked through an
    // input-required result, and its retry brings the answer.
    let sessionless = host.connect_sessionless(&token, Answering::with(json!({"approve": true}), &asked)).await;
    let ran = sessionless.call_tool(fetch()).await.unwrap();
    assert!(!text(&ran).contains("did not run"), "approved on the retry, the tool ran: {}", text(&ran));

    // A client that cannot ask is refused: the call never runs unconfirmed.
    let refused = call(&setup.host, &token, "probe_fetch", json!({"url": "https://example.com/report"})).await;
    assert!(refused.unwrap_err().contains("needs a person's approval"));
    // A read-only tool needs no approval.
    assert!(call(&setup.host, &token, "hello_greet", json!({"name": "Ana"})).await.is_ok());
    assert_eq!(asked.lock().unwrap().len(), 3, "only the destructive calls asked");

    let tail = audit_tail(setup.data.path(), 6, &[]).await;
    let outcomes: Vec<String> = tail
        .lines()
        .map(|line| serde_json::from_str::<Value>(line).unwrap())
        .filter(|call| call["tool"] == "fetch")
        .map(|call| format!("{} | {}", call["principal"].as_str().unwrap(), call["outcome"].as_str().unwrap()))
        .collect();
    // Approved, declined, asked (the sessionless round), approved on the
    // retry, refused.
    assert_eq!(outcomes.len(), 5, "{tail}");
    let approved = format!("(approved by ana@{})", setup.idp.issuer());
    assert!(outcomes[0].contains(&approved), "{outcomes:?}");
    assert!(outcomes[1].contains("declined"), "{outcomes:?}");
    assert!(outcomes[2].contains("approval asked"), "{outcomes:?}");
    assert!(outcomes[3].contains(&approved), "{outcomes:?}");
    assert!(outcomes[4].contains("refused") && outcomes[4].contains("cannot ask"), "{outcomes:?}");
}
