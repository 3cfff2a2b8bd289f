//! Proposals (议案、建议) and their public answers.

pub mod rules;
pub mod store;
pub mod web;
