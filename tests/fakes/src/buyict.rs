//! Placeholder: the buyict fake is being written.
