//! Cruise physics: closed forms, a converged independent integration, CPU vs GPU, bookkeeping,
//! and the nominal mission. GPU tests fail (not skip) without an adapter.

mod common;
use dispersa::config::RawConfig;
use dispersa::engine::{Engine, PrecisionChoice};
use dispersa::physics::ephemeris::DAY_S;
use dispersa::physics::kepler::{
    elements_to_state, propagate_kepler, Elements, AU_M, SUN_MU_M3_S2,
};
use dispersa::pipeline::Samples;
use dispersa::scenario::cruise::*;
use dispersa::scenario::{SampleOutputs, Scenario};

const CONFIG: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/configs/tianwen2_cruise_311p.toml"
);

fn cruise_with(sets: &[String]) -> Cruise {
    let mut raw = RawConfig::load(std::path::Path::new(CONFIG), sets).expect("config loads");
    // Switched to a state departure, the shipped config's flyby dispersions go: a state
    // departure does not read those keys and refuses to disperse them. So does the
    // degradation's under constant power.
    let mode = |table: &str, key: &str| {
        raw.table
            .get(table)
            .and_then(|d| d.get(key))
            .and_then(|m| m.as_str())
            .map(str::to_string)
    };
    let state = mode("departure", "mode").as_deref() == Some("state");
    let constant = mode("propulsion", "power_model").as_deref() == Some("constant");
    if let Some(d) = raw
        .table
        .get_mut("dispersions")
        .and_then(|d| d.as_table_mut())
    {
        d.retain(|k, _| {
            let unread = (state && k.starts_with("departure."))
                || (constant && k == "propulsion.degradation_per_year");
            !unread
        });
    }
    Cruise::new(CruiseConfig::from_raw(&raw).expect("valid config"))
}

/// Propagate samples 0..n (nominal when `nominal`) and return outputs and final states.
fn run(
    engine: &Engine,
    sc: &Cruise,
    n: usize,
    nominal: bool,
) -> (Vec<SampleOutputs>, Vec<Vec<f64>>) {
    run_range(engine, sc, 0..n as u64, nominal)
}

/// [`run`] over the samples `range`.
fn run_range(
    engine: &Engine,
    sc: &Cruise,
    range: std::ops::Range<u64>,
    nominal: bool,
) -> (Vec<SampleOutputs>, Vec<Vec<f64>>) {
    let n = (range.end - range.start) as usize;
    let seed = sc.run_config().seed;
    let c = Samples::new(sc, seed, nominal)
        .unwrap()
        .draw(sc, range, None);
    let (params, inputs) = (c.params, c.inputs);
    let (mut runner, chunk) = engine.runner(sc, n).unwrap();
    assert!(chunk >= n);
    let states = runner.propagate(sc, &inputs, n, &|_| {}).unwrap();
    let sl = sc.state_len();
    let outs = params
        .iter()
        .enumerate()
        .map(|(j, p)| sc.outputs(p, &states[j * sl..(j + 1) * sl]))
        .collect();
    (outs, states.chunks(sl).map(|s| s.to_vec()).collect())
}

fn metric(o: &SampleOutputs, name: &str) -> f64 {
    let k = METRICS.iter().position(|(n, _)| *n == name).unwrap();
    o.metrics[k].unwrap_or_else(|| panic!("{name} is null"))
}

/// A heliocentric state given to the config in au and km/s.
fn state_sets(r: [f64; 3], v: [f64; 3]) -> Vec<String> {
    vec![
        "departure.mode=\"state\"".into(),
        format!(
            "departure.position_au=[{}, {}, {}]",
            r[0] / AU_M,
            r[1] / AU_M,
            r[2] / AU_M
        ),
        format!(
            "departure.velocity_km_s=[{}, {}, {}]",
            v[0] / 1e3,
            v[1] / 1e3,
            v[2] / 1e3
        ),
        "perturbations.bodies=[]".into(),
        // Far from the target: no accidental arrival.
        "target.tol_a_au=1e-12".into(),
    ]
}

/// Fixed RK4 steps (the validation method; dopri5 is the default).
fn rk4() -> String {
    "integrator.method=\"rk4\"".into()
}

fn zero_thrust_kepler(engine: &Engine, method: &str) {
    let el = Elements {
        a_m: 1.6 * AU_M,
        e: 0.2,
        i_rad: 0.1,
        raan_rad: 1.0,
        argp_rad: 2.0,
        mean_anomaly_rad: 0.5,
    };
    let (r0, v0) = elements_to_state(&el, SUN_MU_M3_S2);
    let mut sets = state_sets(r0, v0);
    sets.extend([
        "propulsion.thrusters=0".into(),
        format!("integrator.time_limit_days={}", 8.0 * 365.25),
        format!("integrator.method=\"{method}\""),
    ]);
    let sc = cruise_with(&sets);
    let (outs, states) = run(engine, &sc, 1, true);
    assert_eq!(outs[0].status, ST_TIMEOUT);
    let s = &states[0];
    let t = s[S_T];
    let (rk, _) = propagate_kepler(r0, v0, SUN_MU_M3_S2, t);
    let err =
        ((s[S_R] - rk[0]).powi(2) + (s[S_R + 1] - rk[1]).powi(2) + (s[S_R + 2] - rk[2]).powi(2))
            .sqrt();
    eprintln!(
        "zero thrust, {:.1} years, {method}: {:.3} m from Kepler",
        t / DAY_S / 365.25,
        err
    );
    // The global error on a 1.3-2.0 au orbit, 8 years. dopri5 at the default rtol 1e-11: the
    // issue's bound, 1 km (measured 0.77 km). RK4 at 0.1 day: 3 m, ten times the largest
    // measured, 0.17 m (CPU) and 0.14 m (lavapipe), 0.27 and 0.28 m with the departure epoch
    // 3 h 10 min earlier (2026-12-05).
    let bound = if method == "rk4" { 3.0 } else { 1000.0 };
    assert!(
        err < bound,
        "position {err} m from the Kepler solution (bound {bound} m)"
    );
}

#[test]
fn cpu_zero_thrust_eight_years_follows_kepler() {
    zero_thrust_kepler(&common::cpu(), "dopri5");
    zero_thrust_kepler(&common::cpu(), "rk4");
}

#[test]
fn gpu_zero_thrust_eight_years_follows_kepler() {
    zero_thrust_kepler(&common::gpu(PrecisionChoice::F64), "rk4");
}

/// 1 au circular, 100 mN tangential at constant power, 1000 kg, Isp 3000 s, one year.
fn tangential_sets() -> Vec<String> {
    let v = (SUN_MU_M3_S2 / AU_M).sqrt();
    let mut sets = state_sets([AU_M, 0.0, 0.0], [0.0, v, 0.0]);
    sets.extend([
        "guidance.mode=\"tangential\"".into(),
        "propulsion.power_model=\"constant\"".into(),
        "propulsion.thrusters=1".into(),
        "propulsion.thrust_mn=100.0".into(),
        "propulsion.isp_s=3000.0".into(),
        // 1.47 kW in the jet: the thruster must draw more (it is the only one on).
        "propulsion.power_per_thruster_kw=2.0".into(),
        "propulsion.array_power_1au_kw=10.0".into(),
        "propulsion.bus_power_kw=0.0".into(),
        "propulsion.min_power_kw=0.0".into(),
        "propulsion.duty_cycle=1.0".into(),
        "spacecraft.wet_mass_kg=1000.0".into(),
        "spacecraft.propellant_kg=300.0".into(),
        "integrator.time_limit_days=365.25".into(),
    ]);
    sets
}

/// An integration written here, independently of the engine: (r, v, m) with RK4 at `dt`.
fn independent_tangential(days: f64, dt: f64) -> ([f64; 3], f64) {
    let (thrust, mdot) = (0.1, 0.1 / (3000.0 * 9.80665));
    let f = |y: &[f64; 7]| -> [f64; 7] {
        let r = (y[0] * y[0] + y[1] * y[1] + y[2] * y[2]).sqrt();
        let v = (y[3] * y[3] + y[4] * y[4] + y[5] * y[5]).sqrt();
        let g = -SUN_MU_M3_S2 / (r * r * r);
        let a = thrust / y[6] / v;
        [
            y[3],
            y[4],
            y[5],
            g * y[0] + a * y[3],
            g * y[1] + a * y[4],
            g * y[2] + a * y[5],
            -mdot,
        ]
    };
    let v0 = (SUN_MU_M3_S2 / AU_M).sqrt();
    let mut y = [AU_M, 0.0, 0.0, 0.0, v0, 0.0, 1000.0];
    let n = (days / dt).round() as usize;
    let h = dt * DAY_S;
    for _ in 0..n {
        let k1 = f(&y);
        let k2 = f(&std::array::from_fn(|i| y[i] + h / 2.0 * k1[i]));
        let k3 = f(&std::array::from_fn(|i| y[i] + h / 2.0 * k2[i]));
        let k4 = f(&std::array::from_fn(|i| y[i] + h * k3[i]));
        for i in 0..7 {
            y[i] += h / 6.0 * (k1[i] + 2.0 * k2[i] + 2.0 * k3[i] + k4[i]);
        }
    }
    ([y[0], y[1], y[2]], y[6])
}

#[test]
fn constant_tangential_thrust_for_a_year_matches_a_converged_independent_solution() {
    let sc = cruise_with(&tangential_sets());
    let (outs, states) = run(&common::cpu(), &sc, 1, true);
    assert_eq!(outs[0].status, ST_TIMEOUT);
    let s = &states[0];
    let days = s[S_T] / DAY_S;
    // Converged: halving the independent step from 0.01 day moves the end point < 1 m.
    let (ra, ma) = independent_tangential(days, 0.01);
    let (rb, _) = independent_tangential(days, 0.005);
    let conv = ((ra[0] - rb[0]).powi(2) + (ra[1] - rb[1]).powi(2) + (ra[2] - rb[2]).powi(2)).sqrt();
    assert!(conv < 1.0, "independent solution not converged: {conv} m");
    let err =
        ((s[S_R] - rb[0]).powi(2) + (s[S_R + 1] - rb[1]).powi(2) + (s[S_R + 2] - rb[2]).powi(2))
            .sqrt();
    eprintln!("tangential thrust, 1 year: engine (dopri5) {err:.3} m from the converged solution");
    // dopri5 at rtol 1e-11 over the year: measured 11.0 m (2026-12-05); the bound is about
    // nine times that.
    assert!(
        err < 100.0,
        "{err} m from the converged solution (bound 100 m)"
    );
    // The mass is linear in time in both: they differ by the rounding of the independent
    // solution's 36,525 sums of one step's flow (each within half an ulp of 1,000 kg, 5.7e-14
    // kg: 2.1e-9 kg at worst); measured 2.1e-10 kg.
    eprintln!("mass {:e} kg from the independent one", s[S_M] - ma);
    assert!((s[S_M] - ma).abs() < 1e-8, "mass {} vs {ma}", s[S_M]);
    // And with RK4 the GPU lands on the CPU's point.
    let mut sets = tangential_sets();
    sets.push(rk4());
    let sc = cruise_with(&sets);
    let (_, states) = run(&common::cpu(), &sc, 1, true);
    let s = &states[0];
    let (_, g) = run(&common::gpu(PrecisionChoice::F64), &sc, 1, true);
    let d = (0..3)
        .map(|i| (s[S_R + i] - g[0][S_R + i]).powi(2))
        .sum::<f64>()
        .sqrt();
    // The same 3,653 RK4 steps on both: the engines' f64 rounding alone (lavapipe does not fuse
    // fma), grown over a year of an orbit; measured 1.4 mm on lavapipe (2026-12-05). 2 cm
    // leaves room for an adapter whose f64 division and square root round otherwise.
    eprintln!("RK4: GPU {d:e} m from the CPU");
    assert!(d < 0.02, "GPU {d} m from the CPU");
}

