//! What drives what: Spearman rank correlation of every dispersed input with every output, and
//! the standardised regression coefficients (SRC) of a linear model of each output on all inputs
//! (Saltelli et al., "Global Sensitivity Analysis: The Primer", 2008, ch. 1). Spearman captures
//! monotonic influence one input at a time; SRC apportions the variance a linear model explains
//! (its R^2 says how much that is).

use nalgebra::{DMatrix, DVector, Dyn, SVD};

/// One (input, output) pair.
#[derive(Debug, Clone, PartialEq)]
pub struct Sensitivity {
    pub input: String,
    pub output: String,
    /// Samples used: those where the output is defined.
    pub count: u64,
    pub spearman: Option<f64>,
    pub src: Option<f64>,
    /// R^2 of the linear model of this output on all inputs (same on every row of the output).
    pub r2: Option<f64>,
}

/// Ranks 1..n with ties given their average rank.
pub fn ranks(x: &[f64]) -> Vec<f64> {
    // The indices sorted by value, as (key, index) pairs: the key orders as f64::total_cmp
    // does, and pairs sort faster than indices compared through the slice. Equal values get
    // their average rank below, so their order here does not matter.
    let key = |v: f64| {
        let b = v.to_bits();
        if b >> 63 == 1 {
            !b
        } else {
            b | 1 << 63
        }
    };
    let mut pairs: Vec<(u64, usize)> = x.iter().enumerate().map(|(i, &v)| (key(v), i)).collect();
    pairs.sort_unstable_by_key(|p| p.0);
    // The value back from its key (the inverse of `key`), so that runs of equal values are
    // found in the sorted pairs rather than through the slice in their order.
    let value = |k: u64| f64::from_bits(if k >> 63 == 1 { k & !(1 << 63) } else { !k });
    let mut r = vec![0.0; x.len()];
    let mut i = 0;
    while i < pairs.len() {
        let mut j = i;
        while j + 1 < pairs.len() && value(pairs[j + 1].0) == value(pairs[i].0) {
            j += 1;
        }
        let avg = (i + j) as f64 / 2.0 + 1.0;
        for &(_, k) in &pairs[i..=j] {
            r[k] = avg;
        }
        i = j + 1;
    }
    r
}

/// Pearson correlation; None when either side is constant or there are fewer than 3 points.
pub fn pearson(x: &[f64], y: &[f64]) -> Option<f64> {
    let n = x.len();
    if n < 3 {
        return None;
    }
    let mx = x.iter().sum::<f64>() / n as f64;
    let my = y.iter().sum::<f64>() / n as f64;
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for (a, b) in x.iter().zip(y) {
        sxy += (a - mx) * (b - my);
        sxx += (a - mx) * (a - mx);
        syy += (b - my) * (b - my);
    }
    (sxx > 0.0 && syy > 0.0).then(|| sxy / (sxx * syy).sqrt())
}

pub fn spearman(x: &[f64], y: &[f64]) -> Option<f64> {
    pearson(&ranks(x), &ranks(y))
}

/// Whether `y`'s values differ by no more than f64 rounding could make them: a spread of at
/// most 1e-12 of their magnitude (some thousand ulps), constant in all but the last bits.
pub fn rounding_only(y: &[f64]) -> bool {
    let (lo, hi) = y
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &v| {
            (lo.min(v), hi.max(v))
        });
    hi - lo <= 1e-12 * lo.abs().max(hi.abs())
}

fn standardise(x: &[f64]) -> Option<Vec<f64>> {
    let n = x.len() as f64;
    let m = x.iter().sum::<f64>() / n;
    let s = (x.iter().map(|v| (v - m) * (v - m)).sum::<f64>() / (n - 1.0)).sqrt();
    (s > 0.0).then(|| x.iter().map(|v| (v - m) / s).collect())
}

/// The outputs [`sensitivities`] ranks: their names and values (one a sample, NaN where
/// undefined), the samples it takes (`kept`) and those the configuration fixes (`fixed`).
#[derive(Clone, Copy)]
pub struct Outputs<'a> {
    pub names: &'a [String],
    pub values: &'a [Vec<f64>],
    pub kept: &'a [bool],
    pub fixed: &'a [bool],
}

