//! The parachute descent: the touchdown speed against the terminal-velocity formula, and the
//! quasi-steady fall under the main against a fully dynamic flight of the same descent.

mod common;
use common::*;
use dispersa::integrator::{trial, Method, System, Tolerance};
use dispersa::physics::us76::us76;
use dispersa::scenario::reentry::cpu::{Flight, SampleModel};
use dispersa::scenario::reentry::*;
use dispersa::scenario::Scenario;

/// Metric column by name.
fn metric(name: &str) -> usize {
    METRICS.iter().position(|(n, _)| *n == name).unwrap()
}

/// Normal gravity on the WGS84 ellipsoid (Somigliana), less the free-air gradient: an
/// independent g for the formula [m/s^2].
fn normal_gravity(lat_deg: f64, h_m: f64) -> f64 {
    let s2 = lat_deg.to_radians().sin().powi(2);
    9.780_325_335_9 * (1.0 + 0.001_931_852_652_41 * s2) / (1.0 - 0.006_694_379_990_13 * s2).sqrt()
        - 3.086e-6 * h_m
}

#[test]
fn touchdown_speed_is_the_terminal_velocity_under_the_main() {
    let cfg = config_with(&[]);
    let pc = cfg
        .parachutes
        .as_ref()
        .expect("the default config flies parachutes");
    let (sc, params, inputs) = sample_inputs(&cfg, 1, true);
    let o = &outputs(&cpu(), &sc, &params, &inputs)[0];
    assert_eq!(o.status, ST_LANDED);
    let v = o.metrics[metric("touchdown_speed_m_s")].unwrap();
    let terrain = cfg.landing.terrain_height_m;
    let rho = us76(terrain).density_kg_m3;
    let g = normal_gravity(o.metrics[M_LAT].unwrap(), terrain);
    // The body's Cd near Mach 0 (the table's first row) on its frontal area, plus the main's.
    let d = cfg.vehicle.diameter_m;
    let cd0 = cfg.vehicle.cd_table.as_ref().unwrap()[0][1];
    let cda = cd0 * std::f64::consts::PI * d * d / 4.0 + pc.main_cd_area_m2.unwrap();
    let expected = (2.0 * cfg.vehicle.mass_kg * g / (rho * cda)).sqrt();
    let rel = (v - expected).abs() / expected;
    eprintln!("touchdown {v:.4} m/s, sqrt(2 m g / (rho Cd A)) {expected:.4} m/s, rel {rel:.2e}");
    // The 2 %. Expected differences: J2 gravity against normal gravity (~1e-4), the
    // US76 table's interpolation (5e-4 in density, 2.5e-4 in speed).
    assert!(rel < 0.02, "touchdown speed {v} m/s against {expected} m/s");
    // Canopies opened in order, the drogue near Stardust's ~32 km.
    let (td, tm) = (
        o.metrics[metric("drogue_time_s")].unwrap(),
        o.metrics[metric("main_time_s")].unwrap(),
    );
    let tof = o.metrics[metric("time_of_flight_s")].unwrap();
    assert!(0.0 < td && td < tm && tm < tof, "{td} < {tm} < {tof}");
}

#[test]
fn quasi_steady_main_matches_a_dynamic_descent() {
    let cfg = config_with(&[]);
    let (sc, params, inputs) = sample_inputs(&cfg, 1, true);
    let sm = SampleModel {
        model: &sc.model,
        input: &inputs,
    };
    let mut s = vec![0.0; STATE_LEN];
    sc.initial_state(&inputs, &mut s);
    // Step the reference until the main opens; keep that state.
    while s[S_CHUTE] != CH_MAIN as f64 {
        assert!(!sm.advance(&mut s, 1), "the main opens before touchdown");
    }
    let y0: [f64; N_Y] = s[S_Y..S_Y + N_Y].try_into().unwrap();
    let t0 = s[S_T];
    while !sm.advance(&mut s, 1000) {}
    let qs = sc.outputs(&params[0], &s);
    assert_eq!(qs.status, ST_LANDED);

    // The same descent flown dynamically under the main all the way: RK4 at 0.01 s (the
    // drag rate 2 D / V peaks near 30 /s at the opening, so the step is 0.3 of it: stable
    // and accurate to far below a millimetre).
    let flight = Flight {
        sample: &sm,
        canopy: sm.canopy(CH_MAIN),
    };
    let terrain = cfg.landing.terrain_height_m;
    let tol = Tolerance {
        rtol: 1.0,
        atol: 1.0,
    };
    let (mut y, mut t) = (y0, t0);
    let dt = 0.01;
    let (mut f, mut a) = flight.rhs(t, &y);
    let landing = loop {
        let tr = trial(Method::Rk4, &flight, t, &y, &f, dt, tol);
        if tr.aux1.alt_m <= terrain {
            // Bisection on the step's dense output for the terrain.
            let (mut lo, mut hi) = (0.0, 1.0);
            for _ in 0..50 {
                let mid = 0.5 * (lo + hi);
                let ym = tr.dense(mid);
                if sm.altitude_m(&[ym[0], ym[1], ym[2]]) > terrain {
                    lo = mid;
                } else {
                    hi = mid;
                }
            }
            break (tr.dense(hi), tr.t_at(hi));
        }
        assert!(a.alt_m > terrain);
        (y, t, f, a) = (tr.y1, t + dt, tr.f1, tr.aux1);
    };
    let (yl, tl) = landing;
    let mut dyn_state = s.clone();
    dyn_state[S_Y..S_Y + N_Y].copy_from_slice(&yl);
    dyn_state[S_T] = tl;
    let dy = sc.outputs(&params[0], &dyn_state);
    let dist = landing_distance_m(&qs, &dy);
    let tof = metric("time_of_flight_s");
    let spd = metric("touchdown_speed_m_s");
    let dt_land = (qs.metrics[tof].unwrap() - dy.metrics[tof].unwrap()).abs();
    let dv = (qs.metrics[spd].unwrap() / dy.metrics[spd].unwrap() - 1.0).abs();
    eprintln!(
        "quasi-steady against dynamic, {:.0} s under the main: landing {dist:.3} m apart, \
         time of flight {dt_land:.4} s, touchdown speed {dv:.2e} relative",
        tl - t0
    );
    // The quasi-steady fall lags the dynamic one by (dV_t/dt) / rate ~ 3e-4 m/s vertically
    // and, without the Coriolis term on the slow relative velocity, ~3e-4 m/s horizontally:
    // ~0.1 m over the ~370 s descent, and ~0.03 s; the integrator's own errors (descent rtol
    // 1e-5) are of the same order. Bounds 10x above: 2 m, 0.3 s, and the speed 1e-3.
    assert!(dist < 2.0, "landings {dist} m apart");
    assert!(dt_land < 0.3, "times of flight differ by {dt_land} s");
    assert!(dv < 1e-3, "touchdown speeds differ by {dv:e}");
}
