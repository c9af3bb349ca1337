//! The fake BuyICT portal behaves like a ServiceNow Service Portal: session
//! bootstrap, session checks with the ServiceNow envelope, the page and
//! widget APIs, searching, paging, details and rate limits.

use berth_fakes::TestCa;
use berth_fakes::buyict::{
    self, DETAILS_WIDGET, FILTERS_WIDGET, FakeBuyIct, LISTING_WIDGET, MARKETPLACES, Opportunity, Options,
};
use serde_json::{Value, json};

/// A client that trusts the fakes' CA.
fn client() -> reqwest::Client {
    let ca = reqwest::Certificate::from_pem(TestCa::get().pem().as_bytes()).unwrap();
    reqwest::Client::builder().add_root_certificate(ca).build().unwrap()
}

/// The session a request presents.
#[derive(Clone, Copy)]
struct Session<'a> {
    cookie: Option<&'a str>,
    token: Option<&'a str>,
}

const SIGNED_IN: Session<'static> = Session { cookie: Some(buyict::SESSION_ID), token: Some(buyict::USER_TOKEN) };

struct Portal {
    fake: FakeBuyIct,
    http: reqwest::Client,
}

impl Portal {
    async fn start(options: Options) -> Self {
        let fake = FakeBuyIct::start(options).await.unwrap();
        Self { fake, http: client() }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.fake.served.base_url())
    }

    fn with(&self, request: reqwest::RequestBuilder, session: Session<'_>) -> reqwest::RequestBuilder {
        let mut request = request.header("accept", "application/json");
        if let Some(cookie) = session.cookie {
            request = request.header("cookie", format!("JSESSIONID={cookie}; glide_user_route=glide.abc"));
        }
        if let Some(token) = session.token {
            request = request.header("x-usertoken", token);
        }
        request
    }

    /// `GET /api/now/sp/page` with `query`: (status, x-is-logged-in, body).
    async fn page(&self, query: &[(&str, &str)], session: Session<'_>) -> (u16, String, Value) {
        let url = url::Url::parse_with_params(&self.url("/api/now/sp/page"), query).unwrap();
        let request = self.with(self.http.get(url), session);
        answer(request.send().await.unwrap()).await
    }

    /// `POST /api/now/sp/widget/{sys_id}?id=opportunities` with `body`.
    async fn widget(&self, sys_id: &str, body: &Value, session: Session<'_>) -> (u16, String, Value) {
        let url = self.url(&format!("/api/now/sp/widget/{sys_id}?id=opportunities"));
        answer(self.with(self.http.post(url).json(body), session).send().await.unwrap()).await
    }

    /// The listing widget's data for the search `input`.
    async fn search(&self, input: Value) -> Value {
        let (status, _, body) = self.widget(LISTING_WIDGET, &input, SIGNED_IN).await;
        assert_eq!(status, 200, "{body}");
        body["result"]["data"].clone()
    }
}

async fn answer(response: reqwest::Response) -> (u16, String, Value) {
    let status = response.status().as_u16();
    let logged_in = response.headers().get("x-is-logged-in").map_or("", |v| v.to_str().unwrap()).to_owned();
    (status, logged_in, response.json().await.unwrap_or(Value::Null))
}

/// Opportunity IDs on a listing page.
fn numbers(data: &Value) -> Vec<String> {
    data["opportunities"].as_array().unwrap().iter().map(|card| card["number"].as_str().unwrap().to_owned()).collect()
}

/// How many seeded opportunities satisfy `matches`.
fn count(portal: &Portal, matches: impl Fn(&Opportunity) -> bool) -> usize {
    portal.fake.opportunities().iter().filter(|o| matches(o)).count()
}

/// Every widget in the page's containers (not the theme), by widget id.
fn widgets(page: &Value) -> Vec<(String, Value)> {
    let mut found = Vec::new();
    for container in page["result"]["containers"].as_array().unwrap() {
        for row in container["rows"].as_array().unwrap() {
            for column in row["columns"].as_array().unwrap() {
                for widget in column["widgets"].as_array().unwrap() {
                    found.push((widget["widget"]["id"].as_str().unwrap().to_owned(), widget["widget"].clone()));
                }
            }
        }
    }
    found
}

fn assert_not_authenticated((status, logged_in, body): (u16, String, Value)) {
    assert_eq!(status, 401, "{body}");
    assert_eq!(logged_in, "false");
    assert_eq!(
        body,
        json!({"error": {"message": "User Not Authenticated", "detail": "Required to provide Auth information"}, "status": "failure"})
    );
}

