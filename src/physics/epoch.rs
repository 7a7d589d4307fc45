//! Epochs: ISO 8601 text <-> Julian Date (TDB) and MJD (the cruise's dates, the reentry's entry
//! epoch), through hifitime (the time-scale library of nyx and anise): its leap-second table
//! gives UTC, and its TDB carries the periodic TDB - TT term (up to 1.7 ms).

use crate::config::ConfigError;
use hifitime::{Epoch, TimeScale, Unit};

/// The time scales an epoch may name; one without a name is TDB.
pub const SCALES: [&str; 4] = ["TDB", "TT", "TAI", "UTC"];

/// The epoch of "YYYY-MM-DDThh:mm:ss[.fff]" (or "YYYY-MM-DD", its midnight) followed by " TDB"
/// (or nothing: TDB), " TT", " TAI", or " UTC" / "Z" (a scale's name in any case); or followed
/// by an offset from UTC ("+08:00"), on UTC; in the years 1900-2200. The message names `key`
/// and what is wrong.
pub fn parse_epoch(key: &str, s: &str) -> Result<Epoch, ConfigError> {
    let epoch = parse_any_year(key, s)?;
    let (year, ..) = epoch.to_gregorian(TimeScale::TDB);
    if !(1900..=2200).contains(&year) {
        return Err(ConfigError::key(
            key,
            format!("{s:?} is outside the years 1900-2200 that dispersa reads an epoch in"),
        ));
    }
    Ok(epoch)
}

/// Julian Date (TDB) of an epoch as [`parse_epoch`] reads it, but within `[lo_jd, hi_jd)`,
/// which `span` names for the message: a scenario's own range, named first.
pub fn parse_tdb_jd_within(
    key: &str,
    s: &str,
    lo_jd: f64,
    hi_jd: f64,
    span: &str,
) -> Result<f64, ConfigError> {
    let jd = parse_any_year(key, s)?.to_jde_tdb_days();
    if !(lo_jd..hi_jd).contains(&jd) {
        return Err(ConfigError::key(key, format!("{s:?} is outside {span}")));
    }
    Ok(jd)
}

fn parse_any_year(key: &str, s: &str) -> Result<Epoch, ConfigError> {
    let bad = |why: &str| {
        ConfigError::key(
            key,
            format!(
                "{s:?} {why}; write an ISO 8601 date-time like 2027-11-20T03:00:00 TDB, or a \
                 date alone for its midnight (time scales: TDB, the default, TT, TAI, UTC or Z; \
                 or an offset from UTC such as +08:00)"
            ),
        )
    };
    let t = s.trim();
    // ISO's "Z" follows the seconds' last digit; a name ending in Z ("XYZ") is a scale's.
    let zulu = t
        .strip_suffix(['Z', 'z'])
        .filter(|c| c.ends_with(|ch: char| ch.is_ascii_digit()));
    let (core, scale, named) = if let Some(c) = zulu {
        (c, "UTC", true)
    } else {
        match t.rsplit_once(' ') {
            // A scale's name: letters, then letters or digits ("UT1", "GPST").
            // Named in any case ("tdb" was refused: a cruise analyst's trial).
            Some((c, sc))
                if sc.starts_with(|ch: char| ch.is_ascii_alphabetic())
                    && sc.chars().all(|ch| ch.is_ascii_alphanumeric()) =>
            {
                match SCALES.iter().find(|k| k.eq_ignore_ascii_case(sc)) {
                    Some(k) => (c, *k, true),
                    None => return Err(bad(&format!("names the time scale {sc:?}"))),
                }
            }
            _ => (t, "TDB", false),
        }
    };
    // A date alone is its midnight on the scale ("2035-12-31" was refused: a cruise analyst's
    // trial).
    let midnight;
    let core = if core.len() == 10 && core.as_bytes()[4] == b'-' && core.as_bytes()[7] == b'-' {
        midnight = format!("{core}T00:00:00");
        midnight.as_str()
    } else {
        core
    };
    // An offset from UTC (ISO 8601's "+08:00") is civil time: it reads on UTC, and on no other
    // scale (hifitime would apply it to TDB as readily, 69 s from what was meant in 2027).
    let offset = core.get(19..).is_some_and(|tail| tail.contains(['+', '-']));
    let scale = match (offset, named, scale) {
        (true, true, sc) if sc != "UTC" => {
            return Err(bad(&format!(
                "gives an offset from UTC on the {sc} scale; drop the offset, or the scale name \
                 (an offset reads on UTC)"
            )))
        }
        (true, _, _) => "UTC",
        (false, _, sc) => sc,
    };
    // Time zones lie within +-14:00 of UTC (hifitime reads +25:00 as readily).
    if let Some(at) = core.get(19..).and_then(|tail| tail.find(['+', '-'])) {
        let zone = &core[19 + at + 1..];
        let minutes = zone
            .split_once(':')
            .and_then(|(h, m)| Some((h.parse::<u32>().ok()?, m.parse::<u32>().ok()?)))
            .map(|(h, m)| (m < 60).then_some(h * 60 + m));
        if let Some(Some(total)) = minutes {
            if total > 14 * 60 {
                return Err(bad("gives an offset beyond the +-14:00 of any time zone"));
            }
        }
    }
    // Only the calendar form: hifitime also reads "JD ..." and "MJD ...", which a config
    // should not mix in under a date key.
    let shape = core.len() >= 19
        && core.as_bytes()[4] == b'-'
        && core.as_bytes()[7] == b'-'
        && matches!(core.as_bytes()[10], b'T' | b' ');
    if !shape {
        return Err(bad("is not a date-time"));
    }
    format!("{} {scale}", core.replacen(' ', "T", 1))
        .parse()
        .map_err(|e| bad(&format!("is not a valid date-time ({e})")))
}

