//! `changes`: what re-screening found different, readable alone: the supplier's name from the
//! list, what each change was and became, and the dates of both screenings, in local time. As
//! text, CSV (UTF-8 with a byte-order mark unless `--no-bom`) or JSONL.

use std::io::Write;
use std::path::Path;

use chrono::{NaiveDate, NaiveDateTime};
use serde_json::json;

use super::ignore_broken_pipe;
use crate::changes::ChangeKind;
use crate::cli::{ChangesFormat, ViewArgs};
use crate::exit::ExitCode;
use crate::export::{BOM, csv::formula_safe};
use crate::store::{self, ChangeRow, Store};
use crate::telemetry::escape;
use crate::view::{Lang, ListColumns, Zone, change_values};

pub(super) fn changes(
    db: &Path,
    since: Option<&str>,
    format: ChangesFormat,
    view: ViewArgs,
    bom: bool,
) -> anyhow::Result<ExitCode> {
    let store = Store::open_read_only(db)?;
    let since = since.map(|s| since_instant(s, view.tz)).transpose()?;
    let file = store.latest_file()?;
    let cols = file.as_ref().map(ListColumns::of);
    let changes = store.changes(since.as_deref(), file.as_ref().map(|f| f.id))?;
    let listed = Listing {
        lang: view.lang,
        zone: view.tz,
        cols: cols.as_ref(),
    };
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let written = match format {
        ChangesFormat::Text => listed.text(&mut out, &changes, since.as_deref()),
        ChangesFormat::Jsonl => listed.jsonl(&mut out, &changes),
        ChangesFormat::Csv => listed.csv(&mut out, &changes, bom),
    }
    .and_then(|()| out.flush());
    ignore_broken_pipe(written)?;
    Ok(ExitCode::Ok)
}

/// How the changes are shown.
struct Listing<'a> {
    lang: Lang,
    zone: Zone,
    cols: Option<&'a ListColumns>,
}

