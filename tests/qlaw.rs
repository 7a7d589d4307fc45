//! Q-law guidance (src/physics/qlaw.rs) and its WGSL twin (shaders/qlaw.wgsl): equinoctial
//! elements, Gauss equations, the steepest-descent direction, a closed-loop transfer to 311P's
//! orbit, and GPU-CPU agreement. The GPU test needs an adapter (lavapipe in CI) and FAILS
//! without one.

mod common;

use dispersa::engine::gpu::prelude;
use dispersa::engine::Precision;
use dispersa::physics::comet::comet_311p_mpc_elements;
use dispersa::physics::ephemeris::DAY_S;
use dispersa::physics::kepler::*;
use dispersa::physics::qlaw::*;
use rand::{RngExt, SeedableRng};
use rand_pcg::Pcg64;
use std::f64::consts::{PI, TAU};

const MU: f64 = SUN_MU_M3_S2;

fn dot(a: [f64; 3], b: [f64; 3]) -> f64 {
    a[0] * b[0] + a[1] * b[1] + a[2] * b[2]
}
fn norm(a: [f64; 3]) -> f64 {
    dot(a, a).sqrt()
}
fn add(a: [f64; 3], b: [f64; 3], s: f64) -> [f64; 3] {
    [a[0] + s * b[0], a[1] + s * b[1], a[2] + s * b[2]]
}
fn cross(a: [f64; 3], b: [f64; 3]) -> [f64; 3] {
    std::array::from_fn(|k| a[(k + 1) % 3] * b[(k + 2) % 3] - a[(k + 2) % 3] * b[(k + 1) % 3])
}
fn angle_rad(a: [f64; 3], b: [f64; 3]) -> f64 {
    norm(cross(a, b)).atan2(dot(a, b))
}
fn elements(a_au: f64, e: f64, i_deg: f64, raan_deg: f64, argp_deg: f64, m_deg: f64) -> Elements {
    Elements {
        a_m: a_au * AU_M,
        e,
        i_rad: i_deg.to_radians(),
        raan_rad: raan_deg.to_radians(),
        argp_rad: argp_deg.to_radians(),
        mean_anomaly_rad: m_deg.to_radians(),
    }
}
/// A random bound state: a 0.8-3 au, e 0.02-0.4, i 0.5-30 deg, angles uniform.
fn random_state(rng: &mut Pcg64) -> ([f64; 3], [f64; 3]) {
    let mut u = || rng.random::<f64>();
    let el = elements(
        0.8 + 2.2 * u(),
        0.02 + 0.38 * u(),
        0.5 + 29.5 * u(),
        360.0 * u(),
        360.0 * u(),
        360.0 * u(),
    );
    elements_to_state(&el, MU)
}
fn random_unit(rng: &mut Pcg64) -> [f64; 3] {
    let z = 2.0 * rng.random::<f64>() - 1.0;
    let phi = TAU * rng.random::<f64>();
    let s = (1.0 - z * z).sqrt();
    [s * phi.cos(), s * phi.sin(), z]
}
fn target_311p() -> QLawTarget {
    QLawTarget::from_elements(&comet_311p_mpc_elements(), MU)
}
/// Equinoctial elements of a classical set, from the textbook relations (with trigonometry).
fn closed_form(el: &Elements) -> [f64; 8] {
    let ecc = solve_kepler(el.mean_anomaly_rad, el.e);
    let nu = ((1.0 - el.e * el.e).sqrt() * ecc.sin()).atan2(ecc.cos() - el.e);
    let (lp, ti) = (el.raan_rad + el.argp_rad, (el.i_rad / 2.0).tan());
    let l = lp + nu;
    [
        el.a_m * (1.0 - el.e * el.e),
        el.e * lp.cos(),
        el.e * lp.sin(),
        ti * el.raan_rad.cos(),
        ti * el.raan_rad.sin(),
        l.cos(),
        l.sin(),
        el.a_m,
    ]
}
fn as_array(eq: &Equinoctial) -> [f64; 8] {
    [eq.p, eq.f, eq.g, eq.h, eq.k, eq.cos_l, eq.sin_l, eq.a]
}