/// Sensitivities of every output to every input. `inputs[j]` and `outputs[k]` hold one value per
/// sample (NaN where an output is undefined); `names` label them; a sample counts only where it
/// is `kept` (the scenario's `in_sensitivities`). An input that is `derived`
/// (a function of the others, as bplane mode's entry state is of the sampled delivery) has its
/// Spearman correlation but stays out of the regression, whose design it would make singular
/// (its SRC is None). An output that is `fixed` (by the configuration, its spread the
/// integrator's tolerance: `Scenario::fixed_outputs`) gets rows of nulls, as one that varies by
/// rounding alone. The outputs are taken one at a time by `workers` threads
/// ([`super::par_jobs`]); the rows are in output order.
pub fn sensitivities(
    input_names: &[String],
    inputs: &[Vec<f64>],
    derived: &[bool],
    out: Outputs,
    workers: usize,
) -> Vec<Sensitivity> {
    let Outputs {
        names: output_names,
        values: outputs,
        kept,
        fixed,
    } = out;
    // A sample counts where the output is defined and the sample is kept (`kept`: not a timeout
    // whose values are of the flight so far).
    let counts = |y: &[f64], i: usize| y[i].is_finite() && kept[i];
    let whole = |y: &[f64]| (0..y.len()).all(|i| counts(y, i));
    // Ranks of each input over every sample, and the regression's factorisation over every
    // sample, shared by the outputs defined on every sample (the same matrix: the same
    // factors).
    let input_ranks: Vec<Vec<f64>> = inputs.iter().map(|x| ranks(x)).collect();
    let every = outputs
        .iter()
        .any(|y| whole(y))
        .then(|| Design::new(inputs, derived))
        .flatten();
    let per_output = super::par_jobs(
        output_names.len().min(outputs.len()),
        workers,
        || (),
        |(), k| {
            let (oname, y_all) = (&output_names[k], &outputs[k]);
            let whole = whole(y_all);
            // The samples where the output is defined: all of them (no copy), or those kept.
            let (kept_y, kept_xs): (Vec<f64>, Vec<Vec<f64>>) = if whole {
                (Vec::new(), Vec::new())
            } else {
                let keep: Vec<usize> = (0..y_all.len()).filter(|&i| counts(y_all, i)).collect();
                (
                    keep.iter().map(|&i| y_all[i]).collect(),
                    inputs
                        .iter()
                        .map(|x| keep.iter().map(|&i| x[i]).collect())
                        .collect(),
                )
            };
            let (y, xs): (&[f64], &[Vec<f64>]) = if whole {
                (y_all, inputs)
            } else {
                (&kept_y, &kept_xs)
            };
            // An output that varies by rounding alone (a patched-conic flyby's v-infinity out
            // spread 3e-16 of its value), or by the integrator's tolerance about a value the
            // configuration fixes, ranks and regresses on noise: no sensitivity rows.
            if fixed.get(k).copied().unwrap_or(false) || rounding_only(y) {
                return input_names
                    .iter()
                    .map(|iname| Sensitivity {
                        input: iname.clone(),
                        output: oname.clone(),
                        count: y.len() as u64,
                        spearman: None,
                        src: None,
                        r2: None,
                    })
                    .collect();
            }
            let own_design;
            let design = if whole {
                every.as_ref()
            } else {
                own_design = Design::new(xs, derived);
                own_design.as_ref()
            };
            let (src, r2) = regression(design, xs.len(), y);
            let y_ranks = ranks(y);
            let mut rows = Vec::with_capacity(xs.len());
            for (j, (iname, x)) in input_names.iter().zip(xs).enumerate() {
                let own;
                let x_ranks: &[f64] = if whole {
                    &input_ranks[j]
                } else {
                    own = ranks(x);
                    &own
                };
                rows.push(Sensitivity {
                    input: iname.clone(),
                    output: oname.clone(),
                    count: y.len() as u64,
                    spearman: pearson(x_ranks, &y_ranks),
                    src: src.as_ref().and_then(|b| b[j]),
                    r2,
                });
            }
            rows
        },
    );
    per_output.into_iter().flatten().collect()
}

