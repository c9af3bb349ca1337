//! The fake Zendesk account answers like a real one: API-token, OAuth and
//! refused password sign-in, cursor and offset pagination, the search
//! language, ticket writes with their audits and comments, and rate
//! limiting, checked over HTTPS with a real client. Every JSON body is
//! validated against the hand-written schemas in `specs/zendesk/`.

use berth_fakes::TestCa;
use berth_fakes::zendesk::{self, FakeZendesk, Options};
use reqwest::{Method, RequestBuilder, StatusCode};
use serde_json::{Value, json};
use shape::Shape;
use std::collections::BTreeSet;

/// A small JSON Schema checker over `specs/zendesk/*.json`.
mod shape {
    use serde_json::{Value, json};
    use std::collections::HashMap;
    use std::sync::{Arc, Mutex, OnceLock};

    /// Where the schemas' `$id`s live.
    const BASE: &str = "https://berth.invalid/specs/zendesk/";

    /// Resolves `BASE` URIs to the files in `specs/zendesk/`.
    struct SpecFiles;

    impl jsonschema::Retrieve for SpecFiles {
        fn retrieve(&self, uri: &jsonschema::Uri<String>) -> Result<Value, Box<dyn std::error::Error + Send + Sync>> {
            let name = uri.as_str().strip_prefix(BASE).ok_or_else(|| format!("not a spec: {uri}"))?;
            let name = name.split('#').next().unwrap_or_default();
            if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.') {
                return Err(format!("not a spec file: {uri}").into());
            }
            let path = format!("{}/specs/zendesk/{name}", env!("CARGO_MANIFEST_DIR"));
            Ok(serde_json::from_str(&std::fs::read_to_string(path)?)?)
        }
    }

    /// An expected response shape: a JSON Schema referring to the specs.
    #[derive(Debug, Clone)]
    pub struct Shape(Value);

    fn spec(reference: &str) -> Value {
        json!({"$ref": format!("{BASE}{reference}")})
    }

    /// One object (`ticket.json`) or a `$defs` entry (`error.json#/$defs/…`).
    pub fn object(reference: &str) -> Shape {
        Shape(spec(reference))
    }

    /// `{key: <object>}`.
    pub fn single(key: &str, reference: &str) -> Shape {
        Shape(json!({
            "type": "object",
            "properties": {key: spec(reference)},
            "required": [key],
            "additionalProperties": false,
        }))
    }

    /// What a ticket write returns: `{"ticket", "audit"}`.
    pub fn write() -> Shape {
        Shape(json!({
            "type": "object",
            "properties": {"ticket": spec("ticket.json"), "audit": spec("audit.json")},
            "required": ["ticket", "audit"],
            "additionalProperties": false,
        }))
    }

    fn page(envelope: &str, key: &str, item: &str) -> Shape {
        Shape(json!({
            "$ref": format!("{BASE}{envelope}#/$defs/open"),
            "properties": {key: {"type": "array", "items": spec(item)}},
            "required": [key],
            "unevaluatedProperties": false,
        }))
    }

    /// An offset page of `item`s under `key`.
    pub fn offset(key: &str, item: &str) -> Shape {
        page("offset-page.json", key, item)
    }

    /// A cursor page of `item`s under `key`.
    pub fn cursor(key: &str, item: &str) -> Shape {
        page("cursor-page.json", key, item)
    }

    /// A page of search results (offset or, for export, cursor), which
    /// also carries `"facets": null`.
    pub fn search(envelope: &str) -> Shape {
        let Shape(mut schema) = page(envelope, "results", "search-result.json");
        schema["properties"]["facets"] = json!({"type": "null"});
        schema["required"] = json!(["results", "facets"]);
        Shape(schema)
    }

    /// An error body: a `$defs` entry of `error.json`.
    pub fn error(name: &str) -> Shape {
        object(&format!("error.json#/$defs/{name}"))
    }

    fn validator(schema: &Value) -> Arc<jsonschema::Validator> {
        static CACHE: OnceLock<Mutex<HashMap<String, Arc<jsonschema::Validator>>>> = OnceLock::new();
        let mut cache = CACHE.get_or_init(Mutex::default).lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let mut schema = schema.clone();
        schema["$schema"] = json!("https://json-schema.org/draft/2020-12/schema");
        cache
            .entry(schema.to_string())
            .or_insert_with(|| {
                let built = jsonschema::options().with_retriever(SpecFiles).build(&schema);
                Arc::new(built.unwrap_or_else(|error| panic!("schema {schema} does not build: {error}")))
            })
            .clone()
    }

    impl Shape {
        /// Every way `body` departs from the shape (`path: message`).
        pub fn violations(&self, body: &Value) -> Vec<String> {
            validator(&self.0).iter_errors(body).map(|error| format!("{}: {error}", error.instance_path())).collect()
        }

        /// Panics, naming the departures, unless `body` has the shape.
        pub fn check(&self, body: &Value) {
            let violations = self.violations(body);
            assert!(violations.is_empty(), "{body:#}\ndeparts from the documented shape:\n{}", violations.join("\n"));
        }
    }
}

/// An answer: status, headers and body (JSON, or a string for plain text).
struct Answer {
    status: StatusCode,
    headers: reqwest::header::HeaderMap,
    body: Value,
}

