//! One data layer for SQLite (the default, bundled) and PostgreSQL.
//!
//! SeaORM owns the pools, transactions and row decoding. Queries are written once as plain
//! SQL with `?` placeholders and rewritten to `$n` for PostgreSQL by [`Db::stmt`], so every
//! store reads the same on both backends. Migrations are one set of SQL files with a few
//! tokens (`{{pk}}`, `{{ts}}` …) and `-- @sqlite` / `-- @postgres` blocks, rendered per backend.

use std::path::{Path, PathBuf};
use std::time::Duration;

use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DatabaseTransaction, DbBackend,
    DbErr, FromQueryResult, QueryResult, SqliteTransactionMode, Statement, TransactionOptions,
    TransactionTrait, Value,
};

use crate::platform::error::AppError;
use crate::platform::time::Clock;

/// Build a `Vec<sea_orm::Value>` from a list of expressions.
#[macro_export]
macro_rules! vals {
    () => { Vec::<sea_orm::Value>::new() };
    ($($v:expr),+ $(,)?) => { vec![$(sea_orm::Value::from($v)),+] };
}

/// Where the data lives, parsed from `--db` / `SHEQU_DB`.
#[derive(Clone, PartialEq, Eq)]
pub enum DbTarget {
    Sqlite(PathBuf),
    Postgres(String),
}

impl std::fmt::Debug for DbTarget {
    // The PostgreSQL URL may carry a password: never print it.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DbTarget::Sqlite(p) => write!(f, "sqlite:{}", p.display()),
            DbTarget::Postgres(url) => write!(f, "{}", redact_url(url)),
        }
    }
}

impl std::fmt::Display for DbTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(self, f)
    }
}

