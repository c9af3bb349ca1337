//! ServiceNow adapter (being written).

use berth_sdk::{Manifest, Plugin, Tool};

struct ServiceNow;

impl Plugin for ServiceNow {
    fn manifest() -> Manifest {
        Manifest::new("servicenow", "0.1.0", "ServiceNow incidents and tables.")
    }

    fn tools() -> Vec<Tool> {
        Vec::new()
    }
}

berth_sdk::export_plugin!(ServiceNow);