impl Answer {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|value| value.to_str().ok())
    }

    /// The body, after checking the status and the shape.
    fn expect(self, status: StatusCode, shape: &Shape) -> Value {
        assert_eq!(self.status, status, "{:#}", self.body);
        shape.check(&self.body);
        self.body
    }
}

struct Setup {
    fake: FakeZendesk,
    client: reqwest::Client,
}

impl Setup {
    async fn start() -> Self {
        Self::with(Options::default()).await
    }

    async fn with(options: Options) -> Self {
        let fake = FakeZendesk::start(options).await.unwrap();
        let ca = reqwest::Certificate::from_pem(TestCa::get().pem().as_bytes()).unwrap();
        let client = reqwest::Client::builder().add_root_certificate(ca).build().unwrap();
        Self { fake, client }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.fake.served.base_url())
    }

    /// A request as the agent, with the API token.
    fn agent(&self, method: Method, path: &str) -> RequestBuilder {
        self.as_user(zendesk::EMAIL, method, path)
    }

    /// A request as the user with `email`, with the API token.
    fn as_user(&self, email: &str, method: Method, path: &str) -> RequestBuilder {
        self.client.request(method, self.url(path)).basic_auth(format!("{email}/token"), Some(zendesk::API_TOKEN))
    }

    async fn send(request: RequestBuilder) -> Answer {
        let response = request.send().await.unwrap();
        let (status, headers) = (response.status(), response.headers().clone());
        let text = response.text().await.unwrap();
        let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
        Answer { status, headers, body }
    }

    async fn get(&self, path: &str) -> Answer {
        Self::send(self.agent(Method::GET, path)).await
    }

    async fn put(&self, path: &str, body: Value) -> Answer {
        Self::send(self.agent(Method::PUT, path).json(&body)).await
    }

    async fn post(&self, path: &str, body: Value) -> Answer {
        Self::send(self.agent(Method::POST, path).json(&body)).await
    }

    /// The ids a search finds, sorted; checks the page's shape.
    async fn search(&self, query: &str) -> Vec<u64> {
        let body = self.get(&format!("/api/v2/search.json?query={}", encode(query))).await;
        let body = body.expect(StatusCode::OK, &shape::search("offset-page.json"));
        let mut ids: Vec<u64> = body["results"].as_array().unwrap().iter().map(id).collect();
        ids.sort_unstable();
        ids
    }
}

