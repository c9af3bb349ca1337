//! The fake spoken to the way an OpsRamp client does: a token from the
//! client-credentials grant, then bearer calls under the tenant's path.

use super::{CLIENT_ID, CLIENT_SECRET, FakeOpsRamp, Options, TENANT_ID, VPN_INCIDENT};
use reqwest::StatusCode;
use serde_json::{Value, json};

/// A started fake and a client that trusts it.
struct Harness {
    fake: FakeOpsRamp,
    http: reqwest::Client,
}

/// What came back.
#[derive(Debug)]
struct Answer {
    status: StatusCode,
    headers: reqwest::header::HeaderMap,
    body: Value,
}

impl Harness {
    async fn start() -> Self {
        let ca = reqwest::Certificate::from_pem(crate::TestCa::get().pem().as_bytes()).unwrap();
        let http = reqwest::Client::builder().add_root_certificate(ca).build().unwrap();
        Self { fake: FakeOpsRamp::start(Options::default()).await.unwrap(), http }
    }

    async fn token_request(&self, form: &[(&str, &str)]) -> Answer {
        let body = url::form_urlencoded::Serializer::new(String::new()).extend_pairs(form).finish();
        let request = self
            .http
            .post(format!("{}/auth/oauth/token", self.fake.served.base_url()))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body);
        Self::answer(request).await
    }

    async fn token(&self) -> String {
        let form = [("grant_type", "client_credentials"), ("client_id", CLIENT_ID), ("client_secret", CLIENT_SECRET)];
        self.token_request(&form).await.body["access_token"].as_str().unwrap().to_owned()
    }

    /// A request to `/api/v2/tenants/{TENANT_ID}/{path}` with a fresh token.
    async fn api(&self, method: reqwest::Method, path: &str, query: &[(&str, &str)], body: Option<Value>) -> Answer {
        let mut url =
            url::Url::parse(&format!("{}/api/v2/tenants/{TENANT_ID}/{path}", self.fake.served.base_url())).unwrap();
        if !query.is_empty() {
            url.query_pairs_mut().extend_pairs(query);
        }
        let mut request = self.http.request(method, url).bearer_auth(self.token().await);
        if let Some(body) = body {
            request = request.json(&body);
        }
        Self::answer(request).await
    }

    async fn get(&self, path: &str, query: &[(&str, &str)]) -> Answer {
        self.api(reqwest::Method::GET, path, query, None).await
    }

    async fn post(&self, path: &str, body: Value) -> Answer {
        self.api(reqwest::Method::POST, path, &[], Some(body)).await
    }

    async fn answer(request: reqwest::RequestBuilder) -> Answer {
        let response = request.send().await.unwrap();
        let (status, headers) = (response.status(), response.headers().clone());
        let text = response.text().await.unwrap();
        Answer { status, headers, body: serde_json::from_str(&text).unwrap_or(Value::Null) }
    }
}

fn ids(envelope: &Value) -> Vec<String> {
    let results = envelope["results"].as_array().unwrap();
    results.iter().map(|each| each["id"].as_str().or(each["uniqueId"].as_str()).unwrap().to_owned()).collect()
}

#[tokio::test]
async fn client_credentials_get_a_token_with_a_string_lifetime() {
    let harness = Harness::start().await;
    let form = [("grant_type", "client_credentials"), ("client_id", CLIENT_ID), ("client_secret", CLIENT_SECRET)];
    let granted = harness.token_request(&form).await;
    assert_eq!(granted.status, StatusCode::OK);
    assert_eq!(granted.body["expires_in"], "7199");
    assert_eq!(granted.body["token_type"], "bearer");

    let wrong = [("grant_type", "client_credentials"), ("client_id", CLIENT_ID), ("client_secret", "nope")];
    let refused = harness.token_request(&wrong).await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
    assert_eq!(refused.body["error_description"], "Bad API credentials");
    let password = harness.token_request(&[("grant_type", "password")]).await;
    assert_eq!(password.status, StatusCode::BAD_REQUEST);
    assert_eq!(password.body["error"], "unsupported_grant_type");
    assert_eq!(harness.fake.tokens_issued(), 1);
}

