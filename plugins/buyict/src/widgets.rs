//! Reading widget data out of Service Portal answers, defensively: a page's
//! widgets sit in `containers[*].rows[*].columns[*].widgets[*].widget`
//! (the `theme` holds header and footer widgets, never page content), and
//! any field may be missing or of an unexpected type. Nothing here fails on
//! odd data; a missing field reads as empty.
//!
//! The widget ids below are those of the portal's opportunity widgets. They
//! are not documented publicly (unverified against the live portal), which
//! is why they are named in this one place.

use crate::model::{Attachment, Details, Field, Filter, FilterOption, SearchPage, Summary, details_url};
use serde_json::Value;

/// The opportunities listing widget.
pub const LISTING: &str = "buyict-opportunity-list";
/// The listing's filters widget.
pub const FILTERS: &str = "buyict-opportunity-filters";
/// The opportunity details widget.
pub const DETAILS: &str = "buyict-opportunity-details";

/// A widget instance found on a page.
#[derive(Debug, Clone, PartialEq)]
pub struct Widget {
    /// The instance's `sys_id`, what `POST /api/now/sp/widget/{sys_id}` takes.
    pub sys_id: String,
    /// Its server data.
    pub data: Value,
}

/// The first widget with `id` in the containers of page `result`.
pub fn find(result: &Value, id: &str) -> Option<Widget> {
    items(result, "containers")
        .flat_map(|container| items(container, "rows"))
        .flat_map(|row| items(row, "columns"))
        .flat_map(|column| items(column, "widgets"))
        .filter_map(|entry| entry.get("widget"))
        .find(|widget| widget.get("id").and_then(Value::as_str) == Some(id))
        .map(|widget| Widget { sys_id: text(widget, "sys_id"), data: widget.get("data").cloned().unwrap_or_default() })
}

/// The items of the array `value[key]`; none when it is not an array.
fn items<'a>(value: &'a Value, key: &str) -> impl Iterator<Item = &'a Value> {
    value.get(key).and_then(Value::as_array).into_iter().flatten()
}

/// A page of results from the listing widget's `data`; `origin` makes the
/// links absolute.
pub fn search_page(data: &Value, origin: &str) -> SearchPage {
    let opportunities: Vec<Summary> = items(data, "opportunities").map(|card| summary(card, origin)).collect();
    let total = number(data, "total").unwrap_or(opportunities.len() as u64);
    let page = number(data, "page").and_then(|page| u32::try_from(page).ok()).unwrap_or(1);
    let page_size = number(data, "page_size").and_then(|size| u32::try_from(size).ok()).unwrap_or(1).max(1);
    let total_pages = number(data, "total_pages").unwrap_or_else(|| total.div_ceil(u64::from(page_size)));
    SearchPage { opportunities, total, page, page_size, total_pages, has_more: u64::from(page) < total_pages }
}

fn summary(card: &Value, origin: &str) -> Summary {
    let (table, sys_id) = (text(card, "table"), text(card, "sys_id"));
    Summary {
        id: text(card, "number"),
        title: text(card, "title"),
        buyer: text(card, "buyer"),
        marketplace: text(card, "marketplace"),
        module: text(card, "module"),
        status: text(card, "status"),
        state: text(card, "state"),
        closing_date: text(card, "closing_date"),
        location: text(card, "location"),
        working_arrangement: text(card, "working_arrangement"),
        url: details_url(origin, &table, &sys_id),
        table,
        sys_id,
    }
}

/// The filters from the filters widget's `data`.
pub fn filters(data: &Value) -> Vec<Filter> {
    items(data, "filters")
        .map(|filter| Filter {
            name: text(filter, "name"),
            label: text(filter, "label"),
            kind: text(filter, "type"),
            default: non_empty(text(filter, "default")),
            options: items(filter, "options")
                .map(|option| FilterOption {
                    value: text(option, "value"),
                    label: text(option, "label"),
                    count: number(option, "count"),
                })
                .collect(),
        })
        .collect()
}

/// The opportunity in the details widget's `data`, or `None` when the
/// widget says the record was not found.
pub fn details(data: &Value, origin: &str) -> Option<Details> {
    if data.get("found").and_then(Value::as_bool) != Some(true) {
        return None;
    }
    let (table, sys_id) = (text(data, "table"), text(data, "sys_id"));
    let mut details = Details {
        id: text(data, "number"),
        title: text(data, "title"),
        marketplace: text(data, "marketplace"),
        module: text(data, "module"),
        status: text(data, "status"),
        state: text(data, "state"),
        url: details_url(origin, &table, &sys_id),
        table,
        sys_id,
        requirements: non_empty(text(data, "requirements")),
        criteria: items(data, "criteria").filter_map(Value::as_str).map(str::to_owned).collect(),
        attachments: items(data, "attachments")
            .map(|file| Attachment { file_name: text(file, "file_name"), size_bytes: number(file, "size_bytes") })
            .collect(),
        ..Details::default()
    };
    for field in items(data, "fields") {
        let (label, value) = (text(field, "label"), text(field, "value"));
        match slot(&mut details, &label) {
            Some(slot) => *slot = Some(value),
            None => details.other_fields.push(Field { label, value }),
        }
    }
    Some(details)
}

