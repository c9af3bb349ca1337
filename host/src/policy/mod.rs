//! Pure rules about what a plugin may be and do. No I/O happens here, so
//! every rule is unit-testable and the same everywhere it is applied.

pub mod address;
pub mod echo;
pub mod egress;
pub mod hidden_text;
pub mod manifest;
pub mod schema;