#[tokio::test]
async fn the_api_needs_a_live_bearer_token_and_the_keys_own_tenant() {
    let harness = Harness::start().await;
    let base = harness.fake.served.base_url();
    let anonymous =
        Harness::answer(harness.http.get(format!("{base}/api/v2/tenants/{TENANT_ID}/incidents/search"))).await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
    assert_eq!(anonymous.body["error"], "invalid_token");

    let token = harness.token().await;
    let other = harness.http.get(format!("{base}/api/v2/tenants/client_1/incidents/search")).bearer_auth(&token);
    assert_eq!(Harness::answer(other).await.status, StatusCode::FORBIDDEN);
    harness.fake.expire_tokens();
    let expired = harness.http.get(format!("{base}/api/v2/tenants/{TENANT_ID}/incidents/search")).bearer_auth(&token);
    assert_eq!(Harness::answer(expired).await.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn incident_searches_filter_sort_and_page() {
    let harness = Harness::start().await;
    let newest = [("sortName", "updatedDate"), ("pageSize", "3")];
    let first = harness.get("incidents/search", &newest).await;
    assert_eq!(first.status, StatusCode::OK, "{:?}", first.body);
    assert_eq!(ids(&first.body), ["INC0000001101", "INC0000001102", "INC0000001103"]);
    assert_eq!((first.body["totalResults"].as_u64(), first.body["nextPage"].as_bool()), (Some(7), Some(true)));
    let third =
        harness.get("incidents/search", &[("sortName", "updatedDate"), ("pageSize", "3"), ("pageNo", "3")]).await;
    assert_eq!(ids(&third.body), ["INC0000001107"]);
    assert_eq!(third.body["nextPage"], false);

    let urgent = harness.get("incidents/search", &[("queryString", "status:New,Open+priority:Urgent,High")]).await;
    assert_eq!(ids(&urgent.body).len(), 2, "{:?}", urgent.body);
    let vpn = harness.get("incidents/search", &[("queryString", "subject:vpn gateway")]).await;
    assert_eq!(ids(&vpn.body), [VPN_INCIDENT]);
    let ana = harness.get("incidents/search", &[("queryString", "assignedTo:USR0000002146+status:Pending")]).await;
    assert_eq!(ids(&ana.body), ["INC0000001104"]);
    let unknown = harness.get("incidents/search", &[("queryString", "owner:USR0000002146")]).await;
    assert_eq!(unknown.status, StatusCode::BAD_REQUEST);
    assert_eq!(unknown.body["code"], "INVALID_QUERY");
}

#[tokio::test]
async fn an_incident_moves_along_its_allowed_flow_and_takes_responses() {
    let harness = Harness::start().await;
    let filed = harness
        .post(
            "incidents",
            json!({"subject": "Badge reader rejects cards", "description": "Door 3.", "priority": "High"}),
        )
        .await;
    assert_eq!(filed.status, StatusCode::OK, "{:?}", filed.body);
    let id = filed.body["id"].as_str().unwrap().to_owned();
    assert_eq!(id, "INC0000001108");
    assert_eq!(filed.body["status"], "New");
    assert!(filed.body.get("assignedUser").is_none(), "left out when nobody is assigned");
    assert!(harness.post("incidents", json!({"description": "no subject"})).await.status == StatusCode::BAD_REQUEST);

    let working = harness
        .post(&format!("incidents/{id}"), json!({"status": "Open", "assignedUser": {"id": "USR0000002146"}}))
        .await;
    assert_eq!(working.body["status"], "Open", "{:?}", working.body);
    assert_eq!(working.body["assignedUser"]["email"], super::ANA_EMAIL);
    let backwards = harness.post(&format!("incidents/{id}"), json!({"status": "New"})).await;
    assert_eq!(backwards.status, StatusCode::BAD_REQUEST);
    assert_eq!(backwards.body["code"], "INVALID_STATUS");
    let no_reason = harness.post(&format!("incidents/{id}"), json!({"status": "On Hold"})).await;
    assert_eq!(no_reason.body["code"], "REASON_REQUIRED");
    let unassigned = harness.post(&format!("incidents/{id}"), json!({"assignedUser": null})).await;
    assert!(unassigned.body.get("assignedUser").is_none(), "{:?}", unassigned.body);

    let reply = harness
        .post(&format!("incidents/{id}/responses"), json!({"description": "On our way.", "internal": false}))
        .await;
    assert_eq!(reply.body["creator"]["loginName"], "berth-integration");
    harness.post(&format!("incidents/{id}/responses"), json!({"description": "Firmware?", "internal": true})).await;
    let said = harness.get(&format!("incidents/{id}/responses/search"), &[("isDescendingOrder", "false")]).await;
    let texts: Vec<(&str, bool)> = said.body["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|each| (each["description"].as_str().unwrap(), each["internal"].as_bool().unwrap()))
        .collect();
    assert_eq!(texts, [("On our way.", false), ("Firmware?", true)]);

    let resolved =
        harness.post(&format!("incidents/{id}"), json!({"status": "Resolved", "notes": "Replaced it."})).await;
    assert_eq!(resolved.body["resolutionSummary"], "Replaced it.");
    harness.post(&format!("incidents/{id}"), json!({"status": "Closed"})).await;
    let closed = harness.post(&format!("incidents/{id}/responses"), json!({"description": "late"})).await;
    assert_eq!(closed.body["code"], "INCIDENT_CLOSED");
    assert_eq!(harness.get("incidents/INC0000009999", &[]).await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn alerts_are_searched_and_acted_on() {
    let harness = Harness::start().await;
    let critical = harness.get("alerts/search", &[("queryString", "states:Critical+actions:OPEN,TICKETED")]).await;
    assert_eq!(ids(&critical.body), ["389543", "389541"], "newest raised first: {:?}", critical.body);
    let ticketed = harness.get("alerts/search", &[("queryString", &format!("ticketId:{VPN_INCIDENT}"))]).await;
    assert_eq!(ids(&ticketed.body).len(), 2);

    let acted = harness.post("alerts/389545/actions/acknowledge", json!({"description": "looking"})).await;
    assert_eq!((acted.status, acted.body.clone()), (StatusCode::OK, Value::Null), "an empty 200");
    let alert = harness.get("alerts/389545", &[]).await;
    assert_eq!(alert.body["acknowledged"], true);
    assert_eq!(alert.body["updatedTime"].as_str().unwrap().len(), 24, "{}", alert.body["updatedTime"]);
    let bogus = harness.post("alerts/389545/actions/heal", json!({})).await;
    assert_eq!(bogus.body["code"], "INVALID_ACTION");
    assert_eq!(harness.get("alerts/1", &[]).await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn users_are_found_by_email_and_throttling_names_the_reset() {
    let harness = Harness::start().await;
    let ana = harness.get("users/search", &[("queryString", "email:ANA.SILVA@example.com")]).await;
    assert_eq!(ids(&ana.body), ["USR0000002146"]);

    harness.fake.limit_requests(0, 2);
    let throttled = harness.get("users/search", &[]).await;
    assert_eq!(throttled.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(throttled.body["error"], "throttled");
    assert!(throttled.headers.get("retry-after").is_none(), "OpsRamp names the reset instead");
    let reset: i64 = throttled.headers["x-ratelimit-reset"].to_str().unwrap().parse().unwrap();
    let now = crate::clock::unix_seconds_now();
    assert!((now + 1..=now + 3).contains(&reset), "{reset} vs {now}");
}
