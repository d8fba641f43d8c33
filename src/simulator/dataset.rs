//! The simulator's deterministic synthetic dataset.
//!
//! Rules (also in README, "Simulator dataset"), for company index `i` in `0..companies`, with a
//! SplitMix64 generator seeded from `seed` and `i` (so a dataset never depends on a crate's RNG):
//! - every company has a unique Chinese name, a unique valid USCC (`91` + 6-digit region + 9-char
//!   organisation code + GB 32100-2015 check character) and a unique 15-digit registration number;
//!   any of the three finds it. Every other search key is unknown (the vendor answers 201);
//! - registrations: 45 when `i % 50 == 49` (three pages of 20), 3 when `i % 10 == 7`, 2 when
//!   `i % 10 == 3`, otherwise 1;
//! - credit level of registration `r`: `LEVELS[(i + r) % LEVELS.len()]`, which cycles through every
//!   regime (AA..D, Order 237, 251 and 282 wordings) and the empty string;
//! - punishments: when `i % 4 == 1`, registration 0 carries `1 + i % 3` punishments, alternating
//!   违规 and 走私;
//! - `CancelFlag` is 注销 when `i % 10 == 9`, 正常 otherwise.

use std::collections::HashMap;

use serde_json::{Value, json};

use crate::normalize::{USCC_CHARSET, reg_no_check_digit, uscc_check_char};
use crate::rng::SplitMix;

/// Every credit level text of every regime, and the empty string (unrated).
pub const LEVELS: [&str; 13] = [
    "高级认证企业",
    "一般认证企业",
    "一般信用企业",
    "失信企业",
    "认证企业",
    "常规企业",
    "严重失信企业",
    "AA",
    "A",
    "B",
    "C",
    "D",
    "",
];

const CITIES: [&str; 12] = [
    "上海", "北京", "深圳", "广州", "宁波", "厦门", "青岛", "天津", "苏州", "杭州", "营口", "福州",
];
const WORDS: [&str; 40] = [
    "华信",
    "东方",
    "远航",
    "恒通",
    "瑞丰",
    "海润",
    "金达",
    "宏远",
    "新纪元",
    "中联",
    "汇通",
    "嘉禾",
    "长江",
    "天宇",
    "永泰",
    "博远",
    "盛世",
    "德丰",
    "联创",
    "星河",
    "鼎盛",
    "荣华",
    "安泰",
    "富源",
    "佳美",
    "兴业",
    "明珠",
    "光大",
    "万象",
    "通达",
    "启航",
    "卓越",
    "和顺",
    "锦程",
    "华美",
    "凯旋",
    "泰和",
    "宝丰",
    "正源",
    "立信",
];
const TRADES: [&str; 8] = [
    "国际贸易",
    "进出口",
    "电子科技",
    "机械制造",
    "纺织品",
    "化工",
    "食品",
    "物流",
];

/// One synthetic company.
#[derive(Debug, Clone)]
pub struct Company {
    pub index: usize,
    pub name: String,
    pub uscc: String,
    pub reg_no: String,
    /// Customs registrations, as the vendor's `Data[]` records.
    pub records: Vec<Value>,
}

/// The companies and their lookup index.
#[derive(Debug, Clone, Default)]
pub struct Dataset {
    pub companies: Vec<Company>,
    index: HashMap<String, usize>,
}

impl Dataset {
    /// Generate `n` companies from `seed`.
    pub fn generate(seed: u64, n: usize) -> Dataset {
        let mut ds = Dataset::default();
        for i in 0..n {
            let mut rng = SplitMix::new(seed ^ (i as u64).wrapping_mul(0xA24B_AED4_963E_E407));
            let mut c = make_company(i, &mut rng);
            while ds.index.contains_key(&c.uscc) || ds.index.contains_key(&c.reg_no) {
                c = make_company(i, &mut rng);
            }
            ds.insert(c);
        }
        ds
    }

    fn insert(&mut self, c: Company) {
        let at = self.companies.len();
        for k in [&c.name, &c.uscc, &c.reg_no] {
            self.index.insert(k.clone(), at);
        }
        self.companies.push(c);
    }

    /// The company a search key finds (name, USCC or registration number), if any.
    pub fn lookup(&self, key: &str) -> Option<&Company> {
        self.index.get(key).map(|i| &self.companies[*i])
    }

    /// Mutable access for tests that change the data between screenings.
    pub fn lookup_mut(&mut self, key: &str) -> Option<&mut Company> {
        let i = *self.index.get(key)?;
        self.companies.get_mut(i)
    }

    /// Remove a company (it is "no longer found").
    pub fn remove(&mut self, key: &str) -> Option<Company> {
        let i = *self.index.get(key)?;
        let c = self.companies[i].clone();
        for k in [&c.name, &c.uscc, &c.reg_no] {
            self.index.remove(k);
        }
        Some(c)
    }
}

