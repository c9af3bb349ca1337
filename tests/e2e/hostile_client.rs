//! A hostile client, authenticated or not, over raw TCP, `/mcp`, `/sse`
//! and stdio: sockets that say nothing or trickle, ambiguous requests,
//! malformed and duplicate JSON-RPC, and strings meant to flood the log. The
//! host answers each in the protocol's own terms, within bounded time, and
//! keeps serving everyone else.

use crate::support::http::{HttpHost, SseReader, client, tenant};
use crate::support::{PluginsDir, bundled, fixture, text};
use rmcp::model::CallToolRequestParams;
use serde_json::{Value, json};
use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpSocket, TcpStream};

fn plugins() -> PluginsDir {
    PluginsDir::new().with(&bundled("hello"), "hello.wasm").with(&fixture("hostile"), "hostile.wasm")
}

fn initialize(id: i64) -> Value {
    json!({"jsonrpc":"2.0","id":id,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"raw","version":"1"}}})
}

fn sleep_call(id: i64, ms: u64) -> Value {
    json!({"jsonrpc":"2.0","id":id,"method":"tools/call","params":{"name":"hostile_sleep","arguments":{"ms":ms}}})
}

/// The host's `ip:port`.
fn address(host: &HttpHost) -> SocketAddr {
    host.base.trim_start_matches("http://").parse().unwrap()
}

/// A TCP connection to the host from the loopback address `from`.
async fn connect_from(from: &str, to: SocketAddr) -> TcpStream {
    let socket = TcpSocket::new_v4().unwrap();
    socket.bind(SocketAddr::new(from.parse::<IpAddr>().unwrap(), 0)).unwrap();
    socket.connect(to).await.unwrap()
}

/// Whether the host closed `stream` within `within` (read gives EOF or an
/// error); anything it sends first (an error response) is read past.
async fn closed_within(stream: &mut TcpStream, within: Duration) -> bool {
    let deadline = tokio::time::Instant::now() + within;
    let mut buffer = [0u8; 4096];
    loop {
        match tokio::time::timeout_at(deadline, stream.read(&mut buffer)).await {
            Err(_) => return false,
            Ok(Ok(0) | Err(_)) => return true,
            Ok(Ok(_)) => {}
        }
    }
}

/// One raw HTTP/1.1 exchange: writes `request`, returns the status line and
/// body of the answer (the host closes after it, `Connection: close`).
async fn raw_http(to: SocketAddr, request: &str) -> (String, String) {
    let mut stream = TcpStream::connect(to).await.unwrap();
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut answer)).await.unwrap().unwrap();
    let answer = String::from_utf8_lossy(&answer).into_owned();
    let status = answer.lines().next().unwrap_or_default().to_owned();
    let body = answer.split("\r\n\r\n").nth(1).unwrap_or_default().to_owned();
    (status, body)
}