/// Tangential and inertial guidance on the adaptive integrator, on both engines: the GPU had
/// flown tangential guidance with RK4 alone, and inertial guidance never (a newcomer's audit).
/// One year of the 1 au tangential problem, and the same with a fixed direction 30 deg out of
/// the ecliptic.
#[test]
fn gpu_and_cpu_agree_on_tangential_and_inertial_adaptive_flights() {
    let dopri5 = "integrator.method=\"dopri5\"".to_string();
    let mut inertial = tangential_sets();
    inertial.retain(|s| !s.starts_with("guidance.mode"));
    inertial.extend([
        "guidance.mode=\"inertial\"".to_string(),
        "guidance.direction=[0.0, 0.8660254037844386, 0.5]".to_string(),
    ]);
    for (name, mut sets) in [("tangential", tangential_sets()), ("inertial", inertial)] {
        sets.push(dopri5.clone());
        let sc = cruise_with(&sets);
        let (c, cs) = run(&common::cpu(), &sc, 1, true);
        let (g, gs) = run(&common::gpu(PrecisionChoice::F64), &sc, 1, true);
        assert_eq!(c[0].status, g[0].status, "{name}: same status");
        let d = (0..3)
            .map(|i| (cs[0][S_R + i] - gs[0][S_R + i]).powi(2))
            .sum::<f64>()
            .sqrt();
        let dm = (cs[0][S_M] - gs[0][S_M]).abs();
        let steps = |o: &SampleOutputs| metric(o, "steps");
        eprintln!(
            "{name} dopri5, 1 year: GPU {d:.3e} m and {dm:.3e} kg from the CPU, steps {} and {}",
            steps(&c[0]),
            steps(&g[0])
        );
        assert_eq!(steps(&c[0]), steps(&g[0]), "{name}: the same steps");
        // The same steps on both: the engines' f64 rounding alone, grown over a year of an
        // orbit, as the RK4 comparison above. Measured on lavapipe (2026-12-06): 0.78 mm
        // (tangential) and 2.2 mm (inertial), the masses equal. 2 cm is 9x the larger; the
        // mass's 1e-9 kg is ~10,000 ulps of 1,000 kg.
        assert!(d < 0.02, "{name}: GPU {d} m from the CPU");
        assert!(dm < 1e-9, "{name}: GPU mass {dm} kg from the CPU");
    }
}

/// A flight that runs dry ends at the dry mass exactly, on both engines: the margin is 0 and the
/// propellant used is the load. The exhaustion is located by bisection on the dense output,
/// whose bracket ends just past it; until 2026-12-05 the mass was taken there, up to one
/// bracket's flow (~6e-8 kg) below the dry mass, and margins of -7.6e-8 kg were written.
#[test]
fn a_flight_that_runs_dry_ends_at_the_dry_mass() {
    // The undispersed flight with 15 kW at 1 au runs out of propellant (measured 2026-12-05).
    let sc = cruise_with(&["propulsion.array_power_1au_kw=15".to_string()]);
    let load = sc.cfg.spacecraft.propellant_kg;
    for engine in [common::cpu(), common::gpu(PrecisionChoice::F64)] {
        let (o, _) = run(&engine, &sc, 1, true);
        assert_eq!(
            o[0].status, ST_PROPELLANT_EXHAUSTED,
            "status {}",
            o[0].status
        );
        assert_eq!(metric(&o[0], "propellant_margin_kg"), 0.0);
        assert_eq!(metric(&o[0], "propellant_used_kg"), load);
    }
}

#[test]
fn propellant_used_equals_the_integral_of_the_mass_flow() {
    // Constant power, one thruster: the flow is constant whenever the engine is on.
    let mut sets = tangential_sets();
    sets.push("propulsion.duty_cycle=0.9".into());
    let sc = cruise_with(&sets);
    let (outs, _) = run(&common::cpu(), &sc, 40, false);
    let mdot = 0.1 / (3000.0 * 9.80665) * 0.9;
    let mut with_outages = 0;
    for o in &outs {
        assert!(metric(o, "propellant_used_kg") > 0.0);
        let missed = metric(o, "missed_thrust_days");
        let total = metric(o, "final_epoch_mjd_tdb") - (sc.model.epoch_jd - 2_400_000.5);
        // Powered and commanded all along: every step is either thrusting or lost to an outage.
        assert!(
            (metric(o, "thrust_on_days") + missed - total).abs() < 1e-6,
            "on + missed = elapsed"
        );
        with_outages += (missed > 0.0) as usize;
    }
    assert!(with_outages > 0, "fixture should include safe-mode outages");
    // Nominal (no dispersion of Isp or thrust): used = mdot x time on, to rounding.
    let (outs, _) = run(&common::cpu(), &sc, 1, true);
    let used = metric(&outs[0], "propellant_used_kg");
    let expected = mdot * metric(&outs[0], "thrust_on_days") * DAY_S;
    assert!(
        (used - expected).abs() < 1e-9 * expected,
        "used {used} vs flow integral {expected}"
    );
}

/// The nominal meets 311P (status `arrived`: within target.rendezvous_km and
/// target.rendezvous_m_s of the comet) with propellant to spare, on both engines; and an
/// independent propagation of 311P from its published elements (tests/common/comet.rs) puts
/// the comet within those tolerances of the final state too.
#[test]
fn nominal_cruise_meets_311p_with_margin() {
    let sc = cruise_with(&[]);
    let (rdv_km, rdv_m_s) = (sc.cfg.target.rendezvous_km, sc.cfg.target.rendezvous_m_s);
    for (name, sc, engine) in [
        ("cpu dopri5", cruise_with(&[]), common::cpu()),
        (
            "gpu rk4",
            cruise_with(&[rk4()]),
            common::gpu(PrecisionChoice::F64),
        ),
    ] {
        let (outs, states) = run(&engine, &sc, 1, true);
        let o = &outs[0];
        assert_eq!(o.status, ST_ARRIVED, "{name}: nominal status {}", o.status);
        let mjd = metric(o, "rendezvous_mjd_tdb");
        let margin = metric(o, "propellant_margin_kg");
        let s = &states[0];
        let jd = sc.model.epoch_jd + s[S_T] / DAY_S;
        let (rc, vc) = common::comet::comet_at(jd);
        let r = [s[S_R], s[S_R + 1], s[S_R + 2]];
        let v = [s[S_V], s[S_V + 1], s[S_V + 2]];
        let (d_km, dv) = (common::comet::dist(r, rc) / 1e3, common::comet::dist(v, vc));
        eprintln!(
            "{name}: rendezvous MJD {mjd:.2} ({:.0} days), margin {margin:.1} kg; by the \
             independent comet: {d_km:.1} km, {dv:.4} m/s (engine's: {:.1} km, {:.4} m/s); \
             orbit match MJD {:.2}",
            metric(o, "time_of_flight_days"),
            metric(o, "final_distance_km"),
            metric(o, "final_relative_speed_m_s"),
            metric(o, "orbit_match_mjd_tdb"),
        );
        assert!(margin > 0.0);
        // The end is located where the relative speed falls to the tolerance, so it sits on
        // the boundary: the two ephemerides' agreement (40 m, 0.1 mm/s:
        // tests/comet_ephemeris.rs) is the allowance, here and against the engine's own
        // distance and speed at the end.
        assert!(d_km <= rdv_km + 0.04, "{d_km} km");
        assert!(dv <= rdv_m_s + 1e-4, "{dv} m/s");
        assert!((d_km - metric(o, "final_distance_km")).abs() <= 0.04);
        assert!((dv - metric(o, "final_relative_speed_m_s")).abs() <= 1e-4);
    }
}

/// The shipped flyby's aim (incoming v_inf [m/s], periapsis radius [m], B-plane angle [rad]),
/// the leg's time to the sphere [s] and the aimed hyperbola about the Earth's GM.
fn shipped_flyby(
    sc: &Cruise,
) -> (
    [f64; 3],
    f64,
    f64,
    f64,
    dispersa::physics::bplane::Hyperbola,
) {
    use dispersa::scenario::cruise::departure::{aimed_hyperbola, leg_time_s};
    let (vin, rp, theta) = sc.model.flyby_aim(sc.nominal());
    let h = aimed_hyperbola(vin, rp, theta).unwrap();
    (vin, rp, theta, leg_time_s(vin, rp).unwrap(), h)
}

