//! Shequ (社区): the community construction platform of a district, its towns and its village
//! and residents' committees. One folder per domain; `platform` holds what every domain uses.

pub mod admin;
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
pub mod selfgov;
