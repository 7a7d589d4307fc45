//! The entry corridor: boundaries bracket the nominal, and move the way the physics says.

use dispersa::corridor::{corridor, parse_range, stop_off_the_grid, CorridorOptions};
use dispersa::engine::{BackendChoice, PrecisionChoice};

const CONFIG: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/configs/tianwen2_reentry.toml");

fn run(fpa: &str, n: u64, risk: f64, sets: &[&str]) -> dispersa::corridor::Corridor {
    let dir = tempfile::tempdir().unwrap();
    let opts = CorridorOptions {
        config: CONFIG.into(),
        fpa_deg: fpa.into(),
        samples_per_point: n,
        risk,
        out: Some(dir.path().join("c")),
        backend: BackendChoice::Auto,
        precision: PrecisionChoice::Auto,
        sets: sets.iter().map(|s| s.to_string()).collect(),
        force: false,
        quiet: true,
    };
    let (c, out) = corridor(&opts).expect("corridor runs");
    // The file names how it was integrated, as a run's files do.
    let keys: Vec<String> = dispersa::output::file_metadata(&out.join("corridor.parquet"))
        .unwrap()
        .into_iter()
        .map(|(k, _)| k)
        .collect();
    for want in ["dispersa.integrator", "dispersa.epoch", "dispersa.analysis"] {
        assert!(keys.iter().any(|k| k == want), "no {want} in {keys:?}");
    }
    c
}

#[test]
fn corridor_boundaries_bracket_the_nominal_angle() {
    let c = run("-14:-4:0.5", 80, 0.05, &[]);
    let (shallow, steep) = (c.shallow.deg.unwrap(), c.steep.deg.unwrap());
    // The default config enters at -10 deg, inside the corridor.
    assert!(
        steep < -10.0 && -10.0 < shallow,
        "corridor {steep} .. {shallow}"
    );
    assert!((c.width_deg().unwrap() - (shallow - steep)).abs() < 1e-12);
    // Both boundaries inside the range: the width is the corridor's.
    assert!(
        steep > -14.0 && shallow < -4.0 && !c.width_is_a_lower_bound(),
        "{steep} .. {shallow}"
    );
    // Skip-out probability falls as the entry steepens.
    let p: Vec<f64> = c.points.iter().map(|p| p.skip.p).collect();
    assert!(p.first().unwrap() < p.last().unwrap());
}

#[test]
fn skip_out_boundary_moves_steeper_with_ballistic_coefficient_and_speed() {
    // The median skip-out angle (risk 0.5), 0.1 deg resolution: a heavier capsule (higher
    // ballistic coefficient) or a faster one is decelerated less per unit of atmosphere and
    // needs a steeper entry to be captured.
    let base = run("-6.6:-4.6:0.1", 60, 0.5, &[]).shallow.deg.unwrap();
    let heavy = run(
        "-6.6:-4.6:0.1",
        60,
        0.5,
        &[
            "vehicle.mass_kg=60",
            "dispersions.\"vehicle.mass_kg\"={dist=\"uniform\", low=59.0, high=61.0}",
        ],
    )
    .shallow
    .deg
    .unwrap();
    let fast = run("-6.6:-4.6:0.1", 60, 0.5, &["entry.velocity_km_s=12.5"])
        .shallow
        .deg
        .unwrap();
    eprintln!("skip-out boundary: base {base}, 60 kg {heavy}, 12.5 km/s {fast}");
    assert!(heavy < base, "heavier capsule: {heavy} vs {base}");
    assert!(fast < base, "faster entry: {fast} vs {base}");
}

