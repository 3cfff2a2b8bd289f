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
