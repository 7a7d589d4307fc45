//! The reentry's input row and constants as the kernel reads them four values at a time
//! (`Model::input_len`, `pert_offset`, `wind_offset`): every offset a multiple of four, and a
//! packed row read back by the CPU reference through its spline look-ups gives the profiles'
//! node values. The GPU reads the same rows; tests/gpu_cpu.rs holds the two engines together.

mod common;
use common::*;
use dispersa::config::RawConfig;
use dispersa::scenario::reentry::cpu::SampleModel;
use dispersa::scenario::reentry::*;

fn config(path: &str) -> ReentryConfig {
    let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(path);
    ReentryConfig::from_raw(&RawConfig::load(&p, &[]).expect("config loads")).expect("valid")
}

/// Deterministic standard-normal-sized values, not all alike.
fn normals(n: usize) -> Vec<f64> {
    (0..n).map(|k| (0.7 * k as f64 + 0.3).sin() * 1.3).collect()
}

fn assert_aligned(m: &Model, what: &str) {
    for (name, v) in [
        ("input_len", m.input_len()),
        ("pert_offset", m.pert_offset()),
        ("wind_offset", m.wind_offset()),
        ("consts.len()", m.consts.len()),
    ] {
        assert_eq!(v % 4, 0, "{what}: {name} = {v} is not a multiple of 4");
    }
    assert!(
        m.pert_offset() >= IN_FIXED,
        "{what}: the profiles overlap the fixed part"
    );
}

#[test]
fn every_offset_the_kernel_reads_as_vec4_is_a_multiple_of_four() {
    for path in [
        "configs/tianwen2_reentry.toml",
        "configs/tianwen2_reentry_bplane.toml",
        "configs/bench/ballistic_exponential.toml",
    ] {
        assert_aligned(&Model::new(&config(path)), path);
    }
    // Without the profiles: the ballistic config has neither; the default has both.
    let bare = Model::new(&config("configs/bench/ballistic_exponential.toml"));
    assert_eq!((bare.n_pert(), bare.n_wind()), (0, 0));
    assert_eq!(bare.input_len(), bare.pert_offset());
}

#[test]
fn a_packed_row_reads_back_the_profiles_at_their_nodes() {
    let m = Model::new(&config_with(&[]));
    let (n_pert, n_wind) = (m.n_pert(), m.n_wind());
    assert!(
        n_pert >= 2 && n_wind >= 2,
        "the default config has both profiles"
    );
    let z = normals(m.n_normals());
    let pack = |z: Option<&[f64]>| {
        let mut p = m.nominal;
        let mut row = vec![f64::NAN; m.input_len()];
        m.pack_input(&mut p, z, &mut row);
        row
    };
    let (row, calm_row) = (pack(Some(&z)), pack(None));
    assert!(
        row.iter().all(|v| v.is_finite()),
        "every value of the row written"
    );

    // The density perturbation: ln factors at its nodes, from the perturbation itself.
    let pert = m.perturbation.as_ref().unwrap();
    let mut want = vec![0.0; 2 * n_pert];
    pert.ln_factors(&z[..n_pert], &mut want);
    let (with, without) = (
        SampleModel {
            model: &m,
            input: &row,
        },
        SampleModel {
            model: &m,
            input: &calm_row,
        },
    );
    for (k, packed) in want[..n_pert].iter().enumerate() {
        let h = k as f64 * pert.node_spacing_m;
        let got = with.atmosphere(h).0 - without.atmosphere(h).0;
        // At a node the spline is the node's value; the difference of two ln densities of
        // magnitude < 30 carries f64 rounding of ~1e-14.
        assert!(
            (got - packed).abs() < 1e-12,
            "perturbation node {k} ({h} m): read {got}, packed {packed}"
        );
    }

    // The wind: east and north at its nodes (at latitude and longitude 0 the local east is y,
    // north z), mean plus the random part drawn from the normals after the perturbation's.
    let w = m.wind.as_ref().unwrap();
    let wp = w.perturbation.as_ref().unwrap();
    let mut east = vec![0.0; 2 * n_wind];
    let mut north = vec![0.0; 2 * n_wind];
    wp.add_to(&z[n_pert..n_pert + n_wind], &w.east, &mut east);
    wp.add_to(
        &z[n_pert + n_wind..n_pert + 2 * n_wind],
        &w.north,
        &mut north,
    );
    for k in 0..n_wind {
        let h = k as f64 * w.spacing_m;
        // Latitude and longitude 0: east is +y, north +z.
        let r = [6.4e6, 0.0, 0.0];
        let v = with.wind_at(&r, 1.0, 0.0, h);
        let calm = without.wind_at(&r, 1.0, 0.0, h);
        // Exact at a node but for the spline's (a^3 - a) m / 6 terms, which are 0 there.
        assert!(
            (v[1] - east[k]).abs() < 1e-12 && (v[2] - north[k]).abs() < 1e-12,
            "wind node {k} ({h} m): read ({}, {}), packed ({}, {})",
            v[1],
            v[2],
            east[k],
            north[k]
        );
        assert!(
            (calm[1] - w.east[k]).abs() < 1e-12 && (calm[2] - w.north[k]).abs() < 1e-12,
            "mean wind node {k}"
        );
        assert_eq!(v[0], 0.0, "no vertical wind at the equator's node {k}");
    }
}