#[test]
fn equinoctial_elements_match_the_closed_form_to_1e_12() {
    // 1e-12 (relative for p and a, absolute for the rest, all O(1)): each conversion loses a few
    // ulp; the condition numbers of these orbits (1/(1-e), 1/cos^2(i/2)) are below ~20.
    let cases = [
        comet_311p_mpc_elements(),
        elements(1.0, 0.0167, 0.0005, 174.9, 288.1, 357.5),
        elements(0.9, 0.9, 60.0, 230.0, 315.0, 20.0),
        elements(3.0, 0.3, 140.0, 11.0, 57.0, 178.0),
        elements(1.2, 0.01, 1.0, 344.0, 190.0, 355.0),
        elements(2.2, 0.5, 25.0, 90.0, 270.0, 180.0),
    ];
    for el in cases {
        let (r, v) = elements_to_state(&el, MU);
        let got = as_array(&equinoctial_from_state(r, v, MU));
        let want = closed_form(&el);
        for j in 0..8 {
            let scale = if j == 0 || j == 7 { want[j] } else { 1.0 };
            let err = (got[j] - want[j]).abs() / scale;
            assert!(
                err < 1e-12,
                "{el:?}: element {j}: {:e} vs {:e}",
                got[j],
                want[j]
            );
        }
    }
    // The target carries the same elements, e_vec = e P and hhat = P x Q.
    let el = comet_311p_mpc_elements();
    let t = target_311p();
    let want = closed_form(&el);
    let got = [t.a_m / want[7], t.f, t.g, t.h, t.k];
    for (j, w) in [1.0, want[1], want[2], want[3], want[4]]
        .into_iter()
        .enumerate()
    {
        assert!((got[j] - w).abs() < 1e-12, "target element {j}");
    }
    let (so, co) = el.raan_rad.sin_cos();
    let (si, ci) = el.i_rad.sin_cos();
    let normal = [si * so, -si * co, ci];
    assert!(norm(add(t.h_hat, normal, -1.0)) < 1e-12);
    assert!((norm(t.e_vec) - el.e).abs() < 1e-12 && dot(t.e_vec, normal).abs() < 1e-12);
}

#[test]
fn gauss_rows_match_finite_differences_of_the_elements() {
    // Central differences over an impulse of +-1e-2 m/s: truncation (dv/v)^2 ~ 1e-13, rounding
    // ~1e-16 v/dv ~ 3e-10 (times the conditioning, < 10); 1e-7 of the row's scale (2a^2/h for
    // a, sqrt(p/mu) for f, g, h, k) leaves a wide margin and still catches any wrong term.
    let mut rng = Pcg64::seed_from_u64(1);
    let dv = 1e-2;
    let mut worst = 0.0_f64;
    for _ in 0..50 {
        let (r, v) = random_state(&mut rng);
        let eq = equinoctial_from_state(r, v, MU);
        let rows = gauss_rows(&eq, MU);
        let rh = add([0.0; 3], r, 1.0 / norm(r));
        let nh = add([0.0; 3], cross(r, v), 1.0 / norm(cross(r, v)));
        let th = cross(nh, rh);
        let w = (eq.p / MU).sqrt();
        let scales = [2.0 * eq.a * eq.a * w / eq.p, w, w, w, w];
        for (c, axis) in [rh, th, nh].into_iter().enumerate() {
            let plus = equinoctial_from_state(r, add(v, axis, dv), MU);
            let minus = equinoctial_from_state(r, add(v, axis, -dv), MU);
            let (ep, em) = (as_array(&plus), as_array(&minus));
            for (i, j) in [7, 1, 2, 3, 4].into_iter().enumerate() {
                let fd = (ep[j] - em[j]) / (2.0 * dv);
                let err = (fd - rows[i][c]).abs() / scales[i];
                worst = worst.max(err);
                assert!(
                    err < 1e-7,
                    "element {i} axis {c}: fd {fd:e} row {:e}",
                    rows[i][c]
                );
            }
        }
    }
    println!("gauss: worst |fd - row| / scale = {worst:.2e}");
}

