//! OAuth2 credentials: the host obtains tokens with form-encoded requests,
//! caches them until shortly before expiry, shares one refresh among
//! concurrent calls, and answers a 401 with one refresh and one retry.

use crate::support::http::cli_with_stdin;
use crate::support::probe::ProbeHost;
use crate::support::upstream::{CLIENT_ID, CLIENT_SECRET, REFRESH_TOKEN};
use serde_json::{Value, json};

const SETTINGS: &str = "[egress]\nallow_loopback = true\n";

fn set_credential(setup: &ProbeHost, name: &str, args: &[&str], secret: &str) {
    let token_url = setup.upstream.url("/oauth/token");
    let mut command = vec!["credential", "set", "--tenant", "default", "--plugin", "probe", name];
    command.extend_from_slice(&["--token-url", &token_url, "--client-id", CLIENT_ID]);
    command.extend_from_slice(args);
    cli_with_stdin(setup.data.path(), &command, secret);
}

async fn client_credentials() -> ProbeHost {
    let setup = ProbeHost::start(SETTINGS).await;
    set_credential(
        &setup,
        "oauth-cc",
        &["--scheme", "oauth2-client-credentials", "--scope", "useraccount"],
        CLIENT_SECRET,
    );
    setup
}

async fn protected(setup: &ProbeHost, credential: &str) -> Value {
    setup.fetch(json!({"url": setup.upstream.url("/api/protected"), "credential": credential})).await
}

#[tokio::test]
async fn client_credentials_are_exchanged_once_and_the_token_reused() {
    let setup = client_credentials().await;
    for _ in 0..3 {
        let answer = protected(&setup, "oauth-cc").await;
        assert_eq!(answer["status"], 200, "{answer}");
        assert!(!answer["body"].as_str().unwrap().contains("at-1"), "the guest never sees the token: {answer}");
    }
    assert_eq!(setup.upstream.tokens_issued(), 1);
}

#[tokio::test]
async fn twenty_concurrent_calls_hit_the_token_endpoint_once() {
    let setup = client_credentials().await;
    let calls = (0..20).map(|_| protected(&setup, "oauth-cc"));
    for answer in futures::future::join_all(calls).await {
        assert_eq!(answer["status"], 200, "{answer}");
    }
    assert_eq!(setup.upstream.tokens_issued(), 1);
}

#[tokio::test]
async fn an_expired_token_is_refreshed_before_use() {
    let setup = client_credentials().await;
    setup.upstream.token_lifetime(1);
    assert_eq!(protected(&setup, "oauth-cc").await["status"], 200);
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    assert_eq!(protected(&setup, "oauth-cc").await["status"], 200);
    assert_eq!(setup.upstream.tokens_issued(), 2);
}

#[tokio::test]
async fn a_401_triggers_one_refresh_and_one_retry() {
    let setup = client_credentials().await;
    assert_eq!(protected(&setup, "oauth-cc").await["status"], 200);
    setup.upstream.revoke_tokens();
    let answer = protected(&setup, "oauth-cc").await;
    assert_eq!(answer["status"], 200, "refreshed and retried: {answer}");
    assert_eq!(setup.upstream.tokens_issued(), 2);
}

#[tokio::test]
async fn a_refused_token_request_is_credential_failed_with_the_upstreams_reason() {
    let setup = ProbeHost::start(SETTINGS).await;
    set_credential(&setup, "oauth-cc", &["--scheme", "oauth2-client-credentials"], "wrong-secret");
    let answer = protected(&setup, "oauth-cc").await;
    assert_eq!(answer["error"], "credential-failed", "{answer}");
    assert!(answer["detail"].as_str().unwrap().contains("Client authentication failed"), "{answer}");
}

#[tokio::test]
async fn the_refresh_token_grant_sends_the_configured_header_format() {
    let setup = ProbeHost::start(SETTINGS).await;
    let secret = format!("refresh_token={REFRESH_TOKEN}\nclient_secret={CLIENT_SECRET}\n");
    set_credential(
        &setup,
        "oauth-rt",
        &["--scheme", "oauth2-refresh-token", "--header-format", "Zoho-oauthtoken {token}"],
        &secret,
    );
    let answer = protected(&setup, "oauth-rt").await;
    assert_eq!(answer["status"], 200, "{answer}");
    let body: Value = serde_json::from_str(answer["body"].as_str().unwrap()).unwrap();
    assert_eq!(body["authorization"], "Zoho-oauthtoken [REDACTED]");
}