/// The flyby's leg to the sphere of influence (`scenario::cruise::departure`), three ways:
/// - the Earth alone, a point mass: the leg ends on the two-body hyperbola's outgoing leg at the
///   sphere, where Kepler's equation puts it (the integrator's error over ~210 steps);
/// - the shipped forces at the leg's tolerance against the same forces at 1e-13, with the
///   Moon's and the Sun's series read directly rather than from the hourly tables: within a
///   metre;
/// - the start (`Model::departure_state`) is the Earth's state at the leg's end plus the leg's.
#[test]
fn the_flyby_leg_is_the_hyperbola_alone_and_converged_with_the_moon_and_sun() {
    use dispersa::integrator::Tolerance;
    use dispersa::physics::moon::earth_state;
    use dispersa::physics::vec3::norm;
    use dispersa::scenario::cruise::departure::{fly_leg, LegBodies, LEG_TOL};
    let sc = cruise_with(&[]);
    let (vin, rp, theta, t0, h) = shipped_flyby(&sc);
    let dist = |a: [f64; 3], b: [f64; 3]| norm(std::array::from_fn(|k| a[k] - b[k]));

    // The Earth alone against Kepler.
    let (r, v, trials) = fly_leg(vin, rp, theta, t0, None, false, LEG_TOL).unwrap();
    let (rk, vk) = h.outbound_at_radius(EARTH_SOI_M).unwrap();
    let (dr, dv) = (dist(r, rk), dist(v, vk));
    eprintln!("Earth alone: {trials} trials, {dr:.3} m and {dv:.2e} m/s from Kepler at the sphere");
    // rtol 1e-11 on 9.25e8 m is 9 mm a step; 1 m and 1e-6 m/s leave ~100 steps of it.
    assert!(dr < 1.0 && dv < 1e-6, "{dr} m, {dv} m/s");

    // The shipped forces, converged, and the tables against the series.
    let jd0 = sc.model.epoch_jd;
    let tables = sc.model.leg.as_ref().expect("a flyby has its tables");
    let (r1, v1, trials) = fly_leg(vin, rp, theta, t0, Some(tables), true, LEG_TOL).unwrap();
    let direct = LegBodies::direct(jd0);
    let fine = Tolerance {
        rtol: 1e-13,
        atol: 1e-9,
    };
    let (r2, v2, fine_trials) = fly_leg(vin, rp, theta, t0, Some(&direct), true, fine).unwrap();
    let (dr, dv) = (dist(r1, r2), dist(v1, v2));
    eprintln!(
        "Moon, Sun and J2: {trials} trials against {fine_trials} at 1e-13 from the series: \
         {dr:.3} m, {dv:.2e} m/s; the leg's end {:.0} km and {:.2} m/s from Kepler's",
        dist(r1, rk) / 1e3,
        dist(v1, vk)
    );
    assert!(dr < 1.0 && dv < 1e-5, "{dr} m, {dv} m/s");

    // The start is the Earth's state then, plus the leg's end.
    let d = sc.model.departure_state(sc.nominal());
    assert_eq!(d.t0_s, t0);
    let (re, ve) = earth_state(jd0 + t0 / DAY_S);
    for k in 0..3 {
        assert_eq!(d.r[k], re[k] + r1[k]);
        assert_eq!(d.v[k], ve[k] + v1[k]);
    }
}

/// The leg's forces, checked by a second formulation: the same flight integrated in the
/// heliocentric frame (the Sun, the Earth with J2 about the equatorial pole turned into the
/// ecliptic as `tests/bplane.rs` turns v_inf, and the Moon, each pulling where the ephemeris and
/// the lunar series put it; no indirect terms), with fixed-step RK4 at 5 s, against the
/// geocentric leg with its indirect terms. A wrong sign of an indirect term or of the pole moves
/// the end by hundreds to thousands of km (the pole's: 368 km, a review); the two agree to the
/// mismatch between the ephemeris's Earth and the point masses' pull on it, and RK4's error.
#[test]
fn the_flyby_leg_agrees_with_a_heliocentric_integration_of_the_same_bodies() {
    use dispersa::physics::constants::{EARTH_J2, EARTH_MU_M3_S2, WGS84_A_M};
    use dispersa::physics::ephemeris::{body_gm_m3_s2, Body};
    use dispersa::physics::moon::{earth_state, moon_position};
    use dispersa::physics::vec3::norm;
    use dispersa::scenario::cruise::departure::{earth_pole_ecliptic, fly_leg, LegBodies, LEG_TOL};
    // The pole: the equatorial z axis, which the ecliptic-to-equatorial turn must give back.
    let eps = 23.439_291_f64.to_radians();
    let p = earth_pole_ecliptic();
    let eq = [
        p[0],
        eps.cos() * p[1] - eps.sin() * p[2],
        eps.sin() * p[1] + eps.cos() * p[2],
    ];
    assert!(eq[0].abs() < 1e-12 && eq[1].abs() < 1e-8 && (eq[2] - 1.0).abs() < 1e-12);

    let sc = cruise_with(&[]);
    let (vin, rp, theta, t0, h) = shipped_flyby(&sc);
    let jd0 = sc.model.epoch_jd;
    let direct = LegBodies::direct(jd0);
    let (rg, vg, _) = fly_leg(vin, rp, theta, t0, Some(&direct), true, LEG_TOL).unwrap();

    // Periapsis, from the same aim.
    let (r0, v0) = h.inbound_at_radius(h.periapsis_radius_m()).unwrap();
    let mu_sun = dispersa::physics::kepler::SUN_MU_M3_S2;
    let mu_moon = body_gm_m3_s2(Body::EarthMoonBary) - EARTH_MU_M3_S2;
    let pole = [0.0, eps.sin(), eps.cos()];
    let accel = |t: f64, r: [f64; 3]| -> [f64; 3] {
        let jd = jd0 + t / DAY_S;
        let (re, _) = earth_state(jd);
        let m = moon_position(jd);
        let d: [f64; 3] = std::array::from_fn(|k| r[k] - re[k]);
        let dm: [f64; 3] = std::array::from_fn(|k| r[k] - re[k] - m[k]);
        let (rn, dn, dmn) = (norm(r), norm(d), norm(dm));
        let z: f64 = (0..3).map(|k| d[k] * pole[k]).sum();
        let kj = 1.5 * EARTH_J2 * EARTH_MU_M3_S2 * WGS84_A_M.powi(2) / dn.powi(5);
        std::array::from_fn(|k| {
            -mu_sun * r[k] / rn.powi(3)
                - EARTH_MU_M3_S2 * d[k] / dn.powi(3)
                - kj * ((1.0 - 5.0 * z * z / (dn * dn)) * d[k] + 2.0 * z * pole[k])
                - mu_moon * dm[k] / dmn.powi(3)
        })
    };
    let (re0, ve0) = earth_state(jd0);
    let mut y: [f64; 6] = std::array::from_fn(|k| {
        if k < 3 {
            re0[k] + r0[k]
        } else {
            ve0[k - 3] + v0[k - 3]
        }
    });
    let f = |t: f64, y: &[f64; 6]| -> [f64; 6] {
        let a = accel(t, [y[0], y[1], y[2]]);
        [y[3], y[4], y[5], a[0], a[1], a[2]]
    };
    let n = (t0 / 5.0).ceil() as usize;
    let dt = t0 / n as f64;
    for i in 0..n {
        let t = i as f64 * dt;
        let k1 = f(t, &y);
        let k2 = f(
            t + dt / 2.0,
            &std::array::from_fn(|j| y[j] + dt / 2.0 * k1[j]),
        );
        let k3 = f(
            t + dt / 2.0,
            &std::array::from_fn(|j| y[j] + dt / 2.0 * k2[j]),
        );
        let k4 = f(t + dt, &std::array::from_fn(|j| y[j] + dt * k3[j]));
        y = std::array::from_fn(|j| y[j] + dt / 6.0 * (k1[j] + 2.0 * k2[j] + 2.0 * k3[j] + k4[j]));
    }
    let (re1, ve1) = earth_state(jd0 + t0 / DAY_S);
    let dr = norm(std::array::from_fn(|k| y[k] - re1[k] - rg[k]));
    let dv = norm(std::array::from_fn(|k| y[k + 3] - ve1[k] - vg[k]));
    eprintln!("heliocentric RK4 against the geocentric leg: {dr:.1} m, {dv:.2e} m/s");
    // The budget: the ephemeris's Earth is a Kepler orbit (Standish's elements) and the lunar
    // series, not a solution of these forces; what it leaves out, the planets' pulls on the
    // Earth and on the Sun (Jupiter's ~3e-7 m/s^2 in the heliocentric frame), grows as a t^2 / 2
    // over the leg: 3e-7 x (1.9e5 s)^2 / 2 = 5 km and a t = 0.06 m/s. Measured 3.2 km and
    // 0.032 m/s; an indirect term of the wrong sign gives thousands of km, the pole's 368 km.
    assert!(dr < 5e3 && dv < 0.06, "{dr} m, {dv} m/s");
}

/// A sampled flyby periapsis below the 125 km floor (the drag-free patched conic's) fails its
/// sample, and the reason names the floor; at the floor it flies.
#[test]
fn a_sampled_periapsis_below_the_floor_fails_and_says_why() {
    let sc = cruise_with(&[]);
    let i = PARAM_NAMES
        .iter()
        .position(|n| *n == "departure.periapsis_altitude_km")
        .unwrap();
    let mut p = sc.nominal().to_vec();
    p[i] = 124.9;
    let why = sc.model.unphysical(&p).expect("below the floor");
    assert!(why.contains("below the 125 km floor"), "{why}");
    p[i] = 125.0;
    assert_eq!(sc.model.unphysical(&p), None);
}

/// Under constant power a sampled array that, less the bus, cannot run one thruster fails its
/// sample with the reason (the undispersed config is refused for it; a dispersed array timed
/// out 39 samples of 100 with no thrust and no reason: a cruise trial). At exactly one
/// thruster's power it flies; under solar power the same array is not judged here.
#[test]
fn a_sampled_array_that_runs_no_thruster_under_constant_power_fails_and_says_why() {
    let sc = cruise_with(&["propulsion.power_model=\"constant\"".to_string()]);
    let i = |name: &str| PARAM_NAMES.iter().position(|n| *n == name).unwrap();
    let mut p = sc.nominal().to_vec();
    assert_eq!(sc.model.unphysical(&p), None);
    // 1.6 kW less the 0.6 kW bus leaves the 1 kW one thruster needs.
    p[i("propulsion.array_power_1au_kw")] = 1.6;
    assert_eq!(sc.model.unphysical(&p), None);
    p[i("propulsion.array_power_1au_kw")] = 1.5;
    let why = sc.model.unphysical(&p).expect("no thruster can run");
    assert!(
        why.starts_with(
            "under constant power propulsion.array_power_1au_kw = 1.5 kW less \
             propulsion.bus_power_kw = 0.6 kW leaves 0.9 kW, below the 1 kW one thruster needs"
        ),
        "{why}"
    );
    let solar = cruise_with(&[]);
    let mut q = solar.nominal().to_vec();
    q[i("propulsion.array_power_1au_kw")] = 1.5;
    assert_eq!(solar.model.unphysical(&q), None);
}

/// A sampled thruster whose jet carries more than it draws (thrust_mn x thrust_scale^2 x g0 x
/// isp_s x isp_scale / 2 above power_per_thruster_kw: an efficiency above 1) fails its sample,
/// and the reason says so; the shipped thruster's 40 mN at 3,000 s carry 0.588 kW of its 1 kW.
#[test]
fn a_sampled_thruster_above_unit_efficiency_fails_and_says_why() {
    let sc = cruise_with(&[]);
    let i = |name: &str| PARAM_NAMES.iter().position(|n| *n == name).unwrap();
    let mut p = sc.nominal().to_vec();
    assert_eq!(sc.model.unphysical(&p), None);
    // 1.30^2 x 0.5884 = 0.994 kW: within; 1.31^2 x 0.5884 = 1.010 kW: above.
    p[i("propulsion.thrust_scale")] = 1.30;
    assert_eq!(sc.model.unphysical(&p), None);
    p[i("propulsion.thrust_scale")] = 1.31;
    let why = sc.model.unphysical(&p).expect("above unit efficiency");
    assert!(
        why.contains("jet carries 1.010 kW, more than the 1.000 kW"),
        "{why}"
    );
    // As by a higher Isp at the same thrust (the flow falls, the jet's speed rises).
    p[i("propulsion.thrust_scale")] = 1.0;
    p[i("propulsion.isp_scale")] = 1.75;
    assert!(sc.model.unphysical(&p).is_some());
}

