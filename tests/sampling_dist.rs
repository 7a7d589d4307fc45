//! Statistical and determinism tests of `dispersa::sampling::dist`.
//!
//! All tests use fixed seeds, so they are deterministic; the statistical
//! tolerances are nevertheless chosen as 4 standard errors (a two-sided
//! probability of about 6e-5 of failing for a correct sampler on a fresh
//! seed), so they do not depend on a lucky seed.

use dispersa::sampling::dist::{standard_normal, Dist, MultiNormal};
use dispersa::stats::{ks_p_value, ks_statistic};
use rand::{Rng, SeedableRng};
use rand_pcg::Pcg64;

const N: usize = 100_000;

fn rng(seed: u64) -> Pcg64 {
    Pcg64::seed_from_u64(seed)
}

fn draws(dist: &Dist, seed: u64) -> Vec<f64> {
    let mut r = rng(seed);
    (0..N).map(|_| dist.draw(&mut r)).collect()
}

/// Sample mean and unbiased sample variance (two-pass).
fn mean_var(x: &[f64]) -> (f64, f64) {
    let n = x.len() as f64;
    let m = x.iter().sum::<f64>() / n;
    let v = x.iter().map(|v| (v - m).powi(2)).sum::<f64>() / (n - 1.0);
    (m, v)
}

/// Central moments (mean, variance, fourth central moment) of a distribution
/// known only through its CDF, by the midpoint rule on `dF` over [lo, hi]:
/// `E[g(X)] ~ sum g(x_mid) (F(x_i+1) - F(x_i))`. Used as an independent check
/// of the closed-form truncated normal moments, and to obtain mu4.
fn moments_from_cdf(dist: &Dist, lo: f64, hi: f64) -> (f64, f64, f64) {
    let steps = 400_000;
    let h = (hi - lo) / steps as f64;
    let mut cells = Vec::with_capacity(steps);
    let mut f_prev = dist.cdf(lo);
    for i in 0..steps {
        let x1 = lo + (i + 1) as f64 * h;
        let f1 = dist.cdf(x1);
        cells.push((x1 - 0.5 * h, f1 - f_prev));
        f_prev = f1;
    }
    let mass: f64 = cells.iter().map(|c| c.1).sum();
    let mean = cells.iter().map(|(x, w)| x * w).sum::<f64>() / mass;
    let var = cells
        .iter()
        .map(|(x, w)| (x - mean).powi(2) * w)
        .sum::<f64>()
        / mass;
    let mu4 = cells
        .iter()
        .map(|(x, w)| (x - mean).powi(4) * w)
        .sum::<f64>()
        / mass;
    (mean, var, mu4)
}

/// Asserts the sample mean and variance of `x` are within 4 standard errors
/// of the analytic `mean`, `var`: the standard error of the mean is
/// sqrt(var / n), and that of the sample variance is sqrt((mu4 - var^2) / n)
/// (its large-sample variance, e.g. Kendall & Stuart, "The Advanced Theory of
/// Statistics", vol. 1, ch. 10).
fn assert_moments(label: &str, x: &[f64], mean: f64, var: f64, mu4: f64) {
    let n = x.len() as f64;
    let (m, v) = mean_var(x);
    let se_mean = (var / n).sqrt();
    let se_var = ((mu4 - var * var) / n).sqrt();
    assert!(
        (m - mean).abs() < 4.0 * se_mean,
        "{label}: sample mean {m} vs {mean} (4 SE = {})",
        4.0 * se_mean
    );
    assert!(
        (v - var).abs() < 4.0 * se_var,
        "{label}: sample variance {v} vs {var} (4 SE = {})",
        4.0 * se_var
    );
}

/// KS test against the distribution's own CDF must pass, and against the
/// CDF shifted by 0.05 standard deviations must fail (power check).
fn assert_ks(label: &str, dist: &Dist, x: &[f64]) {
    let d = ks_statistic(x, |v| dist.cdf(v));
    let p = ks_p_value(d, x.len());
    // 1e-3: a correct sampler fails this one time in a thousand on a fresh
    // seed; with the fixed seed the outcome is deterministic.
    assert!(
        p > 1e-3,
        "{label}: KS p-value {p} (D = {d}) against own CDF"
    );
    let shift = 0.05 * dist.std();
    let d_wrong = ks_statistic(x, |v| dist.cdf(v - shift));
    let p_wrong = ks_p_value(d_wrong, x.len());
    // A 0.05 sigma shift moves the CDF by about 0.02 near the median, a D of
    // roughly 6 standard KS units at n = 1e5, so the p-value is astronomically
    // small; 1e-6 leaves a wide margin while still demonstrating power.
    assert!(
        p_wrong < 1e-6,
        "{label}: shifted CDF not rejected, p = {p_wrong} (D = {d_wrong})"
    );
}

