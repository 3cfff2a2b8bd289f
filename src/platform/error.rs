//! One error type for every handler. Internal causes are logged once and never shown; the
//! user sees a message in their language. HTML or JSON is chosen by the request (see
//! `http::errors`), so this type carries message keys, not rendered text.

use sea_orm::DbErr;

/// A problem with one form field: the field's name and a locale key for the message, with
/// optional arguments substituted into `{0}`, `{1}` ….
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FieldError {
    pub field: String,
    pub key: String,
    pub args: Vec<String>,
}

impl FieldError {
    pub fn new(field: &str, key: &str) -> Self {
        FieldError {
            field: field.into(),
            key: key.into(),
            args: vec![],
        }
    }
    pub fn with(mut self, arg: impl ToString) -> Self {
        self.args.push(arg.to_string());
        self
    }
}

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("not found")]
    NotFound,
    #[error("forbidden")]
    Forbidden,
    #[error("unauthorized")]
    Unauthorized,
    /// The form or request failed validation; nothing was written.
    #[error("invalid input")]
    Invalid(Vec<FieldError>),
    /// The request conflicts with the current state (message key).
    #[error("conflict: {0}")]
    Conflict(String),
    #[error("too many requests")]
    TooManyRequests { retry_after_secs: u64 },
    /// A CSRF token was missing or wrong.
    #[error("csrf")]
    Csrf,
    /// The request itself cannot be read (a parameter that is not what its name promises).
    #[error("bad request")]
    BadRequest,
    /// A query parameter that is not what its name promises (`?page=abc`,
    /// `?from=2026-02-30`): 400, naming it.
    #[error("bad parameter")]
    BadParameter(FieldError),
    /// The route exists but not for this method.
    #[error("method not allowed")]
    MethodNotAllowed,
    /// The body's format is not one the route reads.
    #[error("unsupported media type")]
    Unsupported,
    /// The request is larger than the server takes.
    #[error("too large")]
    TooLarge,
    /// The database cannot take writes (or cannot be reached) just now: nothing was written,
    /// and trying again later will work. Answered 503 with Retry-After.
    #[error("unavailable: {0:?}")]
    Unavailable(Outage),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

/// Why the database could not do its part: both pass without a restart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outage {
    /// The disk is full (or failing): reads go on, writes wait for space.
    Storage,
    /// The database server cannot be reached, dropped the connection, or stayed locked past
    /// the busy timeout.
    Connection,
}

impl Outage {
    /// What a failed statement says about the database, if it is an outage rather than a
    /// fault of the request or of the code. SQLite: SQLITE_FULL, SQLITE_IOERR (any extended
    /// code), SQLITE_BUSY/LOCKED after the busy timeout. PostgreSQL: connection exceptions
    /// (class 08), the server shutting down or the backend terminated (57P0x), insufficient
    /// resources (class 53, disk full among them). Any backend: a dropped or unreachable
    /// connection, a pool that cannot hand one out.
    pub fn of(e: &DbErr) -> Option<Outage> {
        use sea_orm::RuntimeErr;
        use sea_orm::sqlx::Error as X;
        let x = match e {
            DbErr::ConnectionAcquire(_) => return Some(Outage::Connection),
            DbErr::Conn(RuntimeErr::SqlxError(x))
            | DbErr::Exec(RuntimeErr::SqlxError(x))
            | DbErr::Query(RuntimeErr::SqlxError(x)) => x,
            DbErr::Conn(_) => return Some(Outage::Connection),
            _ => return None,
        };
        match x.as_ref() {
            X::Io(_) | X::PoolTimedOut | X::PoolClosed | X::WorkerCrashed | X::Protocol(_) => {
                Some(Outage::Connection)
            }
            X::Database(d) => {
                let code = d.code().map(|c| c.into_owned()).unwrap_or_default();
                if let Ok(n) = code.parse::<i64>() {
                    // SQLite's extended result code: the primary code is the low byte
                    return match n & 0xff {
                        13 | 10 => Some(Outage::Storage),  // FULL, IOERR
                        5 | 6 => Some(Outage::Connection), // BUSY, LOCKED past the timeout
                        _ => None,
                    };
                }
                if code.starts_with("53") {
                    Some(Outage::Storage)
                } else if code.starts_with("08") || code.starts_with("57P") {
                    Some(Outage::Connection)
                } else {
                    None
                }
            }
            _ => None,
        }
    }
}

