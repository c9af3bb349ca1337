//! End-to-end tests of the servicenow adapter (being written).
