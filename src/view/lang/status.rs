//! What `status` and the run summary say, in both languages (src/commands/).

use super::Lang;
use crate::key_state::KeyState;
use std::collections::BTreeMap;

impl Lang {
    /// `已查到 162 · 未查到海关数据 10 · …`: every state, zeros included.
    pub fn states_line(self, counts: &BTreeMap<String, u64>) -> String {
        KeyState::ALL
            .iter()
            .map(|k| {
                let n = counts.get(k.as_str()).copied().unwrap_or(0);
                match self {
                    Lang::Zh => format!("{} {n}", self.state(*k)),
                    Lang::En => format!("{k} {n}"),
                }
            })
            .collect::<Vec<_>>()
            .join(" · ")
    }

    /// `数据库：screen.sqlite`.
    pub fn status_database(self, db: &str) -> String {
        match self {
            Lang::Zh => format!("数据库：{db}"),
            Lang::En => format!("database: {db}"),
        }
    }

    /// `清单：suppliers.csv（查询列“统一社会信用代码”），192 行`.
    pub fn status_input(self, path: &str, column: &str, rows: u64) -> String {
        match self {
            Lang::Zh => format!("清单：{path}（查询列“{column}”），数据库中 {rows} 行"),
            Lang::En => {
                format!("input: {path} (key column {column:?}), {rows} rows in the database")
            }
        }
    }

    /// `供应商：…` / `keys: …`.
    pub fn status_keys(self, states: &str) -> String {
        match self {
            Lang::Zh => format!("供应商（去重后）：{states}"),
            Lang::En => format!("keys: {states}"),
        }
    }

    /// The calls line, with the cost sentence.
    pub fn status_calls(
        self,
        total: u64,
        unreached: u64,
        last_run: u64,
        runs: u64,
        cost: &str,
    ) -> String {
        match self {
            Lang::Zh => format!(
                "调用：共 {total} 次（其中 {unreached} 次未到达接口，不计费），最近一次运行 {last_run} 次，共 {runs} 次运行；{cost}"
            ),
            Lang::En => format!(
                "calls: {total} in all ({unreached} never reached the vendor, not billed), {last_run} in the last run, {runs} runs; {cost}"
            ),
        }
    }

    /// The last run line.
    pub fn status_last_run(
        self,
        id: i64,
        started: &str,
        ended: Option<&str>,
        exit: &str,
    ) -> String {
        match self {
            Lang::Zh => format!(
                "最近一次运行：#{id}，开始 {started}，{}，{exit}",
                ended
                    .map(|e| format!("结束 {e}"))
                    .unwrap_or_else(|| "尚未结束（运行中或被强行终止）".into())
            ),
            Lang::En => format!(
                "last run: #{id} started {started} ended {} {exit}",
                ended.unwrap_or("(not ended: killed or running)")
            ),
        }
    }

    /// What a next run would call.
    pub fn status_next(self, due: u64, kinds: &str) -> String {
        match (self, due) {
            (Lang::Zh, 0) => "下次运行：无待查询（不调用接口）".into(),
            (Lang::Zh, n) => format!("下次运行：将查询 {n} 家（{kinds}）"),
            (Lang::En, 0) => "next run: nothing due (no calls)".into(),
            (Lang::En, n) => format!("next run: would call the vendor for {n} keys ({kinds})"),
        }
    }

    /// `需关注：87 家，待处置 80 条，已处置 7 条`.
    pub fn status_alerts(self, open: u64, decided: u64) -> String {
        match self {
            Lang::Zh => format!(
                "需关注：{} 家，待处置 {open} 条，已处置 {decided} 条（qcc-credit review --list --open 查看待处置）",
                open + decided
            ),
            Lang::En => format!(
                "alerts: {open} open (waiting for a decision: `qcc-credit review --list --open`), {decided} decided"
            ),
        }
    }

    /// Keys waiting: deferred, resumable, inconsistent, parked.
    pub fn status_waiting(self, what: &str, n: u64, when: &str) -> String {
        match (self, what) {
            (Lang::Zh, "deferred") => {
                format!("稍后重查：{n} 家等待接口要求的2小时暂停，最早到 {when}")
            }
            (Lang::En, "deferred") => format!(
                "deferred: {n} keys wait for the vendor's 2-hour pause, the first until {when}"
            ),
            (Lang::Zh, "resumable") => {
                format!("可续跑：{n} 家已购买部分页面尚无完整答复，下次运行从缺少的第一页继续")
            }
            (Lang::En, "resumable") => format!(
                "resumable: {n} keys have pages paid for and no answer yet; the next run goes on from the first page it does not have"
            ),
            (Lang::Zh, "inconsistent") => format!(
                "接口答复不一致：{n} 家（已停止翻页，保存已购页面并列为需关注）；run --retry-failed 可重新查询"
            ),
            (Lang::En, "inconsistent") => format!(
                "vendor answer inconsistent: {n} keys (paging stopped; the pages bought are kept and shown as needing attention); `run --retry-failed` asks again"
            ),
            (Lang::Zh, _) => format!(
                "暂停查询：{n} 家的接口答复两次无法读取，不再自动查询；run --retry-failed 可重新查询"
            ),
            (Lang::En, _) => format!(
                "parked: {n} keys whose answers could not be read twice are not asked again; `run --retry-failed` asks again"
            ),
        }
    }

