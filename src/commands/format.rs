//! How listings look: docker's tables, relative times and sizes.

use chrono::{DateTime, Utc};

/// Print rows as columns separated by three spaces, as docker's tables are.
pub fn table(header: &[&str], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    let mut line = |cells: Vec<&str>| {
        let last = cells.len() - 1;
        for (i, cell) in cells.iter().enumerate() {
            out.push_str(cell);
            if i < last {
                out.push_str(&" ".repeat(widths[i] - cell.chars().count() + 3));
            }
        }
        out.push('\n');
    };
    line(header.to_vec());
    for row in rows {
        line(row.iter().map(String::as_str).collect());
    }
    out
}

/// docker's human durations: "3 seconds", "About a minute", "2 hours", ...
pub fn human_duration(seconds: i64) -> String {
    let s = seconds.max(0);
    let (m, h, d) = (s / 60, s / 3600, s / 86400);
    match () {
        _ if s < 1 => "Less than a second".to_string(),
        _ if s == 1 => "1 second".to_string(),
        _ if s < 60 => format!("{s} seconds"),
        _ if m == 1 => "About a minute".to_string(),
        _ if m < 60 => format!("{m} minutes"),
        _ if h == 1 => "About an hour".to_string(),
        _ if h < 48 => format!("{h} hours"),
        _ if d < 14 => format!("{d} days"),
        _ if d < 60 => format!("{} weeks", d / 7),
        _ if d < 730 => format!("{} months", d / 30),
        _ => format!("{} years", d / 365),
    }
}

/// "2 hours ago" for an RFC 3339 time; "N/A" when there is none.
pub fn ago(rfc3339: Option<&str>) -> String {
    match rfc3339.and_then(|t| DateTime::parse_from_rfc3339(t).ok()) {
        Some(t) => format!(
            "{} ago",
            human_duration((Utc::now() - t.with_timezone(&Utc)).num_seconds())
        ),
        None => "N/A".to_string(),
    }
}

/// An RFC 3339 time as Go prints a time (docker's CreatedAt): `2024-05-01 10:00:00 +0000 UTC`.
pub fn go_time(rfc3339: Option<&str>) -> String {
    match rfc3339.and_then(|t| DateTime::parse_from_rfc3339(t).ok()) {
        Some(t) => t
            .with_timezone(&Utc)
            .format("%Y-%m-%d %H:%M:%S +0000 UTC")
            .to_string(),
        None => String::new(),
    }
}

/// Labels as docker's listings show them: `k=v,k2=v2`.
pub fn labels_text(labels: &std::collections::BTreeMap<String, String>) -> String {
    labels
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(",")
}

/// Seconds since an RFC 3339 time.
pub fn since(rfc3339: &str) -> i64 {
    DateTime::parse_from_rfc3339(rfc3339)
        .map(|t| (Utc::now() - t.with_timezone(&Utc)).num_seconds())
        .unwrap_or(0)
}

/// docker's human sizes: decimal units, three significant digits ("4.26MB").
pub fn human_size(bytes: u64) -> String {
    const UNITS: [&str; 7] = ["B", "kB", "MB", "GB", "TB", "PB", "EB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1000.0 && unit < UNITS.len() - 1 {
        value /= 1000.0;
        unit += 1;
    }
    let digits = if value >= 100.0 {
        0
    } else if value >= 10.0 {
        1
    } else {
        2
    };
    let rounded = format!("{value:.digits$}");
    let trimmed = if rounded.contains('.') {
        rounded
            .trim_end_matches('0')
            .trim_end_matches('.')
            .to_string()
    } else {
        rounded
    };
    format!("{trimmed}{}", UNITS[unit])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_and_durations() {
        assert_eq!(human_size(512), "512B");
        assert_eq!(human_size(4_260_000), "4.26MB");
        assert_eq!(human_size(10_300), "10.3kB");
        assert_eq!(human_size(1_200_000_000), "1.2GB");
        assert_eq!(human_duration(0), "Less than a second");
        assert_eq!(human_duration(75), "About a minute");
        assert_eq!(human_duration(7200), "2 hours");
        assert_eq!(human_duration(86400 * 3), "3 days");
        assert_eq!(human_duration(86400 * 20), "2 weeks");
    }

    #[test]
    fn tables_align() {
        let t = table(&["A", "BB"], &[vec!["long".into(), "x".into()]]);
        assert_eq!(t, "A      BB\nlong   x\n");
    }
}
