//! Physics against closed forms: the Keplerian conic in vacuum, Allen-Eggers ballistic entry.
//! Each check runs on the CPU reference and on the GPU (f64).

mod common;
use common::*;
use dispersa::engine::{Engine, PrecisionChoice};
use dispersa::physics::constants::SUTTON_GRAVES_K;
use dispersa::scenario::reentry::*;

const MU: f64 = 3.986_004_418e14;
const R: f64 = 6_378_137.0;

/// Vacuum (zero density), spherical Earth, no rotation: a fall along a Keplerian ellipse.
fn vacuum_cfg() -> ReentryConfig {
    config_with(&[
        "planet.model=\"spherical\"",
        "planet.mu_m3_s2=3.986004418e14",
        "planet.radius_m=6378137.0",
        "planet.rotation=false",
        "atmosphere.model=\"exponential\"",
        "atmosphere.rho0_kg_m3=0.0",
        "atmosphere.scale_height_m=7000.0",
        "atmosphere.perturbation.sigma=[[0.0, 0.0]]",
        "entry.latitude_deg=0.0",
        "entry.longitude_deg=0.0",
        "entry.azimuth_deg=90.0",
        "entry.velocity_km_s=7.0",
        "entry.flight_path_angle_deg=-5.0",
        "landing.terrain_height_m=0.0",
    ])
}

/// Landing longitude [deg] and time of flight [s] of the Keplerian arc from the entry state.
fn kepler_landing(h0: f64, v0: f64, gamma_deg: f64) -> (f64, f64) {
    let r0 = R + h0;
    let g = gamma_deg.to_radians();
    let hmom = r0 * v0 * g.cos();
    let p = hmom * hmom / MU;
    let energy = v0 * v0 / 2.0 - MU / r0;
    let a = -MU / (2.0 * energy);
    let e = (1.0 - p / a).sqrt();
    // Descending: true anomaly in (-pi, 0).
    let nu0 = -((p / r0 - 1.0) / e).acos();
    let nu1 = -((p / R - 1.0) / e).acos();
    let ecc = |nu: f64| 2.0 * (((1.0 - e) / (1.0 + e)).sqrt() * (nu / 2.0).tan()).atan();
    let mean = |nu: f64| {
        let ea = ecc(nu);
        ea - e * ea.sin()
    };
    let n = (MU / (a * a * a)).sqrt();
    ((nu1 - nu0).to_degrees(), (mean(nu1) - mean(nu0)) / n)
}

fn check_vacuum(engine: &Engine) {
    let cfg = vacuum_cfg();
    let (sc, params, inputs) = sample_inputs(&cfg, 1, true);
    let o = &outputs(engine, &sc, &params, &inputs)[0];
    assert_eq!(o.status, ST_LANDED);
    let (lon, tof) = kepler_landing(125_000.0, 7000.0, -5.0);
    let got_lon = o.metrics[M_LON].unwrap();
    let got_lat = o.metrics[M_LAT].unwrap();
    let err_m = (got_lon - lon).to_radians().abs() * R;
    let m_tof = METRICS
        .iter()
        .position(|m| m.0 == "time_of_flight_s")
        .unwrap();
    let t_err = (o.metrics[m_tof].unwrap() - tof).abs();
    eprintln!(
        "vacuum: landing {err_m:.3e} m off the conic, time of flight {t_err:.3e} s, \
         latitude {got_lat:.1e} deg"
    );
    // The default dopri5 (rtol 5e-8, max step 20 s) on the 250 s arc, the landing located on
    // the last step's dense output by 12 Illinois iterations, which leave the time within
    // ~1e-9 of the step (src/integrator.rs, ROOT_ITERATIONS): ~1e-8 s on a step of ~10 s,
    // ~1e-4 m along track at 7 km/s. Measured 8.4e-5 m and 1.2e-8 s (CPU and GPU alike);
    // with rtol 1e-12 (shorter steps) 2.2e-5 m and 3.4e-9 s, so the event location, not the
    // step control, dominates. Bounds ~10x the measured: 1e-3 m, 1e-7 s.
    assert!(
        err_m < 1e-3,
        "landing {err_m} m from the Keplerian landing point"
    );
    // By symmetry the arc stays in the equatorial plane; only the rounding of cos(90 deg)
    // (6.1e-17) in the entry velocity tilts it, by at most 3.5e-15 deg. Measured 6.2e-16 deg;
    // bound 1e-14 deg.
    assert!(
        got_lat.abs() < 1e-14,
        "equatorial arc stays on the equator: {got_lat}"
    );
    assert!(
        t_err < 1e-7,
        "time of flight off by {t_err} s (Kepler {tof})"
    );
}

