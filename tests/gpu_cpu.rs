//! The WGSL engine against the independent f64 CPU reference, on the same sampled inputs.
//! These tests need a GPU adapter (lavapipe in CI) and fail without one.

mod common;
use common::*;
use dispersa::engine::PrecisionChoice;
use dispersa::scenario::reentry::*;
use dispersa::scenario::SampleOutputs;

const N: usize = 256;

fn max_rel(pairs: &[(&SampleOutputs, &SampleOutputs)], m: usize) -> f64 {
    pairs
        .iter()
        .map(|(x, y)| {
            let (x, y) = (x.metrics[m].unwrap(), y.metrics[m].unwrap());
            ((x - y) / y).abs()
        })
        .fold(0.0, f64::max)
}

fn metric(name: &str) -> usize {
    METRICS.iter().position(|m| m.0 == name).unwrap()
}

/// Whether the two engines took the same accepted and rejected steps on a sample.
fn same_steps(x: &SampleOutputs, y: &SampleOutputs) -> bool {
    let (ms, mr) = (metric("steps"), metric("rejected_steps"));
    x.metrics[ms] == y.metrics[ms] && x.metrics[mr] == y.metrics[mr]
}

fn compare(precision: PrecisionChoice, sets: &[&str]) -> (f64, f64, f64, f64) {
    let cfg = config_with(sets);
    let (sc, params, inputs) = sample_inputs(&cfg, N, false);
    let g = outputs(&gpu(precision), &sc, &params, &inputs);
    let c = outputs(&cpu(), &sc, &params, &inputs);
    for (x, y) in g.iter().zip(&c) {
        assert_eq!(x.status, y.status, "same status on both engines");
        assert_eq!(x.status, ST_LANDED);
    }
    let f64_mode = precision == PrecisionChoice::F64;
    // f64: the rounding bounds of `every_output_bound` hold for samples on the same steps. A
    // sample on other steps differs by integration error instead; such samples are counted
    // and held to the bars (peak g and heat fluxes 1e-6 relative, landing 1 m).
    // Their rate: 34 of 100,000 samples of the shipped config on lavapipe (docs/VALIDATION.md),
    // 0.09 expected in 256, so 3 or more has a Poisson probability of 1.1e-4. Measured: 1 of
    // the 2,048 samples of the eight f64 runs below (60 km/s: one more rejected step, the
    // same accepted steps, every output within the rounding bounds).
    let (pairs, other): (Vec<_>, Vec<_>) = g
        .iter()
        .zip(&c)
        .partition(|(x, y)| !f64_mode || same_steps(x, y));
    eprintln!("{precision:?}: samples on other steps: {}", other.len());
    assert!(other.len() <= 2, "{} samples on other steps", other.len());
    for (x, y) in &other {
        for m in [
            M_PEAK_G,
            metric("peak_heat_flux_w_cm2"),
            metric("peak_conv_heat_flux_w_cm2"),
            metric("peak_rad_heat_flux_w_cm2"),
            metric("peak_dynamic_pressure_pa"),
        ] {
            let (a, b) = (x.metrics[m].unwrap(), y.metrics[m].unwrap());
            assert!(
                (a - b).abs() <= 1e-6 * b.abs(),
                "{}: {a} vs {b} on other steps",
                METRICS[m].0
            );
        }
        assert!(landing_distance_m(x, y) < 1.0, "landing on other steps");
    }
    let landing = pairs
        .iter()
        .map(|(x, y)| landing_distance_m(x, y))
        .fold(0.0, f64::max);
    let tof = pairs
        .iter()
        .map(|(x, y)| {
            let tof = metric("time_of_flight_s");
            (x.metrics[tof].unwrap() - y.metrics[tof].unwrap()).abs()
        })
        .fold(0.0, f64::max);
    let (pg, pq) = (max_rel(&pairs, M_PEAK_G), max_rel(&pairs, M_PEAK_Q));
    let mut ties = 0;
    for (m, (name, unit)) in METRICS.iter().enumerate() {
        let bound = every_output_bound(precision, name);
        // The time of a maximum is ill-conditioned where two local maxima (the perturbed
        // density makes the curves wiggle near their tops) lie within the engines' value
        // difference of each other: there either engine may pick either. Such near-ties (the
        // peak values agree within their bound, the times do not) are counted, not compared.
        let peak_of = match *name {
            "time_peak_g_s" => Some(M_PEAK_G),
            "time_peak_heat_s" => Some(M_PEAK_Q),
            "time_peak_dynamic_pressure_s" => Some(metric("peak_dynamic_pressure_pa")),
            // Read at the peak's time: tied where it is.
            "altitude_peak_g_km" | "mach_peak_g" => Some(M_PEAK_G),
            "altitude_peak_heat_km" | "mach_peak_heat" => Some(M_PEAK_Q),
            _ => None,
        };
        let worst = pairs
            .iter()
            .map(|(x, y)| {
                let d = (x.metrics[m].unwrap() - y.metrics[m].unwrap()).abs();
                if let Some(k) = peak_of {
                    let (px, py) = (x.metrics[k].unwrap(), y.metrics[k].unwrap());
                    let peak_bound = every_output_bound(precision, METRICS[k].0);
                    if d > bound && (px - py).abs() <= peak_bound {
                        eprintln!("{precision:?}: {name} near-tie: {d:.3} {unit}");
                        ties += 1;
                        return 0.0;
                    }
                }
                d
            })
            .fold(0.0, f64::max);
        eprintln!(
            "{precision:?}: {name:<28} max |gpu - cpu| {worst:.3e} {unit} (bound {bound:.1e})"
        );
        assert!(
            worst <= bound,
            "{precision:?} {name} differs by {worst} {unit}, bound {bound}"
        );
    }
    eprintln!("{precision:?}: near-tied peak times (not compared): {ties}");
    // Rare: measured 2 of the 512 (sample, peak) pairs in f32 on lavapipe, none in f64
    // (2026-12-05); 4 of the 768 since the dynamic pressure's time is compared too (its peak
    // ties where peak g's does, on the same 2 samples: 2026-12-07); still 4 of the 1,792
    // (sample, column) pairs since the altitude and Mach number at the peaks are compared too
    // (within their bounds on those samples). At most 8, room for an adapter that rounds
    // otherwise. (At most 1 in 50 until 2026-12-05, which let the time bound pass whatever
    // the times were on 10 samples.)
    assert!(ties <= 8, "{ties} near-tied peak times");
    eprintln!("{precision:?}: max rel peak g {pg:.3e}, peak heat {pq:.3e}, landing {landing:.3e} m, tof {tof:.3e} s");
    (pg, pq, landing, tof)
}

