//! The community workforce (社区工作者队伍, issue 15): the register of community workers, their
//! certificates, training, secondments and recruitment, and the report's target of one
//! certified social worker in every community.
//!
//! So far its pure rules (`rules`): identity and age from the ID number, service periods,
//! certificates and their registration, training hours, the post norm, recruitment scores
//! and ranking, and coverage. The register's store, pages and API build on them.

pub mod rules;
