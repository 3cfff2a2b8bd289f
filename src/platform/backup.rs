//! Online backups of a live SQLite database (`VACUUM INTO`, a consistent snapshot taken
//! through SQLite itself, never a raw file copy) and checked restores. PostgreSQL is backed up
//! with its own tools (pg_dump / pg_restore, see the README).

use std::path::{Path, PathBuf};

use sea_orm::ConnectionTrait;

use crate::platform::db::{self, Db, DbTarget};
use crate::vals;

fn sql_string(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// Write a consistent copy of the live database to `dest` (which must not exist).
pub async fn backup(db: &Db, dest: &Path) -> anyhow::Result<u64> {
    if !db.is_sqlite() {
        anyhow::bail!(
            "backup works on SQLite; for PostgreSQL use pg_dump -Fc (see README, \"Backups\")"
        );
    }
    if dest.exists() {
        anyhow::bail!("{} already exists; choose a new file name", dest.display());
    }
    if let Some(dir) = dest.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    let path = dest
        .to_str()
        .ok_or_else(|| anyhow::anyhow!("backup path is not valid UTF-8"))?;
    db.conn
        .execute_unprepared(&format!("VACUUM INTO {}", sql_string(path)))
        .await?;
    Ok(std::fs::metadata(dest)?.len())
}

/// What a backup file holds, after checking it.
#[derive(Debug)]
pub struct BackupInfo {
    pub schema_version: i64,
    pub users: i64,
    pub divisions: i64,
    pub audit_entries: i64,
}

/// Check a copy of a backup: SQLite integrity, our schema, a version this binary knows, an
/// intact audit chain. Opening a database may write to it (its journal mode, its write-ahead
/// log), so this is given a copy, never the operator's backup file.
async fn check_copy(file: &Path) -> anyhow::Result<BackupInfo> {
    if !file.is_file() {
        anyhow::bail!("{} is not a file", file.display());
    }
    let mut head = [0u8; 16];
    use std::io::Read;
    std::fs::File::open(file)?
        .read_exact(&mut head)
        .map_err(|_| anyhow::anyhow!("{} is too short to be a database", file.display()))?;
    if &head != b"SQLite format 3\0" {
        anyhow::bail!("{} is not an SQLite database", file.display());
    }
    let bdb = Db::connect(&DbTarget::Sqlite(file.to_path_buf())).await?;
    let result = async {
        #[derive(sea_orm::FromQueryResult)]
        struct Check {
            integrity_check: String,
        }
        let c: Option<Check> = db::one(&bdb.conn, "PRAGMA integrity_check", vals![])
            .await
            .map_err(|e| anyhow::anyhow!("{}", e.describe()))?;
        if c.map(|c| c.integrity_check) != Some("ok".into()) {
            anyhow::bail!("integrity check failed");
        }
        let q = |sql: &'static str| {
            let bdb = &bdb;
            async move {
                db::scalar(&bdb.conn, sql, vals![])
                    .await
                    .map_err(|_| anyhow::anyhow!("not a Shequ database (missing tables)"))
            }
        };
        let version = q("SELECT MAX(version) FROM schema_migrations")
            .await?
            .unwrap_or(0);
        if version > db::latest_version() {
            anyhow::bail!(
                "the backup is from a newer Shequ (schema {version}); upgrade this binary first"
            );
        }
        let info = BackupInfo {
            schema_version: version,
            users: q("SELECT COUNT(*) FROM users").await?.unwrap_or(0),
            divisions: q("SELECT COUNT(*) FROM divisions").await?.unwrap_or(0),
            audit_entries: q("SELECT COUNT(*) FROM audit_log").await?.unwrap_or(0),
        };
        match crate::platform::audit::verify(&bdb)
            .await
            .map_err(|e| anyhow::anyhow!("{}", e.describe()))?
        {
            crate::platform::audit::Verification::Intact { .. } => Ok(info),
            crate::platform::audit::Verification::Broken { first_bad_id, .. } => {
                anyhow::bail!("the backup's audit log is broken at entry {first_bad_id}")
            }
        }
    }
    .await;
    bdb.close().await;
    result
}