/// Absolute bound on |GPU - CPU| for every output, in the output's unit.
/// f64: the two engines take the same steps (dopri5's steps are rounded down to 1/16 of their
/// binary octave, integrator::quantize_step) and differ by rounding. These bounds are rounding
/// bounds and hold only for samples on the same steps: `compare` holds a sample on other
/// steps (whose unrounded step fell within rounding of a bin edge; with a finer rounding,
/// 2^-8 s, 2 of 256 did, up to 4e-6 in peak g and 3 cm landing) to the bars instead.
/// Each f64 bound is ~10x the worst of the eight f64 runs of this file on lavapipe (256
/// samples each, 2026-12-05), quoted with it.
/// f32: integrates at rtol 1e-5 (the f32 floor) against the reference's 5e-8, and rounds
/// positions to 0.5 m; its bounds are the measured worst of the test's 256 samples on
/// lavapipe (2026-12-05) times 2.5 to 9 (times of peaks: see there), quoted with each. That
/// worst grows with the sample count (README: over 2,000 samples peak g reached 1.3e-2
/// relative, against 6.2e-3 here), so the margins cover these fixed samples, not f32's far
/// tail.
fn every_output_bound(precision: PrecisionChoice, name: &str) -> f64 {
    let f64_mode = precision == PrecisionChoice::F64;
    match name {
        // f64 measured 3.6e-10 g; f32 0.27 g.
        "peak_g" => {
            if f64_mode {
                4e-9
            } else {
                0.7
            }
        }
        // f64 measured 2.9e-8 and 3.2e-8 W/cm^2; f32 1.9 and 2.1.
        "peak_heat_flux_w_cm2" | "peak_conv_heat_flux_w_cm2" => {
            if f64_mode {
                4e-7
            } else {
                11.0
            }
        }
        // f64 measured 2.2e-8 W/cm^2; f32 0.61.
        "peak_rad_heat_flux_w_cm2" => {
            if f64_mode {
                3e-7
            } else {
                2.0
            }
        }
        // f64 measured 8.0e-9 J/cm^2; f32 4.3.
        "heat_load_j_cm2" => {
            if f64_mode {
                1e-7
            } else {
                20.0
            }
        }
        // A maximum is flat: an error eps in the values moves the arg-max by ~tau sqrt(2 eps),
        // tau ~10 s the pulse width; f32's worst eps = 6.2e-3 gives 1.1 s, and the bound is
        // 2 s. Beyond it f32 measured 4.2 s and 3.1 s in time of peak g, on two samples where
        // two local maxima nearly tie (counted as near-ties in `compare`); the worst of the
        // others 1.3 s (peak g), 0.38 s (peak heat). In f64 the maxima are located by golden
        // section, whose comparisons of values equal to rounding can go either way: its last
        // bracket is 2/16 x 0.618^14 ~ 1.5e-4 of a two-step window (0.2 s), 3e-5 s; measured 0
        // (8.5e-6 s in an earlier build), bound 3x the bracket.
        // f32 measured 1.3 s in time of peak dynamic pressure, beside two near-ties, the
        // samples of peak g's: with Cd flat above Mach 10 the two curves are proportional.
        "time_peak_g_s" | "time_peak_heat_s" | "time_peak_dynamic_pressure_s" => {
            if f64_mode {
                1e-4
            } else {
                2.0
            }
        }
        // Read at a peak's time. f64: the times' bound (1e-4 s) times 2 km/s and 2 Mach/s (at
        // the peaks the default config's flights descend at up to 1.5 km/s and slow by up to
        // 1.7 Mach/s, 2026-12-07); measured 2.8e-12 km and 5.9e-12. f32: the peak's time moves
        // by up to 1.3 s (above), and the state's own error adds; measured 2.9 km and 3.95 at
        // peak g, 0.55 km and 0.43 at peak heat (2026-12-07), bounds 2.5x; the near-tied
        // sample of peak g's time (4.2 s) reads 4.5 km and 5.6 there, within them.
        "altitude_peak_g_km" | "mach_peak_g" | "altitude_peak_heat_km" | "mach_peak_heat"
            if f64_mode =>
        {
            2e-4
        }
        "altitude_peak_g_km" => 7.0,
        "mach_peak_g" => 10.0,
        "altitude_peak_heat_km" => 1.5,
        "mach_peak_heat" => 1.1,
        // f64 measured 3.7e-12 km; f32 2.7e-3.
        "drogue_altitude_km" => {
            if f64_mode {
                4e-11
            } else {
                0.02
            }
        }
        // f64 measured 9.0e-10 Pa; f32 0.55.
        "drogue_dynamic_pressure_pa" => {
            if f64_mode {
                1e-8
            } else {
                5.0
            }
        }
        // f64 measured 9.2e-14 (lat), 4.7e-13 deg (lon); f32 1.1e-4, 3.7e-4.
        "landing_lat_deg" | "landing_lon_deg" => {
            if f64_mode {
                5e-12
            } else {
                2e-3
            }
        }
        // f64 measured 3.8e-11 km; f32 3.2e-2.
        "downrange_km" | "crossrange_km" | "miss_distance_km" | "miss_downrange_km"
        | "miss_crossrange_km" => {
            if f64_mode {
                4e-10
            } else {
                0.2
            }
        }
        // f32: the error norm weighs positions by |r| ~ 6.4e6 m, so at rtol 1e-5 a step may
        // leave metres of altitude error, and under the main (4.5 m/s) 1 m is 0.22 s; measured
        // 0.53 s on 256 samples (0.06 s before the parachute descent). f64 measured 1.1e-9 s.
        "time_of_flight_s" => {
            if f64_mode {
                1e-8
            } else {
                2.0
            }
        }
        // Canopy opening times: set by the trigger's located time (Mach number, altitude),
        // as the drogue altitude and the time of flight are. f64 measured 8.1e-11 s; f32
        // 1.3e-2 (drogue) and 5.7e-2 s (main).
        "drogue_time_s" | "main_time_s" => {
            if f64_mode {
                1e-9
            } else {
                0.5
            }
        }
        // The ground speed at touchdown, the canopy's 4.5 m/s and the wind's ~7: f64 rounding
        // (measured 1.4e-11 m/s here, 1.8e-10 m/s on 2,000 samples); f32's metres of altitude
        // error (see time_of_flight_s) move it along the wind's shear near the ground
        // (~3e-3 /s): measured 4.9e-3 m/s (6.7e-3 on 2,000 samples).
        "touchdown_speed_m_s" => {
            if f64_mode {
                2e-9
            } else {
                3e-2
            }
        }
        // Its vertical part, from the same state: f64 rounding (measured 5.1e-13 m/s); f32's
        // altitude error moves it only through the density, not the wind's shear (measured
        // 2.0e-4 m/s): 2e-9 and 3e-3.
        "touchdown_vertical_speed_m_s" => {
            if f64_mode {
                2e-9
            } else {
                3e-3
            }
        }
        // f64: `compare` compares only samples on the same steps (and counts the others), so
        // the bound 0 here is met by construction; the check is that count.
        // f32 runs at rtol 1e-5 against the reference's 5e-8 (about 110 steps against 250):
        // not comparable.
        "steps" | "rejected_steps" => {
            if f64_mode {
                0.0
            } else {
                f64::INFINITY
            }
        }
        // The drogue's opening conditions, from the state where it opens (set by the located
        // trigger, as the drogue's altitude is). Mach: f64 measured 3.5e-13, f32 5.1e-4.
        "drogue_open_mach" => {
            if f64_mode {
                4e-12
            } else {
                5e-3
            }
        }
        // f64 measured 9.0e-10 Pa; f32 0.77 Pa (as the trigger's dynamic pressure).
        "drogue_open_dynamic_pressure_pa" => {
            if f64_mode {
                1e-8
            } else {
                5.0
            }
        }
        // The main's, read at the end of the drogue's descent (its trigger located on the
        // descent's dense output, at descent_rtol): f64 measured 1.2e-8 Pa of ~640 Pa (the
        // cd_table test; 1.5e-9-5.4e-9 in the others), f32 0.26 Pa. Bounds about 8 times over.
        "main_open_dynamic_pressure_pa" => {
            if f64_mode {
                1e-7
            } else {
                2.0
            }
        }
        // The canopies' opening altitudes, from the state where each opens (as their dynamic
        // pressures): f64 measured 3.7e-12 km (drogue), 5.6e-12 (main); f32 2.7e-3 and 1.0e-3 km.
        "drogue_open_altitude_km" | "main_open_altitude_km" => {
            if f64_mode {
                4e-11
            } else {
                0.02
            }
        }
        // f64 measured 2.2e-7 Pa of ~25,000 (the relative rounding of peak g); f32 170 Pa
        // (6.8e-3 relative, as peak g's 0.27 g of 40).
        "peak_dynamic_pressure_pa" => {
            if f64_mode {
                3e-6
            } else {
                450.0
            }
        }
        other => panic!("no bound for output {other}"),
    }
}