/// `postgres://user:secret@host/db` → `postgres://user:***@host/db`.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            match creds.find(':') {
                Some(c) => format!("{}{}:***{}", &url[..s + 3], &creds[..c], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

impl DbTarget {
    /// A file path, `sqlite://path`, `sqlite:path` or `postgres://…`.
    pub fn parse(s: &str) -> Result<Self, String> {
        let s = s.trim();
        if s.is_empty() {
            return Err("empty database location".into());
        }
        if s.starts_with("postgres://") || s.starts_with("postgresql://") {
            return Ok(DbTarget::Postgres(s.to_string()));
        }
        if let Some(rest) = s
            .strip_prefix("sqlite://")
            .or_else(|| s.strip_prefix("sqlite:"))
        {
            let path = rest.split('?').next().unwrap_or(rest);
            if path.is_empty() || path == ":memory:" {
                return Err("an in-memory SQLite database cannot be shared; give a file".into());
            }
            return Ok(DbTarget::Sqlite(PathBuf::from(path)));
        }
        if s.contains("://") {
            return Err(format!(
                "unsupported database URL scheme in {}",
                redact_url(s)
            ));
        }
        Ok(DbTarget::Sqlite(PathBuf::from(s)))
    }

    pub fn sqlite_path(&self) -> Option<&Path> {
        match self {
            DbTarget::Sqlite(p) => Some(p),
            DbTarget::Postgres(_) => None,
        }
    }
}

fn clean_sqlite(conn: &mut sea_orm::sqlx::sqlite::SqliteConnection) -> bool {
    use sqlx_core::transaction::TransactionManager;
    let depth =
        <sea_orm::sqlx::Sqlite as sea_orm::sqlx::Database>::TransactionManager::get_transaction_depth(
            conn,
        );
    if depth != 0 {
        tracing::warn!(
            depth,
            "closing a database connection left inside a transaction"
        );
    }
    depth == 0
}

/// The application's database handle: cheap to clone.
#[derive(Clone, Debug)]
pub struct Db {
    pub conn: DatabaseConnection,
    pub target: DbTarget,
    /// SQLite has one writer at a time. Writers of this process queue here, in order, instead
    /// of in SQLite's busy handler, which sleeps and retries (1, 2, 5 … 100 ms): under load
    /// that wastes the lock's idle time and gives some writers seconds of waiting.
    write_lock: std::sync::Arc<tokio::sync::Mutex<()>>,
    /// The business clock every store and page reads "today" from (the system clock unless
    /// `SHEQU_NOW`, `demo --now` or a test set another).
    clock: Clock,
}

/// A write transaction ([`Db::write_tx`]): the transaction, holding this process's SQLite
/// writer lock until it commits or is dropped (rolled back).
pub struct WriteTx {
    tx: DatabaseTransaction,
    _turn: Option<tokio::sync::OwnedMutexGuard<()>>,
    clock: Clock,
}

impl WriteTx {
    /// The business clock of the [`Db`] this transaction came from.
    pub fn clock(&self) -> Clock {
        self.clock
    }

    pub async fn commit(self) -> Result<(), sea_orm::DbErr> {
        self.tx.commit().await
    }
    pub async fn rollback(self) -> Result<(), sea_orm::DbErr> {
        self.tx.rollback().await
    }
}

impl std::ops::Deref for WriteTx {
    type Target = DatabaseTransaction;
    fn deref(&self) -> &DatabaseTransaction {
        &self.tx
    }
}

#[async_trait::async_trait]
impl ConnectionTrait for WriteTx {
    fn get_database_backend(&self) -> DbBackend {
        self.tx.get_database_backend()
    }
    async fn execute_raw(&self, stmt: Statement) -> Result<sea_orm::ExecResult, sea_orm::DbErr> {
        self.tx.execute_raw(stmt).await
    }
    async fn execute_unprepared(&self, sql: &str) -> Result<sea_orm::ExecResult, sea_orm::DbErr> {
        self.tx.execute_unprepared(sql).await
    }
    async fn query_one_raw(
        &self,
        stmt: Statement,
    ) -> Result<Option<sea_orm::QueryResult>, sea_orm::DbErr> {
        self.tx.query_one_raw(stmt).await
    }
    async fn query_all_raw(
        &self,
        stmt: Statement,
    ) -> Result<Vec<sea_orm::QueryResult>, sea_orm::DbErr> {
        self.tx.query_all_raw(stmt).await
    }
    fn support_returning(&self) -> bool {
        self.tx.support_returning()
    }
}

impl Db {
    pub async fn connect(target: &DbTarget) -> anyhow::Result<Db> {
        Db::connect_with(target, &[]).await
    }

    /// [`Db::connect`] with more SQLite pragmas on every connection (the fault tests bound the
    /// file with `max_page_count`, a full disk in miniature).
    pub async fn connect_with(
        target: &DbTarget,
        pragmas: &[(&'static str, String)],
    ) -> anyhow::Result<Db> {
        let pragmas = pragmas.to_vec();
        let mut opts = match target {
            DbTarget::Sqlite(path) => {
                if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                    std::fs::create_dir_all(dir)?;
                }
                let url = format!("sqlite://{}", path.display());
                let path = path.clone();
                let mut o = ConnectOptions::new(url);
                // Every connection: WAL, a generous busy timeout, foreign keys, NORMAL sync.
                o.map_sqlx_sqlite_opts(move |s| {
                    let s = pragmas.iter().fold(s, |s, (k, v)| s.pragma(*k, v.clone()));
                    s.filename(&path)
                        .create_if_missing(true)
                        .journal_mode(SqliteJournalMode::Wal)
                        .synchronous(SqliteSynchronous::Normal)
                        .busy_timeout(Duration::from_secs(15))
                        .foreign_keys(true)
                        .pragma("temp_store", "memory")
                        .pragma("cache_size", "-32000")
                        .row_buffer_size(256)
                });
                // A local file does not drop connections: no ping (a round trip to the
                // connection's worker thread) before every statement.
                o.max_connections(8)
                    .min_connections(1)
                    .test_before_acquire(false);
                // A connection whose transaction did not end cleanly (a COMMIT or ROLLBACK that
                // failed on a full disk) is closed, never reused: reused, its next transaction
                // would be a savepoint inside the dead one, acknowledged and then lost.
                o.map_sqlx_sqlite_before_acquire(|conn, _| {
                    Box::pin(async move { Ok(clean_sqlite(conn)) })
                });
                o
            }
            DbTarget::Postgres(url) => {
                let mut o = ConnectOptions::new(url.clone());
                o.max_connections(16).min_connections(1);
                o
            }
        };
        opts.sqlx_logging(false)
            .connect_timeout(Duration::from_secs(10))
            .acquire_timeout(Duration::from_secs(30));
        let conn = Database::connect(opts)
            .await
            .map_err(|e| anyhow::anyhow!("cannot open database {target}: {e}"))?;
        Ok(Db {
            conn,
            target: target.clone(),
            write_lock: Default::default(),
            clock: Clock::system(),
        })
    }

    /// This handle, reading its dates from `clock`.
    pub fn with_clock(mut self, clock: Clock) -> Db {
        self.clock = clock;
        self
    }

    /// The business clock: `db.clock().today()`, `db.clock().now()`.
    pub fn clock(&self) -> Clock {
        self.clock
    }

    pub fn backend(&self) -> DbBackend {
        self.conn.get_database_backend()
    }

    pub fn is_sqlite(&self) -> bool {
        self.backend() == DbBackend::Sqlite
    }

    /// A transaction that will write after reading: on SQLite it takes the write lock up
    /// front (`BEGIN IMMEDIATE`) so it waits on busy_timeout instead of failing mid-way.
    pub async fn write_tx(&self) -> Result<WriteTx, AppError> {
        let turn = if self.is_sqlite() {
            Some(self.write_lock.clone().lock_owned().await)
        } else {
            None
        };
        let tx = self
            .conn
            .begin_with_options(TransactionOptions {
                sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
                ..Default::default()
            })
            .await?;
        Ok(WriteTx {
            tx,
            _turn: turn,
            clock: self.clock,
        })
    }

    pub async fn close(self) {
        let _ = self.conn.close().await;
    }
}

/// Rewrite `?` placeholders to `$1, $2 …` for PostgreSQL. Our SQL never has `?` inside
/// string literals; single-quoted literals are skipped anyway.
pub fn render_placeholders(backend: DbBackend, sql: &str) -> String {
    if backend != DbBackend::Postgres {
        return sql.to_string();
    }
    let mut out = String::with_capacity(sql.len() + 16);
    let mut n = 0;
    let mut in_str = false;
    for ch in sql.chars() {
        match ch {
            '\'' => {
                in_str = !in_str;
                out.push(ch);
            }
            '?' if !in_str => {
                n += 1;
                out.push('$');
                out.push_str(&n.to_string());
            }
            _ => out.push(ch),
        }
    }
    out
}

pub fn stmt(backend: DbBackend, sql: &str, values: Vec<Value>) -> Statement {
    Statement::from_sql_and_values(backend, render_placeholders(backend, sql), values)
}

/// Run a statement; on PostgreSQL, a read (`SELECT`: nothing it did can happen twice) that
/// failed because its connection was lost — a backend terminated or restarted, a network cut —
/// is sent once more, on a fresh connection when it ran on the pool (inside a transaction it
/// fails again at once on its dead connection). SQLite's connections are not lost: nothing is
/// kept for a retry there, and the hot path stays as it was.
async fn retried<R, F, Fut>(backend: DbBackend, s: Statement, run: F) -> Result<R, DbErr>
where
    F: Fn(Statement) -> Fut,
    Fut: std::future::Future<Output = Result<R, DbErr>>,
{
    let reads = backend == DbBackend::Postgres
        && s.sql
            .trim_start()
            .get(..6)
            .is_some_and(|h| h.eq_ignore_ascii_case("select"));
    let again = reads.then(|| s.clone());
    match (run(s).await, again) {
        (Err(e), Some(s))
            if crate::platform::error::Outage::of(&e)
                == Some(crate::platform::error::Outage::Connection) =>
        {
            tracing::warn!("a read lost its connection ({e}); trying once more");
            run(s).await
        }
        (r, _) => r,
    }
}

async fn query_all<C: ConnectionTrait>(c: &C, s: Statement) -> Result<Vec<QueryResult>, DbErr> {
    retried(c.get_database_backend(), s, |s| c.query_all_raw(s)).await
}

async fn query_one<C: ConnectionTrait>(c: &C, s: Statement) -> Result<Option<QueryResult>, DbErr> {
    retried(c.get_database_backend(), s, |s| c.query_one_raw(s)).await
}

/// Rows of `T` for a query on a pool or inside a transaction.
pub async fn all<T: FromQueryResult, C: ConnectionTrait>(
    c: &C,
    sql: &str,
    values: Vec<Value>,
) -> Result<Vec<T>, AppError> {
    let s = stmt(c.get_database_backend(), sql, values);
    let rows = query_all(c, s).await?;
    rows.iter()
        .map(|r| T::from_query_result(r, "").map_err(AppError::from))
        .collect()
}

pub async fn one<T: FromQueryResult, C: ConnectionTrait>(
    c: &C,
    sql: &str,
    values: Vec<Value>,
) -> Result<Option<T>, AppError> {
    let s = stmt(c.get_database_backend(), sql, values);
    match query_one(c, s).await? {
        Some(r) => Ok(Some(T::from_query_result(&r, "")?)),
        None => Ok(None),
    }
}

/// Rows of `T` fetched as one JSON array built by the database. For pages of many rows:
/// sqlx hands SQLite rows one by one from its worker thread, a thread wake-up per row, so
/// fifty rows cost far more than the query; one row carrying the array costs one.
/// `inner` is a SELECT whose result columns include `columns`, given in the order of `T`'s
/// fields: each row travels as a JSON array (serde reads a struct from one), which is cheaper
/// to build and parse than an object. The order of rows is not defined (ordering inside the
/// aggregate costs SQLite a sort): callers sort the result.
pub async fn all_json<T: serde::de::DeserializeOwned, C: ConnectionTrait>(
    c: &C,
    columns: &[&str],
    inner: &str,
    values: Vec<Value>,
) -> Result<Vec<T>, AppError> {
    let fields = columns
        .iter()
        .map(|col| format!("x.{col}"))
        .collect::<Vec<_>>()
        .join(", ");
    let sql = match c.get_database_backend() {
        DbBackend::Postgres => format!(
            "SELECT CAST(COALESCE(json_agg(json_build_array({fields})), '[]') AS TEXT) \
             FROM ({inner}) x"
        ),
        _ => format!("SELECT json_group_array(json_array({fields})) FROM ({inner}) x"),
    };
    let s = stmt(c.get_database_backend(), &sql, values);
    let text: String = match query_one(c, s).await? {
        Some(r) => r
            .try_get_by_index::<Option<String>>(0)?
            .unwrap_or_else(|| "[]".into()),
        None => "[]".into(),
    };
    serde_json::from_str(&text)
        .map_err(|e| AppError::Internal(anyhow::anyhow!("rows as JSON: {e}")))
}

/// A single integer (COUNT, SUM cast to BIGINT, RETURNING id …); `None` when no row.
pub async fn scalar<C: ConnectionTrait>(
    c: &C,
    sql: &str,
    values: Vec<Value>,
) -> Result<Option<i64>, AppError> {
    let s = stmt(c.get_database_backend(), sql, values);
    match query_one(c, s).await? {
        Some(r) => Ok(r.try_get_by_index::<Option<i64>>(0)?),
        None => Ok(None),
    }
}

/// Execute a statement; returns rows affected.
pub async fn exec<C: ConnectionTrait>(
    c: &C,
    sql: &str,
    values: Vec<Value>,
) -> Result<u64, AppError> {
    let s = stmt(c.get_database_backend(), sql, values);
    Ok(c.execute_raw(s).await?.rows_affected())
}

/// Drop the named indexes for a bulk load and give back the statements that build them
/// again ([`build_indexes`] after the load): a million rows inserted into indexes in random
/// order cost more than sorting them once. An index that does not exist is left out.
pub async fn drop_indexes<C: ConnectionTrait>(
    c: &C,
    names: &[&str],
) -> Result<Vec<String>, AppError> {
    let definition = match c.get_database_backend() {
        DbBackend::Postgres => "SELECT indexdef AS sql FROM pg_indexes WHERE indexname = ?",
        _ => "SELECT sql FROM sqlite_master WHERE type = 'index' AND name = ?",
    };
    let mut made = vec![];
    for name in names {
        let sql: Vec<(String,)> = all_json(c, &["sql"], definition, vals![*name]).await?;
        if let Some((sql,)) = sql.into_iter().next() {
            c.execute_unprepared(&format!("DROP INDEX {name}")).await?;
            made.push(sql);
        }
    }
    Ok(made)
}

/// Build again the indexes [`drop_indexes`] dropped.
pub async fn build_indexes<C: ConnectionTrait>(c: &C, made: &[String]) -> Result<(), AppError> {
    for sql in made {
        c.execute_unprepared(sql).await?;
    }
    Ok(())
}

/// Bulk rows (demo data, generated history): multi-row inserts in chunks inside the caller's
/// transaction. The caller records one audit entry for the lot.
pub async fn insert_rows<C: ConnectionTrait>(
    c: &C,
    table: &str,
    columns: &[&str],
    rows: Vec<Vec<Value>>,
) -> Result<(), AppError> {
    insert_rows_then(c, table, columns, rows, "").await
}

/// [`insert_rows`] with a clause after each chunk's VALUES (`ON CONFLICT … DO UPDATE …`).
pub async fn insert_rows_then<C: ConnectionTrait>(
    c: &C,
    table: &str,
    columns: &[&str],
    rows: Vec<Vec<Value>>,
    then: &str,
) -> Result<(), AppError> {
    let backend = c.get_database_backend();
    // as many rows a statement as the bound parameters allow (SQLite 32,766, PostgreSQL
    // 65,535): a million rows in a few hundred round trips instead of twenty thousand
    let budget = match backend {
        DbBackend::Postgres => 60_000,
        _ => 30_000,
    };
    let per = (budget / columns.len().max(1)).clamp(1, 2_000);
    let one = format!("({})", vec!["?"; columns.len()].join(","));
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<Vec<Value>> = rows.by_ref().take(per).collect();
        let sql = format!(
            "INSERT INTO {table} ({}) VALUES {} {then}",
            columns.join(", "),
            vec![one.as_str(); chunk.len()].join(",")
        );
        let values: Vec<Value> = chunk.into_iter().flatten().collect();
        c.execute_raw(stmt(backend, &sql, values)).await?;
    }
    Ok(())
}

/// The SQL aggregate joining `expr` of a group's rows with commas: `group_concat` on SQLite,
/// `string_agg` on PostgreSQL (whose `expr` must be text).
pub fn comma_list(backend: DbBackend, expr: &str) -> String {
    match backend {
        DbBackend::Postgres => format!("string_agg({expr}, ',')"),
        _ => format!("group_concat({expr}, ',')"),
    }
}

/// Escape a user's search text for `LIKE … ESCAPE '\'`.
pub fn like_pattern(q: &str) -> String {
    let mut s = String::with_capacity(q.len() + 2);
    s.push('%');
    for ch in q.chars() {
        if matches!(ch, '%' | '_' | '\\') {
            s.push('\\');
        }
        s.push(ch);
    }
    s.push('%');
    s
}

// ---------------------------------------------------------------- migrations

pub struct Migration {
    pub version: i64,
    pub name: &'static str,
    pub sql: &'static str,
}

pub const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "foundation",
        sql: include_str!("../../migrations/0001_foundation.sql"),
    },
    Migration {
        version: 2,
        name: "centres",
        sql: include_str!("../../migrations/0002_centres.sql"),
    },
    Migration {
        version: 3,
        name: "funding",
        sql: include_str!("../../migrations/0003_funding.sql"),
    },
    Migration {
        version: 4,
        name: "assessment",
        sql: include_str!("../../migrations/0004_assessment.sql"),
    },
    Migration {
        version: 5,
        name: "indexes",
        sql: include_str!("../../migrations/0005_indexes.sql"),
    },
    Migration {
        version: 6,
        name: "hall",
        sql: include_str!("../../migrations/0006_hall.sql"),
    },
    Migration {
        version: 7,
        name: "selfgov",
        sql: include_str!("../../migrations/0007_selfgov.sql"),
    },
    Migration {
        version: 8,
        name: "security",
        sql: include_str!("../../migrations/0008_security.sql"),
    },
    Migration {
        version: 9,
        name: "reliability",
        sql: include_str!("../../migrations/0009_reliability.sql"),
    },
    Migration {
        version: 10,
        name: "workers",
        sql: include_str!("../../migrations/0010_workers.sql"),
    },
    Migration {
        version: 11,
        name: "workforce",
        sql: include_str!("../../migrations/0011_workforce.sql"),
    },
    Migration {
        version: 12,
        name: "registry",
        sql: include_str!("../../migrations/0012_registry.sql"),
    },
];