/// 300 sockets that send nothing or trickle their headers, from ten
/// addresses, against a host held to 256 file descriptors: each address
/// keeps only its share, an honest client is served all the while, and the
/// host closes every one of them by the header deadline. Past the total
/// bound, connections are closed as soon as they are accepted.
#[tokio::test]
async fn slow_and_idle_sockets_are_bounded_and_closed_and_a_client_is_still_served() {
    let data = tempfile::tempdir().unwrap();
    let key = tenant(data.path(), "acme", &["hello"]);
    let settings = "[http]\nheader_read_timeout_ms = 4000\nmax_connections = 150\nmax_connections_per_peer = 12\n";
    let host = HttpHost::start(data.path(), None, &[], Some(settings)).await;
    let limited = std::process::Command::new("prlimit")
        .arg(format!("--pid={}", host.pid()))
        .arg("--nofile=256:256")
        .status()
        .expect("run prlimit");
    assert!(limited.success());
    let to = address(&host);

    let started = Instant::now();
    let mut hostile = Vec::new();
    for peer in 2..12 {
        for n in 0..30 {
            let mut stream = connect_from(&format!("127.0.0.{peer}"), to).await;
            if n % 2 == 0 {
                // Headers begun, never finished (the host may have closed it already).
                let _ = stream.write_all(b"POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ").await;
            }
            hostile.push(stream);
        }
    }
    // An honest client from another address gets through while they last.
    let client = tokio::time::timeout(Duration::from_secs(30), host.client(&key)).await.expect("connects in time");
    let greet =
        CallToolRequestParams::new("hello_greet").with_arguments(json!({"name": "ada"}).as_object().unwrap().clone());
    assert_eq!(text(&client.call_tool(greet).await.unwrap()), "Hello, ada!");
    // Every hostile socket is closed, none later than the header deadline allows.
    let closing = hostile.iter_mut().map(|stream| closed_within(stream, Duration::from_secs(12)));
    let closed = futures::future::join_all(closing).await;
    assert!(closed.iter().all(|closed| *closed), "{} of 300 left open", closed.iter().filter(|c| !**c).count());
    assert!(started.elapsed() < Duration::from_secs(25), "took {:?}", started.elapsed());
    let said = host.stderr().into_iter().filter(|line| line.contains("connection(s) at once")).count();
    assert!((1..=3).contains(&said), "{said} warnings: one per ten seconds, not one per socket");

    // One address: its connections past its bound are closed at once.
    let mut first = Vec::new();
    for _ in 0..12 {
        first.push(connect_from("127.0.0.20", to).await);
    }
    let mut over = connect_from("127.0.0.20", to).await;
    assert!(closed_within(&mut over, Duration::from_millis(1000)).await, "the 13th from one address");
    assert!(!closed_within(&mut first[0], Duration::from_millis(100)).await, "the first 12 stay open for now");
    // Many addresses: past the total bound, connections are closed at once.
    let mut more = Vec::new();
    for peer in 21..33 {
        for _ in 0..12 {
            more.push(connect_from(&format!("127.0.0.{peer}"), to).await);
        }
    }
    let closing = more.iter_mut().map(|stream| closed_within(stream, Duration::from_millis(1000)));
    let closed = futures::future::join_all(closing).await.into_iter().filter(|closed| *closed).count();
    assert!(closed >= 12 + 144 - 150, "only {closed} of 144 closed with 156 open against a bound of 150");
    assert!(closed < 144, "all of them closed");
    drop((first, more));
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(!client.list_tools(None).await.expect("the client is still served").tools.is_empty());
}

