//! The notice boards (公开栏): village-affairs openness and publicity.

pub mod store;
pub mod web;
