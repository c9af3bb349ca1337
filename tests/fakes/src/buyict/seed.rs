//! The seeded data, as plain tables: the opportunities the fake portal
//! lists, the agencies that publish them and the evaluation criteria each
//! kind of opportunity uses. [`super::catalogue`] turns these rows into
//! full [`super::Opportunity`] records; nothing here has behaviour.

/// One seeded opportunity, in the compact form that fits a table row. Dates
/// are offsets from the day the fake starts, so the same opportunities are
/// open (or closed) whenever the tests run.
pub struct Row {
    /// Opportunity ID as the portal shows it, e.g. `PCS-03324`.
    pub number: &'static str,
    /// Code of the marketplace (module) it is published in.
    pub marketplace: &'static str,
    /// Title; some carry commas and quotes, as real titles do.
    pub title: &'static str,
    /// Index into [`BUYERS`].
    pub buyer: usize,
    /// Location as printed on the listing card.
    pub location: &'static str,
    /// `Onsite`, `Hybrid` or `Remote`.
    pub arrangement: &'static str,
    /// Only invited sellers may respond (otherwise it is open to all).
    pub invited: bool,
    /// Published this many days before the fake started.
    pub published_ago: i64,
    /// Closes this many days after the fake started; negative means closed.
    pub closes_in: i64,
    /// Initial contract duration in months; 0 for requests for information.
    pub months: u32,
    /// Number of 12-month extension options.
    pub extensions: u32,
    /// The buyer holds an industry briefing.
    pub briefing: bool,
}

/// A publishing agency: name, contact officer and mail domain (under the
/// reserved `.example` top-level domain, so no message can go anywhere).
pub struct Buyer {
    /// Agency name.
    pub name: &'static str,
    /// Contact officer.
    pub contact: &'static str,
    /// Mail domain of the contact officer.
    pub domain: &'static str,
}

/// The agencies.
pub const BUYERS: [Buyer; 13] = [
    Buyer { name: "Department of Home Affairs", contact: "Priya Raman", domain: "homeaffairs.example" },
    Buyer { name: "Department of Finance", contact: "Tom Whitlam", domain: "finance.example" },
    Buyer { name: "Digital Transformation Agency", contact: "Mei Chen", domain: "dta.example" },
    Buyer { name: "Department of Defence", contact: "Alex Nguyen", domain: "defence.example" },
    Buyer { name: "Australian Bureau of Statistics", contact: "Sam O'Brien", domain: "abs.example" },
    Buyer { name: "Services Australia", contact: "Jordan Kelly", domain: "servicesaustralia.example" },
    Buyer { name: "Australian Taxation Office", contact: "Chris Papadopoulos", domain: "ato.example" },
    Buyer { name: "Department of Veterans' Affairs", contact: "Hannah Murray", domain: "dva.example" },
    Buyer { name: "Department of Health and Aged Care", contact: "Liam Walsh", domain: "health.example" },
    Buyer { name: "National Disability Insurance Agency", contact: "Aisha Karim", domain: "ndia.example" },
    Buyer { name: "Bureau of Meteorology", contact: "Ben Taylor", domain: "bom.example" },
    Buyer { name: "IP Australia", contact: "Grace Liu", domain: "ipaustralia.example" },
    Buyer {
        name: "Department of Climate Change, Energy, the Environment and Water",
        contact: "Noah Brown",
        domain: "dcceew.example",
    },
];

/// Builds a [`Row`] from one line of [`ROWS`].
#[allow(clippy::too_many_arguments)]
const fn row(
    number: &'static str,
    marketplace: &'static str,
    title: &'static str,
    buyer: usize,
    location: &'static str,
    arrangement: &'static str,
    invited: bool,
    published_ago: i64,
    closes_in: i64,
    months: u32,
    extensions: u32,
    briefing: bool,
) -> Row {
    Row {
        number,
        marketplace,
        title,
        buyer,
        location,
        arrangement,
        invited,
        published_ago,
        closes_in,
        months,
        extensions,
        briefing,
    }
}

const OPEN: bool = false;
const INVITED: bool = true;