pub type Result<T, E = AppError> = std::result::Result<T, E>;

/// The field a save made on a stale copy is refused at (see platform::revision, which
/// re-exports these as `FIELD` and `STALE`).
pub const STALE_FIELD: &str = "revision";
/// The key of the form-level message a stale save gets (its last argument is the current
/// revision, which the form shown again carries).
pub const STALE_KEY: &str = "common.stale";

/// Whether `e` is the refusal of a save made on a stale copy.
pub fn is_stale(e: &FieldError) -> bool {
    e.field == STALE_FIELD && e.key == STALE_KEY
}

/// The status of a form sent back with `errs`: 409 after a save on a stale copy (see
/// platform::revision), else 422 (the input's fault).
pub fn invalid_status(errs: &[FieldError]) -> axum::http::StatusCode {
    if errs.iter().any(is_stale) {
        axum::http::StatusCode::CONFLICT
    } else {
        axum::http::StatusCode::UNPROCESSABLE_ENTITY
    }
}

impl From<DbErr> for AppError {
    fn from(e: DbErr) -> Self {
        match Outage::of(&e) {
            Some(o) => {
                tracing::warn!("database unavailable ({o:?}): {e}");
                AppError::Unavailable(o)
            }
            None => AppError::Internal(anyhow::Error::new(e)),
        }
    }
}

impl AppError {
    /// A query parameter that cannot be read: 400 naming it.
    pub fn bad_param(field: &str) -> Self {
        AppError::BadParameter(FieldError::new(field, "api.bad_param"))
    }

    pub fn invalid(field: &str, key: &str) -> Self {
        AppError::Invalid(vec![FieldError::new(field, key)])
    }

    /// Map a unique or foreign-key violation the database reported to the field error its
    /// [`Constraint`] names; anything else stays as it was.
    pub fn on_constraint(self, constraints: &[Constraint]) -> Self {
        let AppError::Internal(e) = &self else {
            return self;
        };
        let Some(v) = e.downcast_ref::<DbErr>().and_then(Violation::of) else {
            return self;
        };
        match constraints.iter().find(|c| c.matches(&v)) {
            Some(c) => AppError::invalid(c.field, c.key),
            None => self,
        }
    }

    /// A one-line description for logs and the command line (no backtrace).
    pub fn describe(&self) -> String {
        match self {
            AppError::Internal(e) => format!("{e:#}"),
            AppError::Invalid(f) => format!("invalid: {f:?}"),
            other => other.to_string(),
        }
    }

    pub fn status(&self) -> axum::http::StatusCode {
        use axum::http::StatusCode as S;
        match self {
            AppError::NotFound => S::NOT_FOUND,
            AppError::Forbidden | AppError::Csrf => S::FORBIDDEN,
            AppError::Unauthorized => S::UNAUTHORIZED,
            AppError::BadRequest | AppError::BadParameter(_) => S::BAD_REQUEST,
            AppError::MethodNotAllowed => S::METHOD_NOT_ALLOWED,
            AppError::Unsupported => S::UNSUPPORTED_MEDIA_TYPE,
            AppError::TooLarge => S::PAYLOAD_TOO_LARGE,
            AppError::Invalid(f) => invalid_status(f),
            AppError::Conflict(_) => S::CONFLICT,
            AppError::TooManyRequests { .. } => S::TOO_MANY_REQUESTS,
            AppError::Unavailable(_) => S::SERVICE_UNAVAILABLE,
            AppError::Internal(_) => S::INTERNAL_SERVER_ERROR,
        }
    }
}

/// A constraint the database refused a statement for, as its driver reports it (the kind
/// from the error code, not the message).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    pub kind: ViolationKind,
    /// PostgreSQL: the constraint's or index's name. SQLite: for a unique key, the columns it
    /// lists (`table.a, table.b`), for a foreign key nothing (SQLite does not say which).
    pub name: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ViolationKind {
    Unique,
    ForeignKey,
}

