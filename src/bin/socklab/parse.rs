//! The number parsers the subcommands share: each error names the allowed values (clap adds the
//! flag's name), and none takes a negative number or a word.

/// A whole number in `lo..=hi` for `flag`-style errors (clap adds the flag's name).
pub fn count(s: &str, lo: u64, hi: u64) -> Result<u64, String> {
    match s.trim().parse::<i128>() {
        Ok(v) if v >= i128::from(lo) && v <= i128::from(hi) => Ok(v as u64),
        Ok(v) => Err(format!("{v} is out of range (allowed: {lo}..={hi})")),
        Err(_) => Err(format!(
            "'{s}' is not a whole number (allowed: {lo}..={hi})"
        )),
    }
}

/// A non-negative whole number whose range a later check enforces; negatives and words are
/// refused here with `allowed`.
pub fn whole(s: &str, allowed: &str) -> Result<u64, String> {
    match s.trim().parse::<i128>() {
        Ok(v) if (0..=i128::from(u32::MAX)).contains(&v) => Ok(v as u64),
        Ok(v) => Err(format!("{v} is out of range (allowed: {allowed})")),
        Err(_) => Err(format!("'{s}' is not a whole number (allowed: {allowed})")),
    }
}

/// `--warmup`: 0..=10 000 000.
pub fn parse_warmup(s: &str) -> Result<u64, String> {
    count(s, 0, socklab::net::MAX_ITERS)
}

/// A count such as `--rounds` or `--batch`: 1..=1 000 000.
pub fn parse_positive(s: &str) -> Result<usize, String> {
    count(s, 1, 1_000_000).map(|v| v as usize)
}
