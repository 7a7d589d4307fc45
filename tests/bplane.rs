//! Bplane mode: the entry state mapped from a navigation delivery (asymptote, B-plane aim point,
//! delivery covariance), and `dispersa target` moving the aim point.

mod common;
use arrow_array::{Array, Float64Array};
use dispersa::config::RawConfig;
use dispersa::engine::{BackendChoice, PrecisionChoice};
use dispersa::physics::bplane::{bplane_of_state, radec_unit};
use dispersa::physics::constants::EARTH_MU_M3_S2;
use dispersa::physics::earth_orientation::{apply_transpose, eme2000_to_earth_fixed};
use dispersa::physics::epoch::parse_tdb_jd;
use dispersa::pipeline::Samples;
use dispersa::scenario::reentry::*;
use dispersa::scenario::Scenario;
use std::path::Path;

const BPLANE_CONFIG: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/configs/tianwen2_reentry_bplane.toml"
);
const CRUISE_CONFIG: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/configs/tianwen2_cruise_311p.toml"
);

fn bplane_config(sets: &[String]) -> ReentryConfig {
    let raw = RawConfig::load(Path::new(BPLANE_CONFIG), sets).expect("bplane config loads");
    ReentryConfig::from_raw(&raw).expect("bplane config is valid")
}

fn index(name: &str) -> usize {
    PARAM_NAMES.iter().position(|n| *n == name).unwrap()
}

/// The delivery parameters (B.T, B.R, time of flight) and the derived entry state.
fn delivery() -> [usize; 3] {
    ["entry.b_t_km", "entry.b_r_km", "entry.tof_offset_s"].map(index)
}

/// The entry state (DERIVED_ENTRY order) that the model derives from parameters `p`.
fn entry_of(sc: &Reentry, p: &[f64]) -> [f64; 5] {
    let mut p = p.to_vec();
    let mut row = vec![0.0; sc.input_len()];
    sc.pack_input(0, 0, &mut p, None, &mut row);
    DERIVED_ENTRY.map(|i| p[i])
}

