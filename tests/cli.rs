//! The command line as a new user meets it: fallback without an adapter, nominal runs, adapters.

use std::process::Command;

const CRUISE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/configs/tianwen2_cruise_311p.toml"
);

const CONFIG: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/configs/tianwen2_reentry.toml");

#[test]
fn without_an_adapter_auto_falls_back_to_the_cpu_with_a_notice() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("fallback");
    // No Metal on Linux builds: wgpu finds no adapter for this backend.
    let o = Command::new(env!("CARGO_BIN_EXE_dispersa"))
        .env("WGPU_BACKEND", "metal")
        .args([
            "run",
            CONFIG,
            "--samples",
            "8",
            "--quiet",
            "--out",
            out.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(0), "{err}");
    assert!(
        err.contains("using the CPU backend"),
        "one-line notice: {err}"
    );
    assert_eq!(
        err.lines().filter(|l| l.starts_with("dispersa:")).count(),
        1
    );
    assert!(out.join("samples.parquet").exists());
}

#[test]
fn explicit_gpu_backend_without_an_adapter_is_a_runtime_failure() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("nogpu");
    let o = Command::new(env!("CARGO_BIN_EXE_dispersa"))
        .env("WGPU_BACKEND", "metal")
        .args([
            "run",
            CONFIG,
            "--samples",
            "8",
            "--quiet",
            "--backend",
            "gpu",
            "--out",
            out.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("no GPU adapter"));
    assert!(!out.exists(), "nothing written");
}

#[test]
fn nominal_run_prints_a_summary_and_the_adapters_command_lists_lavapipe() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("nominal");
    let o = Command::new(env!("CARGO_BIN_EXE_dispersa"))
        .args(["run", CONFIG, "--nominal", "--out", out.to_str().unwrap()])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(0));
    assert!(stdout.contains("landed 1"), "{stdout}");
    assert!(stdout.contains("peak_g"), "{stdout}");
    assert!(!stdout.contains("came at the entry interface"), "{stdout}");
    // One flight: its values, with no percentile range nor tolerance note (an entry analyst's
    // trial read the value three times as a range).
    assert!(
        !stdout.contains("p00135") && !stdout.contains("tolerance bounds"),
        "{stdout}"
    );
    // An interface inside the heating pulse: its peaks at t = 0 are pointed out (they were
    // reported with nothing said, an entry analyst's trial).
    let low = dir.path().join("low_interface");
    let o = Command::new(env!("CARGO_BIN_EXE_dispersa"))
        .args(["run", CONFIG, "--nominal", "--set", "entry.altitude_km=50"])
        .args(["--out", low.to_str().unwrap()])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(0));
    assert!(
        stdout.contains(
            "  note: time_peak_heat_s = 0 on some samples: their peak came at the entry \
             interface"
        ),
        "{stdout}"
    );
    // --samples and --seed beside --nominal are not silently dropped (the seed: a cruise
    // analyst's trial).
    let again = dir.path().join("nominal_samples");
    let o = Command::new(env!("CARGO_BIN_EXE_dispersa"))
        .args(["run", CONFIG, "--nominal", "--samples", "100", "--quiet"])
        .args(["--seed", "4", "--out", again.to_str().unwrap()])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("--samples 100 is not used"), "{stderr}");
    assert!(stderr.contains("--seed 4 is not used"), "{stderr}");
    // Every message on stderr names its kind (README, "Command line").
    assert!(
        stderr
            .lines()
            .all(|l| ["dispersa: note: ", "dispersa: warning: "]
                .iter()
                .any(|k| l.starts_with(k))),
        "{stderr}"
    );
    let a = Command::new(env!("CARGO_BIN_EXE_dispersa"))
        .arg("adapters")
        .output()
        .unwrap();
    let listing = String::from_utf8_lossy(&a.stdout);
    // CI installs lavapipe; a machine without any adapter must fail here, not skip.
    assert!(
        listing.contains("SHADER_F64"),
        "no adapter listed: {listing}"
    );
}

