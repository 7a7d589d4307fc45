//! Epochs: ISO 8601 text <-> Julian Date (TDB) and MJD (the cruise's dates, the reentry's entry epoch).

use crate::config::ConfigError;
use crate::physics::ephemeris::TDB_MINUS_UTC_S;

/// Julian Date (TDB) of "YYYY-MM-DDThh:mm:ss[.fff]" followed by " TDB" (or nothing: TDB), or by
/// "Z" / " UTC" (then TDB = UTC + 69.184 s, valid while no leap second is added after 2016).
pub fn parse_tdb_jd(key: &str, s: &str) -> Result<f64, ConfigError> {
    let bad = || {
        ConfigError::key(
            key,
            format!("{s:?} is not an ISO 8601 date-time like 2027-11-20T03:00:00 TDB"),
        )
    };
    let t = s.trim();
    let (core, utc) = if let Some(c) = t.strip_suffix(" TDB") {
        (c, false)
    } else if let Some(c) = t.strip_suffix('Z').or_else(|| t.strip_suffix(" UTC")) {
        (c, true)
    } else {
        (t, false)
    };
    let (date, time) = core.split_once(['T', ' ']).ok_or_else(bad)?;
    let d: Vec<&str> = date.split('-').collect();
    let h: Vec<&str> = time.split(':').collect();
    if d.len() != 3 || h.len() != 3 {
        return Err(bad());
    }
    let y: i32 = d[0].parse().map_err(|_| bad())?;
    let mo: u32 = d[1].parse().map_err(|_| bad())?;
    let da: u32 = d[2].parse().map_err(|_| bad())?;
    let hh: u32 = h[0].parse().map_err(|_| bad())?;
    let mi: u32 = h[1].parse().map_err(|_| bad())?;
    let se: f64 = h[2].parse().map_err(|_| bad())?;
    if !(1900..=2200).contains(&y)
        || !(1..=12).contains(&mo)
        || !(1..=31).contains(&da)
        || hh > 23
        || mi > 59
        || !(0.0..61.0).contains(&se)
    {
        return Err(bad());
    }
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let days_in_month = [
        31,
        if leap { 29 } else { 28 },
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ];
    if da > days_in_month[mo as usize - 1] {
        return Err(bad());
    }
    let jd = julian_date(y, mo, da) + (hh as f64 * 3600.0 + mi as f64 * 60.0 + se) / 86_400.0;
    Ok(if utc {
        jd + TDB_MINUS_UTC_S / 86_400.0
    } else {
        jd
    })
}

/// Julian Date at 0h of a Gregorian calendar date (Fliegel & Van Flandern's integer form).
fn julian_date(y: i32, m: u32, d: u32) -> f64 {
    let (y, m, d) = (y as i64, m as i64, d as i64);
    let a = (14 - m) / 12;
    let yy = y + 4800 - a;
    let mm = m + 12 * a - 3;
    let jdn = d + (153 * mm + 2) / 5 + 365 * yy + yy / 4 - yy / 100 + yy / 400 - 32045;
    jdn as f64 - 0.5
}

pub fn mjd_from_jd(jd: f64) -> f64 {
    jd - 2_400_000.5
}

/// "YYYY-MM-DDThh:mm:ss TDB" of a Modified Julian Date (TDB), to the nearest second
/// (Fliegel & Van Flandern's inverse for the date).
pub fn iso_from_mjd(mjd: f64) -> String {
    let total_s = (mjd * 86_400.0).round() as i64;
    let days = total_s.div_euclid(86_400);
    let sod = total_s.rem_euclid(86_400);
    let jdn = days + 2_400_001; // Julian Day Number of the civil date
    let l = jdn + 68_569;
    let n = 4 * l / 146_097;
    let l = l - (146_097 * n + 3) / 4;
    let i = 4000 * (l + 1) / 1_461_001;
    let l = l - 1461 * i / 4 + 31;
    let j = 80 * l / 2447;
    let day = l - 2447 * j / 80;
    let l = j / 11;
    let month = j + 2 - 12 * l;
    let year = 100 * (n - 49) + i + l;
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02} TDB",
        sod / 3600,
        sod % 3600 / 60,
        sod % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn j2000_and_a_known_date() {
        assert_eq!(
            parse_tdb_jd("k", "2000-01-01T12:00:00 TDB").unwrap(),
            2_451_545.0
        );
        // 311P's element epoch: JD 2457872.5 is 2017-04-29 0h.
        assert_eq!(
            parse_tdb_jd("k", "2017-04-29T00:00:00").unwrap(),
            2_457_872.5
        );
        let utc = parse_tdb_jd("k", "2027-11-20T00:00:00Z").unwrap();
        assert!((utc - parse_tdb_jd("k", "2027-11-20T00:01:09.184 TDB").unwrap()).abs() < 1e-9);
        assert!(parse_tdb_jd("k", "2027-13-01T00:00:00").is_err());
        assert!(parse_tdb_jd("k", "yesterday").is_err());
        assert!(parse_tdb_jd("k", "2027-11-31T00:00:00").is_err());
        assert!(parse_tdb_jd("k", "2027-02-29T00:00:00").is_err());
        assert!(parse_tdb_jd("k", "2028-02-29T00:00:00").is_ok());
    }

    #[test]
    fn iso_round_trips_through_mjd() {
        for s in [
            "2027-11-20T00:00:00 TDB",
            "2033-12-23T13:45:07 TDB",
            "2036-02-29T23:59:59 TDB",
        ] {
            let mjd = mjd_from_jd(parse_tdb_jd("k", s).unwrap());
            assert_eq!(iso_from_mjd(mjd), s);
        }
    }
}
