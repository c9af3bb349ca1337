//! End-to-end tests of the buyict adapter (being written).