/// The 40 seeded opportunities: 11 closed, 14 for invited sellers only, in
/// every marketplace, plus requests for information (`RFI-`), which live in
/// their own table whatever their marketplace.
#[rustfmt::skip]
pub const ROWS: [Row; 40] = [
    row("PCS-03324", "PCS", "Cyber security uplift advisory", 0, "Canberra, ACT", "Hybrid", OPEN, 10, 14, 12, 1, true),
    row("PCS-03318", "PCS", "Enterprise architecture review, roadmap and \"target state\" design", 1, "Canberra, ACT", "Hybrid", INVITED, 12, 9, 6, 0, false),
    row("PCS-03331", "PCS", "Digital service design for the grants portal", 2, "Sydney, NSW", "Remote", OPEN, 5, 21, 9, 1, true),
    row("PCS-03297", "PCS", "Independent assurance of the payroll replacement program", 3, "Canberra, ACT", "Onsite", INVITED, 40, -3, 18, 2, false),
    row("PCS-03340", "PCS", "Data governance framework and data strategy", 4, "Melbourne, VIC", "Hybrid", OPEN, 3, 28, 6, 0, false),
    row("PCS-03305", "PCS", "Organisational change management for the ERP rollout", 5, "Brisbane, QLD", "Hybrid", OPEN, 20, 2, 12, 1, false),
    row("PCS-03289", "PCS", "Business case for a cloud contact centre", 6, "Canberra, ACT", "Remote", INVITED, 45, -10, 4, 0, false),
    row("PCS-03345", "PCS", "Privacy impact assessment of the identity verification service", 7, "Canberra, ACT", "Remote", OPEN, 1, 35, 3, 0, false),
    row("LH-04512", "LH", "Senior .NET developer", 5, "Canberra, ACT", "Onsite", OPEN, 4, 7, 12, 2, false),
    row("LH-04519", "LH", "APS6 equivalent business analyst", 8, "Canberra, ACT", "Hybrid", OPEN, 6, 5, 6, 1, false),
    row("LH-04498", "LH", "Cloud platform engineer (Azure)", 3, "Canberra, ACT", "Onsite", INVITED, 30, -2, 12, 2, false),
    row("LH-04527", "LH", "Test automation engineer", 9, "Geelong, VIC", "Hybrid", OPEN, 2, 12, 9, 1, false),
    row("LH-04533", "LH", "Project manager, network refresh", 10, "Melbourne, VIC", "Hybrid", OPEN, 1, 16, 12, 1, false),
    row("LH-04470", "LH", "Solution architect, integration", 6, "Brisbane, QLD", "Remote", INVITED, 50, -20, 12, 2, false),
    row("LH-04540", "LH", "ServiceNow developer", 2, "Sydney, NSW", "Remote", OPEN, 0, 19, 6, 1, false),
    row("LH-04536", "LH", "Data engineer (Databricks)", 4, "Canberra, ACT", "Hybrid", INVITED, 3, 10, 12, 1, false),
    row("SMP-00871", "SMP", "Enterprise service management platform licences", 1, "Australia-wide", "Remote", OPEN, 8, 18, 36, 2, true),
    row("SMP-00864", "SMP", "Records management software renewal", 11, "Canberra, ACT", "Remote", INVITED, 25, -5, 24, 1, false),
    row("SMP-00878", "SMP", "Geospatial analytics software subscription", 10, "Melbourne, VIC", "Remote", OPEN, 2, 24, 12, 2, false),
    row("SMP-00880", "SMP", "Identity and access management, software as a service", 0, "Canberra, ACT", "Remote", OPEN, 1, 30, 36, 2, true),
    row("SMP-00859", "SMP", "Endpoint protection licences", 3, "Australia-wide", "Remote", INVITED, 35, -8, 12, 0, false),
    row("CMP-00233", "CMP", "Cloud migration, landing zone and \"lift-and-shift\" support", 8, "Canberra, ACT", "Hybrid", OPEN, 7, 11, 12, 1, true),
    row("CMP-00241", "CMP", "Managed Kubernetes platform", 9, "Geelong, VIC", "Remote", OPEN, 2, 26, 24, 2, false),
    row("CMP-00219", "CMP", "Backup as a service", 7, "Canberra, ACT", "Remote", INVITED, 28, -1, 36, 0, false),
    row("CMP-00245", "CMP", "Sovereign cloud hosting for PROTECTED workloads", 3, "Canberra, ACT", "Onsite", INVITED, 1, 40, 48, 2, true),
    row("CMP-00238", "CMP", "Cloud cost optimisation (FinOps) service", 1, "Canberra, ACT", "Remote", OPEN, 4, 8, 6, 0, false),
    row("TMP-00105", "TMP", "Mobile voice and data services", 5, "Australia-wide", "Onsite", OPEN, 9, 15, 36, 2, true),
    row("TMP-00098", "TMP", "SD-WAN managed service", 6, "Sydney, NSW", "Hybrid", INVITED, 33, -12, 48, 1, false),
    row("TMP-00109", "TMP", "Unified communications and contact centre telephony", 9, "Brisbane, QLD", "Hybrid", OPEN, 3, 20, 36, 1, false),
    row("TMP-00111", "TMP", "Regional radio network maintenance", 10, "Darwin, NT", "Onsite", OPEN, 1, 33, 24, 1, false),
    row("DC-00041", "DC", "Data centre co-location, Canberra", 0, "Canberra, ACT", "Onsite", OPEN, 6, 13, 60, 2, true),
    row("DC-00038", "DC", "Secondary data centre decommissioning", 4, "Melbourne, VIC", "Onsite", INVITED, 40, -15, 12, 0, false),
    row("DC-00044", "DC", "Disaster recovery site, Western Australia", 7, "Perth, WA", "Onsite", OPEN, 2, 27, 36, 1, false),
    row("HMP-00152", "HMP", "Laptops and docking stations, 5,000 units", 8, "Australia-wide", "Onsite", OPEN, 5, 9, 12, 1, false),
    row("HMP-00147", "HMP", "Rugged tablets for field officers", 0, "Darwin, NT", "Onsite", INVITED, 21, -4, 24, 0, false),
    row("HMP-00158", "HMP", "Network switches and firewalls", 3, "Adelaide, SA", "Onsite", OPEN, 1, 22, 12, 0, false),
    row("HMP-00155", "HMP", "Video conferencing room kits", 12, "Hobart, TAS", "Onsite", OPEN, 2, 17, 6, 0, false),
    row("RFI-00412", "CMP", "Market sounding: AI-assisted document processing", 2, "Canberra, ACT", "Remote", OPEN, 4, 6, 0, 0, false),
    row("RFI-00418", "SMP", "Information request: low-code application platforms", 1, "Canberra, ACT", "Remote", OPEN, 2, 23, 0, 0, true),
    row("RFI-00421", "PCS", "Capability survey: cyber security incident response", 0, "Canberra, ACT", "Remote", INVITED, 15, -6, 0, 0, false),
];