#[test]
fn sampled_entry_states_reproduce_the_aim_and_the_mapped_covariance() {
    let cfg = bplane_config(&[]);
    let sc = Reentry::new(cfg.clone());
    let n = 20_000;
    let drawn = Samples::new(&sc, cfg.run.seed, false)
        .unwrap()
        .draw(&sc, 0..n as u64, None);
    let xs: Vec<[f64; 5]> = drawn
        .params
        .iter()
        .map(|p| DERIVED_ENTRY.map(|k| p[k]))
        .collect();
    // The mapping's Jacobian and Hessian against (B.T, B.R, tof) by central differences, at
    // steps of 0.1 sigma (truncation ~1e-2 sigma^2 of the third derivative: negligible here).
    let cov = cfg.entry.delivery_covariance.clone().unwrap();
    let d = delivery();
    let step: [f64; 3] = std::array::from_fn(|k| 0.1 * cov[k][k].sqrt());
    let nominal = sc.nominal().to_vec();
    let at = |shift: [f64; 3]| {
        let mut p = nominal.clone();
        for k in 0..3 {
            p[d[k]] += shift[k];
        }
        entry_of(&sc, &p)
    };
    let x0 = at([0.0; 3]);
    let unit =
        |k: usize, s: f64| -> [f64; 3] { std::array::from_fn(|j| if j == k { s } else { 0.0 }) };
    let mut jac = [[0.0; 3]; 5];
    let mut hess = [[[0.0; 3]; 3]; 5];
    for a in 0..3 {
        let (fp, fm) = (at(unit(a, step[a])), at(unit(a, -step[a])));
        for m in 0..5 {
            jac[m][a] = (fp[m] - fm[m]) / (2.0 * step[a]);
            hess[m][a][a] = (fp[m] - 2.0 * x0[m] + fm[m]) / (step[a] * step[a]);
        }
        for b in 0..a {
            let mut s = [[0.0; 3]; 4];
            for (q, (sa, sb)) in [(1.0, 1.0), (1.0, -1.0), (-1.0, 1.0), (-1.0, -1.0)]
                .iter()
                .enumerate()
            {
                s[q][a] = sa * step[a];
                s[q][b] = sb * step[b];
            }
            let f: Vec<[f64; 5]> = s.iter().map(|&v| at(v)).collect();
            for m in 0..5 {
                let h = (f[0][m] - f[1][m] - f[2][m] + f[3][m]) / (4.0 * step[a] * step[b]);
                hess[m][a][b] = h;
                hess[m][b][a] = h;
            }
        }
    }
    // Mapped covariance J C J^T, and the mean to second order: x0 + tr(H C) / 2.
    let mapped: Vec<Vec<f64>> = (0..5)
        .map(|i| {
            (0..5)
                .map(|j| {
                    (0..3)
                        .flat_map(|a| (0..3).map(move |b| (a, b)))
                        .map(|(a, b)| jac[i][a] * cov[a][b] * jac[j][b])
                        .sum()
                })
                .collect()
        })
        .collect();
    let names = ["latitude", "longitude", "speed", "fpa", "azimuth"];
    let nf = n as f64;
    let mean: Vec<f64> = (0..5)
        .map(|m| xs.iter().map(|x| x[m]).sum::<f64>() / nf)
        .collect();
    for m in 0..5 {
        let bias: f64 = (0..3)
            .flat_map(|a| (0..3).map(move |b| (a, b)))
            .map(|(a, b)| hess[m][a][b] * cov[a][b] / 2.0)
            .sum();
        let se = (mapped[m][m] / nf).sqrt();
        let off = mean[m] - (x0[m] + bias);
        eprintln!(
            "{}: nominal {:.8}, mean {:.8}, curvature bias {bias:.2e}, off {:.2} SE",
            names[m],
            x0[m],
            mean[m],
            off / se
        );
        // 4 standard errors of the mean: a 6e-5 two-sided chance per component.
        assert!(off.abs() < 4.0 * se, "{} mean is {off} off", names[m]);
    }
    for i in 0..5 {
        for j in 0..=i {
            let c: f64 = xs
                .iter()
                .map(|x| (x[i] - mean[i]) * (x[j] - mean[j]))
                .sum::<f64>()
                / (nf - 1.0);
            let (cii, cjj, cij) = (mapped[i][i], mapped[j][j], mapped[i][j]);
            // The sample covariance's standard error for a normal: sqrt((Cii Cjj + Cij^2) / n);
            // the mapping's curvature enters the covariance squared (~1e-5 relative here).
            let se = ((cii * cjj + cij * cij) / nf).sqrt();
            eprintln!(
                "cov {} x {}: sample {c:.4e}, mapped {cij:.4e} ({:.2} SE)",
                names[i],
                names[j],
                (c - cij) / se
            );
            // 4.5 standard errors where the means take 4: there are 15 entries, and 4.5 keeps
            // the union bound on a false alarm at 15 x 6.8e-6 = 1.0e-4, no more than the
            // five means' 5 x 6.3e-5 = 3.2e-4 (the entries are correlated, all being
            // functions of the three inputs' sample covariance, so the true chance is lower).
            // Measured at most 1.72 SE.
            assert!((c - cij).abs() < 4.5 * se, "cov {i} {j}: {c} vs {cij}");
        }
    }
    // The delivery moves the entry state, not only the landing: 2.5 km of B is ~0.05 deg of
    // flight path angle on this aim (the config's comment).
    let sd_fpa = mapped[3][3].sqrt();
    assert!((0.03..0.07).contains(&sd_fpa), "fpa sigma {sd_fpa}");
}

/// A later arrival meets the entry interface where the Earth has turned to by then: its
/// longitude moves west by the rotation rate times the offset, its latitude and angles stay.
/// On a planet that does not rotate it meets the same point (the frame turned with the offset
/// there too, an entry analyst's trial: a 5 s sigma spread the entry 1.7 km east-west).
#[test]
fn the_time_of_flight_offset_turns_the_entry_point_only_on_a_rotating_planet() {
    let [_, _, tof] = delivery();
    for rotating in [true, false] {
        let sc = Reentry::new(bplane_config(&[format!("planet.rotation={rotating}")]));
        let p0 = sc.nominal().to_vec();
        let mut late = p0.clone();
        late[tof] += 100.0;
        let (a, b) = (entry_of(&sc, &p0), entry_of(&sc, &late));
        let lon = DERIVED_ENTRY
            .iter()
            .position(|&i| i == index("entry.longitude_deg"))
            .unwrap();
        // The rotation rate over 100 s: 7.292115e-5 rad/s, 0.41781 deg. Allowance 1e-6 deg:
        // the frame's precession over 100 s moves it by about 1e-8 deg.
        let want = if rotating {
            -7.292_115e-5_f64.to_degrees() * 100.0
        } else {
            0.0
        };
        assert!(
            ((b[lon] - a[lon]) - want).abs() < 1e-6,
            "rotating {rotating}: {a:?} {b:?}"
        );
        if !rotating {
            assert_eq!(a, b, "the same frame, the same entry state");
        }
        for k in (0..5).filter(|&k| k != lon) {
            // The same point of the hyperbola on the same ellipsoid: the other values move
            // only with the frame's precession over 100 s (measured 1.5e-8 deg in latitude,
            // 1.2e-8 deg in azimuth).
            assert!(
                (b[k] - a[k]).abs() < 1e-7,
                "rotating {rotating}, {k}: {a:?} {b:?}"
            );
        }
    }
}

