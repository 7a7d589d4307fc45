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

/// Still air: the default config with its wind set to zero.
const CALM: &str = "winds.profile=[[0.0, 0.0, 0.0], [1.0, 0.0, 0.0]]";

#[test]
fn touchdown_speed_is_the_terminal_velocity_under_the_main() {
    let cfg = config_with(&[CALM]);
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
    // The issue requires 2 %. The formula's expected differences, in the speed (which goes as
    // sqrt(g / rho)): J2 gravity against normal gravity (~1e-4 in g, 5e-5), the US76 table's
    // interpolation (its bound 5e-4 in density, tests/atmosphere_table.rs: 2.5e-4), and the
    // lag of the speed behind the falling terminal velocity (dV_t/dt over the relaxation rate
    // 2 g / V_t, ~2.5e-4 m/s: 6e-5). Budget 3.6e-4; measured 2.0e-5. Bound 5e-4.
    assert!(rel < 5e-4, "touchdown speed {v} m/s against {expected} m/s");
    assert!(rel < 0.02, "the issue's 2 %");
    // In still air the fall is along the effective gravity, which is the geodetic vertical to
    // its deflection by J2 gravity (arcseconds: cos 1e-5 ~ 1 - 5e-11): the sink rate is the
    // speed. Bound 1e-8.
    let sink = o.metrics[metric("touchdown_vertical_speed_m_s")].unwrap();
    assert!(
        (sink / v - 1.0).abs() < 1e-8,
        "sink rate {sink} against speed {v} m/s"
    );
    // In the shipped wind the ground speed adds the drift; the sink rate is still the terminal
    // speed's (the wind is horizontal), within the same budget (5e-4; measured 2.5e-5).
    let windy = config_with(&[]);
    let (sc, params, inputs) = sample_inputs(&windy, 1, true);
    let o = &outputs(&cpu(), &sc, &params, &inputs)[0];
    let sink = o.metrics[metric("touchdown_vertical_speed_m_s")].unwrap();
    let ground = o.metrics[metric("touchdown_speed_m_s")].unwrap();
    assert!(
        ground > 1.2 * sink,
        "the drift: {ground} against {sink} m/s"
    );
    let rel = (sink - expected).abs() / expected;
    assert!(
        rel < 5e-4,
        "sink rate {sink} against {expected} m/s: {rel:.1e}"
    );
    // Canopies opened in order, the drogue near Stardust's ~32 km.
    let (td, tm) = (
        o.metrics[metric("drogue_time_s")].unwrap(),
        o.metrics[metric("main_time_s")].unwrap(),
    );
    let tof = o.metrics[metric("time_of_flight_s")].unwrap();
    assert!(0.0 < td && td < tm && tm < tof, "{td} < {tm} < {tof}");
}

/// The main opens (at its trigger, with no delay) from the drogue's steady fall in still air:
/// its opening dynamic pressure balances the weight on the drogue's and the body's drag areas,
/// q (Cd(M) A + CdA_drogue) = m g. The column was added after an entry analyst's trial found a
/// main triggered at 30 km opening at ~1.3 kPa with nothing to say so.
#[test]
fn the_main_opens_at_the_drogues_terminal_dynamic_pressure() {
    let cfg = config_with(&[CALM]);
    let pc = cfg.parachutes.as_ref().unwrap();
    let (sc, params, inputs) = sample_inputs(&cfg, 1, true);
    let o = &outputs(&cpu(), &sc, &params, &inputs)[0];
    assert_eq!(o.status, ST_LANDED);
    let q = o.metrics[metric("main_open_dynamic_pressure_pa")].unwrap();
    let h = cfg.landing.terrain_height_m + 1000.0 * pc.main_deploy_altitude_km.unwrap();
    let air = us76(h);
    let g = normal_gravity(o.metrics[M_LAT].unwrap(), h);
    let d = cfg.vehicle.diameter_m;
    let area = std::f64::consts::PI * d * d / 4.0;
    let table = cfg.vehicle.cd_table.as_ref().unwrap();
    // The body's Cd at the fall's Mach number (~0.11), between the table's first two rows:
    // solved with q by fixed-point iteration.
    let mut expected = cfg.vehicle.mass_kg * g / (table[0][1] * area + pc.drogue_cd_area_m2);
    for _ in 0..20 {
        let mach = (2.0 * expected / air.density_kg_m3).sqrt() / air.speed_of_sound_m_s;
        let cd = table[0][1] + (table[1][1] - table[0][1]) * mach / table[1][0];
        expected = cfg.vehicle.mass_kg * g / (cd * area + pc.drogue_cd_area_m2);
    }
    let rel = (q - expected) / expected;
    eprintln!("main opened at {q:.2} Pa; the drogue's balance {expected:.2} Pa, rel {rel:.2e}");
    // The fall lags behind the terminal speed as the air thickens: dV_t/dt ~ V_t^2 / 2H = 0.085
    // m/s^2 over the relaxation rate 2 g / V_t = 0.52 /s is 0.16 m/s of 38 (0.4 %), 0.8 % in q,
    // and high (the speed falls to the terminal one from above). Bound 1.5 % either way; an
    // opening read after the main's drag (tens of Pa) or at the drogue's (~1.4 kPa) is far off.
    assert!(rel.abs() < 0.015, "{q} Pa against {expected} Pa");
}