#[test]
fn normal_moments_and_ks() {
    let dist = Dist::Normal {
        mean: 3.0,
        sigma: 2.0,
    };
    assert_eq!(dist.mean(), 3.0);
    assert_eq!(dist.std(), 2.0);
    let x = draws(&dist, 11);
    // Normal fourth central moment is 3 sigma^4.
    let var: f64 = 4.0;
    assert_moments("normal", &x, 3.0, var, 3.0 * var * var);
    assert_ks("normal", &dist, &x);
}

#[test]
fn uniform_moments_and_ks() {
    let (low, high) = (-1.0, 5.0);
    let dist = Dist::Uniform { low, high };
    let w: f64 = high - low;
    // Uniform: variance w^2 / 12, fourth central moment w^4 / 80.
    let var = w * w / 12.0;
    // 1e-12: only rounding separates the closed forms.
    assert!((dist.mean() - 2.0).abs() < 1e-12);
    assert!((dist.std() - var.sqrt()).abs() < 1e-12);
    let x = draws(&dist, 12);
    assert!(x.iter().all(|&v| (low..=high).contains(&v)));
    assert_moments("uniform", &x, 2.0, var, w.powi(4) / 80.0);
    assert_ks("uniform", &dist, &x);
}

#[test]
fn lognormal_moments_and_ks() {
    let (median, s): (f64, f64) = (2.0, 0.25);
    let dist = Dist::LogNormal {
        median,
        sigma_ln: s,
    };
    // Raw moments E[X^k] = median^k exp(k^2 s^2 / 2); central moments by
    // binomial expansion.
    let raw = |k: i32| median.powi(k) * (f64::from(k * k) * s * s / 2.0).exp();
    let mean = raw(1);
    let var = raw(2) - mean * mean;
    let mu4 = raw(4) - 4.0 * mean * raw(3) + 6.0 * mean * mean * raw(2) - 3.0 * mean.powi(4);
    // 1e-12 relative: the same closed form, evaluated differently (expm1).
    assert!((dist.mean() - mean).abs() < 1e-12 * mean);
    assert!((dist.std() - var.sqrt()).abs() < 1e-12 * var.sqrt());
    let x = draws(&dist, 13);
    assert!(x.iter().all(|&v| v > 0.0));
    assert_moments("lognormal", &x, mean, var, mu4);
    assert_ks("lognormal", &dist, &x);
}

fn check_truncated(label: &str, dist: &Dist, seed: u64, quad_lo: f64, quad_hi: f64) {
    let Dist::TruncatedNormal { low, high, .. } = *dist else {
        unreachable!()
    };
    let (qm, qv, mu4) = moments_from_cdf(dist, quad_lo, quad_hi);
    // Closed-form moments against quadrature of the CDF: the midpoint rule
    // with 4e5 cells has O(h^2) ~ 1e-10 error, so 1e-7 relative is loose.
    assert!(
        (dist.mean() - qm).abs() < 1e-7 * (1.0 + qm.abs()),
        "{label}: analytic mean {} vs quadrature {qm}",
        dist.mean()
    );
    assert!(
        (dist.std().powi(2) - qv).abs() < 1e-7 * qv,
        "{label}: analytic variance {} vs quadrature {qv}",
        dist.std().powi(2)
    );
    let x = draws(dist, seed);
    assert!(
        x.iter().all(|&v| v >= low && v <= high),
        "{label}: draw outside [{low}, {high}]"
    );
    assert_moments(label, &x, dist.mean(), dist.std().powi(2), mu4);
    assert_ks(label, dist, &x);
}

#[test]
fn truncated_normal_two_sided() {
    let dist = Dist::TruncatedNormal {
        mean: 10.0,
        sigma: 2.0,
        low: 8.0,
        high: 14.0,
    };
    check_truncated("truncated [-1, 2] sigma", &dist, 14, 8.0, 14.0);
}