/// The f64 engines with `sets`, on the samples on the same steps (see `compare`): what differs
/// is rounding (exp/log routines, altitude iteration, fused or unfused multiply-add; see
/// `every_output_bound`). Measured on lavapipe, worst of the eight f64 runs of this file (256
/// samples each, 2026-12-05): 4.2e-13 peak g, 3.3e-13 peak heat, 3.9e-8 m landing, 1.1e-9 s
/// time of flight. Bounds ~10x that: 5e-12, 4e-12, 4e-7 m, 1e-8 s (the issue asks 1e-6 and
/// 1 m).
fn assert_f64_agreement(sets: &[&str]) {
    let (pg, pq, landing, tof) = compare(PrecisionChoice::F64, sets);
    assert!(pg < 5e-12, "peak g differs by {pg:e}");
    assert!(pq < 4e-12, "peak heat flux differs by {pq:e}");
    assert!(landing < 4e-7, "landing points {landing} m apart");
    assert!(tof < 1e-8, "time of flight differs by {tof} s");
}

#[test]
fn gpu_and_cpu_agree_in_f64() {
    assert_f64_agreement(&[]);
}

#[test]
fn gpu_and_cpu_agree_in_f64_with_fixed_rk4_steps() {
    // The validation method: fixed steps, so the two differ by rounding alone (measured
    // 2.8e-13 peak g, 1.6e-13 peak heat, 2.1e-8 m landing, 9.0e-10 s): the bounds of
    // `assert_f64_agreement`.
    assert_f64_agreement(&["integrator.method=\"rk4\""]);
}

