//! BuyICT adapter (being written).

use berth_sdk::{Manifest, Plugin, Tool};

struct BuyIct;

impl Plugin for BuyIct {
    fn manifest() -> Manifest {
        Manifest::new("buyict", "0.1.0", "BuyICT procurement opportunities.")
    }

    fn tools() -> Vec<Tool> {
        Vec::new()
    }
}

berth_sdk::export_plugin!(BuyIct);