#[test]
fn a_run_where_every_sample_failed_exits_1_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("all_failed");
    // Every cruise stalls at a cap of 600 trial steps (the flights take 1,772-5,049), in
    // flight, so fails. (A dispersion
    // whose draws are all unphysical is refused as bad input before any work,
    // tests/bad_input.rs.)
    let cruise = CRUISE;
    let o = Command::new(env!("CARGO_BIN_EXE_dispersa"))
        .args([
            "run",
            cruise,
            "--samples",
            "6",
            "--backend",
            "cpu",
            "--quiet",
            "--set",
            "integrator.max_trials=600",
            "--out",
            out.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.contains("every one of the 6 samples failed"), "{err}");
    // The inputs stay on disk for the diagnosis.
    assert!(out.join("samples.parquet").exists());
}

/// A run where some samples failed prints the first one's reason beside the counts (it printed
/// "failed 9" alone, and failed samples leave the statistics). Cruises capped at 2,500 trial
/// steps: the dispersed flights take 1,772-5,049, so some stall; the first of these 20 is
/// sample 2.
#[test]
fn a_run_with_failed_samples_names_the_first_reason() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("some_failed");
    let cruise = CRUISE;
    let o = Command::new(env!("CARGO_BIN_EXE_dispersa"))
        .args([
            "run",
            cruise,
            "--samples",
            "20",
            "--backend",
            "cpu",
            "--set",
            "integrator.max_trials=2500",
            "--out",
            out.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&o.stdout);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let failed = text
        .lines()
        .find(|l| l.starts_with("status:"))
        .and_then(|l| l.split("failed ").nth(1))
        .and_then(|n| n.trim().parse::<u64>().ok())
        .expect("a failed count");
    assert!(failed > 0 && failed < 20, "{text}");
    // Beside the counts: the line after them.
    let after_status = |k: usize| {
        text.lines()
            .skip_while(|l| !l.starts_with("status:"))
            .nth(k)
            .unwrap_or("")
    };
    assert!(
        after_status(1).starts_with("  first failed: sample 2: stalled: 2500 trial steps ("),
        "{text}"
    );
    // And that the statistics leave them out.
    assert_eq!(
        after_status(2),
        format!(
            "  the statistics below are of the {} samples that did not fail: the {failed} failed \
             ones are in no percentile and no probability",
            20 - failed
        ),
        "{text}"
    );
    // --quiet leaves out the summary, not the failures: one line on stderr (12 % of a run
    // failed with exit 0 and nothing said, an entry analyst's trial); nor the notes on the
    // outcome (flights that all timed out exited 0 with nothing said, a review).
    let quiet = |config: &str, samples: &str, set: &str, out: &str| {
        let o = Command::new(env!("CARGO_BIN_EXE_dispersa"))
            .args(["run", config, "--samples", samples, "--backend", "cpu"])
            .args(["--set", set, "--quiet", "--out"])
            .arg(dir.path().join(out))
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&o.stderr).to_string();
        assert_eq!(o.status.code(), Some(0), "{err}");
        assert!(
            o.stdout.is_empty(),
            "{}",
            String::from_utf8_lossy(&o.stdout)
        );
        err
    };
    let err = quiet(cruise, "20", "integrator.max_trials=2500", "quiet");
    assert!(
        err.contains(&format!(
            "dispersa: note: {failed} of the 20 samples failed (the first, sample 2: stalled: \
             2500 trial steps ("
        )),
        "{err}"
    );
    let err = quiet(CONFIG, "4", "integrator.time_limit_s=60", "timeouts");
    assert!(
        err.contains("dispersa: note: 4 samples reached the integrator's time limit"),
        "{err}"
    );
}

