//! The tabulated US76 profile both engines interpolate, against the model itself.

use dispersa::physics::atmosphere::{uniform_lerp, us76_table};
use dispersa::physics::us76::us76;
use dispersa::scenario::reentry::{ATM_TABLE_DH_M, ATM_TABLE_TOP_M};

#[test]
fn interpolated_us76_table_matches_the_model_between_nodes() {
    let table = us76_table(ATM_TABLE_DH_M, ATM_TABLE_TOP_M);
    let n = table.len();
    let mut worst = (0.0f64, 0.0f64);
    // A 37 m stride puts the probes at every phase between the 50 m nodes.
    let mut h = 0.0;
    while h <= 999_000.0 {
        let rho = uniform_lerp(h, 0.0, ATM_TABLE_DH_M, n, |i| table[i].0).exp();
        let a = uniform_lerp(h, 0.0, ATM_TABLE_DH_M, n, |i| table[i].1);
        let m = us76(h);
        worst.0 = worst.0.max((rho / m.density_kg_m3 - 1.0).abs());
        worst.1 = worst.1.max((a / m.speed_of_sound_m_s - 1.0).abs());
        h += 37.0;
    }
    eprintln!(
        "table vs model: density {:.2e}, speed of sound {:.2e}",
        worst.0, worst.1
    );
    // Linear ln(rho) over 50 m: curvature term (dh^2/8) |d2 ln rho/dh2| is < 1e-5 in smooth
    // layers; the lapse-rate kinks (jump in d ln rho/dh ~0.03/km) give at most
    // 0.03/km * 25 m * 25 m / 50 m = 4e-4 beside a layer boundary.
    assert!(worst.0 < 5e-4, "density interpolation error {}", worst.0);
    assert!(
        worst.1 < 5e-4,
        "speed of sound interpolation error {}",
        worst.1
    );
}