/// dQ/dt [s] for the acceleration `accel` along `dir` (inertial), by central differences.
fn q_rate_fd(r: [f64; 3], v: [f64; 3], accel: f64, dir: [f64; 3], params: &QLawParams) -> f64 {
    let (t, dv) = (target_311p(), 1e-2);
    let qp = qlaw_q(r, add(v, dir, dv), MU, accel, &t, params);
    let qm = qlaw_q(r, add(v, dir, -dv), MU, accel, &t, params);
    accel * (qp - qm) / (2.0 * dv)
}

#[test]
fn qlaw_direction_is_the_steepest_descent_of_q() {
    let mut rng = Pcg64::seed_from_u64(2);
    let params = QLawParams {
        eta_cut: 0.0,
        ..QLawParams::default()
    };
    let t = target_311p();
    let (mut worst_grad, mut worst_random, mut worst_rate) = (0.0_f64, 0.0_f64, 0.0_f64);
    for _ in 0..20 {
        let (r, v) = random_state(&mut rng);
        let accel = 1e-5 + 2e-4 * rng.random::<f64>();
        let d = qlaw_direction(r, v, MU, accel, &t, &params);
        assert!(d.thrust && (norm(d.direction_rtn) - 1.0).abs() < 1e-14);
        let u = d.direction_inertial;
        // Q decreases along u, at the rate the law predicts. 1e-6: the central difference's
        // relative error (truncation ~(dv/v)^2 of Q's curvature scale, rounding ~1e-16 Q / dv).
        let rate = q_rate_fd(r, v, accel, u, &params);
        assert!(rate < 0.0, "dQ/dt along u = {rate}");
        let rel = (rate - d.q_dot_best).abs() / d.q_dot_best.abs();
        worst_rate = worst_rate.max(rel);
        assert!(rel < 1e-6, "dQ/dt fd {rate:e} vs law {:e}", d.q_dot_best);
        // The numerically optimal direction: minus the finite-difference gradient of Q in v.
        let unit_axes = [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]];
        let grad: [f64; 3] = std::array::from_fn(|c| q_rate_fd(r, v, accel, unit_axes[c], &params));
        let best_fd = add([0.0; 3], grad, -1.0 / norm(grad));
        // 1e-5 rad: the gradient's components carry the 1e-6 relative error above.
        let ang = angle_rad(u, best_fd);
        worst_grad = worst_grad.max(ang);
        assert!(ang < 1e-5, "angle to the numerical optimum {ang:e} rad");
        // The best of 2000 random directions: u must beat it, and lie near it. For 2000
        // uniform directions the nearest one to the optimum is farther than theta with
        // probability (1 - (1 - cos theta)/2)^2000: 25% at 3 deg, 0.4% at 6 deg, so the
        // angle bound is 6 deg (the gradient check above is the sharp one).
        let (mut best_rate, mut best_dir) = (f64::INFINITY, [0.0; 3]);
        for _ in 0..2000 {
            let dir = random_unit(&mut rng);
            let rr = q_rate_fd(r, v, accel, dir, &params);
            if rr < best_rate {
                (best_rate, best_dir) = (rr, dir);
            }
        }
        assert!(
            rate <= best_rate + 1e-6 * best_rate.abs(),
            "a random direction beats u"
        );
        let ang = angle_rad(u, best_dir);
        worst_random = worst_random.max(ang);
        assert!(
            ang < 6f64.to_radians(),
            "best random {} deg away",
            ang.to_degrees()
        );
    }
    println!(
        "direction: dQ/dt fd vs law {worst_rate:.1e} rel; angle to fd optimum \
         {worst_grad:.1e} rad; to best of 2000 random {:.2} deg (worst)",
        worst_random.to_degrees()
    );
}