#[tokio::test]
async fn the_api_refuses_a_request_without_the_sessions_cookie_and_token() {
    let portal = Portal::start(Options::default()).await;
    let query = [("id", "opportunities"), ("portal_id", buyict::PORTAL_ID)];
    for session in [
        Session { cookie: None, token: None },
        Session { cookie: Some(buyict::SESSION_ID), token: None },
        Session { cookie: None, token: Some(buyict::USER_TOKEN) },
        Session { cookie: Some(buyict::SESSION_ID), token: Some("not-the-sessions-token") },
        Session { cookie: Some("0000DEADBEEF"), token: Some(buyict::USER_TOKEN) },
    ] {
        assert_not_authenticated(portal.page(&query, session).await);
        assert_not_authenticated(portal.widget(LISTING_WIDGET, &json!({}), session).await);
    }
    let (status, logged_in, _) = portal.page(&query, SIGNED_IN).await;
    assert_eq!((status, logged_in.as_str()), (200, "true"));
}

#[tokio::test]
async fn an_expired_session_is_refused_and_loading_the_portal_starts_a_new_one() {
    let portal = Portal::start(Options::default()).await;
    let query = [("id", "opportunities")];
    assert_eq!(portal.page(&query, SIGNED_IN).await.0, 200);
    portal.fake.expire_session();
    assert_not_authenticated(portal.page(&query, SIGNED_IN).await);

    // Signing in again: the portal page sets a new cookie and prints its token.
    let response = portal.http.get(portal.url("/sp?id=opportunities")).send().await.unwrap();
    assert_eq!(response.status(), 200);
    let cookie = response
        .headers()
        .get_all("set-cookie")
        .iter()
        .find_map(|value| {
            value.to_str().unwrap().strip_prefix("JSESSIONID=").map(|rest| rest.split(';').next().unwrap().to_owned())
        })
        .expect("a JSESSIONID cookie");
    let html = response.text().await.unwrap();
    let token =
        html.split("window.g_ck = '").nth(1).and_then(|rest| rest.split('\'').next()).expect("g_ck in the page");
    assert_ne!(cookie, buyict::SESSION_ID);
    let fresh = Session { cookie: Some(&cookie), token: Some(token) };
    assert_eq!(portal.page(&query, fresh).await.0, 200);
    assert_not_authenticated(portal.page(&query, SIGNED_IN).await);

    // A page load with the live cookie keeps the session and its token.
    let again = portal.with(portal.http.get(portal.url("/sp?id=index")), fresh).send().await.unwrap();
    assert!(again.headers().get("set-cookie").is_none());
    assert!(again.text().await.unwrap().contains(token));
}

#[tokio::test]
async fn the_opportunities_page_holds_the_filters_and_a_listing_read_from_its_parameters() {
    let portal = Portal::start(Options::default()).await;
    let query = [("id", "opportunities"), ("portal_id", buyict::PORTAL_ID), ("marketplace", "LH"), ("page_size", "3")];
    let (status, _, page) = portal.page(&query, SIGNED_IN).await;
    assert_eq!(status, 200);
    let widgets = widgets(&page);
    let ids: Vec<&str> = widgets.iter().map(|(id, _)| id.as_str()).collect();
    assert_eq!(ids, ["buyict-breadcrumbs", "buyict-opportunity-filters", "buyict-opportunity-list"]);
    let (_, listing) = &widgets[2];
    assert_eq!(listing["sys_id"], LISTING_WIDGET);
    assert_eq!(widgets[1].1["sys_id"], FILTERS_WIDGET);
    let data = &listing["data"];
    assert_eq!(data["total"], count(&portal, |o| o.marketplace.code == "LH" && o.open));
    assert_eq!(data["page_size"], 3);
    assert!(numbers(data).iter().all(|number| number.starts_with("LH-")));
    // The theme holds widgets too; they are not page content.
    assert_eq!(page["result"]["theme"]["header"]["widget"]["id"], "buyict-header");

    let filters = widgets[1].1["data"]["filters"].as_array().unwrap().clone();
    let names: Vec<&str> = filters.iter().map(|filter| filter["name"].as_str().unwrap()).collect();
    assert_eq!(
        names,
        ["marketplace", "state", "status", "location", "working_arrangement", "closing_after", "closing_before"]
    );
    let marketplaces = filters[0]["options"].as_array().unwrap();
    assert_eq!(marketplaces.len(), MARKETPLACES.len());
    let counted: u64 = marketplaces.iter().map(|option| option["count"].as_u64().unwrap()).sum();
    assert_eq!(counted, 40, "every seeded opportunity is in one marketplace");
}