    /// A channel's last message: `n` as recorded, its time as shown, and how many runs it has
    /// not delivered.
    pub fn status_notification(
        self,
        n: &crate::store::NotificationRow,
        at: &str,
        pending: u64,
    ) -> String {
        let (channel, kind) = (crate::telemetry::escape(&n.channel), &n.kind);
        let error = crate::telemetry::escape(n.error.as_deref().unwrap_or_default());
        let (sent, run) = (n.state == "sent", n.run_id.unwrap_or_default());
        match self {
            Lang::Zh => {
                let outcome = if sent {
                    "已送达".to_string()
                } else {
                    format!("发送失败（{error}）")
                };
                let waiting = if pending > 0 {
                    format!("；{pending} 次运行的消息尚未送达，下次运行补发")
                } else {
                    String::new()
                };
                format!("通知 {channel} ({kind})：第 #{run} 次运行后{outcome}，{at}{waiting}")
            }
            Lang::En => {
                let outcome = if sent {
                    "sent".to_string()
                } else {
                    format!("FAILED ({error})")
                };
                let waiting = if pending > 0 {
                    format!("; {pending} run(s) not yet delivered: the next run sends them")
                } else {
                    String::new()
                };
                format!(
                    "notification {channel} ({kind}): {outcome} after run #{run} at {at}{waiting}"
                )
            }
        }
    }

    /// A flag as the run summary counts it: `严重失信`, `近3年处罚`.
    pub fn flag_short(self, f: crate::view::Flag, window: &str) -> String {
        use crate::view::Flag;
        match (self, f) {
            (Lang::Zh, Flag::SeverelyDishonest) => "严重失信".into(),
            (Lang::Zh, Flag::Dishonest) => "失信".into(),
            (Lang::Zh, Flag::Punished) => format!("{window}处罚"),
            (Lang::Zh, Flag::Cancelled) => "注册已注销".into(),
            (Lang::Zh, Flag::NotFound) => "未查到".into(),
            (Lang::Zh, Flag::Worse) => "较上次变差".into(),
            (Lang::En, Flag::Punished) => format!("punished {window}"),
            _ => self.flag(f).to_string(),
        }
    }

    /// The summary's first line: who needs attention and why, and what is new.
    pub fn run_outcome(
        self,
        run: i64,
        attention: u64,
        why: &str,
        open: u64,
        opened: u64,
    ) -> String {
        match (self, attention) {
            (Lang::Zh, 0) => format!("qcc-credit 第 #{run} 次运行：没有需关注的供应商"),
            (Lang::Zh, n) => format!(
                "qcc-credit 第 #{run} 次运行：需关注 {n} 家（{why}），待处置 {open} 条，其中本次新增 {opened} 条"
            ),
            (Lang::En, 0) => format!("qcc-credit run #{run}: no supplier needs attention"),
            (Lang::En, n) => format!(
                "qcc-credit run #{run}: {n} suppliers need attention ({why}), {open} alerts open, {opened} opened by this run"
            ),
        }
    }

    /// What was read and what was due.
    pub fn run_read(
        self,
        rows: u64,
        new_keys: u64,
        invalid: u64,
        skipped: u64,
        due: u64,
    ) -> String {
        match self {
            Lang::Zh => format!(
                "读取 {rows} 行（新增 {new_keys} 家，代码无效 {invalid} 行，合计行 {skipped} 行），本次应查 {due} 家"
            ),
            Lang::En => format!(
                "{rows} rows read ({new_keys} new keys, {invalid} invalid rows, {skipped} total rows skipped), {due} keys were due"
            ),
        }
    }

    /// `清单：…` / `input: …`.
    pub fn run_input(self, source: &str) -> String {
        match self {
            Lang::Zh => format!("清单：{source}"),
            Lang::En => format!("input: {source}"),
        }
    }

    /// The calls of the run, its speed and its cost.
    pub fn run_calls(self, answered: u64, secs: f64, cost: &str) -> String {
        let rate = answered as f64 / secs.max(0.001);
        match self {
            Lang::Zh => format!(
                "调用：本次到达接口 {answered} 次，用时 {secs:.1} 秒（{rate:.2} 次/秒）；{cost}"
            ),
            Lang::En => format!(
                "calls this run: {answered} answered by the vendor in {secs:.1} s ({rate:.2} calls/s); {cost}"
            ),
        }
    }

