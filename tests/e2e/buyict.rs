//! The buyict adapter end to end: the real host runs the real component,
//! which reaches the fake BuyICT portal over HTTPS with the tenant's session
//! credential (the `JSESSIONID` cookie and `X-UserToken`, attached by the
//! host), and rmcp's client calls its tools.

use crate::support::http::{cli, cli_with_stdin};
use crate::support::{PluginsDir, Start, StdioHost, bundled, is_error, text};
use berth_fakes::TestCa;
use berth_fakes::buyict::{self, FakeBuyIct, MARKETPLACES, Opportunity, Options};
use rmcp::model::CallToolResult;
use serde_json::{Value, json};

/// A fake portal, a data directory whose default tenant is configured for
/// it and holds its session, and the host settings that let the host reach
/// it (loopback allowed, the fakes' CA trusted).
struct Setup {
    fake: FakeBuyIct,
    data: tempfile::TempDir,
    plugins: PluginsDir,
    settings: String,
}

impl Setup {
    async fn start() -> Self {
        let fake = FakeBuyIct::start(Options::default()).await.expect("start the fake portal");
        let data = tempfile::tempdir().unwrap();
        let settings = crate::support::fakes_settings(data.path());
        let config =
            |key: &str, value: &str| cli(data.path(), &["config", "set", "--tenant", "default", "buyict", key, value]);
        config("base_url", &fake.host());
        config("portal_id", buyict::PORTAL_ID);
        config("cache_ttl_seconds", "300");
        let setup = Self { fake, data, plugins: PluginsDir::new().with(&bundled("buyict"), "buyict.wasm"), settings };
        setup.store_session(buyict::SESSION_ID, buyict::USER_TOKEN);
        setup
    }

    /// Stores the session credential the way the refresh instructions say.
    fn store_session(&self, session_id: &str, user_token: &str) {
        let args = [
            "credential",
            "set",
            "--tenant",
            "default",
            "--plugin",
            "buyict",
            "buyict",
            "--scheme",
            "headers",
            "--header",
            "Cookie=JSESSIONID={session_id}",
            "--header",
            "X-UserToken={user_token}",
            "--bind",
            &format!("https://{}", self.fake.host()),
        ];
        cli_with_stdin(self.data.path(), &args, &format!("session_id={session_id}\nuser_token={user_token}\n"));
    }

    async fn host(&self) -> StdioHost {
        StdioHost::start(Start::new(self.plugins.path(), self.data.path(), &self.settings)).await
    }

    /// How many requests reached the portal's JSON APIs.
    fn api_hits(&self) -> usize {
        self.fake.hits().count("/api/now/sp/")
    }

    /// How many seeded opportunities satisfy `matches`.
    fn count(&self, matches: impl Fn(&Opportunity) -> bool) -> u64 {
        self.fake.opportunities().iter().filter(|o| matches(o)).count() as u64
    }
}

/// Calls `tool` and returns its structured output, failing on a tool error.
async fn call(host: &StdioHost, tool: &str, arguments: Value) -> Value {
    let result = host.call_ok(tool, arguments).await;
    assert!(!is_error(&result), "{tool} failed: {}", text(&result));
    result.structured_content.clone().unwrap_or_else(|| panic!("{tool} gave no structured output: {}", text(&result)))
}

/// Calls `tool` expecting a tool error; returns its message.
async fn call_err(host: &StdioHost, tool: &str, arguments: Value) -> String {
    let result: CallToolResult = host.call_ok(tool, arguments).await;
    assert!(is_error(&result), "{tool} unexpectedly succeeded: {}", text(&result));
    text(&result)
}

fn ids(page: &Value) -> Vec<String> {
    page["opportunities"].as_array().unwrap().iter().map(|o| o["id"].as_str().unwrap().to_owned()).collect()
}

/// An RFC 4180 parser: quoted fields may hold commas, CRLF and doubled quotes.
fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let (mut records, mut record, mut field) = (Vec::new(), Vec::new(), String::new());
    let (mut chars, mut quoted) = (text.chars().peekable(), false);
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => field.push(c),
            (false, '"') if field.is_empty() => quoted = true,
            (false, ',') => record.push(std::mem::take(&mut field)),
            (false, '\r') if chars.peek() == Some(&'\n') => {
                chars.next();
                record.push(std::mem::take(&mut field));
                records.push(std::mem::take(&mut record));
            }
            (false, c) => field.push(c),
        }
    }
    assert!(field.is_empty() && record.is_empty(), "the last record ends with CRLF");
    records
}