/// Evaluation criteria by opportunity ID prefix; each opportunity lists
/// three or four of its kind's.
pub const CRITERIA: [(&str, [&str; 4]); 8] = [
    (
        "PCS",
        [
            "Demonstrated experience delivering similar engagements for Australian Government agencies",
            "Proposed methodology, approach and timeframes",
            "Capability and experience of the proposed personnel",
            "Value for money",
        ],
    ),
    (
        "LH",
        [
            "Demonstrated experience in a similar role within the last five years",
            "Relevant technical skills and certifications",
            "Ability to obtain and maintain a Baseline security clearance",
            "Strong written and verbal communication skills",
        ],
    ),
    (
        "SMP",
        [
            "Functional fit against the buyer's requirements",
            "Licensing model and total cost of ownership",
            "Security assessment (IRAP) of the hosted components",
            "Implementation, training and support services",
        ],
    ),
    (
        "CMP",
        [
            "IRAP assessment at the PROTECTED level",
            "Data sovereignty: data held and processed in Australia",
            "Service levels and support model",
            "Exit and transition arrangements",
        ],
    ),
    (
        "TMP",
        [
            "National coverage and network resilience",
            "Service levels and fault response times",
            "Pricing, including bundling and volume discounts",
            "Transition-in plan",
        ],
    ),
    (
        "DC",
        [
            "Facility certified to Tier III or above",
            "Physical security and accreditation",
            "Power, cooling and capacity for growth",
            "Proximity to the buyer's offices",
        ],
    ),
    (
        "HMP",
        [
            "Compliance with the technical specification",
            "Delivery timeframes and logistics",
            "Warranty and support",
            "Environmental sustainability of the products",
        ],
    ),
    (
        "RFI",
        [
            "Understanding of the buyer's problem",
            "Maturity of the solutions available in the market",
            "Indicative costs and pricing models",
            "Willingness to take part in follow-up workshops",
        ],
    ),
];
