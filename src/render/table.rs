//! A text table for a terminal or a pipe (`rolecall list`): every row whole when piped; on a
//! terminal as wide as it is, by shortening one column's paths, dropping columns, then cutting
//! the widest.

use std::borrow::Cow;

/// The cells of a table, with an ANSI style per cell (`""` for none). Cells borrow what they
/// can (a profile's values), so that 10,000 rows copy no string they show as it is.
pub struct Table<'a> {
    pub header: Vec<Cow<'a, str>>,
    pub rows: Vec<Vec<Cow<'a, str>>>,
    pub styles: Vec<Vec<&'static str>>,
}

/// How a table is made narrower.
pub struct Fit<'a> {
    /// A column whose values are shortened to what follows their last `/` first.
    pub shorten: usize,
    /// Columns dropped one by one, in this order, while the table is still too wide.
    pub drop_order: &'a [usize],
}

impl Table<'_> {
    /// The text of the table; `width`: the terminal's (None: piped, nothing is cut).
    pub fn render(&mut self, fit: &Fit, color: bool, width: Option<usize>) -> String {
        if let Some(width) = width {
            self.fit(fit, width);
        }
        let mut widths: Vec<usize> = self.header.iter().map(|h| h.chars().count()).collect();
        for row in &self.rows {
            for (w, c) in widths.iter_mut().zip(row) {
                *w = (*w).max(c.chars().count());
            }
        }
        let mut out =
            String::with_capacity((self.rows.len() + 1) * (widths.iter().sum::<usize>() + 16));
        // Each cell written in place: no string of its own, no string of spaces.
        let mut line = |cols: &[Cow<str>], styles: &[&str]| {
            for (i, (cell, style)) in cols.iter().zip(styles).enumerate() {
                let painted = color && !style.is_empty();
                if painted {
                    out.push_str("\x1b[");
                    out.push_str(style);
                    out.push('m');
                }
                out.push_str(cell);
                if painted {
                    out.push_str("\x1b[0m");
                }
                if i + 1 < cols.len() {
                    let pad = widths[i] - cell.chars().count() + 2;
                    out.extend(std::iter::repeat_n(' ', pad));
                }
            }
            out.push('\n');
        };
        line(&self.header, &vec!["1"; self.header.len()]);
        for (row, styles) in self.rows.iter().zip(&self.styles) {
            line(row, styles);
        }
        out
    }

    /// The width of the whole table as it is.
    fn total(&self) -> usize {
        (0..self.header.len())
            .map(|i| self.column_width(i))
            .sum::<usize>()
            + 2 * self.header.len().saturating_sub(1)
    }

    fn column_width(&self, i: usize) -> usize {
        self.rows
            .iter()
            .map(|r| r[i].chars().count())
            .chain([self.header[i].chars().count()])
            .max()
            .unwrap_or(0)
    }

    /// Makes the table fit `width` columns of the terminal.
    fn fit(&mut self, fit: &Fit, width: usize) {
        if self.total() <= width {
            return;
        }
        // arn:aws:iam::123456789012:role/path/name → name
        for row in self.rows.iter_mut() {
            if let Some((_, name)) = row[fit.shorten].rsplit_once('/') {
                row[fit.shorten] = Cow::Owned(name.to_string());
            }
        }
        let mut columns: Vec<usize> = (0..self.header.len()).collect();
        for &drop in fit.drop_order {
            if self.total() <= width {
                return;
            }
            let Some(at) = columns.iter().position(|&c| c == drop) else {
                continue;
            };
            columns.remove(at);
            self.header.remove(at);
            for (row, styles) in self.rows.iter_mut().zip(self.styles.iter_mut()) {
                row.remove(at);
                styles.remove(at);
            }
        }
        self.cut(width);
    }

    /// Still too wide: cut the widest column but the first (role names first, then a long
    /// session note), never below a few characters.
    fn cut(&mut self, width: usize) {
        for _ in 0..self.header.len() {
            let excess = self.total().saturating_sub(width);
            if excess == 0 {
                return;
            }
            let width_of = |i: usize| {
                self.rows
                    .iter()
                    .map(|r| r[i].chars().count())
                    .max()
                    .unwrap_or(0)
            };
            let Some(at) = (1..self.header.len()).max_by_key(|&i| width_of(i)) else {
                return;
            };
            let keep = width_of(at)
                .saturating_sub(excess)
                .max(self.header[at].len())
                .max(6);
            for row in self.rows.iter_mut() {
                if row[at].chars().count() > keep {
                    let cut: String = row[at].chars().take(keep - 1).collect();
                    row[at] = Cow::Owned(format!("{cut}…"));
                }
            }
        }
    }
}