/// The quasi-steady fall under the main against the same descent flown dynamically, on the
/// default config with `overrides`: the landings' distance [m], their times of flight's
/// difference [s] and their touchdown speeds' relative difference.
fn quasi_steady_against_dynamic(overrides: &[&str]) -> (f64, f64, f64) {
    let cfg = config_with(overrides);
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
         time of flight {dt_land:.2e} s, touchdown speed {dv:.2e} relative",
        tl - t0
    );
    (dist, dt_land, dv)
}

#[test]
fn quasi_steady_main_matches_a_dynamic_descent() {
    let (dist, dt_land, dv) = quasi_steady_against_dynamic(&[]);
    // The default config's wind changes by ~5.6 m/s over the main's descent; the quasi-steady
    // fall takes its first-order lag into account (the wind V_t^2 / g higher; without it the
    // landing moved 2.8 m). What is left: the vertical lag (dV_t/dt) / rate ~ 3e-4 m/s, the
    // Coriolis term on the slow relative velocity (~3e-4 m/s), the lag's second order: ~0.1 m
    // over the ~380 s descent; the integrator's own errors (descent rtol 1e-5) are of the same
    // order. In time that budget is at most 0.1 m / 4.5 m/s = 0.02 s, if every term added up
    // over the descent; measured 0.185 m, 8.3e-4 s, 2.7e-5. Bounds ~10x the measured: 2 m,
    // 1e-2 s (below the budget's worst case: a failure here says the terms stopped cancelling),
    // 3e-4.
    assert!(dist < 2.0, "landings {dist} m apart");
    assert!(dt_land < 1e-2, "times of flight differ by {dt_land} s");
    assert!(dv < 3e-4, "touchdown speeds differ by {dv:e}");
}

#[test]
fn quasi_steady_main_in_still_air() {
    let (dist, dt_land, dv) = quasi_steady_against_dynamic(&[CALM]);
    // In still air nothing offsets the term the quasi-steady fall leaves out: the speed's lag
    // behind the falling terminal velocity. It falls faster than the local V_t by
    // V_t^3 / (4 g H) (H the density's scale height, ~8.5 km near the ground), 3e-4 m/s or
    // 6e-5 relative at V_t = 4.5 m/s, so it lands ~6e-5 x 400 s = 0.025 s sooner and that much
    // faster. Measured 0.090 m, 2.0e-2 s, 5.8e-5. Bounds 1.6x the term: 0.04 s, 1e-4. The
    // landing point moves only with the wind's lag, absent here: bound as in wind, 2 m.
    assert!(dist < 2.0, "landings {dist} m apart");
    assert!(dt_land < 0.04, "times of flight differ by {dt_land} s");
    assert!(dv < 1e-4, "touchdown speeds differ by {dv:e}");
}

/// East and north displacement [m] from (lat1, lon1) to (lat2, lon2) [deg] on WGS84, local.
fn east_north_m(lat1: f64, lon1: f64, lat2: f64, lon2: f64) -> (f64, f64) {
    let (a, e2) = (6_378_137.0, 6.694_379_990_14e-3);
    let phi = (0.5 * (lat1 + lat2)).to_radians();
    let w = (1.0 - e2 * phi.sin().powi(2)).sqrt();
    let (n, m) = (a / w, a * (1.0 - e2) / (w * w * w));
    (
        (lon2 - lon1).to_radians() * n * phi.cos(),
        (lat2 - lat1).to_radians() * m,
    )
}

#[test]
fn a_constant_east_wind_moves_the_landing_east_by_the_drift_under_canopy() {
    let land = |east: f64| {
        let cfg = config_with(&[&format!(
            "winds.profile=[[0.0, {east}, 0.0], [200.0, {east}, 0.0]]"
        )]);
        let (sc, params, inputs) = sample_inputs(&cfg, 1, true);
        outputs(&cpu(), &sc, &params, &inputs).remove(0)
    };
    let (calm, windy) = (land(0.0), land(10.0));
    assert_eq!(windy.status, ST_LANDED);
    let (de, dn) = east_north_m(
        calm.metrics[M_LAT].unwrap(),
        calm.metrics[M_LON].unwrap(),
        windy.metrics[M_LAT].unwrap(),
        windy.metrics[M_LON].unwrap(),
    );
    let tof = windy.metrics[metric("time_of_flight_s")].unwrap();
    let under_canopy = tof - windy.metrics[metric("drogue_time_s")].unwrap();
    let after_pulse = tof - windy.metrics[metric("time_peak_g_s")].unwrap();
    let expected = 10.0 * after_pulse;
    eprintln!(
        "10 m/s east wind: landing moved {de:.1} m east, {dn:.1} m north; 10 m/s x {after_pulse:.1} s \
         after the peak deceleration = {expected:.1} m; x {under_canopy:.1} s under canopy = {:.1} m",
        10.0 * under_canopy
    );
    // The capsule moves with the air once the deceleration pulse has slowed it (its relative
    // horizontal velocity relaxes at D / V, ~0.07 /s at 1.5 km/s and 10 g, ~2 /s under the
    // main), so the drift accrues from about the peak deceleration on, not only under the
    // canopies: before the drogue (~45 s after the peak) it moves another ~450 m. The issue's
    // 5 %, against the time after the peak deceleration.
    assert!(
        (de - expected).abs() < 0.05 * expected,
        "moved {de} m east, expected {expected} m"
    );
    assert!(
        de > 10.0 * under_canopy,
        "at least the drift under the canopies"
    );
    assert!(dn.abs() < 0.05 * expected, "moved {dn} m north");
}

