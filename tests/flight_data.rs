//! Against flight: Stardust's capsule (15 January 2006), as docs/VALIDATION.md compares it.
//! The operational Monte Carlo's size (2,000 samples) of `configs/validation/stardust.toml` on the
//! CPU reference; a published figure is met when it lies inside the dispersed flights' 99.73 %
//! range (p00135 to p99865, the bounds the analysts' dispersions were set to cover), with the
//! published figure's own rounding added where it is stated in whole units.

mod common;
use common::*;
use dispersa::config::RawConfig;
use dispersa::scenario::reentry::*;
use dispersa::scenario::SampleOutputs;

const STARDUST: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/configs/validation/stardust.toml"
);

fn metric(name: &str) -> usize {
    METRICS.iter().position(|(n, _)| *n == name).unwrap()
}

/// The config's 2,000 dispersed flights on the CPU reference, with `sets` applied.
fn flights(sets: &[&str]) -> Vec<SampleOutputs> {
    let sets: Vec<String> = sets.iter().map(|s| s.to_string()).collect();
    let raw = RawConfig::load(std::path::Path::new(STARDUST), &sets).expect("config loads");
    let cfg = ReentryConfig::from_raw(&raw).expect("config is valid");
    let n = cfg.run.samples as usize;
    assert_eq!(n, 2000, "the operational Monte Carlo size");
    let (sc, params, inputs) = sample_inputs(&cfg, n, false);
    let outs = outputs(&cpu(), &sc, &params, &inputs);
    assert!(
        outs.iter().all(|o| o.status == ST_LANDED),
        "every flight lands"
    );
    outs
}

/// p00135, p50 and p99865 of a metric (linear between order statistics, as summary.parquet).
fn range(outs: &[SampleOutputs], name: &str) -> [f64; 3] {
    let k = metric(name);
    let mut v: Vec<f64> = outs.iter().map(|o| o.metrics[k].unwrap()).collect();
    v.sort_by(f64::total_cmp);
    let q = |p: f64| {
        let h = (v.len() - 1) as f64 * p;
        let (i, f) = (h.floor() as usize, h - h.floor());
        v[i] + f * (v[(i + 1).min(v.len() - 1)] - v[i])
    };
    [q(0.00135), q(0.5), q(0.99865)]
}

fn inside(outs: &[SampleOutputs], name: &str, published: f64, rounding: f64) -> [f64; 3] {
    let r = range(outs, name);
    eprintln!(
        "{name}: p50 {:.4} [{:.4}, {:.4}], flight {published}",
        r[1], r[0], r[2]
    );
    assert!(
        r[0] - rounding <= published && published <= r[2] + rounding,
        "{name}: the flight's {published} outside the dispersed range [{}, {}] (p50 {})",
        r[0],
        r[2],
        r[1]
    );
    r
}

#[test]
fn stardust_flew_inside_the_dispersed_flights() {
    // Detra-Kemp-Riddell: Sutton-Graves' known low bias at 12.9 km/s puts the convective peak
    // and the heat load 13-18 % under the flight's, outside this range (docs/VALIDATION.md).
    let outs = flights(&["heating.convective=\"detra_kemp_riddell\""]);
    // Peak deceleration "about 34 g" (docs/SOURCES.md, recalled).
    inside(&outs, "peak_g", 34.0, 0.0);
    // Peak convective flux ~855 W/cm^2 and heat load 27,600 J/cm^2 (secondary).
    inside(&outs, "peak_conv_heat_flux_w_cm2", 855.0, 0.0);
    inside(&outs, "heat_load_j_cm2", 27_600.0, 0.0);
    // Peak heating "entry + 52 seconds" in the release's whole seconds: half a second either way.
    inside(&outs, "time_peak_heat_s", 52.0, 0.5);
    // The recovery site, from the interface point of the release along the track through it
    // (the azimuth is the config's one fitted value: crossrange is zero by construction, the
    // distance flown is not). No winds are flown; January's westerlies would carry a capsule
    // on this eastward track further, towards the site.
    inside(&outs, "miss_downrange_km", 0.0, 0.0);
    // Entry at 09:57 and touchdown at 10:10 UTC, both to the minute: 13 minutes, +-1.
    let tof = range(&outs, "time_of_flight_s")[1];
    assert!(
        (720.0..=840.0).contains(&tof),
        "median time of flight {tof} s, not 13 +- 1 min"
    );
}

#[test]
fn the_interface_above_the_ellipsoid_lands_far_short_of_the_site() {
    // The same flights from 125 km above the ellipsoid, instead of the radius a + 125 km that
    // the config reads the interface as: the distance flown falls ~130 km short, far outside
    // the dispersed range, and peak heating comes ~11 s early. This is the evidence for the
    // config's reading (docs/VALIDATION.md, "The entry interface").
    let outs = flights(&["entry.altitude_km=125.0"]);
    let r = range(&outs, "miss_downrange_km");
    eprintln!(
        "125 km above the ellipsoid: miss downrange p50 {:.1} [{:.1}, {:.1}] km",
        r[1], r[0], r[2]
    );
    assert!(r[2] < -50.0, "short of the site by {} km at most", -r[2]);
    let t = range(&outs, "time_peak_heat_s");
    assert!(t[2] < 52.0 - 5.0, "peak heating by {} s", t[2]);
}
