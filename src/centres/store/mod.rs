//! Queries and changes of service-centre construction. Every read of a community's centre
//! goes through the geography's scoped community load, so a centre outside your scope does
//! not exist for you; every change is one write transaction with its audit entry.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use sea_orm::{ConnectionTrait, DbBackend, FromQueryResult};
use serde::{Deserialize, Serialize};

use crate::centres::rules::{
    self, Category, Compliance, Entry, Item, Mode, ProjectInput, StandardInput, Status, Terms,
};
use crate::geo::store::{self as geo, CommunityRow};
use crate::platform::audit;
use crate::platform::auth::{Actor, CurrentUser, Role, Scope};
use crate::platform::db::{self, Db};
use crate::platform::error::{AppError, FieldError, Result};
use crate::platform::revision;
use crate::platform::types::DivisionCode;
use crate::vals;

mod facts;
mod inspections;
mod ledger;
mod projects;
mod standards;
mod targets;

pub use facts::*;
pub use inspections::*;
pub use ledger::*;
pub use projects::*;
pub use standards::*;
pub use targets::*;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checklist_strings_parse() {
        assert_eq!(
            parse_entries("12:1:8000,13:0:"),
            vec![
                Entry {
                    item_id: 12,
                    present: true,
                    area_dm2: Some(8000)
                },
                Entry {
                    item_id: 13,
                    present: false,
                    area_dm2: None
                }
            ]
        );
        assert!(parse_entries("").is_empty());
    }
}
