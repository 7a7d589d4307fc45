//! Integration accuracy of the default adaptive settings against converged f64 solutions on the
//! CPU reference: the same 1,002 dispersed samples (steep, nominal and shallow, near-skip-out
//! entries) integrated at the default tolerances and at rtol 1e-12, compared at the located
//! events and maxima. The budget is the issue's: peak g and peak heat fluxes 2e-4 relative, heat
//! load 1e-4 relative, landing point 50 m, drogue altitude 20 m, event times 0.05 s.

mod common;
use common::*;
use dispersa::scenario::reentry::*;
use dispersa::scenario::SampleOutputs;

/// An output column's index by its name.
fn col(name: &str) -> usize {
    METRICS.iter().position(|m| m.0 == name).unwrap()
}

const PER_ANGLE: usize = 334;

fn run(fpa: f64, sets: &[&str]) -> Vec<SampleOutputs> {
    let mut all = vec![
        format!("entry.flight_path_angle_deg={fpa}"),
        "integrator.method=\"dopri5\"".to_string(),
    ];
    all.extend(sets.iter().map(|s| s.to_string()));
    let all: Vec<&str> = all.iter().map(|s| s.as_str()).collect();
    let cfg = config_with(&all);
    let (sc, params, inputs) = sample_inputs(&cfg, PER_ANGLE, false);
    outputs(&cpu(), &sc, &params, &inputs)
}