#[test]
fn gpu_f32_stays_within_documented_bounds() {
    let (pg, pq, landing, tof) = compare(PrecisionChoice::F32, &[]);
    // f32 (24-bit mantissa) integrates at rtol 1e-5, its floor (positions near 6.4e6 m are
    // quantised to 0.5 m), against the reference's 5e-8. Measured on the test's 256 samples
    // (lavapipe, 2026-12-05): peak g 6.2e-3 and peak heat 2.2e-3 relative, landing 33 m, time
    // of flight 0.53 s with the parachute descent. The bounds are 2.4x, 6.7x, 9x and 3.8x
    // those; over 2,000 samples the worst were 1.3e-2, 6.8e-3, 78 m and 0.83 s (README), so
    // the margins cover these fixed samples, not f32's far tail.
    assert!(pg < 1.5e-2, "f32 peak g differs by {pg:e}");
    assert!(pq < 1.5e-2, "f32 peak heat differs by {pq:e}");
    assert!(
        landing < 300.0,
        "f32 landing {landing} m from the f64 reference"
    );
    assert!(tof < 2.0, "f32 time of flight differs by {tof} s");
}

#[test]
fn gpu_and_cpu_agree_with_a_cd_table_on_no_uniform_grid() {
    // The kernel looks a Cd table up on a uniform grid through its nodes (CD_MODE 2, the
    // default config's table); a node at 1.41421356237 lies on no grid of 65,536 points, so this
    // table takes the bisection over its rows (CD_MODE 1).
    let table = "vehicle.cd_table=[[0.0, 0.70], [0.8, 0.85], [1.41421356237, 1.20], \
                 [3.0, 1.42], [10.0, 1.50], [40.0, 1.50]]";
    assert!(
        Model::new(&config_with(&[])).cd_uniform,
        "the default table is on a grid"
    );
    assert!(
        !Model::new(&config_with(&[table])).cd_uniform,
        "this table is on none"
    );
    assert_f64_agreement(&[table]);
}