#[test]
fn a_state_delivered_as_its_bplane_aim_maps_back_to_itself() {
    // The default config's entry state, turned into EME2000 at its epoch and delivered as an
    // asymptote and aim point (the inverse map), gives back the same state in bplane mode:
    // the hyperbola, the Earth's orientation and the geodetic interface, both ways.
    let state_cfg = common::config_with(&[]);
    let sc = Reentry::new(state_cfg.clone());
    let mut p = sc.nominal().to_vec();
    let mut row = vec![0.0; sc.input_len()];
    sc.pack_input(0, 0, &mut p, None, &mut row);
    let jd = parse_tdb_jd("entry.epoch", &state_cfg.entry.epoch).unwrap();
    let m = eme2000_to_earth_fixed(jd);
    let r = apply_transpose(&m, [row[I_R0], row[I_R0 + 1], row[I_R0 + 2]]);
    let v = apply_transpose(&m, [row[I_V0], row[I_V0 + 1], row[I_V0 + 2]]);
    let (s, vinf, bt, br) = bplane_of_state(r, v, EARTH_MU_M3_S2).unwrap();
    let ra = s[1].atan2(s[0]).to_degrees();
    let dec = s[2].asin().to_degrees();
    let u = radec_unit(ra, dec);
    assert!((0..3).all(|k| (u[k] - s[k]).abs() < 1e-12));
    let sets: Vec<String> = vec![
        format!("entry.epoch=\"{}\"", state_cfg.entry.epoch),
        format!("entry.vinf_km_s={}", vinf / 1000.0),
        format!("entry.asymptote_ra_deg={ra}"),
        format!("entry.asymptote_dec_deg={dec}"),
        format!("entry.b_t_km={}", bt / 1000.0),
        format!("entry.b_r_km={}", br / 1000.0),
    ];
    let b_sc = Reentry::new(bplane_config(&sets));
    let got = entry_of(&b_sc, b_sc.nominal());
    let want = DERIVED_ENTRY.map(|i| p[i]);
    eprintln!("state {want:?}\nbplane {got:?}");
    // 1e-9 deg (0.1 mm) and 1e-9 km/s: f64 round trips through the orbit elements.
    for k in 0..5 {
        assert!(
            (got[k] - want[k]).abs() < 1e-9,
            "component {k}: {} vs {}",
            got[k],
            want[k]
        );
    }
}

#[test]
fn the_capsule_arrives_on_the_cruise_asymptote() {
    // The bplane config's asymptote is the cruise's Earth-arrival v-infinity (ecliptic J2000)
    // turned to EME2000 by the J2000 obliquity; the config rounds to 1e-6 deg and 1e-6 km/s.
    let text = std::fs::read_to_string(CRUISE_CONFIG).unwrap();
    let table: toml::Table = text.parse().unwrap();
    let v: Vec<f64> = table["departure"]["vinf_in_km_s"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_float().unwrap())
        .collect();
    let eps = 23.439_291_f64.to_radians();
    let eq = [
        v[0],
        eps.cos() * v[1] - eps.sin() * v[2],
        eps.sin() * v[1] + eps.cos() * v[2],
    ];
    let speed = (eq[0] * eq[0] + eq[1] * eq[1] + eq[2] * eq[2]).sqrt();
    let e = bplane_config(&[]).entry;
    assert!((e.vinf_km_s.unwrap() - speed).abs() < 1e-6);
    let ra = eq[1].atan2(eq[0]).to_degrees().rem_euclid(360.0);
    assert!((e.asymptote_ra_deg.unwrap() - ra).abs() < 1e-6);
    assert!((e.asymptote_dec_deg.unwrap() - (eq[2] / speed).asin().to_degrees()).abs() < 1e-6);
}

