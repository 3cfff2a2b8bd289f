//! Rooms and grounds (活动场所), their bookings and the activities held in them.

pub mod activities;
pub mod rules;
pub mod store;
pub mod web;