#[test]
fn truncated_normal_deep_upper_tail() {
    // One-sided, lower bound 3 sigma above the mean: only 0.135 % of the
    // parent mass is kept, the regime where naive inverse-CDF sampling on
    // Phi loses precision.
    let dist = Dist::TruncatedNormal {
        mean: 1.0,
        sigma: 0.5,
        low: 2.5,
        high: f64::INFINITY,
    };
    // Quadrature upper limit 12 sigma above the bound: the remaining tail
    // mass relative to Q(3) is below 1e-30.
    check_truncated("truncated upper tail", &dist, 15, 2.5, 2.5 + 6.0);
}

#[test]
fn truncated_normal_deep_lower_tail() {
    // Mirror image: everything below mean - 3 sigma.
    let dist = Dist::TruncatedNormal {
        mean: 0.0,
        sigma: 1.0,
        low: f64::NEG_INFINITY,
        high: -3.0,
    };
    check_truncated("truncated lower tail", &dist, 16, -15.0, -3.0);
}

#[test]
fn truncated_normal_narrow_far_tail_window() {
    // Both bounds far in the upper tail (8 to 8.5 sigma): Phi(8) rounds to 1
    // in double precision, so only the upper-tail formulation can sample it.
    let dist = Dist::TruncatedNormal {
        mean: 0.0,
        sigma: 1.0,
        low: 8.0,
        high: 8.5,
    };
    check_truncated("truncated 8..8.5 sigma", &dist, 17, 8.0, 8.5);
}

/// Mean offset above the bound and std of the standard normal truncated below
/// at `a`, `lambda(a) - a` and `sqrt(1 + a lambda - lambda^2)` with
/// `lambda = pdf(a) / Q(a)`, evaluated with mpmath 1.3 at 50 significant
/// digits (Q through `erfc`), independently of the crate's code, each rounded
/// to the nearest f64.
const TAIL_MOMENTS_MPMATH: [(f64, f64, f64); 4] = [
    // (a, lambda(a) - a, std)
    (35.5, 0.028124486560967863, 0.028102319144917398),
    // Q(35.7834) = 1.0008e-280 and Q(35.7835) = 0.9972e-280: the two sides
    // of the floor 1e-280 below which the crate switches from the ordinary
    // formula to the asymptotic series.
    (35.7834, 0.027902438433400643, 0.02788079072985019),
    (35.7835, 0.027902360699767696, 0.027880713176723523),
    (40.0, 0.024968847207263722, 0.024953323998846103),
];