#[tokio::test]
async fn the_listing_pages_with_a_total_soonest_closing_first() {
    let portal = Portal::start(Options::default()).await;
    let open = count(&portal, |o| o.open);
    let first = portal.search(json!({"page": 1, "page_size": 10})).await;
    assert_eq!(first["total"], open);
    assert_eq!(first["total_pages"], open.div_ceil(10));
    assert_eq!(first["range_label"], format!("1 - 10 of {open} opportunities"));
    let second = portal.search(json!({"options": {"page_size": 10}, "page": "2"})).await;
    assert_eq!(second["page"], 2);
    let (first, second) = (numbers(&first), numbers(&second));
    assert_eq!((first.len(), second.len()), (10, 10));
    assert!(first.iter().all(|number| !second.contains(number)), "pages do not overlap");

    let all = portal.search(json!({"page_size": 500})).await;
    assert_eq!(all["page_size"], buyict::MAX_PAGE_SIZE, "a larger page is clamped");
    let closing: Vec<&str> =
        all["opportunities"].as_array().unwrap().iter().map(|card| card["closing_date"].as_str().unwrap()).collect();
    assert!(closing.windows(2).all(|pair| pair[0] <= pair[1]), "soonest closing first: {closing:?}");
    let beyond = portal.search(json!({"page": 99})).await;
    assert_eq!(numbers(&beyond), Vec::<String>::new());
    assert_eq!(beyond["total"], open);
    assert_eq!(portal.search(json!({})).await["page_size"], buyict::DEFAULT_PAGE_SIZE);
}

#[tokio::test]
async fn the_listing_filters_by_keyword_marketplace_state_status_location_arrangement_and_closing_window() {
    let portal = Portal::start(Options::default()).await;
    let total = |data: Value| data["total"].as_u64().unwrap() as usize;
    let cloud = portal.search(json!({"keyword": "CLOUD", "state": "all", "page_size": 100})).await;
    assert!(numbers(&cloud).contains(&"CMP-00233".to_owned()));
    assert_eq!(total(cloud), count(&portal, |o| o.title.to_lowercase().contains("cloud")));
    assert_eq!(numbers(&portal.search(json!({"keyword": "pcs-03324"})).await), ["PCS-03324"]);
    assert_eq!(
        total(portal.search(json!({"keyword": "Department of Defence", "state": "all"})).await),
        count(&portal, |o| o.buyer == "Department of Defence")
    );
    assert_eq!(
        total(portal.search(json!({"marketplace": "pcs", "state": "closed"})).await),
        count(&portal, |o| o.marketplace.code == "PCS" && !o.open)
    );
    assert_eq!(total(portal.search(json!({"state": "all"})).await), 40);
    assert_eq!(
        total(portal.search(json!({"status": "invited_sellers", "state": "all"})).await),
        count(&portal, |o| o.status == "Invited sellers")
    );
    assert_eq!(
        total(portal.search(json!({"location": "act", "working_arrangement": "Remote"})).await),
        count(&portal, |o| o.open && o.location.ends_with("ACT") && o.working_arrangement == "Remote")
    );
    let soon = portal
        .fake
        .opportunities()
        .iter()
        .map(|o| o.closing)
        .filter(|closing| *closing > buyict::Date::today())
        .min()
        .unwrap();
    let window =
        portal.search(json!({"closing_after": soon.to_string(), "closing_before": soon.plus(7).to_string()})).await;
    assert_eq!(total(window), count(&portal, |o| o.closing >= soon && o.closing <= soon.plus(7)));
    // Like ServiceNow, values it cannot read are ignored rather than refused.
    assert_eq!(
        total(portal.search(json!({"closing_before": "soon", "page": "x", "colour": "red"})).await),
        count(&portal, |o| o.open)
    );
}

