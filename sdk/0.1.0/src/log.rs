//! Logging into the host's log. The host tags every record with tenant,
//! plugin and tool, so messages need not repeat them.

use crate::bindings::berth::plugin::log as wit;

pub use wit::Level;

/// Writes `message` at `level`.
pub fn log(level: Level, message: impl AsRef<str>) {
    wit::log(level, message.as_ref());
}

/// Writes a debug record.
pub fn debug(message: impl AsRef<str>) {
    log(Level::Debug, message);
}

/// Writes an info record.
pub fn info(message: impl AsRef<str>) {
    log(Level::Info, message);
}

/// Writes a warning.
pub fn warn(message: impl AsRef<str>) {
    log(Level::Warn, message);
}

/// Writes an error record.
pub fn error(message: impl AsRef<str>) {
    log(Level::Error, message);
}
