//! Sample data, the same on every machine: a small seeded generator and plausible personal
//! names, for the demo district each domain builds and for the benchmarks.

/// A small deterministic generator: the demo is the same on every machine.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed ^ 0x9E37_79B9_7F4A_7C15)
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    /// Uniform in `lo..=hi`.
    pub fn range(&mut self, lo: i64, hi: i64) -> i64 {
        lo + (self.next_u64() % ((hi - lo + 1) as u64)) as i64
    }
}

pub const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "朱", "高", "顾", "钱",
    "沈", "华", "蒋", "邹",
];
pub const GIVEN: &[&str] = &[
    "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明",
    "超", "秀英", "建国", "桂英", "玉兰", "志强", "海燕", "国平", "小红", "永康",
];

/// A plausible Chinese personal name (surname and given name).
pub fn name(rng: &mut Rng) -> String {
    let s = SURNAMES[rng.range(0, SURNAMES.len() as i64 - 1) as usize];
    let g = GIVEN[rng.range(0, GIVEN.len() as i64 - 1) as usize];
    format!("{s}{g}")
}
