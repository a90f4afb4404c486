//! date_shift over the text PostgreSQL prints for date, timestamp and timestamptz with
//! DateStyle ISO: the leading `YYYY-MM-DD` moves, the time and zone after it are kept.

use super::MaskError;

pub fn shift(value: &str, digest: &[u8; 32], max_days: i64) -> Result<String, MaskError> {
    if value == "infinity" || value == "-infinity" {
        return Ok(value.to_string());
    }
    // Messages never quote the value: it is the personal data being masked.
    let unreadable = || MaskError::Value("date_shift: a value is not an ISO date (YYYY-MM-DD...)".into());
    if value.ends_with(" BC") {
        return Err(MaskError::Value("date_shift: a value is before year 1, which it does not shift".into()));
    }
    let mut parts = value.splitn(3, '-');
    let year: i64 =
        parts.next().filter(|y| y.len() >= 4).and_then(|y| y.parse().ok()).ok_or_else(unreadable)?;
    let month: u32 =
        parts.next().filter(|m| m.len() == 2).and_then(|m| m.parse().ok()).ok_or_else(unreadable)?;
    let rest = parts.next().ok_or_else(unreadable)?;
    let day: u32 = rest.get(..2).and_then(|d| d.parse().ok()).ok_or_else(unreadable)?;
    let tail = &rest[2..];
    if !(1..=12).contains(&month)
        || day == 0
        || day > 31
        || !(tail.is_empty() || tail.starts_with([' ', 'T']))
    {
        return Err(unreadable());
    }
    let magnitude =
        1 + (u64::from_be_bytes(digest[..8].try_into().expect("8 bytes")) % max_days as u64) as i64;
    let days = if digest[8] & 1 == 0 { magnitude } else { -magnitude };
    let (year, month, day) = civil_from_days(days_from_civil(year, month, day) + days);
    if year < 1 {
        return Err(MaskError::Value("date_shift: a value would move before year 1".into()));
    }
    Ok(format!("{year:04}-{month:02}-{day:02}{tail}"))
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let month = month as i64;
    let day_of_year = (153 * (if month > 2 { month - 3 } else { month + 9 }) + 2) / 5 + day as i64 - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let days = days + 719_468;
    let era = days.div_euclid(146_097);
    let day_of_era = days - era * 146_097;
    let year_of_era = (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let mp = (5 * day_of_year + 2) / 153;
    let day = (day_of_year - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_days_round_trip() {
        for days in -800_000..800_000 {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(days_from_civil(2000, 3, 1) - days_from_civil(2000, 2, 28), 2);
    }
}
