//! Against published figures: Stardust's capsule (15 January 2006) and Hayabusa's (13 June
//! 2010), as docs/VALIDATION.md compares them, on the CPU reference. Which figure is a flight outcome and which a pre-flight
//! prediction is said at each check; docs/SOURCES.md gives where each comes from.

mod common;
use common::*;
use dispersa::config::RawConfig;
use dispersa::scenario::reentry::*;
use dispersa::scenario::SampleOutputs;

const STARDUST: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/configs/validation/stardust.toml"
);
const HAYABUSA: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/configs/validation/hayabusa.toml"
);
const DKR: &str = "heating.convective=\"detra_kemp_riddell\"";

fn metric(name: &str) -> usize {
    METRICS.iter().position(|(n, _)| *n == name).unwrap()
}

/// The config's flights with `sets` applied: its 2,000 dispersed samples (the operational Monte
/// Carlo's size), or the nominal alone.
fn flights(sets: &[&str], nominal: bool) -> Vec<SampleOutputs> {
    flights_of(STARDUST, sets, nominal)
}

/// [`flights`] of the config at `path`.
fn flights_of(path: &str, sets: &[&str], nominal: bool) -> Vec<SampleOutputs> {
    let sets: Vec<String> = sets.iter().map(|s| s.to_string()).collect();
    let raw = RawConfig::load(std::path::Path::new(path), &sets).expect("config loads");
    let cfg = ReentryConfig::from_raw(&raw).expect("config is valid");
    let n = if nominal { 1 } else { cfg.run.samples as usize };
    assert!(nominal || n == 2000, "the operational Monte Carlo size");
    let (sc, params, inputs) = sample_inputs(&cfg, n, nominal);
    let outs = outputs(&cpu(), &sc, &params, &inputs);
    assert!(
        outs.iter().all(|o| o.status == ST_LANDED),
        "every flight lands"
    );
    outs
}

fn value(o: &SampleOutputs, name: &str) -> f64 {
    o.metrics[metric(name)].unwrap()
}

/// The published figure lies between p00135 and p99865 of the dispersed flights (linear between
/// order statistics, as summary.parquet): the 99.73 % range the dispersions stand for.
fn inside(outs: &[SampleOutputs], name: &str, published: f64) {
    let mut v: Vec<f64> = outs.iter().map(|o| value(o, name)).collect();
    v.sort_by(f64::total_cmp);
    let q = |p: f64| {
        let h = (v.len() - 1) as f64 * p;
        let (i, f) = (h.floor() as usize, h - h.floor());
        v[i] + f * (v[(i + 1).min(v.len() - 1)] - v[i])
    };
    let (lo, mid, hi) = (q(0.00135), q(0.5), q(0.99865));
    eprintln!("{name}: p50 {mid:.4} [{lo:.4}, {hi:.4}], published {published}");
    assert!(
        lo <= published && published <= hi,
        "{name}: published {published} outside the dispersed range [{lo}, {hi}] (p50 {mid})"
    );
}

/// How far the nominal may land from the recovery site along its track [km], the sum of what
/// the comparison cannot resolve:
/// - the interface point read from the release's words (whole kilometres from the coast and the
///   border, and the coast's longitude to 0.02 deg): 2.2 km;
/// - the published 12.9 km/s, rounded to 0.05 km/s: 2.2 km (measured on this config);
/// - -8.2 deg designed against -8.21 deg targeted: 1.9 km (measured);
/// - the release's point lies on the flight planned to the aim point, and the capsule came down
///   8.1 km from that aim point: 8.1 km;
/// - no winds are flown: a mean 10 m/s along the track under the canopies, about 700 s: 7 km.
const SITE_BUDGET_KM: f64 = 22.0;