impl Violation {
    pub fn of(e: &DbErr) -> Option<Violation> {
        use sea_orm::RuntimeErr;
        use sea_orm::sqlx::error::ErrorKind;
        let (DbErr::Exec(RuntimeErr::SqlxError(x)) | DbErr::Query(RuntimeErr::SqlxError(x))) = e
        else {
            return None;
        };
        let sea_orm::sqlx::Error::Database(d) = x.as_ref() else {
            return None;
        };
        let kind = match d.kind() {
            ErrorKind::UniqueViolation => ViolationKind::Unique,
            ErrorKind::ForeignKeyViolation => ViolationKind::ForeignKey,
            _ => return None,
        };
        let name = match d.constraint() {
            Some(n) => n.to_string(),
            // SQLite: "UNIQUE constraint failed: t.a, t.b" / "FOREIGN KEY constraint failed"
            None => d
                .message()
                .split_once("constraint failed: ")
                .map(|(_, cols)| cols.trim().to_string())
                .unwrap_or_default(),
        };
        Some(Violation { kind, name })
    }
}

/// A unique key or foreign key and how its violation is shown: the form field and the
/// message key. Declared by table and columns; the names each backend reports are derived
/// (PostgreSQL's default `{table}_{cols}_key` / `{table}_{col}_fkey`, or the unique index's
/// own name; SQLite's `table.col, …`).
#[derive(Debug, Clone, Copy)]
pub struct Constraint {
    kind: ViolationKind,
    table: &'static str,
    columns: &'static [&'static str],
    index: Option<&'static str>,
    pub field: &'static str,
    pub key: &'static str,
}

impl Constraint {
    /// `UNIQUE (columns…)` on `table`.
    pub const fn unique(
        table: &'static str,
        columns: &'static [&'static str],
        field: &'static str,
        key: &'static str,
    ) -> Self {
        Constraint {
            kind: ViolationKind::Unique,
            table,
            columns,
            index: None,
            field,
            key,
        }
    }

    /// `CREATE UNIQUE INDEX index ON table (columns…)`.
    pub const fn unique_index(
        table: &'static str,
        index: &'static str,
        columns: &'static [&'static str],
        field: &'static str,
        key: &'static str,
    ) -> Self {
        Constraint {
            index: Some(index),
            ..Constraint::unique(table, columns, field, key)
        }
    }

    /// `column REFERENCES …` on `table`. SQLite does not say which foreign key failed: there
    /// any foreign-key violation matches.
    pub const fn foreign_key(
        table: &'static str,
        column: &'static [&'static str],
        field: &'static str,
        key: &'static str,
    ) -> Self {
        Constraint {
            kind: ViolationKind::ForeignKey,
            ..Constraint::unique(table, column, field, key)
        }
    }

    fn matches(&self, v: &Violation) -> bool {
        if v.kind != self.kind {
            return false;
        }
        let postgres = match (self.kind, self.index) {
            (_, Some(index)) => index.to_string(),
            (ViolationKind::Unique, None) => {
                format!("{}_{}_key", self.table, self.columns.join("_"))
            }
            (ViolationKind::ForeignKey, None) => {
                format!("{}_{}_fkey", self.table, self.columns.join("_"))
            }
        };
        let sqlite = match self.kind {
            ViolationKind::Unique => self
                .columns
                .iter()
                .map(|c| format!("{}.{c}", self.table))
                .collect::<Vec<_>>()
                .join(", "),
            ViolationKind::ForeignKey => String::new(),
        };
        v.name == postgres || v.name == sqlite
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(kind: ViolationKind, name: &str) -> Violation {
        Violation {
            kind,
            name: name.into(),
        }
    }

    #[test]
    fn constraints_match_the_names_each_backend_reports() {
        use ViolationKind::*;
        let pair = Constraint::unique("rooms", &["community_code", "name"], "name", "k");
        assert!(pair.matches(&v(Unique, "rooms.community_code, rooms.name")));
        assert!(pair.matches(&v(Unique, "rooms_community_code_name_key")));
        assert!(!pair.matches(&v(Unique, "rooms.community_code")));
        assert!(!pair.matches(&v(ForeignKey, "rooms_community_code_name_key")));
        let index = Constraint::unique_index(
            "providers",
            "providers_credit_code",
            &["credit_code"],
            "c",
            "k",
        );
        assert!(index.matches(&v(Unique, "providers_credit_code")));
        assert!(index.matches(&v(Unique, "providers.credit_code")));
        assert!(!index.matches(&v(Unique, "providers_credit_code_key")));
        let fk = Constraint::foreign_key("service_items", &["department_id"], "d", "k");
        assert!(fk.matches(&v(ForeignKey, "service_items_department_id_fkey")));
        assert!(fk.matches(&v(ForeignKey, "")));
        assert!(!fk.matches(&v(ForeignKey, "cases_item_id_fkey")));
        assert!(!fk.matches(&v(Unique, "")));
    }
}
