//! One strace line, `name(args) = ret`: split in three ([`split_call`]) and checked
//! ([`parse`]). The one reader of the line grammar: `socklab parity` reads strace's logs with
//! it, and the tests hold every line socklab's trace builds to it (its property tests include
//! this file through `tests/common/strace_line.rs`).
#![allow(dead_code)] // included by path into test code that uses part of it

/// `name(args) = ret` split in three, where strace pads before `=`. The split is at the last
/// ` = ` whose left side ends with `)`: strings inside args are quoted, and a return text has no
/// `) = `. `None` for a line of another shape.
pub fn split_call(line: &str) -> Option<(&str, &str, &str)> {
    let mut end = line.len();
    while let Some(eq) = line[..end].rfind(" = ") {
        let left = line[..eq].trim_end();
        if let (Some(open), true) = (left.find('('), left.ends_with(')')) {
            return Some((
                &left[..open],
                &left[open + 1..left.len() - 1],
                &line[eq + 3..],
            ));
        }
        end = eq;
    }
    None
}

/// Whether the brackets of `text` (`()`, `[]`, `{}`) pair up outside its quoted strings, and
/// every string ends (a `\` escapes the next character inside one).
pub fn balanced(text: &str) -> bool {
    let mut open = Vec::new();
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match c {
            '"' => loop {
                match chars.next() {
                    None => return false,
                    Some('"') => break,
                    Some('\\') if chars.next().is_none() => return false,
                    Some(_) => {}
                }
            },
            '(' | '[' | '{' => open.push(c),
            ')' | ']' | '}' => {
                let want = match c {
                    ')' => '(',
                    ']' => '[',
                    _ => '{',
                };
                if open.pop() != Some(want) {
                    return false;
                }
            }
            _ => {}
        }
    }
    open.is_empty()
}

/// A checked strace line: `name` an identifier, `args` balanced, `ret` a number (decimal, or
/// hex as strace prints some results) optionally followed by ` ERRNAME (description)` after
/// `-1`, or by a balanced ` (…)` (`1 (in [4])`, `0 (Timeout)`, `0x802 (flags O_RDWR)`).
/// Returns `(name, args, ret)`.
///
/// # Errors
/// A [`LineError`] naming the part that is not well formed, and the line.
pub fn parse(line: &str) -> Result<(&str, &str, &str), LineError> {
    let whole = || line.to_owned();
    let (name, args, ret) = split_call(line).ok_or_else(|| LineError::Shape { line: whole() })?;
    let ident = |s: &str| {
        !s.is_empty()
            && s.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
    };
    if !ident(name) {
        return Err(LineError::Name {
            name: name.to_owned(),
            line: whole(),
        });
    }
    if !balanced(args) {
        return Err(LineError::Args { line: whole() });
    }
    let (num, rest) = ret.split_once(' ').unwrap_or((ret, ""));
    let digits = num.strip_prefix('-').unwrap_or(num);
    let number = match digits.strip_prefix("0x") {
        Some(hex) => !hex.is_empty() && hex.bytes().all(|b| b.is_ascii_hexdigit()),
        None => !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()),
    };
    if !number {
        return Err(LineError::Return {
            value: num.to_owned(),
            line: whole(),
        });
    }
    let rest_ok = match rest {
        "" => true,
        r if num == "-1" => r
            .split_once(" (")
            .is_some_and(|(e, d)| e.starts_with('E') && !e.contains(' ') && d.ends_with(')')),
        r => r.starts_with('(') && r.ends_with(')') && balanced(r),
    };
    if !rest_ok {
        return Err(LineError::ReturnText {
            text: rest.to_owned(),
            line: whole(),
        });
    }
    Ok((name, args, ret))
}

/// Why [`parse`] read no call from a line: the part that is not well formed, and the line.
/// `Display` is one line: `return value "zero": "close(3) = zero"`.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum LineError {
    /// Not `name(args) = ret`.
    Shape {
        /// The line.
        line: String,
    },
    /// The call's name is not a lower-case identifier.
    Name {
        /// The name as read.
        name: String,
        /// The line.
        line: String,
    },
    /// The arguments' brackets do not pair up, or a string does not end.
    Args {
        /// The line.
        line: String,
    },
    /// The return value is not a decimal or hex number.
    Return {
        /// The value as read.
        value: String,
        /// The line.
        line: String,
    },
    /// After the value, neither ` ERRNAME (description)` (after `-1`) nor a balanced ` (…)`.
    ReturnText {
        /// The text after the value.
        text: String,
        /// The line.
        line: String,
    },
}

impl std::fmt::Display for LineError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LineError::Shape { line } => write!(f, "no `name(…) = …`: {line:?}"),
            LineError::Name { name, line } => write!(f, "call name {name:?}: {line:?}"),
            LineError::Args { line } => write!(f, "unbalanced arguments: {line:?}"),
            LineError::Return { value, line } => write!(f, "return value {value:?}: {line:?}"),
            LineError::ReturnText { text, line } => write!(f, "return text {text:?}: {line:?}"),
        }
    }
}

impl std::error::Error for LineError {}

#[cfg(test)]
#[test]
fn reads_strace_lines() {
    let ok = [
        "close(3) = 0",
        "read(3, \"a = 1)\", 9) = -1 EAGAIN (Resource temporarily unavailable)",
        "poll([{fd=3, events=POLLIN}], 1, 0) = 1 ([{fd=3, revents=POLLIN}])",
        "fcntl(3, F_GETFL) = 0x802 (flags O_RDWR|O_NONBLOCK)",
        "socket(0x63 /* AF_??? */, SOCK_STREAM, 0) = -1 EAFNOSUPPORT (Address family not supported by protocol)",
        "write(1, \"\\\"\", 1) = 1",
        "x(-5) = -2",
    ];
    for l in ok {
        assert!(parse(l).is_ok(), "{l}: {:?}", parse(l));
    }
    let bad = [
        "close(3)",
        "close(3 = 0",
        "write(1, \"a, 1) = 1",
        "poll([{fd=3}, 1) = 1",
        "Close(3) = 0",
        "close(3) = zero",
        "close(3) = -1 (no name)",
        "close(3) = 1 (in [4]",
    ];
    for l in bad {
        assert!(parse(l).is_err(), "{l}");
    }
    assert_eq!(
        parse("close(3) = zero"),
        Err(LineError::Return {
            value: "zero".into(),
            line: "close(3) = zero".into()
        })
    );
    assert_eq!(
        parse("close(3) = -1 (no name)").unwrap_err().to_string(),
        r#"return text "(no name)": "close(3) = -1 (no name)""#
    );
    assert_eq!(
        parse("close(3)").unwrap_err().to_string(),
        r#"no `name(…) = …`: "close(3)""#
    );
}