#[test]
fn stardust_meets_its_published_figures() {
    // Detra-Kemp-Riddell: Sutton-Graves' known low bias at 12.9 km/s puts the convective peak
    // 17 % under the published one, outside the dispersed range (docs/VALIDATION.md).
    let outs = flights(&[DKR], false);
    // Peak deceleration "about 34 g" (docs/SOURCES.md: recalled).
    inside(&outs, "peak_g", 34.0);
    // Peak convective flux ~855 W/cm^2 (a pre-flight benchmark less its radiative part).
    inside(&outs, "peak_conv_heat_flux_w_cm2", 855.0);

    let nominal = &flights(&[DKR], true)[0];
    // The recovery site, a flight outcome, from the release's interface point along the track
    // through it (the azimuth is the config's one fitted value: crossrange is zero by
    // construction, the distance flown is not).
    let miss = value(nominal, "miss_downrange_km");
    eprintln!("nominal: {miss:.2} km from the recovery site along the track");
    assert!(
        miss.abs() <= SITE_BUDGET_KM,
        "{miss} km from the site along the track"
    );
    // Interface at 09:57 and touchdown at 10:10 UTC, both to the minute: 13 minutes, +-1.
    let tof = value(nominal, "time_of_flight_s");
    assert!(
        (720.0..=840.0).contains(&tof),
        "time of flight {tof} s, not 13 +- 1 min"
    );
}

#[test]
fn the_interface_above_the_ellipsoid_lands_far_short_of_the_site() {
    // The same flight from 125 km above the ellipsoid, instead of the radius a + 125 km that the
    // config reads the interface as: short of the site by far more than the comparison's budget.
    // The evidence for the config's reading (docs/VALIDATION.md, "The entry interface").
    let nominal = &flights(&["entry.altitude_km=125.0"], true)[0];
    let miss = value(nominal, "miss_downrange_km");
    eprintln!("125 km above the ellipsoid: {miss:.1} km from the site along the track");
    assert!(
        miss < -5.0 * SITE_BUDGET_KM,
        "{miss} km: within five budgets"
    );
}

/// How far Hayabusa's nominal peak heat flux may lie from the published "about 14 MW/m^2" (a
/// fraction of it), the sum of what the comparison cannot resolve, each measured on this config
/// (Detra-Kemp-Riddell, 2026-12-06) but the last two:
/// - the nose radius, recalled as 0.20 m; +-0.02 m: 3.9 %;
/// - the hypersonic Cd, assumed 1.1 within 1.0-1.15: 5.7 % (at 1.0);
/// - "about -12 deg": +-0.5 deg, 5.8 %;
/// - 12.2 km/s, +-0.05 km/s (rounding): 2.0 %;
/// - "about 14": +-0.5 MW/m^2, 3.6 %;
/// - the radiative part (Tauber-Sutton, 263 W/cm^2 at the peak) outside its stated range below
///   a 0.3 m nose: +-50 % of it, 8.7 %.
const HAYABUSA_HEAT_BUDGET: f64 = 0.30;

#[test]
fn hayabusa_peak_heat_flux_meets_the_published_figure() {
    // "About 14 MW/m^2" (Yamada, Inatani & Ishii 2012, after the flight; the design's 14-15 in
    // docs/SOURCES.md). With Detra-Kemp-Riddell, as the Stardust case; a factor-of-two error in
    // the heating or the trajectory, or the secondary 5.3 + 1 MW/m^2 "reconstruction", lies far
    // outside (docs/VALIDATION.md, "Flight data: Hayabusa").
    let nominal = &flights_of(HAYABUSA, &[DKR], true)[0];
    let q = value(nominal, "peak_heat_flux_w_cm2");
    let off = q / 1400.0 - 1.0;
    eprintln!(
        "Hayabusa nominal peak heat flux {q:.0} W/cm^2, {:+.1} %",
        100.0 * off
    );
    assert!(
        off.abs() <= HAYABUSA_HEAT_BUDGET,
        "{q} W/cm^2 against about 1,400"
    );
    // The Earth's rotation: the capsule came in heading east; the same entry heading west meets
    // the air 0.81 km/s faster, and with this correlation heats 46 % above the published figure,
    // outside the budget (with Sutton-Graves, +27 %, just inside): the direction the sources
    // give matters as much as the correlation.
    let west = &flights_of(HAYABUSA, &[DKR, "entry.azimuth_deg=280.0"], true)[0];
    let qw = value(west, "peak_heat_flux_w_cm2");
    assert!(
        qw / 1400.0 - 1.0 > HAYABUSA_HEAT_BUDGET,
        "heading west: {qw} W/cm^2"
    );
}