#[test]
fn effectivity_is_in_unit_interval_and_coasting_zeroes_the_direction() {
    let mut rng = Pcg64::seed_from_u64(3);
    let t = target_311p();
    let params = QLawParams::default();
    let (mut coasts, mut burns) = (0, 0);
    for _ in 0..500 {
        let (r, v) = random_state(&mut rng);
        let d = qlaw_direction(r, v, MU, 1e-4, &t, &params);
        assert!((0.0..=1.0).contains(&d.eta_r), "eta_r {}", d.eta_r);
        assert_eq!(d.thrust, d.eta_r >= params.eta_cut);
        if d.thrust {
            burns += 1;
        } else {
            coasts += 1;
            assert_eq!(d.direction_inertial, [0.0; 3]);
        }
    }
    assert!(coasts > 0 && burns > 0, "coasts {coasts} burns {burns}");
}

#[test]
fn arrival_test_accepts_the_target_orbit_only() {
    let el = comet_311p_mpc_elements();
    let t = target_311p();
    let cos_tol = 0.2f64.to_radians().cos();
    let check = |e: Elements, want: bool| {
        let (r, v) = elements_to_state(&e, MU);
        assert_eq!(
            arrived(
                r,
                v,
                MU,
                &t,
                &MatchTolerance {
                    a_m: 0.01 * AU_M,
                    e: 0.01,
                    cos_i: cos_tol
                }
            ),
            want,
            "{e:?}"
        );
    };
    let with = |change: fn(&mut Elements)| {
        let mut e = el;
        change(&mut e);
        e
    };
    for m in [0.0, 90.0, 200.0] {
        let mut e = el;
        e.mean_anomaly_rad = f64::to_radians(m);
        check(e, true);
    }
    // Just outside one tolerance each (argp + 0.1 rad moves e_vec by 0.1 e = 0.0116).
    check(with(|e| e.a_m += 0.011 * AU_M), false);
    check(with(|e| e.e += 0.011), false);
    check(with(|e| e.i_rad += 0.21f64.to_radians()), false);
    check(with(|e| e.argp_rad += 0.1), false);
}

/// Two-body + thrust derivative of (r, v, m): thrust `thrust_n` along `dir` when it is non-zero.
fn deriv(s: &[f64; 7], dir: [f64; 3], thrust_n: f64, mdot: f64) -> [f64; 7] {
    let r = [s[0], s[1], s[2]];
    let rn = norm(r);
    let g = -MU / (rn * rn * rn);
    let (acc, dm) = if dir == [0.0; 3] {
        (0.0, 0.0)
    } else {
        (thrust_n / s[6], mdot)
    };
    std::array::from_fn(|i| match i {
        0..=2 => s[i + 3],
        3..=5 => g * r[i - 3] + acc * dir[i - 3],
        _ => dm,
    })
}

