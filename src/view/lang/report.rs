//! The report's sentences built from values, and its fixed labels added for printing, limits and
//! empty sections (src/report/). Re-exported labels through [`super::labels`].

use super::{Label, Lang};

pub const REPORT_PRINT_ALL: Label = Label {
    zh: "打印时包含全部供应商表",
    en: "print the full supplier table too",
};
pub const REPORT_SHOW_MORE: Label = Label {
    zh: "显示其余",
    en: "show the rest",
};
pub const REPORT_NO_ATTENTION: Label = Label {
    zh: "没有需关注的供应商。",
    en: "No supplier needs attention.",
};
pub const REPORT_NO_OPEN_ALERTS: Label = Label {
    zh: "没有待处置的提醒：需关注的供应商均已处置（见下方“已处置”）。",
    en: "No open alert: every supplier that needs attention has been decided (see Decided below).",
};
pub const REPORT_NO_INVALID: Label = Label {
    zh: "没有需要修正的代码。",
    en: "No code to fix.",
};
pub const REPORT_NO_CHANGES_THIS_RUN: Label = Label {
    zh: "最近一次运行没有发现变化。",
    en: "The latest run found no change.",
};
pub const REPORT_FIX: Label = Label {
    zh: "问题与改法",
    en: "what is wrong, and the fix",
};
pub const REPORT_SUPPLIER_ID: Label = Label {
    zh: "供应商编号",
    en: "supplier id",
};
pub const REPORT_SUPPLIER_NAME: Label = Label {
    zh: "供应商名称",
    en: "supplier name",
};
pub const REPORT_SHEET_ROW: Label = Label {
    zh: "表格行号",
    en: "sheet row",
};
pub const REPORT_EXIT_MEANING: Label = Label {
    zh: "结果",
    en: "outcome",
};

impl Lang {
    /// Who is on the needs-attention list, and in which order.
    pub fn report_attention_intro(self, window: &str) -> String {
        match self {
            Lang::Zh => format!(
                "严重失信、失信（含C/D类）、{window}受海关处罚、有海关注册已注销、未查到海关数据、或较上次筛查变差的供应商；待处置的在前，按严重程度排序。"
            ),
            Lang::En => format!(
                "Suppliers rated severely dishonest or dishonest (incl. C/D), punished {window}, with a cancelled customs registration, not found, or worse since the previous screening; open alerts first, most severe first."
            ),
        }
    }

    /// `近3年海关处罚 (12)`.
    pub fn report_punishments_heading(self, window: &str, n: usize) -> String {
        match self {
            Lang::Zh => format!("{window}海关处罚 ({n})"),
            Lang::En => format!("Customs punishments {window} ({n})"),
        }
    }

    /// How many punished suppliers and decisions the current answers hold.
    pub fn report_punishments_meta(self, suppliers: usize, decisions: usize) -> String {
        match self {
            Lang::Zh => format!(
                "当前答复中共有 {suppliers} 家供应商、{decisions} 条处罚记录；较早的处罚见各供应商详情。"
            ),
            Lang::En => format!(
                "{suppliers} suppliers, {decisions} decisions in the current answers; older ones are in each supplier's details."
            ),
        }
    }

    /// `近3年没有海关处罚记录。`
    pub fn report_no_punishments(self, window: &str) -> String {
        match self {
            Lang::Zh => format!("{window}没有海关处罚记录。"),
            Lang::En => format!("No customs punishment {window}."),
        }
    }

    /// `其余 1,234 项未在此列出：见 …`: a section cut at its limit, and where the rest is.
    pub fn report_rest(self, n: u64, zh_where: &str, en_where: &str) -> String {
        match self {
            Lang::Zh => format!("其余 {n} 项未在此列出：见{zh_where}。"),
            Lang::En => format!("{n} more not listed here: see {en_where}."),
        }
    }

    /// The cost in one sentence, the same in the run summary, `status` and the report:
    /// `计费调用 185 次，按每次 ¥0.50 计共 ¥92.50`.
    pub fn cost(self, billed: u64, price: Option<f64>) -> String {
        match (self, price) {
            (Lang::Zh, Some(p)) => format!(
                "计费调用 {billed} 次，按每次 ¥{p:.2} 计共 ¥{:.2}",
                billed as f64 * p
            ),
            (Lang::Zh, None) => format!(
                "计费调用 {billed} 次（到达接口的调用均按计费计；用 --price-per-call 设置单价即显示金额）"
            ),
            (Lang::En, Some(p)) => format!(
                "{billed} billed calls, at ¥{p:.2} each ¥{:.2}",
                billed as f64 * p
            ),
            (Lang::En, None) => format!(
                "{billed} billed calls (every call that reaches the vendor is billed; --price-per-call shows the amount)"
            ),
        }
    }

    /// `今日配额已于 2026-12-06 02:41 +08:00 用完（状态码116）`.
    pub fn quota_spent(self, at: &str, code: &str) -> String {
        match self {
            Lang::Zh => {
                format!("接口配额已于 {at} 用完（状态码{code}）；配额恢复后运行同一命令即可继续")
            }
            Lang::En => format!(
                "the vendor's quota was spent at {at} (status {code}); run the same command again when it resets"
            ),
        }
    }
}
