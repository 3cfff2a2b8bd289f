//! The district's geography: district → town/street → community, keyed by the 12-digit
//! division code; population by year; merges and renames with effective dates; the national
//! divisions import.

pub mod import;
pub mod rules;
pub mod store;
pub mod web;