#[test]
fn closed_loop_transfer_from_1_au_reaches_311p_orbit_within_6_years() {
    // Constant 0.2 N, Isp 3000 s, 1500 kg, Sun only, RK4 with 0.5 day steps; the guidance is
    // evaluated at each step's start and its inertial direction held over the step.
    let (thrust_n, isp_s, m0) = (0.2, 3000.0, 1500.0);
    let mdot = -thrust_n / (isp_s * 9.80665);
    let t = target_311p();
    let params = QLawParams::default();
    let tol = MatchTolerance {
        a_m: 0.01 * AU_M,
        e: 0.01,
        cos_i: 0.2f64.to_radians().cos(),
    };
    let mut s = [AU_M, 0.0, 0.0, 0.0, (MU / AU_M).sqrt(), 0.0, m0];
    let h = 0.5 * DAY_S;
    let max_steps = (6.0 * 365.25 / 0.5) as usize;
    let (mut steps, mut burning, mut done) = (0, 0, false);
    while steps < max_steps {
        let (r, v) = ([s[0], s[1], s[2]], [s[3], s[4], s[5]]);
        if arrived(r, v, MU, &t, &tol) {
            done = true;
            break;
        }
        let d = qlaw_direction(r, v, MU, thrust_n / s[6], &t, &params);
        let dir = d.direction_inertial;
        burning += usize::from(d.thrust);
        let k1 = deriv(&s, dir, thrust_n, mdot);
        let s2: [f64; 7] = std::array::from_fn(|i| s[i] + 0.5 * h * k1[i]);
        let k2 = deriv(&s2, dir, thrust_n, mdot);
        let s3: [f64; 7] = std::array::from_fn(|i| s[i] + 0.5 * h * k2[i]);
        let k3 = deriv(&s3, dir, thrust_n, mdot);
        let s4: [f64; 7] = std::array::from_fn(|i| s[i] + h * k3[i]);
        let k4 = deriv(&s4, dir, thrust_n, mdot);
        s = std::array::from_fn(|i| s[i] + h / 6.0 * (k1[i] + 2.0 * k2[i] + 2.0 * k3[i] + k4[i]));
        steps += 1;
    }
    let years = steps as f64 * 0.5 / 365.25;
    let prop = m0 - s[6];
    let dv = isp_s * 9.80665 * (m0 / s[6]).ln();
    let duty = 100.0 * burning as f64 / steps as f64;
    println!(
        "transfer: arrived {done} after {years:.3} years ({steps} steps, thrusting {duty:.1}%), \
         dv {dv:.0} m/s, propellant {prop:.1} kg"
    );
    assert!(done, "not arrived within 6 years");
}

/// Test kernel: per state (r, v, accel) -> equinoctial elements, the decision and arrival.
const KERNEL: &str = "
@group(0) @binding(0) var<storage, read> consts: array<real>;
@group(0) @binding(1) var<storage, read> states: array<real>;
@group(0) @binding(2) var<storage, read_write> outs: array<real>;

@compute @workgroup_size(64)
fn qlaw_test_main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let i = gid.x;
    if (i >= arrayLength(&states) / 7u) {
        return;
    }
    let b = i * 7u;
    let r = vec3<real>(states[b], states[b + 1u], states[b + 2u]);
    let v = vec3<real>(states[b + 3u], states[b + 4u], states[b + 5u]);
    let c = qlaw_consts_from(0u);
    let x = 26u; // QLAW_CONSTS_LEN: mu, tol_a, tol_e, cos_tol_i follow the Q-law constants
    let mu = consts[x];
    let eq = qlaw_equinoctial_from_state(r, v, mu);
    let d = qlaw_direction(r, v, mu, states[b + 6u], c);
    let arr = qlaw_arrived(r, v, mu, c.a_t, c.e_t, c.w_t, consts[x + 1u], consts[x + 2u],
        consts[x + 3u]);
    let vals = array<real, 19>(eq.p, eq.f, eq.g, eq.h, eq.k, eq.cos_l, eq.sin_l, eq.a,
        d.dir_rtn.x, d.dir_rtn.y, d.dir_rtn.z, d.dir_inertial.x, d.dir_inertial.y,
        d.dir_inertial.z, d.q, d.eta_r, select(real(0.0), real(1.0), d.thrust), d.q_dot_best,
        select(real(0.0), real(1.0), arr));
    for (var j = 0u; j < 19u; j = j + 1u) {
        outs[i * 19u + j] = vals[j];
    }
}
";