#[test]
fn default_tolerances_meet_the_accuracy_budget_against_converged_solutions() {
    let converged = [
        "integrator.rtol=1e-12",
        "integrator.descent_rtol=1e-12",
        "integrator.atol=1e-9",
    ];
    let mut worst = [0.0f64; 16];
    let names = [
        "peak g (rel)",
        "peak heat flux (rel)",
        "peak convective (rel)",
        "peak radiative (rel)",
        "heat load (rel)",
        "landing (m)",
        "drogue altitude (m)",
        "time of flight (s)",
        "time of peak g (s)",
        "time of peak heat (s)",
        "peak q_dyn (rel)",
        "time of peak q_dyn (s)",
        "altitude at peak g (m)",
        "Mach at peak g",
        "altitude at peak heat (m)",
        "Mach at peak heat",
    ];
    let mut steps = Vec::new();
    let mut rej = Vec::new();
    let mut ties = 0usize;
    // -14 deg: steep (g limit side); -10 deg: nominal; -6.2 deg: shallow, near the skip-out
    // boundary (README corridor: -5.75 deg).
    for fpa in [-14.0, -10.0, -6.2] {
        let a = run(fpa, &[]);
        let b = run(fpa, &converged);
        for (x, y) in a.iter().zip(&b) {
            assert_eq!(x.status, y.status, "same fate at both tolerances");
            if x.status != ST_LANDED {
                continue;
            }
            let rel = |m: usize| {
                let (p, q) = (x.metrics[m].unwrap(), y.metrics[m].unwrap());
                ((p - q) / q).abs()
            };
            let abs = |m: usize| (x.metrics[m].unwrap() - y.metrics[m].unwrap()).abs();
            let mut e = [
                rel(M_PEAK_G),
                rel(M_PEAK_Q),
                rel(col("peak_conv_heat_flux_w_cm2")),
                if y.metrics[col("peak_rad_heat_flux_w_cm2")].unwrap() > 1.0 {
                    rel(col("peak_rad_heat_flux_w_cm2"))
                } else {
                    0.0
                },
                rel(col("heat_load_j_cm2")),
                landing_distance_m(x, y),
                abs(col("drogue_altitude_km")) * 1000.0,
                abs(col("time_of_flight_s")),
                abs(col("time_peak_g_s")),
                abs(col("time_peak_heat_s")),
                rel(col("peak_dynamic_pressure_pa")),
                abs(col("time_peak_dynamic_pressure_s")),
                abs(col("altitude_peak_g_km")) * 1000.0,
                abs(col("mach_peak_g")),
                abs(col("altitude_peak_heat_km")) * 1000.0,
                abs(col("mach_peak_heat")),
            ];
            // A near-tie: two local maxima within the peak budget of each other, far apart in
            // time (the density perturbation makes the curves wiggle near their tops). There
            // the time of the maximum is ill-conditioned: any tolerance may pick either. The
            // times are held to the budget elsewhere, and the ties are counted.
            // The altitude and Mach number at a peak are read at its time, and are left out
            // with it.
            for (k, m, at) in [
                (8, M_PEAK_G, [12, 13]),
                (9, M_PEAK_Q, [14, 15]),
                (11, col("peak_dynamic_pressure_pa"), [11, 11]),
            ] {
                if e[k] > 0.05 && rel(m) <= 2e-4 {
                    ties += 1;
                    e[k] = 0.0;
                    for a in at {
                        e[a] = 0.0;
                    }
                }
            }
            for (w, v) in worst.iter_mut().zip(e) {
                *w = w.max(v);
            }
            steps.push(x.metrics[col("steps")].unwrap());
            rej.push(x.metrics[col("rejected_steps")].unwrap());
        }
    }
    steps.sort_by(f64::total_cmp);
    for (n, w) in names.iter().zip(worst) {
        eprintln!(
            "default vs converged, worst of {} samples: {n:<22} {w:.3e}",
            steps.len()
        );
    }
    rej.sort_by(f64::total_cmp);
    eprintln!(
        "steps taken: median {}, rejected: median {}",
        steps[steps.len() / 2],
        rej[rej.len() / 2]
    );
    eprintln!("near-ties of the peak times (excluded from their check): {ties}");
    assert!(
        steps.len() >= 1000,
        "at least 1,000 landed samples compared"
    );
    // Ties are rare (2 measured in these 2,004 (sample, peak) pairs, 2026-12-07, before the
    // dynamic pressure's time was compared too): at most 1 in 500 of the 3,006 pairs now.
    assert!(ties * 500 <= 3 * steps.len(), "{ties} near-tied peak times");
    // The budget. Measured worst of 1,002 (2026-12-06, rtol 5e-8, descent_rtol 1e-5):
    // the README's table ("Integration accuracy"): peak g 2.6e-5, peak heat fluxes 6.8e-6
    // (convective) to 4.7e-5 (radiative), heat load 1.2e-5, landing 1.3 m, drogue altitude
    // 0.28 m, time of flight 0.007 s, peak times 0.031 s. On 2026-12-07, with the default rtol
    // changed here: at 1e-7 every row held (radiative 7.1e-5, peak-g time 0.035 s, a 1.4x
    // margin); at 2e-7 the radiative peak missed (2.1e-4): the default keeps 5e-8.
    // The altitude and Mach number at the peaks follow from the event times' 0.05 s: at the
    // peaks the capsule descends at up to 1.5 km/s and slows by up to 1.7 Mach/s (the default
    // config's flights, 2026-12-07), so 100 m and 0.1 (2 km/s and 2 /s). Measured 12.8 m and
    // 0.018 at peak g, 10.5 m and 0.008 at peak heat (2026-12-07).
    let budget = [
        2e-4, 2e-4, 2e-4, 2e-4, 1e-4, 50.0, 20.0, 0.05, 0.05, 0.05, 2e-4, 0.05, 100.0, 0.1, 100.0,
        0.1,
    ];
    for ((n, w), b) in names.iter().zip(worst).zip(budget) {
        assert!(w <= b, "{n}: {w:e} over the budget {b:e}");
    }
}

#[test]
fn rk4_agrees_with_dopri5_at_the_converged_tolerance() {
    // The fixed-step method stays available for validation: at 0.02 s it reproduces the
    // converged adaptive solution. Measured, worst of the 20 samples: 8.4e-10 in peak g,
    // 1.1 cm in landing (the landing carries the error of the whole ~13-minute flight). Bounds
    // ~10x: 1e-8 and 0.1 m.
    let a = run(
        -10.0,
        &["integrator.method=\"rk4\"", "integrator.step_s=0.02"],
    );
    let b = run(
        -10.0,
        &[
            "integrator.rtol=1e-12",
            "integrator.descent_rtol=1e-12",
            "integrator.atol=1e-9",
        ],
    );
    let (mut worst_g, mut worst_land) = (0.0f64, 0.0f64);
    for (x, y) in a.iter().zip(&b).take(20) {
        let rel = ((x.metrics[M_PEAK_G].unwrap() - y.metrics[M_PEAK_G].unwrap())
            / y.metrics[M_PEAK_G].unwrap())
        .abs();
        worst_g = worst_g.max(rel);
        worst_land = worst_land.max(landing_distance_m(x, y));
    }
    eprintln!(
        "rk4 at 0.02 s vs converged, worst of 20: peak g {worst_g:.2e}, landing {worst_land:.3e} m"
    );
    assert!(worst_g < 1e-8, "rk4 peak g off by {worst_g:e}");
    assert!(worst_land < 0.1, "rk4 landing {worst_land} m off");
}