#[test]
fn cpu_vacuum_fall_follows_the_keplerian_conic() {
    check_vacuum(&cpu());
}

#[test]
fn gpu_vacuum_fall_follows_the_keplerian_conic() {
    check_vacuum(&gpu(PrecisionChoice::F64));
}

/// Allen & Eggers (NACA TR-1381): straight-line ballistic entry, exponential atmosphere, no
/// gravity (mu = 0), no wind: peak deceleration V_E^2 sin|gamma| / (2 e H), reached at
/// V = V_E / sqrt(e). A 1000x Earth radius makes the path nearly straight relative to the
/// horizon: the local horizon turns by the downrange angle x / R, and with x = (h_E - h) /
/// tan|gamma| that is 9e-5 rad (-10 deg) to 1e-5 rad (-60 deg) between the entry and the peak.
fn allen_eggers_cfg(fpa: f64) -> ReentryConfig {
    let mut cfg = config_with(&[
        "planet.model=\"spherical\"",
        "planet.mu_m3_s2=0.0",
        "planet.radius_m=6.378137e9",
        "planet.rotation=false",
        "atmosphere.model=\"exponential\"",
        "atmosphere.rho0_kg_m3=1.225",
        "atmosphere.scale_height_m=7000.0",
        "atmosphere.perturbation.sigma=[[0.0, 0.0]]",
        "winds.profile=[[0.0, 0.0, 0.0]]",
        "entry.altitude_km=150.0",
        "entry.velocity_km_s=7.0",
        &format!("entry.flight_path_angle_deg={fpa}"),
        "integrator.method=\"rk4\"",
        "integrator.step_s=0.005",
        "integrator.time_limit_s=400.0",
    ]);
    cfg.vehicle.cd = Some(1.5);
    cfg.vehicle.cd_table = None;
    cfg.validate().expect("valid Allen-Eggers config");
    cfg
}

fn allen_eggers_peak(fpa: f64) -> f64 {
    7000.0f64.powi(2) * fpa.to_radians().sin().abs()
        / (2.0 * std::f64::consts::E * 7000.0 * 9.80665)
}

