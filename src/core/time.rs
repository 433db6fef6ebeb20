//! Timestamps as epoch seconds (f64), the unit every persisted record uses.

/// Seconds since the Unix epoch, with sub-second precision.
pub type Epoch = f64;

/// The current time as epoch seconds. (Reading the clock is not IO; it keeps records comparable.)
pub fn now() -> Epoch {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0)
}

/// "12s", "3m", "2h", "4d": a short human span for ages and elapsed times.
pub fn short_span(secs: f64) -> String {
    let s = secs.max(0.0) as u64;
    match s {
        0..=59 => format!("{s}s"),
        60..=3599 => format!("{}m{:02}s", s / 60, s % 60),
        3600..=86_399 => format!("{}h{:02}m", s / 3600, (s % 3600) / 60),
        _ => format!("{}d{:02}h", s / 86_400, (s % 86_400) / 3600),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_read_naturally() {
        assert_eq!(short_span(0.4), "0s");
        assert_eq!(short_span(59.9), "59s");
        assert_eq!(short_span(61.0), "1m01s");
        assert_eq!(short_span(7322.0), "2h02m");
        assert_eq!(short_span(90_000.0), "1d01h");
        assert_eq!(short_span(-5.0), "0s");
    }
}