#[test]
fn truncated_normal_tail_moments_match_mpmath() {
    // The moments on both sides of the switch to the asymptotic series and
    // deep beyond it, against the mpmath values above. The offset lambda - a
    // is compared (not the mean, which would hide an error in it behind a),
    // relative to itself.
    //
    // Offset: taken as mean() - a, whose rounding (half an ulp of the mean,
    // 3.6e-15 at 36) is 1.3e-13 of the offset 0.028. Measured at most 7.2e-14;
    // bound 5e-13 (4 ulps of the mean).
    // Std, asymptotic series (a >= 35.7835): truncation up to 3.3e-13 of the
    // variance (the first omitted term). Measured at most 1.6e-13; bound 1e-12.
    // Std, ordinary formula (a <= 35.7834): 1 + a lambda - lambda^2 cancels
    // terms of 1,280 down to 7.8e-4, so a relative error e in lambda becomes
    // a^2 / (2 var) e = 8e5 e in the std; half an ulp of lambda (e = 1.1e-16)
    // gives 9e-11. Measured 2.4e-11 (a = 35.5) and 7.9e-11 (a = 35.7834);
    // bound 5e-10 (about 5 ulps of lambda).
    // The exponential moments the series branch replaced (offset 1/a, std
    // 1/a) err by 1.3e-3 and 1.9e-3 relative at a = 40 and fail every bound.
    let moments = |a: f64| {
        let dist = Dist::TruncatedNormal {
            mean: 0.0,
            sigma: 1.0,
            low: a,
            high: f64::INFINITY,
        };
        (dist.mean() - a, dist.std())
    };
    let errors: Vec<(f64, f64, f64)> = TAIL_MOMENTS_MPMATH
        .iter()
        .map(|&(a, offset_ref, std_ref)| {
            let (offset, std) = moments(a);
            let offset_err = offset / offset_ref - 1.0;
            let std_err = std / std_ref - 1.0;
            eprintln!("a = {a}: offset rel err {offset_err:.2e}, std rel err {std_err:.2e}");
            (a, offset_err, std_err)
        })
        .collect();
    for (a, offset_err, std_err) in errors {
        let std_bound = if a < 35.78342 { 5e-10 } else { 1e-12 };
        assert!(
            offset_err.abs() < 5e-13,
            "a = {a}: offset rel err {offset_err:e}"
        );
        assert!(
            std_err.abs() < std_bound,
            "a = {a}: std rel err {std_err:e}"
        );
    }
    // Continuity across the switch at a = 35.78342 (between the second and
    // third rows): the jump over the step of 1e-4, less the change the mpmath
    // values show, is the difference of the two sides' errors, so it is
    // bounded by the sum of their bounds: 1e-12 (offset) and 5e-10 (std),
    // relative. The exponential moments jumped by 1.6e-3 and 2.4e-3 here.
    let [_, lo, hi, _] = TAIL_MOMENTS_MPMATH;
    let (offset_lo, std_lo) = moments(lo.0);
    let (offset_hi, std_hi) = moments(hi.0);
    let offset_jump = ((offset_hi - offset_lo) - (hi.1 - lo.1)) / lo.1;
    let std_jump = ((std_hi - std_lo) - (hi.2 - lo.2)) / lo.2;
    eprintln!("relative jump at the switch: offset {offset_jump:.2e}, std {std_jump:.2e}");
    assert!(offset_jump.abs() < 1e-12, "offset jump {offset_jump:e}");
    assert!(std_jump.abs() < 5e-10, "std jump {std_jump:e}");
    // A finite interval beyond the floor whose far end is far below f64's
    // resolution (a w = 72): the series' moments, to the same bounds.
    // mpmath 1.3 at 50 digits for [36, 38]: the exact finite-width moments,
    // rounded to the nearest f64.
    let dist = Dist::TruncatedNormal {
        mean: 0.0,
        sigma: 1.0,
        low: 36.0,
        high: 38.0,
    };
    let offset_err = (dist.mean() - 36.0) / 0.02773507528106057 - 1.0;
    let std_err = dist.std() / 0.02771381390161613 - 1.0;
    eprintln!("[36, 38]: offset rel err {offset_err:.2e}, std rel err {std_err:.2e}");
    assert!(offset_err.abs() < 5e-13 && std_err.abs() < 1e-12);
}

#[test]
fn truncated_normal_beyond_underflow() {
    // At 40 sigma the normal tail mass underflows; the sampler must still
    // return finite values inside the bounds. Its moments are checked against
    // mpmath in truncated_normal_tail_moments_match_mpmath; here the draws.
    let (a, sigma) = (40.0, 3.0);
    let dist = Dist::TruncatedNormal {
        mean: 0.0,
        sigma,
        low: a * sigma,
        high: f64::INFINITY,
    };
    let x = draws(&dist, 18);
    assert!(x.iter().all(|v| v.is_finite() && *v >= a * sigma));
    let (m, v) = mean_var(&x);
    // The sampler draws the exponential of rate a (see TAIL_MASS_FLOOR in
    // src/sampling/dist.rs), whose mean is 2 sigma / a^3 = 9.4e-5 above the
    // normal's (0.4 standard errors at this N) and whose variance is 6 / a^2
    // = 3.8e-3 relative above it (0.42 standard errors of the variance, whose
    // relative SE is sqrt(8 / N) = 8.9e-3); 4 standard errors of the
    // exponential's statistics.
    let se = sigma / a / (N as f64).sqrt();
    eprintln!(
        "draws: mean - mean() = {:.2e} ({:.2} SE), var / std()^2 - 1 = {:.2e}",
        m - dist.mean(),
        (m - dist.mean()) / se,
        v / dist.std().powi(2) - 1.0
    );
    assert!((m - dist.mean()).abs() < 4.0 * se, "mean {m}");
    // Exponential variance SE: sqrt((mu4 - s^4) / n) with mu4 = 9 s^4.
    let s2 = (sigma / a).powi(2);
    assert!((v - dist.std().powi(2)).abs() < 4.0 * (8.0 * s2 * s2 / N as f64).sqrt());
    // The CDF is continuous and spans [0, 1] on the support.
    assert_eq!(dist.cdf(a * sigma), 0.0);
    assert!((dist.cdf(1e9) - 1.0).abs() < 1e-15);
    let d = ks_statistic(&x, |v| dist.cdf(v));
    assert!(ks_p_value(d, N) > 1e-3);
}