fn make_company(i: usize, rng: &mut SplitMix) -> Company {
    let city = CITIES[rng.below(CITIES.len() as u64) as usize];
    let w1 = WORDS[i % WORDS.len()];
    let w2 = WORDS[(i / WORDS.len()) % WORDS.len()];
    let trade = TRADES[(i / (WORDS.len() * WORDS.len())) % TRADES.len()];
    let generation = i / (WORDS.len() * WORDS.len() * TRADES.len());
    let name = if generation == 0 {
        format!("{city}{w1}{w2}{trade}有限公司")
    } else {
        format!("{city}{w1}{w2}{trade}第{generation}有限公司")
    };
    let region = format!("{:06}", 110000 + rng.below(550000));
    let charset = USCC_CHARSET.as_bytes();
    let org: String = (0..9)
        .map(|_| charset[rng.below(31) as usize] as char)
        .collect();
    let first17 = format!("91{region}{org}");
    let check = uscc_check_char(&first17).unwrap_or('0');
    let uscc = format!("{first17}{check}");
    // A 注册号 carries its GB/T 17710 check digit, as real ones do.
    let first14 = format!("{region}{:08}", rng.below(1_000_000_000) / 10);
    let reg_no = format!("{first14}{}", reg_no_check_digit(&first14).unwrap_or('0'));
    let registrations = if i % 50 == 49 {
        45
    } else if i % 10 == 7 {
        3
    } else if i % 10 == 3 {
        2
    } else {
        1
    };
    let records = (0..registrations)
        .map(|r| make_record(i, r, &name, &region, rng))
        .collect();
    Company {
        index: i,
        name,
        uscc,
        reg_no,
        records,
    }
}

fn make_record(i: usize, r: usize, name: &str, region: &str, rng: &mut SplitMix) -> Value {
    let punishments: Vec<Value> = if i % 4 == 1 && r == 0 {
        (0..1 + i % 3)
            .map(|p| {
                json!({
                    "No": (p + 1).to_string(),
                    "DecisionNo": format!("{}关缉违字〔{}〕{}号", &region[..2], 2015 + (i + p) % 10, 100 + rng.below(900)),
                    "Party": name,
                    "PunishDate": format!("{}-{:02}-{:02}", 2015 + (i + p) % 10, 1 + rng.below(12), 1 + rng.below(28)),
                    "CaseProp": if p % 2 == 0 { "违规" } else { "走私" },
                })
            })
            .collect()
    } else {
        Vec::new()
    };
    let reg_gov = ["营口海关", "上海海关", "深圳海关", "黄埔海关", "宁波海关"][(i + r) % 5];
    let trade_type = ["进出口货物收发货人", "报关企业", "加工生产企业"][r % 3];
    json!({
        "Id": format!("{:016x}{:016x}", rng.next_u64(), rng.next_u64()),
        "RegGov": reg_gov,
        "TradeType": trade_type,
        "RegDate": format!("{}-{:02}-{:02}", 1995 + rng.below(30), 1 + rng.below(12), 1 + rng.below(28)),
        "RegNo": format!("{}{:04}", &region[..6], rng.below(10000)),
        "AdminArea": "",
        "EconoArea": "一般经济区域",
        "SpecialArea": "非特殊区域",
        "CancelFlag": if i % 10 == 9 { "注销" } else { "正常" },
        "AnnualStatus": if rng.below(2) == 0 { "已报送" } else { "未报送" },
        "ValidityDate": if rng.below(3) == 0 { String::new() } else { "长期".into() },
        "IndustryType": "",
        "EBusinessType": "",
        "IdentifyDate": format!("{}-{:02}-{:02}", 2014 + rng.below(12), 1 + rng.below(12), 1 + rng.below(28)),
        "IdentifyLevel": LEVELS[(i + r) % LEVELS.len()],
        "IdentifyCode": if (i + r) % LEVELS.len() < 2 { format!("AEO{:010}", rng.below(10_000_000_000)) } else { String::new() },
        "PunishList": punishments,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normalize::{ClassifyOptions, KeyKind, classify};

    #[test]
    fn deterministic_unique_and_valid() {
        let a = Dataset::generate(7, 300);
        let b = Dataset::generate(7, 300);
        assert_eq!(a.companies[123].uscc, b.companies[123].uscc);
        assert_eq!(a.companies[123].records, b.companies[123].records);
        assert_ne!(
            Dataset::generate(8, 300).companies[123].uscc,
            a.companies[123].uscc
        );
        for c in &a.companies {
            let cl = classify(&c.uscc, ClassifyOptions::default());
            assert_eq!(
                (cl.kind, cl.invalid),
                (Some(KeyKind::Uscc), None),
                "{}",
                c.uscc
            );
            assert_eq!(
                classify(&c.reg_no, ClassifyOptions::default()).kind,
                Some(KeyKind::RegNo)
            );
            assert_eq!(a.lookup(&c.name).map(|x| x.index), Some(c.index));
            assert_eq!(a.lookup(&c.reg_no).map(|x| x.index), Some(c.index));
        }
        assert_eq!(a.companies[49].records.len(), 45);
        assert_eq!(a.companies.len(), 300);
    }
}