/// The checks that refuse a config that cannot fly hold where it cannot, and only there: no
/// hysteresis band stalls dopri5 under the Q-law, not RK4 (which flies it, in 1.1 million
/// steps) nor tangential guidance (no cut); and they are not made on a config read back with
/// results (`scenario_of_results`: a report of a run that a build before 2026-12-06 flew).
#[test]
fn flight_checks_refuse_only_what_cannot_fly() {
    let checked = |sets: &[&str]| {
        let sets: Vec<String> = sets.iter().map(|s| s.to_string()).collect();
        let raw = RawConfig::load(std::path::Path::new(CONFIG), &sets).unwrap();
        CruiseConfig::from_raw(&raw).unwrap().flight_checks()
    };
    // Each refusal names its key and its measure.
    for (set, names) in [
        (
            "guidance.eta_hysteresis=0",
            ["guidance.eta_hysteresis", "dopri5"],
        ),
        (
            "propulsion.thrust_scale=1.5",
            ["propulsion.power_per_thruster_kw", "1.32"],
        ),
    ] {
        let err = checked(&[set]).unwrap_err().to_string();
        assert!(names.iter().all(|n| err.contains(n)), "{err}");
    }
    assert!(checked(&["guidance.eta_hysteresis=0", "integrator.method=\"rk4\""]).is_ok());
    assert!(checked(&["guidance.eta_hysteresis=0", "guidance.mode=\"tangential\""]).is_ok());
    assert!(checked(&["guidance.eta_hysteresis=0", "guidance.eta_cut=0"]).is_ok());
    let raw = RawConfig::load(
        std::path::Path::new(CONFIG),
        &["propulsion.power_per_thruster_kw=0.5".to_string()],
    )
    .unwrap();
    assert!(dispersa::run::build_scenario(&raw).is_err());
    assert!(dispersa::run::scenario_of_results(&raw, None).is_ok());
    // A stored config whose keys this build refuses (one it tightened since) is named as the
    // stored one, with the build that wrote it.
    let raw = RawConfig::load(
        std::path::Path::new(CONFIG),
        &["guidance.eta_hysteresis=0.5".to_string()],
    )
    .unwrap();
    let err = dispersa::run::scenario_of_results(&raw, Some("abc1234"))
        .err()
        .expect("refused")
        .to_string();
    assert!(
        err.starts_with(
            "this build refuses the config stored with these results (config key \
             `guidance.eta_hysteresis`"
        ) && err.contains("written by build abc1234"),
        "{err}"
    );
}

/// The open-loop replay of the undispersed Q-law flight's commands (on/off, direction and
/// throttle at each step's middle, held over the step) retraces that flight: flown undispersed
/// to the Q-law flight's rendezvous epoch, where its recorded commands end, it has used the same
/// propellant within the cruise's accuracy budget (10 g; measured 0.19 g); every 100 days of its
/// first 1,000 it is within 500 km of the Q-law flight (the largest measured, 255 km, with a
/// margin of two); at the end it is inside the rendezvous sphere about the same point (10,000
/// km; measured 1,755 km). The separation is the held command's error alone, second order in
/// the step: with `max_step_days` 0.5 and 0.25 the separation at day 1,000 shrinks by at least 3
/// (measured 10.9 and 2.7 km, 4.0; 0.7 km at 0.125 in an earlier measurement).
///
/// Until 2026-12-05 a part of it did not shrink with the step (191, 187 and 186 km at day 700
/// with 0.5, 0.25 and 0.125-day caps; 642 km at day 800 with the default): between day 182.65
/// and 182.70 the replay used 77.5 mg more propellant than the Q-law flight, one thruster's
/// flow for 57 s. Every located mode switch closer than `SWITCH_MIN_S` (60 s) to a step's start
/// was taken 60 s after it, and one of the two flights met this thruster-count switch just
/// after a step's start. Now only a switch of the Q-law's wish alone, which is what chatters,
/// has that floor (`layout::switch_floor_s`); at day 182.7 the two differ by 2.5 mg.
///
/// What the replay does after its commands end is not tested: it coasts on at about the
/// hand-over speed. With the law that overshot the comet, until 2026-12-05, the two rendezvous
/// agreed within 50 min; while the replay did not carry the approach law's throttle it thrust
/// at full power through the approach, used 17 kg more and ended 1.1e8 km from the comet.
#[test]
fn undispersed_open_loop_replay_retraces_the_qlaw_flight() {
    let engine = common::cpu();
    let (q, qs) = run(&engine, &cruise_with(&[]), 1, true);
    assert_eq!(
        q[0].status, ST_ARRIVED,
        "Q-law nominal status {}",
        q[0].status
    );
    let open_loop = "guidance.mode=\"open_loop\"".to_string();
    // The replay and the Q-law flight to the same epoch (the time limit): how far apart.
    let replay_to = |days: f64| {
        let limit = format!("integrator.time_limit_days={days}");
        run(&engine, &cruise_with(&[open_loop.clone(), limit]), 1, true)
    };
    let apart_km = |a: &[f64], b: &[f64]| {
        (0..3)
            .map(|i| (a[S_R + i] - b[S_R + i]).powi(2))
            .sum::<f64>()
            .sqrt()
            / 1e3
    };
    // The separation at `days` with the given extra settings (a step cap).
    let apart_at = |days: f64, extra: &[String]| {
        let limit = format!("integrator.time_limit_days={days}");
        let mut sets = vec![open_loop.clone(), limit.clone()];
        sets.extend_from_slice(extra);
        let (_, replay) = run(&engine, &cruise_with(&sets), 1, true);
        let mut sets = vec![limit];
        sets.extend_from_slice(extra);
        let (_, qlaw) = run(&engine, &cruise_with(&sets), 1, true);
        apart_km(&replay[0], &qlaw[0])
    };
    let early_km = (1..=10)
        .map(|k| apart_at(100.0 * k as f64, &[]))
        .fold(0.0, f64::max);
    let cap = |days: f64| vec![format!("integrator.max_step_days={days}")];
    let (half_km, quarter_km) = (apart_at(1_000.0, &cap(0.5)), apart_at(1_000.0, &cap(0.25)));
    eprintln!("at day 1,000 with 0.5 and 0.25-day caps: {half_km:.1} and {quarter_km:.1} km apart");
    assert!(
        half_km >= 3.0 * quarter_km,
        "not second order in the step: {half_km} km and {quarter_km} km at day 1,000"
    );
    let (ol, end) = replay_to(metric(&q[0], "time_of_flight_days"));
    let end_km = apart_km(&end[0], &qs[0]);
    let dm_g =
        (metric(&ol[0], "propellant_used_kg") - metric(&q[0], "propellant_used_kg")).abs() * 1e3;
    eprintln!(
        "open-loop replay of the nominal: propellant {dm_g:.2} g from the Q-law flight's; \
         at most {early_km:.0} km from it every 100 days to day 1,000, {end_km:.0} km at its \
         rendezvous epoch"
    );
    assert!(dm_g <= 10.0, "propellant {dm_g} g from the Q-law flight's");
    assert!(
        early_km <= 500.0,
        "{early_km} km from the Q-law flight within 1,000 days"
    );
    let rdv_km = cruise_with(&[]).cfg.target.rendezvous_km;
    assert!(end_km <= rdv_km, "{end_km} km from the Q-law flight's end");
}

/// A sample is `arrived` only at the comet: every dispersed rendezvous ends within the
/// tolerances of 311P as the independent propagation (tests/common/comet.rs) places it, and no
/// sample that did not meet the comet ends inside them.
#[test]
fn every_dispersed_rendezvous_is_at_the_comet() {
    let sc = cruise_with(&[]);
    let (rdv_km, rdv_m_s) = (sc.cfg.target.rendezvous_km, sc.cfg.target.rendezvous_m_s);
    let n = 40;
    let (outs, states) = run(&common::cpu(), &sc, n, false);
    let mut arrived = 0;
    for (o, s) in outs.iter().zip(&states) {
        let jd = sc.model.epoch_jd + s[S_T] / DAY_S;
        let (rc, vc) = common::comet::comet_at(jd);
        let r = [s[S_R], s[S_R + 1], s[S_R + 2]];
        let v = [s[S_V], s[S_V + 1], s[S_V + 2]];
        let (d_km, dv) = (common::comet::dist(r, rc) / 1e3, common::comet::dist(v, vc));
        // Allowance: the two ephemerides' agreement (40 m, 0.1 mm/s), as for the nominal.
        let inside = d_km <= rdv_km + 0.04 && dv <= rdv_m_s + 1e-4;
        if o.status == ST_ARRIVED {
            arrived += 1;
            assert!(inside, "arrived {d_km} km, {dv} m/s from the comet");
        } else {
            let outside = d_km > rdv_km - 0.04 || dv > rdv_m_s - 1e-4;
            assert!(outside, "status {} but {d_km} km, {dv} m/s", o.status);
        }
    }
    eprintln!("{arrived} of {n} dispersed samples met the comet, each within the tolerances");
    assert!(arrived >= n / 2, "too few rendezvous to check: {arrived}");
}