#[test]
fn a_g_switch_starts_the_drogue_timer_when_the_deceleration_first_reaches_its_threshold() {
    let sets = [
        "parachutes.drogue_trigger=\"g_switch\"",
        "parachutes.g_switch_g=3.0",
        "parachutes.drogue_delay_s=62.0",
    ];
    let cfg = config_with(&sets);
    let (sc, params, inputs) = sample_inputs(&cfg, 1, true);
    let o = outputs(&cpu(), &sc, &params, &inputs).remove(0);
    assert_eq!(o.status, ST_LANDED);
    let opened = o.metrics[metric("drogue_time_s")].unwrap();
    // Independently: the entry flown without a canopy by RK4 at 0.01 s, the first crossing of
    // 3 g interpolated linearly between steps (error ~ 0.01 s x 0.01 s x g'' / g' << 1 ms).
    let sm = SampleModel {
        model: &sc.model,
        input: &inputs,
    };
    let flight = Flight {
        sample: &sm,
        canopy: sm.canopy(CH_NONE),
    };
    let tol = Tolerance {
        rtol: 1.0,
        atol: 1.0,
    };
    let mut y: [f64; N_Y] = std::array::from_fn(|i| if i < 6 { inputs[I_R0 + i] } else { 0.0 });
    let (mut t, dt) = (0.0, 0.01);
    let (mut f, mut a) = flight.rhs(t, &y);
    let crossing = loop {
        let tr = trial(Method::Rk4, &flight, t, &y, &f, dt, tol);
        if tr.aux1.g_load >= 3.0 {
            break t + dt * (3.0 - a.g_load) / (tr.aux1.g_load - a.g_load);
        }
        assert!(t < 200.0, "3 g never reached");
        (y, t, f, a) = (tr.y1, t + dt, tr.f1, tr.aux1);
    };
    eprintln!(
        "3 g first reached at {crossing:.4} s; drogue opened at {opened:.4} s (timer 62 s): \
         difference {:.2e} s",
        opened - 62.0 - crossing
    );
    // The reference's linear interpolation between 0.01 s steps errs by ~dt^2/8 g''/g', with
    // g''/g' ~ V sin|gamma| / H ~ 0.3 /s as the density rises: ~4e-6 s. The engine locates
    // the crossing on its dopri5 steps' dense output at rtol 5e-8 (12 Illinois iterations,
    // ~1e-9 of a step). Measured 1.5e-6 s; bound 2e-5 s (~10x; the f64 rounding of times near
    // 87 s, 1.4e-14 s, is far below).
    let diff = opened - 62.0 - crossing;
    assert!(
        diff.abs() < 2e-5,
        "drogue opened {diff:e} s after crossing + 62 s"
    );
}