/// The standardised, non-constant inputs that are not derived, over a set of samples (their
/// indices among all the inputs, and the matrix), and its singular value decomposition: what
/// the regression of every output defined on those samples needs.
struct Design {
    cols: Vec<usize>,
    a: DMatrix<f64>,
    svd: SVD<f64, Dyn, Dyn>,
}

impl Design {
    /// None where no input varies or there are too few samples for the fit.
    fn new(xs: &[Vec<f64>], derived: &[bool]) -> Option<Design> {
        let n = xs.first()?.len();
        let cols: Vec<(usize, Vec<f64>)> = xs
            .iter()
            .enumerate()
            .filter(|&(j, _)| !derived.get(j).copied().unwrap_or(false))
            .filter_map(|(j, x)| standardise(x).map(|s| (j, s)))
            .collect();
        if cols.is_empty() || n <= cols.len() + 1 {
            return None;
        }
        let a = DMatrix::from_fn(n, cols.len(), |i, c| cols[c].1[i]);
        let svd = a.clone().svd(true, true);
        Some(Design {
            cols: cols.into_iter().map(|(j, _)| j).collect(),
            a,
            svd,
        })
    }
}

/// Least squares of standardised y on the design's standardised, non-constant inputs (of
/// `n_inputs`): coefficients (None for a constant input) and R^2.
fn regression(
    design: Option<&Design>,
    n_inputs: usize,
    y: &[f64],
) -> (Option<Vec<Option<f64>>>, Option<f64>) {
    let (Some(ys), Some(d)) = (standardise(y), design) else {
        return (None, None);
    };
    let b = DVector::from_vec(ys);
    let Ok(beta) = d.svd.solve(&b, 1e-12) else {
        return (None, None);
    };
    let resid = &b - &d.a * &beta;
    let r2 = 1.0 - resid.norm_squared() / b.norm_squared();
    let mut out = vec![None; n_inputs];
    for (c, &j) in d.cols.iter().enumerate() {
        out[j] = Some(beta[c]);
    }
    (Some(out), Some(r2))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_output_constant_but_for_rounding_has_no_sensitivity() {
        let x: Vec<f64> = (0..50).map(|i| i as f64).collect();
        // 4.600245 km/s in its last bits, correlated with x to rank 1 by construction.
        let y: Vec<f64> = (0..50).map(|i| 4.600245 + i as f64 * 1e-16 * 4.6).collect();
        assert!(rounding_only(&y) && !rounding_only(&x));
        let rows = sensitivities(
            &["x".into()],
            std::slice::from_ref(&x),
            &[false],
            Outputs {
                names: &["y".into()],
                values: &[y],
                kept: &[true; 50],
                fixed: &[false],
            },
            1,
        );
        assert!(rows[0].spearman.is_none() && rows[0].src.is_none() && rows[0].r2.is_none());
        let y: Vec<f64> = x.iter().map(|v| 4.6 + 1e-6 * v).collect();
        let one = |fixed: bool| {
            sensitivities(
                &["x".into()],
                std::slice::from_ref(&x),
                &[false],
                Outputs {
                    names: &["y".into()],
                    values: std::slice::from_ref(&y),
                    kept: &[true; 50],
                    fixed: &[fixed],
                },
                1,
            )
        };
        let rows = one(false);
        assert!(
            (rows[0].spearman.unwrap() - 1.0).abs() < 1e-12,
            "a real 1e-6 variation counts"
        );
        // Unless the configuration fixes the output (its spread is the integrator's).
        let rows = one(true);
        assert!(rows[0].spearman.is_none() && rows[0].src.is_none() && rows[0].r2.is_none());
    }

    /// A derived input (here x1 + x2, as bplane mode's entry state is a function of the sampled
    /// delivery) keeps its Spearman correlation and stays out of the regression: the sampled
    /// inputs' SRCs are those of the model without it. In the regression it made the design
    /// singular and the SRCs of order 1e6 (bplane mode's entry latitude, before 2026-12-05).
    #[test]
    fn a_derived_input_is_ranked_but_not_regressed() {
        let x1: Vec<f64> = (0..300).map(|i| ((i * 37) % 101) as f64).collect();
        let x2: Vec<f64> = (0..300).map(|i| ((i * 53) % 97) as f64).collect();
        let sum: Vec<f64> = x1
            .iter()
            .zip(&x2)
            .map(|(a, b)| a + b + 1e-13 * a * b)
            .collect();
        let y: Vec<f64> = x1.iter().zip(&x2).map(|(a, b)| 2.0 * a - b).collect();
        let names = ["x1".to_string(), "x2".into(), "sum".into()];
        let xs = [x1, x2, sum];
        let rows = sensitivities(
            &names,
            &xs,
            &[false, false, true],
            Outputs {
                names: &["y".into()],
                values: std::slice::from_ref(&y),
                kept: &[true; 300],
                fixed: &[false],
            },
            1,
        );
        let (alone, _) = regression(Design::new(&xs[..2], &[false, false]).as_ref(), 2, &y);
        let alone = alone.unwrap();
        assert!((rows[0].src.unwrap() - alone[0].unwrap()).abs() < 1e-12);
        assert!((rows[1].src.unwrap() - alone[1].unwrap()).abs() < 1e-12);
        assert!(rows[2].src.is_none() && rows[2].spearman.is_some());
        assert!((rows[0].r2.unwrap() - 1.0).abs() < 1e-12);
    }

    #[test]
    fn ranks_average_ties() {
        assert_eq!(ranks(&[10.0, 20.0, 20.0, 5.0]), vec![2.0, 3.5, 3.5, 1.0]);
    }

    /// Ranks against their definition (count below plus the average place among equals) on
    /// values with many ties, signed zeros among them.
    #[test]
    fn ranks_match_their_definition() {
        let x: Vec<f64> = (0..2_000)
            .map(|i| {
                let v = (((i * 7_919) % 257) as f64 - 128.0) / 8.0;
                if i % 11 == 0 {
                    -0.0
                } else {
                    v
                }
            })
            .collect();
        let r = ranks(&x);
        for (i, &v) in x.iter().enumerate() {
            let below = x.iter().filter(|&&w| w < v).count() as f64;
            let equal = x.iter().filter(|&&w| w == v).count() as f64;
            assert_eq!(r[i], below + (equal + 1.0) / 2.0, "value {v}");
        }
    }

    #[test]
    fn spearman_is_one_for_any_monotonic_map_and_src_recovers_a_linear_model() {
        let x1: Vec<f64> = (0..200).map(|i| ((i * 37) % 101) as f64).collect();
        let x2: Vec<f64> = (0..200).map(|i| ((i * 53) % 97) as f64).collect();
        let y: Vec<f64> = x1.iter().map(|v| v.powi(3)).collect();
        assert!((spearman(&x1, &y).unwrap() - 1.0).abs() < 1e-12);
        // y = 3 x1 - x2 exactly: SRCs are 3 sd1 / sdy and -sd2 / sdy, R^2 = 1.
        let y: Vec<f64> = x1.iter().zip(&x2).map(|(a, b)| 3.0 * a - b).collect();
        let xs = [x1.clone(), x2.clone()];
        let (b, r2) = regression(Design::new(&xs, &[false, false]).as_ref(), 2, &y);
        let b = b.unwrap();
        let sd = |v: &[f64]| {
            let m = v.iter().sum::<f64>() / v.len() as f64;
            (v.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / (v.len() - 1) as f64).sqrt()
        };
        assert!((b[0].unwrap() - 3.0 * sd(&x1) / sd(&y)).abs() < 1e-9);
        assert!((b[1].unwrap() + sd(&x2) / sd(&y)).abs() < 1e-9);
        assert!((r2.unwrap() - 1.0).abs() < 1e-12);
    }
}