/// Render one migration for a backend: tokens and dialect blocks.
pub fn render_migration(backend: DbBackend, sql: &str) -> String {
    let pg = backend == DbBackend::Postgres;
    let mut out = String::with_capacity(sql.len());
    let mut skipping = false;
    for line in sql.lines() {
        let t = line.trim();
        match t {
            "-- @sqlite" => skipping = pg,
            "-- @postgres" => skipping = !pg,
            "-- @end" => skipping = false,
            _ if !skipping => {
                out.push_str(line);
                out.push('\n');
            }
            _ => {}
        }
    }
    let tokens: &[(&str, &str, &str)] = &[
        (
            "{{pk}}",
            "INTEGER PRIMARY KEY AUTOINCREMENT",
            "BIGSERIAL PRIMARY KEY",
        ),
        ("{{ts}}", "TEXT", "TIMESTAMPTZ"),
        ("{{date}}", "TEXT", "DATE"),
        ("{{bool}}", "BOOLEAN", "BOOLEAN"),
        ("{{blob}}", "BLOB", "BYTEA"),
        ("{{without_rowid}}", "WITHOUT ROWID", ""),
        // text compared byte by byte (prefix ranges of Chinese names use the index)
        ("{{collate_c}}", "", "COLLATE \"C\""),
    ];
    for (tok, lite, post) in tokens {
        out = out.replace(tok, if pg { post } else { lite });
    }
    out
}