#[test]
fn allen_eggers_peak_deceleration_and_velocity_at_peak() {
    for fpa in [-10.0, -30.0, -60.0] {
        let cfg = allen_eggers_cfg(fpa);
        let (sc, params, inputs) = sample_inputs(&cfg, 1, true);
        // Step the CPU reference by hand to read the speed at the peak.
        let sm = dispersa::scenario::reentry::cpu::SampleModel {
            model: &sc.model,
            input: &inputs,
        };
        let mut s = vec![0.0; STATE_LEN];
        sc.model.initial_state(&inputs, &mut s);
        let (mut best_g, mut v_at_peak, mut h_at_peak) = (0.0, 0.0, 0.0);
        let (mut steps, mut steps_to_peak) = (0, 0);
        loop {
            let r = [s[S_R], s[S_R + 1], s[S_R + 2]];
            let v = [s[S_V], s[S_V + 1], s[S_V + 2]];
            let aux = sm.deriv(&r, &v).aux;
            if aux.g_load > best_g {
                best_g = aux.g_load;
                v_at_peak = (v[0] * v[0] + v[1] * v[1] + v[2] * v[2]).sqrt();
                h_at_peak = aux.alt_m;
                steps_to_peak = steps;
            }
            steps += 1;
            if sm.advance(&mut s, 1) {
                break;
            }
        }
        // The located maximum is the step ends' largest value or just above it (refined on
        // the dense output between them; 5 ms steps leave < 1e-6 between the two).
        let refined = (s[S_PEAK_G] - best_g) / best_g;
        assert!(
            (0.0..1e-6).contains(&refined),
            "located peak {} vs largest step-end value {best_g}",
            s[S_PEAK_G]
        );
        let want = allen_eggers_peak(fpa);
        let rel = (s[S_PEAK_G] - want).abs() / want;
        let v_want = 7000.0 / std::f64::consts::E.sqrt();
        let v_rel = (v_at_peak - v_want).abs() / v_want;
        // Allen-Eggers is exact for a straight path at a constant angle to the horizon. Here
        // the horizon turns by dgamma = (h_E - h_peak) / (R tan|gamma|) between the entry and
        // the peak (the path is straight, so |gamma| shrinks by that much), and the peak,
        // proportional to sin|gamma|, falls by cot|gamma| dgamma relative:
        // (h_E - h_peak) / (R tan^2 gamma) = 5.2e-4, 5.2e-5, 6.0e-6 at -10, -30, -60 deg
        // (h_peak 47, 40, 36 km from the run). Measured 4.8e-4, 4.9e-5, 5.5e-6. The sampling
        // of the peak at 5 ms steps adds < 1e-6 (above). Bound: 3x the estimate, per angle;
        // all are far inside the 0.5% requirement. (With the default config's winds,
        // which this test flew before it set them calm, -10 deg measured 1.8e-3.)
        let curvature = (150e3 - h_at_peak) / (6.378137e9 * fpa.to_radians().tan().powi(2));
        // The speed is read at the step end with the largest g, at most one step from the
        // peak; the speed changes by (peak deceleration) x 5 ms in a step, 2.6e-4, 7.6e-4 and
        // 1.3e-3 of V at -10, -30, -60 deg, against which the horizon's turn (through the
        // last scale height, < 1e-5 rad) is negligible. Measured 1.2e-4, 9.1e-5, 5.5e-4.
        // Bound: one step's change in speed.
        let v_step = want * 9.80665 * 0.005 / v_want;
        eprintln!(
            "fpa {fpa}: peak g {:.4} vs {want:.4} ({rel:.2e}, horizon estimate {curvature:.2e}, \
             peak at {:.1} km); v at peak {v_at_peak:.1} vs {v_want:.1} ({v_rel:.2e}, one step \
             {v_step:.2e})",
            s[S_PEAK_G],
            h_at_peak / 1e3
        );
        assert!(
            rel < 3.0 * curvature,
            "peak g {} vs Allen-Eggers {want}: {rel:e}, horizon estimate {curvature:e}",
            s[S_PEAK_G]
        );
        assert!(rel < 5e-3, "issue requirement: 0.5%");
        assert!(v_rel < v_step, "speed at peak {v_at_peak} vs {v_want}");
        // Here (a constant Cd, no lift, no gravity) the dynamic pressure is the deceleration
        // times m / (Cd A): Allen-Eggers' peak in pascals, with the same horizon error, at the
        // same time. The two maxima are located on the same dense output by the same search,
        // on curves proportional to within rounding: measured the same time to the bit; bound
        // 1e-4 s, the golden section's last bracket (tests/gpu_cpu.rs, time_peak_g_s).
        let q_want = inputs[I_MASS] / (1.5 * inputs[I_AREA]) * want * 9.80665;
        let q_rel = (s[S_PEAK_QD] - q_want).abs() / q_want;
        eprintln!(
            "fpa {fpa}: peak dynamic pressure {:.1} Pa vs {q_want:.1} ({q_rel:.2e}), at {:.4} s \
             (peak g at {:.4} s)",
            s[S_PEAK_QD], s[S_T_PEAK_QD], s[S_T_PEAK_G]
        );
        assert!(
            q_rel < 3.0 * curvature,
            "peak dynamic pressure {} vs Allen-Eggers {q_want}: {q_rel:e}",
            s[S_PEAK_QD]
        );
        assert!(
            (s[S_T_PEAK_QD] - s[S_T_PEAK_G]).abs() < 1e-4,
            "peak dynamic pressure at {} s, peak g at {} s",
            s[S_T_PEAK_QD],
            s[S_T_PEAK_G]
        );
        // And the GPU gives the same peak: the same fixed RK4 steps, so only rounding
        // differs (the shader's own f64 exp and sqrt against the CPU's), accumulated over the
        // steps to the peak (1.8e4, 6.5e3 and 3.9e3 at -10, -30, -60 deg). Measured 5.1e-11,
        // 6.5e-16, 0 at -10, -30, -60 deg; bound 5e-10.
        let o = &outputs(&gpu(PrecisionChoice::F64), &sc, &params, &inputs)[0];
        let g_rel = (o.metrics[M_PEAK_G].unwrap() - s[S_PEAK_G]).abs() / want;
        eprintln!("fpa {fpa}: GPU peak g vs CPU {g_rel:.2e} after {steps_to_peak} steps");
        assert!(
            g_rel < 5e-10,
            "GPU peak g differs from the CPU by {g_rel:e}"
        );
    }
}

