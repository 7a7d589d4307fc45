//! The wind's part of a reentry footprint: the first landed samples of the run flown again in
//! calm air (the same sampled inputs but for the wind) on the CPU reference, and the drift of
//! each landing from its calm-air twin.
//!
//! The wind's normals are the last ones a sample draws (after its dispersions and the density
//! profile's), so a config without `[winds]` draws every other input the same.

use super::data::Table;
use super::ReportError;
use crate::engine::Engine;
use crate::physics::geodesy::{east_north_km, unwrap_lon_deg};
use crate::pipeline::Samples;
use crate::scenario::reentry::{Reentry, ReentryConfig, M_LAT, M_LON, ST_LANDED};

/// Samples flown again at most: the drift's mean and spread settle to ~3 % at this count, and
/// the calm flights take about a second on two cores.
pub const DRIFT_SAMPLES: usize = 1000;

/// Landings with and without the wind, over the samples flown both ways.
#[derive(Debug, Clone, Copy)]
pub struct WindDrift {
    /// Samples flown both ways (landed both times).
    pub n: usize,
    /// Mean landing point in calm air and with the wind [deg]: (lat, lon).
    pub calm_mean: (f64, f64),
    pub wind_mean: (f64, f64),
    /// The mean drift, east and north [km].
    pub east_km: f64,
    pub north_km: f64,
    /// RMS of the drift about its mean [km] (the wind's random part).
    pub spread_km: f64,
    /// The landings' variance with the wind and in calm air [km^2] (traces of the covariances
    /// on the azimuthal equidistant map about the mean landing, over the same samples).
    pub var_wind_km2: f64,
    pub var_calm_km2: f64,
}

impl WindDrift {
    /// The share of the landings' variance that the wind adds: 1 - var(calm) / var(wind).
    /// Not the drift's variance over the landings' (spread_km^2 / var_wind_km2): the drift
    /// correlates with the calm-air landing (a sample that lands long in calm air hangs less
    /// long under its canopies), so that ratio overstated the wind's part (22 % against 16 %
    /// on the default config; a review, 2026-12-05). Negative where the wind narrows the
    /// footprint.
    pub fn added_share(&self) -> f64 {
        if self.var_wind_km2 > 0.0 {
            1.0 - self.var_calm_km2 / self.var_wind_km2
        } else {
            f64::NAN
        }
    }

    pub fn distance_km(&self) -> f64 {
        self.east_km.hypot(self.north_km)
    }

    /// Direction of the mean drift [deg from north towards east].
    pub fn towards_deg(&self) -> f64 {
        self.east_km
            .atan2(self.north_km)
            .to_degrees()
            .rem_euclid(360.0)
    }
}

/// The drift of a reentry run with `[winds]` (None without winds or landings).
pub fn wind_drift(
    cfg: &ReentryConfig,
    t: &Table,
    status: &[String],
) -> Result<Option<WindDrift>, ReportError> {
    if cfg.winds.is_none() {
        return Ok(None);
    }
    let seed = t
        .meta("dispersa.seed")
        .and_then(|s| s.parse().ok())
        .unwrap_or(cfg.run.seed);
    let nominal = t.meta("dispersa.nominal") == Some("true");
    let (lat, lon) = (t.f64s("landing_lat_deg")?, t.f64s("landing_lon_deg")?);
    let rows: Vec<usize> = (0..t.rows)
        .filter(|&k| status[k] == "landed" && lat[k].is_some() && lon[k].is_some())
        .take(DRIFT_SAMPLES)
        .collect();
    if rows.is_empty() {
        return Ok(None);
    }
    let mut calm_cfg = cfg.clone();
    calm_cfg.winds = None;
    let sc = Reentry::new(calm_cfg);
    let (_, calm) = Samples::new(&sc, seed, nominal)?
        .fly(&sc, &Engine::cpu(), rows.iter().map(|&k| k as u64), None)
        // The engine failing is a runtime failure (exit 1), not bad input.
        .map_err(|e| ReportError::Draw {
            figure: "the wind drift (calm-air re-flights on the CPU engine)".into(),
            message: e.to_string(),
        })?;
    // (wind, calm) landing pairs [deg].
    let mut pairs = Vec::new();
    for (o, &k) in calm.iter().zip(&rows) {
        if o.status == ST_LANDED {
            let calm = (o.metrics[M_LAT].unwrap(), o.metrics[M_LON].unwrap());
            pairs.push(((lat[k].unwrap(), lon[k].unwrap()), calm));
        }
    }
    if pairs.is_empty() {
        return Ok(None);
    }
    // Longitudes within 180 degrees of the first landing's: the means of a footprint across
    // the antimeridian are then near it (they fell near 0 E, and the drift's bearing with them).
    let reference = pairs[0].0 .1;
    let unwrap = |q: (f64, f64)| (q.0, unwrap_lon_deg(q.1, reference));
    let wind: Vec<(f64, f64)> = pairs.iter().map(|p| unwrap(p.0)).collect();
    let calm: Vec<(f64, f64)> = pairs.iter().map(|p| unwrap(p.1)).collect();
    let wind_mean = mean_of(&wind);
    // East/north [km] of the mean landing with the wind (azimuthal equidistant about it).
    let en = |q: (f64, f64)| east_north_km(wind_mean.0, wind_mean.1, q.0, q.1);
    let wind_xy: Vec<(f64, f64)> = wind.iter().map(|&q| en(q)).collect();
    let drift_xy: Vec<(f64, f64)> = wind_xy
        .iter()
        .zip(&calm)
        .map(|(w, &c)| {
            let c = en(c);
            (w.0 - c.0, w.1 - c.1)
        })
        .collect();
    let drift = mean_of(&drift_xy);
    let calm_xy: Vec<(f64, f64)> = calm.iter().map(|&q| en(q)).collect();
    Ok(Some(WindDrift {
        n: pairs.len(),
        calm_mean: mean_of(&calm),
        wind_mean,
        east_km: drift.0,
        north_km: drift.1,
        spread_km: variance(&drift_xy).sqrt(),
        var_wind_km2: variance(&wind_xy),
        var_calm_km2: variance(&calm_xy),
    }))
}

fn mean_of(pts: &[(f64, f64)]) -> (f64, f64) {
    let n = pts.len() as f64;
    let s = pts.iter().fold((0.0, 0.0), |a, b| (a.0 + b.0, a.1 + b.1));
    (s.0 / n, s.1 / n)
}

/// The trace of the covariance of plane points [km^2] (population form).
fn variance(pts: &[(f64, f64)]) -> f64 {
    let m = mean_of(pts);
    pts.iter()
        .map(|q| (q.0 - m.0).powi(2) + (q.1 - m.1).powi(2))
        .sum::<f64>()
        / pts.len() as f64
}
