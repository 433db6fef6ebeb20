//! Short human formats for numbers, money, clock times and paths.

use crate::core::time::Epoch;
use std::path::Path;

/// `950`, `12.3k`, `4.5M`.
pub(crate) fn tokens(n: u64) -> String {
    match n {
        0..=999 => n.to_string(),
        1_000..=999_999 => format!("{:.1}k", n as f64 / 1_000.0),
        _ => format!("{:.1}M", n as f64 / 1_000_000.0),
    }
}

/// `$0.42`, `$12.30`.
pub(crate) fn cost(usd: f64) -> String {
    format!("${usd:.2}")
}

/// `14:05:12` in the given time zone.
pub(crate) fn clock(ts: Epoch, tz: &jiff::tz::TimeZone) -> String {
    let secs = ts.floor() as i64;
    match jiff::Timestamp::from_second(secs) {
        Ok(t) => t.to_zoned(tz.clone()).strftime("%H:%M:%S").to_string(),
        Err(_) => "--:--:--".to_owned(),
    }
}

/// The path with the home directory replaced by `~`.
pub(crate) fn tilde(path: &Path, home: Option<&Path>) -> String {
    if let Some(home) = home
        && let Ok(rest) = path.strip_prefix(home)
    {
        if rest.as_os_str().is_empty() {
            return "~".to_owned();
        }
        return format!("~/{}", rest.display());
    }
    path.display().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_read_naturally() {
        assert_eq!(tokens(950), "950");
        assert_eq!(tokens(12_345), "12.3k");
        assert_eq!(tokens(4_500_000), "4.5M");
        assert_eq!(cost(0.4213), "$0.42");
        assert_eq!(clock(50_712.0, &jiff::tz::TimeZone::UTC), "14:05:12");
        assert_eq!(
            tilde(Path::new("/home/u/src/x"), Some(Path::new("/home/u"))),
            "~/src/x"
        );
        assert_eq!(
            tilde(Path::new("/tmp/x"), Some(Path::new("/home/u"))),
            "/tmp/x"
        );
    }
}