/// The closest approach to 311P is the flight's least distance, located inside its step: flown
/// again to end at its epoch (as the time limit, which a step ends on exactly), a sample is that
/// far from the comet, and five minutes either side it is farther. The sample is the nearest
/// pass among the first 300 of the default seed that pass the comet days before they meet it
/// (most lost their braking to safe-mode outages on their final approach; 331 of the default
/// run's 10,000 do on 2026-12-06, so 300 hold about 10: 10.1 km for sample 172 on 2026-12-05). Until 2026-12-05 the
/// vertex of a parabola through the squared distance at a step's start, middle and end stood
/// for the minimum: it fell up to 84 km off, and for 8 % of dispersed rendezvous below zero
/// (written as 0 km).
#[test]
fn closest_approach_is_where_the_flight_passes_nearest() {
    let (scan, _) = run_range(&common::cpu(), &cruise_with(&[]), 0..300, false);
    let passes = scan.iter().enumerate().filter(|(_, o)| {
        o.status == ST_ARRIVED
            && metric(o, "rendezvous_mjd_tdb") - metric(o, "closest_approach_mjd_tdb") > 1.0
    });
    let (k, _) = passes
        .min_by(|a, b| {
            metric(a.1, "closest_approach_km").total_cmp(&metric(b.1, "closest_approach_km"))
        })
        .expect("a sample that passes the comet before it meets it");
    let sample = k as u64..k as u64 + 1;
    let (outs, _) = run_range(&common::cpu(), &cruise_with(&[]), sample.clone(), false);
    assert_eq!(outs[0].status, ST_ARRIVED);
    let ca_km = metric(&outs[0], "closest_approach_km");
    let ca_mjd = metric(&outs[0], "closest_approach_mjd_tdb");
    assert_eq!(
        ca_km,
        metric(&scan[k], "closest_approach_km"),
        "flown alone as in the batch"
    );
    let epoch_jd = cruise_with(&[]).model.epoch_jd;
    let ca_days = ca_mjd + 2_400_000.5 - epoch_jd;
    let distance_at = |dt_s: f64| {
        let limit = format!("integrator.time_limit_days={}", ca_days + dt_s / DAY_S);
        let (o, _) = run_range(
            &common::cpu(),
            &cruise_with(&[limit]),
            sample.clone(),
            false,
        );
        assert_eq!(o[0].status, ST_TIMEOUT, "stopped at the limit");
        metric(&o[0], "final_distance_km")
    };
    let (before, at, after) = (distance_at(-300.0), distance_at(0.0), distance_at(300.0));
    eprintln!(
        "sample {k}: closest approach {ca_km:.4} km; flown to its epoch {at:.4} km, 5 min before \
         {before:.4} km, after {after:.4} km"
    );
    // The flight to the epoch shares every step but its last, which ends on the epoch instead
    // of passing it: the two positions differ by the dense output's error against a step's
    // end, a few local errors (rtol 1e-11 of a 3e11 m heliocentric radius: 3 m).
    assert!(
        (at - ca_km).abs() * 1e3 <= 10.0,
        "{at} km at the epoch, {ca_km} km reported"
    );
    // Either side of a pass the distance is about sqrt(ca^2 + (v dt)^2), and v is above the
    // 10 m/s hand-over speed (within 10,000 km and slower the flight would have ended there):
    // five minutes away lies at least sqrt(ca^2 + 3^2) - ca beyond the pass (0.43 km beyond a
    // 10 km pass). Half of that is asserted: the relative path bends under the thrust and the
    // comet's tide, far less than that in five minutes.
    let beyond = 0.5 * ((ca_km * ca_km + 9.0).sqrt() - ca_km);
    assert!(
        before > ca_km + beyond && after > ca_km + beyond,
        "{before} / {after} km against {ca_km} km"
    );
}

/// The approach law brakes onto the comet without passing it: with no safe-mode outage to
/// interrupt the braking, the first 60 dispersed samples' rendezvous are each the flight's
/// closest approach, reached from outside at the hand-over speed, thousands of kilometres out,
/// on its braking profile. (Not every sample: of the first 500 without outages, sample 287
/// passes 4,264 km from the comet before it meets it, 2026-12-06; docs/DESIGN.md.) Until 2026-12-05 the law fed
/// the relative velocity back alone (damping ratio 0.5 where it closes at d / tau): the nominal
/// flew within a metre of the comet's centre at 14 m/s and dispersed samples at a median 82 km.
#[test]
fn the_approach_does_not_fly_through_the_comet() {
    let quiet = "missed_thrust.between_scale_days=1e9".to_string();
    let (outs, _) = run_range(&common::cpu(), &cruise_with(&[quiet]), 0..60, false);
    let mut arrived = 0;
    for (k, o) in outs.iter().enumerate() {
        assert_eq!(metric(o, "missed_thrust_days"), 0.0, "sample {k}");
        if o.status != ST_ARRIVED {
            continue;
        }
        arrived += 1;
        let (ca, end) = (
            metric(o, "closest_approach_km"),
            metric(o, "final_distance_km"),
        );
        assert_eq!(ca, end, "sample {k}: passed at {ca} km, ended at {end} km");
        // Where the profile closes at the hand-over speed: c(d) = 10 m/s at
        // d = (10 m/s + k tau / 2)^2 / k - k tau^2 / 4, 7,500 km for the nominal's k = 2 s a_max
        // and 5,669-9,187 km for the first 500 dispersed samples without outages (2026-12-06;
        // more thrust: nearer), and never
        // below d = 10 m/s x tau = 4,320 km, where even an unbounded k would put it.
        assert!(end > 4_000.0, "sample {k}: ended {end} km from the comet");
    }
    assert!(arrived >= 50, "{arrived} rendezvous to check");
}

/// The end's columns agree with the status and with each other exactly: an arrival is within
/// the rendezvous distance and speed, and the closest approach is no farther than the end. The
/// host reads the comet as the engine does; read at the absolute Julian date (f64 resolves
/// 40 us, ~0.4 m of the comet's motion) samples 384, 419, 446 and 499 of the default seed broke
/// these by up to 0.34 m and 1.3e-8 m/s (a new audit, 2026-12-05).
#[test]
fn the_end_columns_agree_with_the_status() {
    let sc = cruise_with(&[]);
    let (rdv_km, rdv_m_s) = (sc.cfg.target.rendezvous_km, sc.cfg.target.rendezvous_m_s);
    for (engine, slack) in [
        (common::cpu(), 0.0),
        // The shader decided the arrival in its own arithmetic and the host reads the end in
        // the CPU's: a few ulps (1e-12 relative) either way.
        (common::gpu(PrecisionChoice::F64), 1e-12),
    ] {
        let (outs, _) = run_range(&engine, &sc, 380..500, false);
        end_columns_agree(&outs, rdv_km * (1.0 + slack), rdv_m_s * (1.0 + slack));
    }
}

fn end_columns_agree(outs: &[SampleOutputs], rdv_km: f64, rdv_m_s: f64) {
    let mut arrived = 0;
    for (k, o) in outs.iter().enumerate() {
        let (fd, fv) = (
            metric(o, "final_distance_km"),
            metric(o, "final_relative_speed_m_s"),
        );
        let ca = metric(o, "closest_approach_km");
        assert!(
            ca <= fd,
            "sample {}: closest approach {ca} km beyond the end {fd} km",
            380 + k
        );
        // The arrivals' margin: the margin where the flight met the comet, null otherwise.
        let k_rdv = METRICS
            .iter()
            .position(|(m, _)| *m == "rendezvous_margin_kg")
            .unwrap();
        let margin = o.metrics[k_rdv];
        if o.status == ST_ARRIVED {
            arrived += 1;
            assert!(
                fd <= rdv_km && fv <= rdv_m_s,
                "sample {}: arrived at {fd} km, {fv} m/s",
                380 + k
            );
            assert_eq!(margin, Some(metric(o, "propellant_margin_kg")));
        } else {
            assert_eq!(margin, None, "sample {}: {:?}", 380 + k, o.status);
        }
    }
    assert!(arrived >= 60, "{arrived} arrivals to check");
}

/// One sample flown on each engine with the shipped 10-day step cap and with 0.5 day:
/// (engine, outputs with the cap, outputs with 0.5-day steps).
fn with_and_without_long_steps(sample: u64) -> Vec<(&'static str, SampleOutputs, SampleOutputs)> {
    let short = "integrator.max_step_days=0.5".to_string();
    [
        ("cpu", common::cpu()),
        ("gpu", common::gpu(PrecisionChoice::F64)),
    ]
    .into_iter()
    .map(|(name, engine)| {
        let fly = |sets: &[String]| {
            let (mut o, _) = run_range(&engine, &cruise_with(sets), sample..sample + 1, false);
            o.remove(0)
        };
        (name, fly(&[]), fly(std::slice::from_ref(&short)))
    })
    .collect()
}

/// A rendezvous that holds for a few hours inside a step of days (leaving the rendezvous
/// distance at 10 m/s while slowing through the rendezvous speed) is found inside the step, on
/// both engines: sample 499 of the default seed meets the comet at the same epoch with the
/// shipped 10-day step cap as with 0.5 day. Tested at step ends alone it flew through the
/// window and arrived 7.2 days later with the cap (5 of 1,921 rendezvous in 2,000 samples,
/// 7-8 days late; an audit found it).
#[test]
fn a_rendezvous_inside_a_long_step_is_not_flown_through() {
    for (name, capped, fine) in with_and_without_long_steps(499) {
        for o in [&capped, &fine] {
            assert_eq!(o.status, ST_ARRIVED, "{name}");
        }
        let (capped, fine) = (
            metric(&capped, "rendezvous_mjd_tdb"),
            metric(&fine, "rendezvous_mjd_tdb"),
        );
        let hours = (capped - fine).abs() * 24.0;
        eprintln!(
            "{name}: sample 499 meets the comet at MJD {capped:.4} / {fine:.4} ({hours:.4} h)"
        );
        // The accuracy budget's 1 h; measured 2026-12-05: 0.0021 h on both engines.
        assert!(hours <= 1.0, "{name}: {hours} h apart");
    }
}

/// The first orbit match, held for days inside a step of ten and at neither end while the
/// phasing steers about the target orbit, is found inside the step on both engines: sample 47
/// of the default seed matches at the same epoch with the shipped 10-day step cap as with
/// 0.5 day. Tested at step ends alone it was recorded 395 days late with the cap (4 of 500
/// samples 400-450 days late; sample 288 even with 0.5-day steps).
#[test]
fn an_orbit_match_inside_a_long_step_is_found_there() {
    for (name, capped, fine) in with_and_without_long_steps(47) {
        let (capped, fine) = (
            metric(&capped, "orbit_match_mjd_tdb"),
            metric(&fine, "orbit_match_mjd_tdb"),
        );
        let hours = (capped - fine).abs() * 24.0;
        eprintln!(
            "{name}: sample 47 matches 311P's orbit at MJD {capped:.4} / {fine:.4} ({hours:.4} h)"
        );
        // The accuracy budget's 1 h on the cruise's epochs.
        assert!(hours <= 1.0, "{name}: {hours} h apart");
    }
}

#[test]
fn gpu_and_cpu_agree_on_dispersed_cruises() {
    for mode in ["qlaw", "open_loop"] {
        agree_on_dispersed(mode, &rk4(), 24);
    }
}

/// The adaptive kernel at its shipped 500 loop iterations a dispatch (at 2,000, with the step
/// quantizer's former loop, it spent llvmpipe's loop budget and 10 of 64 dispersed samples
/// ended up to 260 h and 0.8 kg away from the CPU reference; the engine's retry of such
/// dispatches: tests/loop_limit.rs).
#[test]
fn gpu_and_cpu_agree_on_dispersed_adaptive_cruises() {
    let dopri5 = "integrator.method=\"dopri5\"";
    agree_on_dispersed("qlaw", dopri5, 48);
    agree_on_dispersed("open_loop", dopri5, 24);
}

