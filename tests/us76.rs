//! Tests of the U.S. Standard Atmosphere 1976 implementation.
//!
//! Reference densities come from two places:
//!
//! * check values from an independent implementation (5 significant figures), used from 0
//!   to 90 km, where they agree with the 1976 tables;
//! * the standard's own Table 1 (4 significant figures) from 86 to 1000 km.
//!
//! Rounding to 5 significant figures leaves at most half a unit in the fifth digit, i.e.
//! 0.5e-4 / mantissa: between 0.0005 % (mantissa 9.9) and 0.005 % (mantissa 1.0) of the
//! 0.1 % acceptance bound. The standard's 4-figure values contribute ten times that, at
//! most 0.05 % (0.026 % for the worst mantissa used here, 1.916), which still leaves the
//! model about 0.07 % of the bound.
//!
//! Above 90 km the independent check values do not reproduce the standard's tables; this
//! implementation matches the tables (to < 0.02 %) and differs from those check values by
//! -0.15 % (100 km), -0.43 % (110), -0.77 % (120), -1.59 % (150), -2.91 % (200), -5.10 %
//! (300), -6.25 % (500) and -0.32 % (1000 km). The tabulated standard values differ from
//! the check values by the same amounts, e.g. 5.215e-13 against 5.5630e-13 at 500 km.

use dispersa::physics::us76::{us76, us76_profile, Us76Point};

/// Acceptance bound on relative density deviations.
const TOLERANCE: f64 = 1e-3;

fn relative(actual: f64, expected: f64) -> f64 {
    (actual / expected - 1.0).abs()
}

fn at_km(z_km: f64) -> Us76Point {
    us76(z_km * 1000.0)
}

/// Geometric height (m) of a geopotential height (km'), with the standard's r0.
fn geometric_of_geopotential(h_km: f64) -> f64 {
    let r0 = 6356.766;
    r0 * h_km / (r0 - h_km) * 1000.0
}

fn geometric_to_geopotential_km(z_km: f64) -> f64 {
    let r0 = 6356.766;
    r0 * z_km / (r0 + z_km)
}

fn assert_density(z_km: f64, expected: f64) {
    let rho = at_km(z_km).density_kg_m3;
    let dev = relative(rho, expected);
    assert!(
        dev < TOLERANCE,
        "{z_km} km: density {rho:.5e}, expected {expected:.5e} (relative deviation {dev:.2e})"
    );
}

#[test]
fn us76_density_matches_check_values_from_sea_level_to_90_km() {
    let check = [
        (0.0, 1.2250e+00),
        (10.0, 4.1351e-01),
        (20.0, 8.8910e-02),
        (30.0, 1.8410e-02),
        (40.0, 3.9957e-03),
        (50.0, 1.0269e-03),
        (60.0, 3.0968e-04),
        (70.0, 8.2828e-05),
        (80.0, 1.8458e-05),
        (86.0, 6.9578e-06),
        (90.0, 3.4164e-06),
    ];
    for (z_km, rho) in check {
        assert_density(z_km, rho);
    }
}

#[test]
fn us76_density_matches_standard_at_86_km() {
    assert_density(86.0, 6.958e-6);
}

#[test]
fn us76_density_matches_standard_table_in_the_thermosphere_and_exosphere() {
    // U.S. Standard Atmosphere 1976, Table 1, geometric altitude.
    let table = [
        (90.0, 3.416e-6),
        (100.0, 5.604e-7),
        (110.0, 9.708e-8),
        (120.0, 2.222e-8),
        (130.0, 8.152e-9),
        (150.0, 2.076e-9),
        (200.0, 2.541e-10),
        (250.0, 6.073e-11),
        (300.0, 1.916e-11),
        (400.0, 2.803e-12),
        (500.0, 5.215e-13),
        (600.0, 1.137e-13),
        (700.0, 3.070e-14),
        (800.0, 1.136e-14),
        (900.0, 5.759e-15),
        (1000.0, 3.561e-15),
    ];
    for (z_km, rho) in table {
        assert_density(z_km, rho);
    }
}