/// A drogue that opens inside the deceleration pulse (a g-switch without its timer) would cut
/// the peaks short, as they are watched only until the first canopy opens, and one that opens
/// hypersonic (a lofting entry's g-switch timer running out in the loft) would leave a later
/// pulse unwatched: such a sample is failed with its reason, on both engines. The default
/// config with the timer the g-switch test uses lands, its peaks past; its drogue opens at
/// the Mach number and dynamic pressure the outputs report (a trigger Mach 1.5 without delay
/// opens at Mach 1.5).
#[test]
fn a_drogue_opened_inside_the_deceleration_pulse_fails_the_sample_and_says_why() {
    // A lifting entry at 9 km/s and -4 deg lofts after its first pulse (an audit's case: its
    // g-switch drogue opened at 76 km, and peak g read 2.20 against the 2.46 of the pulse to
    // come).
    let lofting: &[&str] = &[
        "vehicle.lift_to_drag=0.3",
        "entry.velocity_km_s=9.0",
        "entry.flight_path_angle_deg=-4.0",
        "parachutes.drogue_trigger=\"g_switch\"",
        "parachutes.g_switch_g=2.0",
        "parachutes.drogue_delay_s=62.0",
    ];
    let cases: [(&[&str], bool); 3] = [
        (
            &[
                "parachutes.drogue_trigger=\"g_switch\"",
                "parachutes.g_switch_g=3.0",
                "parachutes.drogue_delay_s=0.0",
            ],
            true,
        ),
        (lofting, true),
        (
            &[
                "parachutes.drogue_trigger=\"g_switch\"",
                "parachutes.g_switch_g=3.0",
                "parachutes.drogue_delay_s=62.0",
            ],
            false,
        ),
    ];
    for engine in [cpu(), gpu(dispersa::engine::PrecisionChoice::F64)] {
        for (sets, cut) in cases {
            let cfg = config_with(sets);
            let (sc, params, inputs) = sample_inputs(&cfg, 4, false);
            let n = params.len();
            let (mut runner, _) = engine.runner(&sc, n).expect("runner");
            let states = runner
                .propagate(&sc, &inputs, n, &|_| {})
                .expect("propagation");
            let sl = sc.state_len();
            for (j, p) in params.iter().enumerate() {
                let s = &states[j * sl..(j + 1) * sl];
                let o = sc.outputs(p, s);
                let why = sc.failed_in_flight(s);
                if cut {
                    assert_eq!(o.status, ST_FAILED, "{sets:?} sample {j}");
                    let why = why.expect("a reason");
                    assert!(
                        why.contains("before the deceleration had passed its peak")
                            || why.contains("where no parachute model holds"),
                        "{why}"
                    );
                    // A g-switch's trigger Mach number does nothing: only its timer is named.
                    assert!(!why.contains("drogue_deploy_mach"), "{why}");
                } else {
                    assert_eq!(o.status, ST_LANDED, "{sets:?} sample {j}: {why:?}");
                    assert!(why.is_none());
                }
            }
        }
        // The default's drogue, triggered at Mach 1.5 with no delay, opens there: the trigger
        // is located on the trial step's dense output, and the step flown again to it ends
        // within that step's integration error of the interpolant (the descent's rtol 1e-5
        // applies from the trigger on). Measured 3.0e-6 relative; bound 3e-5.
        let cfg = config_with(&[]);
        let (sc, params, inputs) = sample_inputs(&cfg, 1, true);
        let o = outputs(&engine, &sc, &params, &inputs).remove(0);
        let mach = o.metrics[metric("drogue_open_mach")].unwrap();
        assert!((mach - 1.5).abs() < 3e-5 * 1.5, "opened at Mach {mach}");
        // At the trigger, with no delay, the opening's dynamic pressure is the trigger's, to
        // the same error through rho V^2 (twice the speed's, and the altitude's through the
        // density): bound 1e-4.
        let (q_open, q_trigger) = (
            o.metrics[metric("drogue_open_dynamic_pressure_pa")].unwrap(),
            o.metrics[metric("drogue_dynamic_pressure_pa")].unwrap(),
        );
        assert!(
            (q_open - q_trigger).abs() < 1e-4 * q_trigger,
            "{q_open} Pa against {q_trigger} Pa"
        );
    }
}

/// A dispersed terrain height outside the range the config accepts for it (-500 .. 9000 m)
/// fails the sample and names the value, as any other unphysical draw: a 254 km "terrain" had
/// landed a sample 0.3 s after entry.
#[test]
fn a_sampled_terrain_height_off_the_earth_fails_the_sample() {
    let cfg =
        config_with(&["dispersions.\"landing.terrain_height_m\"={dist=\"normal\", sigma=3000.0}"]);
    let (sc, params, _) = sample_inputs(&cfg, 400, false);
    let k = PARAM_NAMES
        .iter()
        .position(|n| *n == "landing.terrain_height_m")
        .unwrap();
    let (mut outside, mut inside) = (0, 0);
    for p in &params {
        let why = sc.unphysical(p);
        if (TERRAIN_MIN_M..=TERRAIN_MAX_M).contains(&p[k]) {
            inside += 1;
            assert!(why.is_none(), "{} m: {why:?}", p[k]);
        } else {
            outside += 1;
            let why = why.expect("a reason");
            assert!(why.starts_with("landing.terrain_height_m = "), "{why}");
        }
    }
    // About 1 in 3 of N(1300, 3000) lies outside (-500, 9000): both kinds are drawn.
    assert!(
        outside > 50 && inside > 50,
        "{outside} outside, {inside} inside"
    );
}