#[tokio::test]
async fn search_returns_summaries_with_paging_and_the_total() {
    let setup = Setup::start().await;
    let host = setup.host().await;
    let args = json!({"marketplace": "PCS", "page_size": 3});
    let first = call(&host, "buyict_search_opportunities", args).await;
    let open_pcs = setup.count(|o| o.marketplace.code == "PCS" && o.open);
    assert_eq!(first["total"], open_pcs);
    assert_eq!(first["page"], 1);
    assert_eq!(first["page_size"], 3);
    assert_eq!(first["total_pages"], open_pcs.div_ceil(3));
    assert_eq!(first["has_more"], true);
    let card = &first["opportunities"][0];
    assert_eq!(card["marketplace"], "PCS");
    assert_eq!(card["module"], "Professional and Consulting Services");
    assert_eq!(card["state"], "Open");
    let sys_id = card["sys_id"].as_str().unwrap();
    assert_eq!(
        card["url"],
        format!(
            "https://{}/sp?id=opportunity_details&table={}&sys_id={sys_id}",
            setup.fake.host(),
            card["table"].as_str().unwrap()
        )
    );

    let second =
        call(&host, "buyict_search_opportunities", json!({"marketplace": "PCS", "page_size": 3, "page": 2})).await;
    assert_eq!(ids(&second).len(), 3);
    assert!(ids(&second).iter().all(|id| !ids(&first).contains(id)), "pages do not overlap");

    let cyber =
        call(&host, "buyict_search_opportunities", json!({"keyword": "cyber", "filters": {"state": "all"}})).await;
    assert_eq!(ids(&cyber), ["RFI-00421", "PCS-03324"], "soonest closing first, closed ones included");

    let filters = json!({"location": "ACT", "working_arrangement": "remote", "status": "open_to_all"});
    let narrowed = call(&host, "buyict_search_opportunities", json!({"filters": filters, "page_size": 100})).await;
    let expected = setup.count(|o| {
        o.open && o.location.ends_with("ACT") && o.working_arrangement == "Remote" && o.status == "Open to all"
    });
    assert_eq!(narrowed["total"], expected);
    assert_eq!(ids(&narrowed).len() as u64, expected);

    let wrong =
        call_err(&host, "buyict_search_opportunities", json!({"filters": {"closing_after": "2026-13-01"}})).await;
    assert!(wrong.contains("invalid arguments"), "{wrong}");
}

#[tokio::test]
async fn details_by_opportunity_id_take_the_table_from_the_prefix() {
    let setup = Setup::start().await;
    let host = setup.host().await;
    let details = call(&host, "buyict_get_opportunity_details", json!({"id": "PCS-03324"})).await;
    let seeded = setup.fake.opportunities().iter().find(|o| o.number == "PCS-03324").unwrap();
    assert_eq!(details["id"], "PCS-03324");
    assert_eq!(details["table"], "u_pcs_procurement");
    assert_eq!(details["sys_id"], seeded.sys_id);
    assert_eq!(details["title"], seeded.title);
    assert_eq!(details["rfq_id"], "PCS-03324");
    assert_eq!(details["rfq_type"], seeded.rfq_type);
    assert_eq!(details["buyer"], "Department of Home Affairs");
    assert_eq!(details["buyer_contact"], seeded.buyer_contact);
    assert_eq!(details["initial_contract_duration"], "12 months");
    assert_eq!(details["number_of_extensions"], "1");
    assert_eq!(details["working_arrangement"], "Hybrid");
    assert_eq!(details["location"], "Canberra, ACT");
    assert_eq!(details["requirements"], seeded.requirements);
    assert_eq!(details["criteria"], json!(seeded.criteria));
    for key in [
        "published_date",
        "closing_date",
        "question_deadline",
        "estimated_start_date",
        "extension_term",
        "extension_term_details",
        "industry_briefing",
    ] {
        assert!(details[key].as_str().is_some_and(|value| !value.is_empty()), "{key}: {details}");
    }
    let asked = format!("table=u_pcs_procurement&sys_id={}", seeded.sys_id);
    assert!(setup.fake.hits().all().iter().any(|hit| hit.contains("id=opportunity_details") && hit.contains(&asked)));

    // A request for information lives in its own table whatever its marketplace.
    let rfi = call(&host, "buyict_get_opportunity_details", json!({"id": "rfi-00412"})).await;
    assert_eq!((rfi["table"].as_str(), rfi["marketplace"].as_str()), (Some("u_rfi_procurement"), Some("CMP")));

    // By sys_id, with its table.
    let by_sys_id = json!({"id": seeded.sys_id, "table": "u_pcs_procurement"});
    assert_eq!(call(&host, "buyict_get_opportunity_details", by_sys_id).await, details);

    // The same, as the resource an agent reads.
    let templates = host.client.list_resource_templates(None).await.expect("templates");
    assert_eq!(templates.resource_templates[0].uri_template, "buyict://opportunity/{id}");
    let read = host
        .client
        .read_resource(rmcp::model::ReadResourceRequestParams::new("buyict://opportunity/PCS-03324"))
        .await
        .expect("read an opportunity");
    let rmcp::model::ResourceContents::TextResourceContents { text: body, .. } = &read.contents[0] else {
        panic!("{read:?}")
    };
    assert_eq!(serde_json::from_str::<Value>(body).unwrap(), details);

    let missing = call_err(&host, "buyict_get_opportunity_details", json!({"id": "PCS-99999"})).await;
    assert!(missing.starts_with("not found") && missing.contains("PCS-99999"), "{missing}");
    let unknown = call_err(&host, "buyict_get_opportunity_details", json!({"id": "XYZ-00001"})).await;
    assert!(
        unknown.contains("invalid arguments") && unknown.contains("PCS, SMP, CMP, LH, TMP, DC, HMP, RFI"),
        "{unknown}"
    );
    let bare = call_err(&host, "buyict_get_opportunity_details", json!({"id": seeded.sys_id})).await;
    assert!(bare.contains("pass `table`"), "{bare}");
}

