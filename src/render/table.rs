//! A text table for a terminal or a pipe (`rolecall list`): every row whole when piped; on a
//! terminal as wide as it is, by shortening one column's paths, dropping columns, then cutting
//! the widest.

use std::borrow::Cow;

/// The cells of a table, row after row, with an ANSI style per cell (`""` for none). Cells
/// borrow what they can (a profile's values), and cells and styles are one buffer each, so
/// that 10,000 rows copy no string they show as it is and allocate nothing of their own.
pub struct Table<'a> {
    pub header: Vec<Cow<'a, str>>,
    /// `header.len()` cells a row.
    pub cells: Vec<Cow<'a, str>>,
    /// One a cell: its style in `palette` (a byte, not a string, for each of 70,000 cells).
    pub styles: Vec<u8>,
    /// ANSI styles (`""` for none); the header is bold.
    pub palette: &'a [&'static str],
}

/// `n` spaces, from one string of them where it is long enough.
fn pad(text: &mut String, n: usize) {
    const SPACES: &str = "                                                                ";
    match SPACES.get(..n) {
        Some(spaces) => text.push_str(spaces),
        None => text.extend(std::iter::repeat_n(' ', n)),
    }
}

/// How a table is made narrower.
pub struct Fit<'a> {
    /// A column whose values are shortened to what follows their last `/` first.
    pub shorten: usize,
    /// Columns dropped one by one, in this order, while the table is still too wide.
    pub drop_order: &'a [usize],
}

impl Table<'_> {
    fn columns(&self) -> usize {
        self.header.len().max(1)
    }

    /// The text of the table; `width`: the terminal's (None: piped, nothing is cut).
    #[cfg(test)]
    pub fn render(&mut self, fit: &Fit, color: bool, width: Option<usize>) -> String {
        let mut out = Vec::new();
        self.write(fit, color, width, &mut out)
            .expect("a Vec takes every write");
        String::from_utf8(out).expect("the table's text is UTF-8")
    }

    /// Writes the table to `out` (see [`Table::render`]), a piece at a time: 10,000 rows are
    /// never one string.
    pub fn write(
        &mut self,
        fit: &Fit,
        color: bool,
        width: Option<usize>,
        out: &mut dyn std::io::Write,
    ) -> std::io::Result<()> {
        const PIECE: usize = 1 << 15;
        if let Some(width) = width {
            self.fit(fit, width);
        }
        let columns = self.columns();
        let widths: Vec<usize> = (0..self.header.len())
            .map(|i| self.column_width(i))
            .collect();
        let mut text = String::with_capacity(PIECE + 1024);
        let palette = self.palette;
        // Each cell written in place: no string of its own, no string of spaces.
        let line =
            |text: &mut String, cols: &[Cow<str>], styles: &mut dyn Iterator<Item = &str>| {
                for (i, (cell, style)) in cols.iter().zip(styles).enumerate() {
                    let painted = color && !style.is_empty();
                    if painted {
                        text.push_str("\x1b[");
                        text.push_str(style);
                        text.push('m');
                    }
                    text.push_str(cell);
                    if painted {
                        text.push_str("\x1b[0m");
                    }
                    if i + 1 < cols.len() {
                        pad(text, widths[i] - cell.chars().count() + 2);
                    }
                }
                text.push('\n');
            };
        line(&mut text, &self.header, &mut std::iter::repeat("1"));
        for (row, styles) in self.cells.chunks(columns).zip(self.styles.chunks(columns)) {
            line(
                &mut text,
                row,
                &mut styles.iter().map(|&s| palette[usize::from(s)]),
            );
            if text.len() >= PIECE {
                out.write_all(text.as_bytes())?;
                text.clear();
            }
        }
        out.write_all(text.as_bytes())
    }

    /// The width of the whole table as it is.
    fn total(&self) -> usize {
        (0..self.header.len())
            .map(|i| self.column_width(i))
            .sum::<usize>()
            + 2 * self.header.len().saturating_sub(1)
    }

    /// The cells of column `i`, row after row.
    fn column(&self, i: usize) -> impl Iterator<Item = &Cow<'_, str>> {
        self.cells.iter().skip(i).step_by(self.columns())
    }

    fn column_width(&self, i: usize) -> usize {
        self.column(i)
            .map(|c| c.chars().count())
            .chain([self.header[i].chars().count()])
            .max()
            .unwrap_or(0)
    }

    /// Takes column `at` out of the header, the cells and the styles.
    fn remove_column(&mut self, at: usize) {
        let columns = self.columns();
        let mut i = 0;
        self.cells.retain(|_| {
            i += 1;
            (i - 1) % columns != at
        });
        let mut i = 0;
        self.styles.retain(|_| {
            i += 1;
            (i - 1) % columns != at
        });
        self.header.remove(at);
    }

    /// Makes the table fit `width` columns of the terminal.
    fn fit(&mut self, fit: &Fit, width: usize) {
        if self.total() <= width {
            return;
        }
        // arn:aws:iam::123456789012:role/path/name → name
        let columns = self.columns();
        for cell in self.cells.iter_mut().skip(fit.shorten).step_by(columns) {
            if let Some((_, name)) = cell.rsplit_once('/') {
                *cell = Cow::Owned(name.to_string());
            }
        }
        let mut kept: Vec<usize> = (0..self.header.len()).collect();
        for &drop in fit.drop_order {
            if self.total() <= width {
                return;
            }
            let Some(at) = kept.iter().position(|&c| c == drop) else {
                continue;
            };
            kept.remove(at);
            self.remove_column(at);
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
            let width_of = |i: usize| self.column(i).map(|c| c.chars().count()).max().unwrap_or(0);
            let Some(at) = (1..self.header.len()).max_by_key(|&i| width_of(i)) else {
                return;
            };
            let keep = width_of(at)
                .saturating_sub(excess)
                .max(self.header[at].len())
                .max(6);
            let columns = self.columns();
            for cell in self.cells.iter_mut().skip(at).step_by(columns) {
                if cell.chars().count() > keep {
                    let cut: String = cell.chars().take(keep - 1).collect();
                    *cell = Cow::Owned(format!("{cut}…"));
                }
            }
        }
    }
}