#[test]
fn sea_level_is_288_15_k_and_101325_pa_with_sea_level_air() {
    let p = us76(0.0);
    assert!((p.temperature_k - 288.15).abs() < 1e-9);
    assert!((p.pressure_pa - 101_325.0).abs() < 1e-6);
    assert!(relative(p.density_kg_m3, 1.225) < 1e-5);
    assert!((p.speed_of_sound_m_s - 340.294).abs() < 1e-3);
    assert!((p.mean_molar_mass_kg_mol - 0.0289644).abs() < 1e-12);
}

#[test]
fn tropopause_at_11_km_geopotential_is_216_65_k_and_22632_pa() {
    let p = us76(geometric_of_geopotential(11.0));
    assert!((p.temperature_k - 216.65).abs() < 1e-6);
    assert!(relative(p.pressure_pa, 22_632.06) < 1e-6);
    // Table 1 at 11 km geometric: 216.774 K, 2.2700e4 Pa.
    let p = at_km(11.0);
    assert!((p.temperature_k - 216.774).abs() < 1e-3);
    assert!(relative(p.pressure_pa, 2.2700e4) < 1e-4);
}

#[test]
fn kinetic_temperature_at_86_km_is_186_87_k_below_the_molecular_scale_temperature() {
    let p = at_km(86.0);
    assert!((p.temperature_k - 186.8673).abs() < 1e-4);
    assert!(relative(p.pressure_pa, 0.37338) < 1e-4);
    // Mean molar mass M0 * 0.999579 (Table 8 at 86 km).
    assert!(relative(p.mean_molar_mass_kg_mol, 0.0289644 * 0.999579) < 2e-6);
    // Just below, the lower atmosphere reports the kinetic temperature T_M * M / M0, with
    // M / M0 interpolated in Table 8 (0.999641 at 85.5 km, 0.999579 at 86 km).
    let below = at_km(85.9);
    let h_km = geometric_to_geopotential_km(85.9);
    let molecular_scale = 214.65 - 2.0 * (h_km - 71.0);
    let ratio = 0.999641 + (0.999579 - 0.999641) * 0.8;
    assert!(relative(below.temperature_k, molecular_scale * ratio) < 1e-9);
    assert!(relative(below.mean_molar_mass_kg_mol, 0.0289644 * ratio) < 1e-9);
}

#[test]
fn temperature_reaches_exospheric_1000_k_at_1000_km() {
    let p = at_km(1000.0);
    assert!((p.temperature_k - 1000.0).abs() < 1e-3);
    assert!(relative(p.pressure_pa, 7.5138e-9) < 1e-3);
    assert!((at_km(500.0).temperature_k - 999.2356).abs() < 1e-4);
    assert!((at_km(120.0).temperature_k - 360.0).abs() < 1e-9);
    assert!((at_km(110.0).temperature_k - 240.0).abs() < 1e-9);
}

#[test]
fn density_strictly_decreases_with_altitude_on_a_100_m_grid() {
    let mut previous = f64::INFINITY;
    for i in 0..=10_000 {
        let z = f64::from(i) * 100.0;
        let rho = us76(z).density_kg_m3;
        assert!(rho.is_finite() && rho > 0.0, "density {rho} at {z} m");
        assert!(rho < previous, "density not decreasing at {z} m");
        previous = rho;
    }
}

#[test]
fn profile_agrees_with_pointwise_model() {
    // Unsorted, off-grid and out-of-range altitudes included.
    let mut altitudes: Vec<f64> = (0..7_400).map(|i| f64::from(i) * 137.3 - 5_500.0).collect();
    altitudes.extend([1.2e6, -1.0e5, 86_000.0, 85_999.98, 150_000.0, 1_000_000.0]);
    altitudes.reverse();
    let profile = us76_profile(&altitudes);
    assert_eq!(profile.len(), altitudes.len());
    for (&z, p) in altitudes.iter().zip(&profile) {
        let q = us76(z);
        for (a, b) in [
            (p.density_kg_m3, q.density_kg_m3),
            (p.temperature_k, q.temperature_k),
            (p.pressure_pa, q.pressure_pa),
            (p.speed_of_sound_m_s, q.speed_of_sound_m_s),
            (p.mean_molar_mass_kg_mol, q.mean_molar_mass_kg_mol),
        ] {
            assert!(
                relative(a, b) < 1e-9,
                "profile differs at {z} m: {a} vs {b}"
            );
        }
    }
}