/// A sample whose entry is already under the drogue's Mach trigger at the interface fails in
/// flight (its drogue opens at entry, before the peaks), and its reason says that it was
/// triggered there and asks after the speed's unit; one just above the trigger lands, on both engines. (The reason advised a
/// lower trigger where the speed was in m/s: a bad-input trial.) The engines' line is checked
/// against the analytic one: the peer benchmark's problem with a drogue, where there is no
/// rotation and no wind and the exponential atmosphere's speed of sound is the isothermal
/// sqrt(gamma g0 H), so Mach 1.5 is 1.5 x 314.3 m/s.
#[test]
fn an_entry_under_the_drogue_trigger_fails_saying_so_and_one_just_above_lands() {
    let text = include_str!("../configs/bench/ballistic_exponential.toml");
    let old = "drogue_mach = 1.5 ";
    assert!(text.contains(old), "test fixture out of date");
    let text = text.replacen(old, "# ", 1)
        + "\n[parachutes]\ndrogue_deploy_mach = 1.5\ndrogue_cd_area_m2 = 0.3\n";
    let sets = [
        "dispersions.\"entry.velocity_km_s\"={dist=\"normal\", mean=0.4714, sigma=0.01}"
            .to_string(),
    ];
    let raw = dispersa::config::RawConfig::parse(&text, "test", &sets).unwrap();
    let cfg = ReentryConfig::from_raw(&raw).unwrap();
    let n = 64;
    let (sc, params, inputs) = sample_inputs(&cfg, n, false);
    let h = cfg.atmosphere.scale_height_m.unwrap();
    let v_line = 1.5 * (1.4 * 9.806_65 * h).sqrt() / 1000.0;
    let k = PARAM_NAMES
        .iter()
        .position(|n| *n == "entry.velocity_km_s")
        .unwrap();
    for engine in [cpu(), gpu(dispersa::engine::PrecisionChoice::F64)] {
        let (mut runner, _) = engine.runner(&sc, n).unwrap();
        let states = runner.propagate(&sc, &inputs, n, &|_| {}).unwrap();
        let sl = sc.state_len();
        let (mut under, mut over) = (0, 0);
        for (j, p) in params.iter().enumerate() {
            let s = &states[j * sl..(j + 1) * sl];
            let o = sc.outputs(p, s);
            let v = p[k];
            // f64 rounding of the speed of sound and the entry state: 1e-9 relative is far
            // inside the draws' spacing (sigma 10 m/s over 64 draws).
            if (v / v_line - 1.0).abs() < 1e-9 {
                continue;
            }
            assert!(
                sc.unphysical(p).is_none(),
                "{v} km/s is not refused as input"
            );
            if v < v_line {
                under += 1;
                assert_eq!(o.status, ST_FAILED, "{v} km/s");
                let why = sc.failed_in_flight_with(p, s).expect("a reason");
                assert!(
                    why.starts_with("the drogue opened at 0.00 s, before the deceleration")
                        && why.ends_with(&format!(
                            "; it was triggered at the interface, where the entry was already \
                             under parachutes.drogue_deploy_mach = 1.5: is entry.velocity_km_s \
                             = {v} in km/s?"
                        )),
                    "{why}"
                );
            } else {
                over += 1;
                assert_eq!(
                    o.status, ST_LANDED,
                    "{v} km/s, just above the trigger's speed"
                );
            }
        }
        // Half of the draws fall on each side; at least 20 of 64 is 3 sigma.
        assert!(under >= 20 && over >= 20, "{under} under, {over} over");
    }
}

/// A dispersed L/D beyond what the model flies (|L/D| <= 1, a glider's beyond) fails the
/// sample and names the value; one within it does not.
#[test]
fn a_sampled_glider_lift_to_drag_fails_the_sample() {
    let cfg = config_with(&[
        "vehicle.lift_to_drag=0.3",
        "dispersions.\"vehicle.lift_to_drag\"={dist=\"normal\", sigma=0.6}",
    ]);
    let (sc, params, _) = sample_inputs(&cfg, 400, false);
    let k = PARAM_NAMES
        .iter()
        .position(|n| *n == "vehicle.lift_to_drag")
        .unwrap();
    let (mut outside, mut inside) = (0, 0);
    for p in &params {
        let why = sc.unphysical(p);
        if p[k].abs() <= 1.0 {
            inside += 1;
            assert!(why.is_none(), "L/D {}: {why:?}", p[k]);
        } else {
            outside += 1;
            let why = why.expect("a reason");
            assert!(why.starts_with("vehicle.lift_to_drag = "), "{why}");
        }
    }
    // N(0.3, 0.6) lies beyond +/-1 with probability 0.16 + 0.015: both kinds are drawn.
    assert!(
        outside > 30 && inside > 200,
        "{outside} outside, {inside} inside"
    );
}

