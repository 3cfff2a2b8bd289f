//! What every domain uses: database, errors, auth, audit, HTTP, i18n, charts, value types.

pub mod audit;
pub mod auth;
pub mod backup;
pub mod cache;
pub mod charts;
pub mod config;
pub mod db;
pub mod error;
pub mod http;
pub mod i18n;
pub mod limits;
pub mod personal;
pub mod revision;
pub mod sample;
pub mod sheet;
pub mod text;
pub mod time;
pub mod types;