fn agree_on_dispersed(mode: &str, method: &str, n: usize) {
    let sc = cruise_with(&[format!("guidance.mode=\"{mode}\""), method.to_string()]);
    let (c, cs) = run(&common::cpu(), &sc, n, false);
    let (g, gs) = run(&common::gpu(PrecisionChoice::F64), &sc, n, false);
    let (mut worst_t, mut worst_p, mut worst_r, mut same) = (0.0f64, 0.0f64, 0.0f64, 0);
    let mut worst_ca = 0.0f64;
    for (k, (x, y)) in c.iter().zip(&g).enumerate() {
        assert_eq!(x.status, y.status, "same status");
        // End positions of flights that end at the time limit (a located rendezvous ends
        // within the bisection's resolution, 2^-22 of a step, ~0.6 s or ~10 km of heliocentric
        // motion: its epoch is compared instead).
        let pos = |s: &[f64]| [s[S_R], s[S_R + 1], s[S_R + 2]];
        if x.status == ST_TIMEOUT {
            worst_r = worst_r.max(common::comet::dist(pos(&cs[k]), pos(&gs[k])));
        }
        let dp = (metric(x, "propellant_used_kg") - metric(y, "propellant_used_kg")).abs();
        worst_p = worst_p.max(dp);
        let ca = |o: &SampleOutputs| metric(o, "closest_approach_km");
        worst_ca = worst_ca.max((ca(x) - ca(y)).abs() * 1e3);
        // The end: the rendezvous epoch, or the end of the flight (time limit) otherwise.
        let dt =
            (metric(x, "final_epoch_mjd_tdb") - metric(y, "final_epoch_mjd_tdb")).abs() * 1440.0;
        worst_t = worst_t.max(dt);
        same += (dt == 0.0 && x.status == ST_ARRIVED) as usize;
    }
    // The Q-law comparison must cover rendezvous (most samples meet the comet within the time
    // limit); the open-loop replay of the nominal's commands drifts away from the comet and
    // times out, and is compared on its whole flight instead.
    let arrived = c.iter().filter(|o| o.status == ST_ARRIVED).count();
    if mode == "qlaw" {
        assert!(
            arrived >= n / 2,
            "{mode}: {arrived} rendezvous, too few to compare"
        );
    } else {
        let timeouts = c.iter().filter(|o| o.status == ST_TIMEOUT).count();
        assert_eq!(timeouts, n, "{mode}: the replay drifts off and times out");
    }
    eprintln!("cruise {mode} {method} GPU vs CPU ({n} samples, {arrived} rendezvous): end epoch {worst_t:.3} min, final position {worst_r:.3} m, propellant {:.3} g, {same} identical rendezvous epochs, closest approach {worst_ca:.3} m", worst_p * 1e3);
    // The end state of the flights that time out (all of the open-loop replay's). Measured
    // (2026-12-05, lavapipe): 0.60 m for the RK4 replay, 0.17 m for the dopri5 replay, 0.20 m
    // for the Q-law's samples that time out: the engines' last-bit differences grown over the
    // flight. 10 m is 17 times the largest, for an adapter whose f64 rounds otherwise. (With
    // the hysteresis band 0.02, not shipped, Q-law samples that spent years phasing about the
    // comet differed by up to 2.0 km, the same steps and switches on both engines.)
    assert!(
        worst_r <= 10.0,
        "{mode}: final positions differ by {worst_r} m"
    );
    // Bounds 1 min and 1 g (the issue asks 1 h and 10 g). Measured on lavapipe with RK4
    // (2026-12-05): within 0.001 min and 0.000 g, 21 of 23 rendezvous epochs identical, with
    // the same steps, switches and located rendezvous (on 2,000 samples, 2026-12-06: within
    // 0.38 s and 0.23 mg, README). With dopri5 (48 samples): 45 of 46 identical, the other within 0.16 min and
    // 0.019 g
    // (earlier, 47 of 48; 0.041 min, 0.008 g and 46
    // while the Q-law's S_a took a log and an exp, which differ between the engines in the last
    // bits); on 400 samples of the default config 397 took the same steps, the others ended
    // within 2.6 s and 1.9 mg.
    assert!(worst_t <= 1.0, "{mode}: end epochs differ by {worst_t} min");
    // The closest approach, located on each engine's dense output: 1 km, what the 1-minute
    // bound on the end epoch allows at the approach's relative speeds (~15 m/s). Measured
    // (2026-12-05, lavapipe): within 0.4 m (RK4 open-loop replay), 0.1 m (dopri5), 0.0 m for
    // the Q-law samples.
    assert!(
        worst_ca <= 1e3,
        "{mode}: closest approaches differ by {worst_ca} m"
    );
    assert!(
        worst_p <= 1e-3,
        "{mode}: propellant differs by {} g",
        worst_p * 1e3
    );
}

#[test]
fn f32_is_refused_with_the_reason() {
    let sc = cruise_with(&[rk4()]);
    let engine = common::gpu(PrecisionChoice::F32);
    let err = engine
        .runner(&sc, 4)
        .err()
        .expect("f32 cruise must be refused");
    assert!(err.to_string().contains("needs f64"), "{err}");
}

/// The adaptive integrator against converged solutions (CPU engine, f64): rendezvous epoch and
/// propellant at rendezvous, on dispersed samples (thrust, Isp, pointing, power, flyby, safe-mode
/// outages, thrust noise).
#[test]
fn dopri5_rendezvous_and_propellant_against_converged_solutions() {
    let n = 200;
    let with = |rtol: &str| {
        cruise_with(&[
            "integrator.method=\"dopri5\"".into(),
            format!("integrator.rtol={rtol}"),
        ])
    };
    let engine = common::cpu();
    let (dflt, _) = run(&engine, &with("1e-11"), n, false);
    let (fine, _) = run(&engine, &with("1e-12"), n, false);
    let (conv, _) = run(&engine, &with("1e-13"), n, false);
    let budget_h = 1.0;
    let budget_g = 10.0;
    let rdv = |o: &SampleOutputs| metric(o, "rendezvous_mjd_tdb") * 24.0;
    let grams = |o: &SampleOutputs| metric(o, "propellant_used_kg") * 1e3;
    let (mut errs_h, mut errs_g, mut over, mut unsettled, mut arrived) =
        (Vec::new(), Vec::new(), 0, 0, 0);
    for i in 0..n {
        let (d, f, c) = (&dflt[i], &fine[i], &conv[i]);
        assert_eq!(d.status, c.status, "sample {i}: status");
        if c.status != ST_ARRIVED || f.status != ST_ARRIVED {
            continue;
        }
        arrived += 1;
        // Where the two tightest tolerances disagree beyond the budget, the sample's rendezvous is
        // decided by a near-tie of the guidance's on/off decisions, not by the integrator: it
        // has no converged value to compare with.
        if (rdv(f) - rdv(c)).abs() > budget_h || (grams(f) - grams(c)).abs() > budget_g {
            unsettled += 1;
            continue;
        }
        let (eh, eg) = ((rdv(d) - rdv(c)).abs(), (grams(d) - grams(c)).abs());
        over += (eh > budget_h || eg > budget_g) as usize;
        errs_h.push(eh);
        errs_g.push(eg);
    }
    let pct = |v: &mut Vec<f64>, q: f64| {
        v.sort_by(f64::total_cmp);
        v[((v.len() - 1) as f64 * q) as usize]
    };
    let settled = errs_h.len();
    eprintln!(
        "cruise dopri5 rtol 1e-11 vs 1e-13 ({n} samples, {arrived} arrived, {unsettled} without a \
         converged value): rendezvous epoch median {:.3} h, p90 {:.3} h, max {:.1} h; propellant median \
         {:.3} g, p90 {:.3} g, max {:.1} g; {over} of {settled} over the budget",
        pct(&mut errs_h, 0.5),
        pct(&mut errs_h, 0.9),
        pct(&mut errs_h, 1.0),
        pct(&mut errs_g, 0.5),
        pct(&mut errs_g, 0.9),
        pct(&mut errs_g, 1.0),
    );
    // Coverage: about 1 sample in 40 times out before meeting the comet and 1 in 60 runs out
    // of propellant (2,000-sample run); 198 of these 200 meet it.
    assert!(arrived >= n * 3 / 4, "the comparison must cover rendezvous");
    // Samples without a converged value are knife-edges of the guidance, not integrator error:
    // an on/off decision that falls the other way at rtol 1e-12 and 1e-13 sends the rest of the
    // flight elsewhere (measured 2 of 195 with the shipped hysteresis band 0.07, 2026-12-05;
    // 6 of 176 with 0.02, whose engine switched every few days; 3 of 196 when the cruise ended
    // at the orbit match).
    assert!(unsettled * 20 <= arrived, "{unsettled} unsettled samples");
    // The budget (1 h, 10 g) at the 90th percentile, and at most 1 sample in 20 beyond it.
    // Not every sample: the same knife-edges sit between rtol 1e-11 and 1e-13 too, and there
    // the outcome moves by up to years (measured 2026-12-05: p90 0.040 h and 0.199 g; 6 of 193
    // beyond, by up to 2,045 h and 15 kg, each a decision that falls the other way, not a
    // drift of the integrator; the README says so beside the figures).
    assert!(pct(&mut errs_h, 0.9) <= budget_h && pct(&mut errs_g, 0.9) <= budget_g);
    assert!(over * 20 <= settled, "{over} of {settled} over the budget");
}

/// The auto backend flies the cruise on the CPU engine when the adapter is a software one
/// (measured about 4 times faster there: `dispersa bench`, 484 against 115 samples/s), and on the GPU otherwise; `--backend gpu` is obeyed.
#[test]
fn auto_backend_prefers_the_cpu_engine_to_a_software_adapter() {
    use dispersa::engine::BackendChoice;
    let sc = cruise_with(&[]);
    let gpu = common::gpu(PrecisionChoice::F64);
    let software = match &gpu {
        Engine::Gpu { ctx, .. } => ctx.adapter.is_software(),
        Engine::Cpu { .. } => panic!("a GPU engine was asked for"),
    };
    let mut notices = Vec::new();
    let auto = gpu.fitting(BackendChoice::Auto, &sc, &mut |m| notices.push(m));
    assert_eq!(matches!(auto, Engine::Cpu { .. }), software);
    assert_eq!(
        notices.iter().any(|m| m.contains("software adapter")),
        software
    );
    // Named a note, as every message on stderr names its kind (a cruise analyst's trial).
    assert!(
        notices.iter().all(|m| m.starts_with("note: ")),
        "{notices:?}"
    );
    let explicit = common::gpu(PrecisionChoice::F64).fitting(BackendChoice::Gpu, &sc, &mut |_| {});
    assert!(matches!(explicit, Engine::Gpu { .. }));
}