/// The two legs are joined in time: on the shared asymptote the capsule meets the entry
/// interface at the bplane config's epoch, 10 minutes before the spacecraft's flyby periapsis at
/// the cruise config's (README, "How the two legs connect"). Both hyperbolas are timed from the
/// Earth's sphere of influence, which the two cross together (they part in the B-plane, by
/// their different B); from 0.5 or 2 million km instead the offset is 9.6 or 10.1 min, and
/// 10.2 min in the limit of a common start far out, so the bound is 1 minute. (Until 2026-12-05 the cruise's periapsis was 3 h 10 min earlier.)
#[test]
fn the_capsule_meets_the_interface_minutes_before_the_flyby_periapsis() {
    use dispersa::physics::bplane::{b_for_periapsis_m, Hyperbola};
    use dispersa::physics::constants::{EARTH_SOI_M, WGS84_A_M, WGS84_E2};
    use dispersa::physics::geodesy::geodetic_to_cartesian_m;
    let cfg = bplane_config(&[]);
    let e = &cfg.entry;
    let vinf = e.vinf_km_s.unwrap() * 1e3;
    let s_hat = radec_unit(e.asymptote_ra_deg.unwrap(), e.asymptote_dec_deg.unwrap());
    let capsule = Hyperbola::from_bplane(
        s_hat,
        vinf,
        e.b_t_km.unwrap() * 1e3,
        e.b_r_km.unwrap() * 1e3,
        EARTH_MU_M3_S2,
    )
    .unwrap();
    // The interface's geocentric radius at the entry point the aim maps to.
    let sc = Reentry::new(cfg.clone());
    let entry = entry_of(&sc, sc.nominal());
    let r_ei = geodetic_to_cartesian_m(
        entry[0].to_radians(),
        entry[1].to_radians(),
        e.altitude_km * 1e3,
        WGS84_A_M,
        WGS84_E2,
    );
    let r_ei = dispersa::physics::vec3::norm(r_ei);
    let to_interface = capsule.time_from_periapsis_s(EARTH_SOI_M).unwrap()
        - capsule.time_from_periapsis_s(r_ei).unwrap();

    let table: toml::Table = std::fs::read_to_string(CRUISE_CONFIG)
        .unwrap()
        .parse()
        .unwrap();
    let d = &table["departure"];
    let rp = WGS84_A_M + d["periapsis_altitude_km"].as_float().unwrap() * 1e3;
    let b = b_for_periapsis_m(rp, vinf, EARTH_MU_M3_S2);
    let craft = Hyperbola::from_bplane(s_hat, vinf, b, 0.0, EARTH_MU_M3_S2).unwrap();
    let to_periapsis = craft.time_from_periapsis_s(EARTH_SOI_M).unwrap();

    let cruise_jd = parse_tdb_jd("departure.epoch", d["epoch"].as_str().unwrap()).unwrap();
    let entry_jd = parse_tdb_jd("entry.epoch", &e.epoch).unwrap();
    let configs_min = (cruise_jd - entry_jd) * 1440.0;
    let flown_min = (to_periapsis - to_interface) / 60.0;
    eprintln!(
        "the periapsis after the interface: configs {configs_min:.2} min, flown {flown_min:.2} min"
    );
    assert!((configs_min - flown_min).abs() < 1.0);
}

/// The shipped B-plane config with no dispersion but the delivery's: no density or wind
/// perturbation, no dispersed vehicle or canopy.
fn delivery_only_config() -> String {
    let text = std::fs::read_to_string(BPLANE_CONFIG).unwrap();
    let text = &text[..text
        .find("\n[dispersions.")
        .expect("dispersions at the end")];
    let cut = |t: &str, table: &str| {
        let a = t.find(table).expect(table);
        let b = a + 1 + t[a + 1..].find("\n[").expect("a table after it");
        format!("{}{}", &t[..a], &t[b + 1..])
    };
    cut(
        &cut(text, "[atmosphere.perturbation]"),
        "[winds.perturbation]",
    )
}

