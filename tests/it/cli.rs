//! The binary itself: help on every command, import errors, audit verify, users and tokens.

use std::process::Command;

fn shequ(db: &std::path::Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_shequ"))
        .arg("--db")
        .arg(db)
        .args(args)
        .env("SHEQU_PASSWORD", "secret-pass-1")
        .env("SHEQU_NOW", crate::TEST_NOW)
        .env_remove("SHEQU_DB")
        .output()
        .unwrap()
}

#[test]
fn every_command_has_help() {
    for cmd in [
        vec!["--help"],
        vec!["serve", "--help"],
        vec!["migrate", "--help"],
        vec!["demo", "--help"],
        vec!["import", "divisions", "--help"],
        vec!["user", "add", "--help"],
        vec!["user", "passwd", "--help"],
        vec!["user", "list", "--help"],
        vec!["token", "create", "--help"],
        vec!["audit", "verify", "--help"],
        vec!["resident", "erase", "--help"],
        vec!["backup", "--help"],
        vec!["restore", "--help"],
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_shequ"))
            .args(&cmd)
            .output()
            .unwrap();
        assert!(out.status.success(), "{cmd:?}");
        assert!(
            String::from_utf8_lossy(&out.stdout).contains("--db"),
            "{cmd:?} documents --db"
        );
    }
}

#[test]
fn import_users_tokens_and_audit_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("cli.db");
    let data = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("data/xishan");
    let out = shequ(
        &db,
        &[
            "import",
            "divisions",
            data.to_str().unwrap(),
            "--area",
            "320205",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("142 new"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let again = shequ(&db, &["import", "divisions", data.to_str().unwrap()]);
    assert!(String::from_utf8_lossy(&again.stdout).contains("0 new"));
    let bad = dir.path().join("villages.csv");
    std::fs::write(&bad, "code,name,streetCode\n123,\"x\",1\n").unwrap();
    let out = shequ(&db, &["import", "divisions", bad.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("villages.csv line 2") && err.contains("nothing was imported"),
        "{err}"
    );
    let out = shequ(
        &db,
        &[
            "user",
            "add",
            "--username",
            "chen",
            "--name",
            "东港镇 陈",
            "--role",
            "town_officer",
            "--town",
            "320205106",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = shequ(
        &db,
        &[
            "user",
            "add",
            "--username",
            "x",
            "--name",
            "X",
            "--role",
            "town_officer",
        ],
    );
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("username") && err.contains("town_code"),
        "{err}"
    );
    let out = shequ(&db, &["token", "create", "--user", "chen"]);
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("shq_"));
    let out = shequ(&db, &["user", "list"]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("东港镇"));
    let out = shequ(&db, &["audit", "verify"]);
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("intact"));
    let backup = dir.path().join("b.db");
    let out = shequ(&db, &["backup", backup.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = shequ(&db, &["restore", backup.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let bad_db = shequ(std::path::Path::new("mysql://x"), &["migrate"]);
    assert!(!bad_db.status.success());
    assert!(String::from_utf8_lossy(&bad_db.stderr).contains("unsupported database URL"));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_resident_is_erased_from_the_command_line() {
    use shequ::platform::db::{self, Db, DbTarget};
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("erase.db");
    let data = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("data/xishan");
    let out = shequ(&path, &["import", "divisions", data.to_str().unwrap()]);
    assert!(out.status.success());
    let d = Db::connect(&DbTarget::Sqlite(path.clone())).await.unwrap();
    let id = db::scalar(
        &d.conn,
        "INSERT INTO residents (community_code, name, phone, address, created_at, updated_at) \
         VALUES ('320205106203', '郁金香', '13912348888', '7 组', ?, ?) RETURNING id",
        vec![
            crate::test_clock().now().into(),
            crate::test_clock().now().into(),
        ],
    )
    .await
    .unwrap()
    .unwrap();
    d.close().await;
    let out = shequ(&path, &["resident", "erase", &id.to_string()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("Would erase"));
    let out = shequ(&path, &["resident", "erase", &id.to_string(), "--yes"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("Erased"));
    let d = Db::connect(&DbTarget::Sqlite(path.clone())).await.unwrap();
    assert_eq!(
        db::scalar(
            &d.conn,
            "SELECT COUNT(*) FROM residents WHERE anonymised_at IS NULL OR name <> '-' \
             OR id_number IS NOT NULL",
            vec![]
        )
        .await
        .unwrap(),
        Some(0)
    );
    d.close().await;
    let out = shequ(&path, &["resident", "erase", &id.to_string(), "--yes"]);
    assert!(!out.status.success(), "a second time: no such resident");
    let out = shequ(&path, &["audit", "verify"]);
    assert!(out.status.success());
}
