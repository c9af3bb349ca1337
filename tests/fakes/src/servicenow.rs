//! Placeholder: the servicenow fake is being written.
