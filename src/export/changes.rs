//! The `changes` listing, beside the other exports: as text, CSV (UTF-8 with a byte-order mark
//! unless `--no-bom`) or JSONL, each change with the supplier as the list shows it, what it was and
//! became, and the dates of both screenings in local time. Its labels are in [`crate::view::lang`].

use std::io::Write;

use serde_json::json;

use super::{BOM, csv::formula_safe};
use crate::changes::ChangeKind;
use crate::store::ChangeRow;
use crate::telemetry::escape;
use crate::view::{Lang, ListColumns, Zone, change_values};

/// How `changes` writes them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ChangesFormat {
    Text,
    Csv,
    Jsonl,
}

/// How the changes are shown.
pub struct Listing<'a> {
    pub lang: Lang,
    pub zone: Zone,
    pub cols: Option<&'a ListColumns>,
}

impl Listing<'_> {
    /// The changes in `format` (CSV with a byte-order mark when `bom`); `since` is what the
    /// text says when there are none.
    pub fn write(
        &self,
        out: &mut impl Write,
        format: ChangesFormat,
        changes: &[ChangeRow],
        since: Option<&str>,
        bom: bool,
    ) -> std::io::Result<()> {
        match format {
            ChangesFormat::Text => self.text(out, changes, since),
            ChangesFormat::Jsonl => self.jsonl(out, changes),
            ChangesFormat::Csv => self.csv(out, changes, bom),
        }
    }

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
            let since = since.map(|s| self.zone.show(s));
            writeln!(out, "{}", l.no_changes_since(since.as_deref()))?;
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
            let mark = l.worse_mark(c.worse);
            writeln!(
                out,
                "{}  {mark}  {who}  {}: {was} → {now}  [{} {} → {}]{detail}",
                self.zone.show(&c.detected_at),
                self.kind(c),
                l.screened(),
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
        w.write_record(l.change_headers())?;
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
