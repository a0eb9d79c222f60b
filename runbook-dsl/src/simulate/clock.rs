//! The virtual clock: simulated time only moves when an action waits, so a one-hour wait takes
//! no real time. Also ISO 8601 durations and instants (`aws:sleep`) and the date built-ins.

/// Unix time (seconds) at which every simulated automation starts: 2024-01-01T00:00:00Z.
pub const START_UNIX: i64 = 1_704_067_200;

/// Simulated time, in whole seconds since the automation started.
///
/// ```
/// use runbook_dsl::simulate::clock::Clock;
/// let mut c = Clock::default();
/// c.advance(90);
/// assert_eq!(c.now(), 90);
/// assert_eq!(c.date_time(), "2024-01-01_00.01.30");
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Clock {
    now: u64,
}

impl Clock {
    /// Seconds since the start.
    pub fn now(&self) -> u64 {
        self.now
    }
    /// Moves time forward.
    pub fn advance(&mut self, seconds: u64) {
        self.now = self.now.saturating_add(seconds);
    }
    /// Unix time now.
    pub fn unix(&self) -> i64 {
        START_UNIX + self.now as i64
    }
    /// `{{ global:DATE }}`: `yyyy-MM-dd`.
    pub fn date(&self) -> String {
        let (y, m, d, ..) = civil(self.unix());
        format!("{y:04}-{m:02}-{d:02}")
    }
    /// `{{ global:DATE_TIME }}`: `yyyy-MM-dd_HH.mm.ss`.
    pub fn date_time(&self) -> String {
        let (y, mo, d, h, mi, s) = civil(self.unix());
        format!("{y:04}-{mo:02}-{d:02}_{h:02}.{mi:02}.{s:02}")
    }
}

/// Splits unix seconds into (year, month, day, hour, minute, second), UTC.
fn civil(unix: i64) -> (i64, u32, u32, u32, u32, u32) {
    let days = unix.div_euclid(86_400);
    let secs = unix.rem_euclid(86_400) as u32;
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d, secs / 3600, secs / 60 % 60, secs % 60)
}

fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Parses an ISO 8601 duration (`PT30S`, `PT1H30M`, `P1DT2H`, `P2W`) into whole seconds.
///
/// ```
/// use runbook_dsl::simulate::clock::parse_duration;
/// assert_eq!(parse_duration("PT1H30M"), Ok(5400));
/// assert!(parse_duration("30s").is_err());
/// ```
pub fn parse_duration(text: &str) -> Result<u64, String> {
    let bad = || format!("`{text}` is not an ISO 8601 duration such as PT30S, PT10M or P1DT2H");
    let rest = text.strip_prefix('P').ok_or_else(bad)?;
    if rest.is_empty() {
        return Err(bad());
    }
    let mut total = 0f64;
    let mut in_time = false;
    let mut num = String::new();
    for c in rest.chars() {
        match c {
            'T' if !in_time && num.is_empty() => in_time = true,
            '0'..='9' | '.' | ',' => num.push(if c == ',' { '.' } else { c }),
            _ => {
                let n: f64 = num.parse().map_err(|_| bad())?;
                num.clear();
                let unit = match (in_time, c) {
                    (false, 'Y') => 365.0 * 86_400.0,
                    (false, 'M') => 30.0 * 86_400.0,
                    (false, 'W') => 7.0 * 86_400.0,
                    (false, 'D') => 86_400.0,
                    (true, 'H') => 3600.0,
                    (true, 'M') => 60.0,
                    (true, 'S') => 1.0,
                    _ => return Err(bad()),
                };
                total += n * unit;
            }
        }
    }
    if !num.is_empty() || rest.ends_with('T') {
        return Err(bad());
    }
    Ok(total.ceil() as u64)
}

/// Parses an ISO 8601 instant (`2024-01-01T01:00:00Z`, fractions and `+hh:mm` offsets allowed)
/// into unix seconds.
///
/// ```
/// use runbook_dsl::simulate::clock::{parse_instant, START_UNIX};
/// assert_eq!(parse_instant("2024-01-01T00:01:00Z"), Ok(START_UNIX + 60));
/// ```
pub fn parse_instant(text: &str) -> Result<i64, String> {
    let bad = || format!("`{text}` is not an ISO 8601 instant such as 2024-01-01T01:00:00Z");
    let t = text.trim();
    if t.len() < 19 || !t.is_char_boundary(10) || !t.is_char_boundary(19) {
        return Err(bad());
    }
    let num = |r: std::ops::Range<usize>| t.get(r).and_then(|s| s.parse::<i64>().ok()).ok_or_else(bad);
    let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (h, mi, s) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if &t[4..5] != "-" || &t[7..8] != "-" || !matches!(&t[10..11], "T" | "t" | " ") {
        return Err(bad());
    }
    let mut rest = &t[19..];
    if let Some(r) = rest.strip_prefix('.') {
        rest = r.trim_start_matches(|c: char| c.is_ascii_digit());
    }
    let offset = match rest {
        "" | "Z" | "z" => 0,
        _ => {
            let sign = match &rest[..1] {
                "+" => 1,
                "-" => -1,
                _ => return Err(bad()),
            };
            let hm = rest[1..].replace(':', "");
            if hm.len() != 4 {
                return Err(bad());
            }
            let oh: i64 = hm[..2].parse().map_err(|_| bad())?;
            let om: i64 = hm[2..].parse().map_err(|_| bad())?;
            sign * (oh * 3600 + om * 60)
        }
    };
    Ok(days_from_civil(y, mo, d) * 86_400 + h * 3600 + mi * 60 + s - offset)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("PT30S"), Ok(30));
        assert_eq!(parse_duration("P1DT2H"), Ok(93_600));
        assert_eq!(parse_duration("P2W"), Ok(1_209_600));
        assert_eq!(parse_duration("PT0.5S"), Ok(1));
        for bad in ["", "P", "PT", "30S", "PT5", "P5S", "PTXS"] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn instants_and_dates() {
        assert_eq!(parse_instant("2024-01-01T00:00:00Z"), Ok(START_UNIX));
        assert_eq!(parse_instant("2024-03-01T01:00:00.123+01:00"), Ok(START_UNIX + 60 * 86_400));
        assert!(parse_instant("tomorrow").is_err());
        let mut c = Clock::default();
        assert_eq!(c.date(), "2024-01-01");
        c.advance(59 * 86_400 + 3661);
        assert_eq!(c.date_time(), "2024-02-29_01.01.01");
    }
}
