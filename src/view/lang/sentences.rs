//! Sentences built from values, in both languages: why a supplier needs attention (one clear
//! sentence per reason), what a stored change was, and what is wrong with a code to fix and how
//! to fix it. The store keeps its messages and change details as the tool wrote them (English,
//! from fixed templates); these functions read those templates back and say them in the reader's
//! language, and give any other text (a vendor's own message) as it is.

use super::Lang;
use crate::changes::ChangeKind;

/// The text between `start` and `end` in `s` (after the first `start`, before the next `end`).
fn between<'a>(s: &'a str, start: &str, end: &str) -> Option<&'a str> {
    let from = s.find(start)? + start.len();
    let len = s[from..].find(end)?;
    Some(&s[from..from + len])
}

/// The message after a `file: row 3 (data row 2), column "X": ` prefix, and the column.
fn after_place(s: &str) -> (&str, Option<&str>) {
    match s.find("\": ") {
        Some(i) if s.contains(", column \"") => {
            let column = between(s, ", column \"", "\": ");
            (&s[i + 3..], column)
        }
        _ => (s, None),
    }
}

impl Lang {
    /// `严重失信企业` as a reason: `海关认定为严重失信企业`, with `（该等级仅见于已注销的海关注册）`
    /// when only cancelled registrations carry it.
    pub fn rated(self, level: &str, old_letter: bool, only_cancelled: bool) -> String {
        let mut s = match (self, old_letter) {
            (Lang::Zh, false) => format!("海关认定为{level}"),
            (Lang::Zh, true) => format!("海关信用等级为{level}类（旧标准，相当于失信企业）"),
            (Lang::En, false) => format!("rated {level} by customs"),
            (Lang::En, true) => format!("rated {level} by customs (the old scale's dishonest)"),
        };
        if only_cancelled {
            s.push_str(self.tr(
                "（该等级仅见于已注销的海关注册）",
                " (only on cancelled registrations)",
            ));
        }
        s
    }

    /// `近3年受海关处罚1次（共3次），最近一次2024-11-10`.
    pub fn punished(self, window: &str, recent: usize, total: usize, latest: &str) -> String {
        match (self, recent < total) {
            (Lang::Zh, true) => {
                format!("{window}受海关处罚{recent}次（共{total}次），最近一次{latest}")
            }
            (Lang::Zh, false) => format!("{window}受海关处罚{recent}次，最近一次{latest}"),
            (Lang::En, true) => format!(
                "punished by customs {recent} time(s) {window} ({total} in all), latest {latest}"
            ),
            (Lang::En, false) => {
                format!("punished by customs {recent} time(s) {window}, latest {latest}")
            }
        }
    }

    /// `2个海关注册已注销（共5个）`, or `全部5个海关注册均已注销`.
    pub fn cancelled_registrations(self, cancelled: usize, of: usize) -> String {
        match (self, cancelled == of) {
            (Lang::Zh, true) if of == 1 => "唯一的海关注册已注销".to_string(),
            (Lang::En, true) if of == 1 => "its only customs registration is cancelled".to_string(),
            (Lang::Zh, true) => format!("全部{of}个海关注册均已注销"),
            (Lang::Zh, false) => format!("{cancelled}个海关注册已注销（共{of}个）"),
            (Lang::En, true) => format!("all {of} customs registration(s) cancelled"),
            (Lang::En, false) => {
                format!("{cancelled} of {of} customs registration(s) cancelled")
            }
        }
    }