#[test]
fn angle_ranges_are_checked() {
    assert_eq!(parse_range("-14:-6:0.25").unwrap().len(), 33);
    // The angles are the decimal ones, not their accumulated binary rounding.
    let a = parse_range("-8:-4:0.1").unwrap();
    assert_eq!((a.len(), a[33], a[40]), (41, -4.7, -4.0), "{a:?}");
    // An infinite STEP, and one so small that the point count overflowed its cast (it wrote
    // one NaN angle, or an empty corridor, with exit 0), are refused too.
    for bad in [
        "-6:-14:0.25",
        "-14:-6:0",
        "-14:-6",
        "a:b:c",
        "-14:1:0.5",
        "-13:-5:inf",
        "-13:-5:1e-300",
        "-13:-5:NaN",
        "-14:-6:0.001",
    ] {
        assert!(parse_range(bad).is_err(), "{bad}");
    }
    // A STOP off the grid is left out, and said with the last angle flown (an entry analyst's
    // trial: -16:-6:3 flew -16 to -7 with nothing said of -6); on the grid, nothing is said.
    let spec = "-16:-6:3";
    let note = stop_off_the_grid(spec, &parse_range(spec).unwrap()).expect("a note");
    assert!(note.ends_with("the last angle flown is -7"), "{note}");
    for on in ["-14:-6:0.25", "-8:-4:0.1", "-10:-10:1"] {
        assert_eq!(
            stop_off_the_grid(on, &parse_range(on).unwrap()),
            None,
            "{on}"
        );
    }
}

/// A range where every angle skips out says so, and which way the corridor lies (it printed
/// "shallow boundary none in range" and a "width none" caption).
#[test]
fn a_range_that_only_skips_out_says_where_the_corridor_lies() {
    let c = run("-5:-3:1", 40, 0.05, &[]);
    assert!(
        c.points.iter().all(|p| p.skip.p > 0.05),
        "every angle skips out here"
    );
    let notes = c.notes(0.05);
    assert!(
        notes.iter().any(
            |n| n.contains("every angle where samples flew skips out") && n.contains("steeper")
        ),
        "{notes:?}"
    );
}

/// With a g limit so low that every angle steep enough not to skip out exceeds it, the two
/// boundaries cross: the skip-out one lies steeper than the limit one. That is no corridor, not
/// a negative width (an audit's -8:-4:0.5 at 12 g reported "corridor width -0.500 deg").
#[test]
fn crossed_boundaries_are_no_corridor() {
    let c = run("-8:-4:0.5", 200, 0.00135, &["events.g_limit=12"]);
    let (shallow, steep) = (c.shallow.deg.unwrap(), c.steep.deg.unwrap());
    assert!(
        shallow < steep,
        "boundaries {steep} .. {shallow} do not cross"
    );
    assert_eq!(c.width_deg(), None);
    assert!(
        c.notes(0.00135)
            .iter()
            .any(|n| n.contains("no corridor here")),
        "{:?}",
        c.notes(0.00135)
    );
}

/// A structural limit (`events.dynamic_pressure_limit_pa`) holds the steep boundary too: the
/// nominal -10 deg entry peaks near 27 kPa, so a 25 kPa limit moves the boundary shallower
/// than -10 deg, where the g and heat limits alone put it at -11 deg or steeper (a review: the
/// limit was ignored without a word).
#[test]
fn a_dynamic_pressure_limit_moves_the_steep_boundary() {
    let without = run("-12:-8:1", 100, 0.00135, &[]);
    let with = run(
        "-12:-8:1",
        100,
        0.00135,
        &["events.dynamic_pressure_limit_pa=25000"],
    );
    let (a, b) = (without.steep.deg.unwrap(), with.steep.deg.unwrap());
    assert!(a <= -11.0, "without the limit: steep boundary {a}");
    assert!(b > -10.0, "with it: steep boundary {b}");
    // Each angle's p_limit_exceed counts the limit, which has a column of its own; the g and
    // heat columns do not change.
    for (p, q) in without.points.iter().zip(&with.points) {
        assert_eq!(p.g_exceed.p, q.g_exceed.p);
        assert!(p.qdyn_exceed.is_none());
        let qd = q.qdyn_exceed.expect("the limit's probability").p;
        assert!(q.limit_exceed.p >= qd.max(q.g_exceed.p).max(q.heat_exceed.p));
        assert!(q.peak_qdyn[0].is_some());
    }
}