/// Targets near the skip-out edge, at 60 N and 65 N on the shipped asymptote: Newton on (B.T,
/// B.R) stopped 157 and 460 km short ("out of reach"), because a move along the ring of
/// landings is a tangent in (B.T, B.R) that leaves the ring outwards, past the edge. In |B| and
/// the B-plane angle both converge (a helper's sweep of the ring found them reachable, 4.1 and
/// 1.9 km inside the edge). The margin `target` reports is checked against a dispersed run of
/// the delivery alone: the share of samples that skip out is the normal tail it predicts.
#[test]
fn dispersa_target_reaches_targets_near_the_skip_out_edge() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("delivery_only.toml");
    std::fs::write(&path, delivery_only_config()).unwrap();
    for (lat, gap_lo, gap_hi) in [(60.0, 3.0, 6.0), (65.0, 1.0, 3.0)] {
        let sets = vec![format!("landing.target_lat_deg={lat}")];
        let aimed = dispersa::target::aim(&path, &sets).expect("aims near the edge");
        let last = aimed.passes.last().unwrap();
        assert!(last.miss_m() <= dispersa::target::AIM_TOLERANCE_M);
        let m = aimed.skip_margin;
        eprintln!(
            "{lat} N: {} passes, gap {:.3} km ({}), sigma {:?}, share {:?}",
            aimed.passes.len(),
            m.gap,
            m.beyond,
            m.sigma,
            m.share_beyond()
        );
        assert_eq!(m.beyond, "skipped_out");
        // The sweep's edges: 4.1 and 1.9 km beyond these aims.
        assert!(gap_lo < m.gap && m.gap < gap_hi, "{}", m.gap);
        if lat != 65.0 {
            continue;
        }
        // 4,000 samples of the delivery alone about the 65 N aim. The predicted share treats
        // the edge as a line of constant |B|; the B-plane angle's spread (2.1 km of arc) moves
        // the edge along the ring by under 0.05 km (the gaps above change by 2.2 km over 700 km
        // of arc). Bound: 4 binomial sigmas at n = 4,000 (about 0.025 at p = 0.19).
        let mut sets = sets.clone();
        sets.push(format!("entry.b_t_km={}", last.aim[0]));
        sets.push(format!("entry.b_r_km={}", last.aim[1]));
        let raw = RawConfig::load(&path, &sets).unwrap();
        let cfg = ReentryConfig::from_raw(&raw).unwrap();
        let n = 4000;
        let (sc, params, inputs) = common::sample_inputs(&cfg, n, false);
        let out = common::outputs(&common::cpu(), &sc, &params, &inputs);
        let skipped = out.iter().filter(|o| o.status == ST_SKIPPED_OUT).count();
        let observed = skipped as f64 / n as f64;
        let p = m.share_beyond().expect("the delivery's sigma");
        let bound = 4.0 * (p * (1.0 - p) / n as f64).sqrt();
        eprintln!("skipped out: {observed:.4} against {p:.4} +- {bound:.4}");
        assert!((observed - p).abs() < bound, "{observed} against {p}");
    }
}

/// Where B is dispersed by `[dispersions]` rather than the delivery covariance, the margin's
/// sigma is measured on the run's draws: 2.5 km normals on B.T and B.R, independent, are
/// 2.5 km along any direction (it printed no sigma and no warning, and a 65 N aim so dispersed
/// skipped out in 24.5 % of 400 samples: a review).
#[test]
fn the_skip_margin_measures_b_dispersed_without_a_delivery_covariance() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("b_normals.toml");
    let text = delivery_only_config()
        .lines()
        .filter(|l| !l.starts_with("delivery_covariance"))
        .collect::<Vec<_>>()
        .join("\n")
        + "\n[dispersions.\"entry.b_t_km\"]\ndist = \"normal\"\nsigma = 2.5\n\
           [dispersions.\"entry.b_r_km\"]\ndist = \"normal\"\nsigma = 2.5\n";
    std::fs::write(&path, text).unwrap();
    let sets = vec!["landing.target_lat_deg=65".to_string()];
    let m = dispersa::target::aim(&path, &sets)
        .expect("aims")
        .skip_margin;
    let sigma = m.sigma.expect("a sigma from the draws");
    // 4,000 draws measure a sigma to 1.1 % (1 / sqrt(2 n)); bound 4 of those.
    assert!((sigma / 2.5 - 1.0).abs() < 0.045, "{sigma}");
    assert!(m.share_beyond().unwrap() > 0.1, "{m:?}");
    // Undispersed B has no sigma (rounding's ~1e-12 km spread read as "2.8e9 sigma": a
    // fuzzing trial).
    let path = dir.path().join("b_fixed.toml");
    let text = delivery_only_config()
        .lines()
        .filter(|l| !l.starts_with("delivery_covariance"))
        .collect::<Vec<_>>()
        .join("\n");
    std::fs::write(&path, text).unwrap();
    let m = dispersa::target::aim(&path, &sets)
        .expect("aims")
        .skip_margin;
    assert_eq!(m.sigma, None, "{m:?}");
}