fn encode(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

fn id(record: &Value) -> u64 {
    record["id"].as_u64().unwrap()
}

fn ids(records: &Value) -> Vec<u64> {
    records.as_array().unwrap().iter().map(id).collect()
}

/// The path and query of a link the fake returned, after checking it
/// points back at the fake.
fn relative(setup: &Setup, link: &Value) -> String {
    let link = link.as_str().unwrap();
    let rest = link.strip_prefix(&setup.fake.served.base_url()).unwrap_or_else(|| panic!("{link} leaves the fake"));
    rest.to_owned()
}

#[tokio::test]
async fn api_tokens_and_oauth_sign_in_while_passwords_and_wrong_tokens_get_401() {
    let setup = Setup::start().await;
    let me = setup.get("/api/v2/users/me.json").await;
    assert!(me.header("x-rate-limit").is_some() && me.header("x-rate-limit-remaining").is_some());
    let me = me.expect(StatusCode::OK, &shape::single("user", "user.json"));
    assert_eq!((me["user"]["id"].as_u64(), me["user"]["role"].as_str()), (Some(zendesk::AGENT_ID), Some("agent")));

    let oauth = setup.client.get(setup.url("/api/v2/users/me")).bearer_auth(zendesk::ACCESS_TOKEN);
    let oauth = Setup::send(oauth).await.expect(StatusCode::OK, &shape::single("user", "user.json"));
    assert_eq!(oauth["user"]["email"], zendesk::EMAIL);

    let admin = Setup::send(setup.as_user("priya.natarajan@example.com", Method::GET, "/api/v2/users/me")).await;
    let admin = admin.expect(StatusCode::OK, &shape::single("user", "user.json"));
    assert_eq!(admin["user"]["id"].as_u64(), Some(zendesk::ADMIN_ID), "the token is the account's, any email works");

    let unauthenticated = shape::error("unauthenticated");
    let refused = [
        setup.client.get(setup.url("/api/v2/tickets.json")).basic_auth(zendesk::EMAIL, Some(zendesk::PASSWORD)),
        setup.client.get(setup.url("/api/v2/tickets.json")).basic_auth(format!("{}/token", zendesk::EMAIL), Some("x")),
        setup
            .client
            .get(setup.url("/api/v2/tickets.json"))
            .basic_auth("nobody@example.com/token", Some(zendesk::API_TOKEN)),
        setup.client.get(setup.url("/api/v2/tickets.json")).bearer_auth("forged"),
        setup.client.get(setup.url("/api/v2/tickets.json")),
    ];
    for request in refused {
        let answer = Setup::send(request).await;
        assert!(answer.header("www-authenticate").is_some() && answer.header("x-rate-limit").is_some());
        let body = answer.expect(StatusCode::UNAUTHORIZED, &unauthenticated);
        assert_eq!(body, json!({"error": "Couldn't authenticate you"}));
    }

    let end_user = Setup::send(setup.as_user("grace.oconnor@example.com", Method::GET, "/api/v2/tickets")).await;
    end_user.expect(StatusCode::FORBIDDEN, &shape::error("forbidden"));
    let own = Setup::send(setup.as_user("grace.oconnor@example.com", Method::GET, "/api/v2/users/me")).await;
    assert_eq!(own.expect(StatusCode::OK, &shape::single("user", "user.json"))["user"]["role"], "end-user");

    let with_passwords = Setup::with(Options { password_access: true, ..Options::default() }).await;
    let password = with_passwords.client.get(with_passwords.url("/api/v2/users/me"));
    let password = Setup::send(password.basic_auth(zendesk::EMAIL, Some(zendesk::PASSWORD))).await;
    password.expect(StatusCode::OK, &shape::single("user", "user.json"));
}

#[tokio::test]
async fn cursor_pages_walk_every_ticket_once_forwards_and_back() {
    let setup = Setup::start().await;
    let page_shape = shape::cursor("tickets", "ticket.json");
    let mut path = "/api/v2/tickets.json?page[size]=4&sort=-updated_at".to_owned();
    let (mut seen, mut pages) = (Vec::new(), Vec::new());
    loop {
        let answer = setup.get(&path).await;
        for header in ["ratelimit-limit", "ratelimit-remaining", "ratelimit-reset", "x-rate-limit-remaining"] {
            assert!(answer.header(header).is_some(), "{header} on {path}");
        }
        assert_eq!(answer.header("x-rate-limit"), Some("700"));
        let body = answer.expect(StatusCode::OK, &page_shape);
        seen.extend(ids(&body["tickets"]));
        pages.push(body.clone());
        if body["meta"]["has_more"] == false {
            break;
        }
        path = relative(&setup, &body["links"]["next"]);
        assert!(path.starts_with("/api/v2/tickets.json?sort=-updated_at&page%5Bsize%5D=4&page%5Bafter%5D="), "{path}");
    }
    assert_eq!(pages.len(), 4);
    assert_eq!(seen.len(), 15);
    assert_eq!(seen.iter().collect::<BTreeSet<_>>().len(), 15, "no ticket twice: {seen:?}");
    assert_eq!(seen[0], 109, "most recently updated first");
    let updated: Vec<String> = pages
        .iter()
        .flat_map(|page| {
            page["tickets"].as_array().unwrap().iter().map(|t| t["updated_at"].as_str().unwrap().to_owned())
        })
        .collect();
    assert!(updated.windows(2).all(|pair| pair[0] >= pair[1]), "{updated:?}");

    let mut back = Vec::new();
    let mut path = relative(&setup, &pages[3]["links"]["prev"]);
    loop {
        let body = setup.get(&path).await.expect(StatusCode::OK, &page_shape);
        back.splice(0..0, ids(&body["tickets"]));
        if body["meta"]["has_more"] == false {
            break;
        }
        path = relative(&setup, &body["links"]["prev"]);
    }
    assert_eq!(back, seen[..seen.len() - pages[3]["tickets"].as_array().unwrap().len()]);

    let by_id = setup.get("/api/v2/tickets?page%5Bsize%5D=100").await.expect(StatusCode::OK, &page_shape);
    assert_eq!(ids(&by_id["tickets"]), (101..=115).collect::<Vec<_>>(), "by id without a sort");
    assert_eq!(by_id["meta"]["has_more"], false);

    let other_sort = format!(
        "/api/v2/tickets.json?page[size]=4&sort=id&page[after]={}",
        encode(pages[0]["meta"]["after_cursor"].as_str().unwrap())
    );
    setup.get(&other_sort).await.expect(StatusCode::BAD_REQUEST, &shape::error("pagination"));
}

#[tokio::test]
async fn offset_pages_count_and_link_and_deep_or_mixed_paging_is_refused() {
    let setup = Setup::start().await;
    let page_shape = shape::offset("tickets", "ticket.json");
    let first = setup.get("/api/v2/tickets.json?per_page=6&sort_by=updated_at&sort_order=desc").await;
    assert!(first.header("zendesk-ratelimit-tickets-index").is_some());
    let first = first.expect(StatusCode::OK, &page_shape);
    assert_eq!((first["count"].as_u64(), first["previous_page"].is_null()), (Some(15), true));
    assert_eq!(ids(&first["tickets"])[..2], [109, 110]);
    let second = relative(&setup, &first["next_page"]);
    assert_eq!(second, "/api/v2/tickets.json?sort_by=updated_at&sort_order=desc&page=2&per_page=6");
    let third = setup.get("/api/v2/tickets?page=3&per_page=6").await.expect(StatusCode::OK, &page_shape);
    assert_eq!(ids(&third["tickets"]), [113, 114, 115]);
    assert!(third["next_page"].is_null() && third["previous_page"].is_string());
    let default = setup.get("/api/v2/tickets").await.expect(StatusCode::OK, &page_shape);
    assert_eq!(default["tickets"].as_array().unwrap().len(), 15);

    let deep = setup.get("/api/v2/tickets.json?page=101&per_page=100").await;
    let deep = deep.expect(StatusCode::BAD_REQUEST, &shape::error("pagination"));
    assert_eq!(deep["errors"][0]["code"], "InvalidPaginationDepth");
    setup.get("/api/v2/tickets.json?page=100&per_page=100").await.expect(StatusCode::OK, &page_shape);
    for mixed in ["/api/v2/tickets.json?page=2&page[size]=5", "/api/v2/tickets.json?per_page=5&page[size]=5"] {
        setup.get(mixed).await.expect(StatusCode::BAD_REQUEST, &shape::error("invalid_attribute"));
    }
    for bad in ["/api/v2/tickets.json?page[size]=101", "/api/v2/tickets.json?page[size]=5&page[after]=nonsense"] {
        let body = setup.get(bad).await.expect(StatusCode::BAD_REQUEST, &shape::error("pagination"));
        assert_eq!(body["errors"][0]["code"], "InvalidPaginationParameter");
    }
    setup
        .get("/api/v2/tickets.json?sort=colour")
        .await
        .expect(StatusCode::BAD_REQUEST, &shape::error("invalid_attribute"));

    let shown =
        setup.get("/api/v2/tickets/101.json").await.expect(StatusCode::OK, &shape::single("ticket", "ticket.json"));
    assert_eq!(shown["ticket"], setup.fake.ticket(101).unwrap());
    assert_eq!(
        (shown["ticket"]["status"].as_str(), shown["ticket"]["priority"].as_str()),
        (Some("open"), Some("urgent"))
    );
    assert!(shown["ticket"]["url"].as_str().unwrap().ends_with("/api/v2/tickets/101.json"));
    for missing in ["/api/v2/tickets/999", "/api/v2/tickets/abc.json"] {
        let body = setup.get(missing).await.expect(StatusCode::NOT_FOUND, &shape::error("record_not_found"));
        assert_eq!(body, json!({"error": "RecordNotFound", "description": "Not found"}));
    }
    setup.get("/api/v2/nothing_here.json").await.expect(StatusCode::NOT_FOUND, &shape::error("invalid_endpoint"));
    let many = setup.get("/api/v2/tickets/show_many.json?ids=110,999,102").await;
    assert_eq!(ids(&many.expect(StatusCode::OK, &page_shape)["tickets"]), [110, 102]);
}

#[tokio::test]
async fn the_search_language_filters_like_zendesk() {
    let setup = Setup::start().await;
    let cases: &[(&str, &[u64])] = &[
        ("type:ticket status:open", &[101, 102, 108, 110, 113]),
        ("type:ticket status<solved", &[101, 102, 103, 104, 105, 108, 109, 110, 111, 113, 114]),
        ("type:ticket status>new -status:closed -status:solved", &[101, 102, 104, 105, 108, 110, 111, 113, 114]),
        ("type:ticket status:open status:hold", &[101, 102, 105, 108, 110, 113]),
        ("priority:high", &[102, 104, 110]),
        ("priority>normal", &[101, 102, 104, 110]),
        ("type:ticket priority:none", &[109, 113]),
        ("type:ticket assignee:me", &[101, 105, 111, 113, 114]),
        ("type:ticket assignee:none", &[103, 108, 109]),
        ("assignee:priya.natarajan@example.com", &[102, 106, 112]),
        ("requester:grace.oconnor@example.com status<closed", &[101, 106, 109, 111]),
        ("tags:vpn", &[101, 102, 114]),
        ("type:ticket tags:billing tags:refund", &[104, 110, 115]),
        ("tags:billing", &[104, 110, 115, zendesk::BILLING_AGENT_ID]),
        ("group:\"IT Operations\"", &[101, 102, 105, 108, 111, 113, 114]),
        ("type:ticket vpn", &[101, 102, 114]),
        ("type:ticket vpn status:open priority>normal", &[101, 102]),
        ("type:ticket -vpn status:open", &[108, 110, 113]),
        ("\"password reset\"", &[102]),
        ("\"ignore previous instructions\"", &[110]),
        ("subject:invoice", &[104, 110]),
        ("comment:concentrator", &[101]),
        ("110", &[110]),
        ("type:ticket updated>3hours", &[109, 110]),
        ("type:ticket created<2days", &[101, 104, 105, 106, 107, 108, 111, 112, 113, 114, 115]),
        ("type:ticket updated>2020-01-01 created<2020-01-01", &[]),
        ("type:user role:agent", &[zendesk::AGENT_ID, zendesk::BILLING_AGENT_ID]),
        ("email:marcus.bell@example.com", &[zendesk::MARCUS_ID]),
        ("type:user grace", &[zendesk::GRACE_ID]),
    ];
    for (query, expected) in cases {
        assert_eq!(setup.search(query).await, *expected, "{query}");
    }
    let group = format!("type:ticket group:{}", zendesk::BILLING_GROUP_ID);
    assert_eq!(setup.search(&group).await, [104, 107, 110, 115]);
    let agent = format!("type:ticket assignee:{} status<solved", zendesk::BILLING_AGENT_ID);
    assert_eq!(setup.search(&agent).await, [104, 110]);

    // A date compares by whole days: `updated>D` is every ticket last updated after day D.
    let all = setup.get("/api/v2/tickets.json").await.body;
    let day = setup.fake.ticket(104).unwrap()["updated_at"].as_str().unwrap()[..10].to_owned();
    let mut later: Vec<u64> = all["tickets"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|ticket| ticket["updated_at"].as_str().unwrap()[..10] > *day)
        .map(id)
        .collect();
    later.sort_unstable();
    assert_eq!(setup.search(&format!("type:ticket updated>{day}")).await, later);

    let results =
        setup.get("/api/v2/search?query=grace").await.expect(StatusCode::OK, &shape::search("offset-page.json"));
    let kinds: BTreeSet<&str> =
        results["results"].as_array().unwrap().iter().map(|result| result["result_type"].as_str().unwrap()).collect();
    assert_eq!(kinds, BTreeSet::from(["ticket", "user"]), "a search without type: finds every kind");
}

#[tokio::test]
async fn search_sorts_pages_counts_exports_and_refuses_cursors() {
    let setup = Setup::start().await;
    let offset = shape::search("offset-page.json");
    let by_created =
        setup.get("/api/v2/search.json?query=type%3Aticket&sort_by=created_at&sort_order=asc&per_page=5").await;
    let by_created = by_created.expect(StatusCode::OK, &offset);
    assert_eq!(ids(&by_created["results"]), [115, 107, 112, 106, 105]);
    assert_eq!(by_created["count"], 15);
    let next = relative(&setup, &by_created["next_page"]);
    assert!(next.contains("page=2") && next.contains("per_page=5") && next.contains("sort_by=created_at"), "{next}");
    let inline =
        setup.get(&format!("/api/v2/search.json?query={}", encode("type:ticket order_by:priority sort:desc"))).await;
    assert_eq!(ids(&inline.expect(StatusCode::OK, &offset)["results"])[0], 101, "the one urgent ticket first");

    let cursor = setup.get("/api/v2/search.json?query=vpn&page[size]=2").await;
    let refusal = cursor.expect(StatusCode::BAD_REQUEST, &shape::error("invalid_attribute"));
    assert_eq!(
        refusal,
        json!({"error": {
            "title": "Invalid attribute",
            "message": "You passed an invalid value for the page attribute. Invalid parameter: page must be an integer from api/v2/search/index",
        }})
    );
    let past = setup.get("/api/v2/search.json?query=vpn&page=11&per_page=100").await;
    let past = past.expect(StatusCode::UNPROCESSABLE_ENTITY, &shape::error("invalid_search"));
    assert_eq!(past["description"], "Invalid search: Requested response size was greater than Search Response Limits");
    setup.get("/api/v2/search.json?query=vpn&page=10&per_page=100").await.expect(StatusCode::OK, &offset);
    setup.get("/api/v2/search.json").await.expect(StatusCode::BAD_REQUEST, &shape::error("invalid_search"));

    let count = setup.get("/api/v2/search/count.json?query=type%3Aticket%20status%3Aopen").await;
    assert_eq!(count.expect(StatusCode::OK, &shape::object("count.json")), json!({"count": 5}));

    let export = shape::search("cursor-page.json");
    let mut path = "/api/v2/search/export.json?query=status%3Copen&filter[type]=ticket&page[size]=2".to_owned();
    let mut exported = Vec::new();
    loop {
        let body = setup.get(&path).await.expect(StatusCode::OK, &export);
        assert!(body["results"].as_array().unwrap().iter().all(|result| result["result_type"] == "ticket"));
        exported.extend(ids(&body["results"]));
        if body["meta"]["has_more"] == false {
            break;
        }
        path = relative(&setup, &body["links"]["next"]);
    }
    assert_eq!(exported, [103, 109]);
    let untyped = setup.get("/api/v2/search/export?query=vpn").await;
    untyped.expect(StatusCode::BAD_REQUEST, &shape::error("invalid_attribute"));
}

#[tokio::test]
async fn creating_a_ticket_answers_201_with_location_ticket_and_audit() {
    let setup = Setup::start().await;
    let created = setup
        .post(
            "/api/v2/tickets.json",
            json!({"ticket": {
                "subject": "VPN token app lost after phone upgrade",
                "comment": {"body": "I upgraded my phone and the authenticator app is empty.\nI cannot reach the VPN.", "public": true},
                "priority": "urgent",
                "type": "incident",
                "requester": {"name": "Sam Lee", "email": "Sam.Lee@example.com"},
                "assignee_id": zendesk::AGENT_ID,
                "tags": ["VPN", "mfa reset"],
            }}),
        )
        .await;
    let location = created.header("location").unwrap().to_owned();
    let body = created.expect(StatusCode::CREATED, &shape::write());
    let ticket = &body["ticket"];
    assert_eq!(id(ticket), 116);
    assert_eq!(location, format!("{}/api/v2/tickets/116.json", setup.fake.served.base_url()));
    assert_eq!(
        (ticket["status"].as_str(), ticket["group_id"].as_u64(), ticket["submitter_id"].as_u64()),
        (Some("open"), Some(zendesk::IT_OPERATIONS_GROUP_ID), Some(zendesk::AGENT_ID)),
        "assigned, so open; the assignee's default group; the caller submitted it"
    );
    assert_eq!(ticket["tags"], json!(["vpn", "mfa", "reset"]));
    assert_eq!(ticket["via"]["channel"], "api");
    assert!(ticket["description"].as_str().unwrap().starts_with("I upgraded my phone"));
    assert_eq!(ticket["created_at"], ticket["updated_at"]);

    let audit = &body["audit"];
    assert_eq!((audit["ticket_id"].as_u64(), audit["author_id"].as_u64()), (Some(116), Some(zendesk::AGENT_ID)));
    let events = audit["events"].as_array().unwrap();
    assert_eq!((events[0]["type"].as_str(), events[0]["public"].as_bool()), (Some("Comment"), Some(true)));
    let created_fields: Vec<&str> = events[1..].iter().map(|event| event["field_name"].as_str().unwrap()).collect();
    assert_eq!(
        created_fields,
        ["subject", "status", "priority", "type", "requester_id", "assignee_id", "group_id", "tags"]
    );
    assert!(events[1..].iter().all(|event| event["type"] == "Create"));

    let requester = ticket["requester_id"].as_u64().unwrap();
    let user = setup.get(&format!("/api/v2/users/{requester}.json")).await;
    let user = user.expect(StatusCode::OK, &shape::single("user", "user.json"));
    assert_eq!(
        (user["user"]["email"].as_str(), user["user"]["role"].as_str()),
        (Some("sam.lee@example.com"), Some("end-user"))
    );
    assert_eq!(setup.fake.ticket(116).unwrap(), *ticket);
    let comments = setup.fake.comments(116);
    assert_eq!(comments.len(), 1);
    assert_eq!(comments[0]["audit_id"], audit["id"]);
    assert_eq!(
        comments[0]["html_body"],
        "<div class=\"zd-comment\" dir=\"auto\"><p dir=\"auto\">I upgraded my phone and the authenticator app is empty.<br>I cannot reach the VPN.</p></div>"
    );

    let plain = setup.post("/api/v2/tickets", json!({"ticket": {"comment": {"body": "Printer out of toner"}}})).await;
    let plain = plain.expect(StatusCode::CREATED, &shape::write());
    assert_eq!(
        (
            plain["ticket"]["status"].as_str(),
            plain["ticket"]["subject"].as_str(),
            plain["ticket"]["requester_id"].as_u64()
        ),
        (Some("new"), Some("Printer out of toner"), Some(zendesk::AGENT_ID))
    );

    let blank = setup.post("/api/v2/tickets.json", json!({"ticket": {"subject": "No description"}})).await;
    let blank = blank.expect(StatusCode::UNPROCESSABLE_ENTITY, &shape::error("record_invalid"));
    assert_eq!(blank["details"]["base"][0]["description"], "Description: cannot be blank");
    assert_eq!(blank["details"]["base"][0]["error"], "BlankValue");
    let bad =
        json!({"ticket": {"comment": {"body": "x"}, "status": "on-hold", "requester": {"email": "not-an-email"}}});
    let bad = setup
        .post("/api/v2/tickets.json", bad)
        .await
        .expect(StatusCode::UNPROCESSABLE_ENTITY, &shape::error("record_invalid"));
    assert_eq!(bad["details"]["status"][0]["description"], "Status: on-hold is not valid");
    assert_eq!(bad["details"]["requester"][0]["description"], "Requester: Email is invalid");
    let assignee = json!({"ticket": {"comment": {"body": "x"}, "assignee_id": zendesk::GRACE_ID}});
    setup
        .post("/api/v2/tickets.json", assignee)
        .await
        .expect(StatusCode::UNPROCESSABLE_ENTITY, &shape::error("record_invalid"));
    let garbage = Setup::send(setup.agent(Method::POST, "/api/v2/tickets.json").body("{not json")).await;
    garbage.expect(StatusCode::BAD_REQUEST, &shape::error("invalid_json"));
    assert!(setup.fake.ticket(118).is_none(), "refused writes create nothing");
}

#[tokio::test]
async fn updates_add_public_and_private_comments_and_follow_the_status_rules() {
    let setup = Setup::start().await;
    let before = setup.fake.ticket(103).unwrap();
    let assigned = setup
        .put(
            "/api/v2/tickets/103.json",
            json!({"ticket": {"assignee_id": zendesk::AGENT_ID, "comment": {"body": "Laptop ordered, arriving Monday.", "public": true}}}),
        )
        .await
        .expect(StatusCode::OK, &shape::write());
    assert_eq!(assigned["ticket"]["status"], "open", "assigning a new ticket opens it");
    assert_ne!(assigned["ticket"]["updated_at"], before["updated_at"]);
    let changes: Vec<(String, Value, Value)> = assigned["audit"]["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|event| event["type"] == "Change")
        .map(|event| {
            (event["field_name"].as_str().unwrap().to_owned(), event["value"].clone(), event["previous_value"].clone())
        })
        .collect();
    assert_eq!(
        changes,
        [
            ("status".to_owned(), json!("open"), json!("new")),
            ("assignee_id".to_owned(), json!(zendesk::AGENT_ID.to_string()), Value::Null)
        ]
    );

    let note = json!({"ticket": {"comment": {"body": "Asset tag LT-4471 reserved.", "public": false, "author_id": zendesk::ADMIN_ID}}});
    let noted = setup.put("/api/v2/tickets/103", note).await.expect(StatusCode::OK, &shape::write());
    assert!(
        noted["ticket"]["updated_at"].as_str() > assigned["ticket"]["updated_at"].as_str(),
        "every write moves updated_at"
    );
    let event = &noted["audit"]["events"][0];
    assert_eq!((event["public"].as_bool(), event["author_id"].as_u64()), (Some(false), Some(zendesk::ADMIN_ID)));

    let listed = setup.get("/api/v2/tickets/103/comments.json").await;
    let listed = listed.expect(StatusCode::OK, &shape::offset("comments", "comment.json"));
    let comments = listed["comments"].as_array().unwrap();
    assert_eq!(listed["count"], 3);
    let seen: Vec<(bool, u64)> = comments
        .iter()
        .map(|comment| (comment["public"].as_bool().unwrap(), comment["author_id"].as_u64().unwrap()))
        .collect();
    assert_eq!(seen, [(true, zendesk::AIKO_ID), (true, zendesk::AGENT_ID), (false, zendesk::ADMIN_ID)]);
    assert_eq!(*comments, setup.fake.comments(103));
    let newest = setup.get("/api/v2/tickets/103/comments?sort_order=desc").await;
    let newest = newest.expect(StatusCode::OK, &shape::offset("comments", "comment.json"));
    assert_eq!(ids(&newest["comments"]), comments.iter().rev().map(id).collect::<Vec<_>>());
    let cursor = setup.get("/api/v2/tickets/101/comments.json?page[size]=3").await;
    let cursor = cursor.expect(StatusCode::OK, &shape::cursor("comments", "comment.json"));
    assert_eq!((cursor["comments"].as_array().unwrap().len(), cursor["meta"]["has_more"].as_bool()), (3, Some(true)));
    setup.get("/api/v2/tickets/999/comments").await.expect(StatusCode::NOT_FOUND, &shape::error("record_not_found"));

    let reply = json!({"ticket": {"comment": {"body": "Still slow this morning.", "author_id": zendesk::GRACE_ID}}});
    let reopened = setup.put("/api/v2/tickets/111.json", reply).await.expect(StatusCode::OK, &shape::write());
    assert_eq!(reopened["ticket"]["status"], "open", "the requester replying reopens a pending ticket");

    let invalid = setup.put("/api/v2/tickets/103.json", json!({"ticket": {"status": "done"}})).await;
    let invalid = invalid.expect(StatusCode::UNPROCESSABLE_ENTITY, &shape::error("record_invalid"));
    assert_eq!(invalid["details"]["status"][0]["description"], "Status: done is not valid");
    let renew = setup.put("/api/v2/tickets/103.json", json!({"ticket": {"status": "new"}})).await;
    renew.expect(StatusCode::UNPROCESSABLE_ENTITY, &shape::error("record_invalid"));
    let solved = setup.put("/api/v2/tickets/103.json", json!({"ticket": {"status": "solved"}})).await;
    assert_eq!(
        solved.expect(StatusCode::OK, &shape::write())["ticket"]["status"],
        "solved",
        "solving needs nothing else"
    );
    let closed = setup.put("/api/v2/tickets/103.json", json!({"ticket": {"status": "closed"}})).await;
    closed.expect(StatusCode::OK, &shape::write());
    let reopen = setup.put("/api/v2/tickets/103.json", json!({"ticket": {"status": "open"}})).await;
    let reopen = reopen.expect(StatusCode::UNPROCESSABLE_ENTITY, &shape::error("record_invalid"));
    assert_eq!(reopen["details"]["status"][0]["description"], "Status: closed prevents ticket update");
    assert_eq!(setup.fake.ticket(103).unwrap()["status"], "closed");

    let stamp = setup.fake.ticket(101).unwrap()["updated_at"].clone();
    let stale = json!({"ticket": {"priority": "high", "safe_update": true, "updated_stamp": "2020-01-01T00:00:00Z"}});
    let stale = setup
        .put("/api/v2/tickets/101.json", stale)
        .await
        .expect(StatusCode::CONFLICT, &shape::error("update_conflict"));
    assert_eq!(stale["error"], "UpdateConflict");
    let fresh = json!({"ticket": {"priority": "high", "safe_update": true, "updated_stamp": stamp}});
    let fresh = setup.put("/api/v2/tickets/101.json", fresh).await.expect(StatusCode::OK, &shape::write());
    assert_eq!(fresh["ticket"]["priority"], "high");
    setup
        .put("/api/v2/tickets/999.json", json!({"ticket": {}}))
        .await
        .expect(StatusCode::NOT_FOUND, &shape::error("record_not_found"));
}

#[tokio::test]
async fn an_exhausted_rate_limit_is_429_with_retry_after_then_lifts() {
    let setup = Setup::start().await;
    let first: u32 = setup.get("/api/v2/groups").await.header("x-rate-limit-remaining").unwrap().parse().unwrap();
    let second: u32 = setup.get("/api/v2/groups").await.header("x-rate-limit-remaining").unwrap().parse().unwrap();
    assert_eq!((first, second), (zendesk::RATE_LIMIT - 1, zendesk::RATE_LIMIT - 2));

    setup.fake.limit_requests(2, 1);
    for remaining in ["1", "0"] {
        let admitted = setup.get("/api/v2/tickets/101.json").await;
        assert_eq!((admitted.status, admitted.header("x-rate-limit-remaining")), (StatusCode::OK, Some(remaining)));
    }
    let refused = setup.get("/api/v2/tickets/101.json").await;
    assert_eq!(refused.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!((refused.header("retry-after"), refused.header("x-rate-limit-remaining")), (Some("1"), Some("0")));
    assert!(refused.header("content-type").unwrap().starts_with("text/plain"));
    assert_eq!(refused.body, zendesk::RATE_LIMITED);
    let update = setup.put("/api/v2/tickets/101.json", json!({"ticket": {"priority": "low"}})).await;
    assert_eq!(
        (update.status, update.body.as_str()),
        (StatusCode::TOO_MANY_REQUESTS, Some(zendesk::TICKET_UPDATES_RATE_LIMITED))
    );
    assert_eq!(setup.fake.ticket(101).unwrap()["priority"], "urgent", "a refused update changes nothing");

    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    setup.get("/api/v2/tickets/101.json").await.expect(StatusCode::OK, &shape::single("ticket", "ticket.json"));
    assert_eq!(setup.fake.hits().count("/api/v2/tickets/101"), 5);
}

#[tokio::test]
async fn users_and_groups_are_shown_found_and_listed() {
    let setup = Setup::start().await;
    let user = setup.get(&format!("/api/v2/users/{}", zendesk::BILLING_AGENT_ID)).await;
    let user = user.expect(StatusCode::OK, &shape::single("user", "user.json"));
    assert_eq!(
        (user["user"]["name"].as_str(), user["user"]["default_group_id"].as_u64()),
        (Some("Tomás García"), Some(zendesk::BILLING_GROUP_ID))
    );
    setup.get("/api/v2/users/1.json").await.expect(StatusCode::NOT_FOUND, &shape::error("record_not_found"));

    let many = format!("/api/v2/users/show_many.json?ids={},{},42", zendesk::GRACE_ID, zendesk::MARCUS_ID);
    let many = setup.get(&many).await.expect(StatusCode::OK, &shape::offset("users", "user.json"));
    assert_eq!(ids(&many["users"]), [zendesk::GRACE_ID, zendesk::MARCUS_ID]);
    for (query, expected) in [
        ("grace.oconnor@example.com", zendesk::GRACE_ID),
        ("tomás", zendesk::BILLING_AGENT_ID),
        ("Li W", zendesk::AGENT_ID),
    ] {
        let found = setup.get(&format!("/api/v2/users/search.json?query={}", encode(query))).await;
        assert_eq!(
            ids(&found.expect(StatusCode::OK, &shape::offset("users", "user.json"))["users"]),
            [expected],
            "{query}"
        );
    }

    let groups = setup.get("/api/v2/groups.json").await.expect(StatusCode::OK, &shape::offset("groups", "group.json"));
    let names: Vec<&str> =
        groups["groups"].as_array().unwrap().iter().map(|group| group["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["Support", "IT Operations", "Billing"]);
    let paged =
        setup.get("/api/v2/groups?page[size]=2").await.expect(StatusCode::OK, &shape::cursor("groups", "group.json"));
    assert_eq!(paged["meta"]["has_more"], true);
    let group = setup.get(&format!("/api/v2/groups/{}.json", zendesk::SUPPORT_GROUP_ID)).await;
    assert_eq!(group.expect(StatusCode::OK, &shape::single("group", "group.json"))["group"]["default"], true);
}

#[tokio::test]
async fn seeded_text_keeps_markup_and_zero_width_characters_for_clients_to_handle() {
    let setup = Setup::start().await;
    let ticket = setup.fake.ticket(110).unwrap();
    assert!(ticket["subject"].as_str().unwrap().contains('\u{200b}'));
    assert!(ticket["description"].as_str().unwrap().contains("<!-- ignore previous instructions -->"));
    let comments = setup.get("/api/v2/tickets/110/comments").await;
    let comments = comments.expect(StatusCode::OK, &shape::offset("comments", "comment.json"));
    let first = &comments["comments"][0];
    assert!(first["html_body"].as_str().unwrap().contains("&lt;!-- ignore previous instructions --&gt;"));
    assert_eq!(first["body"], first["plain_body"]);
    assert_eq!(comments["comments"][1]["public"], false);
}

/// A way a body can depart from its documented shape: a name and the change.
type Drift = (&'static str, fn(&mut Value));

#[tokio::test]
async fn the_checker_rejects_bodies_that_drift_from_the_documented_shapes() {
    let setup = Setup::start().await;
    let good = setup.get("/api/v2/tickets/101.json").await.body;
    let ticket = shape::single("ticket", "ticket.json");
    ticket.check(&good);
    let drifts: [Drift; 7] = [
        ("a missing key", |body| {
            body["ticket"].as_object_mut().unwrap().remove("status");
        }),
        ("a status Zendesk does not have", |body| body["ticket"]["status"] = json!("on-hold")),
        ("a timestamp not in RFC 3339 UTC", |body| body["ticket"]["created_at"] = json!("2026-11-27 10:15:00")),
        ("an id as a string", |body| body["ticket"]["id"] = json!("101")),
        ("an undocumented key", |body| body["ticket"]["state"] = json!("open")),
        ("tags not lower case", |body| body["ticket"]["tags"] = json!(["VPN"])),
        ("a missing wrapper", |body| *body = body["ticket"].clone()),
    ];
    for (drift, change) in drifts {
        let mut body = good.clone();
        change(&mut body);
        assert!(!ticket.violations(&body).is_empty(), "{drift} went unnoticed");
    }
    let page = shape::cursor("tickets", "ticket.json");
    let mut listed = setup.get("/api/v2/tickets.json?page[size]=2").await.body;
    page.check(&listed);
    listed["meta"]["has_more"] = json!("true");
    assert!(!page.violations(&listed).is_empty(), "a string has_more went unnoticed");
    let unauthenticated = shape::error("unauthenticated");
    assert!(!unauthenticated.violations(&json!({"error": "Unauthorized"})).is_empty());
    assert!(!unauthenticated.violations(&json!({"error": "Couldn't authenticate you", "detail": "x"})).is_empty());
    assert!(!shape::offset("tickets", "ticket.json").violations(&json!({"tickets": [], "count": 0})).is_empty());
}
