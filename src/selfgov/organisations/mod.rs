//! Civil organisations (社区社会组织) and their review.

pub mod rules;
pub mod store;
pub mod web;
