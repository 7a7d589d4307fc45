//! The tabulated US76 profile both engines interpolate, against the model itself.

use dispersa::physics::atmosphere::{uniform_cubic, uniform_lerp, us76_table};
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
        let rho = uniform_cubic(h, 0.0, ATM_TABLE_DH_M, n, |i| table[i].0).exp();
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
    // ln(rho) is a cubic (Catmull-Rom) over 50 m: in smooth layers the error is O(dh^4) and
    // negligible; beside a lapse-rate change (a jump in d2 ln rho/dh2, or in d ln rho/dh
    // where the table has its kinks) the tangent is off by ~dh/2 times the jump, giving errors
    // of the order of the linear rule's there: (0.03/km) x 25 m x 25 m / 50 m = 4e-4. The
    // speed of sound is linear: the same bound.
    assert!(worst.0 < 5e-4, "density interpolation error {}", worst.0);
    assert!(
        worst.1 < 5e-4,
        "speed of sound interpolation error {}",
        worst.1
    );
}