    /// Attempts that never reached the vendor.
    pub fn run_unreached(self, n: u64) -> String {
        match self {
            Lang::Zh => format!("{n} 次调用未到达接口（连接被拒、DNS、TLS 或代理），不计费"),
            Lang::En => format!(
                "{n} attempt(s) never reached the vendor (connection refused, DNS, TLS or proxy): not billed"
            ),
        }
    }

    /// 120/122 answers, and the rate the vendor held us to.
    pub fn run_slowdowns(self, n: u64) -> String {
        match self {
            Lang::Zh => format!("接口要求降速 {n} 次（120/122）"),
            Lang::En => format!("the vendor asked to slow down {n} time(s) (120/122)"),
        }
    }

    /// "the vendor held us to about 19.6 calls/s; --qps 19 avoids the 120s".
    pub fn vendor_rate(self, rate: f64, advised: u64) -> String {
        match self {
            Lang::Zh => format!("接口实际允许约 {rate:.1} 次/秒；用 --qps {advised} 可避免 120"),
            Lang::En => format!(
                "the vendor held us to about {rate:.1} calls/s; --qps {advised} avoids the 120s"
            ),
        }
    }

    /// Changes since the previous screening.
    pub fn run_changes(self, changes: u64, worse: u64) -> String {
        match self {
            Lang::Zh => format!("变化：较上次筛查 {changes} 项，其中变差 {worse} 项"),
            Lang::En => format!("changes since the previous screening: {changes} ({worse} worse)"),
        }
    }

    /// Alerts the run opened.
    pub fn run_opened(self, n: u64) -> String {
        match self {
            Lang::Zh => format!("本次新增提醒 {n} 条（qcc-credit review --list --open 查看）"),
            Lang::En => format!(
                "alerts this run opened: {n} (`qcc-credit review --list --open` shows them)"
            ),
        }
    }

    /// `退出码 0：全部完成`.
    pub fn run_exit(self, code: u8, meaning: &str) -> String {
        match self {
            Lang::Zh => format!("退出码 {code}：{meaning}"),
            Lang::En => format!("exit {code}: {meaning}"),
        }
    }

    /// The next command to run.
    pub fn run_next(self, command: &str) -> String {
        match self {
            Lang::Zh => format!("下一步：{command}"),
            Lang::En => format!("next: {command}"),
        }
    }

    /// `--dry-run`: what a run would call.
    pub fn dry_run(
        self,
        rows: u64,
        new_keys: u64,
        due: u64,
        kinds: &str,
        secs: f64,
        qps: f64,
    ) -> String {
        match self {
            Lang::Zh => format!(
                "试运行：读取 {rows} 行，新增 {new_keys} 家；正式运行将查询 {due} 家（{kinds}），至少 {due} 次调用（每多20个海关注册多一次），按 --qps {qps} 约 {secs:.0} 秒"
            ),
            Lang::En => format!(
                "dry run: {rows} rows read, {new_keys} new keys; a run would call the vendor for {due} keys ({kinds}), at least {due} calls (one more per 20 customs registrations beyond the first 20), about {secs:.0} s at --qps {qps}"
            ),
        }
    }

    /// What the run read: `工作表 供应商清单，表头第1行，查询列 统一社会信用代码（名称备用列 供应商名称）`,
    /// and why a column was chosen against its header.
    pub fn read_what(self, meta: &crate::input::FileMeta) -> String {
        if self == Lang::En {
            return meta.describe();
        }
        let mut parts = Vec::new();
        if let Some(s) = &meta.sheet {
            parts.push(format!("工作表 {s}"));
        }
        if let Some(h) = meta.header_row {
            parts.push(format!("表头第{h}行"));
        }
        let mut key = format!("查询列 {}", meta.key_column);
        if let Some(f) = &meta.fallback_column {
            key.push_str(&format!("（名称备用列 {f}）"));
        }
        parts.push(key);
        let mut out = parts.join("，");
        for n in &meta.notes {
            let what = match n.what {
                crate::input::content::What::Codes => "个有效代码",
                crate::input::content::What::Names => "个企业名称",
            };
            let why = if n.shifted {
                "表头行疑似错位".to_string()
            } else {
                format!("表头为“{}”的列没有", n.header)
            };
            out.push_str(&format!(
                "；第{}列（表头“{}”）前{}行中有{}{what}：{why}",
                n.chosen + 1,
                n.chosen_header,
                n.rows,
                n.count
            ));
        }
        out
    }
}