/// Sizes beyond any capsule's fail their sample when sampled, as they are refused when
/// configured (a review: a diameter dispersed about 75, centimetres for metres, timed out
/// every sample with exit 0).
#[test]
fn sampled_sizes_past_any_capsules_fail_the_sample() {
    for (path, nominal, sigma, max) in [
        ("vehicle.diameter_m", 0.8, 6.0, MAX_DIAMETER_M),
        (
            "parachutes.drogue_cd_area_m2",
            0.3,
            300.0,
            MAX_DROGUE_CDA_M2,
        ),
        ("parachutes.main_cd_area_m2", 36.0, 6000.0, MAX_MAIN_CDA_M2),
        ("vehicle.mass_kg", 46.0, 12000.0, MAX_MASS_KG),
        ("vehicle.nose_radius_m", 0.2, 12.0, MAX_NOSE_RADIUS_M),
        ("parachutes.drogue_delay_s", 0.0, 360.0, MAX_DELAY_S),
    ] {
        let cfg = config_with(&[
            &format!("{path}={nominal}"),
            &format!("dispersions.\"{path}\"={{dist=\"normal\", sigma={sigma}}}"),
        ]);
        let (sc, params, _) = sample_inputs(&cfg, 400, false);
        let k = PARAM_NAMES.iter().position(|n| *n == path).unwrap();
        let mut above = 0;
        for p in &params {
            let why = sc.unphysical(p);
            if p[k] > max {
                above += 1;
                let why = why.expect("a reason");
                assert!(why.starts_with(&format!("{path} = ")), "{why}");
                assert!(why.contains("a unit slip?"), "{why}");
            } else if p[k] > 0.0 && why.is_some() {
                // Another parameter's draw may fail it; this one must not be named.
                assert!(!why.unwrap().starts_with(path), "{path} {}", p[k]);
            }
        }
        // N(nominal, sigma) beyond max: 5-6 % of 400 for each.
        assert!(above > 5, "{path}: {above} above {max}");
    }
}

/// The same rule at its edge, on a slow entry (1.5 km/s at -30 deg: its pulse peaks below
/// Mach 5, so the hypersonic rule stays out of it): a g-switch whose timer opens the drogue
/// 0.1 s after the deceleration's peak lands with that peak (it was located inside the last
/// watched step), and one that opens it 0.5 s before the peak fails. A review found the first
/// failed when the rule read the largest value at the watched steps' ends instead of the
/// located peak.
#[test]
fn a_drogue_opened_just_after_the_peak_keeps_it_and_just_before_fails() {
    let switch = |delay: f64| {
        config_with(&[
            "entry.velocity_km_s=1.5",
            "entry.flight_path_angle_deg=-30.0",
            "parachutes.drogue_trigger=\"g_switch\"",
            "parachutes.g_switch_g=3.0",
            &format!("parachutes.drogue_delay_s={delay}"),
        ])
    };
    let fly = |engine: &dispersa::engine::Engine, delay: f64| {
        let (sc, params, inputs) = sample_inputs(&switch(delay), 1, true);
        outputs(engine, &sc, &params, &inputs).remove(0)
    };
    for engine in [cpu(), gpu(dispersa::engine::PrecisionChoice::F64)] {
        let o = fly(&engine, 62.0);
        assert_eq!(o.status, ST_LANDED);
        let t_peak = o.metrics[metric("time_peak_g_s")].unwrap();
        let peak = o.metrics[M_PEAK_G].unwrap();
        let t_switch = o.metrics[metric("drogue_time_s")].unwrap() - 62.0;
        let after = fly(&engine, t_peak - t_switch + 0.1);
        assert_eq!(after.status, ST_LANDED, "opened 0.1 s after the peak");
        // The same peak: the canopy changes nothing before it opens, but the step that ends at
        // the opening changes the steps around the peak, and each run locates it within the
        // integrator's error (rtol 5e-8). Measured 2.9e-8 on the CPU; bound 1e-6 (~30x, and
        // 200 times inside the accuracy budget's 2e-4).
        let rel = (after.metrics[M_PEAK_G].unwrap() - peak).abs() / peak;
        assert!(rel < 1e-6, "peak g moved by {rel:e}");
        // The dynamic pressure still rises there (the Cd falls through Mach 5-1 on this slow
        // entry): not a failure, but its peak is its value at the opening, at the opening's
        // time, not the dense output extrapolated beyond it (the same state: rounding alone,
        // measured 0; bounds 1e-12 relative and 1e-9 s).
        let m = |name: &str| after.metrics[metric(name)].unwrap();
        let (q, q_open) = (
            m("peak_dynamic_pressure_pa"),
            m("drogue_open_dynamic_pressure_pa"),
        );
        assert!(
            (q - q_open).abs() <= 1e-12 * q_open,
            "peak dynamic pressure {q} against {q_open} at the opening"
        );
        assert!((m("time_peak_dynamic_pressure_s") - m("drogue_time_s")).abs() < 1e-9);
        let (sc, params, inputs) = sample_inputs(&switch(t_peak - t_switch - 0.5), 1, true);
        let n = params.len();
        let (mut runner, _) = engine.runner(&sc, n).expect("runner");
        let s = runner
            .propagate(&sc, &inputs, n, &|_| {})
            .expect("propagation");
        assert_eq!(
            sc.outputs(&params[0], &s).status,
            ST_FAILED,
            "opened 0.5 s before the peak"
        );
        let why = sc.failed_in_flight(&s).expect("a reason");
        assert!(
            why.contains("before the deceleration had passed its peak"),
            "{why}"
        );
    }
}

