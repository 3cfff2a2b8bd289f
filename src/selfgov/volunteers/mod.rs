//! Volunteers (志愿者) and their verified service hours.

pub mod store;
pub mod web;
