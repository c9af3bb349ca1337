//! Service Portal pages and widgets as the SP JSON APIs return them.
//!
//! `GET /api/now/sp/page` answers `{"result": {"containers": [...], "theme",
//! "portal", "page", "user"}}`; the data a client wants sits in
//! `containers[*].rows[*].columns[*].widgets[*].widget.data`. The theme
//! (header and footer) holds widgets too, which a client must not mistake
//! for page content. `POST /api/now/sp/widget/{sys_id}` answers one
//! widget's data as `{"result": {"data": ...}}`.

use super::catalogue::Opportunity;
use super::listing::{self, Search};
use serde_json::{Map, Value, json};

/// `sys_id` of the opportunities listing widget.
pub const LISTING_WIDGET: &str = "6b1c2f3e1b8e2a50f421db96b04bcb10";
/// `sys_id` of the listing's filters widget.
pub const FILTERS_WIDGET: &str = "a31d6b7a1b8e2a50f421db96b04bcb22";
/// `sys_id` of the opportunity details widget.
pub const DETAILS_WIDGET: &str = "d5e07c4e1b8e2a50f421db96b04bcb37";
/// `sys_id` of the breadcrumbs widget at the top of every page.
const BREADCRUMBS_WIDGET: &str = "0f8c9e121b8e2a50f421db96b04bcb41";
/// `sys_id` of the header menu widget in the theme.
const HEADER_WIDGET: &str = "1a2b3c4d1b8e2a50f421db96b04bcb58";

/// A page request: which page, and the page parameters its widgets read.
pub struct PageRequest<'a> {
    /// Page id (`opportunities`, `opportunity_details`, ...).
    pub id: &'a str,
    /// Every URL parameter, as widget input.
    pub params: &'a Map<String, Value>,
    /// The portal's `sys_id`.
    pub portal_id: &'a str,
    /// The request named this portal (or none); a page of another portal
    /// is not found.
    pub known_portal: bool,
}

/// The whole `sp/page` answer for `request`. An unknown page (or a page of
/// another portal) has no containers, as ServiceNow answers for a blank page.
pub fn page(request: &PageRequest<'_>, catalogue: &[Opportunity]) -> Value {
    let id = if request.known_portal { request.id } else { "" };
    let containers = match id {
        "opportunities" => vec![
            container(vec![vec![breadcrumbs("Opportunities")]]),
            container(vec![
                vec![widget(
                    FILTERS_WIDGET,
                    "buyict-opportunity-filters",
                    "Opportunity filters",
                    listing::filters(catalogue),
                )],
                vec![widget(
                    LISTING_WIDGET,
                    "buyict-opportunity-list",
                    "Opportunity list",
                    Search::from_input(request.params).run(catalogue),
                )],
            ]),
        ],
        "opportunity_details" => vec![
            container(vec![vec![breadcrumbs("Opportunity details")]]),
            container(vec![vec![widget(
                DETAILS_WIDGET,
                "buyict-opportunity-details",
                "Opportunity details",
                details(request.params, catalogue),
            )]]),
        ],
        _ => Vec::new(),
    };
    json!({"result": {
        "containers": containers,
        "theme": {"header": {"widget": widget(HEADER_WIDGET, "buyict-header", "Header menu", json!({
            "menu": [{"label": "Opportunities", "href": "?id=opportunities"}, {"label": "Marketplaces", "href": "?id=marketplaces"}],
        }))}},
        "portal": {"sys_id": request.portal_id, "url_suffix": "sp", "title": "BuyICT"},
        "page": {"id": request.id, "title": request.id.replace('_', " ")},
        "user": {"logged_in": true, "name": "Sample Seller"},
    }})
}

/// The data of widget `sys_id` for a widget POST with `input`, or `None`
/// for a widget the portal does not have.
pub fn widget_data(sys_id: &str, input: &Map<String, Value>, catalogue: &[Opportunity]) -> Option<Value> {
    match sys_id {
        LISTING_WIDGET => Some(Search::from_input(input).run(catalogue)),
        FILTERS_WIDGET => Some(listing::filters(catalogue)),
        DETAILS_WIDGET => Some(details(input, catalogue)),
        _ => None,
    }
}

/// The details widget's data for `table` and `sys_id` in `input`: the
/// labelled fields as the page prints them, the requirements and criteria.
/// A record that does not exist (or is not in that table) gives
/// `found: false`, which is how the widget tells the page to say so.
fn details(input: &Map<String, Value>, catalogue: &[Opportunity]) -> Value {
    let param = |key: &str| input.get(key).and_then(Value::as_str).unwrap_or_default();
    let (table, sys_id) = (param("table"), param("sys_id"));
    let Some(found) = catalogue.iter().find(|o| o.table == table && o.sys_id == sys_id) else {
        return json!({"found": false, "table": table, "sys_id": sys_id, "message": "Record not found"});
    };
    let closing = format!("{} 6:00 PM (Canberra time)", found.closing.long());
    let fields = [
        ("RFQ ID", found.number.to_owned()),
        ("RFQ type", found.rfq_type.to_owned()),
        ("RFQ published date", found.published.long()),
        ("RFQ closing date", closing),
        ("Deadline for asking questions", format!("{} 12:00 PM (Canberra time)", found.question_deadline.long())),
        ("Buyer", found.buyer.to_owned()),
        ("Buyer contact", found.buyer_contact.clone()),
        ("Estimated start date", found.estimated_start.long()),
        ("Initial contract duration", found.initial_contract_duration.clone()),
        ("Extension term", found.extension_term.clone()),
        ("Extension term details", found.extension_term_details.clone()),
        ("Number of extensions", found.number_of_extensions.to_string()),
        ("Working arrangement", found.working_arrangement.to_owned()),
        ("Industry briefing", found.industry_briefing.clone()),
        ("Location", found.location.to_owned()),
    ];
    json!({
        "found": true,
        "table": found.table,
        "sys_id": found.sys_id,
        "number": found.number,
        "title": found.title,
        "marketplace": found.marketplace.code,
        "module": found.marketplace.name,
        "status": found.status,
        "state": found.state(),
        "fields": fields.iter().map(|(label, value)| json!({"label": label, "value": value})).collect::<Vec<_>>(),
        "requirements": found.requirements,
        "criteria": found.criteria,
        "attachments": [{"file_name": format!("{} - Statement of requirements.docx", found.number), "size_bytes": 48_213}],
    })
}

/// One container with one row of `columns`, each a list of widgets.
fn container(columns: Vec<Vec<Value>>) -> Value {
    let size = 12 / columns.len().max(1);
    let columns: Vec<Value> = columns
        .into_iter()
        .map(|widgets| {
            let wrapped: Vec<Value> = widgets.into_iter().map(|widget| json!({"widget": widget})).collect();
            json!({"size": size, "widgets": wrapped})
        })
        .collect();
    json!({"width": "container", "rows": [{"columns": columns}]})
}

fn breadcrumbs(title: &str) -> Value {
    widget(
        BREADCRUMBS_WIDGET,
        "buyict-breadcrumbs",
        "Breadcrumbs",
        json!({"breadcrumbs": [{"label": "Home"}, {"label": title}]}),
    )
}

/// A widget instance as the page API serialises it.
fn widget(sys_id: &str, id: &str, name: &str, data: Value) -> Value {
    json!({
        "sys_id": sys_id,
        "id": id,
        "name": name,
        "options": {},
        "data": data,
        "template": format!("<div class=\"{id}\"><!-- rendered client-side --></div>"),
    })
}