/// At the allowed edge, a trigger at Mach 5 with no delay opens there, within the located
/// trigger's error either side of it: no sample fails (a review found 413 of 1,000 failed when
/// the rule compared the opening's Mach number with 5 exactly). A bare fall (no canopy) takes
/// a marker up to Mach 5 too: it only marks the drogue conditions there, but it also starts the
/// descent's looser tolerance, which above Mach 5 would fly the heat pulse (a marker at Mach 35
/// put the time of peak g 0.35 s off, an entry analyst's trial).
#[test]
fn a_drogue_triggered_at_mach_5_opens_and_a_bare_fall_marks_up_to_mach_5() {
    let cfg = config_with(&["parachutes.drogue_deploy_mach=5.0"]);
    let (sc, params, inputs) = sample_inputs(&cfg, 40, false);
    for engine in [cpu(), gpu(dispersa::engine::PrecisionChoice::F64)] {
        let outs = outputs(&engine, &sc, &params, &inputs);
        for (j, o) in outs.iter().enumerate() {
            assert_eq!(o.status, ST_LANDED, "sample {j}");
            let mach = o.metrics[metric("drogue_open_mach")].unwrap();
            assert!(
                (mach - 5.0).abs() < 5e-3,
                "sample {j} opened at Mach {mach}"
            );
        }
    }
    // The ballistic bench config falls bare, its drogue Mach number an event only.
    let bench = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/configs/bench/ballistic_exponential.toml"
    );
    let with = |m: &str| {
        let raw = dispersa::config::RawConfig::load(
            std::path::Path::new(bench),
            &[format!("events.drogue_mach={m}")],
        )
        .expect("loads");
        ReentryConfig::from_raw(&raw)
    };
    assert!(
        with("5.0").is_ok(),
        "a bare fall's marker at Mach 5 refused"
    );
    let err = with("6.0").expect_err("a bare fall's marker at Mach 6");
    assert!(
        err.to_string()
            .contains("`events.drogue_mach`: Mach 6 is above 5"),
        "{err}"
    );
    // With parachutes the same number is refused, naming the key.
    let raw = dispersa::config::RawConfig::load(
        std::path::Path::new(DEFAULT_CONFIG),
        &["parachutes.drogue_deploy_mach=6.0".to_string()],
    )
    .expect("loads");
    let err = ReentryConfig::from_raw(&raw).expect_err("Mach 6 with parachutes");
    assert!(
        err.to_string().contains("parachutes.drogue_deploy_mach"),
        "{err}"
    );
}

/// A lift below the horizon on a steep entry turns the flight vertical before the drogue,
/// where the bank's reference plane is undefined: the lift fades there, and the flight takes
/// about the steps of a lift-up one (measured 169 against 196 at L/D 0.4, -16 deg; without
/// the fade 29,635, a trial). Bound 1.5 times the lift-up flight's.
#[test]
fn a_lift_down_entry_turning_vertical_takes_no_more_steps_than_a_lift_up_one() {
    let steps = |bank: &str| {
        let cfg = config_with(&[
            "vehicle.lift_to_drag=0.4",
            bank,
            "entry.flight_path_angle_deg=-16.0",
        ]);
        let (sc, params, inputs) = sample_inputs(&cfg, 1, true);
        let o = &outputs(&cpu(), &sc, &params, &inputs)[0];
        assert_eq!(o.status, ST_LANDED);
        o.metrics[metric("steps")].unwrap()
    };
    let (down, up) = (
        steps("vehicle.bank_deg=180.0"),
        steps("vehicle.bank_deg=0.0"),
    );
    eprintln!("steps: lift down {down}, lift up {up}");
    assert!(down < 1.5 * up, "lift down {down} steps, lift up {up}");
}

/// The g-switch replaces the Mach trigger: a Mach number given beside it is named as unused
/// before the run (set to 2, the drogue opened at Mach 3.8 with nothing said: an entry
/// analyst's trial); under the Mach trigger no such note.
#[test]
fn a_mach_number_beside_a_g_switch_is_noted_as_unused() {
    let gsw = config_with(&[
        "parachutes.drogue_trigger=\"g_switch\"",
        "parachutes.g_switch_g=3.0",
    ]);
    let (sc, _, _) = sample_inputs(&gsw, 1, true);
    let notes = sc.run_notes();
    assert!(
        notes
            .iter()
            .any(|n| n.starts_with("parachutes.drogue_deploy_mach = 1.5 is not used")),
        "{notes:?}"
    );
    let (sc, _, _) = sample_inputs(&config_with(&[]), 1, true);
    assert!(
        !sc.run_notes().iter().any(|n| n.contains("is not used")),
        "{:?}",
        sc.run_notes()
    );
}