/// A migration's checksum: SHA-256 of its file as written (the same on both backends).
pub fn checksum(sql: &str) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(sql.as_bytes()))
}

/// Apply every migration not yet applied, each in its own transaction. Returns how many ran.
///
/// Each applied migration's checksum is kept. A migration file edited after it was applied
/// to this database is refused at start, with a message that names it: the schema would no
/// longer be what the file says. (Databases from before checksums were kept get theirs on
/// the first run.)
pub async fn migrate(db: &Db) -> anyhow::Result<usize> {
    let backend = db.backend();
    db.conn
        .execute_unprepared(&render_migration(
            backend,
            "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, \
             name TEXT NOT NULL, applied_at {{ts}} NOT NULL)",
        ))
        .await?;
    let has_checksums = db
        .conn
        .execute_unprepared("SELECT checksum FROM schema_migrations WHERE 1 = 0")
        .await
        .is_ok();
    if !has_checksums {
        db.conn
            .execute_unprepared("ALTER TABLE schema_migrations ADD COLUMN checksum TEXT")
            .await?;
    }
    let mut ran = 0;
    for m in MIGRATIONS {
        let sum = checksum(m.sql);
        let tx = db
            .write_tx()
            .await
            .map_err(|e| anyhow::anyhow!("{}", e.describe()))?;
        #[derive(FromQueryResult)]
        struct Applied {
            checksum: Option<String>,
        }
        let done: Option<Applied> = one(
            &tx,
            "SELECT checksum FROM schema_migrations WHERE version = ?",
            vals![m.version],
        )
        .await
        .map_err(|e| anyhow::anyhow!("{}", e.describe()))?;
        match done.map(|d| d.checksum) {
            Some(Some(stored)) if stored == sum => {
                tx.rollback().await?;
                continue;
            }
            Some(Some(stored)) => {
                tx.rollback().await?;
                anyhow::bail!(
                    "migration {:04} ({}) was changed after it was applied to this database \
                     (checksum {} now, {} when applied): put the file back as it was and write \
                     the change as a new migration",
                    m.version,
                    m.name,
                    &sum[..12],
                    &stored[..stored.len().min(12)]
                );
            }
            Some(None) => {
                exec(
                    &tx,
                    "UPDATE schema_migrations SET checksum = ? WHERE version = ?",
                    vals![sum, m.version],
                )
                .await
                .map_err(|e| anyhow::anyhow!("{}", e.describe()))?;
                tx.commit().await?;
                continue;
            }
            None => {}
        }
        tx.execute_unprepared(&render_migration(backend, m.sql))
            .await
            .map_err(|e| anyhow::anyhow!("migration {} ({}) failed: {e}", m.version, m.name))?;
        exec(
            &tx,
            "INSERT INTO schema_migrations (version, name, applied_at, checksum) VALUES (?, ?, ?, ?)",
            vals![m.version, m.name, crate::platform::time::real_now(), sum],
        )
        .await
        .map_err(|e| anyhow::anyhow!("{}", e.describe()))?;
        tx.commit().await?;
        ran += 1;
    }
    Ok(ran)
}

