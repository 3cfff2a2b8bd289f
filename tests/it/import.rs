//! `import divisions`: idempotent, atomic, row-numbered errors, .gz, renames.

use std::io::Write;

use shequ::geo::import::{self, ImportError};
use shequ::platform::auth::Actor;

use crate::TestApp;

fn write(dir: &std::path::Path, name: &str, text: &str) {
    std::fs::write(dir.join(name), text).unwrap();
}

fn small_set(dir: &std::path::Path) {
    write(dir, "provinces.csv", "code,name\n32,\"江苏省\"\n");
    write(
        dir,
        "cities.csv",
        "code,name,provinceCode\n3202,\"无锡市\",32\n",
    );
    write(
        dir,
        "areas.csv",
        "code,name,cityCode,provinceCode\n320205,\"锡山区\",3202,32\n320206,\"惠山区\",3202,32\n",
    );
    write(
        dir,
        "streets.csv",
        "code,name,areaCode,provinceCode,cityCode\n320205106,\"东港镇\",320205,32,3202\n320206001,\"堰桥街道\",320206,32,3202\n",
    );
    let villages = "code,name,streetCode,provinceCode,cityCode,areaCode\n320205106203,\"黄土塘村委会\",320205106,32,3202,320205\n320205106001,\"东港社区居委会\",320205106,32,3202,320205\n320206001001,\"堰桥社区居委会\",320206001,32,3202,320206\n";
    let mut gz = flate2::write::GzEncoder::new(
        std::fs::File::create(dir.join("villages.csv.gz")).unwrap(),
        flate2::Compression::default(),
    );
    gz.write_all(villages.as_bytes()).unwrap();
    gz.finish().unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn import_is_idempotent_and_reads_gz() {
    let t = TestApp::empty().await;
    let dir = tempfile::tempdir().unwrap();
    small_set(dir.path());
    let actor = Actor::system("test");
    let r = import::import_path(t.db(), dir.path(), None, &actor)
        .await
        .unwrap();
    assert_eq!((r.rows_read, r.inserted, r.unchanged), (9, 9, 0));
    assert_eq!(
        t.count("SELECT COUNT(*) FROM divisions WHERE level = 5")
            .await,
        3
    );
    let audits = t.count("SELECT COUNT(*) FROM audit_log").await;
    let r2 = import::import_path(t.db(), dir.path(), None, &actor)
        .await
        .unwrap();
    assert_eq!(
        (r2.inserted, r2.renamed, r2.unchanged),
        (0, 0, 9),
        "second run changes nothing"
    );
    assert_eq!(
        t.count("SELECT COUNT(*) FROM audit_log").await,
        audits,
        "and audits nothing"
    );
    // the area filter keeps one district and the levels above it
    let t2 = TestApp::empty().await;
    let area = shequ::platform::types::DivisionCode::parse("320205").unwrap();
    let r3 = import::import_path(t2.db(), dir.path(), Some(area), &actor)
        .await
        .unwrap();
    assert_eq!(r3.inserted, 6);
    // a renamed village is recorded as a rename
    write(
        dir.path(),
        "villages.csv",
        "code,name,streetCode,provinceCode,cityCode,areaCode\n320205106203,\"黄土塘社区\",320205106,32,3202,320205\n",
    );
    let r4 = import::import_path(t.db(), &dir.path().join("villages.csv"), None, &actor)
        .await
        .unwrap();
    assert_eq!(r4.renamed, 1);
    assert_eq!(t.count("SELECT COUNT(*) FROM division_changes WHERE kind = 'rename' AND old_name = '黄土塘村委会'").await, 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_rows_are_all_reported_and_nothing_is_written() {
    let t = TestApp::empty().await;
    let dir = tempfile::tempdir().unwrap();
    small_set(dir.path());
    write(
        dir.path(),
        "villages.csv",
        "code,name,streetCode,provinceCode,cityCode,areaCode\n320205106203,\"好村\",320205106,32,3202,320205\n32020510620X,\"坏代码\",320205106,32,3202,320205\n320205106204,\"\",320205106,32,3202,320205\n320205106205,\"父级不符\",320205999,32,3202,320205\n320205106203,\"重复\",320205106,32,3202,320205\n",
    );
    std::fs::remove_file(dir.path().join("villages.csv.gz")).unwrap();
    let err = import::import_path(t.db(), dir.path(), None, &Actor::system("test"))
        .await
        .unwrap_err();
    let ImportError::Rows { errors, total } = &err else {
        panic!("{err}")
    };
    assert_eq!(*total, 4, "{err}");
    let lines: Vec<u64> = errors.iter().map(|e| e.line).collect();
    assert_eq!(lines, vec![3, 4, 5, 6]);
    assert!(errors[0].message.contains("32020510620X"));
    assert!(errors[3].message.contains("twice"));
    assert_eq!(
        t.count("SELECT COUNT(*) FROM divisions").await,
        0,
        "all or nothing"
    );
    // missing columns
    write(dir.path(), "villages.csv", "code,title\n320205106203,x\n");
    let err = import::import_path(t.db(), dir.path(), None, &Actor::system("test"))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("missing column"), "{err}");
    assert_eq!(t.count("SELECT COUNT(*) FROM divisions").await, 0);
    // a village whose town is nowhere
    write(
        dir.path(),
        "villages.csv",
        "code,name,streetCode,provinceCode,cityCode,areaCode\n320205107001,\"孤村\",320205107,32,3202,320205\n",
    );
    let err = import::import_path(t.db(), dir.path(), None, &Actor::system("test"))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("parent 320205107000"), "{err}");
}

/// Issue 13, defect 5: messages that misled. A plain CSV named `.csv.gz` said "missing
/// columns"; a missing folder said it could not tell the level; a GBK file gave 620,573
/// "invalid UTF-8" errors; a 200 MB field was echoed whole.
#[tokio::test(flavor = "multi_thread")]
async fn import_messages_say_what_is_wrong() {
    let t = TestApp::empty().await;
    let actor = Actor::system("test");
    let dir = tempfile::tempdir().unwrap();
    small_set(dir.path());

    // a missing folder
    let err = import::import_path(t.db(), &dir.path().join("nowhere"), None, &actor)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("no such file or folder"), "{err}");

    // a GBK villages file: one message, naming the encoding and the way out
    let villages = "code,name,streetCode,provinceCode,cityCode,areaCode\n320205106203,\"黄土塘村委会\",320205106,32,3202,320205\n320205106001,\"东港社区居委会\",320205106,32,3202,320205\n320206001001,\"堰桥社区居委会\",320206001,32,3202,320206\n";
    let (gbk, _, bad) = encoding_rs::GB18030.encode(villages);
    assert!(!bad);
    std::fs::remove_file(dir.path().join("villages.csv.gz")).unwrap();
    let r = import::import_path(t.db(), dir.path(), None, &actor)
        .await
        .unwrap();
    assert_eq!(r.inserted, 6, "the levels above, in UTF-8");
    let gbk_file = dir.path().join("villages.csv");
    std::fs::write(&gbk_file, &gbk).unwrap();
    let err = import::import_path(t.db(), &gbk_file, None, &actor)
        .await
        .unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.contains("GBK/GB18030") && msg.contains("--encoding gb18030"),
        "{msg}"
    );
    assert_eq!(
        msg.lines().count(),
        1,
        "one message, not one per row: {msg}"
    );
    assert_eq!(
        t.count("SELECT COUNT(*) FROM divisions WHERE level = 5")
            .await,
        0
    );
    // read as GB18030 it is imported, names intact
    let r = import::import_path_with(t.db(), &gbk_file, None, import::Encoding::Gb18030, &actor)
        .await
        .unwrap();
    assert_eq!(r.inserted, 3);
    assert_eq!(
        t.count("SELECT COUNT(*) FROM divisions WHERE name = '黄土塘村委会'")
            .await,
        1
    );

    // a plain file named .csv.gz is read as what it is
    let t2 = TestApp::empty().await;
    std::fs::remove_file(dir.path().join("villages.csv")).unwrap();
    std::fs::write(dir.path().join("villages.csv.gz"), villages).unwrap();
    let r = import::import_path(t2.db(), dir.path(), None, &actor)
        .await
        .unwrap();
    assert_eq!(r.inserted, 9);

    // a field of megabytes is refused by its line, and never echoed
    let t3 = TestApp::empty().await;
    let huge = format!(
        "code,name,streetCode,provinceCode,cityCode,areaCode\n320205106203,\"{}\",320205106,32,3202,320205\n",
        "名".repeat(2_000_000)
    );
    std::fs::remove_file(dir.path().join("villages.csv.gz")).unwrap();
    std::fs::write(dir.path().join("villages.csv"), huge).unwrap();
    let err = import::import_path(t3.db(), dir.path(), None, &actor)
        .await
        .unwrap_err();
    let msg = err.to_string();
    assert!(msg.len() < 2000, "{} bytes of message", msg.len());
    assert!(msg.contains("64 KiB"), "{msg}");
    // a long bad code is quoted clipped
    let long_code = "9".repeat(5000);
    std::fs::write(
        dir.path().join("villages.csv"),
        format!("code,name,streetCode\n{long_code},\"x\",320205106\n"),
    )
    .unwrap();
    let msg = import::import_path(t3.db(), dir.path(), None, &actor)
        .await
        .unwrap_err()
        .to_string();
    assert!(msg.len() < 2000 && msg.contains("5000 characters"), "{msg}");

    // many bad rows: the first 100 listed, the rest counted; repeats name the first place
    let mut many = String::from("code,name,streetCode\n");
    for i in 0..150 {
        many.push_str(&format!("32020510X{i:03},\"坏\",320205106\n"));
    }
    many.push_str("320205106203,\"甲\",320205106\n320205106203,\"乙\",320205106\n");
    std::fs::write(dir.path().join("villages.csv"), many).unwrap();
    let err = import::import_path(t3.db(), dir.path(), None, &actor)
        .await
        .unwrap_err();
    let ImportError::Rows { errors, total } = &err else {
        panic!("{err}")
    };
    assert_eq!(errors.len(), 100);
    assert!(*total >= 140, "{total}");
    let text = err.to_string();
    assert!(text.contains("more"), "{text}");
    let t4 = TestApp::empty().await;
    small_set(dir.path());
    std::fs::write(
        dir.path().join("villages.csv"),
        "code,name,streetCode\n320205106203,\"甲\",320205106\n320205106203,\"乙\",320205106\n",
    )
    .unwrap();
    std::fs::remove_file(dir.path().join("villages.csv.gz")).unwrap();
    let err = import::import_path(t4.db(), dir.path(), None, &actor)
        .await
        .unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("line 3: code 320205106203 appears twice (also villages.csv line 2)"),
        "{text}"
    );
    assert_eq!(
        t4.count("SELECT COUNT(*) FROM divisions").await,
        0,
        "all or nothing"
    );
}