#[test]
fn dispersa_target_moves_the_bplane_aim_onto_the_target() {
    // From an aim 40 km and -30 km off in B (~60 km off on the ground), Newton on (B.T, B.R)
    // converges, and the nominal flown with the printed aim lands within the issue's 100 m.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("off.toml");
    let cfg = bplane_config(&[]);
    let (bt, br) = (cfg.entry.b_t_km.unwrap(), cfg.entry.b_r_km.unwrap());
    let text = std::fs::read_to_string(BPLANE_CONFIG)
        .unwrap()
        .replace(
            &format!("b_t_km = {bt}"),
            &format!("b_t_km = {}", bt + 40.0),
        )
        .replace(
            &format!("b_r_km = {br}"),
            &format!("b_r_km = {}", br - 30.0),
        );
    std::fs::write(&path, text).unwrap();
    let dispersa::target::Aimed { keys, passes, .. } =
        dispersa::target::aim(&path, &[]).expect("aims");
    assert_eq!(keys, ["b_t_km", "b_r_km"]);
    for p in &passes {
        eprintln!("aim {:?}: miss {:.1} m", p.aim, p.miss_m());
    }
    assert!(
        passes[0].miss_m() > 10_000.0,
        "the test starts off the target"
    );
    let last = passes.last().unwrap();
    assert!(last.miss_m() <= dispersa::target::AIM_TOLERANCE_M);
    let sets = vec![
        format!("entry.b_t_km={}", last.aim[0]),
        format!("entry.b_r_km={}", last.aim[1]),
    ];
    let sc = Reentry::new(bplane_config(&sets));
    let cpu = common::cpu();
    let mut p = sc.nominal().to_vec();
    let mut input = vec![0.0; sc.input_len()];
    sc.pack_input(0, 0, &mut p, None, &mut input);
    let o = common::outputs(&cpu, &sc, &[p], &input).remove(0);
    let k = METRICS
        .iter()
        .position(|(n, _)| *n == "miss_distance_km")
        .unwrap();
    let miss = o.metrics[k].unwrap() * 1000.0;
    assert!(
        miss < 100.0,
        "the aimed nominal lands {miss} m from the target"
    );
}

#[test]
fn samples_parquet_holds_the_sampled_delivery_and_the_entry_state_it_maps_to() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("r");
    dispersa::run::run(&dispersa::run::RunOptions {
        config: BPLANE_CONFIG.into(),
        samples: Some(50),
        seed: None,
        out: Some(out.clone()),
        backend: BackendChoice::Cpu,
        precision: PrecisionChoice::Auto,
        sets: vec![],
        nominal: false,
        force: true,
        quiet: true,
        resume: false,
        shard: None,
    })
    .expect("bplane run succeeds");
    let batch = common::first_batch(&out.join("samples.parquet"));
    let col = |name: &str| -> Vec<f64> {
        let c = batch
            .column_by_name(name)
            .unwrap_or_else(|| panic!("column {name}"));
        let a = c.as_any().downcast_ref::<Float64Array>().unwrap();
        (0..a.len()).map(|i| a.value(i)).collect()
    };
    // Each row's entry state is the map of that row's delivery.
    let sc = Reentry::new(bplane_config(&[]));
    let d = delivery();
    let entry_cols = [
        "entry_latitude_deg",
        "entry_longitude_deg",
        "entry_velocity_km_s",
        "entry_flight_path_angle_deg",
        "entry_azimuth_deg",
    ];
    let (bt, br, tof) = (
        col("entry_b_t_km"),
        col("entry_b_r_km"),
        col("entry_tof_offset_s"),
    );
    let entry: Vec<Vec<f64>> = entry_cols.iter().map(|c| col(c)).collect();
    assert_eq!(bt.len(), 50);
    assert!(
        tof.iter().any(|t| t.abs() > 1.0),
        "the time of flight is dispersed"
    );
    for i in 0..bt.len() {
        let mut p = sc.nominal().to_vec();
        (p[d[0]], p[d[1]], p[d[2]]) = (bt[i], br[i], tof[i]);
        let x = entry_of(&sc, &p);
        for k in 0..5 {
            assert_eq!(x[k], entry[k][i], "row {i}, {}", entry_cols[k]);
        }
    }
}