    /// Not found: by name it says what to do; by code that the company may have no customs
    /// registration.
    pub fn not_found(self, by_name: bool) -> &'static str {
        match by_name {
            true => self.tr(
                "按名称未查到海关数据：请对照营业执照核对企业名称，或补充统一社会信用代码",
                "no customs data found by name: check the name against the business licence, or add the unified social credit code",
            ),
            false => self.tr(
                "未查到海关数据：该企业可能没有海关进出口备案",
                "no customs data found: the company may have no customs registration",
            ),
        }
    }

    /// A change for the worse as part of a reason: `信用等级下降（高级认证企业 → 一般信用企业）`.
    pub fn worse_part(self, k: ChangeKind, was_now: Option<(&str, &str)>) -> String {
        match (k, was_now) {
            (ChangeKind::LevelWorse, Some((was, now))) => match self {
                Lang::Zh => format!("{}（{was} → {now}）", self.change(k)),
                Lang::En => format!("{} ({was} → {now})", self.change(k)),
            },
            _ => self.change(k).to_string(),
        }
    }

    /// A stored change's detail in this language: `新增海关处罚：测关缉违字〔2024〕1号`.
    pub fn change_detail(self, kind: &str, stored: &str) -> String {
        if self == Lang::En {
            return stored.to_string();
        }
        let k = ChangeKind::parse(kind);
        let text = match k {
            Some(ChangeKind::NoLongerFound) => Some("接口不再查到该企业的海关数据".to_string()),
            Some(ChangeKind::NewlyFound) => {
                between(stored, "customs data found: ", " registration")
                    .map(|n| format!("查到海关数据：{n}个海关注册"))
            }
            Some(ChangeKind::LevelWorse | ChangeKind::LevelBetter) => stored
                .strip_prefix("credit level ")
                .map(|s| format!("信用等级：{}", s.replace(" -> ", " → "))),
            Some(ChangeKind::Cancelled) => between(stored, "customs registration ", " cancelled")
                .map(|r| format!("海关注册 {r} 已注销")),
            Some(ChangeKind::NewPunishment) => stored
                .strip_prefix("new customs punishment ")
                .map(|p| format!("新增海关处罚：{p}")),
            None => None,
        };
        text.unwrap_or_else(|| stored.to_string())
    }

    /// What is wrong with a code to fix and how to fix it, from the stored message; a vendor's
    /// own message (already Chinese) as it is.
    pub fn fix_message(self, stored: &str) -> String {
        let (msg, column) = after_place(stored);
        if self == Lang::En {
            return msg.to_string();
        }
        let quoted = |s: &str| between(s, "\"", "\"").unwrap_or_default().to_string();
        if msg == "empty" {
            "单元格为空：请填写统一社会信用代码或企业全称".into()
        } else if let Some(n) = between(msg, "too long (", " bytes") {
            format!("内容过长（{n}字节），不是企业名称或代码：请检查该单元格")
        } else if let Some(x) = between(msg, "contains control characters (", "):") {
            format!("含有控制字符（{x}），多为复制时损坏：请重新输入该单元格")
        } else if msg.starts_with("shorter than 2 characters") {
            "名称少于2个字：请填写企业全称".into()
        } else if let (Some(got), Some(want)) = (
            between(msg, "check digit is '", "'"),
            between(msg, "expects '", "'"),
        ) {
            format!(
                "校验位为“{got}”，按GB 32100-2015应为“{want}”：多为录入错误，请对照营业执照改正（确属早期试点代码时可加 --query-bad-checksums 查询）"
            )
        } else if let (Some(c), Some(pos)) = (
            between(msg, "character '", "'"),
            between(msg, "at position ", " "),
        ) {
            format!(
                "不是有效的统一社会信用代码：第{pos}位“{c}”不会出现在代码中（代码不含I、O、S、V、Z）：请对照营业执照改正"
            )
        } else if msg.contains("is not a code the vendor knows") {
            let n = between(msg, "(", " characters").unwrap_or("?");
            format!(
                "“{}”不是接口可查询的代码（{n}位，多为旧注册号或税号）：请改填18位统一社会信用代码，或在名称列填写企业全称",
                quoted(msg)
            )
        } else if msg.contains("fails the 注册号 check digit") {
            let d = msg.split(' ').next().unwrap_or_default();
            format!(
                "“{d}”不是有效的15位注册号（校验位不符，多为旧的15位纳税人识别号）：请改填统一社会信用代码，或在名称列填写企业全称"
            )
        } else if msg.contains("is not a 统一社会信用代码 or 注册号") {
            format!(
                "“{}”不是统一社会信用代码或注册号，且该行没有企业名称可查：请填写代码或企业全称",
                quoted(msg)
            )
        } else if msg.contains("the spreadsheet changed this code into a number") {
            let n = between(msg, "number (", ")").unwrap_or_default();
            format!(
                "表格把代码变成了数字（{n}），前导零或末几位可能已丢失：请把该列设为文本格式后重新录入代码"
            )
        } else if let Some(n) = between(msg, "the row has ", " field") {
            format!(
                "该行只有{n}列，缺少查询列“{}”：请检查该行是否被截断",
                column.unwrap_or_default()
            )
        } else if stored.contains("not valid UTF-8") || stored.contains("read error") {
            format!("该行无法读取（{msg}）：请检查文件编码或重新导出")
        } else {
            msg.to_string()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normalize::{ClassifyOptions, classify};

    fn zh(cell: &str) -> String {
        let c = classify(cell, ClassifyOptions::default());
        Lang::Zh.fix_message(c.invalid.as_deref().unwrap_or("(valid)"))
    }

    #[test]
    fn every_refusal_reads_in_chinese_with_its_fix() {
        assert_eq!(zh(""), "单元格为空：请填写统一社会信用代码或企业全称");
        let bad = zh("91350100M000100Y44");
        assert!(
            bad.starts_with("校验位为“4”，按GB 32100-2015应为“3”"),
            "{bad}"
        );
        assert!(zh("91350100M000100YO3").contains("不会出现在代码中"));
        assert!(zh("1234567890123").contains("不是接口可查询的代码（13位"));
        assert!(zh("123456789012346").contains("不是有效的15位注册号"));
        assert!(zh("甲").starts_with("名称少于2个字"));
        assert!(zh("a\u{7}b公司").starts_with("含有控制字符"));
        assert!(zh(&"很长".repeat(400)).starts_with("内容过长"));
        let sheet = "s.xlsx, sheet 1: row 5 (data row 4), column \"代码\": the spreadsheet changed \
                     this code into a number (3.10115E+14); leading zeros or digits may be lost.";
        assert!(
            Lang::Zh
                .fix_message(sheet)
                .starts_with("表格把代码变成了数字（3.10115E+14）")
        );
        let short = "s.csv: row 9 (data row 8), column \"代码\": the row has 1 field(s), so this column is missing";
        assert_eq!(
            Lang::Zh.fix_message(short),
            "该行只有1列，缺少查询列“代码”：请检查该行是否被截断"
        );
        assert_eq!(
            Lang::Zh.fix_message("【有效请求】参数错误"),
            "【有效请求】参数错误"
        );
    }

    #[test]
    fn stored_change_details_read_in_chinese() {
        let d = |k: ChangeKind, s: &str| Lang::Zh.change_detail(k.as_str(), s);
        assert_eq!(
            d(
                ChangeKind::LevelWorse,
                "credit level 高级认证企业 -> 失信企业"
            ),
            "信用等级：高级认证企业 → 失信企业"
        );
        assert_eq!(
            d(
                ChangeKind::Cancelled,
                "customs registration 3101234567 cancelled (注销)"
            ),
            "海关注册 3101234567 已注销"
        );
        assert_eq!(
            d(
                ChangeKind::NewPunishment,
                "new customs punishment 沪关缉违字〔2024〕1号"
            ),
            "新增海关处罚：沪关缉违字〔2024〕1号"
        );
        assert_eq!(
            d(
                ChangeKind::NewlyFound,
                "customs data found: 3 registration(s)"
            ),
            "查到海关数据：3个海关注册"
        );
        assert_eq!(
            d(
                ChangeKind::NoLongerFound,
                "the vendor no longer finds customs data for this company"
            ),
            "接口不再查到该企业的海关数据"
        );
    }
}