#[test]
fn a_closed_stdout_is_not_a_crash() {
    // `dispersa run ... | head -0`: the reader is gone before the summary is printed.
    use std::process::Stdio;
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("closed");
    let mut child = Command::new(env!("CARGO_BIN_EXE_dispersa"))
        .args([
            "run",
            CONFIG,
            "--samples",
            "4",
            "--backend",
            "cpu",
            "--out",
            out.to_str().unwrap(),
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let o = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(0), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    assert!(out.join("summary.parquet").exists());
}

/// An integrator override of the method the config does not use is pointed out, not dropped
/// without a word; the method's own keys and other overrides are not.
#[test]
fn an_integrator_override_for_the_other_method_is_noted() {
    use dispersa::config::{Flights, RawConfig};
    let text = "[integrator]\nmethod = \"dopri5\"\nrtol = 5e-8\nstep_s = 0.1\n";
    let sets = |s: &[&str]| s.iter().map(|x| x.to_string()).collect::<Vec<_>>();
    let raw = RawConfig::parse(
        text,
        "t",
        &sets(&["integrator.step_s=0.5", "integrator.rtol=1e-7"]),
    )
    .unwrap();
    let notes = raw.unused_override_notes(Flights::Samples);
    assert_eq!(notes.len(), 1, "{notes:?}");
    assert!(
        notes[0].contains("integrator.step_s") && notes[0].contains("\"rk4\""),
        "{notes:?}"
    );
    let raw = RawConfig::parse(
        text,
        "t",
        &sets(&[
            "integrator.method=\"rk4\"",
            "integrator.rtol=1e-7",
            "events.g_limit=50",
            "integrator.max_trials=500",
        ]),
    )
    .unwrap();
    let notes = raw.unused_override_notes(Flights::Samples);
    assert_eq!(notes.len(), 2, "{notes:?}");
    assert!(
        notes[0].contains("integrator.rtol") && notes[0].contains("\"dopri5\""),
        "{notes:?}"
    );
    // The trial cap is dopri5's too (RK4's steps are bounded by the config): it went unnoted.
    assert!(
        notes[1].contains("integrator.max_trials") && notes[1].contains("\"dopri5\""),
        "{notes:?}"
    );
}

/// A cruise override of a key that only another mode reads is pointed out: the departure's
/// state keys under a flyby, the inertial direction and the Q-law's settings under tangential
/// guidance (an audit found them dropped without a word, 2026-12-05). The mode's own keys and
/// a mode switched by `--set` itself are judged by the mode the run flies.
#[test]
fn a_cruise_override_for_another_mode_is_noted() {
    use dispersa::config::{Flights, RawConfig};
    let text = "[departure]\nmode = \"flyby\"\n[guidance]\nmode = \"qlaw\"\neta_cut = 0.2\n";
    let sets = |s: &[&str]| s.iter().map(|x| x.to_string()).collect::<Vec<_>>();
    let notes = |s: &[&str]| {
        RawConfig::parse(text, "t", &sets(s))
            .unwrap()
            .unused_override_notes(Flights::Samples)
    };
    let n = notes(&[
        "departure.position_au=[1, 0, 0]",
        "departure.periapsis_altitude_km=3000",
        "guidance.direction=[1, 0, 0]",
        "guidance.phasing_days=100",
    ]);
    assert_eq!(n.len(), 2, "{n:?}");
    assert!(n[0].contains("departure.position_au") && n[0].contains("\"state\""));
    assert!(n[1].contains("guidance.direction") && n[1].contains("\"inertial\""));
    let n = notes(&["guidance.mode=\"tangential\"", "guidance.eta_cut=0.3"]);
    assert_eq!(n.len(), 1, "{n:?}");
    assert!(n[0].contains("guidance.eta_cut") && n[0].contains("\"tangential\""));
    assert!(notes(&["guidance.mode=\"open_loop\"", "guidance.eta_cut=0.3"]).is_empty());
}

/// A nominal value that its dispersion draws without (a uniform's own low and high, a normal's
/// own mean, a correlated group's own mean) is pointed out when `--set` changes it: only the
/// `--nominal` run uses it. A normal about the nominal uses it, and gets no note.
#[test]
fn a_nominal_override_that_the_dispersion_ignores_is_noted() {
    use dispersa::config::{Flights, RawConfig};
    let text = r#"
[vehicle]
mass_kg = 40.0
cd = 1.5
nose_radius_m = 0.2
[entry]
velocity_km_s = 12.0
flight_path_angle_deg = -10.0
[dispersions."vehicle.mass_kg"]
dist = "uniform"
low = 39.0
high = 41.0
[dispersions."vehicle.cd"]
dist = "normal"
sigma = 0.05
[dispersions."vehicle.nose_radius_m"]
dist = "normal"
mean = 0.21
sigma = 0.01
[[correlated]]
paths = ["entry.velocity_km_s", "entry.flight_path_angle_deg"]
covariance = [[1e-4, 0.0], [0.0, 1e-4]]
mean = [12.0, -10.0]
"#;
    let sets: Vec<String> = [
        "vehicle.mass_kg=50",
        "vehicle.cd=1.4",
        "vehicle.nose_radius_m=0.3",
        "entry.velocity_km_s=12.5",
        "entry.flight_path_angle_deg=-9",
    ]
    .iter()
    .map(|x| x.to_string())
    .collect();
    let raw = RawConfig::parse(text, "t", &sets).unwrap();
    // `target` flies the nominal alone: every one of these values is used there.
    assert!(raw.unused_override_notes(Flights::Nominal).is_empty());
    // The corridor sweeps the entry angle: its override is not used, for that reason.
    let swept = raw.unused_override_notes(Flights::SweptAngle);
    assert!(
        swept
            .iter()
            .any(|n| n.starts_with("--set entry.flight_path_angle_deg:") && n.contains("sweeps")),
        "{swept:?}"
    );
    // And its dispersion, which the corridor replaces by the swept values (ignored with
    // nothing said: a corridor trial).
    let sigma = RawConfig::parse(
        text,
        "t",
        &["dispersions.\"entry.flight_path_angle_deg\".sigma=0.5".to_string()],
    )
    .unwrap()
    .unused_override_notes(Flights::SweptAngle);
    assert!(
        sigma
            .iter()
            .any(|n| n.contains("the angle's dispersion is not used")),
        "{sigma:?}"
    );
    let notes = raw.unused_override_notes(Flights::Samples);
    let noted = |key: &str| {
        notes
            .iter()
            .any(|n| n.starts_with(&format!("--set {key}:")))
    };
    assert!(
        noted("vehicle.mass_kg") && noted("vehicle.nose_radius_m"),
        "{notes:?}"
    );
    assert!(
        noted("entry.velocity_km_s") && noted("entry.flight_path_angle_deg"),
        "{notes:?}"
    );
    assert!(
        !noted("vehicle.cd"),
        "a normal about the nominal uses it: {notes:?}"
    );
    assert_eq!(notes.len(), 4, "{notes:?}");
    // A nominal flight (`run --nominal`, `target`) draws no dispersion, perturbation, thrust
    // noise or outage: an override of their keys is noted, the model's own values are not.
    let sets: Vec<String> = [
        "dispersions.\"vehicle.cd\".sigma=0.1",
        "atmosphere.perturbation.sigma=[[0.0, 0.1]]",
        "winds.perturbation.correlation_length_km=3.0",
        "propulsion.thrust_noise.sigma=0.02",
        "missed_thrust.max_events=40",
        "vehicle.cd=1.4",
    ]
    .iter()
    .map(|x| x.to_string())
    .collect();
    let raw = RawConfig::parse(text, "t", &sets).unwrap();
    let nominal = raw.unused_override_notes(Flights::Nominal);
    for (key, what) in [
        ("dispersions.\"vehicle.cd\".sigma", "the dispersions"),
        ("atmosphere.perturbation.sigma", "the density perturbation"),
        (
            "winds.perturbation.correlation_length_km",
            "the wind perturbation",
        ),
        ("propulsion.thrust_noise.sigma", "the thrust noise"),
        ("missed_thrust.max_events", "the safe-mode outages"),
    ] {
        assert!(
            nominal
                .iter()
                .any(|n| n.starts_with(&format!("--set {key}:"))
                    && n.contains(what)
                    && n.ends_with(
                        "it is checked as for a dispersed run of the config, which does"
                    )),
            "{key}: {nominal:?}"
        );
    }
    assert_eq!(nominal.len(), 5, "vehicle.cd is used: {nominal:?}");
}

/// A dispersion drawn about another value than the config's is said, before the run, and kept
/// in the files' run notes: a 40 kg capsule under a uniform of 45-55 kg ran with nothing said,
/// while `--nominal`, `target` and the report's nominal flew 40 kg (an entry analyst's trial).
#[test]
fn dispersions_drawn_about_another_value_than_the_config_are_noted() {
    let dir = tempfile::tempdir().unwrap();
    let shipped = std::fs::read_to_string(CONFIG).unwrap();
    let mass = "[dispersions.\"vehicle.mass_kg\"]\ndist = \"uniform\"\nlow = 39.0\nhigh = 41.0";
    let cd = "[dispersions.\"vehicle.cd_scale\"]\n";
    assert!(shipped.contains(mass) && shipped.contains(cd));
    let text = shipped
        .replacen(
            mass,
            &mass.replace("39.0", "45.0").replace("41.0", "55.0"),
            1,
        )
        .replacen(cd, &format!("{cd}mean = 1.05\n"), 1);
    let path = dir.path().join("off.toml");
    std::fs::write(&path, text).unwrap();
    let run = |config: &std::path::Path, sets: &[&str], out: &str| {
        let mut c = Command::new(env!("CARGO_BIN_EXE_dispersa"));
        c.args([
            "run",
            "--samples",
            "8",
            "--backend",
            "cpu",
            "--quiet",
            "--out",
        ])
        .arg(dir.path().join(out))
        .arg(config);
        for s in sets {
            match s.strip_prefix("--") {
                Some(_) => c.arg(s),
                None => c.args(["--set", s]),
            };
        }
        let o = c.output().unwrap();
        let err = String::from_utf8_lossy(&o.stderr).to_string();
        assert!(o.status.success(), "{err}");
        (err, dir.path().join(out))
    };
    let mass_note = "dispersions.\"vehicle.mass_kg\" (uniform) draws from 45 to 55, which leaves \
                     out the nominal vehicle.mass_kg = 40: every sample";
    let cd_note = "dispersions.\"vehicle.cd_scale\" (truncated_normal) draws about its own mean, \
                   1.05, not about the nominal vehicle.cd_scale = 1: the samples";
    let (err, out) = run(&path, &[], "off");
    assert!(err.contains(mass_note) && err.contains(cd_note), "{err}");
    let kept = dispersa::output::file_metadata(&out.join("summary.parquet")).unwrap();
    let kept = &kept
        .iter()
        .find(|(k, _)| k == "dispersa.run_notes")
        .unwrap()
        .1;
    assert!(kept.contains(mass_note) && kept.contains(cd_note), "{kept}");
    // A value that a --set gives is said by the override's own note, once.
    let (err, _) = run(&path, &["vehicle.mass_kg=50"], "set");
    assert!(!err.contains(mass_note) && err.contains(cd_note), "{err}");
    assert!(err.contains("--set vehicle.mass_kg: "), "{err}");
    // The shipped config draws about its values; a nominal run draws nothing.
    let (err, _) = run(std::path::Path::new(CONFIG), &[], "shipped");
    assert!(
        !err.contains("draws about its own") && !err.contains("leaves out"),
        "{err}"
    );
    let (err, _) = run(&path, &["--nominal"], "nominal");
    assert!(!err.contains(mass_note) && !err.contains(cd_note), "{err}");
    // A correlated group's own mean, each path by name; a mean within what `target` prints
    // (6 decimals) of the value, and a Weibull, whose draws are not about the value, are not
    // noted; a value too small for the plain decimal form is written as a float.
    use dispersa::config::{CorrelatedConfig, DispersionConfig, Dispersions};
    let group = CorrelatedConfig {
        paths: vec!["a".into(), "b".into(), "d".into()],
        covariance: vec![
            vec![1.0, 0.0, 0.0],
            vec![0.0, 1.0, 0.0],
            vec![0.0, 0.0, 1.0],
        ],
        mean: Some(vec![40.0800004, 2.5, 2.0]),
    };
    let weibull: DispersionConfig =
        toml::from_str("dist = \"weibull\"\nshape = 2.0\nscale = 1.0").unwrap();
    let tiny: DispersionConfig =
        toml::from_str("dist = \"normal\"\nmean = 2e-7\nsigma = 1e-8").unwrap();
    let singles = Dispersions::from([("c".to_string(), weibull), ("e".to_string(), tiny)]);
    let notes = dispersa::sampling::off_centre_notes(
        &singles,
        &[group],
        &["a", "b", "c", "d", "e"],
        &[40.08, 2.0, 0.0, 2.00001, 1.0],
        |_| false,
    );
    assert_eq!(notes.len(), 3, "{notes:?}");
    assert!(
        notes[0].starts_with(
            "dispersions.\"e\" (normal) draws about its own mean, 2e-7, not about the nominal \
             e = 1:"
        ),
        "{notes:?}"
    );
    assert!(
        notes[1].starts_with(
            "correlated[0] draws b about its own mean, 2.5, not about the nominal b = 2:"
        ),
        "{notes:?}"
    );
    assert!(
        notes[2].starts_with("correlated[0] draws d about its own mean, 2,"),
        "{notes:?}"
    );
}

/// Too many microbenchmark lanes for the adapter is bad input, named with the adapter's limit
/// (it was a bare "Validation Error" from wgpu). Needs an adapter, as every GPU test.
#[test]
fn microbench_lanes_beyond_the_adapter_are_refused() {
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_dispersa"))
        .args(["microbench", "--lanes", "100000000"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("--lanes 100000000: this adapter takes at most"),
        "{err}"
    );
}

/// A cruise whose time limit ends the flights before `target.deadline` says so before it flies:
/// what arrives after the limit is never counted, so the probabilities by the deadline are lower
/// bounds (the default 3,000-day limit under a deadline 10 years out timed every sample out two
/// years early, and nothing said so: a trial). The shipped config's limit reaches its deadline.
#[test]
fn a_cruise_time_limit_before_the_deadline_is_noted() {
    let cruise = CRUISE;
    let dir = tempfile::tempdir().unwrap();
    let stderr = |sets: &[&str], out: &str| {
        let mut c = Command::new(env!("CARGO_BIN_EXE_dispersa"));
        c.args(["run", cruise, "--nominal", "--quiet", "--backend", "cpu"]);
        for s in sets {
            c.args(["--set", s]);
        }
        let o = c.arg("--out").arg(dir.path().join(out)).output().unwrap();
        assert_eq!(o.status.code(), Some(0));
        String::from_utf8_lossy(&o.stderr).to_string()
    };
    let late = stderr(
        &[
            "integrator.time_limit_days=3000",
            "target.deadline=\"2040-01-01T00:00:00 TDB\"",
        ],
        "late",
    );
    assert!(
        late.contains(
            "note: integrator.time_limit_days = 3000 ends the flights at 2036-02-06T03:10:00 TDB, \
             1425 days before target.deadline"
        ) && late.contains("at least 4425 days"),
        "{late}"
    );
    // A deadline beyond the planets' elements: no advice the config would refuse (a cruise
    // analyst's trial was told to raise a limit it could not).
    let beyond = stderr(
        &[
            "integrator.time_limit_days=3000",
            "target.deadline=\"2051-01-02T00:00:00 TDB\"",
        ],
        "beyond",
    );
    assert!(
        beyond.contains("the limit can reach ") && !beyond.contains("raise the limit"),
        "{beyond}"
    );
    // The note travels with the run's files, as summary.parquet gave the probabilities as plain
    // values with intervals (a cruise trial); the report reads it from the stored config.
    let meta = dispersa::output::file_metadata(&dir.path().join("late/summary.parquet")).unwrap();
    let noted = meta
        .iter()
        .find(|(k, _)| k == "dispersa.run_notes")
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    assert!(
        noted.contains("ends the flights at 2036-02-06T03:10:00 TDB"),
        "{meta:?}"
    );
    let shipped = stderr(&[], "shipped");
    assert!(!shipped.contains("time_limit_days"), "{shipped}");
    let meta =
        dispersa::output::file_metadata(&dir.path().join("shipped/summary.parquet")).unwrap();
    assert!(
        !meta.iter().any(|(k, _)| k == "dispersa.run_notes"),
        "{meta:?}"
    );
    // A solar array that runs no thruster at 1 au, and RK4 at 1-day steps (a cruise trial's
    // 0.5 kW array timed out every sample with no thrust; 5-day steps moved the time of flight
    // by a median 14 days): both noted.
    let weak = stderr(
        &[
            "propulsion.array_power_1au_kw=0.5",
            "integrator.method=\"rk4\"",
            "integrator.step_days=1.0",
        ],
        "weak",
    );
    assert!(
        weak.contains("note: propulsion.array_power_1au_kw = 0.5 kW less the bus's")
            && weak.contains("a thruster runs only within"),
        "{weak}"
    );
    assert!(
        weak.contains("note: integrator.step_days = 1, above RK4's default 0.1 day"),
        "{weak}"
    );
}

/// The README's configs from scratch (configs/examples) hold only the required keys and run as
/// they stand: a dispersed reentry lands, a cruise flies to its end.
#[test]
fn the_minimal_example_configs_run() {
    let dir = tempfile::tempdir().unwrap();
    for (name, status) in [
        ("minimal_reentry", "landed 20"),
        ("minimal_cruise", "propellant_exhausted 20"),
    ] {
        let config = format!(
            "{}/configs/examples/{name}.toml",
            env!("CARGO_MANIFEST_DIR")
        );
        let o = Command::new(env!("CARGO_BIN_EXE_dispersa"))
            .args([
                "run",
                &config,
                "--samples",
                "20",
                "--backend",
                "cpu",
                "--out",
            ])
            .arg(dir.path().join(name))
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&o.stdout);
        assert_eq!(
            o.status.code(),
            Some(0),
            "{name}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        assert!(stdout.contains(status), "{name}: {stdout}");
    }
}

/// A flag beside the override it takes the place of, however the key is spelt, and a key set
/// twice to different values are said (a bad-input trial: --samples 10 beside run.samples=5, and
/// two masses, ran with nothing said).
#[test]
fn flags_beside_their_overrides_and_keys_set_twice_are_said() {
    let dir = tempfile::tempdir().unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_dispersa"))
        .args([
            "run",
            CONFIG,
            "--samples",
            "4",
            "--backend",
            "cpu",
            "--seed",
            "6",
        ])
        .args(["--set", " run . seed =5", "--set", "run.samples=5"])
        .args(["--set", "vehicle.mass_kg=40", "--set", "vehicle.mass_kg=41"])
        .args([
            "--set",
            "vehicle.cd_scale=1.0",
            "--set",
            "vehicle.cd_scale=1",
        ])
        .args(["--set", "vehicle.bank_deg=0", "--set", "vehicle.bank_deg=5"])
        .args(["--set", "vehicle.bank_deg=0"])
        .arg("--quiet")
        .arg("--out")
        .arg(dir.path().join("o"))
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{err}");
    for says in [
        "--seed 6 takes the place of --set run.seed = 5",
        "--samples 4 takes the place of --set run.samples = 5",
        "--set vehicle.mass_kg is given 2 values; the last one, 41, is used",
    ] {
        assert!(err.contains(says), "{says}: {err}");
    }
    // The same value twice changes nothing, however it is written (1.0 and 1: a review), and
    // the values are counted once each.
    assert!(!err.contains("vehicle.cd_scale is given"), "{err}");
    assert!(
        err.contains("--set vehicle.bank_deg is given 2 values; the last one, 0, is used"),
        "{err}"
    );
}

/// In f32 a tolerance under the precision's floor is raised to it, and the run says so (a
/// bad-input trial's rtol 1e-10 was raised with nothing said but the files' metadata); in f64
/// nothing is said. On the adapter (lavapipe in CI): a GPU test.
#[test]
fn a_tolerance_raised_to_the_f32_floor_is_said() {
    let dir = tempfile::tempdir().unwrap();
    let run = |precision: &str| {
        let o = Command::new(env!("CARGO_BIN_EXE_dispersa"))
            .args(["run", CONFIG, "--samples", "8", "--backend", "gpu"])
            .args(["--precision", precision, "--set", "integrator.rtol=1e-10"])
            .args(["--quiet", "--out"])
            .arg(dir.path().join(precision))
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&o.stderr).to_string();
        assert!(o.status.success(), "{err}");
        err
    };
    let f32 = run("f32");
    assert!(
        f32.contains(
            "flies at 1e-5 in f32, that precision's floor (configured integrator.rtol 1e-10)"
        ),
        "{f32}"
    );
    assert!(!run("f64").contains("precision's floor"));
}

/// Where every metric has its tolerance bounds, the printout says what `tol [lower, upper]` is
/// (it was said only beside blank ones: a review board read it unexplained).
#[test]
fn the_tolerance_bounds_are_named_where_all_are_printed() {
    let dir = tempfile::tempdir().unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_dispersa"))
        .args([
            "run",
            concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/configs/bench/ballistic_exponential.toml"
            ),
        ])
        .args(["--samples", "2300", "--backend", "cpu", "--out"])
        .arg(dir.path().join("o"))
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(out.contains("  tol ["), "{out}");
    assert!(
        out.contains("tol [lower, upper]: one-sided 99.865 % tolerance bounds at 95 % confidence"),
        "{out}"
    );
}

/// Every arrival after the deadline is said with the dates, read from the run's own summary
/// (the shipped spacecraft meets 311P years after the planned ~2035, and a run printed
/// P(rendezvous by deadline) = 0 with nothing more): the earliest date in the note is the
/// earliest rendezvous in samples.parquet, and the printed epochs carry their dates.
#[test]
fn a_cruise_whose_arrivals_all_miss_the_deadline_says_when_they_came() {
    use arrow_array::{Array, StringArray};
    let cruise = CRUISE;
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("late");
    let o = Command::new(env!("CARGO_BIN_EXE_dispersa"))
        .args(["run", cruise, "--samples", "8", "--backend", "cpu", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&o.stdout).to_string();
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let f = std::fs::File::open(out.join("samples.parquet")).unwrap();
    let mut dates: Vec<String> = Vec::new();
    for b in parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(f)
        .unwrap()
        .build()
        .unwrap()
    {
        let b = b.unwrap();
        let c = b.column_by_name("rendezvous_epoch_tdb").unwrap();
        let c = c.as_any().downcast_ref::<StringArray>().unwrap();
        dates.extend(
            (0..c.len())
                .filter(|&i| c.is_valid(i))
                .map(|i| c.value(i)[..10].to_string()),
        );
    }
    let first = dates.iter().min().expect("some arrivals");
    assert!(first.as_str() > "2035-12-31", "{first}");
    assert!(
        stdout.contains(&format!(
            "note: every rendezvous came after target.deadline (2035-12-31), so \
             prob_rendezvous_by_deadline is 0: the earliest of the {} on {first}",
            dates.len()
        )),
        "{stdout}"
    );
    assert!(stdout.contains("day (MJD, TDB): p50 20"), "{stdout}");
}
