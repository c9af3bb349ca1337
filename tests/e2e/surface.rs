//! The whole MCP surface a `berth:plugin@0.2.0` component serves, through
//! the conformance fixture (`tests/fixtures/conformance`, plugin `test`), to
//! rmcp's client over Streamable HTTP and over stdio: resources, templates
//! and reads; a subscription that hears an update; prompts; completions;
//! progress; elicitation accepted, declined and unsupported; sampling; a
//! call cancelled while it waits on the client; discovery that declares
//! what the tenant's plugins offer; and a client without a session
//! (2026-07-28) answering by input-required results; and a plugin asking
//! its client over legacy SSE.

// Sampling is deprecated after 2025-11-25, which still has it.
#![allow(deprecated)]

use crate::support::http::{HttpHost, HttpHostRef, tenant};
use crate::support::{PluginsDir, Start, StdioHost, fixture, text};
use rmcp::model::{
    ArgumentInfo, CallToolRequestParams, CallToolResponse, ClientCapabilities, ClientConfig, CompleteRequestParams,
    CreateMessageRequestParams, CreateMessageResult, ElicitRequestParams, ElicitResult, ElicitationAction, ErrorCode,
    GetPromptRequestParams, Implementation, NumberOrString, ProgressNotificationParam, ProgressToken, ProtocolVersion,
    ReadResourceRequestParams, Reference, RequestMetaObject, ResourceContents, ResourceUpdatedNotificationParam, Role,
    SamplingMessage, SamplingMessageContentBlock, SubscribeRequestParams, UnsubscribeRequestParams,
};
use rmcp::service::{NotificationContext, RequestContext, RoleClient, RunningService, ServiceError};
use rmcp::{ClientHandler, ErrorData};
use serde_json::json;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Progress reports heard: (progress, total).
type Reports = Arc<Mutex<Vec<(f64, Option<f64>)>>>;

/// What the client heard, and whether it declares elicitation and sampling.
#[derive(Clone, Default)]
struct Client {
    capable: bool,
    progress: Reports,
    updated: Arc<Mutex<Vec<String>>>,
}

impl ClientHandler for Client {
    fn get_info(&self) -> ClientConfig {
        let capabilities = if self.capable {
            ClientCapabilities::builder().enable_elicitation().enable_sampling().build()
        } else {
            ClientCapabilities::default()
        };
        ClientConfig::new(capabilities, Implementation::new("berth-e2e", "0.1.0"))
    }

    async fn on_progress(&self, params: ProgressNotificationParam, _: NotificationContext<RoleClient>) {
        self.progress.lock().unwrap().push((params.progress, params.total));
    }

    async fn on_resource_updated(&self, params: ResourceUpdatedNotificationParam, _: NotificationContext<RoleClient>) {
        self.updated.lock().unwrap().push(params.uri);
    }

    /// The human accepts when asked to accept (as `ada`, `ada@example.com`),
    /// declines when asked anything else of `test_elicitation`, and answers
    /// `ada` to every field of any other form.
    async fn create_elicitation(
        &self,
        request: ElicitRequestParams,
        _: RequestContext<RoleClient>,
    ) -> Result<ElicitResult, ErrorData> {
        let ElicitRequestParams::FormElicitationParams { message, requested_schema, .. } = request else {
            return Err(ErrorData::invalid_params("form mode only", None));
        };
        let mut answer = ElicitResult::new(ElicitationAction::Accept);
        if requested_schema.properties.contains_key("username") {
            if message != "accept" {
                return Ok(ElicitResult::new(ElicitationAction::Decline));
            }
            answer.content = Some(json!({"username": "ada", "email": "ada@example.com"}));
        } else {
            answer.content =
                Some(requested_schema.properties.keys().map(|name| (name.clone(), json!("ada"))).collect());
        }
        Ok(answer)
    }

    /// The model echoes the prompt.
    async fn create_message(
        &self,
        request: CreateMessageRequestParams,
        _: RequestContext<RoleClient>,
    ) -> Result<CreateMessageResult, ErrorData> {
        assert_eq!(request.max_tokens, 100);
        let asked = request.messages[0].content.first().and_then(|block| block.as_text()).unwrap().text.clone();
        let reply = SamplingMessage::new(Role::Assistant, SamplingMessageContentBlock::text(format!("echo {asked}")));
        Ok(CreateMessageResult::new(reply, "echo-model".to_owned()))
    }
}