/// The default run's samples (`seed` None: the config's seed) at the default tolerances against
/// rtol 1e-12, peaks only; asserts the budget of 2e-4 on each.
fn peaks_of_a_run_within_the_budget(seed: Option<u64>) {
    let seed = seed.map(|s| format!("run.seed={s}"));
    let with_seed = |sets: &[&str]| {
        let mut all: Vec<&str> = seed.iter().map(|s| s.as_str()).collect();
        all.extend_from_slice(sets);
        config_with(&all)
    };
    let cfg = with_seed(&[]);
    let n = cfg.run.samples as usize;
    let (sc, params, inputs) = sample_inputs(&cfg, n, false);
    let a = outputs(&cpu(), &sc, &params, &inputs);
    let tight = with_seed(&[
        "integrator.rtol=1e-12",
        "integrator.descent_rtol=1e-12",
        "integrator.atol=1e-9",
    ]);
    let (sc, params, inputs) = sample_inputs(&tight, n, false);
    let b = outputs(&cpu(), &sc, &params, &inputs);
    // The four peaks of the first columns, then the dynamic pressure's.
    let peaks = [0, 1, 2, 3, col("peak_dynamic_pressure_pa")];
    let mut worst = [0.0f64; 5];
    let mut compared = 0;
    for (x, y) in a.iter().zip(&b) {
        if x.status != ST_LANDED || y.status != ST_LANDED {
            continue;
        }
        compared += 1;
        for (&m, w) in peaks.iter().zip(worst.iter_mut()) {
            let (p, q) = (x.metrics[m].unwrap(), y.metrics[m].unwrap());
            // The radiative flux is zero below 8.75 km/s (slow samples): relative only above 1.
            if q > 1.0 {
                *w = w.max(((p - q) / q).abs());
            }
        }
    }
    eprintln!(
        "seed {}: default run vs converged, worst of {compared}: peak g, total, convective, \
         radiative, dynamic pressure {:.2e} {:.2e} {:.2e} {:.2e} {:.2e}",
        seed.as_deref().unwrap_or("of the config"),
        worst[0],
        worst[1],
        worst[2],
        worst[3],
        worst[4]
    );
    assert!(compared * 10 >= n * 9, "{compared} of {n} landed in both");
    for (&m, w) in peaks.iter().zip(worst) {
        assert!(w <= 2e-4, "{}: {w:e} over the budget 2e-4", METRICS[m].0);
    }
}

#[test]
fn every_sample_of_the_default_run_locates_its_peaks_within_the_budget() {
    // The 10,000 samples that `dispersa run configs/tianwen2_reentry.toml` flies: a located
    // maximum is as good as the steps its windows search (docs/DESIGN.md, "Call sites, not
    // calls"), and a miss is a sample in thousands. Measured 2026-12-04, worst of 10,000: peak
    // g 3.9e-5, total 5.0e-5, convective 1.3e-5, radiative 4.6e-5; 2026-12-06, with the third
    // window (below): 3.9e-5, 3.1e-5, 1.3e-5, 4.6e-5. Excluding the step right after B1 from
    // B2 missed 2.0e-4 there (sample 6371); ranking steps by a dense-output midpoint instead of
    // the trial's stages, 7.9e-4 (a sample among the first 4,000).
    peaks_of_a_run_within_the_budget(None);
}

#[test]
fn five_more_seeds_locate_their_peaks_within_the_budget() {
    // 50,000 more samples. Measured 2026-12-06, worst over the five: peak g 6.6e-5, total
    // 5.7e-5, convective 3.8e-5, radiative 1.7e-4 (seed 5, at the converged maximum's time:
    // the state's own error). With two windows, seeds 2 and 4 missed: radiative 4.7e-4 and
    // 2.1e-4.
    for seed in 1..=5 {
        peaks_of_a_run_within_the_budget(Some(seed));
    }
}

