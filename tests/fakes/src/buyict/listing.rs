//! The opportunities listing: how the listing widget reads a search from its
//! input (page parameters or a widget POST body), filters and pages the
//! catalogue, and what the filters widget offers.
//!
//! Like ServiceNow generally, the widget is lenient: a parameter it does not
//! know, or a value it cannot read, is ignored rather than rejected.

use super::catalogue::{MARKETPLACES, Opportunity};
use super::date::Date;
use serde_json::{Map, Value, json};

/// Page size when the input gives none.
pub const DEFAULT_PAGE_SIZE: usize = 10;
/// Largest page the widget serves; a larger request is clamped, the way
/// ServiceNow clamps rather than refuses.
pub const MAX_PAGE_SIZE: usize = 100;

/// Which opportunities by state. The portal shows open ones unless asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Open,
    Closed,
    All,
}

/// A search as the listing widget understands it.
#[derive(Debug, Clone)]
pub struct Search {
    keyword: Option<String>,
    marketplace: Option<String>,
    state: State,
    status: Option<&'static str>,
    location: Option<String>,
    working_arrangement: Option<String>,
    closing_after: Option<Date>,
    closing_before: Option<Date>,
    page: usize,
    page_size: usize,
}

impl Search {
    /// Reads a search from widget input: URL parameters of a page request
    /// or the fields of a widget POST body (all strings or numbers).
    pub fn from_input(input: &Map<String, Value>) -> Self {
        let text = |key: &str| match input.get(key) {
            Some(Value::String(text)) if !text.trim().is_empty() => Some(text.trim().to_owned()),
            Some(Value::Number(number)) => Some(number.to_string()),
            _ => None,
        };
        let number = |key: &str| text(key).and_then(|text| text.parse::<usize>().ok()).filter(|number| *number > 0);
        let state = match text("state").map(|state| state.to_ascii_lowercase()).as_deref() {
            Some("closed") => State::Closed,
            Some("all") => State::All,
            _ => State::Open,
        };
        let status = match text("status").map(|status| status.to_ascii_lowercase()).as_deref() {
            Some("open_to_all") => Some("Open to all"),
            Some("invited_sellers") => Some("Invited sellers"),
            _ => None,
        };
        Self {
            keyword: text("keyword").map(|keyword| keyword.to_lowercase()),
            marketplace: text("marketplace"),
            state,
            status,
            location: text("location").map(|location| location.to_lowercase()),
            working_arrangement: text("working_arrangement"),
            closing_after: text("closing_after").and_then(|date| Date::parse(&date)),
            closing_before: text("closing_before").and_then(|date| Date::parse(&date)),
            page: number("page").unwrap_or(1),
            page_size: number("page_size").unwrap_or(DEFAULT_PAGE_SIZE).min(MAX_PAGE_SIZE),
        }
    }

    /// The listing widget's data for this search over `catalogue`: one page
    /// of cards, soonest closing first, with the total and paging.
    pub fn run(&self, catalogue: &[Opportunity]) -> Value {
        let mut found: Vec<&Opportunity> = catalogue.iter().filter(|opportunity| self.matches(opportunity)).collect();
        found.sort_by(|a, b| a.closing.cmp(&b.closing).then(a.number.cmp(b.number)));
        let total = found.len();
        let start = (self.page - 1).saturating_mul(self.page_size).min(total);
        let end = start.saturating_add(self.page_size).min(total);
        let cards: Vec<Value> = found[start..end].iter().map(|opportunity| card(opportunity)).collect();
        let range_label = if start == end {
            format!("0 of {total} opportunities")
        } else {
            format!("{} - {end} of {total} opportunities", start + 1)
        };
        json!({
            "opportunities": cards,
            "total": total,
            "page": self.page,
            "page_size": self.page_size,
            "total_pages": total.div_ceil(self.page_size),
            "range_label": range_label,
        })
    }