/// A target ~700 km from where the shipped aim lands: the undamped Newton step left the
/// corridor (the nominal skipped out and the command failed); the damped one halves a step
/// that does not land closer, and converges.
#[test]
fn dispersa_target_reaches_a_far_target_in_bplane_mode() {
    let sets = vec!["landing.target_lon_deg=120".to_string()];
    let passes = dispersa::target::aim(std::path::Path::new(BPLANE_CONFIG), &sets)
        .expect("aims")
        .passes;
    for p in &passes {
        eprintln!("aim {:?}: miss {:.1} m", p.aim, p.miss_m());
    }
    assert!(passes[0].miss_m() > 500_000.0, "the test starts far off");
    assert!(passes.last().unwrap().miss_m() <= dispersa::target::AIM_TOLERANCE_M);
}

/// A delivery whose hyperbola passes above the entry interface has no entry state: every
/// derived column is NaN (four of them held the nominal's values, a new user's trial found),
/// and the sample fails naming why.
#[test]
fn a_delivery_that_misses_the_interface_has_no_entry_state() {
    let sc = Reentry::new(bplane_config(&[]));
    let d = delivery();
    let mut p = sc.nominal().to_vec();
    // 10,000 km of B-plane offset: the periapsis is far above the 125 km interface.
    p[d[0]] += 10_000.0;
    let x = entry_of(&sc, &p);
    assert!(x.iter().all(|v| v.is_nan()), "{x:?}");
    let mut p2 = p.clone();
    let mut row = vec![0.0; sc.input_len()];
    sc.pack_input(0, 0, &mut p2, None, &mut row);
    let why = sc.unphysical(&p2).expect("failed");
    assert!(why.contains("passes above the entry interface"), "{why}");
    // The nominal aim has one.
    assert!(entry_of(&sc, sc.nominal()).iter().all(|v| v.is_finite()));
}

/// Results already written are read with the config stored in them, without the checks that
/// refuse a flight: a run whose aim a later build refuses (here one above the interface where
/// its hyperbola meets it, which builds before 2026-12-06 flew) can still be reported and
/// merged. A run of it is still refused.
#[test]
fn results_of_an_aim_now_refused_are_still_read() {
    let sets = [
        "entry.b_t_km=15043.919306".to_string(),
        "entry.b_r_km=-7798.302181".into(),
    ];
    let raw = RawConfig::load(Path::new(BPLANE_CONFIG), &sets).unwrap();
    let refused = dispersa::run::build_scenario(&raw).err().expect("refused");
    assert!(
        refused
            .to_string()
            .contains("passes above the entry interface"),
        "{refused}"
    );
    let sc = dispersa::run::scenario_of_results(&raw, None).expect("read");
    assert_eq!(sc.kind(), "reentry");
}