/// A chunk large enough to be drawn by several threads packs exactly the rows and parameters
/// that drawing its samples one at a time does: every sample has its own stream, and the
/// blocks are put back in order. (On a one-core machine both sides take one thread.)
#[test]
fn a_chunk_drawn_on_several_threads_equals_its_samples_drawn_one_by_one() {
    use dispersa::pipeline::Samples;
    let sc = Reentry::new(config_with(&[]));
    let draws = Samples::new(&sc, 20271120, false).expect("samples");
    let first = 5_000u64;
    let chunk = draws.draw(&sc, first..first + 3_000, None);
    let ni = dispersa::scenario::Scenario::input_len(&sc);
    assert_eq!(chunk.inputs.len(), 3_000 * ni);
    for k in (0..3_000).step_by(7).chain([2_999]) {
        let one = draws.draw(&sc, [first + k as u64], None);
        assert_eq!(chunk.indices[k], first + k as u64);
        // Bit for bit: unused parameter slots hold NaN.
        let same = |a: &[f64], b: &[f64]| {
            a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.to_bits() == y.to_bits())
        };
        assert!(
            same(&chunk.params[k], &one.params[0]),
            "sample {k}: parameters"
        );
        let row = &chunk.inputs[k * ni..(k + 1) * ni];
        assert!(same(row, &one.inputs), "sample {k}: packed row");
    }
}

/// A chunk packed into an earlier chunk's rows (the run hands the engine's rows back to the
/// sampler, `Samples::draw_reusing`) is the chunk a fresh draw gives, bit for bit, whatever
/// the buffer held: every shipped scenario's `pack_input` writes every value of its row. A
/// larger buffer full of a marker value, one of exactly the size, and one too small to reuse;
/// dispersed and nominal (no perturbation profiles drawn).
#[test]
fn a_chunk_drawn_into_reused_rows_equals_a_fresh_draw() {
    use dispersa::pipeline::Samples;
    let marker = f64::from_bits(0x7ff8_dead_beef_0001);
    for path in [
        "configs/tianwen2_reentry.toml",
        "configs/tianwen2_reentry_bplane.toml",
        "configs/tianwen2_cruise_311p.toml",
        "configs/bench/ballistic_exponential.toml",
    ] {
        let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(path);
        let raw = RawConfig::load(&p, &[]).expect("config loads");
        let sc = dispersa::run::build_scenario(&raw).expect("valid");
        let ni = sc.input_len();
        let range = 9_000u64..9_600;
        for nominal in [false, true] {
            let draws = Samples::new(sc.as_ref(), 20271120, nominal).expect("samples");
            let fresh = draws.draw(sc.as_ref(), range.clone(), None);
            for len in [2_000 * ni, 600 * ni, 100 * ni] {
                let rows = vec![marker; len];
                let got = draws.draw_reusing(sc.as_ref(), range.clone(), None, rows);
                assert_eq!(got.inputs.len(), fresh.inputs.len(), "{path}");
                let differ = got
                    .inputs
                    .iter()
                    .zip(&fresh.inputs)
                    .filter(|(a, b)| a.to_bits() != b.to_bits())
                    .count();
                assert_eq!(
                    differ, 0,
                    "{path}, nominal {nominal}, buffer of {len}: {differ} values differ"
                );
                assert_eq!(got.indices, fresh.indices);
            }
        }
    }
}