#[tokio::test]
async fn the_details_page_shows_the_labelled_fields_requirements_and_criteria() {
    let portal = Portal::start(Options::default()).await;
    let card = portal.search(json!({"keyword": "PCS-03324"})).await["opportunities"][0].clone();
    assert_eq!(card["table"], "u_pcs_procurement");
    assert_eq!(card["status"], "Open to all");
    assert_eq!(card["module"], "Professional and Consulting Services");
    let sys_id = card["sys_id"].as_str().unwrap();
    assert_eq!(card["url"], format!("?id=opportunity_details&table=u_pcs_procurement&sys_id={sys_id}"));
    let query = [("id", "opportunity_details"), ("table", "u_pcs_procurement"), ("sys_id", sys_id)];
    let (status, _, page) = portal.page(&query, SIGNED_IN).await;
    assert_eq!(status, 200);
    let (_, details) = widgets(&page).into_iter().find(|(id, _)| id == "buyict-opportunity-details").unwrap();
    assert_eq!(details["sys_id"], DETAILS_WIDGET);
    let data = &details["data"];
    assert_eq!(data["found"], true);
    assert_eq!(data["title"], "Cyber security uplift advisory");
    let field = |label: &str| {
        data["fields"]
            .as_array()
            .unwrap()
            .iter()
            .find(|field| field["label"] == label)
            .map(|field| field["value"].clone())
    };
    assert_eq!(field("RFQ ID"), Some(json!("PCS-03324")));
    assert_eq!(field("Buyer"), Some(json!("Department of Home Affairs")));
    assert_eq!(field("Initial contract duration"), Some(json!("12 months")));
    assert_eq!(field("Working arrangement"), Some(json!("Hybrid")));
    for label in [
        "RFQ type",
        "RFQ published date",
        "RFQ closing date",
        "Deadline for asking questions",
        "Buyer contact",
        "Estimated start date",
        "Extension term",
        "Extension term details",
        "Number of extensions",
        "Industry briefing",
        "Location",
    ] {
        assert!(field(label).is_some_and(|value| !value.as_str().unwrap().is_empty()), "{label}");
    }
    assert!(field("RFQ closing date").unwrap().as_str().unwrap().ends_with("6:00 PM (Canberra time)"));
    assert_eq!(data["criteria"].as_array().unwrap().len(), 4);
    assert!(data["requirements"].as_str().unwrap().contains("Cyber security uplift advisory"));

    // The same widget answers a POST; a record looked up in the wrong table is not found.
    let body = json!({"table": "u_lh_procurement", "sys_id": sys_id});
    let (status, _, answer) = portal.widget(DETAILS_WIDGET, &body, SIGNED_IN).await;
    assert_eq!(status, 200);
    assert_eq!(answer["result"]["data"]["found"], false);
}

#[tokio::test]
async fn unknown_pages_portals_widgets_and_bodies_are_answered_the_servicenow_way() {
    let portal = Portal::start(Options::default()).await;
    let (status, _, page) = portal.page(&[("id", "no_such_page")], SIGNED_IN).await;
    assert_eq!((status, page["result"]["containers"].clone()), (200, json!([])));
    let other = [("id", "opportunities"), ("portal_id", "ffffffffffffffffffffffffffffffff")];
    assert_eq!(portal.page(&other, SIGNED_IN).await.2["result"]["containers"], json!([]));

    let (status, _, body) = portal.widget("0123456789abcdef0123456789abcdef", &json!({}), SIGNED_IN).await;
    assert_eq!(status, 404);
    assert_eq!(body["status"], "failure");
    assert_eq!(body["error"]["message"], "No Record found");

    let url = portal.url(&format!("/api/now/sp/widget/{LISTING_WIDGET}?id=opportunities"));
    let response = portal.with(portal.http.post(url).body("{not json"), SIGNED_IN).send().await.unwrap();
    let (status, _, body) = answer(response).await;
    assert_eq!(status, 400);
    assert_eq!(body["status"], "failure");
}

#[tokio::test]
async fn a_rate_limit_rule_announces_itself_and_answers_429_with_retry_after() {
    let portal = Portal::start(Options { rate_limit_per_hour: Some(2), ..Options::default() }).await;
    let get = || portal.with(portal.http.get(portal.url("/api/now/sp/page?id=opportunities")), SIGNED_IN).send();
    for _ in 0..2 {
        let response = get().await.unwrap();
        assert_eq!(response.status(), 200);
        assert_eq!(response.headers()["x-ratelimit-limit"], "2");
        assert!(response.headers().contains_key("x-ratelimit-reset"));
        assert!(response.headers().contains_key("x-ratelimit-rule"));
    }
    let refused = get().await.unwrap();
    assert_eq!(refused.status(), 429);
    let retry_after: u64 = refused.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=3600).contains(&retry_after));
    let body: Value = refused.json().await.unwrap();
    assert_eq!(body["error"]["message"], "Rate limit exceeded");
    assert_eq!(body["status"], "failure");

    // Authentication comes first: a stranger is told to sign in, not to wait.
    let stranger = portal.http.get(portal.url("/api/now/sp/page?id=opportunities")).send().await.unwrap();
    assert_eq!(stranger.status(), 401);
}
