//! What the fake portal holds: its marketplaces and the opportunities
//! published in them, built from [`super::seed`] around the day the fake
//! starts.

use super::date::Date;
use super::seed::{BUYERS, CRITERIA, ROWS, Row};

/// A BuyICT marketplace ("module" on the listing cards).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Marketplace {
    /// Short code, which is also the prefix of its opportunity IDs.
    pub code: &'static str,
    /// Name as the portal prints it.
    pub name: &'static str,
    /// ServiceNow table holding its opportunities.
    pub table: &'static str,
}

/// The seven marketplaces.
///
/// The reference confirms only `u_lh_procurement` (LH-) and
/// `u_pcs_procurement` (PCS-); the other tables follow the same
/// `u_<code>_procurement` pattern and are **unverified** guesses.
pub const MARKETPLACES: [Marketplace; 7] = [
    Marketplace { code: "PCS", name: "Professional and Consulting Services", table: "u_pcs_procurement" },
    Marketplace { code: "SMP", name: "Software Marketplace", table: "u_smp_procurement" },
    Marketplace { code: "CMP", name: "Cloud Marketplace", table: "u_cmp_procurement" },
    Marketplace { code: "LH", name: "ICT Labour Hire", table: "u_lh_procurement" },
    Marketplace { code: "TMP", name: "Telecommunications Marketplace", table: "u_tmp_procurement" },
    Marketplace { code: "DC", name: "Data Centre Facilities", table: "u_dc_procurement" },
    Marketplace { code: "HMP", name: "Hardware Marketplace", table: "u_hmp_procurement" },
];

/// Requests for information (`RFI-` IDs) live in their own table whatever
/// their marketplace (confirmed by the reference).
pub const RFI_TABLE: &str = "u_rfi_procurement";

/// One opportunity with everything the listing card and the details page
/// show.
#[derive(Debug, Clone)]
pub struct Opportunity {
    /// 32-hex record id, stable across runs.
    pub sys_id: String,
    /// Opportunity ID, e.g. `PCS-03324`.
    pub number: &'static str,
    /// Table the record lives in.
    pub table: &'static str,
    /// Marketplace it is published in.
    pub marketplace: Marketplace,
    /// Title.
    pub title: &'static str,
    /// Publishing agency.
    pub buyer: &'static str,
    /// Contact officer, role and e-mail.
    pub buyer_contact: String,
    /// Location.
    pub location: &'static str,
    /// `Onsite`, `Hybrid` or `Remote`.
    pub working_arrangement: &'static str,
    /// The status badge: `Open to all` or `Invited sellers`.
    pub status: &'static str,
    /// Still accepting responses (closes today or later).
    pub open: bool,
    /// RFQ type.
    pub rfq_type: &'static str,
    /// Publication date.
    pub published: Date,
    /// Closing date (responses close at 6 PM Canberra time).
    pub closing: Date,
    /// Last day for sellers' questions.
    pub question_deadline: Date,
    /// When the work is expected to start.
    pub estimated_start: Date,
    /// Initial contract duration, as printed.
    pub initial_contract_duration: String,
    /// Length of each extension, as printed.
    pub extension_term: String,
    /// Extension terms in words.
    pub extension_term_details: String,
    /// How many extensions the buyer may take up.
    pub number_of_extensions: u32,
    /// Industry briefing, as printed.
    pub industry_briefing: String,
    /// What the buyer needs.
    pub requirements: String,
    /// Evaluation criteria.
    pub criteria: Vec<&'static str>,
}

impl Opportunity {
    /// `Open` or `Closed`, as the listing prints it.
    pub fn state(&self) -> &'static str {
        if self.open { "Open" } else { "Closed" }
    }
}

/// The seeded opportunities, dated around `today`.
pub fn opportunities(today: Date) -> Vec<Opportunity> {
    ROWS.iter().enumerate().map(|(index, row)| opportunity(index, row, today)).collect()
}

fn opportunity(index: usize, row: &Row, today: Date) -> Opportunity {
    let marketplace = *MARKETPLACES
        .iter()
        .find(|marketplace| marketplace.code == row.marketplace)
        .expect("every seed row names a known marketplace");
    let buyer = &BUYERS[row.buyer];
    let prefix = row.number.split_once('-').map_or(row.number, |(prefix, _)| prefix);
    let rfi = prefix == "RFI";
    let published = today.plus(-row.published_ago);
    let closing = today.plus(row.closes_in);
    let criteria = CRITERIA.iter().find(|(kind, _)| *kind == prefix).map_or(&[][..], |(_, criteria)| &criteria[..]);
    let local_part = buyer.contact.to_ascii_lowercase().replace([' ', '\''], ".");
    Opportunity {
        sys_id: sys_id(row.number),
        number: row.number,
        table: if rfi { RFI_TABLE } else { marketplace.table },
        marketplace,
        title: row.title,
        buyer: buyer.name,
        buyer_contact: format!("{}, ICT Procurement ({local_part}@{})", buyer.contact, buyer.domain),
        location: row.location,
        working_arrangement: row.arrangement,
        status: if row.invited { "Invited sellers" } else { "Open to all" },
        open: row.closes_in >= 0,
        rfq_type: match prefix {
            "RFI" => "Request for Information",
            "LH" => "ICT Labour Hire",
            _ if row.invited => "Request for Quote (limited)",
            _ => "Request for Quote (open)",
        },
        published,
        closing,
        question_deadline: closing.plus(-5),
        estimated_start: closing.plus(28),
        initial_contract_duration: match row.months {
            0 => "Not applicable".to_owned(),
            months => format!("{months} months"),
        },
        extension_term: if row.extensions == 0 { "None".to_owned() } else { "12 months".to_owned() },
        extension_term_details: match row.extensions {
            0 => "No extension options".to_owned(),
            count => format!("Up to {count} extension(s) of 12 months each, at the buyer's discretion"),
        },
        number_of_extensions: row.extensions,
        industry_briefing: if row.briefing {
            format!(
                "Online industry briefing on {} at 11:00 AM (Canberra time); register with the buyer contact",
                published.plus(5).long()
            )
        } else {
            "No industry briefing".to_owned()
        },
        requirements: requirements(row, buyer.name, marketplace),
        criteria: criteria.iter().take(if index.is_multiple_of(2) { 4 } else { 3 }).copied().collect(),
    }
}

fn requirements(row: &Row, buyer: &str, marketplace: Marketplace) -> String {
    let arrangement = match row.arrangement {
        "Onsite" => "on site",
        "Hybrid" => "partly on site and partly remotely",
        _ => "remotely",
    };
    let term = match row.months {
        0 => "This is a request for information: responses inform a later approach to market and no contract will result from it.".to_owned(),
        months => format!("The initial contract is for {months} months."),
    };
    format!(
        "{buyer} is seeking responses through the {} for: {}. Work will be performed {arrangement} ({}). {term}",
        marketplace.name, row.title, row.location
    )
}

/// A stable 32-hex `sys_id` for `number` (two FNV-1a hashes), so links stay
/// valid from one run to the next.
fn sys_id(number: &str) -> String {
    let fnv = |seed: u64| {
        number.bytes().fold(seed, |hash, byte| (hash ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01b3))
    };
    format!("{:016x}{:016x}", fnv(0xcbf2_9ce4_8422_2325), fnv(0x8422_2325_cbf2_9ce4))
}
