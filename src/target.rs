//! `dispersa target`: move the entry point so that the undispersed trajectory lands on the aim
//! point (`landing.target_lat_deg`, `landing.target_lon_deg`), on the f64 CPU reference.
//!
//! State mode: the entry latitude and longitude are moved by the nominal's miss, turned around,
//! and the nominal flown again. Near the aim the landing moves with the entry point almost as
//! a rigid shift (the Earth's rotation, the winds and the meridians' convergence make it
//! differ by a few per cent), so each pass cuts the miss by a factor of ~20-100.

use crate::config::{ConfigError, RawConfig};
use crate::physics::constants::{WGS84_A_M, WGS84_E2};
use crate::physics::geodesy::east_north_km;
use crate::scenario::reentry::{Reentry, ReentryConfig, M_LAT, M_LON, STATUS_NAMES, ST_LANDED};
use crate::scenario::{SampleOutputs, Scenario};
use std::path::Path;

/// Stop when the nominal lands this close to the target [m]: well inside the 100 m, and
/// far above the landing's integration error (1.5 m worst, README "Integration accuracy").
pub const AIM_TOLERANCE_M: f64 = 10.0;
/// Passes before giving up.
pub const MAX_PASSES: usize = 12;

/// One pass: the entry point flown and where the nominal landed against the target.
#[derive(Debug, Clone, Copy)]
pub struct Pass {
    pub entry_lat_deg: f64,
    pub entry_lon_deg: f64,
    /// East and north of the landing from the target [km].
    pub miss_east_km: f64,
    pub miss_north_km: f64,
}

impl Pass {
    pub fn miss_m(&self) -> f64 {
        1000.0 * self.miss_east_km.hypot(self.miss_north_km)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum AimError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error("{0}")]
    Failed(String),
}

impl AimError {
    /// 2 for bad input, 1 when the aim cannot be reached.
    pub fn exit_code(&self) -> i32 {
        match self {
            AimError::Config(_) => 2,
            AimError::Failed(_) => 1,
        }
    }
}

/// Aim the config at `path` (with `--set` overrides): every pass, first to last (the last one
/// within [`AIM_TOLERANCE_M`]).
pub fn aim(path: &Path, sets: &[String]) -> Result<Vec<Pass>, AimError> {
    let raw = RawConfig::load(path, sets)?;
    if raw.scenario_kind()? != "reentry" {
        return Err(
            ConfigError::key("run.scenario", "dispersa target aims a reentry config").into(),
        );
    }
    let mut cfg = ReentryConfig::from_raw(&raw)?;
    let (Some(t_lat), Some(t_lon)) = (cfg.landing.target_lat_deg, cfg.landing.target_lon_deg)
    else {
        return Err(ConfigError::key(
            "landing.target_lat_deg",
            "dispersa target needs the aim point: landing.target_lat_deg and target_lon_deg",
        )
        .into());
    };
    let mut passes = Vec::new();
    for _ in 0..MAX_PASSES {
        let o = nominal(&cfg);
        if o.status != ST_LANDED {
            return Err(AimError::Failed(format!(
                "the nominal trajectory from entry ({:.6}, {:.6}) ended {} rather than landing",
                cfg.entry.latitude_deg, cfg.entry.longitude_deg, STATUS_NAMES[o.status as usize]
            )));
        }
        let (lat, lon) = (o.metrics[M_LAT].unwrap(), o.metrics[M_LON].unwrap());
        let (e, n) = east_north_km(t_lat, t_lon, lat, lon);
        let pass = Pass {
            entry_lat_deg: cfg.entry.latitude_deg,
            entry_lon_deg: cfg.entry.longitude_deg,
            miss_east_km: e,
            miss_north_km: n,
        };
        passes.push(pass);
        if pass.miss_m() <= AIM_TOLERANCE_M {
            return Ok(passes);
        }
        // Move the entry point by the miss, turned around, in its own east/north plane.
        let phi = cfg.entry.latitude_deg.to_radians();
        let w = (1.0 - WGS84_E2 * phi.sin().powi(2)).sqrt();
        let (n_radius, m_radius) = (WGS84_A_M / w, WGS84_A_M * (1.0 - WGS84_E2) / (w * w * w));
        cfg.entry.latitude_deg -= (1000.0 * n / m_radius).to_degrees();
        cfg.entry.longitude_deg -= (1000.0 * e / (n_radius * phi.cos())).to_degrees();
        if cfg.entry.latitude_deg.abs() >= 90.0 {
            break;
        }
    }
    let last = passes.last().map_or(f64::NAN, Pass::miss_m);
    Err(AimError::Failed(format!(
        "no aim within {AIM_TOLERANCE_M} m after {} passes (last miss {last:.1} m): the landing \
         does not follow the entry point (a target the trajectory cannot reach?)",
        passes.len()
    )))
}

/// The undispersed trajectory of a config on the CPU reference.
fn nominal(cfg: &ReentryConfig) -> SampleOutputs {
    let sc = Reentry::new(cfg.clone());
    let params = sc.nominal().to_vec();
    let mut input = vec![0.0; sc.input_len()];
    sc.pack_input(cfg.run.seed, 0, &params, None, &mut input);
    let mut state = vec![0.0; sc.state_len()];
    sc.initial_state(&input, &mut state);
    while !sc.advance_cpu(&input, &mut state, 10_000) {}
    sc.outputs(&params, &state)
}