#[test]
fn gpu_and_cpu_agree_with_a_g_switch() {
    // The drogue by a g-switch and its timer: the trigger located on the deceleration.
    assert_f64_agreement(&[
        "parachutes.drogue_trigger=\"g_switch\"",
        "parachutes.g_switch_g=3.0",
        "parachutes.drogue_delay_s=62.0",
    ]);
}

#[test]
fn gpu_and_cpu_agree_with_detra_kemp_riddell_heating() {
    // The second convective correlation: a power of V through the shader's f64 exp and log.
    assert_f64_agreement(&["heating.convective=\"detra_kemp_riddell\""]);
}

#[test]
fn gpu_and_cpu_agree_on_radiative_heating_far_beyond_the_table() {
    // The shader takes ln V for the radiative exponent from the Tauber-Sutton table's segment,
    // V halved into the table's span above 17.5 km/s (shaders/heating.wgsl): no halving at 17
    // km/s, one at 30, two at 60, three at 72 (entry speeds stop at 74 km/s, the fastest
    // anything bound to the Sun meets the Earth; this test flew 130 until 2026-12-05). Measured
    // on lavapipe (2026-12-04, 256 samples each): peaks within 7.9e-13 relative, landing 6.8e-8
    // m; without the halvings the peak heat flux was off by 8.3e-6 at 30 km/s and 6.0e-2 at 60
    // km/s, the landing by 1.7 m.
    for v in ["17.0", "30.0", "60.0", "72.0"] {
        assert_f64_agreement(&[format!("entry.velocity_km_s={v}").as_str()]);
    }
}