/// The newest migration version this binary knows.
pub fn latest_version() -> i64 {
    MIGRATIONS.last().map(|m| m.version).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_for_postgres_skip_literals() {
        assert_eq!(
            render_placeholders(DbBackend::Postgres, "a = ? AND b = '?' AND c = ?"),
            "a = $1 AND b = '?' AND c = $2"
        );
        assert_eq!(render_placeholders(DbBackend::Sqlite, "a = ?"), "a = ?");
    }

    #[test]
    fn targets_parse_and_hide_passwords() {
        assert_eq!(
            DbTarget::parse("data/shequ.db").unwrap(),
            DbTarget::Sqlite("data/shequ.db".into())
        );
        assert_eq!(
            DbTarget::parse("sqlite://x.db?mode=rwc").unwrap(),
            DbTarget::Sqlite("x.db".into())
        );
        let pg = DbTarget::parse("postgres://u:secret@h/db").unwrap();
        assert_eq!(format!("{pg:?}"), "postgres://u:***@h/db");
        assert!(DbTarget::parse("mysql://x").is_err());
        assert!(DbTarget::parse("sqlite::memory:").is_err());
    }

    #[test]
    fn migration_blocks_render_per_backend() {
        let sql = "a {{pk}}\n-- @sqlite\nlite\n-- @end\n-- @postgres\npost\n-- @end\nz";
        let l = render_migration(DbBackend::Sqlite, sql);
        assert!(l.contains("AUTOINCREMENT") && l.contains("lite") && !l.contains("post"));
        let p = render_migration(DbBackend::Postgres, sql);
        assert!(p.contains("BIGSERIAL") && p.contains("post") && !p.contains("lite"));
    }

    #[test]
    fn like_escapes_wildcards() {
        assert_eq!(like_pattern("5%_a"), "%5\\%\\_a%");
    }
}
