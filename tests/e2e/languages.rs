//! The same behavioural tests against the Rust, Python and JavaScript hello plugins (being written).
