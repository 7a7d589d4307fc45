//! Scenarios: typed, validated descriptions of what to propagate, and the host-side glue between
//! config, sampler, engines and outputs.

pub mod reentry;