#[test]
fn gpu_and_cpu_agree_with_lift_and_bank() {
    // A lifting capsule: the lift along the air-relative velocity's normal, turned by the bank
    // angle (shaders/reentry.wgsl's HAS_LIFT branch), to either side. No GPU test flew it
    // (a newcomer's audit); every sample of these lands (L/D 0.2, bank 60 deg: peak g p50 39.6
    // on 200 samples, against 45.5 ballistic). Its first run found the lift flown beneath the
    // canopies too: with the lift below the horizon (bank -120) the near-vertical fall
    // chattered about the vertical, at ~2,000 steps a sample against ~250, and no sample of
    // the 256 took the same steps on both engines. The body now flies no lift once a canopy
    // opens; measured within 4.4e-13 in peak g and 2.2e-8 m in landing (lavapipe, 2026-12-06),
    // the bounds of `assert_f64_agreement`.
    for bank in ["60.0", "-120.0"] {
        assert_f64_agreement(&[
            "vehicle.lift_to_drag=0.2",
            format!("vehicle.bank_deg={bank}").as_str(),
        ]);
    }
    // Steep and lift-down, where the flight turns vertical before the drogue: the lift fades
    // there (layout LIFT_FADE_SIN). Without the fade it flipped across the vertical, ~30,000
    // steps a sample, and the engines' steps parted.
    assert_f64_agreement(&[
        "vehicle.lift_to_drag=0.4",
        "vehicle.bank_deg=180.0",
        "entry.flight_path_angle_deg=-16.0",
    ]);
}

/// A flight that rises from the interface has its peaks there, at t = 0, on both engines: the
/// window searched round its first step does not reach back before the entry (a skip-out after
/// one 2 s step read its peaks at t = -0.5 s on both: an entry analyst's trial).
#[test]
fn peaks_of_flights_rising_from_the_interface_are_at_the_entry_not_before() {
    let cfg = config_with(&[
        "entry.altitude_km=200",
        "atmosphere.perturbation.top_km=210",
        "entry.flight_path_angle_deg=-0.2",
        "dispersions.\"entry.flight_path_angle_deg\".sigma=0.1",
    ]);
    let (sc, params, inputs) = sample_inputs(&cfg, 400, false);
    let c = outputs(&cpu(), &sc, &params, &inputs);
    let g = outputs(&gpu(PrecisionChoice::F64), &sc, &params, &inputs);
    let mut at_entry = 0;
    for (i, (c, g)) in c.iter().zip(&g).enumerate() {
        for name in ["time_peak_g_s", "time_peak_heat_s"] {
            let m = metric(name);
            let (Some(tc), Some(tg)) = (c.metrics[m], g.metrics[m]) else {
                continue;
            };
            assert!(
                tc >= 0.0 && tg >= 0.0,
                "sample {i}: {name} {tc} (CPU), {tg} (GPU)"
            );
            at_entry += usize::from(tc == 0.0);
        }
    }
    // The case is flown: without the bound, sample 3 read its peak g at -0.036 s; with it, 142
    // of these 800 peak times are exactly 0 (at this seed).
    assert!(at_entry >= 10, "{at_entry} peaks at the entry");
}