/// Where the value of the details page's field `label` goes.
fn slot<'a>(details: &'a mut Details, label: &str) -> Option<&'a mut Option<String>> {
    Some(match label.trim().to_ascii_lowercase().as_str() {
        "rfq id" => &mut details.rfq_id,
        "rfq type" => &mut details.rfq_type,
        "rfq published date" => &mut details.published_date,
        "rfq closing date" => &mut details.closing_date,
        "deadline for asking questions" => &mut details.question_deadline,
        "buyer" => &mut details.buyer,
        "buyer contact" => &mut details.buyer_contact,
        "estimated start date" => &mut details.estimated_start_date,
        "initial contract duration" => &mut details.initial_contract_duration,
        "extension term" => &mut details.extension_term,
        "extension term details" => &mut details.extension_term_details,
        "number of extensions" => &mut details.number_of_extensions,
        "working arrangement" | "working arrangements" => &mut details.working_arrangement,
        "industry briefing" => &mut details.industry_briefing,
        "location" => &mut details.location,
        _ => return None,
    })
}

/// `value[key]` as text: strings as they are, numbers and booleans printed,
/// anything else empty.
fn text(value: &Value, key: &str) -> String {
    match value.get(key) {
        Some(Value::String(text)) => text.clone(),
        Some(Value::Number(number)) => number.to_string(),
        Some(Value::Bool(flag)) => flag.to_string(),
        _ => String::new(),
    }
}

/// `value[key]` as a count: a non-negative number or a numeric string.
fn number(value: &Value, key: &str) -> Option<u64> {
    match value.get(key)? {
        Value::Number(number) => number.as_u64(),
        Value::String(text) => text.trim().parse().ok(),
        _ => None,
    }
}

/// `Some(text)` unless it is empty.
fn non_empty(text: String) -> Option<String> {
    Some(text).filter(|text| !text.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn page() -> Value {
        json!({
            "containers": [
                {"rows": [{"columns": [{"widgets": [{"widget": {"id": "crumbs", "sys_id": "1", "data": {}}}]}]}]},
                {"rows": [{"columns": [
                    {"widgets": [{"widget": {"id": FILTERS, "sys_id": "2", "data": {"filters": []}}}]},
                    {"widgets": [{"widget": {"id": LISTING, "sys_id": "3", "data": {"total": "2"}}}]},
                ]}]},
            ],
            "theme": {"header": {"widget": {"id": DETAILS, "sys_id": "9", "data": {}}}},
        })
    }

    #[test]
    fn widgets_are_found_in_containers_only() {
        let listing = find(&page(), LISTING).unwrap();
        assert_eq!(listing.sys_id, "3");
        assert_eq!(listing.data, json!({"total": "2"}));
        assert_eq!(find(&page(), DETAILS), None, "the theme is not page content");
        assert_eq!(find(&json!({"containers": "odd"}), LISTING), None);
        assert_eq!(find(&json!(null), LISTING), None);
    }

    #[test]
    fn a_listing_reads_leniently() {
        let data = json!({"opportunities": [{"number": "PCS-1", "title": 7, "table": "u_pcs_procurement", "sys_id": "ab"}, "junk"],
            "total": "41", "page": 2, "page_size": 20});
        let page = search_page(&data, "https://portal.test");
        assert_eq!(page.total, 41);
        assert_eq!(page.total_pages, 3);
        assert!(page.has_more);
        assert_eq!(page.opportunities[0].title, "7");
        assert_eq!(
            page.opportunities[0].url,
            "https://portal.test/sp?id=opportunity_details&table=u_pcs_procurement&sys_id=ab"
        );
        assert_eq!(page.opportunities[1].id, "");
        assert_eq!(search_page(&json!("nothing"), "https://portal.test").opportunities, Vec::new());
    }

    #[test]
    fn details_map_labels_to_fields_and_keep_unknown_ones() {
        let data = json!({"found": true, "number": "LH-1", "fields": [
            {"label": "RFQ ID", "value": "LH-1"}, {"label": "Working arrangement", "value": "Hybrid"},
            {"label": "Security clearance", "value": "Baseline"}, {"value": "no label"}],
            "criteria": ["A", 3, "B"], "attachments": [{"file_name": "sor.docx", "size_bytes": 10}]});
        let details = details(&data, "https://portal.test").unwrap();
        assert_eq!(details.rfq_id.as_deref(), Some("LH-1"));
        assert_eq!(details.working_arrangement.as_deref(), Some("Hybrid"));
        assert_eq!(details.other_fields[0], Field { label: "Security clearance".into(), value: "Baseline".into() });
        assert_eq!(details.criteria, ["A", "B"]);
        assert_eq!(details.attachments[0].size_bytes, Some(10));
        assert_eq!(super::details(&json!({"found": false}), "https://portal.test"), None);
    }
}
