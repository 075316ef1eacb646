//! The fuzz targets' checks, shared with the stable replay of kept crash inputs
//! (`tests/fuzz_crashers.rs` includes `checks.rs` by path).
pub mod checks;