/// Failed samples (here a drogue area dispersed wide enough to draw negative areas) are left
/// out of an angle's probabilities, counted in `failed` beside `samples`, and noted.
#[test]
fn failed_samples_are_counted_and_noted() {
    let c = run(
        "-10:-10:1",
        200,
        0.00135,
        &["dispersions.\"parachutes.drogue_cd_area_m2\".sigma=0.25"],
    );
    let p = &c.points[0];
    assert_eq!(p.trials + p.failed, 200);
    assert!(p.failed > 0, "no sample failed");
    assert!(
        c.notes(0.00135)
            .iter()
            .any(|n| n.starts_with(&format!("{} samples failed", p.failed))),
        "{:?}",
        c.notes(0.00135)
    );
}

/// Samples the time limit stopped before they landed or skipped out are neither: they are left
/// out of the probabilities, counted in `timed_out`, and noted. They were counted as flights that
/// did not skip out: a 150 s limit read P(skip-out) 0 at -5.5 deg, which skips out 99 % of the
/// time (an entry analyst's trial).
#[test]
fn timed_out_samples_are_left_out_and_noted() {
    let c = run("-5.5:-4.5:1", 50, 0.00135, &["integrator.time_limit_s=150"]);
    let (steep, shallow) = (&c.points[0], &c.points[1]);
    // At -5.5 deg the skip-out climbs back above the interface after 150 s: every one stops.
    assert_eq!(steep.timed_out, 50 - steep.failed);
    assert_eq!(steep.trials, 0);
    assert!(steep.skip.p.is_nan(), "{}", steep.skip.p);
    // At -4.5 deg they are out within 150 s.
    assert_eq!(shallow.timed_out, 0);
    assert!(shallow.skip.p > 0.9, "{}", shallow.skip.p);
    let notes = c.notes(0.00135);
    assert!(
        notes.iter().any(|n| n.starts_with(&format!(
            "{} samples reached integrator.time_limit_s",
            steep.timed_out
        ))),
        "{notes:?}"
    );
    // The angles where none flew are named: a boundary beside them may lie among them.
    assert!(
        notes
            .iter()
            .any(|n| n.starts_with("no sample flew at -5.500 deg (all failed or timed out)")),
        "{notes:?}"
    );
    // The notes about the angles that flew still hold (an angle where none flew hid them: a
    // review): every one that flew skips out.
    assert!(
        notes
            .iter()
            .any(|n| n.starts_with("every angle where samples flew skips out more often")),
        "{notes:?}"
    );
}

/// The sample-count note comes only where the samples cannot confirm the risk: at a 5 % risk
/// 73 samples suffice, and with 200 an angle the note said 200 "only bound a probability below
/// 0.0188, above the risk 0.05" (a review). The width is rounded to 1e-9 deg (0.8 read
/// 0.7999999999999998), and the steep boundary's note reads the probability of any limit.
#[test]
fn the_corridors_notes_say_only_what_holds() {
    let c = run("-5.5:-4:0.5", 200, 0.05, &[]);
    let notes = c.notes(0.05);
    assert!(
        !notes
            .iter()
            .any(|n| n.contains("even zero events only bound")),
        "{notes:?}"
    );
    // Fewer than 73 an angle: the note is due.
    let c = run("-5.5:-4:0.5", 40, 0.05, &[]);
    assert!(
        c.notes(0.05)
            .iter()
            .any(|n| n.contains("--samples-per-point 73 or more")),
        "{:?}",
        c.notes(0.05)
    );
    let b = |deg: f64| dispersa::corridor::Boundary {
        deg: Some(deg),
        low_deg: None,
        high_deg: None,
    };
    let w = dispersa::corridor::Corridor {
        points: vec![],
        shallow: b(-4.7),
        steep: b(-5.5),
    }
    .width_deg();
    assert_eq!(w, Some(0.8));
}

/// A boundary that the point estimate misses, by a sample or two, can still lie within its
/// Wilson range; the summary said only "none in range" (the range was in the file's metadata
/// alone: a corridor user's trial).
#[test]
fn a_boundary_missed_by_its_estimate_prints_its_wilson_range() {
    use dispersa::corridor::Boundary;
    let b = |deg, low_deg, high_deg| Boundary {
        deg,
        low_deg,
        high_deg,
    };
    assert_eq!(
        b(Some(-5.75), Some(-6.0), Some(-5.5)).describe(),
        "-5.750 deg (95 % Wilson range -6.000 .. -5.500)"
    );
    assert_eq!(b(None, None, None).describe(), "none in range");
    assert_eq!(
        b(None, None, Some(-5.5)).describe(),
        "none in range by the point estimate (its 95 % Wilson range allows no angle .. -5.500 deg)"
    );
}