#[test]
fn truncated_cdf_far_tail_matches_mills_ratio() {
    // Normal truncated to [20, inf) (standard units). Its CDF is
    // 1 - Q(z) / Q(20); Q is evaluated independently here with the
    // asymptotic (Mills ratio) series Q(x) = pdf(x) / x * (1 - 1/x^2 + 3/x^4
    // - 15/x^6 + 105/x^8 - ...), Abramowitz & Stegun 26.2.12, whose truncation
    // error at x >= 20 is below 945 / 20^10 ~ 1e-10 relative. A formulation
    // through 1 - Phi would return garbage here, as Phi(20) rounds to 1.
    let dist = Dist::TruncatedNormal {
        mean: 0.0,
        sigma: 1.0,
        low: 20.0,
        high: f64::INFINITY,
    };
    let q = |x: f64| {
        let pdf = (-0.5 * x * x).exp() / (2.0 * std::f64::consts::PI).sqrt();
        let x2 = x * x;
        pdf / x * (1.0 - 1.0 / x2 + 3.0 / x2.powi(2) - 15.0 / x2.powi(3) + 105.0 / x2.powi(4))
    };
    for &z in &[20.001, 20.02, 20.05, 20.1, 20.3] {
        let expected = 1.0 - q(z) / q(20.0);
        // 1e-9 relative: series truncation (~1e-10) plus erfc accuracy.
        assert!(
            (dist.cdf(z) - expected).abs() < 1e-9 * expected,
            "cdf({z}) = {} vs {expected}",
            dist.cdf(z)
        );
    }
    // Mean of the truncation, (pdf(20) / Q(20)), from the same series.
    let pdf20 = (-200.0f64).exp() / (2.0 * std::f64::consts::PI).sqrt();
    let expected_mean = pdf20 / q(20.0);
    // 1e-9 relative, as above.
    assert!((dist.mean() - expected_mean).abs() < 1e-9 * expected_mean);
}

/// 3x3 covariance with standard deviations (1, 2, 0.5) and correlations
/// rho12 = 0.8, rho13 = -0.5, rho23 = -0.3. (rho23 = +0.3 with the other two
/// is not positive definite: the correlation determinant would be -0.22.)
fn test_cov() -> (Vec<f64>, [[f64; 3]; 3], Vec<Vec<f64>>) {
    let sig = vec![1.0, 2.0, 0.5];
    let rho = [[1.0, 0.8, -0.5], [0.8, 1.0, -0.3], [-0.5, -0.3, 1.0]];
    let cov = (0..3)
        .map(|i| (0..3).map(|j| rho[i][j] * sig[i] * sig[j]).collect())
        .collect();
    (sig, rho, cov)
}

#[test]
fn multinormal_moments_and_correlations() {
    let (sig, rho, cov) = test_cov();
    let mean = vec![5.0, -2.0, 100.0];
    let mvn = MultiNormal::new(mean.clone(), cov).expect("valid covariance");
    assert_eq!(mvn.dim(), 3);
    assert_eq!(mvn.mean(), &mean[..]);
    let mut r = rng(21);
    let xs: Vec<Vec<f64>> = (0..N).map(|_| mvn.draw(&mut r)).collect();
    let n = N as f64;
    let col = |k: usize| xs.iter().map(|x| x[k]).collect::<Vec<f64>>();
    let cols: Vec<Vec<f64>> = (0..3).map(col).collect();
    let stats: Vec<(f64, f64)> = cols.iter().map(|c| mean_var(c)).collect();
    for k in 0..3 {
        let (m, v) = stats[k];
        let var = sig[k] * sig[k];
        // Means: SE sigma / sqrt(n). Variances of a normal: SE sqrt(2 / n) var.
        assert!(
            (m - mean[k]).abs() < 4.0 * sig[k] / n.sqrt(),
            "mean {k}: {m}"
        );
        assert!(
            (v - var).abs() < 4.0 * var * (2.0 / n).sqrt(),
            "variance {k}: {v} vs {var}"
        );
    }
    for i in 0..3 {
        for j in (i + 1)..3 {
            let cov_ij = cols[i]
                .iter()
                .zip(&cols[j])
                .map(|(a, b)| (a - stats[i].0) * (b - stats[j].0))
                .sum::<f64>()
                / (n - 1.0);
            let r_ij = cov_ij / (stats[i].1 * stats[j].1).sqrt();
            let expected = rho[i][j];
            // Large-sample SE of a normal correlation coefficient:
            // (1 - rho^2) / sqrt(n) (Fisher).
            let se = (1.0 - expected * expected) / n.sqrt();
            assert!(
                (r_ij - expected).abs() < 4.0 * se,
                "corr ({i},{j}) = {r_ij} vs {expected} (4 SE = {})",
                4.0 * se
            );
        }
    }
}

