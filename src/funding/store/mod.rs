//! Queries and changes of funding. Batches are the district's (the admin makes, approves and
//! pays them; department officers read them); statements, contributions and budgets follow
//! the caller's scope. Every change is one write transaction with its audit entry; batch
//! steps are conditional updates, so approving or paying twice cannot happen.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use sea_orm::{ConnectionTrait, FromQueryResult, Value};
use serde::{Deserialize, Serialize};

use crate::funding::rules::{self, BatchStatus, Claim};
use crate::geo::store as geo;
use crate::platform::audit;
use crate::platform::auth::{Actor, CurrentUser, Role, Scope};
use crate::platform::db::{self, Db};
use crate::platform::error::{AppError, FieldError, Result};
use crate::platform::types::{DivisionCode, Fen, Level};
use crate::vals;

mod batches;
mod budgets;
mod contributions;
mod statements;
mod summary;

pub use batches::*;
pub use budgets::*;
pub use contributions::*;
pub use statements::*;
pub use summary::*;

/// The largest rate per resident: 1,000 yuan.
pub const MAX_RATE_FEN: i64 = 1_000 * 100;
/// The largest cap or budget: 10 billion yuan.
pub const MAX_TOTAL_FEN: i64 = 10_000_000_000 * 100;

pub const CATEGORIES: &[&str] = &[
    "per_capita",
    "guideline",
    "construction_reward",
    "donation",
    "self_raised",
];
