//! One table, two renderings: the aligned text of the terminal and a Markdown (GFM) table, so
//! the table `compare` prints and the `--export-markdown` file say the same thing; and the one
//! time unit per column.

use std::fmt::Write;

/// A table: column heads (`right`: numbers, right-aligned) and rows of cells.
#[derive(Default)]
pub(crate) struct Grid {
    heads: Vec<(String, bool)>,
    rows: Vec<Vec<String>>,
}

impl Grid {
    /// A table with these heads; `right[i]` aligns column `i` right.
    pub fn new(heads: &[(&str, bool)]) -> Grid {
        Grid {
            heads: heads.iter().map(|(h, r)| (h.to_string(), *r)).collect(),
            rows: Vec::new(),
        }
    }

    /// Adds a column (to the heads; rows pushed afterwards carry it).
    pub fn col(&mut self, head: &str, right: bool) {
        self.heads.push((head.to_string(), right));
    }

    /// Adds a row (missing cells print empty).
    pub fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }

    fn widths(&self) -> Vec<usize> {
        let width = |s: &str| s.chars().count();
        (0..self.heads.len())
            .map(|i| {
                let cells = self.rows.iter().filter_map(|r| r.get(i));
                cells
                    .map(|c| width(c))
                    .fold(width(&self.heads[i].0), usize::max)
            })
            .collect()
    }

    /// The text form: `indent` spaces, columns two spaces apart, no trailing blanks.
    pub fn text(&self, indent: usize, out: &mut String) {
        let widths = self.widths();
        let mut line = |cells: Vec<&str>| {
            let mut l = " ".repeat(indent);
            for (i, (cell, (_, right))) in cells.iter().zip(&self.heads).enumerate() {
                let w = widths[i];
                let pad = w.saturating_sub(cell.chars().count());
                if i > 0 {
                    l.push_str("  ");
                }
                if *right {
                    l.push_str(&" ".repeat(pad));
                    l.push_str(cell);
                } else {
                    l.push_str(cell);
                    l.push_str(&" ".repeat(pad));
                }
            }
            out.push_str(l.trim_end());
            out.push('\n');
        };
        line(self.heads.iter().map(|(h, _)| h.as_str()).collect());
        for r in &self.rows {
            line(
                (0..self.heads.len())
                    .map(|i| r.get(i).map_or("", String::as_str))
                    .collect(),
            );
        }
    }

    /// The Markdown form: a GFM table (a `|` in a cell escaped), numbers right-aligned.
    pub fn markdown(&self, out: &mut String) {
        let esc = |s: &str| s.replace('|', "\\|");
        let heads: Vec<String> = self.heads.iter().map(|(h, _)| esc(h)).collect();
        let _ = writeln!(out, "| {} |", heads.join(" | "));
        let rule: Vec<&str> = self
            .heads
            .iter()
            .map(|(_, r)| if *r { "---:" } else { "---" })
            .collect();
        let _ = writeln!(out, "|{}|", rule.join("|"));
        for r in &self.rows {
            let cells: Vec<String> = (0..self.heads.len())
                .map(|i| esc(r.get(i).map_or("", String::as_str)))
                .collect();
            let _ = writeln!(out, "| {} |", cells.join(" | "));
        }
    }
}

/// The one time unit of a table's time columns, chosen from the smallest time it shows, so
/// that it reads with at least three digits: ns below 10 µs, µs below 10 ms, else ms.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Unit {
    Ns,
    Us,
    Ms,
}

impl Unit {
    /// The unit for a table whose smallest time is `ns`.
    pub fn for_smallest(ns: f64) -> Unit {
        if !ns.is_finite() || ns < 10_000.0 {
            Unit::Ns
        } else if ns < 10_000_000.0 {
            Unit::Us
        } else {
            Unit::Ms
        }
    }

    /// `ns`, `µs`, `ms`.
    pub fn name(self) -> &'static str {
        match self {
            Unit::Ns => "ns",
            Unit::Us => "µs",
            Unit::Ms => "ms",
        }
    }

    /// `ns` in this unit, without the unit: `891`, `10.55`, `44.10`; `-` for NaN.
    pub fn fmt(self, ns: f64) -> String {
        if !ns.is_finite() {
            return "-".into();
        }
        match self {
            Unit::Ns if ns < 100.0 => format!("{ns:.1}"),
            Unit::Ns => format!("{ns:.0}"),
            Unit::Us => format!("{:.2}", ns / 1e3),
            Unit::Ms => format!("{:.2}", ns / 1e6),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_unit_per_table() {
        let u = Unit::for_smallest(891.0);
        assert_eq!(
            (u.fmt(891.0), u.fmt(1_200_000.0)),
            ("891".into(), "1200000".into())
        );
        let u = Unit::for_smallest(10_550.0);
        assert_eq!(
            (u.name(), u.fmt(10_550.0), u.fmt(44_100_000.0)),
            ("µs", "10.55".into(), "44100.00".into())
        );
        assert_eq!(Unit::Ns.fmt(15.26), "15.3");
    }

    #[test]
    fn text_and_markdown() {
        let mut g = Grid::new(&[("path", false), ("ratio", true)]);
        g.row(vec!["c".into(), "1.000".into()]);
        g.row(vec!["a|b".into(), "0.9".into()]);
        let mut t = String::new();
        g.text(2, &mut t);
        assert_eq!(t, "  path  ratio\n  c     1.000\n  a|b     0.9\n");
        let mut m = String::new();
        g.markdown(&mut m);
        assert_eq!(
            m,
            "| path | ratio |\n|---|---:|\n| c | 1.000 |\n| a\\|b | 0.9 |\n"
        );
    }
}