/// A dense body falling almost vertically through a near-constant thin atmosphere (rho 3e-4,
/// scale height 10,000 km) speeds up all the way down, so every heat flux and the deceleration
/// peak at the impact: the peaks are the values there, at the time of flight, and the
/// convective one is Sutton-Graves' at the touchdown speed. The impact's step was not watched
/// and the windows reached past the ground: peaks 2 % high 25 ms after touchdown, or taken
/// at 2.5 s of a 10.4 s fall (an entry analyst's trial).
fn check_impact_peaks(engine: &Engine) {
    let mut cfg = config_with(&[
        "planet.model=\"spherical\"",
        "planet.mu_m3_s2=3.986004418e14",
        "planet.radius_m=6378137.0",
        "planet.rotation=false",
        "atmosphere.model=\"exponential\"",
        "atmosphere.rho0_kg_m3=3.0e-4",
        "atmosphere.scale_height_m=1.0e7",
        "atmosphere.perturbation.sigma=[[0.0, 0.0]]",
        "winds.profile=[[0.0, 0.0, 0.0]]",
        "vehicle.mass_kg=20000.0",
        "vehicle.diameter_m=0.1",
        "vehicle.nose_radius_m=0.5",
        "entry.velocity_km_s=12.0",
        "entry.flight_path_angle_deg=-89.0",
        "landing.terrain_height_m=0.0",
    ]);
    cfg.vehicle.cd = Some(1.0);
    cfg.vehicle.cd_table = None;
    // A bare fall: this isothermal air's speed of sound (sqrt(1.4 g0 H), 11.7 km/s) would
    // trigger a drogue at once. Mach 0.5 is never reached.
    cfg.parachutes = None;
    cfg.events.drogue_mach = Some(0.5);
    cfg.dispersions
        .retain(|path, _| !path.starts_with("parachutes."));
    cfg.validate().expect("valid impact config");
    let (sc, params, inputs) = sample_inputs(&cfg, 1, true);
    let o = &outputs(engine, &sc, &params, &inputs)[0];
    assert_eq!(o.status, ST_LANDED);
    let m = |name: &str| {
        let k = METRICS.iter().position(|c| c.0 == name).unwrap();
        o.metrics[k].unwrap()
    };
    let tof = m("time_of_flight_s");
    // The last window's grid ends at the located impact: the same time to rounding (1e-12 s
    // at 10 s); bound 1e-9 s.
    for t in [
        "time_peak_g_s",
        "time_peak_heat_s",
        "time_peak_dynamic_pressure_s",
    ] {
        assert!((m(t) - tof).abs() < 1e-9, "{t} {} against {tof}", m(t));
    }
    let v = m("touchdown_speed_m_s");
    // The dynamic pressure at the impact, 0.5 rho0 V^2 (no wind, no rotation: the ground speed
    // is the air speed); rounding alone, as the convective peak below.
    let q_rel =
        (m("peak_dynamic_pressure_pa") - 0.5 * 3.0e-4 * v * v).abs() / (0.5 * 3.0e-4 * v * v);
    assert!(
        q_rel < 1e-12,
        "peak dynamic pressure {q_rel:e} off 0.5 rho V^2 at touchdown"
    );
    let q = SUTTON_GRAVES_K * (3.0e-4f64 / 0.5).sqrt() * v.powi(3) / 1.0e4;
    let rel = (m("peak_conv_heat_flux_w_cm2") - q).abs() / q;
    eprintln!("impact at {v:.3} m/s after {tof:.4} s: convective peak off by {rel:.2e}");
    // Both from the dense output at the impact: the density at 0 m is rho0 exactly, so only
    // rounding separates them (measured 1e-15 on the CPU); bound 1e-12.
    assert!(
        rel < 1e-12,
        "convective peak {rel:e} off Sutton-Graves at touchdown"
    );
    assert!(v > 12_000.0, "the fall speeds up: {v} m/s");
}

#[test]
fn cpu_peaks_at_an_impact_are_the_impacts() {
    check_impact_peaks(&cpu());
}

#[test]
fn gpu_peaks_at_an_impact_are_the_impacts() {
    check_impact_peaks(&gpu(PrecisionChoice::F64));
}