/// An advisory lock on a database file, held by the server while it serves and by `restore`
/// while it replaces the file: a restore cannot swap the file under a running server (whose
/// later writes would land in neither), and a server cannot start mid-restore. The lock is
/// the operating system's (`flock` on `<database>.lock`): it goes with the process, even on
/// `kill -9`, so a crash never leaves a stale lock behind.
pub struct DbLock {
    _file: std::fs::File,
}

impl DbLock {
    pub fn path_for(db: &Path) -> PathBuf {
        PathBuf::from(format!("{}.lock", db.display()))
    }

    /// Take the lock for `holder` (what the lock file will say holds it), or say who has it.
    pub fn take(db: &Path, holder: &str) -> anyhow::Result<DbLock> {
        use std::io::{Read, Seek, Write};
        let path = Self::path_for(db);
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)?;
        }
        let mut file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(|e| anyhow::anyhow!("cannot open the lock file {}: {e}", path.display()))?;
        match file.try_lock() {
            Ok(()) => {
                file.set_len(0)?;
                file.seek(std::io::SeekFrom::Start(0))?;
                writeln!(file, "{holder} (process {})", std::process::id())?;
                file.sync_all()?;
                Ok(DbLock { _file: file })
            }
            Err(std::fs::TryLockError::WouldBlock) => {
                let mut who = String::new();
                let _ = file.read_to_string(&mut who);
                let who = who.trim();
                anyhow::bail!(
                    "{} is in use by {}; stop it first",
                    db.display(),
                    if who.is_empty() {
                        "another process"
                    } else {
                        who
                    }
                )
            }
            Err(std::fs::TryLockError::Error(e)) => {
                anyhow::bail!("cannot lock {}: {e}", path.display())
            }
        }
    }
}

/// Put a checked backup in place of the database at `target`. Refused while a server serves
/// the database (see [`DbLock`]). The backup file is only read: it is copied beside the
/// target first and the copy is checked and put in place. The current database is kept beside
/// it as `<name>.before-restore-<time>`: a restore never loses data.
pub async fn restore(file: &Path, target: &Path) -> anyhow::Result<(BackupInfo, Option<PathBuf>)> {
    let _lock = DbLock::take(target, "shequ restore")?;
    if !file.is_file() {
        anyhow::bail!("{} is not a file", file.display());
    }
    let stamp = crate::platform::time::real_now().format("%Y%m%dT%H%M%SZ");
    let tmp = target.with_extension(format!("restore-{stamp}"));
    if let Some(dir) = tmp.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::copy(file, &tmp)
        .map_err(|e| anyhow::anyhow!("cannot copy {}: {e}", file.display()))?;
    let checked = check_copy(&tmp).await;
    let info = match checked {
        Ok(info) => info,
        Err(e) => {
            remove_with_sidecars(&tmp);
            return Err(e);
        }
    };
    let kept = if target.exists() {
        let keep = PathBuf::from(format!("{}.before-restore-{stamp}", target.display()));
        // Fold the WAL into the old file before moving it aside.
        let old = Db::connect(&DbTarget::Sqlite(target.to_path_buf())).await?;
        old.conn
            .execute_unprepared("PRAGMA wal_checkpoint(TRUNCATE)")
            .await?;
        old.close().await;
        std::fs::rename(target, &keep)?;
        Some(keep)
    } else {
        None
    };
    remove_sidecars(target);
    std::fs::rename(&tmp, target)?;
    Ok((info, kept))
}

/// The `-wal` and `-shm` files beside a database.
fn remove_sidecars(db: &Path) {
    for ext in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{ext}", db.display()));
    }
}

/// A database file and its `-wal` and `-shm`.
fn remove_with_sidecars(db: &Path) {
    let _ = std::fs::remove_file(db);
    remove_sidecars(db);
}
