//! The `changes` listing, beside the other exports: as text, CSV (UTF-8 with a byte-order mark
//! unless `--no-bom`) or JSONL, each change with the supplier as the list shows it, what it was and
//! became, and the dates of both screenings in local time. Its labels are in [`crate::view::lang`].

use std::io::Write;

use serde_json::json;

use super::BOM;
use super::csv::cell;
use crate::changes::ChangeKind;
use crate::store::{ChangeRow, ExportError, Store};
use crate::telemetry::escape;
use crate::view::lang::labels;
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
    /// Stream the changes `store` holds (since an instant, of the latest list's rows) in
    /// `format` (CSV with a byte-order mark when `bom`); `first` is whether the database has
    /// seen only one screening, for the text that says there are none. How many were written.
    #[allow(clippy::too_many_arguments)]
    pub fn write(
        &self,
        out: &mut impl Write,
        format: ChangesFormat,
        store: &Store,
        file_id: Option<i64>,
        since: Option<&str>,
        first: bool,
        bom: bool,
    ) -> Result<u64, ExportError> {
        let mut n = 0u64;
        let each = |f: &mut dyn FnMut(ChangeRow) -> std::io::Result<()>| {
            store.for_each_change(since, None, file_id, f)
        };
        match format {
            ChangesFormat::Csv => {
                if bom {
                    out.write_all(BOM).map_err(ExportError::Io)?;
                }
                let mut w = csv::Writer::from_writer(&mut *out);
                let io = |e: csv::Error| std::io::Error::other(e.to_string());
                w.write_record(self.lang.change_headers())
                    .map_err(|e| ExportError::Io(io(e)))?;
                each(&mut |c| {
                    n += 1;
                    w.write_record(self.csv_cells(&c, bom)).map_err(io)
                })?;
                w.flush().map_err(ExportError::Io)?;
            }
            ChangesFormat::Text => each(&mut |c| {
                n += 1;
                self.text_line(out, &c)
            })?,
            ChangesFormat::Jsonl => each(&mut |c| {
                n += 1;
                self.jsonl_line(out, &c)
            })?,
        }
        if format == ChangesFormat::Text && n == 0 {
            let text = if first && since.is_none() {
                self.lang.of(labels::CHANGES_FIRST_SCREENING).to_string()
            } else {
                let since = since.map(|s| self.zone.show(s));
                self.lang.no_changes_since(since.as_deref())
            };
            writeln!(out, "{text}").map_err(ExportError::Io)?;
        }
        Ok(n)
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

    fn text_line(&self, out: &mut impl Write, c: &ChangeRow) -> std::io::Result<()> {
        let l = self.lang;
        let (was, now) = change_values(l, c);
        let supplier = self.supplier(c);
        let who = if supplier.is_empty() {
            escape(&c.key).to_string()
        } else {
            format!("{} ({})", escape(&supplier), escape(&c.key))
        };
        // The stored detail adds what was/now does not say: which decision, which registration.
        let detail = match ChangeKind::parse(&c.kind) {
            Some(ChangeKind::NewPunishment | ChangeKind::Cancelled) | None => {
                format!("  {}", escape(&l.change_detail(&c.kind, &c.detail)))
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
        )
    }

    fn jsonl_line(&self, out: &mut impl Write, c: &ChangeRow) -> std::io::Result<()> {
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
        writeln!(out)
    }

    fn csv_cells(&self, c: &ChangeRow, excel: bool) -> Vec<String> {
        let l = self.lang;
        let (was, now) = change_values(l, c);
        [
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
            l.change_detail(&c.kind, &c.detail),
            c.kind.clone(),
        ]
        .iter()
        .map(|x| cell(x, excel))
        .collect()
    }
}