#[test]
fn density_is_continuous_at_every_layer_boundary() {
    let mut boundaries: Vec<f64> = [11.0, 20.0, 32.0, 47.0, 51.0, 71.0, 84.852]
        .into_iter()
        .map(geometric_of_geopotential)
        .collect();
    boundaries.extend([86e3, 91e3, 95e3, 97e3, 100e3, 110e3, 115e3, 120e3, 500e3]);
    // Geometric 11 ... 71 km are inside layers; check them too.
    boundaries.extend([11e3, 20e3, 32e3, 47e3, 51e3, 71e3, 80e3]);
    for z in boundaries {
        let below = us76(z - 1e-6);
        let above = us76(z + 1e-6);
        for (name, a, b) in [
            ("density", below.density_kg_m3, above.density_kg_m3),
            ("pressure", below.pressure_pa, above.pressure_pa),
            ("temperature", below.temperature_k, above.temperature_k),
            (
                "molar mass",
                below.mean_molar_mass_kg_mol,
                above.mean_molar_mass_kg_mol,
            ),
        ] {
            assert!(
                relative(b, a) < 1e-6,
                "{name} jumps by {:.2e} at {z} m",
                b / a - 1.0
            );
        }
    }
}

#[test]
fn hydrogen_appears_at_150_km_with_a_negligible_density_step() {
    let below = us76(150e3 - 1e-6);
    let above = us76(150e3 + 1e-6);
    assert!(relative(above.density_kg_m3, below.density_kg_m3) < 1e-6);
    assert!(above.mean_molar_mass_kg_mol < below.mean_molar_mass_kg_mol);
}

#[test]
fn altitudes_outside_the_model_are_clamped_or_extrapolated_without_panicking() {
    // -5 km: the first layer extrapolated (Table 1: 320.676 K, 1.7776e5 Pa).
    let low = at_km(-5.0);
    assert!((low.temperature_k - 320.676).abs() < 1e-3);
    assert!(relative(low.pressure_pa, 1.7776e5) < 1e-4);
    assert_eq!(at_km(-50.0), low);
    assert_eq!(us76(f64::NEG_INFINITY), low);
    let top = at_km(1000.0);
    assert_eq!(at_km(1500.0), top);
    assert_eq!(us76(f64::INFINITY), top);
    let nan = us76(f64::NAN);
    assert!(nan.density_kg_m3.is_nan() && nan.temperature_k.is_nan());
}

#[test]
fn speed_of_sound_uses_mean_molar_mass_above_86_km() {
    for z_km in [50.0, 90.0, 300.0, 1000.0] {
        let p = at_km(z_km);
        let expected = (1.4 * 8.31432 * p.temperature_k / p.mean_molar_mass_kg_mol).sqrt();
        assert!(relative(p.speed_of_sound_m_s, expected) < 1e-12);
    }
    // Table 1 at 80 km: 282.54 m/s.
    assert!((at_km(80.0).speed_of_sound_m_s - 282.54).abs() < 0.01);
}

/// The profile of many altitudes is pointwise identical to the model at each (its documented
/// contract). Its speed (the upper table integrated once for the process) is not asserted
/// here: the project measures speed in benchmarks, not in timed tests.
#[test]
fn profile_of_4000_points_equals_the_pointwise_model() {
    let altitudes: Vec<f64> = (0..4000).map(|i| f64::from(i) * 250.0).collect();
    let profile = us76_profile(&altitudes);
    assert_eq!(profile.len(), 4000);
    for (&z, p) in altitudes.iter().zip(&profile) {
        assert_eq!(*p, us76(z), "profile at {z} m");
    }
}
