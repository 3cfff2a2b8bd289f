//! The audit chain detects an edited entry; the log refuses updates; backup → restore.

use sea_orm::ConnectionTrait;
use shequ::platform::audit::{self, Verification};

use crate::TestApp;

#[tokio::test(flavor = "multi_thread")]
async fn audit_chain_detects_an_edited_entry() {
    let t = TestApp::demo().await;
    let admin = t.session("admin").await;
    t.post(
        "/departments/1",
        &admin,
        &[
            ("code", "zongzhi"),
            ("name", "区委政法委综治办"),
            ("sort_order", "1"),
            ("active", "on"),
        ],
    )
    .await;
    let n = t.count("SELECT COUNT(*) FROM audit_log").await;
    assert!(n >= 10);
    assert_eq!(
        audit::verify(t.db()).await.unwrap(),
        Verification::Intact { entries: n as u64 }
    );
    // the log is append-only for the application
    let upd = t
        .db()
        .conn
        .execute_unprepared("UPDATE audit_log SET actor_name = 'x' WHERE id = 3")
        .await;
    assert!(upd.is_err(), "update refused");
    let del = t
        .db()
        .conn
        .execute_unprepared("DELETE FROM audit_log WHERE id = 3")
        .await;
    assert!(del.is_err(), "delete refused");
    // a tamperer who drops the guard and edits entry 5 is still caught
    if t.db().is_sqlite() {
        t.db()
            .conn
            .execute_unprepared("DROP TRIGGER audit_log_no_update")
            .await
            .unwrap();
    } else {
        t.db()
            .conn
            .execute_unprepared("DROP TRIGGER audit_log_no_update ON audit_log")
            .await
            .unwrap();
    }
    t.db()
        .conn
        .execute_unprepared(
            "UPDATE audit_log SET after_json = '{\"name\":\"forged\"}' WHERE id = 5",
        )
        .await
        .unwrap();
    match audit::verify(t.db()).await.unwrap() {
        Verification::Broken {
            first_bad_id,
            entries_checked,
            ..
        } => {
            assert_eq!(first_bad_id, 5);
            assert_eq!(entries_checked, 4);
        }
        other => panic!("not detected: {other:?}"),
    }
    // the audit page lists and filters
    let page = t.get("/admin/audit?entity=department", Some(&admin)).await;
    assert!(page.body.contains("区委政法委综治办"));
    assert!(page.body.contains("共 1 条"), "filtered to one entry");
}

#[tokio::test(flavor = "multi_thread")]
async fn backup_and_restore_round_trip() {
    let t = TestApp::demo().await;
    let Some(path) = t.db().target.sqlite_path().map(|p| p.to_path_buf()) else {
        // PostgreSQL is backed up with pg_dump; the command says so.
        let err = shequ::platform::backup::backup(t.db(), std::path::Path::new("/tmp/x.db"))
            .await
            .unwrap_err();
        assert!(err.to_string().contains("pg_dump"));
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("backup.db");
    let size = shequ::platform::backup::backup(t.db(), &file)
        .await
        .unwrap();
    assert!(size > 10_000);
    assert!(
        shequ::platform::backup::backup(t.db(), &file)
            .await
            .is_err(),
        "never overwrites"
    );
    // change the live database after the backup
    let admin = t.session("admin").await;
    t.post(
        "/communities/320205106201/population",
        &admin,
        &[
            ("year", "2026"),
            ("households", "5"),
            ("permanent_population", "9"),
        ],
    )
    .await;
    let after_change = t.count("SELECT COUNT(*) FROM population_snapshots").await;
    let users = t.count("SELECT COUNT(*) FROM users").await;
    t.state.db.clone().close().await;
    let (info, kept) = shequ::platform::backup::restore(&file, &path)
        .await
        .unwrap();
    assert_eq!(info.users, users);
    assert!(
        kept.as_ref().unwrap().exists(),
        "the previous database is kept"
    );
    let db = shequ::platform::db::Db::connect(&shequ::platform::db::DbTarget::Sqlite(path.clone()))
        .await
        .unwrap();
    let restored = shequ::platform::db::scalar(
        &db.conn,
        "SELECT COUNT(*) FROM population_snapshots",
        vec![],
    )
    .await
    .unwrap()
    .unwrap();
    assert_eq!(
        restored,
        after_change - 1,
        "the change after the backup is not in it"
    );
    assert!(matches!(
        audit::verify(&db).await.unwrap(),
        Verification::Intact { .. }
    ));
    // a file that is not a backup is refused
    let junk = dir.path().join("junk.db");
    std::fs::write(&junk, b"hello").unwrap();
    assert!(
        shequ::platform::backup::restore(&junk, &path)
            .await
            .is_err()
    );
}