/// The files carry the deadline on the MJD columns' scale, so that a notebook recounts
/// `prob_rendezvous_by_deadline` without converting time scales: a UTC deadline reads 69.184 s
/// later in TDB (37 leap seconds and TT - TAI).
#[test]
fn the_deadline_is_in_the_metadata_on_the_mjd_scale() {
    let sc = cruise_with(&["target.deadline=\"2040-01-01T00:00:00 UTC\"".into()]);
    let md = dispersa::scenario::Scenario::metadata(&sc, dispersa::engine::Precision::F64);
    let mjd: f64 = md
        .iter()
        .find(|(k, _)| k == "dispersa.target_deadline_mjd_tdb")
        .expect("the deadline's MJD")
        .1
        .parse()
        .unwrap();
    // MJD 66154 is 2040-01-01. Allowance 3e-8 day (2.6 ms): TDB - TT is periodic within
    // 1.7 ms, and the printed value has nine decimals (86 us).
    assert!((mjd - (66_154.0 + 69.184 / DAY_S)).abs() < 3e-8, "{mjd}");
}

/// Arrivals that all come after the deadline are said, with how far (the shipped spacecraft
/// meets 311P in 2039 against the planned ~2035, and a run printed P = 0 with nothing more);
/// one that comes before it, or none at all, says nothing.
#[test]
fn arrivals_all_after_the_deadline_are_noted_with_the_earliest() {
    use dispersa::scenario::RowSummary;
    let sc = cruise_with(&["target.deadline=\"2035-12-31T00:00:00 TDB\"".into()]);
    // MJD 66154 is 2040-01-01 and 64692 is 2035-12-31 (TDB).
    let rows = |first: f64, count: u64| {
        move |m: &str| match m {
            "rendezvous_mjd_tdb" => RowSummary {
                count,
                min: Some(first),
                p50: Some(first + 200.0),
            },
            _ => RowSummary::default(),
        }
    };
    let notes = sc.summary_notes(&rows(66_154.0, 98));
    assert_eq!(notes.len(), 1, "{notes:?}");
    assert!(
        notes[0].contains("every rendezvous came after target.deadline (2035-12-31)")
            && notes[0].contains("the earliest of the 98 on 2040-01-01, 1462 days after it")
            && notes[0].contains("the median on 2040-07-19"),
        "{}",
        notes[0]
    );
    // An open-loop replay's timeouts: a longer limit does not help (the timeout note advised
    // one: a cruise analyst's trial).
    let open_loop = cruise_with(&["guidance.mode=\"open_loop\"".into()]);
    let timeouts = |m: &str| RowSummary {
        count: u64::from(m == "status_timeout"),
        ..RowSummary::default()
    };
    assert!(open_loop.summary_notes(&timeouts)[0]
        .contains("a longer time limit does not make it arrive"));
    assert!(sc.summary_notes(&timeouts).is_empty());
    let one = sc.summary_notes(&rows(66_154.0, 1));
    assert!(
        one.len() == 1 && one[0].contains("the rendezvous came on 2040-01-01, 1462 days after"),
        "{one:?}"
    );
    assert!(sc.summary_notes(&rows(64_000.0, 98)).is_empty());
    assert!(sc.summary_notes(&rows(66_154.0, 0)).is_empty());
}

/// Outages are drawn from the epoch, and a flyby's flight starts 2.2 days later, on the sphere
/// of influence: outages over by then are dropped. With frequent short outages several end
/// before the start, and the engines, which move past one ended outage a step, took a negative
/// step and failed the sample (157 of 200 here, a review; on the shipped config about 1e-7 of
/// samples).
#[test]
fn outages_over_before_the_flight_starts_do_not_fail_it() {
    let sc = cruise_with(&[
        "missed_thrust.between_scale_days=0.5".into(),
        "missed_thrust.duration_scale_days=0.3".into(),
        "missed_thrust.max_events=256".into(),
        "integrator.time_limit_days=40".into(),
    ]);
    for engine in [common::cpu(), common::gpu(PrecisionChoice::F64)] {
        let (outs, states) = run(&engine, &sc, 60, false);
        let failed = outs.iter().filter(|o| o.status == ST_FAILED).count();
        assert_eq!(failed, 0, "{failed} of 60 failed");
        for s in &states {
            assert!(
                s[S_T] >= 40.0 * DAY_S - 1e-6,
                "stopped at {} days",
                s[S_T] / DAY_S
            );
        }
    }
}

/// A flight that falls inside 0.05 au of the Sun is failed, with the reason its final state
/// gives: the point-mass Sun and the power and thrust models do not hold there (a new-user
/// trial's radial start passed 7 m from the Sun's centre and was reported as out of
/// propellant). Unpowered from 1.2 au at 2 km/s, the conic's perihelion is ~0.003 au.
#[test]
fn a_flight_into_the_sun_is_failed_and_says_why() {
    let r = [1.2 * AU_M, 0.0, 0.0];
    let v = [0.0, 2.0e3, 0.0];
    let mut sets = state_sets(r, v);
    sets.extend([
        "propulsion.thrusters=0".into(),
        "integrator.time_limit_days=200".into(),
    ]);
    let sc = cruise_with(&sets);
    let (outs, states) = run(&common::cpu(), &sc, 1, true);
    assert_eq!(outs[0].status, ST_FAILED);
    let why = sc.failed_in_flight(&states[0]).expect("a reason");
    assert!(
        why.contains("from the Sun's centre, inside 0.05 au"),
        "{why}"
    );
    // The same start at 8 km/s (perihelion 0.054 au) is a flight like any other.
    let mut sets = state_sets(r, [0.0, 8.0e3, 0.0]);
    sets.extend([
        "propulsion.thrusters=0".into(),
        "integrator.time_limit_days=200".into(),
    ]);
    let (outs, _) = run(&common::cpu(), &cruise_with(&sets), 1, true);
    assert_eq!(outs[0].status, ST_TIMEOUT);
}

/// A dopri5 flight whose step control stalls is failed at `integrator.max_trials`, on both
/// engines, and says why. (Without a cap a state start retrograde in the ecliptic, where the
/// Q-law is singular, took about a million trials, 2.8 s of a core, before its time limit; the
/// config now refuses that start, tests/bad_input.rs.) The nominal takes about 2,400 trials;
/// capped at 600 (enough 10-day steps to reach the 5,500-day time limit, which the config
/// requires), it stops early.
#[test]
fn a_flight_at_the_trial_cap_is_failed_and_says_why() {
    let sc = cruise_with(&["integrator.max_trials=600".into()]);
    for (name, engine) in [
        ("cpu", common::cpu()),
        ("gpu", common::gpu(PrecisionChoice::F64)),
    ] {
        let (outs, states) = run(&engine, &sc, 1, true);
        assert_eq!(outs[0].status, ST_FAILED, "{name}");
        let s = &states[0];
        assert_eq!(s[S_STEPS] + s[S_REJECTED], 600.0, "{name}");
        let why = sc.failed_in_flight(s).expect("a reason");
        assert!(
            why.starts_with("stalled: 600 trial steps (") && why.contains("integrator.max_trials"),
            "{name}: {why}"
        );
    }
    // Uncapped, the same flight arrives.
    let (outs, _) = run(&common::cpu(), &cruise_with(&[]), 1, true);
    assert_eq!(outs[0].status, ST_ARRIVED);
}

/// `outputs::stalled` reads the reason from the final state: the trial cap, a step cut below
/// MIN_STEP_S (the engines store the step asked for in S_H), the Q-law's singularity near 180
/// degrees of inclination; never for RK4, whose steps are fixed. On a made-up state: no config
/// the engines accept reaches the short step (the one known, a Q-law start at 180 degrees, is
/// refused, tests/bad_input.rs).
#[test]
fn the_stalled_reason_is_read_from_the_final_state() {
    let sc = cruise_with(&[]);
    let (_, states) = run(&common::cpu(), &sc, 1, true);
    let mut s = states[0].clone();
    s[S_STATUS] = ST_FAILED as f64;
    s[S_T] = 100.0 * DAY_S;
    assert_eq!(sc.failed_in_flight(&s), None, "a finished flight's state");
    let (kept, rejected) = (s[S_STEPS], s[S_REJECTED]);
    s[S_REJECTED] = 100_000.0 - kept;
    let why = sc.failed_in_flight(&s).expect("the cap");
    assert!(
        why.starts_with(&format!(
            "stalled: 100000 trial steps ({kept} kept; integrator.max_trials) by 100.0 days \
             after the departure: without arriving"
        )),
        "{why}"
    );
    s[S_REJECTED] = rejected;
    s[S_H] = 2.4e-4;
    let why = sc.failed_in_flight(&s).expect("the short step");
    assert!(
        why.starts_with(
            "stalled: the error control cut the step to 2.4e-4 s, below 0.001 s, at \
             100.0 days after the departure: no shorter step passed"
        ),
        "{why}"
    );
    // Retrograde in the ecliptic: the Q-law's singularity is named.
    for k in 0..3 {
        s[S_V + k] = -s[S_V + k];
    }
    s[S_V + 2] = 0.0;
    s[S_R + 2] = 0.0;
    let why = sc.failed_in_flight(&s).expect("the short step");
    assert!(
        why.contains("retrograde in the ecliptic (inclination 180.00 deg)"),
        "{why}"
    );
    let rk4 = cruise_with(&[rk4()]);
    assert_eq!(rk4.failed_in_flight(&s), None, "RK4 does not stall");
    // A narrow hysteresis band is named at the cap (no band stalled every sample, and the
    // reason pointed at max_trials alone: a new user's trial).
    let narrow = cruise_with(&["guidance.eta_hysteresis=0.0005".into()]);
    let mut s = states[0].clone();
    s[S_STATUS] = ST_FAILED as f64;
    s[S_REJECTED] = 100_000.0 - s[S_STEPS];
    let why = narrow.failed_in_flight(&s).expect("the cap");
    assert!(
        why.contains("the Q-law's hysteresis band is narrow (guidance.eta_hysteresis = 0.0005)"),
        "{why}"
    );
    // A Q-law that never coasts once thrusting is named (eta_cut 0 stalled every flight with
    // the generic reason: a cruise analyst's trial); so is a band as wide as the cut.
    for sets in [["0.0", "0.0"], ["0.25", "0.25"]] {
        let never = cruise_with(&[
            format!("guidance.eta_cut={}", sets[0]),
            format!("guidance.eta_hysteresis={}", sets[1]),
        ]);
        let why = never.failed_in_flight(&s).expect("the cap");
        assert!(
            why.contains("the Q-law never coasts once thrusting (guidance.eta_cut = "),
            "{sets:?}: {why}"
        );
    }
}

