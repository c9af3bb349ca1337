//! BuyICT's marketplaces and the ServiceNow tables behind them.
//!
//! An opportunity ID starts with its marketplace's code (`PCS-03324`), and
//! each marketplace keeps its opportunities in table `u_<code>_procurement`.
//! Public sources confirm only `u_lh_procurement`, `u_pcs_procurement` and,
//! for requests for information (`RFI-` IDs, whatever their marketplace),
//! `u_rfi_procurement`; the other tables follow the pattern and are marked
//! unverified so an operator knows where to look first if one fails.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A marketplace, by its code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "UPPERCASE")]
pub enum Marketplace {
    /// Professional and Consulting Services.
    Pcs,
    /// Software Marketplace.
    Smp,
    /// Cloud Marketplace.
    Cmp,
    /// ICT Labour Hire.
    Lh,
    /// Telecommunications Marketplace.
    Tmp,
    /// Data Centre Facilities.
    Dc,
    /// Hardware Marketplace.
    Hmp,
}

/// What [`Marketplace::describe`] tells: one row of `list_marketplaces`.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct MarketplaceInfo {
    /// Code, also the prefix of its opportunity IDs.
    pub code: &'static str,
    /// Name as the portal prints it.
    pub name: &'static str,
    /// ServiceNow table holding its opportunities.
    pub table: &'static str,
    /// Whether a public source confirms the table name.
    pub table_verified: bool,
}

/// Table of requests for information (`RFI-` IDs).
pub const RFI_TABLE: &str = "u_rfi_procurement";
/// The ID prefix of requests for information.
const RFI_PREFIX: &str = "RFI";

impl Marketplace {
    /// Every marketplace, in the portal's order.
    pub const ALL: [Marketplace; 7] = [Self::Pcs, Self::Smp, Self::Cmp, Self::Lh, Self::Tmp, Self::Dc, Self::Hmp];

    /// Code, name and table.
    pub fn describe(self) -> MarketplaceInfo {
        let (code, name, table, table_verified) = match self {
            Self::Pcs => ("PCS", "Professional and Consulting Services", "u_pcs_procurement", true),
            Self::Smp => ("SMP", "Software Marketplace", "u_smp_procurement", false),
            Self::Cmp => ("CMP", "Cloud Marketplace", "u_cmp_procurement", false),
            Self::Lh => ("LH", "ICT Labour Hire", "u_lh_procurement", true),
            Self::Tmp => ("TMP", "Telecommunications Marketplace", "u_tmp_procurement", false),
            Self::Dc => ("DC", "Data Centre Facilities", "u_dc_procurement", false),
            Self::Hmp => ("HMP", "Hardware Marketplace", "u_hmp_procurement", false),
        };
        MarketplaceInfo { code, name, table, table_verified }
    }
}

/// The table of opportunity `id` (`PCS-03324` → `u_pcs_procurement`,
/// `RFI-00412` → `u_rfi_procurement`), or `None` for an unknown prefix.
pub fn table_for_id(id: &str) -> Option<&'static str> {
    let (prefix, _) = id.trim().split_once('-')?;
    if prefix.eq_ignore_ascii_case(RFI_PREFIX) {
        return Some(RFI_TABLE);
    }
    Marketplace::ALL
        .iter()
        .map(|marketplace| marketplace.describe())
        .find_map(|info| prefix.eq_ignore_ascii_case(info.code).then_some(info.table))
}

/// The ID prefixes [`table_for_id`] knows, for error messages.
pub fn known_prefixes() -> String {
    let mut prefixes: Vec<&str> = Marketplace::ALL.iter().map(|marketplace| marketplace.describe().code).collect();
    prefixes.push(RFI_PREFIX);
    prefixes.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_map_to_their_tables() {
        assert_eq!(table_for_id("PCS-03324"), Some("u_pcs_procurement"));
        assert_eq!(table_for_id("lh-04512"), Some("u_lh_procurement"));
        assert_eq!(table_for_id("RFI-00412"), Some(RFI_TABLE));
        assert_eq!(table_for_id("HMP-00152"), Some("u_hmp_procurement"));
        assert_eq!(table_for_id("XYZ-1"), None);
        assert_eq!(table_for_id("PCS03324"), None);
        assert_eq!(known_prefixes(), "PCS, SMP, CMP, LH, TMP, DC, HMP, RFI");
    }

    #[test]
    fn codes_serialise_as_the_portal_spells_them() {
        assert_eq!(serde_json::to_string(&Marketplace::Lh).unwrap(), "\"LH\"");
        assert_eq!(serde_json::from_str::<Marketplace>("\"HMP\"").unwrap(), Marketplace::Hmp);
    }
}