#[tokio::test]
async fn csv_export_has_the_header_and_one_properly_quoted_row_per_opportunity() {
    let setup = Setup::start().await;
    let host = setup.host().await;
    let args = json!({"filters": {"state": "all"}, "page_size": 100, "format": "csv"});
    let result = host.call_ok("buyict_search_opportunities", args).await;
    assert!(!is_error(&result), "{}", text(&result));
    let paging = result.structured_content.clone().expect("paging in the structured output");
    assert_eq!(
        (paging["format"].as_str(), paging["total"].as_u64(), paging["returned"].as_u64()),
        (Some("csv"), Some(40), Some(40))
    );
    assert_eq!(result.content.len(), 1, "the CSV is the whole text output");

    let records = parse_csv(&text(&result));
    let header = &records[0];
    assert_eq!(
        header,
        &[
            "id",
            "title",
            "buyer",
            "marketplace",
            "module",
            "status",
            "state",
            "closing_date",
            "location",
            "working_arrangement",
            "table",
            "sys_id",
            "url"
        ]
    );
    let rows = &records[1..];
    assert_eq!(rows.len(), 40);
    assert!(rows.iter().all(|row| row.len() == header.len()));
    for seeded in setup.fake.opportunities() {
        let row =
            rows.iter().find(|row| row[0] == seeded.number).unwrap_or_else(|| panic!("{} missing", seeded.number));
        assert_eq!(row[1], seeded.title, "titles with commas and quotes survive");
        assert_eq!(row[2], seeded.buyer);
        assert_eq!((row[5].as_str(), row[6].as_str()), (seeded.status, seeded.state()));
        assert_eq!((row[10].as_str(), row[11].as_str()), (seeded.table, seeded.sys_id.as_str()));
    }
    let raw = text(&result);
    assert!(
        raw.contains("\"Enterprise architecture review, roadmap and \"\"target state\"\" design\""),
        "RFC 4180 quoting"
    );
    assert!(raw.ends_with("\r\n"));
}

#[tokio::test]
async fn a_repeated_search_is_answered_from_the_cache() {
    let setup = Setup::start().await;
    let host = setup.host().await;
    let args = json!({"keyword": "cloud", "page_size": 5});
    let first = call(&host, "buyict_search_opportunities", args.clone()).await;
    assert_eq!(setup.fake.hits().count("/api/now/sp/page"), 1, "the layout: the listing widget and filters");
    assert_eq!(setup.fake.hits().count("/api/now/sp/widget/"), 1, "the search itself");
    let again = call(&host, "buyict_search_opportunities", args).await;
    assert_eq!(again, first);
    assert_eq!(setup.api_hits(), 2, "the repeated search reached no upstream: {:?}", setup.fake.hits().all());

    // The same search exported as CSV is the same listing: still cached.
    call_csv(&host, json!({"keyword": "cloud", "page_size": 5, "format": "csv"})).await;
    assert_eq!(setup.api_hits(), 2);

    // Another page is another search; the layout stays cached.
    call(&host, "buyict_search_opportunities", json!({"keyword": "cloud", "page_size": 5, "page": 2})).await;
    assert_eq!(setup.fake.hits().count("/api/now/sp/widget/"), 2);
    assert_eq!(setup.fake.hits().count("/api/now/sp/page"), 1);

    // Details are cached too.
    call(&host, "buyict_get_opportunity_details", json!({"id": "LH-04512"})).await;
    let after_first = setup.api_hits();
    call(&host, "buyict_get_opportunity_details", json!({"id": "LH-04512"})).await;
    assert_eq!(setup.api_hits(), after_first);
}

async fn call_csv(host: &StdioHost, arguments: Value) -> String {
    let result = host.call_ok("buyict_search_opportunities", arguments).await;
    assert!(!is_error(&result), "{}", text(&result));
    text(&result)
}

