//! Queries and changes of guidelines, rounds and score sheets. Who may do what:
//! - a department officer writes and publishes the guidelines of their own department and
//!   scores those guidelines' indicators; the district admin writes templates (and may act
//!   for any department); assessors score the templates' indicators;
//! - community staff fill their own sheet's self-assessment; the town reviews its
//!   communities' sheets; the admin signs a round off, which locks it.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, FromQueryResult, Value};
use serde::{Deserialize, Serialize};

use crate::assessment::rules::{self, IndicatorInput, Title};
use crate::funding::store as funding;
use crate::geo::store as geo;
use crate::platform::audit;
use crate::platform::auth::{Actor, CurrentUser, Role, Scope};
use crate::platform::db::{self, Db};
use crate::platform::error::{AppError, FieldError, Result};
use crate::platform::revision;
use crate::platform::types::{DivisionCode, Fen};
use crate::vals;

mod guidelines;
mod results;
mod rounds;
mod sheets;

pub use guidelines::*;
pub use results::*;
pub use rounds::*;
pub use sheets::*;
