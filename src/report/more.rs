//! The rows of a list beyond what the page writes as HTML, kept whole but compact: a JSON block
//! (`<script type="application/json">`, not run, parsed only when asked for) of rows whose
//! repeated cells (levels, reasons, states, dates) are indexes into one table of strings. The
//! page's script draws them a thousand at a time when the analyst clicks "show the rest", so a
//! 300,000-supplier report keeps its whole needs-attention list and still opens in seconds.

use std::collections::HashMap;
use std::fmt::Write as _;

/// A cell of a compact row: a text of its own (an id, a name, a code), or one that repeats.
pub(super) enum Cell {
    Own(String),
    Shared(String),
}

/// The compact rows of one table.
#[derive(Default)]
pub(super) struct More {
    strings: Vec<String>,
    index: HashMap<String, usize>,
    rows: String,
    /// The index of the key among a row's cells.
    key: usize,
    pub count: u64,
}

/// A JSON string literal that cannot end the `<script>` it sits in.
fn literal(s: &str) -> String {
    serde_json::to_string(s)
        .unwrap_or_else(|_| "\"\"".into())
        .replace("</", "<\\/")
}

impl More {
    /// Add a row: its severity (the `sev-N` class) and its cells in order; `key` is the
    /// index of the cell that is the row's key (the table's `data-key`).
    pub fn add(&mut self, severity: u8, key: usize, cells: Vec<Cell>) {
        if self.count > 0 {
            self.rows.push(',');
        }
        self.count += 1;
        self.key = key;
        let _ = write!(self.rows, "[{severity}");
        for c in cells {
            match c {
                Cell::Own(s) => {
                    let _ = write!(self.rows, ",{}", literal(&s));
                }
                Cell::Shared(s) => {
                    let n = match self.index.get(&s) {
                        Some(n) => *n,
                        None => {
                            self.strings.push(s.clone());
                            self.index.insert(s, self.strings.len() - 1);
                            self.strings.len() - 1
                        }
                    };
                    let _ = write!(self.rows, ",{n}");
                }
            }
        }
        self.rows.push(']');
    }

    /// The block: `<script type="application/json" id="ID">{"k":…,"s":[…],"r":[…]}</script>`:
    /// `k` the key's cell, `s` the shared strings, `r` the rows (severity, then cells; a number
    /// is an index into `s`).
    pub fn script(&self, id: &str) -> String {
        let strings: Vec<String> = self.strings.iter().map(|s| literal(s)).collect();
        format!(
            "<script type=\"application/json\" id=\"{id}\">{{\"k\":{},\"s\":[{}],\"r\":[{}]}}</script>",
            self.key,
            strings.join(","),
            self.rows
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_cells_are_stored_once_and_nothing_closes_the_script() {
        let mut m = More::default();
        for i in 0..3 {
            m.add(
                1,
                0,
                vec![
                    Cell::Own(format!("名称{i}</script>")),
                    Cell::Shared("海关认定为失信企业".into()),
                ],
            );
        }
        let s = m.script("x");
        assert_eq!(s.matches("海关认定为失信企业").count(), 1);
        assert_eq!(s.matches("</script>").count(), 1, "{s}");
        let json = s
            .trim_start_matches("<script type=\"application/json\" id=\"x\">")
            .trim_end_matches("</script>");
        let v: serde_json::Value = serde_json::from_str(json).unwrap();
        assert_eq!(v["r"][2][1], "名称2</script>");
        assert_eq!(v["r"][1][2], 0);
        assert_eq!(v["r"][1][0], 1);
    }
}
