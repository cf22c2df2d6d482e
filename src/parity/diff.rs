//! Two line sequences aligned (longest common subsequence), as `diff -y` shows them side by side
//! and as `- `/`+ ` lines.

/// One row of the alignment: indices into the left and right sequences.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Row {
    /// The same line on both sides.
    Same(usize, usize),
    /// A line of the left side where the right has another (paired in order within a changed run).
    Changed(usize, usize),
    /// A line only the left side has.
    Left(usize),
    /// A line only the right side has.
    Right(usize),
}

impl Row {
    /// `diff -y`'s mark between the columns: ` `, `|`, `<`, `>`.
    pub fn mark(self) -> char {
        match self {
            Row::Same(..) => ' ',
            Row::Changed(..) => '|',
            Row::Left(_) => '<',
            Row::Right(_) => '>',
        }
    }
}

/// The most cells the LCS table may have (64 MiB of `u32`); longer inputs, after their common
/// head and tail are set aside, are aligned line by line.
const MAX_CELLS: usize = 16 << 20;

/// `a` and `b` aligned: their longest common subsequence as [`Row::Same`], and each run of
/// lines between two common ones as [`Row::Changed`] pairs (in order) followed by the lines
/// left over on the longer side.
pub fn rows<T: PartialEq>(a: &[T], b: &[T]) -> Vec<Row> {
    let head = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    let tail = a[head..]
        .iter()
        .rev()
        .zip(b[head..].iter().rev())
        .take_while(|(x, y)| x == y)
        .count();
    let (am, bm) = (&a[head..a.len() - tail], &b[head..b.len() - tail]);
    let mut out: Vec<Row> = (0..head).map(|i| Row::Same(i, i)).collect();
    let (mut minus, mut plus) = (Vec::new(), Vec::new());
    if am.len().saturating_mul(bm.len()) <= MAX_CELLS {
        let w = bm.len() + 1;
        // lcs[i * w + j] = LCS length of am[i..] and bm[j..].
        let mut lcs = vec![0u32; (am.len() + 1) * w];
        for i in (0..am.len()).rev() {
            for j in (0..bm.len()).rev() {
                lcs[i * w + j] = if am[i] == bm[j] {
                    lcs[(i + 1) * w + j + 1] + 1
                } else {
                    lcs[(i + 1) * w + j].max(lcs[i * w + j + 1])
                };
            }
        }
        let (mut i, mut j) = (0, 0);
        while i < am.len() || j < bm.len() {
            if i < am.len() && j < bm.len() && am[i] == bm[j] {
                flush(&mut out, &mut minus, &mut plus);
                out.push(Row::Same(head + i, head + j));
                i += 1;
                j += 1;
            } else if j == bm.len() || (i < am.len() && lcs[(i + 1) * w + j] >= lcs[i * w + j + 1])
            {
                minus.push(head + i);
                i += 1;
            } else {
                plus.push(head + j);
                j += 1;
            }
        }
    } else {
        minus.extend(head..head + am.len());
        plus.extend(head..head + bm.len());
    }
    flush(&mut out, &mut minus, &mut plus);
    out.extend((0..tail).map(|k| Row::Same(a.len() - tail + k, b.len() - tail + k)));
    out
}

/// A changed run: pairs first, then what is left on either side.
fn flush(out: &mut Vec<Row>, minus: &mut Vec<usize>, plus: &mut Vec<usize>) {
    let pairs = minus.len().min(plus.len());
    for k in 0..pairs {
        out.push(Row::Changed(minus[k], plus[k]));
    }
    out.extend(minus[pairs..].iter().map(|&i| Row::Left(i)));
    out.extend(plus[pairs..].iter().map(|&j| Row::Right(j)));
    minus.clear();
    plus.clear();
}

/// The differences as lines: each changed run's left lines as `- line`, then its right lines as
/// `+ line`; common lines left out (empty when `a == b`).
pub fn unified(a: &[String], b: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    let (mut minus, mut plus) = (Vec::new(), Vec::new());
    for row in rows(a, b) {
        match row {
            Row::Same(..) => {
                out.append(&mut minus);
                out.append(&mut plus);
            }
            Row::Changed(i, j) => {
                minus.push(format!("- {}", a[i]));
                plus.push(format!("+ {}", b[j]));
            }
            Row::Left(i) => minus.push(format!("- {}", a[i])),
            Row::Right(j) => plus.push(format!("+ {}", b[j])),
        }
    }
    out.append(&mut minus);
    out.append(&mut plus);
    out
}

/// `text` cut to `width` characters, the cut marked with `…`, or padded to it.
pub(crate) fn column(text: &str, width: usize) -> String {
    let n = text.chars().count();
    if n <= width {
        format!("{text}{}", " ".repeat(width - n))
    } else if width == 0 {
        String::new()
    } else {
        let cut: String = text.chars().take(width - 1).collect();
        format!("{cut}…")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn unified_groups_removed_before_added() {
        let a = s(&["socket", "bind", "listen 3", "close"]);
        let b = s(&["socket+", "opt", "bind", "listen 128", "close"]);
        assert_eq!(
            unified(&a, &b),
            s(&[
                "- socket",
                "+ socket+",
                "+ opt",
                "- listen 3",
                "+ listen 128"
            ])
        );
        assert!(unified(&a, &a).is_empty());
    }

    #[test]
    fn rows_pair_changed_lines_and_keep_the_rest_apart() {
        let a = s(&["socket", "setsockopt", "bind", "listen 3", "close"]);
        let b = s(&["socket", "bind", "listen 128", "accept", "close"]);
        assert_eq!(
            rows(&a, &b),
            [
                Row::Same(0, 0),
                Row::Left(1),
                Row::Same(2, 1),
                Row::Changed(3, 2),
                Row::Right(3),
                Row::Same(4, 4),
            ]
        );
        let marks: String = rows(&a, &b).iter().map(|r| r.mark()).collect();
        assert_eq!(marks, " < |> ");
    }

    #[test]
    fn columns_cut_with_an_ellipsis() {
        assert_eq!(column("abc", 5), "abc  ");
        assert_eq!(column("abcdef", 4), "abc…");
    }
}
