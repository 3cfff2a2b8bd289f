//! Shequ (社区): the community construction platform of a district, its towns and its village
//! and residents' committees. One folder per domain; `platform` holds what every domain uses;
//! `app` assembles them; `cli` is the binary's commands. See ARCHITECTURE.md.

pub mod admin;
pub mod app;
pub mod assessment;
pub mod centres;
pub mod cli;
pub mod demo;
pub mod departments;
pub mod funding;
pub mod geo;
pub mod hall;
pub mod home;
pub mod platform;
pub mod public;
pub mod registry;
pub mod selfgov;
pub mod workers;