impl Listing<'_> {
    fn name(&self, c: &ChangeRow) -> String {
        self.cols
            .map(|cols| cols.name_in(c.extra.as_deref()))
            .unwrap_or_default()
    }

    /// The supplier's own id cell (供应商编码 ...), as the list writes it.
    fn supplier_id(&self, c: &ChangeRow) -> String {
        self.cols
            .map(|cols| cols.id_in(c.extra.as_deref()))
            .unwrap_or_default()
    }

    /// `S10059 福建某某公司`: the supplier's id and name, as the list writes them.
    fn supplier(&self, c: &ChangeRow) -> String {
        self.cols
            .map(|cols| cols.supplier_in(c.extra.as_deref()))
            .unwrap_or_default()
    }

    fn kind(&self, c: &ChangeRow) -> String {
        self.lang.change_text(&c.kind)
    }

    fn text(
        &self,
        out: &mut impl Write,
        changes: &[ChangeRow],
        since: Option<&str>,
    ) -> std::io::Result<()> {
        let l = self.lang;
        if changes.is_empty() {
            let since = since
                .map(|s| format!("{}{}", l.tr("，自 ", " since "), self.zone.show(s)))
                .unwrap_or_default();
            writeln!(
                out,
                "{}{since}",
                l.tr("没有记录到变化", "no changes recorded")
            )?;
        }
        for c in changes {
            let (was, now) = change_values(l, c);
            let supplier = self.supplier(c);
            let who = if supplier.is_empty() {
                escape(&c.key).to_string()
            } else {
                format!("{} ({})", escape(&supplier), escape(&c.key))
            };
            // The stored detail adds what was/now does not say: which decision, which
            // registration.
            let detail = match ChangeKind::parse(&c.kind) {
                Some(ChangeKind::NewPunishment | ChangeKind::Cancelled) | None => {
                    format!("  {}", escape(&c.detail))
                }
                _ => String::new(),
            };
            let mark = if c.worse {
                l.tr("变差", "WORSE")
            } else {
                l.tr("    ", "     ")
            };
            writeln!(
                out,
                "{}  {mark}  {who}  {}: {was} → {now}  [{} {} → {}]{detail}",
                self.zone.show(&c.detected_at),
                self.kind(c),
                l.tr("筛查", "screened"),
                self.zone.date(&c.before.checked_at),
                self.zone.date(&c.after.checked_at),
            )?;
        }
        Ok(())
    }

    fn jsonl(&self, out: &mut impl Write, changes: &[ChangeRow]) -> std::io::Result<()> {
        for c in changes {
            let (was, now) = change_values(self.lang, c);
            let v = json!({
                "id": c.id,
                "detected_at": c.detected_at,
                "run_id": c.run_id,
                "row": c.row,
                "supplier_id": self.supplier_id(c),
                "name": self.name(c),
                "key": c.key,
                "key_kind": c.key_kind,
                "kind": c.kind,
                "worse": c.worse,
                "was": was,
                "now": now,
                "previous_screening": c.before.checked_at,
                "screening": c.after.checked_at,
                "detail": c.detail,
            });
            serde_json::to_writer(&mut *out, &v)?;
            writeln!(out)?;
        }
        Ok(())
    }

    fn csv(&self, out: &mut impl Write, changes: &[ChangeRow], bom: bool) -> std::io::Result<()> {
        if bom {
            out.write_all(BOM)?;
        }
        let l = self.lang;
        let mut w = csv::Writer::from_writer(&mut *out);
        w.write_record([
            l.tr("发现时间", "detected_at"),
            l.tr("运行", "run_id"),
            l.tr("数据行", "row"),
            l.tr("供应商编号", "supplier_id"),
            l.tr("供应商名称", "name"),
            l.basis_headers()[0],
            l.basis_headers()[1],
            l.tr("变化", "change"),
            l.tr("变差", "worse"),
            l.tr("原值", "was"),
            l.tr("现值", "now"),
            l.tr("上次筛查", "previous_screening"),
            l.tr("本次筛查", "screening"),
            l.tr("说明", "detail"),
            "kind",
        ])?;
        for c in changes {
            let (was, now) = change_values(l, c);
            let cells = [
                self.zone.show(&c.detected_at),
                c.run_id.map(|r| r.to_string()).unwrap_or_default(),
                c.row.map(|r| r.to_string()).unwrap_or_default(),
                self.supplier_id(c),
                self.name(c),
                l.basis(c.key_kind.as_deref()).to_string(),
                c.key.clone(),
                self.kind(c),
                l.yes_no(c.worse).to_string(),
                was,
                now,
                self.zone.show(&c.before.checked_at),
                self.zone.show(&c.after.checked_at),
                c.detail.clone(),
                c.kind.clone(),
            ];
            w.write_record(cells.iter().map(|c| formula_safe(c).into_owned()))?;
        }
        w.flush()
    }
}

/// `--since`: a local date (its midnight in the zone), a local `YYYY-MM-DD HH:MM[:SS]`, or an
/// RFC 3339 instant; as the stored UTC text.
fn since_instant(s: &str, zone: Zone) -> anyhow::Result<String> {
    let t = s.trim();
    let bad = || {
        anyhow::anyhow!(
            "--since {s:?}: expected YYYY-MM-DD (local midnight), YYYY-MM-DD HH:MM (local) or an RFC 3339 instant"
        )
    };
    if let Ok(d) = NaiveDate::parse_from_str(t, "%Y-%m-%d") {
        return zone.midnight(d).map(store::ts).ok_or_else(bad);
    }
    for fmt in [
        "%Y-%m-%d %H:%M",
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%dT%H:%M:%S",
    ] {
        if let Ok(local) = NaiveDateTime::parse_from_str(t, fmt) {
            return zone.instant(local).map(store::ts).ok_or_else(bad);
        }
    }
    match chrono::DateTime::parse_from_rfc3339(t) {
        Ok(i) => Ok(store::ts(i.with_timezone(&chrono::Utc))),
        Err(_) => Err(bad()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn since_reads_local_time() {
        let sh: Zone = "Asia/Shanghai".parse().unwrap();
        assert_eq!(
            since_instant("2026-12-01", sh).unwrap(),
            "2026-11-30T16:00:00Z"
        );
        assert_eq!(
            since_instant("2026-12-01 02:30", sh).unwrap(),
            "2026-11-30T18:30:00Z"
        );
        assert_eq!(
            since_instant("2026-12-01T00:00:00Z", sh).unwrap(),
            "2026-12-01T00:00:00Z"
        );
        assert!(since_instant("yesterday", sh).is_err());
    }
}