/// An HTTP/2 connection that opens and then says nothing is closed once it
/// has been idle for `idle_timeout_secs`; hyper alone would keep it.
#[tokio::test]
async fn idle_connections_are_closed_after_the_idle_timeout() {
    let data = tempfile::tempdir().unwrap();
    let settings = "[limits]\ncall_timeout_ms = 1000\n[http]\nsse_keep_alive_secs = 1\nidle_timeout_secs = 2\nsession_idle_secs = 2\n";
    let host = HttpHost::start(data.path(), None, &[], Some(settings)).await;
    let mut stream = TcpStream::connect(address(&host)).await.unwrap();
    // The HTTP/2 preface and an empty SETTINGS frame: a connection, no request.
    stream.write_all(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\x00\x00\x00\x04\x00\x00\x00\x00\x00").await.unwrap();
    let opened = Instant::now();
    assert!(closed_within(&mut stream, Duration::from_secs(10)).await, "still open after 10 s");
    let after = opened.elapsed();
    assert!(after >= Duration::from_millis(1500), "closed after {after:?}, before it was idle for 2 s");
}

/// A body trickled past the body deadline gets 408; a chunked body past the
/// cap gets 413 (it was 500), and both are refused without harm to others.
#[tokio::test]
async fn trickled_bodies_get_408_and_oversized_chunked_bodies_413() {
    let data = tempfile::tempdir().unwrap();
    let key = tenant(data.path(), "acme", &["hello"]);
    let settings = "[http]\nbody_read_timeout_ms = 1000\nbody_limit_kib = 64\n";
    let host = HttpHost::start(data.path(), None, &[], Some(settings)).await;
    let to = address(&host);

    let mut stream = TcpStream::connect(to).await.unwrap();
    let head = format!(
        "POST /mcp HTTP/1.1\r\nHost: {to}\r\nAuthorization: Bearer {key}\r\nContent-Type: application/json\r\nAccept: application/json, text/event-stream\r\nContent-Length: 1000\r\n\r\n{{\"jsonrpc\""
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    let started = Instant::now();
    let mut answer = vec![0u8; 4096];
    let read =
        tokio::time::timeout(Duration::from_secs(10), stream.read(&mut answer)).await.expect("answered").unwrap();
    let answer = String::from_utf8_lossy(&answer[..read]);
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(started.elapsed() < Duration::from_secs(5), "{:?}", started.elapsed());

    let chunk = "x".repeat(16 * 1024);
    let chunks = futures::stream::iter((0..8).map(move |_| Ok::<_, std::io::Error>(chunk.clone())));
    let response = client()
        .post(host.url("/mcp"))
        .bearer_auth(&key)
        .header("content-type", "application/json")
        .header("accept", "application/json, text/event-stream")
        .body(reqwest::Body::wrap_stream(chunks))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 413);
    let served = host.client(&key).await;
    assert!(!served.list_tools(None).await.unwrap().tools.is_empty());
}

/// `POST /mcp` with `body`, accepting `accept`, in `session` if given.
async fn post_mcp(host: &HttpHost, key: &str, session: Option<&str>, accept: &str, body: String) -> reqwest::Response {
    mcp_request(host, key, session, accept, body).send().await.unwrap()
}

/// The request [`post_mcp`] sends, to send later.
fn mcp_request(
    host: &HttpHost,
    key: &str,
    session: Option<&str>,
    accept: &str,
    body: String,
) -> reqwest::RequestBuilder {
    let mut request = client()
        .post(host.url("/mcp"))
        .bearer_auth(key)
        .header("content-type", "application/json")
        .header("accept", accept);
    if let Some(session) = session {
        request = request.header("mcp-session-id", session).header("mcp-protocol-version", "2025-06-18");
    }
    request.body(body)
}

/// The JSON-RPC message a `/mcp` answer carries, JSON or SSE.
async fn message_of(response: reqwest::Response) -> Value {
    let kind = response.headers()["content-type"].to_str().unwrap().to_owned();
    if kind.starts_with("application/json") {
        return response.json().await.unwrap();
    }
    let mut events = SseReader::new(response);
    loop {
        let event = events.next().await.expect("an answer before the stream ends");
        if !event.data.is_empty() {
            return serde_json::from_str(&event.data).unwrap();
        }
    }
}

/// Opens a `/mcp` session as a client accepting `accept`; returns its id.
async fn open_session(host: &HttpHost, key: &str, accept: &str) -> String {
    let opened = post_mcp(host, key, None, accept, initialize(1).to_string()).await;
    assert_eq!(opened.status(), 200);
    let session = opened.headers()["mcp-session-id"].to_str().unwrap().to_owned();
    message_of(opened).await;
    let initialized = json!({"jsonrpc":"2.0","method":"notifications/initialized"}).to_string();
    assert_eq!(post_mcp(host, key, Some(&session), accept, initialized).await.status(), 202);
    session
}

/// Malformed JSON, batches, `id: null`, deep nesting, non-object
/// `arguments` and a request before `initialize` all get a JSON-RPC error
/// in a JSON body, with the status the error calls for.
#[tokio::test]
async fn mcp_answers_protocol_errors_with_json_rpc_errors() {
    let data = tempfile::tempdir().unwrap();
    let key = tenant(data.path(), "acme", &["hello"]);
    let host = HttpHost::start(data.path(), None, &[], None).await;
    let both = "application/json, text/event-stream";
    let session = open_session(&host, &key, both).await;
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let cases = [
        ("{\"jsonrpc\":", 400, -32700),
        (deep.as_str(), 400, -32700),
        ("[{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\"}]", 400, -32600),
        ("{\"jsonrpc\":\"2.0\",\"id\":null,\"method\":\"tools/list\"}", 400, -32600),
    ];
    for (body, status, code) in cases {
        let response = post_mcp(&host, &key, Some(&session), both, body.to_owned()).await;
        assert_eq!(response.status(), status, "{:.60}", body);
        assert!(response.headers()["content-type"].to_str().unwrap().starts_with("application/json"));
        let error: Value = response.json().await.unwrap();
        assert_eq!((&error["error"]["code"], &error["id"]), (&json!(code), &Value::Null), "{error}");
    }
    let bad_arguments =
        json!({"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"hello_greet","arguments":"ada"}});
    let error = message_of(post_mcp(&host, &key, Some(&session), both, bad_arguments.to_string()).await).await;
    assert_eq!((&error["error"]["code"], &error["id"]), (&json!(-32602), &json!(5)), "{error}");

    let early = json!({"jsonrpc":"2.0","id":9,"method":"tools/list"}).to_string();
    let response = post_mcp(&host, &key, None, both, early).await;
    assert!(response.headers()["content-type"].to_str().unwrap().starts_with("application/json"));
    let error: Value = response.json().await.unwrap();
    assert_eq!((&error["error"]["code"], &error["id"]), (&json!(-32600), &json!(9)), "{error}");
}

/// A second request with an id still in flight is refused at once with
/// "request id already in use"; the first completes, and the session, its
/// slots and the tenant stay usable. On `/mcp`, `/sse` and stdio alike.
#[tokio::test]
async fn duplicate_request_ids_are_refused_at_once_and_the_first_call_completes() {
    let data = tempfile::tempdir().unwrap();
    let key = tenant(data.path(), "acme", &["hostile"]);
    let dir = plugins();
    let mut host = HttpHost::start(
        data.path(),
        Some(dir.path()),
        &["--stdio", "--tenant", "acme"],
        Some("[admission]\nmax_calls_per_tenant = 4\n"),
    )
    .await;
    let both = "application/json, text/event-stream";

    // /mcp
    let session = open_session(&host, &key, both).await;
    let first = tokio::spawn(mcp_request(&host, &key, Some(&session), both, sleep_call(7, 1500).to_string()).send());
    tokio::time::sleep(Duration::from_millis(300)).await;
    let started = Instant::now();
    let second = message_of(post_mcp(&host, &key, Some(&session), both, sleep_call(7, 10).to_string()).await).await;
    assert!(started.elapsed() < Duration::from_secs(1), "answered at once, not after {:?}", started.elapsed());
    assert_eq!((&second["error"]["code"], &second["id"]), (&json!(-32600), &json!(7)), "{second}");
    assert!(second["error"]["message"].as_str().unwrap().contains("request id already in use"), "{second}");
    let first = message_of(first.await.unwrap().unwrap()).await;
    assert_eq!(first["result"]["content"][0]["text"], "slept 1500 ms", "{first}");
    for id in 10..16 {
        // More calls than the tenant's 4 slots: none was leaked.
        let answer = message_of(post_mcp(&host, &key, Some(&session), both, sleep_call(id, 1).to_string()).await).await;
        assert_eq!(answer["result"]["content"][0]["text"], "slept 1 ms", "{answer}");
    }
    let reused = message_of(post_mcp(&host, &key, Some(&session), both, sleep_call(7, 1).to_string()).await).await;
    assert_eq!(reused["result"]["content"][0]["text"], "slept 1 ms", "an answered id may be used again: {reused}");

    // /sse
    let http = client();
    let mut events = SseReader::new(http.get(host.url("/sse")).bearer_auth(&key).send().await.unwrap());
    let endpoint = host.url(&events.next().await.unwrap().data);
    let post =
        async |message: Value| http.post(&endpoint).bearer_auth(&key).json(&message).send().await.unwrap().status();
    assert_eq!(post(initialize(1)).await, 202);
    events.next().await.unwrap();
    assert_eq!(post(json!({"jsonrpc":"2.0","method":"notifications/initialized"})).await, 202);
    assert_eq!(post(sleep_call(3, 1000)).await, 202);
    assert_eq!(post(sleep_call(3, 10)).await, 202);
    let mut answers = Vec::new();
    while answers.len() < 2 {
        let event = tokio::time::timeout(Duration::from_secs(10), events.next()).await.expect("both answered").unwrap();
        if event.event == "message" {
            answers.push(serde_json::from_str::<Value>(&event.data).unwrap());
        }
    }
    assert_eq!(answers[0]["error"]["code"], -32600, "the duplicate first: {answers:?}");
    assert_eq!(answers[1]["result"]["content"][0]["text"], "slept 1000 ms", "{answers:?}");

    // stdio
    let (mut stdin, stdout) = host.take_stdio();
    let mut lines = BufReader::new(stdout).lines();
    for message in [
        initialize(1),
        json!({"jsonrpc":"2.0","method":"notifications/initialized"}),
        sleep_call(4, 1000),
        sleep_call(4, 10),
    ] {
        stdin.write_all(format!("{message}\n").as_bytes()).await.unwrap();
    }
    let mut answers = Vec::new();
    while answers.len() < 3 {
        let line =
            tokio::time::timeout(Duration::from_secs(10), lines.next_line()).await.expect("answered").unwrap().unwrap();
        answers.push(serde_json::from_str::<Value>(&line).unwrap());
    }
    assert_eq!((&answers[1]["error"]["code"], &answers[1]["id"]), (&json!(-32600), &json!(4)), "{answers:?}");
    assert_eq!(answers[2]["result"]["content"][0]["text"], "slept 1000 ms", "{answers:?}");
}

/// A JSON-only client that cancels its call gets a JSON-RPC error for it,
/// not a 500.
#[tokio::test]
async fn a_json_only_client_gets_a_json_rpc_error_for_a_call_it_cancelled() {
    let data = tempfile::tempdir().unwrap();
    let key = tenant(data.path(), "acme", &["hostile"]);
    let dir = plugins();
    let host = HttpHost::start(data.path(), Some(dir.path()), &[], None).await;
    let session = open_session(&host, &key, "application/json").await;
    let call = tokio::spawn(
        mcp_request(&host, &key, Some(&session), "application/json", sleep_call(2, 3000).to_string()).send(),
    );
    tokio::time::sleep(Duration::from_millis(500)).await;
    let cancel = json!({"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":2,"reason":"user"}});
    assert_eq!(post_mcp(&host, &key, Some(&session), "application/json", cancel.to_string()).await.status(), 202);
    let answer = call.await.unwrap().unwrap();
    assert_eq!(answer.status(), 200);
    let error: Value = answer.json().await.unwrap();
    assert_eq!((&error["error"]["code"], &error["id"]), (&json!(-32800), &json!(2)), "{error}");
}

/// A JSON-only client whose call is still running when the shutdown grace
/// ends gets a JSON-RPC error saying so, not a 500.
#[tokio::test]
async fn a_json_only_client_gets_a_json_rpc_error_for_a_call_the_shutdown_cut_short() {
    let data = tempfile::tempdir().unwrap();
    let key = tenant(data.path(), "acme", &["hostile"]);
    let dir = plugins();
    let mut host = HttpHost::start(data.path(), Some(dir.path()), &[], Some("[http]\nshutdown_grace_ms = 300\n")).await;
    let session = open_session(&host, &key, "application/json").await;
    let call = tokio::spawn(
        mcp_request(&host, &key, Some(&session), "application/json", sleep_call(2, 5000).to_string()).send(),
    );
    tokio::time::sleep(Duration::from_millis(500)).await;
    host.signal("TERM");
    let answer = call.await.unwrap().unwrap();
    assert_eq!(answer.status(), 200);
    let error: Value = answer.json().await.unwrap();
    assert_eq!((&error["error"]["code"], &error["id"]), (&json!(-32800), &json!(2)), "{error}");
    assert!(error["error"]["message"].as_str().unwrap().contains("shut down"), "{error}");
    assert_eq!(host.wait().await, Some(0));
}

/// A tenant that opened its share of sessions and walked away gets them
/// back after the idle timeout, not after five minutes.
#[tokio::test]
async fn abandoned_sessions_free_their_slots_after_the_idle_timeout() {
    let data = tempfile::tempdir().unwrap();
    let key = tenant(data.path(), "acme", &["hello"]);
    let settings =
        "[limits]\ncall_timeout_ms = 1000\n[http]\nsession_idle_secs = 2\n[admission]\nmax_sessions_per_tenant = 2\n";
    let host = HttpHost::start(data.path(), None, &[], Some(settings)).await;
    let both = "application/json, text/event-stream";
    open_session(&host, &key, both).await;
    open_session(&host, &key, both).await;
    assert_eq!(post_mcp(&host, &key, None, both, initialize(1).to_string()).await.status(), 429);
    tokio::time::sleep(Duration::from_secs(4)).await;
    open_session(&host, &key, both).await;
}

/// A megabyte-long tool name comes back, and goes to the log, cut short.
#[tokio::test]
async fn unknown_tool_names_are_cut_in_the_error_and_the_log() {
    let data = tempfile::tempdir().unwrap();
    let key = tenant(data.path(), "acme", &["hello"]);
    let host = HttpHost::start(data.path(), None, &[], Some("[http]\nbody_limit_kib = 2048\n")).await;
    let both = "application/json, text/event-stream";
    let session = open_session(&host, &key, both).await;
    let name = "x".repeat(1024 * 1024);
    let call = json!({"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":name,"arguments":{}}});
    let error = message_of(post_mcp(&host, &key, Some(&session), both, call.to_string()).await).await;
    assert_eq!(error["error"]["code"], -32602, "{error}");
    let message = error["error"]["message"].as_str().unwrap();
    assert!(message.starts_with("unknown tool `xxx") && message.len() < 400, "{} bytes", message.len());
    let bad = json!({"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"name":"hello_greet","arguments":{"name":[name]}}});
    let result = message_of(post_mcp(&host, &key, Some(&session), both, bad.to_string()).await).await;
    let said = result["result"]["content"][0]["text"].as_str().unwrap_or_else(|| panic!("{result}"));
    assert!(said.starts_with("invalid arguments for `hello_greet`") && said.len() < 1000, "{} bytes", said.len());
    tokio::time::sleep(Duration::from_millis(300)).await;
    let longest = host.stderr().iter().map(String::len).max().unwrap_or(0);
    assert!(longest < 4096, "a log line of {longest} bytes");
}

/// `BEARER` is as good as `Bearer`, for tenants and the admin alike; two
/// `Host` headers, or an absolute-form target naming another host, are
/// refused.
#[tokio::test]
async fn bearer_is_case_insensitive_and_ambiguous_hosts_are_refused() {
    let data = tempfile::tempdir().unwrap();
    let key = tenant(data.path(), "acme", &["hello"]);
    let admin = "an-admin-token-of-some-length";
    let host = HttpHost::start(data.path(), None, &[], Some(&format!("[admin]\ntoken = \"{admin}\"\n"))).await;
    let http = client();
    for scheme in ["BEARER", "bearer", "Bearer"] {
        let sse = http.get(host.url("/sse")).header("authorization", format!("{scheme} {key}")).send().await.unwrap();
        assert_eq!(sse.status(), 200, "{scheme}");
        let metrics =
            http.get(host.url("/metrics")).header("authorization", format!("{scheme} {admin}")).send().await.unwrap();
        assert_eq!(metrics.status(), 200, "{scheme} on /metrics");
    }
    let to = address(&host);
    let get = |target: &str, hosts: &[String]| {
        let hosts: String = hosts.iter().map(|host| format!("Host: {host}\r\n")).collect();
        format!("GET {target} HTTP/1.1\r\n{hosts}Authorization: Bearer {admin}\r\nConnection: close\r\n\r\n")
    };
    let (status, _) = raw_http(to, &get("/metrics", &[to.to_string()])).await;
    assert!(status.starts_with("HTTP/1.1 200"), "{status}");
    let (status, body) = raw_http(to, &get("/metrics", &[to.to_string(), "evil.example".into()])).await;
    assert!(
        status.starts_with("HTTP/1.1 400") && body.contains("more than one Host"),
        "two Host headers: {status} {body}"
    );
    let (status, body) = raw_http(to, &get("http://evil.example/metrics", &[to.to_string()])).await;
    assert!(status.starts_with("HTTP/1.1 400"), "absolute-form naming another host: {status} {body}");
    let (status, _) = raw_http(to, &get(&format!("http://{to}/metrics"), &[to.to_string()])).await;
    assert!(status.starts_with("HTTP/1.1 200"), "absolute-form naming this host: {status}");
}

/// Over stdio: invalid JSON, invalid UTF-8, two messages on one line and a
/// line over the cap each get `-32700` with `id: null` and a log line; the
/// session goes on and answers the next request.
#[tokio::test]
async fn stdio_answers_what_it_cannot_read_and_goes_on() {
    let data = tempfile::tempdir().unwrap();
    tenant(data.path(), "acme", &["hello"]);
    let mut host =
        HttpHost::start(data.path(), None, &["--stdio", "--tenant", "acme"], Some("[http]\nbody_limit_kib = 64\n"))
            .await;
    let (mut stdin, stdout) = host.take_stdio();
    let mut lines = BufReader::new(stdout).lines();
    stdin.write_all(format!("{}\n", initialize(1)).as_bytes()).await.unwrap();
    let _ = lines.next_line().await.unwrap().unwrap();
    stdin.write_all(b"{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}\n").await.unwrap();
    let mut long = vec![b'x'; 200 * 1024];
    long.push(b'\n');
    let garbage: [&[u8]; 4] = [
        b"{\"jsonrpc\": \"2.0\", \"id\": \n",
        b"{\"jsonrpc\":\"2.0\",\"id\":\"\xff\xfe\",\"method\":\"tools/list\"}\n",
        b"{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/list\"}{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/list\"}\n",
        &long,
    ];
    for line in garbage {
        stdin.write_all(line).await.unwrap();
        let answer = tokio::time::timeout(Duration::from_secs(10), lines.next_line())
            .await
            .expect("an answer")
            .unwrap()
            .unwrap();
        let error: Value = serde_json::from_str(&answer).unwrap();
        assert_eq!((&error["error"]["code"], &error["id"]), (&json!(-32700), &Value::Null), "{error}");
    }
    stdin.write_all(b"{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"tools/list\"}\n").await.unwrap();
    let answer: Value = serde_json::from_str(&lines.next_line().await.unwrap().unwrap()).unwrap();
    assert_eq!(answer["id"], 4, "{answer}");
    assert!(answer["result"]["tools"].as_array().is_some_and(|tools| !tools.is_empty()), "{answer}");
    let refused = host.stderr().iter().filter(|line| line.contains("refused a message on stdio")).count();
    assert_eq!(refused, 4, "{:?}", host.stderr());
}

/// A failure inside the host (here a credential row that no longer
/// decodes) reaches the agent as a short message with an id; the detail is
/// only in the log, under that id.
#[tokio::test]
async fn internal_errors_reach_the_agent_as_an_id_and_the_detail_only_the_log() {
    let data = tempfile::tempdir().unwrap();
    crate::support::http::cli_with_stdin(
        data.path(),
        &[
            "credential",
            "set",
            "--tenant",
            "default",
            "--plugin",
            "probe",
            "bearer",
            "--scheme",
            "bearer",
            "--bind",
            "http://127.0.0.1:9",
        ],
        "tok-1234567890\n",
    );
    let db = rusqlite::Connection::open(data.path().join("berth.db")).unwrap();
    assert_eq!(db.execute("UPDATE credentials SET params = 'not json'", []).unwrap(), 1);
    drop(db);
    let dir = PluginsDir::new().with(&fixture("probe"), "probe.wasm");
    let host = crate::support::StdioHost::start(crate::support::Start::new(dir.path(), data.path(), "")).await;
    let error = host.call("probe_fetch", json!({"url": "http://127.0.0.1:9/"})).await.unwrap_err().to_string();
    assert!(error.contains("internal error (id "), "{error}");
    assert!(!error.contains("corrupt") && !error.contains("bearer"), "{error}");
    let id = error.split("internal error (id ").nth(1).unwrap().split(')').next().unwrap().to_owned();
    host.wait_for_log(&[&id, "credential `bearer` is corrupt"]).await;
}
