//! The fake ServiceNow instance answers like a real one: the Table API's
//! paging headers, encoded queries, display values, journals, errors, rate
//! limiting and OAuth, checked over HTTPS with a real client.

use berth_fakes::TestCa;
use berth_fakes::servicenow::{self, FakeServiceNow, Options, RATE_LIMIT_PER_HOUR, RATE_LIMIT_RULE};
use reqwest::{Method, RequestBuilder, Response, StatusCode};
use serde_json::{Value, json};

struct Setup {
    fake: FakeServiceNow,
    client: reqwest::Client,
}

impl Setup {
    /// POSTs `pairs` form-encoded to the token endpoint, as ServiceNow requires.
    async fn token_request(&self, pairs: &[(&str, &str)]) -> Response {
        let body = url::form_urlencoded::Serializer::new(String::new()).extend_pairs(pairs).finish();
        self.client
            .post(self.url("/oauth_token.do"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .unwrap()
    }

    async fn start() -> Self {
        let fake = FakeServiceNow::start(Options::default()).await.unwrap();
        let ca = reqwest::Certificate::from_pem(TestCa::get().pem().as_bytes()).unwrap();
        let client = reqwest::Client::builder().add_root_certificate(ca).build().unwrap();
        Self { fake, client }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.fake.served.base_url())
    }

    /// A request as `admin` with Basic auth.
    fn admin(&self, method: Method, path: &str) -> RequestBuilder {
        self.client.request(method, self.url(path)).basic_auth(servicenow::USERNAME, Some(servicenow::PASSWORD))
    }

    async fn get(&self, path: &str) -> Response {
        self.admin(Method::GET, path).send().await.unwrap()
    }

    /// The `result` list of a listing.
    async fn list(&self, path: &str) -> Vec<Value> {
        let response = self.get(path).await;
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        let body: Value = response.json().await.unwrap();
        body["result"].as_array().unwrap().clone()
    }

    /// The `number`s a query on incidents selects.
    async fn numbers(&self, query: &str) -> Vec<String> {
        let path = format!("/api/now/table/incident?sysparm_fields=number&sysparm_query={}", encode(query));
        self.list(&path).await.iter().map(|record| record["number"].as_str().unwrap().to_owned()).collect()
    }
}

/// `pairs` form-encoded, as a token request sends them.
fn encode(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

fn header(response: &Response, name: &str) -> Option<String> {
    response.headers().get(name).map(|value| value.to_str().unwrap().to_owned())
}

/// `(offset, rel)` of each page a `Link` header names.
fn links(link: &str) -> Vec<(usize, String)> {
    link.split(',')
        .map(|part| {
            let url = part.trim().trim_start_matches('<').split('>').next().unwrap();
            let query = url::Url::parse(url).unwrap();
            let offset = query.query_pairs().find(|(key, _)| key == "sysparm_offset").unwrap().1.parse().unwrap();
            let rel = part.split("rel=\"").nth(1).unwrap().trim_end_matches('"').to_owned();
            (offset, rel)
        })
        .collect()
}

#[tokio::test]
async fn listings_page_with_total_count_and_link_headers() {
    let setup = Setup::start().await;
    let first = setup.get("/api/now/table/incident?sysparm_limit=5&sysparm_query=ORDERBYnumber").await;
    assert_eq!(header(&first, "x-total-count").as_deref(), Some("12"));
    let link = header(&first, "link").unwrap();
    assert_eq!(links(&link), [(0, "first".into()), (5, "next".into()), (10, "last".into())]);
    assert!(link.contains("sysparm_query=ORDERBYnumber") && link.contains(&setup.fake.host()), "{link}");
    let body: Value = first.json().await.unwrap();
    let page = body["result"].as_array().unwrap();
    assert_eq!(page.len(), 5);
    assert_eq!(page[0]["number"], "INC0010001");
    for (field, value) in page[0].as_object().unwrap() {
        assert!(value.is_string() || value.get("link").is_some(), "{field} is a string or a reference: {value}");
    }
    let group = &page[0]["assignment_group"];
    assert_eq!(group["value"].as_str().unwrap().len(), 32);
    assert!(
        group["link"]
            .as_str()
            .unwrap()
            .ends_with(&format!("/api/now/table/sys_user_group/{}", group["value"].as_str().unwrap()))
    );

    let last = setup.get("/api/now/table/incident?sysparm_limit=5&sysparm_offset=10&sysparm_query=ORDERBYnumber").await;
    assert_eq!(links(&header(&last, "link").unwrap()), [(0, "first".into()), (5, "prev".into()), (10, "last".into())]);
    let body: Value = last.json().await.unwrap();
    assert_eq!(body["result"][1]["number"], "INC0010012");

    let whole = setup.get("/api/now/table/incident?sysparm_limit=50").await;
    assert_eq!(header(&whole, "link"), None, "one page has no Link");
    assert_eq!(header(&whole, "x-total-count").as_deref(), Some("12"));
    assert_eq!(setup.list("/api/now/v2/table/sys_user_group").await.len(), 5, "the default limit is large");
    let uncounted = setup.get("/api/now/table/incident?sysparm_limit=1&sysparm_no_count=true").await;
    assert_eq!(header(&uncounted, "x-total-count"), None);
}

#[tokio::test]
async fn encoded_queries_filter_and_sort() {
    let setup = Setup::start().await;
    assert_eq!(setup.numbers("priority=1^ORDERBYnumber").await, ["INC0010001", "INC0010010"]);
    assert_eq!(
        setup.numbers("active=true^priority<=2^ORDERBYDESCnumber").await,
        ["INC0010010", "INC0010007", "INC0010006", "INC0010003", "INC0010001"]
    );
    assert_eq!(
        setup.numbers("short_descriptionLIKEemail^ORdescriptionLIKEemail^ORDERBYnumber").await,
        ["INC0010001", "INC0010003"]
    );
    assert_eq!(setup.numbers("short_descriptionSTARTSWITHwi-fi").await, ["INC0010008"]);
    assert_eq!(
        setup.numbers("state!=1^state!=2^ORDERBYnumber").await,
        ["INC0010004", "INC0010005", "INC0010009", "INC0010010", "INC0010012"]
    );
    assert_eq!(setup.numbers("assignment_group.name=Database").await, ["INC0010007"]);
    assert_eq!(setup.numbers("sys_updated_on>=2025-03-25 00:00:00^ORDERBYnumber").await, ["INC0010011", "INC0010012"]);
    assert_eq!(setup.numbers("sys_updated_on<=2025-03-03 23:59:59").await, ["INC0010001"]);
    assert_eq!(setup.numbers("no_such_field=1^number=INC0010005").await, ["INC0010005"], "unknown fields are ignored");
    assert_eq!(setup.numbers("stateIN6,7^ORDERBYDESCnumber").await, ["INC0010010", "INC0010009", "INC0010005"]);
    assert!(setup.numbers("number=INC9999999").await.is_empty());
    let plain = setup.list("/api/now/table/incident?number=INC0010002&sysparm_fields=number").await;
    assert_eq!(plain, [json!({"number": "INC0010002"})], "plain name=value pairs filter too");
}

#[tokio::test]
async fn display_values_and_reference_links_follow_the_parameters() {
    let setup = Setup::start().await;
    let fields = "sysparm_fields=number,state,assigned_to,caller_id.email&sysparm_query=number%3DINC0010001";
    let all = setup.list(&format!("/api/now/table/incident?{fields}&sysparm_display_value=all")).await;
    assert_eq!(all[0]["state"], json!({"display_value": "In Progress", "value": "2"}));
    assert_eq!(all[0]["assigned_to"]["display_value"], "Fred Luddy");
    assert!(all[0]["assigned_to"]["link"].is_string());
    assert_eq!(all[0]["caller_id.email"]["value"], "abel.tuter@example.com");
    let shown = setup.list(&format!("/api/now/table/incident?{fields}&sysparm_display_value=true")).await;
    assert_eq!(shown[0]["state"], "In Progress");
    let bare = setup.list(&format!("/api/now/table/incident?{fields}&sysparm_exclude_reference_link=true")).await;
    assert_eq!(bare[0]["assigned_to"], "5137153cc611227c000bbd1bd8cd2007");
}

#[tokio::test]
async fn wrong_or_missing_credentials_get_the_401_envelope() {
    let setup = Setup::start().await;
    let envelope = json!({
        "error": {"message": "User Not Authenticated", "detail": "Required to provide Auth information"},
        "status": "failure",
    });
    let wrong = setup
        .client
        .get(setup.url("/api/now/table/incident"))
        .basic_auth(servicenow::USERNAME, Some("wrong"))
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    assert!(header(&wrong, "www-authenticate").unwrap().starts_with("BASIC"));
    assert_eq!(wrong.json::<Value>().await.unwrap(), envelope);
    let missing = setup.client.get(setup.url("/api/now/table/incident")).send().await.unwrap();
    assert_eq!(missing.status(), StatusCode::UNAUTHORIZED);
    let forged = setup.client.get(setup.url("/api/now/table/incident")).bearer_auth("forged").send().await.unwrap();
    assert_eq!(forged.json::<Value>().await.unwrap(), envelope);
}

#[tokio::test]
async fn missing_records_unknown_tables_and_the_v1_api_answer_like_servicenow() {
    let setup = Setup::start().await;
    let missing = setup.get("/api/now/table/incident/0123456789abcdef0123456789abcdef").await;
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        missing.json::<Value>().await.unwrap(),
        json!({
            "error": {
                "message": "No Record found",
                "detail": "Record doesn't exist or ACL restricts the record retrieval",
            },
            "status": "failure",
        })
    );
    let table = setup.get("/api/now/table/no_such_table").await;
    assert_eq!(table.status(), StatusCode::BAD_REQUEST);
    assert_eq!(table.json::<Value>().await.unwrap()["error"]["message"], "Invalid table no_such_table");
    let empty = "table/incident?sysparm_query=number%3DINC9999999";
    assert_eq!(setup.get(&format!("/api/now/v1/{empty}")).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(setup.list(&format!("/api/now/v2/{empty}")).await, Vec::<Value>::new());
}

#[tokio::test]
async fn writes_create_update_keep_journals_enforce_policy_and_delete() {
    let setup = Setup::start().await;
    let created = setup
        .admin(Method::POST, "/api/now/table/incident")
        .json(&json!({
            "short_description": "Projector dead",
            "impact": 1,
            "urgency": "2",
            "assignment_group": "Hardware",
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), StatusCode::CREATED);
    let location = header(&created, "location").unwrap();
    let record = created.json::<Value>().await.unwrap()["result"].clone();
    let sys_id = record["sys_id"].as_str().unwrap().to_owned();
    assert!(location.ends_with(&format!("/api/now/table/incident/{sys_id}")));
    assert_eq!((record["number"].as_str(), record["priority"].as_str()), (Some("INC0010013"), Some("2")));
    assert_eq!(record["impact"], "1", "numbers are stored as strings");
    assert_eq!(record["assignment_group"]["value"], "8a5055c9c61122780043563ef53438e3", "resolved by name");

    let path = format!("/api/now/table/incident/{sys_id}");
    for body in [json!({"comments": "We are on it"}), json!({"work_notes": "Bulb replaced"})] {
        let updated = setup.admin(Method::PATCH, &path).json(&body).send().await.unwrap();
        assert_eq!(updated.status(), StatusCode::OK);
        let record = updated.json::<Value>().await.unwrap()["result"].clone();
        assert_eq!((record["comments"].as_str(), record["work_notes"].as_str()), (Some(""), Some("")));
    }
    let query = encode(&format!("element_id={sys_id}^elementINcomments,work_notes^ORDERBYelement"));
    let journal = setup.list(&format!("/api/now/table/sys_journal_field?sysparm_query={query}")).await;
    let entries: Vec<(&str, &str)> =
        journal.iter().map(|entry| (entry["element"].as_str().unwrap(), entry["value"].as_str().unwrap())).collect();
    assert_eq!(entries, [("comments", "We are on it"), ("work_notes", "Bulb replaced")]);
    assert_eq!(journal[0]["name"], "incident");
    assert_eq!(journal[0]["sys_created_by"], "admin");

    let unresolvable = setup.admin(Method::PUT, &path).json(&json!({"state": "6"})).send().await.unwrap();
    assert_eq!(unresolvable.status(), StatusCode::FORBIDDEN);
    let refusal: Value = unresolvable.json().await.unwrap();
    assert_eq!(refusal["error"]["message"], "Operation Failed");
    assert!(refusal["error"]["detail"].as_str().unwrap().contains("Resolution code, Resolution notes"));
    let resolve = json!({"state": "6", "close_code": "Solution provided", "close_notes": "Replaced the lamp"});
    let resolved =
        setup.admin(Method::PATCH, &format!("{path}?sysparm_display_value=true")).json(&resolve).send().await;
    let resolved = resolved.unwrap().json::<Value>().await.unwrap()["result"].clone();
    assert_eq!(
        (resolved["state"].as_str(), resolved["resolved_by"]["display_value"].as_str()),
        (Some("Resolved"), Some("System Administrator"))
    );
    assert!(resolved["comments"].as_str().unwrap().contains("(Additional comments)\nWe are on it"));

    let garbage = setup.admin(Method::PATCH, &path).body("not json").send().await.unwrap();
    assert_eq!(garbage.status(), StatusCode::BAD_REQUEST);
    assert_eq!(setup.admin(Method::DELETE, &path).send().await.unwrap().status(), StatusCode::NO_CONTENT);
    assert_eq!(setup.get(&path).await.status(), StatusCode::NOT_FOUND);
    assert!(setup.fake.records("incident").iter().all(|row| row["sys_id"] != sys_id));
}

#[tokio::test]
async fn an_exhausted_rate_limit_is_429_with_servicenows_headers_then_lifts() {
    let setup = Setup::start().await;
    setup.fake.limit_requests(1, 1);
    let admitted = setup.get("/api/now/table/sys_user?sysparm_limit=1").await;
    assert_eq!(admitted.status(), StatusCode::OK);
    assert_eq!(header(&admitted, "x-ratelimit-limit"), Some(RATE_LIMIT_PER_HOUR.to_string()));
    assert_eq!(header(&admitted, "x-ratelimit-rule").as_deref(), Some(RATE_LIMIT_RULE));

    let refused = setup.get("/api/now/table/sys_user?sysparm_limit=1").await;
    assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(header(&refused, "retry-after").as_deref(), Some("1"));
    assert_eq!(header(&refused, "x-ratelimit-limit"), Some(RATE_LIMIT_PER_HOUR.to_string()));
    assert_eq!(header(&refused, "x-ratelimit-rule").as_deref(), Some(RATE_LIMIT_RULE));
    let reset: u64 = header(&refused, "x-ratelimit-reset").unwrap().parse().unwrap();
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
    assert!((now..=now + 2).contains(&reset), "a Unix time within the window: {reset} vs {now}");
    assert_eq!(
        refused.json::<Value>().await.unwrap(),
        json!({
            "error": {
                "message": "Rate limit exceeded",
                "detail": format!("Rate limit of {RATE_LIMIT_PER_HOUR} requests per hour for Table API exceeded"),
            },
            "status": "failure",
        })
    );
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let lifted = setup.get("/api/now/table/sys_user?sysparm_limit=1").await;
    assert_eq!(lifted.status(), StatusCode::OK);
    assert_eq!(header(&lifted, "x-ratelimit-limit"), None, "the rule no longer applies");
    assert_eq!(setup.fake.hits().count("/api/now/table/sys_user"), 3);
}

#[tokio::test]
async fn the_oauth_endpoint_takes_only_forms_and_its_tokens_authenticate() {
    let setup = Setup::start().await;
    let refresh = [
        ("grant_type", "refresh_token"),
        ("client_id", servicenow::CLIENT_ID),
        ("client_secret", servicenow::CLIENT_SECRET),
        ("refresh_token", servicenow::REFRESH_TOKEN),
    ];
    let as_json: serde_json::Map<String, Value> =
        refresh.iter().map(|(key, value)| ((*key).to_owned(), json!(value))).collect();
    let refused = setup.client.post(setup.url("/oauth_token.do")).json(&as_json).send().await.unwrap();
    assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        refused.json::<Value>().await.unwrap(),
        json!({"error_description": "access_denied", "error": "server_error"})
    );
    assert_eq!(setup.fake.tokens_issued(), 0);

    let granted: Value = setup.token_request(&refresh).await.json().await.unwrap();
    assert_eq!((granted["token_type"].as_str(), granted["scope"].as_str()), (Some("Bearer"), Some("useraccount")));
    assert_eq!(granted["expires_in"], 1799);
    assert_eq!(granted["refresh_token"], servicenow::REFRESH_TOKEN);
    let token = granted["access_token"].as_str().unwrap();
    let listed = setup.client.get(setup.url("/api/now/table/incident?sysparm_limit=1")).bearer_auth(token).send().await;
    assert_eq!(listed.unwrap().status(), StatusCode::OK);

    let client_credentials = [
        ("grant_type", "client_credentials"),
        ("client_id", servicenow::CLIENT_ID),
        ("client_secret", servicenow::CLIENT_SECRET),
    ];
    let granted: Value = setup.token_request(&client_credentials).await.json().await.unwrap();
    assert!(granted["access_token"].is_string() && granted.get("refresh_token").is_none());
    assert_eq!(setup.fake.tokens_issued(), 2);

    let wrong_secret =
        [("grant_type", "client_credentials"), ("client_id", servicenow::CLIENT_ID), ("client_secret", "x")];
    let refused = setup.token_request(&wrong_secret).await;
    assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
    let wrong_refresh = [
        ("grant_type", "refresh_token"),
        ("client_id", servicenow::CLIENT_ID),
        ("client_secret", servicenow::CLIENT_SECRET),
        ("refresh_token", "stale"),
    ];
    assert_eq!(setup.token_request(&wrong_refresh).await.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(setup.fake.tokens_issued(), 2);
}

#[tokio::test]
async fn tokens_expire() {
    let options = Options { token_lifetime: std::time::Duration::from_secs(1), ..Options::default() };
    let fake = FakeServiceNow::start(options).await.unwrap();
    let ca = reqwest::Certificate::from_pem(TestCa::get().pem().as_bytes()).unwrap();
    let setup = Setup { fake, client: reqwest::Client::builder().add_root_certificate(ca).build().unwrap() };
    let form = [
        ("grant_type", "password"),
        ("client_id", servicenow::CLIENT_ID),
        ("client_secret", servicenow::CLIENT_SECRET),
        ("username", servicenow::USERNAME),
        ("password", servicenow::PASSWORD),
    ];
    let granted: Value = setup.token_request(&form).await.json().await.unwrap();
    let token = granted["access_token"].as_str().unwrap().to_owned();
    let call = || setup.client.get(setup.url("/api/now/table/sys_user?sysparm_limit=1")).bearer_auth(&token).send();
    assert_eq!(call().await.unwrap().status(), StatusCode::OK);
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    assert_eq!(call().await.unwrap().status(), StatusCode::UNAUTHORIZED);
}