/// A boundary is the edge of an unbroken run of passing angles from its safe end: an angle
/// that fails inside it ends it there, and the angles that pass again beyond are noted. The
/// steepest passing angle anywhere made a corridor through an angle with 1 of 150 samples
/// beyond a limit (a review-package trial).
#[test]
fn a_boundary_stops_at_the_first_failing_angle_from_its_safe_end() {
    use dispersa::corridor::{boundary, Corridor, CorridorPoint};
    use dispersa::stats::wilson;
    // Angles -11.50 .. -11.00; beyond a limit: 1 sample at -11.50 and at -11.35; skip-outs:
    // 1 at -11.00.
    let point = |fpa: f64, over: u64, skips: u64| CorridorPoint {
        fpa_deg: fpa,
        trials: 150,
        failed: 0,
        timed_out: 0,
        skip: wilson(skips, 150),
        g_exceed: wilson(over, 150),
        heat_exceed: wilson(0, 150),
        qdyn_exceed: None,
        limit_exceed: wilson(over, 150),
        peak_g: [None; 3],
        peak_heat: [None; 3],
        heat_load: [None; 3],
        peak_qdyn: [None; 3],
    };
    let points: Vec<CorridorPoint> = (0..11)
        .map(|k| {
            let fpa = -11.5 + 0.05 * k as f64;
            let over = u64::from(k == 0 || k == 3);
            point(fpa, over, u64::from(k == 10))
        })
        .collect();
    let risk = 0.00135;
    let steep = boundary(&points, risk, false);
    let shallow = boundary(&points, risk, true);
    assert!(
        (steep.deg.unwrap() - -11.30).abs() < 1e-9,
        "{:?}",
        steep.deg
    );
    assert!(
        (shallow.deg.unwrap() - -11.05).abs() < 1e-9,
        "{:?}",
        shallow.deg
    );
    let c = Corridor {
        points,
        shallow,
        steep,
    };
    let notes = c.notes(risk);
    assert!(
        notes.iter().any(|n| n.starts_with(
            "the steep boundary stops at -11.300 deg, before -11.350 deg, where P(any limit \
             exceeded) is 0.00667, above the risk; beyond it -11.450, -11.400 deg pass again"
        )),
        "{notes:?}"
    );
    // Nothing passes beyond the shallow boundary: no such note for it.
    assert!(
        !notes
            .iter()
            .any(|n| n.starts_with("the shallow boundary stops")),
        "{notes:?}"
    );
    // An angle where none flew at the steep boundary's safe end (the shallowest) is passed
    // over, not taken for its end (it left no boundary at all: a review).
    let mut points = c.points;
    points.push(CorridorPoint {
        trials: 0,
        skip: wilson(0, 0),
        limit_exceed: wilson(0, 0),
        ..point(-10.95, 0, 0)
    });
    let steep = boundary(&points, risk, false);
    assert!(
        (steep.deg.unwrap() - -11.30).abs() < 1e-9,
        "{:?}",
        steep.deg
    );
}

/// A scan that ends at a boundary gives a width the corridor may exceed: it is said to be a
/// lower bound (an entry analyst's trial read a width of 0.25 deg from `-12:-11:0.25`, whose
/// shallow boundary was the range's end, with only a separate note to say so).
#[test]
fn a_width_bounded_by_the_range_end_is_a_lower_bound() {
    let c = run("-12:-11:0.25", 80, 0.05, &[]);
    assert_eq!(c.shallow.deg, Some(-11.0), "{:?}", c.shallow);
    assert!(c.width_is_a_lower_bound());
    // Zero events in 80 samples bound a probability below 3.84 / 83.84 = 0.046 (95 % Wilson),
    // under the risk 0.05: both boundaries are confirmed on their conservative side. At the
    // default risk, 0.00135, they cannot be, and the width is the point estimates' (a review
    // board read "at least 5 deg" from 200 samples an angle as if confirmed).
    assert!(c.boundaries_confirmed(), "{:?} {:?}", c.shallow, c.steep);
    let strict = run("-12:-11:0.25", 80, 0.00135, &[]);
    assert!(
        !strict.boundaries_confirmed(),
        "{:?} {:?}",
        strict.shallow,
        strict.steep
    );
    assert!(
        c.notes(0.05)
            .iter()
            .any(|n| n.contains("the shallowest angle tried")),
        "{:?}",
        c.notes(0.05)
    );
}

