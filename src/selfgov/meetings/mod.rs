//! Meetings (会议): notice rules and representatives, meetings from announcement to minutes,
//! and what they decide (resolutions, tasks).

pub mod outcomes;
pub mod representatives;
pub mod rules;
pub mod store;
pub mod web;