#[tokio::test]
async fn an_expired_session_tells_the_operator_how_to_refresh_it_and_the_refreshed_one_works() {
    let setup = Setup::start().await;
    let host = setup.host().await;
    call(&host, "buyict_get_filters", json!({})).await;
    setup.fake.expire_session();

    let message = call_err(&host, "buyict_search_opportunities", json!({"keyword": "data"})).await;
    for needle in [
        "session has expired",
        &format!("https://{}/sp", setup.fake.host()),
        "JSESSIONID",
        "g_ck",
        "berth credential set --tenant <tenant> --plugin buyict buyict --scheme headers \
         --header 'Cookie=JSESSIONID={session_id}' --header 'X-UserToken={user_token}'",
        "session_id=",
        "user_token=",
    ] {
        assert!(message.contains(needle), "`{needle}` missing from: {message}");
    }

    // Follow the instructions: sign in again (load the portal), copy the
    // cookie and g_ck, store them; the next call works without a restart.
    let (session_id, user_token) = sign_in(&setup.fake).await;
    setup.store_session(&session_id, &user_token);
    let page = call(&host, "buyict_search_opportunities", json!({"keyword": "data"})).await;
    assert!(page["total"].as_u64().unwrap() > 0);
}

/// What an operator does in a browser: loads the portal, which starts a
/// session, and reads the `JSESSIONID` cookie and `g_ck`.
async fn sign_in(fake: &FakeBuyIct) -> (String, String) {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let ca = reqwest::Certificate::from_pem(TestCa::get().pem().as_bytes()).unwrap();
    let client = reqwest::Client::builder().add_root_certificate(ca).build().unwrap();
    let response = client.get(format!("{}/sp?id=index", fake.served.base_url())).send().await.unwrap();
    let session_id = response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|value| value.to_str().ok()?.strip_prefix("JSESSIONID="))
        .map(|rest| rest.split(';').next().unwrap_or_default().to_owned())
        .next()
        .expect("the portal starts a session");
    let html = response.text().await.unwrap();
    let user_token = html.split("g_ck = '").nth(1).and_then(|rest| rest.split('\'').next()).expect("g_ck").to_owned();
    (session_id, user_token)
}

#[tokio::test]
async fn list_marketplaces_lists_all_seven_without_contacting_the_portal() {
    let setup = Setup::start().await;
    let host = setup.host().await;
    let listed = call(&host, "buyict_list_marketplaces", json!({})).await;
    let marketplaces = listed["marketplaces"].as_array().unwrap();
    assert_eq!(marketplaces.len(), 7);
    for (listed, portal) in marketplaces.iter().zip(MARKETPLACES) {
        assert_eq!((listed["code"].as_str(), listed["name"].as_str()), (Some(portal.code), Some(portal.name)));
        assert_eq!(listed["table"], portal.table);
    }
    let verified: Vec<&str> =
        marketplaces.iter().filter(|m| m["table_verified"] == true).map(|m| m["code"].as_str().unwrap()).collect();
    assert_eq!(verified, ["PCS", "LH"]);
    assert_eq!(listed["rfi_table"], "u_rfi_procurement");
    assert_eq!(setup.api_hits(), 0);

    let tools = host.client.list_all_tools().await.unwrap();
    let mut names: Vec<&str> = tools.iter().map(|tool| tool.name.as_ref()).collect();
    names.sort_unstable();
    assert_eq!(
        names,
        [
            "buyict_get_filters",
            "buyict_get_opportunity_details",
            "buyict_list_marketplaces",
            "buyict_search_opportunities"
        ]
    );
    for tool in &tools {
        let annotations = tool.annotations.as_ref().expect("annotations");
        assert_eq!(
            (annotations.read_only_hint, annotations.idempotent_hint),
            (Some(true), Some(true)),
            "{}",
            tool.name
        );
    }
}

#[tokio::test]
async fn get_filters_lists_what_the_listing_offers() {
    let setup = Setup::start().await;
    let host = setup.host().await;
    let filters = call(&host, "buyict_get_filters", json!({})).await;
    let filters = filters["filters"].as_array().unwrap();
    let names: Vec<&str> = filters.iter().map(|filter| filter["name"].as_str().unwrap()).collect();
    assert_eq!(
        names,
        ["marketplace", "state", "status", "location", "working_arrangement", "closing_after", "closing_before"]
    );
    let marketplace = &filters[0]["options"];
    assert_eq!(marketplace.as_array().unwrap().len(), 7);
    assert_eq!(
        marketplace[0],
        json!({"value": "PCS", "label": "Professional and Consulting Services", "count": setup.count(|o| o.marketplace.code == "PCS")})
    );
    assert_eq!(filters[1]["default"], "open");
}