#[test]
fn multinormal_consumes_dim_standard_normals_in_order() {
    // draw() = mean + L z with z the next dim() standard normals; for a
    // diagonal covariance L = diag(sigma), so the draw is reproducible from
    // standard_normal on a cloned RNG. Exact equality: same operations.
    let mvn = MultiNormal::new(vec![1.0, 2.0], vec![vec![4.0, 0.0], vec![0.0, 9.0]]).unwrap();
    let mut r1 = rng(5);
    let mut r2 = r1.clone();
    let x = mvn.draw(&mut r1);
    let z0 = standard_normal(&mut r2);
    let z1 = standard_normal(&mut r2);
    assert_eq!(x, vec![1.0 + 2.0 * z0, 2.0 + 3.0 * z1]);
    // Both RNGs are now in the same state.
    assert_eq!(r1.next_u64(), r2.next_u64());
}

#[test]
fn multinormal_rejects_bad_covariances() {
    let not_pd = vec![
        vec![1.0, 0.8, -0.5],
        vec![0.8, 1.0, 0.3],
        vec![-0.5, 0.3, 1.0],
    ];
    let err = MultiNormal::new(vec![0.0; 3], not_pd).unwrap_err();
    assert!(err.contains("not positive definite"), "{err}");

    let asym = vec![
        vec![1.0, 0.5, 0.0],
        vec![0.4, 1.0, 0.0],
        vec![0.0, 0.0, 1.0],
    ];
    let err = MultiNormal::new(vec![0.0; 3], asym).unwrap_err();
    assert!(err.contains("not symmetric"), "{err}");

    let ragged = vec![vec![1.0, 0.0], vec![0.0]];
    let err = MultiNormal::new(vec![0.0; 2], ragged).unwrap_err();
    assert!(err.contains("not square"), "{err}");

    let err = MultiNormal::new(vec![0.0; 3], vec![vec![1.0]]).unwrap_err();
    assert!(err.contains("mean has 3 entries"), "{err}");

    // Singular (perfectly correlated) is not positive definite.
    let singular = vec![vec![1.0, 1.0], vec![1.0, 1.0]];
    let err = MultiNormal::new(vec![0.0; 2], singular).unwrap_err();
    assert!(err.contains("not positive definite"), "{err}");

    // Asymmetry at the 1e-15 relative level (rounding noise) is accepted.
    let almost = vec![vec![2.0, 0.3 * (1.0 + 1e-15)], vec![0.3, 1.0]];
    assert!(MultiNormal::new(vec![0.0; 2], almost).is_ok());
}

#[test]
fn same_seed_gives_bit_identical_draws() {
    let dists = [
        Dist::Normal {
            mean: 0.0,
            sigma: 1.0,
        },
        Dist::Uniform {
            low: 0.0,
            high: 1.0,
        },
        Dist::TruncatedNormal {
            mean: 0.0,
            sigma: 1.0,
            low: -0.5,
            high: 2.0,
        },
        Dist::LogNormal {
            median: 1.0,
            sigma_ln: 0.1,
        },
    ];
    let mvn = MultiNormal::new(vec![0.0; 3], test_cov().2).unwrap();
    let run = |seed: u64| {
        let mut r = rng(seed);
        let mut out = Vec::new();
        for _ in 0..1000 {
            for d in &dists {
                out.push(d.draw(&mut r).to_bits());
            }
            out.extend(mvn.draw(&mut r).into_iter().map(f64::to_bits));
        }
        out
    };
    assert_eq!(run(99), run(99));
    assert_ne!(run(99), run(100));
}

#[test]
fn draw_accepts_unsized_rng() {
    // `?Sized` bound: a trait object works and consumes the same stream.
    let dist = Dist::Normal {
        mean: 0.0,
        sigma: 1.0,
    };
    let mut concrete = rng(3);
    let mut boxed = rng(3);
    let dyn_rng: &mut dyn Rng = &mut boxed;
    assert_eq!(
        dist.draw(&mut concrete).to_bits(),
        dist.draw(dyn_rng).to_bits()
    );
}