#[test]
fn a_pulse_with_two_near_equal_humps_is_located_on_the_higher() {
    // Sample 6309 of seed 2: the density's perturbation gives its radiative pulse two humps,
    // 1.2 s apart and within 5e-4 of each other. Searching only the two steps ranked highest,
    // both fell on the lower hump (4.7e-4 low, at 33.6 s against 32.4 s); the third step,
    // searched where its prediction is close, holds the higher (3.8e-6 on 2026-12-06). Found
    // among 50,000 samples of seeds 1-5, with one more of 2.1e-4 (seed 4; 1.0e-4 since).
    // Budget: the 2e-4.
    use dispersa::scenario::Scenario;
    let k = 6309;
    let run_one = |sets: &[&str]| {
        let mut all = vec!["run.seed=2"];
        all.extend_from_slice(sets);
        let cfg = config_with(&all);
        let (sc, params, inputs) = sample_inputs(&cfg, k + 1, false);
        let len = sc.input_len();
        outputs(&cpu(), &sc, &params[k..], &inputs[k * len..]).remove(0)
    };
    let x = run_one(&[]);
    let y = run_one(&[
        "integrator.rtol=1e-12",
        "integrator.descent_rtol=1e-12",
        "integrator.atol=1e-9",
    ]);
    let m = col("peak_rad_heat_flux_w_cm2");
    let (p, q) = (x.metrics[m].unwrap(), y.metrics[m].unwrap());
    let rel = ((p - q) / q).abs();
    eprintln!("sample {k} of seed 2: radiative peak {p} against converged {q} ({rel:.2e})");
    assert!(
        rel <= 2e-4,
        "radiative peak {rel:e} off, over the budget 2e-4"
    );
}

/// The integrator is swapped in its two files (README, "Layout"): outside `src/integrator.rs`
/// and `shaders/integrator.wgsl`, no code names a method or the dense output's coefficients,
/// and no WGSL scenario reads the `METHOD` constant but to declare it. The scenarios ask
/// `Method::is_adaptive` / `integ_adaptive` and keep a dense output through
/// `integ_store_dense` / `integ_load_dense`; a scenario that named `rk4` would fly a second
/// fixed-step method as adaptive. Comments are left out (they may say which methods exist).
/// What it cannot see: a method's code compared as a bare number in Rust, and the reentry's
/// bounds on fixed steps, which are RK4's stability limits (README, "Layout").
#[test]
fn no_code_outside_the_integrator_names_a_method() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let named = [
        "Method::Dopri5",
        "Method::Rk4",
        "METHOD_DOPRI5",
        "METHOD_RK4",
        "\"dopri5\"",
        "\"rk4\"",
        ".d2",
        ".d3",
        ".d4",
        ".d5",
    ];
    let mut files = Vec::new();
    let mut dirs = vec![root.join("src"), root.join("shaders")];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "rs" || e == "wgsl") {
                files.push(path);
            }
        }
    }
    let own = [
        root.join("src/integrator.rs"),
        root.join("shaders/integrator.wgsl"),
    ];
    assert!(files.len() > 40, "found only {} source files", files.len());
    let mut found = Vec::new();
    for path in files.iter().filter(|p| !own.contains(p)) {
        let text = std::fs::read_to_string(path).unwrap();
        for (i, line) in text.lines().enumerate() {
            let code = line.split("//").next().unwrap();
            // A WGSL scenario asks integ_adaptive, never the override constant itself (a
            // `METHOD == 1u` names no method by name); its binding declares it.
            let wgsl = path.extension().is_some_and(|e| e == "wgsl");
            let asks_method = code.match_indices("METHOD").any(|(at, _)| {
                let before = code[..at].chars().next_back();
                let after = code[at + "METHOD".len()..].chars().next();
                let word = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_');
                !word(before) && !word(after)
            });
            if wgsl && asks_method && !code.trim_start().starts_with("override METHOD:") {
                found.push(format!(
                    "{}:{}: {}",
                    path.strip_prefix(root).unwrap().display(),
                    i + 1,
                    line.trim()
                ));
            }
            for name in named {
                // `.d2` as a field, not the start of a longer name (`.d2_x`).
                let hit = code.match_indices(name).any(|(at, _)| {
                    !name.starts_with(".d")
                        || !code[at + name.len()..]
                            .starts_with(|c: char| c.is_alphanumeric() || c == '_')
                });
                if hit {
                    found.push(format!(
                        "{}:{}: {}",
                        path.strip_prefix(root).unwrap().display(),
                        i + 1,
                        line.trim()
                    ));
                }
            }
        }
    }
    assert!(
        found.is_empty(),
        "methods named outside the integrator:\n{}",
        found.join("\n")
    );
}
