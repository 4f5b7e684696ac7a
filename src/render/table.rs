//! A text table for a terminal or a pipe (`rolecall list`): every row whole when piped; on a
//! terminal as wide as it is, by shortening one column's paths, dropping columns, then cutting
//! the widest.

use std::borrow::Cow;

use crate::domain::text::char_count;

/// A table whose cells are made as they are needed (once for the columns' widths, once for
/// the text), so that 10,000 rows keep no cells: a cell borrows what it can (a profile's
/// values).
pub struct Table<'a> {
    pub header: &'a [&'a str],
    pub rows: usize,
    /// The cell of a row (from 0) in a column (an index into `header`).
    pub cell: &'a dyn Fn(usize, usize) -> Cow<'a, str>,
    /// The ANSI style of a row's cell in a column (`""` for none); the header is bold.
    pub style: &'a dyn Fn(usize, usize) -> &'static str,
}

/// How a table is made narrower.
pub struct Fit<'a> {
    /// A column whose values are shortened to what follows their last `/` first.
    pub shorten: usize,
    /// Columns dropped one by one, in this order, while the table is still too wide.
    pub drop_order: &'a [usize],
}

/// What the table shows of its columns: which (in order), whether one is shortened to what
/// follows its last `/`, and how many characters each may show at most.
struct Layout {
    kept: Vec<usize>,
    shorten: Option<usize>,
    /// By column; a cell longer than its limit is cut and ends with `…`.
    limit: Vec<Option<usize>>,
    /// By column: the widest cell as it is shown, header aside.
    data: Vec<usize>,
}

/// `n` spaces, from one string of them where it is long enough.
fn pad(text: &mut String, n: usize) {
    const SPACES: &str = "                                                                ";
    match SPACES.get(..n) {
        Some(spaces) => text.push_str(spaces),
        None => text.extend(std::iter::repeat_n(' ', n)),
    }
}

impl<'a> Table<'a> {
    /// Writes the table to `out`, a piece at a time (10,000 rows are never one string);
    /// `width`: the terminal's (None: piped, nothing is cut).
    pub fn write(
        &self,
        fit: &Fit,
        color: bool,
        width: Option<usize>,
        out: &mut dyn std::io::Write,
    ) -> std::io::Result<()> {
        const PIECE: usize = 1 << 15;
        let layout = self.layout(fit, width);
        let widths: Vec<usize> = layout
            .kept
            .iter()
            .map(|&c| self.width(&layout, c))
            .collect();
        let mut text = String::with_capacity(PIECE + 1024);
        let last = layout.kept.len().saturating_sub(1);
        // Each cell written in place: no string of its own, no string of spaces.
        let line = |text: &mut String, cell: &dyn Fn(usize) -> (Cow<'a, str>, &'static str)| {
            for (i, &column) in layout.kept.iter().enumerate() {
                let (cell, style) = cell(column);
                let painted = color && !style.is_empty();
                if painted {
                    text.push_str("\x1b[");
                    text.push_str(style);
                    text.push('m');
                }
                text.push_str(&cell);
                if painted {
                    text.push_str("\x1b[0m");
                }
                if i < last {
                    pad(text, widths[i] - char_count(&cell) + 2);
                }
            }
            text.push('\n');
        };
        line(&mut text, &|c| (Cow::Borrowed(self.header[c]), "1"));
        for row in 0..self.rows {
            line(&mut text, &|c| {
                (self.shown(&layout, row, c), (self.style)(row, c))
            });
            if text.len() >= PIECE {
                out.write_all(text.as_bytes())?;
                text.clear();
            }
        }
        out.write_all(text.as_bytes())
    }

    /// A cell as the layout shows it: shortened, then cut.
    fn shown(&self, layout: &Layout, row: usize, column: usize) -> Cow<'a, str> {
        let mut cell = (self.cell)(row, column);
        if layout.shorten == Some(column) {
            // arn:aws:iam::123456789012:role/path/name → name
            cell = match cell {
                Cow::Borrowed(c) => Cow::Borrowed(c.rsplit_once('/').map_or(c, |(_, n)| n)),
                Cow::Owned(c) => Cow::Owned(c.rsplit_once('/').map_or(&*c, |(_, n)| n).into()),
            };
        }
        match layout.limit[column] {
            Some(keep) if char_count(&cell) > keep => {
                let cut: String = cell.chars().take(keep - 1).collect();
                Cow::Owned(format!("{cut}…"))
            }
            _ => cell,
        }
    }

    /// The widest cell of `column` as the layout shows it, header aside.
    fn data_width(&self, layout: &Layout, column: usize) -> usize {
        (0..self.rows)
            .map(|row| char_count(&self.shown(layout, row, column)))
            .max()
            .unwrap_or(0)
    }

    /// A shown column's width, header included.
    fn width(&self, layout: &Layout, column: usize) -> usize {
        layout.data[column].max(char_count(self.header[column]))
    }

    /// The width of the whole table as the layout shows it.
    fn total(&self, layout: &Layout) -> usize {
        layout
            .kept
            .iter()
            .map(|&c| self.width(layout, c))
            .sum::<usize>()
            + 2 * layout.kept.len().saturating_sub(1)
    }

    /// The layout that fits `width` columns of the terminal (all of it when piped).
    fn layout(&self, fit: &Fit, width: Option<usize>) -> Layout {
        let columns = self.header.len();
        let mut layout = Layout {
            kept: (0..columns).collect(),
            shorten: None,
            limit: vec![None; columns],
            data: vec![0; columns],
        };
        // The widths in one pass over the rows.
        for row in 0..self.rows {
            for column in 0..columns {
                let n = char_count(&(self.cell)(row, column));
                layout.data[column] = layout.data[column].max(n);
            }
        }
        let Some(width) = width else {
            return layout;
        };
        if self.total(&layout) <= width {
            return layout;
        }
        if fit.shorten < columns {
            layout.shorten = Some(fit.shorten);
            layout.data[fit.shorten] = self.data_width(&layout, fit.shorten);
        }
        for &drop in fit.drop_order {
            if self.total(&layout) <= width {
                return layout;
            }
            layout.kept.retain(|&c| c != drop);
        }
        self.cut(&mut layout, width);
        layout
    }

    /// Still too wide: cut the widest column but the first (role names first, then a long
    /// session note), never below a few characters.
    fn cut(&self, layout: &mut Layout, width: usize) {
        for _ in 0..layout.kept.len() {
            let excess = self.total(layout).saturating_sub(width);
            if excess == 0 {
                return;
            }
            let Some(&at) = layout.kept[1..].iter().max_by_key(|&&c| layout.data[c]) else {
                return;
            };
            let keep = layout.data[at]
                .saturating_sub(excess)
                .max(self.header[at].len())
                .max(6);
            if layout.data[at] > keep {
                layout.limit[at] = Some(layout.limit[at].map_or(keep, |k| k.min(keep)));
                layout.data[at] = keep;
            }
        }
    }
}
