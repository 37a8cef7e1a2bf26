//! Placeholder until the analysis crate lands: intentionally empty, exports nothing.