/// A delivery wide enough that some samples pass above the interface: they are failed (there
/// is no flight to propagate), and the run's summary counts them, with the probability of no
/// capture counting them beside the skip-outs (an entry analyst's trial: 39 % missed beside a
/// P(skip-out) of 5.8 %, and nothing said).
#[test]
fn deliveries_that_miss_the_interface_are_counted_in_the_summary() {
    const WIDE: &str =
        "entry.delivery_covariance=[[250000.0, 0.0, 0.0], [0.0, 250000.0, 0.0], [0.0, 0.0, 25.0]]";
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("wide");
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_dispersa"))
        .args(["run", BPLANE_CONFIG, "--samples", "200", "--backend", "cpu"])
        .args(["--set", WIDE])
        .args(["--out", out.to_str().unwrap()])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    // The misses, counted from the file.
    let file = std::fs::File::open(out.join("samples.parquet")).unwrap();
    let reader = parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(file)
        .unwrap()
        .build()
        .unwrap();
    let mut missed = 0;
    for batch in reader {
        let batch = batch.unwrap();
        let why = batch
            .column_by_name("failure_reason")
            .unwrap()
            .as_any()
            .downcast_ref::<arrow_array::StringArray>()
            .unwrap();
        missed += (0..why.len())
            .filter(|&k| why.is_valid(k) && why.value(k).ends_with(MISSED_INTERFACE))
            .count();
    }
    assert!(missed > 0, "the wide delivery misses on some samples");
    // Their entry-state columns are NaN, and carry no min/max statistics, which leave NaN out
    // with nothing to say it is there: DuckDB took them to mean no NaN and counted 0 (a
    // notebook user's trial). The sampled delivery's columns keep theirs.
    let file = std::fs::File::open(out.join("samples.parquet")).unwrap();
    let meta = parquet::file::reader::SerializedFileReader::new(file).unwrap();
    let meta = parquet::file::reader::FileReader::metadata(&meta);
    for rg in meta.row_groups() {
        for c in rg.columns() {
            let name = c.column_path().string();
            let entry_state = DERIVED_ENTRY
                .iter()
                .any(|&i| dispersa::scenario::column_name(PARAM_NAMES[i]) == name);
            assert_eq!(c.statistics().is_none(), entry_state, "{name}");
        }
    }
    assert!(
        stdout.contains(&format!(
            "note: {missed} of the failed samples are deliveries whose hyperbola passes above \
             the entry interface"
        )),
        "{stdout}"
    );
    // summary.parquet's P(no capture): the skip-outs and the misses, over the samples that did
    // not fail and the misses (no timeout at this config's limit), read back from the files
    // (a report's and a merge's path) the same as the run's.
    let statuses = |name: &str| stdout.split(&format!("{name} ")).nth(1).unwrap();
    let count = |name: &str| -> usize {
        statuses(name)
            .split(|c: char| !c.is_ascii_digit())
            .next()
            .unwrap()
            .parse()
            .unwrap()
    };
    assert_eq!(count("timeout"), 0, "{stdout}");
    let flown = 200 - count("failed") + missed;
    let want = (count("skipped_out") + missed) as f64 / flown as f64;
    let raw = RawConfig::load(Path::new(BPLANE_CONFIG), &[WIDE.to_string()]).unwrap();
    let sc = dispersa::run::scenario_of_results(&raw, None).unwrap();
    let files = dispersa::output::parts::sample_files(&out).unwrap();
    let back = dispersa::dataset::statistics(sc.as_ref(), &files, None, false).unwrap();
    let b = common::first_batch(&out.join("summary.parquet"));
    let col = |n: &str| b.column_by_name(n).unwrap().clone();
    let (m, c, v) = (col("metric"), col("count"), col("mean"));
    let m = m
        .as_any()
        .downcast_ref::<arrow_array::StringArray>()
        .unwrap();
    let c = c
        .as_any()
        .downcast_ref::<arrow_array::Int64Array>()
        .unwrap();
    let v = v.as_any().downcast_ref::<Float64Array>().unwrap();
    let written: Vec<(String, i64, f64)> = (0..b.num_rows())
        .map(|k| (m.value(k).to_string(), c.value(k), v.value(k)))
        .collect();
    let row = written
        .iter()
        .find(|r| r.0 == "prob_no_capture")
        .expect("a prob_no_capture row");
    assert_eq!(row.1 as usize, flown);
    assert!((row.2 - want).abs() < 1e-15, "{} against {want}", row.2);
    let reread = back
        .summary
        .iter()
        .find(|r| r.metric == "prob_no_capture")
        .unwrap();
    assert_eq!((reread.count, reread.mean), (row.1 as u64, Some(row.2)));
    assert!(
        stdout.contains(&format!("P(no capture) is {want:.5}")),
        "{stdout}"
    );
    // The same 200 samples as two shards, merged: the merge's summary says it too (it left it
    // out: a cluster user's trial).
    let dataset = tmp.path().join("wide_shards");
    for k in ["0/2", "1/2"] {
        let o = std::process::Command::new(env!("CARGO_BIN_EXE_dispersa"))
            .args(["run", BPLANE_CONFIG, "--samples", "200", "--backend", "cpu"])
            .args(["--set", WIDE, "--shard", k, "--quiet"])
            .args(["--out", dataset.to_str().unwrap()])
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_dispersa"))
        .args(["merge", dataset.to_str().unwrap()])
        .output()
        .unwrap();
    let merged = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(
        merged.contains(&format!(
            "note: {missed} of the failed samples are deliveries whose hyperbola passes above \
             the entry interface"
        )) && merged.contains(&format!("P(no capture) is {want:.5}")),
        "{merged}"
    );
}

/// An aim whose nominal still lands with |B| 1,024 km further out (a steep entry at 30 S) has no
/// skip-out edge within reach: the margin says so, and no share beyond it is claimed (nothing
/// was printed, a review).
#[test]
fn an_aim_with_no_skip_out_edge_within_reach_says_so() {
    let path = std::path::Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/configs/tianwen2_reentry_bplane.toml"
    ));
    let aimed =
        dispersa::target::aim(path, &["landing.target_lat_deg=-30".into()]).expect("aims at 30 S");
    let m = aimed.skip_margin;
    assert!(m.gap.is_infinite(), "{m:?}");
    assert_eq!(m.share_beyond().unwrap_or(0.0), 0.0);
}
