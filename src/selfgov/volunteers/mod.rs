//! Volunteers (志愿者) and their verified service hours.

pub mod rules;
pub mod store;
pub mod web;