    fn matches(&self, opportunity: &Opportunity) -> bool {
        let contains = |haystack: &str, needle: &str| haystack.to_lowercase().contains(needle);
        let state = match self.state {
            State::Open => opportunity.open,
            State::Closed => !opportunity.open,
            State::All => true,
        };
        state
            && self.keyword.as_deref().is_none_or(|keyword| {
                [opportunity.number, opportunity.title, opportunity.buyer].iter().any(|field| contains(field, keyword))
            })
            && self.marketplace.as_deref().is_none_or(|code| opportunity.marketplace.code.eq_ignore_ascii_case(code))
            && self.status.is_none_or(|status| opportunity.status == status)
            && self.location.as_deref().is_none_or(|location| contains(opportunity.location, location))
            && self
                .working_arrangement
                .as_deref()
                .is_none_or(|arrangement| opportunity.working_arrangement.eq_ignore_ascii_case(arrangement))
            && self.closing_after.is_none_or(|after| opportunity.closing >= after)
            && self.closing_before.is_none_or(|before| opportunity.closing <= before)
    }
}

/// A listing card: the fields the portal shows, named as the widget names
/// them, plus the link to the details page.
fn card(opportunity: &Opportunity) -> Value {
    json!({
        "sys_id": opportunity.sys_id,
        "number": opportunity.number,
        "table": opportunity.table,
        "title": opportunity.title,
        "buyer": opportunity.buyer,
        "closing_date": format!("{} 18:00:00", opportunity.closing),
        "location": opportunity.location,
        "working_arrangement": opportunity.working_arrangement,
        "module": opportunity.marketplace.name,
        "marketplace": opportunity.marketplace.code,
        "status": opportunity.status,
        "state": opportunity.state(),
        "url": format!("?id=opportunity_details&table={}&sys_id={}", opportunity.table, opportunity.sys_id),
    })
}

/// The filters widget's data: every filter the listing accepts, with the
/// choices and how many opportunities (open or closed) each matches.
pub fn filters(catalogue: &[Opportunity]) -> Value {
    let count = |matches: &dyn Fn(&Opportunity) -> bool| catalogue.iter().filter(|o| matches(o)).count();
    let marketplaces: Vec<Value> = MARKETPLACES
        .iter()
        .map(|marketplace| {
            let count = count(&|o| o.marketplace.code == marketplace.code);
            json!({"value": marketplace.code, "label": marketplace.name, "count": count})
        })
        .collect();
    let mut regions: Vec<&str> =
        catalogue.iter().map(|o| o.location.rsplit_once(", ").map_or(o.location, |(_, region)| region)).collect();
    regions.sort_unstable();
    regions.dedup();
    let locations: Vec<Value> = regions
        .iter()
        .map(|region| json!({"value": region, "label": region, "count": count(&|o| o.location.ends_with(region))}))
        .collect();
    let arrangements: Vec<Value> = ["Onsite", "Hybrid", "Remote"]
        .iter()
        .map(|label| {
            let count = count(&|o| o.working_arrangement == *label);
            json!({"value": label.to_ascii_lowercase(), "label": label, "count": count})
        })
        .collect();
    json!({"filters": [
        {"name": "marketplace", "label": "Marketplace", "type": "choice", "options": marketplaces},
        {"name": "state", "label": "Opportunity state", "type": "choice", "default": "open", "options": [
            {"value": "open", "label": "Open", "count": count(&|o| o.open)},
            {"value": "closed", "label": "Closed", "count": count(&|o| !o.open)},
            {"value": "all", "label": "Open and closed", "count": catalogue.len()},
        ]},
        {"name": "status", "label": "Who can respond", "type": "choice", "options": [
            {"value": "open_to_all", "label": "Open to all", "count": count(&|o| o.status == "Open to all")},
            {"value": "invited_sellers", "label": "Invited sellers", "count": count(&|o| o.status == "Invited sellers")},
        ]},
        {"name": "location", "label": "Location", "type": "text", "options": locations},
        {"name": "working_arrangement", "label": "Working arrangement", "type": "choice", "options": arrangements},
        {"name": "closing_after", "label": "Closing on or after", "type": "date", "options": []},
        {"name": "closing_before", "label": "Closing on or before", "type": "date", "options": []},
    ]})
}
