//! The language people read: Chinese first (`--lang zh`, the default), English with `--lang en`.
//! Every label the report, the workbook, `changes` and the reasons show is here: fixed ones in
//! [`labels`] (read with [`Lang::of`]), the ones built from values in the functions below, so
//! both languages stay side by side in one place.

pub mod labels;
mod notify;
mod report;
mod review;
mod sentences;
mod status;

use crate::changes::ChangeKind;
use crate::credit::Rank;
use crate::key_state::KeyState;
use crate::view::Flag;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Lang {
    /// 中文 (default).
    #[default]
    Zh,
    /// English.
    En,
}

/// A fixed label in both languages ([`labels`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Label {
    pub zh: &'static str,
    pub en: &'static str,
}

impl Lang {
    /// A label of [`labels`] in this language.
    pub fn of(self, label: Label) -> &'static str {
        self.tr(label.zh, label.en)
    }

    /// The text in this language.
    pub fn tr(self, zh: &'static str, en: &'static str) -> &'static str {
        match self {
            Lang::Zh => zh,
            Lang::En => en,
        }
    }

    /// `lang` attribute of the HTML page.
    pub fn html(self) -> &'static str {
        self.tr("zh-CN", "en")
    }

    /// A credit rank as customs names it.
    pub fn rank(self, r: Rank) -> &'static str {
        match r {
            Rank::SeverelyDishonest => self.tr("严重失信企业", "Severely dishonest"),
            Rank::Dishonest => self.tr("失信企业", "Dishonest"),
            Rank::Routine => self.tr("一般信用企业", "Routine (general credit)"),
            Rank::Certified => self.tr("一般认证企业", "Certified (AEO)"),
            Rank::AdvancedCertified => self.tr("高级认证企业", "Advanced certified (AEO)"),
            Rank::Unrated => self.tr("无信用等级", "No level"),
        }
    }

    /// A level as the vendor wrote it, followed by the rank in this language when the text is an
    /// older regime's letter (`C` -> `C（失信企业）`); empty stays empty.
    pub fn level(self, raw: &str) -> String {
        let rank = Rank::of(raw);
        let name = self.rank(rank);
        if raw.trim().is_empty() {
            String::new()
        } else if rank == Rank::Unrated
            || raw.trim() == name
            || (self == Lang::Zh && raw.contains("企业"))
        {
            raw.trim().to_string()
        } else {
            format!(
                "{}{}{name}{}",
                raw.trim(),
                self.tr("（", " ("),
                self.tr("）", ")")
            )
        }
    }

    /// A key's state.
    pub fn state(self, s: KeyState) -> &'static str {
        match s {
            KeyState::Pending => self.tr("待查询", "pending"),
            KeyState::Found => self.tr("已查到", "found"),
            KeyState::NotFound => self.tr("未查到海关数据", "not found"),
            KeyState::Invalid => self.tr("代码无效", "invalid code"),
            KeyState::Unsupported => self.tr("无法查询", "cannot be checked"),
            KeyState::Deferred => self.tr("稍后重查", "deferred"),
            KeyState::Failed => self.tr("查询失败", "failed"),
            KeyState::Parked => self.tr(
                "暂停查询（接口答复无法读取）",
                "parked (unreadable answers)",
            ),
        }
    }

    /// A row's state as exports label it (`skipped` for a total row).
    pub fn row_state(self, label: &str) -> &'static str {
        match KeyState::parse(label) {
            Some(s) => self.state(s),
            None => self.tr("已跳过（合计行）", "skipped (total row)"),
        }
    }

    /// A kind of change.
    pub fn change(self, k: ChangeKind) -> &'static str {
        match k {
            ChangeKind::LevelWorse => self.tr("信用等级下降", "level worse"),
            ChangeKind::LevelBetter => self.tr("信用等级上升", "level better"),
            ChangeKind::NewPunishment => self.tr("新增处罚", "new punishment"),
            ChangeKind::Cancelled => self.tr("海关注册注销", "registration cancelled"),
            ChangeKind::NewlyFound => self.tr("新查到海关数据", "newly found"),
            ChangeKind::NoLongerFound => self.tr("不再查到海关数据", "no longer found"),
        }
    }

    /// Why a supplier needs attention, as a chart label.
    pub fn flag(self, f: Flag) -> &'static str {
        match f {
            Flag::SeverelyDishonest => self.tr("严重失信企业", "severely dishonest"),
            Flag::Dishonest => self.tr("失信企业（含C/D类）", "dishonest (incl. C/D)"),
            Flag::UnreadableRecord => self.tr("接口记录无法读取", "unreadable vendor record"),
            Flag::Inconsistent => self.tr("接口答复不一致", "vendor answer inconsistent"),
            Flag::Worse => self.tr("较上次变差", "worse since the previous screening"),
            Flag::Punished => self.tr("期内受海关处罚", "punished within the window"),
            Flag::Cancelled => self.tr("有注册已注销", "registration cancelled"),
            Flag::NotFound => self.tr("未查到海关数据", "not found"),
        }
    }

    /// A stored change kind as people read it (an unknown kind as stored).
    pub fn change_text(self, stored: &str) -> String {
        ChangeKind::parse(stored)
            .map(|k| self.change(k).to_string())
            .unwrap_or_else(|| stored.to_string())
    }

    /// "Yes"/"no".
    /// How a row was queried (查询依据), from its key's kind.
    pub fn basis(self, key_kind: Option<&str>) -> &'static str {
        match key_kind {
            Some("uscc") => self.tr("统一社会信用代码", "unified social credit code"),
            Some("reg_no") => self.tr("注册号", "registration no."),
            Some("name") => self.tr("名称", "company name"),
            _ => "",
        }
    }

    /// How a row was queried, in a word (narrow tables): 代码, 注册号, 名称.
    pub fn basis_short(self, key_kind: Option<&str>) -> &'static str {
        match key_kind {
            Some("uscc") => self.tr("信用代码", "code"),
            Some("reg_no") => self.tr("注册号", "reg. no."),
            Some("name") => self.tr("名称", "name"),
            _ => "",
        }
    }

    /// The headers of the two columns that say how a row was queried and with what.
    pub fn basis_headers(self) -> [&'static str; 2] {
        [
            self.tr("查询依据", "searched by"),
            self.tr("查询代码/名称", "search key"),
        ]
    }

    /// `与表格第 12、45 行同一代码`: a row whose key other rows of the list share.
    pub fn shared_with(self, sheet_rows: &[u64]) -> String {
        let rows: Vec<String> = sheet_rows.iter().map(u64::to_string).collect();
        match self {
            Lang::Zh => format!("与表格第{}行同一代码", rows.join("、")),
            Lang::En => format!("same key as sheet row(s) {}", rows.join(", ")),
        }
    }

    /// `2026-11-20起较之前变差：`: changes for the worse still unanswered since a day.
    pub fn worse_since(self, day: &str) -> String {
        match self {
            Lang::Zh => format!("{day}起较之前筛查变差："),
            Lang::En => format!("worse since {day}: "),
        }
    }

    /// `表格第14行（数据第12行）`: where a row is, as the sheet shows it and as data.
    pub fn row_place(self, sheet_row: Option<u64>, row: u64) -> String {
        match (self, sheet_row) {
            (Lang::Zh, Some(s)) => format!("表格第{s}行（数据第{row}行）"),
            (Lang::Zh, None) => format!("数据第{row}行"),
            (Lang::En, Some(s)) => format!("sheet row {s} (data row {row})"),
            (Lang::En, None) => format!("data row {row}"),
        }
    }

    /// `2026-11-20 王芳（接受风险）`: a decision as a review column or the evidence page shows it.
    pub fn decided(self, day: &str, by: &str, verdict: &str) -> String {
        match self {
            Lang::Zh => format!("{day} {by}（{verdict}）"),
            Lang::En => format!("{day} by {by} ({verdict})"),
        }
    }

    /// `2026-11-20 王芳（接受风险）处置后有新情况：…`: an alert open again after a decision.
    pub fn new_since(self, decided: &str, news: &str) -> String {
        match self {
            Lang::Zh => format!("{decided}处置后有新情况：{news}"),
            Lang::En => format!("new since the decision of {decided}: {news}"),
        }
    }

    /// The header of the `changes` CSV; the last column, `kind`, is the change's stable English
    /// name in every language.
    pub fn change_headers(self) -> [&'static str; 15] {
        let [basis, key] = self.basis_headers();
        [
            self.tr("发现时间", "detected_at"),
            self.tr("运行", "run_id"),
            self.tr("数据行", "row"),
            self.tr("供应商编号", "supplier_id"),
            self.tr("供应商名称", "name"),
            basis,
            key,
            self.tr("变化", "change"),
            self.tr("变差", "worse"),
            self.tr("原值", "was"),
            self.tr("现值", "now"),
            self.tr("上次筛查", "previous_screening"),
            self.tr("本次筛查", "screening"),
            self.tr("说明", "detail"),
            self.tr("类型代码", "kind"),
        ]
    }

    /// `没有记录到变化，自 2026-11-20 00:00 (+08:00)`: an empty `changes` listing.
    pub fn no_changes_since(self, since: Option<&str>) -> String {
        let since = since
            .map(|s| format!("{}{s}", self.tr("，自 ", " since ")))
            .unwrap_or_default();
        format!(
            "{}{since}",
            self.tr("没有记录到变化", "no changes recorded")
        )
    }

    /// The mark of a change for the worse in the `changes` text, or blanks as wide.
    pub fn worse_mark(self, worse: bool) -> &'static str {
        match worse {
            true => self.tr("变差", "WORSE"),
            false => self.tr("    ", "     "),
        }
    }

    /// `筛查 2026-11-20 → 2026-11-21`: the dates of the two screenings a change lies between.
    pub fn screened(self) -> &'static str {
        self.tr("筛查", "screened")
    }

    pub fn yes_no(self, b: bool) -> &'static str {
        if b {
            self.tr("是", "yes")
        } else {
            self.tr("否", "no")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_read_in_both_languages() {
        assert_eq!(Lang::Zh.level("严重失信企业"), "严重失信企业");
        assert_eq!(Lang::Zh.level("C"), "C（失信企业）");
        assert_eq!(
            Lang::En.level("严重失信企业"),
            "严重失信企业 (Severely dishonest)"
        );
        assert_eq!(Lang::Zh.level(""), "");
        assert_eq!(Lang::Zh.level("某种新等级"), "某种新等级");
        assert_eq!(Lang::Zh.row_state("skipped"), "已跳过（合计行）");
        assert_eq!(Lang::En.row_state("not_found"), "not found");
    }
}