/// More safe-mode outages than `missed_thrust.max_events` holds fail the sample, with the
/// reason: they were dropped silently, and a heavy-tailed spacing (Weibull shape 0.2) lost up
/// to 140 days of outages a sample (a cruise trial). With room for them all, none fails.
#[test]
fn outages_beyond_max_events_fail_the_sample_and_say_why() {
    let tmp = tempfile::tempdir().unwrap();
    let run = |max_events: &str| {
        let out = tmp.path().join(format!("mt{max_events}"));
        let o = std::process::Command::new(env!("CARGO_BIN_EXE_dispersa"))
            .args([
                "run",
                concat!(
                    env!("CARGO_MANIFEST_DIR"),
                    "/configs/tianwen2_cruise_311p.toml"
                ),
                "--samples",
                "30",
                "--backend",
                "cpu",
                "--out",
                out.to_str().unwrap(),
            ])
            .args(["--set", "missed_thrust.between_shape=0.2"])
            .args(["--set", "missed_thrust.between_scale_days=5.0"])
            .args(["--set", "missed_thrust.duration_shape=0.2"])
            .args(["--set", "missed_thrust.duration_scale_days=0.1"])
            .args(["--set", &format!("missed_thrust.max_events={max_events}")])
            .output()
            .unwrap();
        String::from_utf8_lossy(&o.stdout).to_string()
    };
    let tight = run("28");
    assert!(
        tight.contains("more safe-mode outages than missed_thrust.max_events = 28 holds"),
        "{tight}"
    );
    let roomy = run("256");
    assert!(roomy.contains(", failed 0"), "{roomy}");
}

/// A coast (no thrusters) with no propellant loaded flies to its time limit: it ended at t = 0
/// as `propellant_exhausted` (a cruise trial), though it spends nothing.
#[test]
fn a_coast_with_no_propellant_flies_to_its_time_limit() {
    let sc = cruise_with(&[
        "spacecraft.propellant_kg=0.0".into(),
        "propulsion.thrusters=0".into(),
        "propulsion.thrust_mn=0.0".into(),
        "integrator.time_limit_days=200.0".into(),
    ]);
    let (outs, _) = run(&common::cpu(), &sc, 2, false);
    for o in &outs {
        assert_eq!(o.status, ST_TIMEOUT, "a coast runs to its time limit");
        assert_eq!(metric(o, "propellant_used_kg"), 0.0);
    }
}

/// A sampled propellant load at or above the wet mass fails, and its `failure_reason` says why
/// (it named the value alone, a cruise trial).
#[test]
fn a_sampled_propellant_above_the_wet_mass_fails_and_says_why() {
    let sc = cruise_with(&[]);
    let mut p = sc.nominal().to_vec();
    let i = |name: &str| sc.param_names().iter().position(|n| *n == name).unwrap();
    p[i("spacecraft.propellant_kg")] = p[i("spacecraft.wet_mass_kg")] + 1.0;
    let why = sc.unphysical(&p).expect("unphysical");
    assert!(
        why.contains("(not below the wet mass, spacecraft.wet_mass_kg = "),
        "{why}"
    );
}

/// A coast (no thrusters) of a config that disperses `[propulsion]`'s numbers notes that nothing
/// reads them (they ran unsaid, and the tornado ranked them: a from-scratch trial); with
/// thrusters, no such note.
#[test]
fn a_coast_notes_its_unread_thrust_dispersions() {
    let coast = cruise_with(&[
        "propulsion.thrusters=0".into(),
        "propulsion.thrust_mn=0".into(),
    ]);
    let notes = coast.run_notes();
    assert!(
        notes.iter().any(|n| n
            .starts_with("propulsion.thrusters = 0 (a coast): nothing reads the dispersed")
            && n.contains("propulsion.thrust_scale")),
        "{notes:?}"
    );
    let thrusting = cruise_with(&[]);
    assert!(
        !thrusting.run_notes().iter().any(|n| n.contains("a coast")),
        "{:?}",
        thrusting.run_notes()
    );
}

/// A cruise the time limit stopped is left out of the sensitivities: its propellant and times
/// are of the flight so far (the propellant tornado ranked them beside the arrivals': a cruise
/// analyst's trial). A failed one too; an arrival and a flight that ran dry are in them.
#[test]
fn a_timeout_is_left_out_of_the_sensitivities() {
    let sc = cruise_with(&[]);
    let with = |status: u32| SampleOutputs {
        status,
        metrics: vec![Some(1.0); sc.metrics().len()],
        no_flight: false,
    };
    assert!(!sc.in_sensitivities(&with(ST_TIMEOUT)));
    assert!(!sc.in_sensitivities(&with(ST_FAILED)));
    assert!(sc.in_sensitivities(&with(ST_ARRIVED)));
    assert!(sc.in_sensitivities(&with(ST_PROPELLANT_EXHAUSTED)));
}

/// A flight the time limit stopped has not decided whether it runs dry, nor, where the limit
/// ends before the deadline, whether it arrives by it: left out of those probabilities, whose
/// `min` and `max` then bound them over it (14 timeouts of 400 at the shipped 5,500 days all ran
/// dry by 7,300, and counted as not running dry read P(propellant exhausted) 0.0025 for 0.0375:
/// a cruise analyst's trial). A timeout settles prob_timeout, and a deadline the limit reaches.
#[test]
fn a_timeout_leaves_running_dry_open() {
    let decided = |sc: &Cruise| {
        let n = sc.metrics().len();
        let timeout = SampleOutputs {
            status: ST_TIMEOUT,
            metrics: vec![None; n],
            no_flight: false,
        };
        sc.probabilities()
            .iter()
            .map(|p| (p.name().to_string(), sc.decided(p, &timeout)))
            .collect::<Vec<_>>()
    };
    let shipped = decided(&cruise_with(&[]));
    let get = |d: &[(String, bool)], n: &str| d.iter().find(|(k, _)| k == n).unwrap().1;
    assert!(!get(&shipped, "prob_propellant_exhausted"));
    // Not arrived within the limit is an outcome (left open, 9 timeouts 2e8 km from the comet
    // read P(arrived) 1.000: a review board's trial).
    assert!(get(&shipped, "prob_arrived"));
    assert!(get(&shipped, "prob_timeout"));
    assert!(get(&shipped, "prob_rendezvous_by_deadline"));
    // A limit that ends before the deadline: the deadline's probabilities are open too.
    let short_sc = cruise_with(&["integrator.time_limit_days=1000".into()]);
    let short = decided(&short_sc);
    assert!(!get(&short, "prob_rendezvous_by_deadline"));
    assert!(!get(&short, "prob_orbit_match_by_deadline"));
    // Unless the timeout met the event before the limit: a hit (a review).
    let mut matched = SampleOutputs {
        status: ST_TIMEOUT,
        metrics: vec![None; short_sc.metrics().len()],
        no_flight: false,
    };
    let k = short_sc
        .metrics()
        .iter()
        .position(|(n, _)| *n == "orbit_match_mjd_tdb")
        .unwrap();
    matched.metrics[k] = Some(61_000.0);
    let p = short_sc
        .probabilities()
        .into_iter()
        .find(|p| p.name() == "prob_orbit_match_by_deadline")
        .unwrap();
    assert!(short_sc.decided(&p, &matched) && p.hit(&matched));
    // A coast cannot run dry: decided.
    let coast = decided(&cruise_with(&["propulsion.thrusters=0".into()]));
    assert!(get(&coast, "prob_propellant_exhausted"));
    // An arrival decides them all.
    let sc = cruise_with(&[]);
    let arrived = SampleOutputs {
        status: ST_ARRIVED,
        metrics: vec![None; sc.metrics().len()],
        no_flight: false,
    };
    assert!(sc.probabilities().iter().all(|p| sc.decided(p, &arrived)));
}

/// A probability over the flights the time limit settled has a 95 % interval that covers the
/// open ones either way: from the Wilson lower end with none of them having the event to the
/// upper end with all. Over the settled flights alone, P(propellant exhausted) read 0.0021
/// (0.0004-0.0117) and 0.038 once the timeouts flew on, and P(rendezvous by a deadline past
/// the limit) read 1 (0.98-1) with 208 of 500 arrived (a cruise analyst's trial).
#[test]
fn a_probability_with_open_flights_has_an_interval_covering_them() {
    use arrow_array::{Array, Float64Array, Int64Array, StringArray};
    use dispersa::stats::wilson;
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("o");
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_dispersa"))
        .args([
            "run",
            CONFIG,
            "--samples",
            "60",
            "--backend",
            "cpu",
            "--quiet",
        ])
        .args(["--set", "integrator.time_limit_days=4500"])
        .args(["--set", "target.deadline=\"2042-01-01\""])
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let b = common::first_batch(&out.join("summary.parquet"));
    let col = |n: &str| b.column_by_name(n).unwrap().clone();
    let (metric, count) = (col("metric"), col("count"));
    let metric = metric.as_any().downcast_ref::<StringArray>().unwrap();
    let count = count.as_any().downcast_ref::<Int64Array>().unwrap();
    let f = |n: &str| {
        let c = col(n);
        let c = c.as_any().downcast_ref::<Float64Array>().unwrap().clone();
        move |i: usize| c.is_valid(i).then(|| c.value(i))
    };
    let (mean, min, max, lo, hi) = (f("mean"), f("min"), f("max"), f("ci_low"), f("ci_high"));
    let row = |name: &str| {
        (0..b.num_rows())
            .find(|&i| metric.value(i) == name)
            .unwrap()
    };
    let timeouts = count.value(row("status_timeout")) as u64;
    assert!(timeouts > 0, "the fixture's limit should stop some flights");
    for name in ["prob_rendezvous_by_deadline", "prob_propellant_exhausted"] {
        let i = row(name);
        let settled = count.value(i) as u64;
        let hits = (mean(i).unwrap() * settled as f64).round() as u64;
        // The timeouts are the open flights (every other sample ended).
        let flown = settled + timeouts;
        assert_eq!(lo(i).unwrap(), wilson(hits, flown).ci_low, "{name}");
        assert_eq!(
            hi(i).unwrap(),
            wilson(hits + timeouts, flown).ci_high,
            "{name}"
        );
        assert!(
            lo(i) <= min(i) && max(i) <= hi(i),
            "{name}: the bounds inside the interval"
        );
        assert!(lo(i) <= mean(i) && mean(i) <= hi(i), "{name}");
    }
    // prob_arrived has no open flight (a timeout has not arrived): its Wilson interval alone.
    let i = row("prob_arrived");
    let n = count.value(i) as u64;
    let hits = (mean(i).unwrap() * n as f64).round() as u64;
    assert_eq!(lo(i).unwrap(), wilson(hits, n).ci_low);
}
