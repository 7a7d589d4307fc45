//! The stagnation-point convective correlations against their formulas, written out here.

mod common;
use common::*;
use dispersa::scenario::reentry::cpu::SampleModel;
use dispersa::scenario::reentry::*;
use dispersa::scenario::Scenario;

/// The model's convective heat flux [W/cm^2] at altitude `h_m` and inertial speed `v` (a
/// radial-free, eastward velocity at the equator of a non-rotating, windless Earth, so the air
/// speed is `v`), with the density it used.
fn convective_at(sets: &[&str], h_m: f64, v: f64) -> (f64, f64) {
    let mut all = vec![
        "planet.rotation=false",
        "entry.latitude_deg=0.0",
        "entry.longitude_deg=0.0",
        "winds.profile=[[0.0, 0.0, 0.0]]",
    ];
    all.extend_from_slice(sets);
    let cfg = config_with(&all);
    let sc = Reentry::new(cfg);
    let mut p = sc.nominal().to_vec();
    let mut input = vec![0.0; sc.input_len()];
    sc.pack_input(0, 0, &mut p, None, &mut input);
    let m = SampleModel {
        model: &sc.model,
        input: &input,
    };
    let r = [6_378_137.0 + h_m, 0.0, 0.0];
    let d = m.deriv(&r, &[0.0, v, 0.0]);
    let (ln_rho, _) = m.atmosphere(h_m);
    (d.aux.q_conv_w_cm2, ln_rho.exp())
}

#[test]
fn sutton_graves_and_detra_kemp_riddell_follow_their_formulas() {
    let rn = 0.21; // the default config's nose radius
    for (h, v) in [
        (60_000.0, 11_500.0),
        (45_000.0, 7_000.0),
        (75_000.0, 12_000.0),
    ] {
        let (sg, rho) = convective_at(&[], h, v);
        // Sutton-Graves (NASA TR R-376): 1.7415e-4 sqrt(rho / Rn) V^3 W/m^2.
        let want = 1.7415e-4 * (rho / rn).sqrt() * v * v * v / 1.0e4;
        assert!((sg / want - 1.0).abs() < 1e-12, "SG {sg} vs {want}");
        let (dkr, rho2) = convective_at(&["heating.convective=\"detra_kemp_riddell\""], h, v);
        assert_eq!(rho, rho2);
        // Detra-Kemp-Riddell: 11,030 / sqrt(Rn) (rho / 1.225)^0.5 (V / 7,924.8)^3.15 W/cm^2.
        let want = 11_030.0 / rn.sqrt() * (rho / 1.225).sqrt() * (v / 7_924.8).powf(3.15);
        assert!((dkr / want - 1.0).abs() < 1e-12, "DKR {dkr} vs {want}");
        // docs/SOURCES.md: Sutton-Graves runs about 20 % below DKR-type estimates at 11-13 km/s
        // (the ratio depends on V alone: 0.83 at 11 km/s, 0.81 at 13).
        if v >= 11_000.0 {
            let ratio = sg / dkr;
            eprintln!("V {v}: SG / DKR = {ratio:.4}");
            assert!((0.75..0.85).contains(&ratio), "ratio {ratio}");
        }
    }
}