/// `--quiet` writes the corridor's outcome to stderr, as the README says: its boundaries and
/// width with the notes (a batch user's stderr held only the caveat about the sample count).
#[test]
fn a_quiet_corridor_says_its_boundaries_on_stderr() {
    let dir = tempfile::tempdir().unwrap();
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_dispersa"))
        .args([
            "corridor",
            "configs/tianwen2_reentry.toml",
            "--fpa-deg=-12:-5:1",
        ])
        .args([
            "--samples-per-point",
            "20",
            "--backend",
            "cpu",
            "--quiet",
            "--out",
        ])
        .arg(dir.path().join("c"))
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{err}");
    assert!(o.stdout.is_empty(), "nothing on stdout");
    for says in [
        "dispersa: note: risk 0.00135: shallow boundary (skip-out) -6.000 deg",
        "dispersa: note: risk 0.00135: steep boundary (any limit of [events] in a sample: p_any) \
         -11.000 deg",
        "dispersa: note: corridor width 5.000 deg",
    ] {
        assert!(err.contains(says), "{says}: {err}");
    }
}

/// A sweep in radians is asked about, as a run's angle is: every angle of -0.24:-0.08 skipped
/// out with nothing asked (an entry analyst's trial). A sweep in degrees is not.
#[test]
fn a_sweep_in_radians_is_asked_about() {
    let dir = tempfile::tempdir().unwrap();
    let stderr = |range: &str, out: &str| {
        let o = std::process::Command::new(env!("CARGO_BIN_EXE_dispersa"))
            .args(["corridor", "configs/tianwen2_reentry.toml"])
            .arg(format!("--fpa-deg={range}"))
            .args([
                "--samples-per-point",
                "2",
                "--backend",
                "cpu",
                "--quiet",
                "--out",
            ])
            .arg(dir.path().join(out))
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&o.stderr).to_string();
        assert!(o.status.success(), "{err}");
        err
    };
    let rad = stderr("-0.24:-0.16:0.08", "rad");
    assert!(
        rad.contains("was it given in radians? -0.24 rad is -13.75 deg"),
        "{rad}"
    );
    let deg = stderr("-12:-11:1", "deg");
    assert!(!deg.contains("radians"), "{deg}");
}

/// An entry under the drogue's Mach trigger at the interface at every swept angle is refused as
/// a run is (exit 2, the key named, nothing written), judged at the sweep's two ends, not at
/// the config's own angle, which the sweep replaces (a review: refused at -12 deg though the
/// sweep from -60 to -40 flew).
#[test]
fn a_corridor_under_the_drogue_trigger_at_every_angle_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let run = |fpa: &str, sets: &[&str], out: &str| {
        let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_dispersa"));
        c.args(["corridor", "configs/tianwen2_reentry.toml", fpa])
            .args(["--samples-per-point", "5", "--backend", "cpu", "--quiet"]);
        for s in sets {
            c.args(["--set", s]);
        }
        c.arg("--out").arg(dir.path().join(out)).output().unwrap()
    };
    let o = run("--fpa-deg=-12:-5:1", &["entry.velocity_km_s=0.3"], "slow");
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("`entry.velocity_km_s`: 0.3 enters at Mach"),
        "{err}"
    );
    assert!(!dir.path().join("slow").exists());
    let o = run(
        "--fpa-deg=-60:-40:10",
        &["entry.velocity_km_s=0.7", "entry.altitude_km=30"],
        "steep",
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}