/// Where each canopy opened: with no delays, the drogue where its Mach number was reached
/// (the trigger's altitude) and the main at its trigger, main_deploy_altitude_km above the
/// terrain; with a main delay, lower, by about the drogue's descent rate times the delay.
#[test]
fn the_canopies_open_where_their_triggers_and_delays_put_them() {
    let alt = |sets: &[&str]| {
        let cfg = config_with(sets);
        let (sc, params, inputs) = sample_inputs(&cfg, 1, true);
        let o = outputs(&cpu(), &sc, &params, &inputs).remove(0);
        assert_eq!(o.status, ST_LANDED);
        let m = |n: &str| o.metrics[metric(n)].unwrap();
        (
            m("drogue_altitude_km"),
            m("drogue_open_altitude_km"),
            m("main_open_altitude_km"),
            cfg.landing.terrain_height_m / 1000.0
                + cfg
                    .parachutes
                    .as_ref()
                    .unwrap()
                    .main_deploy_altitude_km
                    .unwrap(),
        )
    };
    let (trigger, drogue, main, main_level) = alt(&[CALM]);
    // The drogue opens at its trigger (delay 0): the trigger's altitude is read on the located
    // root's dense output, the opening's from the step taken to that time; measured 1e-5 m
    // apart, bound 1 mm.
    assert!(
        (drogue - trigger).abs() < 1e-6,
        "{drogue} km against {trigger}"
    );
    // The main's trigger located on the descent's dense output (descent_rtol 1e-5 over a ~35
    // m/s fall: the located altitude within millimetres); bound 1 m.
    assert!(
        (main - main_level).abs() < 1e-3,
        "{main} km against {main_level}"
    );
    let (_, _, late, _) = alt(&[CALM, "parachutes.main_delay_s=10.0"]);
    // 10 s under the drogue at ~35-40 m/s: 350-400 m lower.
    let drop_m = (main - late) * 1000.0;
    assert!((300.0..450.0).contains(&drop_m), "{drop_m} m in 10 s");
}

/// Parachutes that open in no sample: every landing is an impact, said after the run (a heavy
/// capsule's 200 landings at 9.3 km/s, and a g-switch above the pulse, were called landings
/// "under the drogue alone": an entry analyst's trial); `dispersa target` warns that its aim
/// is an impact.
#[test]
fn parachutes_that_never_open_are_said_and_warned_of() {
    let dir = tempfile::tempdir().unwrap();
    let config = concat!(env!("CARGO_MANIFEST_DIR"), "/configs/tianwen2_reentry.toml");
    let never = [
        "parachutes.drogue_trigger=\"g_switch\"",
        "parachutes.g_switch_g=100",
    ];
    let mut args = vec!["run", config, "--nominal", "--backend", "cpu"];
    for s in &never {
        args.extend(["--set", s]);
    }
    let out = dir.path().join("never");
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_dispersa"))
        .args(&args)
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(
        text.contains(
            "no drogue opened in any sample: the landing is an impact of the bare capsule"
        ) && text.contains("parachutes.g_switch_g")
            && !text.contains("under the drogue alone"),
        "{text}"
    );
    let sets: Vec<String> = never.iter().map(|s| s.to_string()).collect();
    let aimed = dispersa::target::aim(std::path::Path::new(config), &sets).expect("aims");
    assert!(
        aimed
            .nominal
            .warnings
            .iter()
            .any(|w| w.starts_with("the aimed nominal opens no canopy: it hits the ground at")),
        "{:?}",
        aimed.nominal.warnings
    );
    // The shipped config's canopies open: no such warning.
    let shipped = dispersa::target::aim(std::path::Path::new(config), &[]).expect("aims");
    assert!(
        shipped.nominal.warnings.is_empty(),
        "{:?}",
        shipped.nominal.warnings
    );
    // A drogue rated below its opening load, and a main whose delay outlasts the fall, are
    // warned of too, as the run's outputs say them (an entry analyst's trial: both aimed with
    // nothing said).
    for (set, says) in [
        (
            "parachutes.drogue_q_limit_pa=1000",
            "the aimed nominal's drogue opens at ",
        ),
        (
            "parachutes.main_delay_s=600",
            "the aimed nominal lands under the drogue alone at ",
        ),
    ] {
        let aimed =
            dispersa::target::aim(std::path::Path::new(config), &[set.to_string()]).expect("aims");
        assert!(
            aimed.nominal.warnings.iter().any(|w| w.starts_with(says)),
            "{set}: {:?}",
            aimed.nominal.warnings
        );
    }
}

/// A wind profile row between the nodes the wind is sampled at, which they miss, is noted
/// (a 100 m/s layer at 1.4 km between nodes at 1 and 2 km changed nothing, unsaid: an entry
/// analyst's trial); the shipped profile's rows are within 1 m/s of its nodes.
#[test]
fn a_wind_layer_between_the_nodes_is_noted() {
    let layer =
        config_with(&["winds.profile=[[0.0, 0, 0], [1.0, 0, 0], [1.4, 100, 0], [2.0, 0, 0]]"]);
    let (sc, _, _) = sample_inputs(&layer, 1, true);
    let notes = sc.run_notes();
    assert!(
        notes.iter().any(|n| n.starts_with(
            "winds.profile rows at 1.4 km lie between the nodes every 1 km that the wind is \
             sampled at, which miss them by up to 100 m/s"
        )),
        "{notes:?}"
    );
    let (sc, _, _) = sample_inputs(&config_with(&[]), 1, true);
    assert!(
        !sc.run_notes()
            .iter()
            .any(|n| n.starts_with("winds.profile")),
        "{:?}",
        sc.run_notes()
    );
}