#[test]
fn wgsl_twin_matches_the_rust_guidance_in_f64() {
    let ctx = common::gpu_context_f64();
    let t = target_311p();
    let params = QLawParams::default();
    let tol = MatchTolerance {
        a_m: 0.01 * AU_M,
        e: 0.01,
        cos_i: 0.2f64.to_radians().cos(),
    };
    let mut consts = qlaw_consts_flat(&t, &params);
    assert_eq!(consts.len(), QLAW_CONSTS_LEN);
    consts.extend_from_slice(&[MU, tol.a_m, tol.e, tol.cos_i]);
    // 180 random states and 20 on (or within the tolerances of) the target orbit.
    let mut rng = Pcg64::seed_from_u64(4);
    let el = comet_311p_mpc_elements();
    let mut states = Vec::new();
    for n in 0..200 {
        let (r, v) = if n < 180 {
            random_state(&mut rng)
        } else {
            let mut u = || rng.random::<f64>() - 0.5;
            let e2 = Elements {
                a_m: el.a_m + 0.015 * AU_M * u(),
                e: el.e + 0.015 * u(),
                mean_anomaly_rad: PI * (u() + 0.5) * 2.0,
                ..el
            };
            elements_to_state(&e2, MU)
        };
        states.extend_from_slice(&r);
        states.extend_from_slice(&v);
        states.push(1e-5 + 2e-4 * rng.random::<f64>());
    }
    let n_states = states.len() / 7;
    let source = format!(
        "{}\n{}\n{}",
        prelude(Precision::F64),
        include_str!("../shaders/qlaw.wgsl"),
        KERNEL
    );
    // The same file must also compile with the f32 prelude (the engine's f32 mode).
    let source32 = source.replacen(&prelude(Precision::F64), &prelude(Precision::F32), 1);
    ctx.pipeline("qlaw test f32", &source32, "qlaw_test_main", &[])
        .expect("qlaw.wgsl compiles in f32");
    let gpu = common::run_test_kernel(
        &ctx,
        "qlaw test",
        &source,
        "qlaw_test_main",
        &[&consts, &states],
        n_states * 19,
        n_states,
    );

    // Both sides run the same f64 operations in the same order except the prelude's exp/log
    // (a few ulp) and the driver's fma contraction; the largest amplification is the
    // effectivity's (|D| - min)/(max - min), worth ~1e3 ulp here. Relative for p, a, q, q_dot.
    // Measured on lavapipe: at most 1.6e-13 (q; eta 8.0e-14, q_dot 4.8e-14, the directions
    // 2.4e-14, the elements 3.4e-16). Bound 2e-12, ~10x.
    let mut worst = [0.0_f64; 19];
    let (mut thrusting, mut arrivals) = (0, 0);
    for n in 0..n_states {
        let s = &states[n * 7..n * 7 + 7];
        let (r, v) = ([s[0], s[1], s[2]], [s[3], s[4], s[5]]);
        let eq = as_array(&equinoctial_from_state(r, v, MU));
        let d = qlaw_direction(r, v, MU, s[6], &t, &params);
        let arr = arrived(r, v, MU, &t, &tol);
        let mut cpu = eq.to_vec();
        cpu.extend_from_slice(&d.direction_rtn);
        cpu.extend_from_slice(&d.direction_inertial);
        cpu.extend_from_slice(&[d.q, d.eta_r, f64::from(u8::from(d.thrust)), d.q_dot_best]);
        cpu.push(f64::from(u8::from(arr)));
        thrusting += usize::from(d.thrust);
        arrivals += usize::from(arr);
        for j in 0..19 {
            let g = gpu[n * 19 + j];
            let scale = if matches!(j, 0 | 7 | 14 | 17) {
                cpu[j].abs()
            } else {
                1.0
            };
            let err = (g - cpu[j]).abs() / scale;
            worst[j] = worst[j].max(err);
            assert!(
                err <= 2e-12,
                "state {n} output {j}: gpu {g:e} cpu {:e}",
                cpu[j]
            );
        }
    }
    // Outputs: p f g h k cosL sinL a, u_rtn, u_xyz, q eta thrust qdot arrived.
    let worst: Vec<String> = worst.iter().map(|w| format!("{w:.1e}")).collect();
    println!(
        "gpu vs cpu over {n_states} states ({thrusting} thrusting, {arrivals} arrived): max \
         |gpu - cpu| per output (relative for p a q qdot): {}",
        worst.join(" ")
    );
    assert!(thrusting > 0 && thrusting < n_states && arrivals > 0 && arrivals < n_states);
}
