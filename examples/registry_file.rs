//! A village's registry file for the import benchmark (`scripts/bench registry`): N people in
//! households of three, every ID number valid and distinct (issued in 惠山区, so none is
//! already in the demo's registry), in the template's columns, as CSV
//! (UTF-8) and, when a second path is given, the same rows as an Excel workbook.
//!
//! Usage: registry_file N OUT.csv [OUT.xlsx]

use std::io::Write;

use shequ::platform::types::IdNumber;

const HEADER: [&str; 12] = [
    "户号",
    "户别",
    "居住点",
    "门牌号",
    "与户主关系",
    "姓名",
    "身份证号",
    "民族",
    "文化程度",
    "就业状况",
    "联系电话",
    "地址",
];

fn row(i: u64) -> [String; 12] {
    const SURNAMES: [&str; 12] = [
        "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙",
    ];
    const GIVEN: [&str; 12] = [
        "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳",
    ];
    let household = format!("X{:07}", i / 3);
    let relation = ["户主", "配偶", "子"][(i % 3) as usize];
    // distinct numbers: the date walks 36,500 days, the order digits count the laps
    let day = i % 36_500;
    let birth =
        chrono::NaiveDate::from_ymd_opt(1926, 1, 1).unwrap() + chrono::Duration::days(day as i64);
    let first17 = format!("320206{}{:03}", birth.format("%Y%m%d"), (i / 36_500) % 1000);
    let id = format!("{first17}{}", IdNumber::check_char(&first17) as char);
    let name = format!(
        "{}{}{}",
        SURNAMES[(i % 12) as usize],
        GIVEN[((i / 12) % 12) as usize],
        GIVEN[((i / 144) % 12) as usize]
    );
    [
        household,
        "户籍户".into(),
        format!("{}组", i / 3 % 20 + 1),
        format!("{}号", i / 3 % 200 + 1),
        relation.into(),
        name,
        id,
        "汉族".into(),
        "初中".into(),
        "在业".into(),
        if i.is_multiple_of(2) {
            format!("139{:08}", i % 100_000_000)
        } else {
            String::new()
        },
        format!("{}组{}号", i / 3 % 20 + 1, i / 3 % 200 + 1),
    ]
}

fn main() {
    let a: Vec<String> = std::env::args().collect();
    if a.len() < 3 {
        eprintln!("usage: registry_file N OUT.csv [OUT.xlsx]");
        std::process::exit(2);
    }
    let n: u64 = a[1].parse().expect("N");
    let mut csv = csv::Writer::from_writer(std::io::BufWriter::new(
        std::fs::File::create(&a[2]).expect("OUT.csv"),
    ));
    csv.write_record(HEADER).unwrap();
    for i in 0..n {
        csv.write_record(row(i)).unwrap();
    }
    csv.flush().unwrap();
    if let Some(path) = a.get(3) {
        let mut wb = rust_xlsxwriter::Workbook::new();
        let ws = wb.add_worksheet();
        for (c, h) in HEADER.iter().enumerate() {
            ws.write_string(0, c as u16, *h).unwrap();
        }
        for i in 0..n {
            for (c, v) in row(i).iter().enumerate() {
                if !v.is_empty() {
                    ws.write_string(i as u32 + 1, c as u16, v).unwrap();
                }
            }
        }
        wb.save(path).unwrap();
    }
    std::io::stdout().flush().unwrap();
}