async fn wait_for<T: Clone>(heard: &Arc<Mutex<Vec<T>>>, count: usize) -> Vec<T> {
    let started = std::time::Instant::now();
    while heard.lock().unwrap().len() < count && started.elapsed() < Duration::from_secs(10) {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    heard.lock().unwrap().clone()
}

async fn call(client: &RunningService<RoleClient, Client>, name: &'static str, arguments: serde_json::Value) -> String {
    let request = CallToolRequestParams::new(name).with_arguments(arguments.as_object().unwrap().clone());
    let result = client.call_tool(request).await.expect("call");
    text(&result)
}

/// Everything a capable client can do, on one session.
async fn serves_the_whole_surface(client: RunningService<RoleClient, Client>) {
    // Resources: the list, the templates, text, bytes and a template's URI.
    let listed = client.list_resources(None).await.expect("resources/list");
    let uris: Vec<&str> = listed.resources.iter().map(|resource| resource.uri.as_str()).collect();
    assert_eq!(uris, ["test://static-binary", "test://static-text", "test://watched-resource"]);
    let templates = client.list_resource_templates(None).await.expect("resources/templates/list");
    assert_eq!(templates.resource_templates[0].uri_template, "test://template/{id}/data");
    let read = client.read_resource(ReadResourceRequestParams::new("test://static-text")).await.expect("read text");
    let ResourceContents::TextResourceContents { text, mime_type, .. } = &read.contents[0] else { panic!("{read:?}") };
    assert_eq!(
        (text.as_str(), mime_type.as_deref()),
        ("This is the content of the static text resource.", Some("text/plain"))
    );
    let read = client.read_resource(ReadResourceRequestParams::new("test://static-binary")).await.expect("read blob");
    let ResourceContents::BlobResourceContents { blob, .. } = &read.contents[0] else { panic!("{read:?}") };
    assert!(blob.starts_with("iVBORw0KGgo"), "a base64 PNG: {blob}");
    let read = client.read_resource(ReadResourceRequestParams::new("test://template/42/data")).await.expect("read");
    let ResourceContents::TextResourceContents { text, .. } = &read.contents[0] else { panic!("{read:?}") };
    assert_eq!(serde_json::from_str::<serde_json::Value>(text).unwrap()["id"], "42");
    let missing = client.read_resource(ReadResourceRequestParams::new("test://nothing")).await.unwrap_err();
    assert!(format!("{missing:?}").contains("test://nothing"), "{missing:?}");

    // A subscription hears the plugin's update, and stops hearing after.
    client.subscribe(SubscribeRequestParams::new("test://watched-resource")).await.expect("subscribe");
    assert_eq!(call(&client, "test_update_watched", json!({})).await, "updated");
    assert_eq!(wait_for(&client.service().updated, 1).await, ["test://watched-resource"]);
    client.unsubscribe(UnsubscribeRequestParams::new("test://watched-resource")).await.expect("unsubscribe");
    call(&client, "test_update_watched", json!({})).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(client.service().updated.lock().unwrap().len(), 1, "no update after unsubscribing");

    // Prompts, with their arguments checked by the host.
    let prompts = client.list_prompts(None).await.expect("prompts/list");
    assert!(prompts.prompts.iter().any(|prompt| prompt.name == "test_prompt_with_arguments"), "{prompts:?}");
    let arguments = json!({"arg1": "hello", "arg2": "world"}).as_object().unwrap().clone();
    let prompt = client
        .get_prompt(GetPromptRequestParams::new("test_prompt_with_arguments").with_arguments(arguments))
        .await
        .expect("prompts/get");
    let said = serde_json::to_value(&prompt.messages[0].content).unwrap();
    assert_eq!(said["text"], "Prompt with arguments: arg1='hello', arg2='world'");
    let missing = client.get_prompt(GetPromptRequestParams::new("test_prompt_with_arguments")).await.unwrap_err();
    assert!(format!("{missing:?}").contains("arg1"), "{missing:?}");

    // Completion of a prompt argument and of a template variable.
    let complete =
        |reference, name, value| client.complete(CompleteRequestParams::new(reference, ArgumentInfo::new(name, value)));
    let completed =
        complete(Reference::for_prompt("test_prompt_with_arguments"), "arg1", "he").await.expect("complete");
    assert_eq!(completed.completion.values, ["hello", "help"]);
    let completed = complete(Reference::for_resource("test://template/{id}/data"), "id", "12").await.expect("complete");
    assert_eq!(completed.completion.values, ["123", "124", "125"]);

    // Progress, with the request's token.
    let mut request = CallToolRequestParams::new("test_tool_with_progress");
    request.meta = Some(RequestMetaObject::with_progress_token(ProgressToken(NumberOrString::String("p-1".into()))));
    client.call_tool(request).await.expect("call with progress");
    let mut reports = wait_for(&client.service().progress, 3).await;
    reports.sort_by(|a, b| a.0.total_cmp(&b.0));
    assert_eq!(reports, [(0.0, Some(100.0)), (50.0, Some(100.0)), (100.0, Some(100.0))]);

    // Elicitation, accepted and declined; sampling.
    let accepted = call(&client, "test_elicitation", json!({"message": "accept"})).await;
    assert!(accepted.contains("accept") && accepted.contains("ada@example.com"), "{accepted}");
    let declined = call(&client, "test_elicitation", json!({"message": "no"})).await;
    assert!(declined.contains("decline") && !declined.contains("ada"), "{declined}");
    let sampled = call(&client, "test_sampling", json!({"prompt": "hi"})).await;
    assert_eq!(sampled, "LLM response: echo hi");
    client.cancel().await.expect("close");
}

/// A client that declared neither elicitation nor sampling: the plugin gets
/// `unsupported` at once, and a tool that cannot do without the answer ends
/// with MCP's missing-capability error, naming what is missing.
async fn refuses_what_the_client_cannot_do(client: RunningService<RoleClient, Client>) {
    let started = std::time::Instant::now();
    for (tool, arguments, lacking) in [
        ("test_elicitation", json!({"message": "accept"}), "elicitation"),
        ("test_sampling", json!({"prompt": "hi"}), "sampling"),
    ] {
        let request = CallToolRequestParams::new(tool).with_arguments(arguments.as_object().unwrap().clone());
        let refused = mcp_error(client.call_tool(request).await.expect_err("the client lacks a capability"));
        assert_eq!(refused.code, ErrorCode::MISSING_REQUIRED_CLIENT_CAPABILITY, "{refused:?}");
        assert_eq!(refused.data.unwrap()["requiredCapabilities"], json!({lacking: {}}));
    }
    assert!(started.elapsed() < Duration::from_secs(5), "no wait for an answer that cannot come");
    client.cancel().await.expect("close");
}

/// The JSON-RPC error a request got.
fn mcp_error(error: ServiceError) -> ErrorData {
    match error {
        ServiceError::McpError(error) => error,
        other => panic!("expected a JSON-RPC error, got {other:?}"),
    }
}

async fn http_client(host: &HttpHost, key: &str, capable: bool) -> RunningService<RoleClient, Client> {
    HttpHostRef { base: host.base.clone() }.connect(key, Client { capable, ..Client::default() }).await
}

#[tokio::test(flavor = "multi_thread")]
async fn a_plugin_serves_resources_prompts_and_its_client_over_http() {
    let data = tempfile::tempdir().unwrap();
    let plugins = PluginsDir::new().with(&fixture("conformance"), "test.wasm");
    let key = tenant(data.path(), "surface", &["test"]);
    let host = HttpHost::start(data.path(), Some(plugins.path()), &["--no-watch"], None).await;
    serves_the_whole_surface(http_client(&host, &key, true).await).await;
    refuses_what_the_client_cannot_do(http_client(&host, &key, false).await).await;
}

/// A client without a session (2026-07-28) takes no request in the middle
/// of a call. The same plugin code asks it anyway: its questions come back
/// as input-required results, which rmcp's client answers and retries,
/// round after round, for tools and prompts alike. The request state is the
/// host's: altered, or brought to another call, it is refused; and a
/// client that lacks a capability gets the missing-capability error.
#[tokio::test(flavor = "multi_thread")]
async fn a_client_without_a_session_answers_by_retrying() {
    let data = tempfile::tempdir().unwrap();
    let plugins = PluginsDir::new().with(&fixture("conformance"), "test.wasm");
    let key = tenant(data.path(), "surface", &["test"]);
    let host = HttpHost::start(data.path(), Some(plugins.path()), &["--no-watch"], None).await;
    let connect = async |capable| {
        let client = Client { capable, ..Client::default() };
        HttpHostRef { base: host.base.clone() }.connect_sessionless(&key, client).await
    };
    let client = connect(true).await;
    let accepted = call(&client, "test_elicitation", json!({"message": "accept"})).await;
    assert!(accepted.contains("accept") && accepted.contains("ada@example.com"), "{accepted}");
    assert_eq!(call(&client, "test_sampling", json!({"prompt": "hi"})).await, "LLM response: echo hi");
    assert_eq!(call(&client, "test_input_required_result_multi_round", json!({})).await, r#""ada" likes "ada""#);
    let prompt = client
        .get_prompt(GetPromptRequestParams::new("test_input_required_result_prompt"))
        .await
        .expect("prompts/get, answered by retrying");
    assert_eq!(serde_json::to_value(&prompt.messages[0].content).unwrap()["text"], r#"Use this context: "ada""#);

    let once = |name: &'static str, state: Option<String>| {
        let mut request = CallToolRequestParams::new(name);
        if let Some(state) = state {
            request.request_state = Some(state);
            request.input_responses =
                Some([("confirm".to_owned(), json!({"action": "accept", "content": {"ok": true}}))].into());
        }
        client.peer().call_tool_once(request)
    };
    let asked = match once("test_input_required_result_request_state", None).await {
        Ok(CallToolResponse::InputRequired(asked)) => asked,
        other => panic!("an input-required result, not {other:?}"),
    };
    assert_eq!(asked.input_requests.unwrap().keys().collect::<Vec<_>>(), ["confirm"]);
    let state = asked.request_state.expect("a request state");
    let altered =
        mcp_error(once("test_input_required_result_request_state", Some(format!("{state}A"))).await.unwrap_err());
    assert_eq!(altered.code, ErrorCode::INVALID_PARAMS, "{altered:?}");
    let elsewhere =
        mcp_error(once("test_input_required_result_tampered_state", Some(state.clone())).await.unwrap_err());
    assert_eq!(elsewhere.code, ErrorCode::INVALID_PARAMS, "{elsewhere:?}");
    let Ok(CallToolResponse::Complete(done)) = once("test_input_required_result_request_state", Some(state)).await
    else {
        panic!("the honest retry completes")
    };
    assert_eq!(text(&done), "state-ok: confirmed=true");

    let incapable = connect(false).await;
    let refused =
        mcp_error(incapable.call_tool(CallToolRequestParams::new("test_missing_capability")).await.unwrap_err());
    assert_eq!(refused.code, ErrorCode::MISSING_REQUIRED_CLIENT_CAPABILITY, "{refused:?}");
    assert_eq!(refused.data.unwrap()["requiredCapabilities"], json!({"sampling": {}}));
}

/// Legacy HTTP+SSE, which rmcp's client no longer speaks, from raw HTTP:
/// the plugin's elicitation reaches the client as a request on the event
/// stream, the client's answer (posted like any message) reaches the
/// plugin, and the tool's result follows.
#[tokio::test(flavor = "multi_thread")]
async fn a_plugin_asks_its_client_over_legacy_sse() {
    use crate::support::http::SseReader;
    let data = tempfile::tempdir().unwrap();
    let plugins = PluginsDir::new().with(&fixture("conformance"), "test.wasm");
    let key = tenant(data.path(), "surface", &["test"]);
    let host = HttpHost::start(data.path(), Some(plugins.path()), &["--no-watch"], None).await;
    let http = crate::support::http::client();
    let stream = http.get(host.url("/sse")).bearer_auth(&key).send().await.unwrap();
    let mut events = SseReader::new(stream);
    let endpoint = events.next().await.expect("endpoint event").data;
    let post = async |body: serde_json::Value| {
        let status = http.post(host.url(&endpoint)).bearer_auth(&key).json(&body).send().await.unwrap().status();
        assert_eq!(status, 202, "{body}");
    };
    let mut next = async || -> serde_json::Value {
        let event = tokio::time::timeout(Duration::from_secs(10), events.next()).await.expect("an event in time");
        serde_json::from_str(&event.expect("the stream is open").data).unwrap()
    };
    let capabilities = json!({"elicitation": {}});
    let info = json!({"name": "raw", "version": "1"});
    post(json!({"jsonrpc": "2.0", "id": 1, "method": "initialize",
        "params": {"protocolVersion": "2025-06-18", "capabilities": capabilities, "clientInfo": info}}))
    .await;
    assert_eq!(next().await["id"], 1);
    post(json!({"jsonrpc": "2.0", "method": "notifications/initialized"})).await;
    post(json!({"jsonrpc": "2.0", "id": 2, "method": "tools/call",
        "params": {"name": "test_elicitation", "arguments": {"message": "accept"}}}))
    .await;
    let asked = next().await;
    assert_eq!(asked["method"], "elicitation/create", "{asked}");
    assert_eq!(asked["params"]["message"], "accept");
    let answer = json!({"action": "accept", "content": {"username": "ada", "email": "ada@example.com"}});
    post(json!({"jsonrpc": "2.0", "id": asked["id"], "result": answer})).await;
    let called = next().await;
    assert_eq!(called["id"], 2, "{called}");
    let said = called["result"]["content"][0]["text"].as_str().unwrap();
    assert!(said.contains("action=accept") && said.contains("ada@example.com"), "{said}");
}

/// `berth serve --stdio` for tenant `surface`, with `client` connected.
async fn stdio_client<H: ClientHandler>(data: &Path, plugins: &Path, client: H) -> RunningService<RoleClient, H> {
    StdioHost::start_with(Start { tenant: "surface", ..Start::new(plugins, data, "") }, client).await.client
}

#[tokio::test(flavor = "multi_thread")]
async fn a_plugin_serves_resources_prompts_and_its_client_over_stdio() {
    let data = tempfile::tempdir().unwrap();
    let plugins = PluginsDir::new().with(&fixture("conformance"), "test.wasm");
    tenant(data.path(), "surface", &["test"]);
    let client = |capable| Client { capable, ..Client::default() };
    serves_the_whole_surface(stdio_client(data.path(), plugins.path(), client(true)).await).await;
    refuses_what_the_client_cannot_do(stdio_client(data.path(), plugins.path(), client(false)).await).await;
}

/// `server/discover` (2026-07-28) declares what the tenant's own plugins
/// offer: prompts, resources and completion for a tenant with the fixture,
/// none of them for one whose only plugin is a 0.1 component with tools.
#[tokio::test(flavor = "multi_thread")]
async fn discovery_declares_what_the_tenants_plugins_offer() {
    let data = tempfile::tempdir().unwrap();
    let plugins = PluginsDir::new().with(&fixture("conformance"), "test.wasm").with(&fixture("legacy"), "legacy.wasm");
    let rich = tenant(data.path(), "rich", &["test"]);
    let plain = tenant(data.path(), "plain", &["legacy"]);
    let host = HttpHost::start(data.path(), Some(plugins.path()), &["--no-watch"], None).await;
    let discover = async |key: &str| {
        let client = host.client_on(key, ProtocolVersion::LATEST).await;
        let meta = RequestMetaObject::with_client_context(
            ProtocolVersion::LATEST,
            Implementation::new("berth-e2e", "0.1.0"),
            ClientCapabilities::default(),
        );
        client.discover(meta).await.expect("server/discover").capabilities
    };
    let offered = discover(&rich).await;
    assert!(offered.prompts.is_some() && offered.resources.is_some() && offered.completions.is_some(), "{offered:?}");
    let offered = discover(&plain).await;
    assert!(offered.tools.is_some(), "{offered:?}");
    assert!(offered.prompts.is_none() && offered.resources.is_none() && offered.completions.is_none(), "{offered:?}");
}

/// A client whose human never answers, and says when they were asked.
#[derive(Clone)]
struct Stalling(Arc<tokio::sync::Notify>);

impl ClientHandler for Stalling {
    fn get_info(&self) -> ClientConfig {
        let capabilities = ClientCapabilities::builder().enable_elicitation().build();
        ClientConfig::new(capabilities, Implementation::new("berth-e2e", "0.1.0"))
    }

    async fn create_elicitation(
        &self,
        _: ElicitRequestParams,
        _: RequestContext<RoleClient>,
    ) -> Result<ElicitResult, ErrorData> {
        self.0.notify_one();
        std::future::pending().await
    }
}

/// A client that cancels a call while the plugin waits for its human ends
/// the call: it is audited as cancelled and the session goes on.
#[tokio::test(flavor = "multi_thread")]
async fn cancelling_a_call_that_waits_on_the_client_ends_it() {
    use rmcp::model::{CallToolRequest, ClientRequest};
    let data = tempfile::tempdir().unwrap();
    let plugins = PluginsDir::new().with(&fixture("conformance"), "test.wasm");
    tenant(data.path(), "surface", &["test"]);
    let asked = Arc::new(tokio::sync::Notify::new());
    let client = stdio_client(data.path(), plugins.path(), Stalling(asked.clone())).await;
    let arguments = json!({"message": "accept"}).as_object().unwrap().clone();
    let request = CallToolRequest::new(CallToolRequestParams::new("test_elicitation").with_arguments(arguments));
    let handle = client
        .peer()
        .send_cancellable_request(ClientRequest::CallToolRequest(request), Default::default())
        .await
        .expect("send");
    tokio::time::timeout(Duration::from_secs(10), asked.notified()).await.expect("the plugin asked the human");
    handle.cancel(Some("changed my mind".into())).await.expect("cancel");
    let tail = crate::support::http::audit_tail(data.path(), 1, &[]).await;
    assert!(tail.contains("cancelled by the client") && tail.contains("elicitation"), "{tail}");
    let after = client.call_tool(CallToolRequestParams::new("test_simple_text")).await.expect("the session goes on");
    assert_eq!(text(&after), "This is a simple text response for testing.");
}