/// Julian Date (TDB) of an epoch as [`parse_epoch`] reads it.
pub fn parse_tdb_jd(key: &str, s: &str) -> Result<f64, ConfigError> {
    Ok(parse_epoch(key, s)?.to_jde_tdb_days())
}

/// The unit of an epoch column (Modified Julian Date in TDB): the one mark by which the printed
/// summary and the report's table know an epoch, to give its calendar date.
pub const MJD_TDB_UNIT: &str = "day (MJD, TDB)";

/// Whether a column of unit `unit` is an epoch ([`MJD_TDB_UNIT`]).
pub fn is_epoch_unit(unit: &str) -> bool {
    unit == MJD_TDB_UNIT
}

pub fn mjd_from_jd(jd: f64) -> f64 {
    jd - 2_400_000.5
}

/// "YYYY-MM-DDThh:mm:ss TDB" of a Modified Julian Date (TDB), to the nearest second.
pub fn iso_from_mjd(mjd: f64) -> String {
    let e = Epoch::from_mjd_in_time_scale(mjd, TimeScale::TDB).round(Unit::Second * 1);
    let (y, mo, d, h, mi, s, _) = e.to_gregorian(TimeScale::TDB);
    format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02} TDB")
}

/// "YYYY-MM-DD" (TDB) of a Modified Julian Date (TDB), the day of [`iso_from_mjd`].
pub fn date_from_mjd(mjd: f64) -> String {
    let iso = iso_from_mjd(mjd);
    iso.split('T').next().unwrap_or(&iso).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_scale_name_ending_in_z_and_an_offset_past_any_zone_are_named() {
        // "XYZ" was read as the Zulu suffix and failed as "invalid seconds" (a fuzzing trial).
        let e = parse_tdb_jd("k", "2027-11-20T03:00:00 XYZ").unwrap_err();
        assert!(
            e.to_string().contains("names the time scale \"XYZ\""),
            "{e}"
        );
        // +25:00 was read; time zones stop at +-14:00.
        let e = parse_tdb_jd("k", "2027-11-20T03:00:00+25:00").unwrap_err();
        assert!(e.to_string().contains("beyond the +-14:00"), "{e}");
        assert!(parse_tdb_jd("k", "2027-11-20T03:00:00+14:00").is_ok());
        assert!(parse_tdb_jd("k", "2027-11-20T03:00:00-09:30").is_ok());
    }

    #[test]
    fn an_offset_from_utc_reads_on_utc_and_on_no_other_scale() {
        let z = parse_tdb_jd("k", "2027-11-19T19:00:00Z").unwrap();
        for s in ["2027-11-20T03:00:00+08:00", "2027-11-20T03:00:00+08:00 UTC"] {
            assert_eq!(parse_tdb_jd("k", s).unwrap(), z, "{s}");
        }
        let west = parse_tdb_jd("k", "2027-11-19T14:00:00.000-05:00").unwrap();
        assert_eq!(west, z);
        let e = parse_tdb_jd("k", "2027-11-20T03:00:00+08:00 TDB").unwrap_err();
        assert!(
            e.to_string().contains("offset from UTC on the TDB scale"),
            "{e}"
        );
    }

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
        // UTC + 37 leap seconds (since 2017) + 32.184 s = TT; TDB - TT is periodic, within
        // 1.7 ms (2e-8 d).
        let utc = parse_tdb_jd("k", "2027-11-20T00:00:00Z").unwrap();
        let tt = parse_tdb_jd("k", "2027-11-20T00:01:09.184 TT").unwrap();
        assert_eq!(parse_tdb_jd("k", "2027-11-20T00:00:00 UTC").unwrap(), utc);
        assert!((utc - tt).abs() < 1e-9, "{}", (utc - tt) * 86400.0);
        assert!((tt - parse_tdb_jd("k", "2027-11-20T00:01:09.184 TDB").unwrap()).abs() < 2e-8);
        // Before the 2017 leap second TT - UTC was 68.184 s, in 2000 64.184 s.
        let jd = |s: &str| parse_tdb_jd("k", s).unwrap();
        // The same clock reading is later in UTC than in TT by TT - UTC (to 1e-4 s: a JD's
        // f64 resolves 40 us).
        let tt_minus_utc = |d: &str| {
            (jd(&format!("{d}T00:00:00 UTC")) - jd(&format!("{d}T00:00:00 TT"))) * 86400.0
        };
        assert!((tt_minus_utc("2016-06-01") - 68.184).abs() < 1e-4);
        assert!((tt_minus_utc("2000-01-01") - 64.184).abs() < 1e-4);
        assert!((tt_minus_utc("2030-01-01") - 69.184).abs() < 1e-4);
        assert!(parse_tdb_jd("k", "2027-11-20T00:00:00 GMT").is_err());
        // A date alone is its midnight, and a scale's name reads in any case.
        assert_eq!(jd("2035-12-31"), jd("2035-12-31T00:00:00 TDB"));
        assert_eq!(jd("2035-12-31 utc"), jd("2035-12-31T00:00:00 UTC"));
        assert_eq!(jd("2027-11-20T03:00:00 tdb"), jd("2027-11-20T03:00:00 TDB"));
        assert_eq!(jd("2027-11-20T03:00:00z"), jd("2027-11-20T03:00:00Z"));
        assert!(parse_tdb_jd("k", "2035-12").is_err());
        // A scale with a digit in its name is a scale still, named as such (UT1 read as a
        // malformed date-time until 2026-12-05).
        let e = parse_tdb_jd("k", "2027-11-20T00:00:00 UT1").unwrap_err();
        assert!(
            e.to_string().contains("names the time scale \"UT1\""),
            "{e}"
        );
        // A span of the caller's, named as such.
        let span = "2020 to 2030, the span";
        let e = parse_tdb_jd_within("k", "2040-01-01T00:00:00", 2_458_849.5, 2_462_502.5, span);
        assert!(e
            .unwrap_err()
            .to_string()
            .contains("is outside 2020 to 2030"));
        assert!(
            parse_tdb_jd_within("k", "2025-01-01T00:00:00", 2_458_849.5, 2_462_502.5, span).is_ok()
        );
        assert!(parse_tdb_jd("k", "JD 2461364.5 TDB").is_err());
        assert!(parse_tdb_jd("k", "1800-01-01T00:00:00").is_err());
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
