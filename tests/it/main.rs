//! Integration tests (see harness.rs).
