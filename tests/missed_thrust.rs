//! Missed-thrust events: the Weibull distribution and the per-sample outage sequences.

use dispersa::sampling::dist::Dist;
use dispersa::sampling::events::missed_thrust_outages;
use dispersa::stats::ks::{ks_p_value, ks_statistic};
use rand::SeedableRng;

const N: usize = 100_000;

#[test]
fn weibull_draws_match_moments_and_cdf() {
    for (shape, scale) in [(0.8, 150.0), (1.0, 200.0), (2.5, 7.0)] {
        let d = Dist::Weibull { shape, scale };
        let mut rng = rand_pcg::Pcg64::seed_from_u64(311);
        let x: Vec<f64> = (0..N).map(|_| d.draw(&mut rng)).collect();
        let mean = x.iter().sum::<f64>() / N as f64;
        // 4 standard errors of the mean: a false alarm once in ~16,000 seeds.
        let se = d.std() / (N as f64).sqrt();
        assert!(
            (mean - d.mean()).abs() < 4.0 * se,
            "shape {shape}: mean {mean} vs {}",
            d.mean()
        );
        let p = ks_p_value(ks_statistic(&x, |v| d.cdf(v)), N);
        assert!(p > 1e-3, "shape {shape}: KS p = {p}");
        // Power: a 5% wrong scale is rejected at this sample size.
        let wrong = Dist::Weibull {
            shape,
            scale: scale * 1.05,
        };
        assert!(ks_p_value(ks_statistic(&x, |v| wrong.cdf(v)), N) < 1e-6);
    }
}

#[test]
fn outage_sequences_follow_their_weibull_parameters_and_are_deterministic() {
    // Imken et al.-like: safe modes every ~200 days, outages of ~a week (assumption for the test).
    let between = Dist::Weibull {
        shape: 0.9,
        scale: 220.0,
    };
    let duration = Dist::Weibull {
        shape: 1.4,
        scale: 8.0,
    };
    let (mut gaps, mut lengths) = (Vec::new(), Vec::new());
    // Long horizons: the gaps kept are those that end before the horizon, which biases them
    // short near the end of each sequence (inspection paradox); over ~9,000 events per sample
    // that bias is one gap in 9,000, far below what the KS test resolves.
    let horizon = 2.0e6;
    for i in 0..20u64 {
        let (ev, dropped) = missed_thrust_outages(7, i, &between, &duration, horizon, 20_000);
        assert_eq!(dropped, 0);
        let mut prev_end = 0.0;
        for e in &ev {
            assert!(
                e.start_days >= prev_end && e.end_days > e.start_days && e.start_days < horizon
            );
            gaps.push(e.start_days - prev_end);
            lengths.push(e.end_days - e.start_days);
            prev_end = e.end_days;
        }
        assert_eq!(
            ev,
            missed_thrust_outages(7, i, &between, &duration, horizon, 20_000).0
        );
    }
    let p_len = ks_p_value(ks_statistic(&lengths, |v| duration.cdf(v)), lengths.len());
    assert!(p_len > 1e-3, "durations KS p = {p_len}");
    let p_gap = ks_p_value(ks_statistic(&gaps, |v| between.cdf(v)), gaps.len());
    assert!(p_gap > 1e-3, "time between events KS p = {p_gap}");
    assert!(
        gaps.len() > 100_000,
        "enough events for the KS test: {}",
        gaps.len()
    );
    // A cruise-length horizon with a small cap reports what did not fit.
    let (ev, dropped) = missed_thrust_outages(7, 1, &between, &duration, 2600.0, 2);
    assert_eq!(ev.len(), 2);
    assert_eq!(
        ev.len() + dropped,
        missed_thrust_outages(7, 1, &between, &duration, 2600.0, 64)
            .0
            .len()
    );
    // A different seed gives a different sequence.
    assert_ne!(
        missed_thrust_outages(7, 0, &between, &duration, 2600.0, 64).0,
        missed_thrust_outages(8, 0, &between, &duration, 2600.0, 64).0
    );
}
