//! The entry corridor's figures (`dispersa corridor`'s output): the per-angle maxima against
//! their limits and the probabilities of capture and of each limit's breach.

use super::data::Table;
use super::figures::{Boundary, CorridorProbabilities, Curve, CurvePanel, Panels, ProbSeries};
use super::{sig, AnyPlot, Figure, ReportError};
use crate::scenario::reentry::ReentryConfig;
use plotters::style::RGBColor;

pub(super) fn corridor_figures(
    t: &Table,
    cfg: &ReentryConfig,
    figs: &mut Vec<Figure>,
) -> Result<(), ReportError> {
    let all_fpa: Vec<f64> = t
        .f64s("fpa_deg")?
        .into_iter()
        .map(|v| v.unwrap_or(f64::NAN))
        .collect();
    // The angles where samples flew: at one where all failed or timed out the probabilities
    // are null, and were drawn as 0 (a fuzzing trial's angles that all timed out read as
    // never skipping out, the misreading the timed_out column is there to stop).
    let flew: Vec<bool> = t
        .f64s("samples")?
        .into_iter()
        .map(|n| n.is_some_and(|n| n > 0.0))
        .collect();
    // NaN where none flew: not drawn, and the curves break there rather than join the angles
    // either side (an entry analyst's trial read a straight P(skip-out) across three angles
    // where every sample failed).
    let fpa = all_fpa.clone();
    let col = |n: &str| -> Result<Vec<f64>, ReportError> {
        Ok(t.f64s(n)?
            .into_iter()
            .zip(&flew)
            .map(|(v, &f)| if f { v.unwrap_or(0.0) } else { f64::NAN })
            .collect())
    };
    // The angles where none flew, named in the peaks figure's caption (the probability
    // figure's carries the corridor's notes, which name them).
    let none_flew: Vec<String> = all_fpa
        .iter()
        .zip(&flew)
        .filter(|(_, f)| !**f)
        .map(|(a, _)| format!("{a:.3}"))
        .collect();
    let gaps_named = if none_flew.is_empty() {
        String::new()
    } else {
        format!(
            " No sample flew at {} deg (all failed or timed out: the `failed` and `timed_out` \
             columns), which are not drawn.",
            none_flew.join(", ")
        )
    };
    let gaps = if flew.iter().all(|f| *f) {
        String::new()
    } else {
        // The angles themselves are in the caveats below (the corridor's notes).
        " Angles where no sample flew (all failed or timed out: the `failed` and `timed_out` \
         columns) are not drawn."
            .to_string()
    };
    let series = |name: &str, key: &str, color: RGBColor| -> Result<ProbSeries, ReportError> {
        Ok(ProbSeries {
            name: name.to_string(),
            color,
            p: col(key)?,
            lo: col(&format!("{key}_ci_low"))?,
            hi: col(&format!("{key}_ci_high"))?,
        })
    };
    let risk: f64 = t
        .meta("dispersa.risk")
        .and_then(|s| s.parse().ok())
        .unwrap_or(0.00135);
    let num = |k: &str| t.meta(k).and_then(|s| s.parse::<f64>().ok());
    let skip_c = RGBColor(31, 119, 180);
    let g_c = RGBColor(214, 39, 40);
    let q_c = RGBColor(255, 127, 14);
    let boundaries = vec![
        Boundary {
            name: "skip-out boundary".into(),
            color: skip_c,
            deg: num("dispersa.corridor.shallow_boundary_deg"),
            low: num("dispersa.corridor.shallow_boundary_low_deg"),
            high: num("dispersa.corridor.shallow_boundary_high_deg"),
        },
        Boundary {
            name: "limit boundary".into(),
            color: RGBColor(120, 20, 20),
            deg: num("dispersa.corridor.steep_boundary_deg"),
            low: num("dispersa.corridor.steep_boundary_low_deg"),
            high: num("dispersa.corridor.steep_boundary_high_deg"),
        },
    ];
    let n = t.meta("dispersa.samples_per_point").unwrap_or("?");
    let width = match t.meta("dispersa.corridor.width_deg") {
        Some(w) if w.parse::<f64>().is_ok() => crate::corridor::width_words(
            w,
            t.meta("dispersa.corridor.width_is_a_lower_bound") == Some("true"),
            // A file from before the key: taken as confirmed, as it was read then.
            t.meta("dispersa.corridor.boundaries_confirmed") != Some("false"),
        ),
        _ => "no width: no corridor was found in the range (the notes say why)".to_string(),
    };
    // The caveats travel with the figure file, not only with the page.
    let caveats: String = t
        .meta("dispersa.corridor.notes")
        .unwrap_or("")
        .lines()
        .filter(|l| !l.is_empty())
        .map(|l| {
            let mut c = l.chars();
            let first = c
                .next()
                .map(|f| f.to_uppercase().to_string())
                .unwrap_or_default();
            format!(" {first}{}.", c.as_str())
        })
        .collect();
    figs.push(Figure {
        name: "corridor".into(),
        title: "Entry corridor: probabilities against the flight path angle".into(),
        caption: format!(
            "{n} dispersed samples per angle, each flown at that angle exactly (the inertial flight \
             path angle at the entry interface, from the geocentric horizon; the entry angle's \
             own dispersion is not drawn: the delivery's angle error must fit inside the \
             corridor); bars are 95% Wilson intervals, and where no sample \
             had the event a grey tick marks its upper bound (3.84 / (n + 3.84) for n samples \
             flown). The corridor lies \
             between the vertical lines, where P(skip-out) and the probability of any limit of \
             [events] in a sample (p_limit_exceed in corridor.parquet, at least the largest of \
             those drawn) stay below the black risk line ({risk}) at every angle from each boundary \
             to its safe end; {width}. Where the intervals pin a boundary down on both sides, \
             a shaded column shows how far it could move; where they do not, its line is \
             dashed: the point estimates place it, the intervals do not confirm it.{gaps}{caveats}"
        ),
        plot: AnyPlot::Corridor(CorridorProbabilities {
            fpa: fpa.clone(),
            series: [
                series("P(skip-out)", "p_skip_out", skip_c)?,
                series(
                    &format!("P(peak g > {} g0)", sig(cfg.events.g_limit)),
                    "p_g_exceed",
                    g_c,
                )?,
                series(
                    &format!(
                        "P(peak heat flux > {} W/cm^2)",
                        sig(cfg.events.heat_flux_limit_w_cm2)
                    ),
                    "p_heat_exceed",
                    q_c,
                )?,
            ]
            .into_iter()
            // The structure's limit, where given (its boundary line stood over curves that
            // all read 0: a review); a file of an earlier build has no such column.
            .chain(cfg.events.dynamic_pressure_limit_pa.and_then(|l| {
                series(
                    &format!("P(peak dynamic pressure > {} Pa)", sig(l)),
                    "p_dynamic_pressure_exceed",
                    RGBColor(148, 103, 189),
                )
                .ok()
            }))
            .collect(),
            risk,
            boundaries,
        }),
    });
    // Each percentile column times `scale` (the dynamic pressure is drawn in kPa).
    let curves = |m: &str, scale: f64| -> Result<Vec<Curve>, ReportError> {
        let y = |k: &str| -> Result<Vec<Option<f64>>, ReportError> {
            Ok(t.f64s(&format!("{m}_{k}"))?
                .into_iter()
                .map(|v| v.map(|v| v * scale))
                .collect())
        };
        Ok(vec![
            Curve {
                name: "median".into(),
                color: RGBColor(31, 119, 180),
                y: y("p50")?,
            },
            // The percentile after the maximum, so that it is drawn over it: with few samples
            // an angle the two nearly coincide (an audit found the percentile hidden).
            Curve {
                name: "maximum".into(),
                color: RGBColor(90, 90, 90),
                y: y("max")?,
            },
            Curve {
                name: "99.865th percentile".into(),
                color: RGBColor(255, 127, 14),
                y: y("p99865")?,
            },
        ])
    };
    // Type-7 percentiles: with n samples the 99.865th interpolates between the two largest
    // values while (n - 1) x 0.00135 < 1, that is below 742 samples; n counts the samples that
    // flew (an angle's `samples`; failed ones are left out).
    let flown = t
        .f64s("samples")
        .ok()
        .and_then(|v| {
            v.into_iter()
                .flatten()
                .filter(|n| *n > 0.0)
                .reduce(f64::min)
        })
        .map(|n| n as u64);
    let near_max = match flown {
        Some(n) if n < 742 => format!(
            " With {n} samples an angle (the fewest that flew) the 99.865th percentile lies \
             between the two largest values, on or near the maximum."
        ),
        _ => String::new(),
    };
    let mut panels = vec![
        CurvePanel {
            y_desc: "peak deceleration [g0]".into(),
            curves: curves("peak_g", 1.0)?,
            limit: Some(cfg.events.g_limit),
        },
        CurvePanel {
            y_desc: "peak heat flux [W/cm^2]".into(),
            curves: curves("peak_heat_flux_w_cm2", 1.0)?,
            limit: Some(cfg.events.heat_flux_limit_w_cm2),
        },
    ];
    let mut said = vec![
        crossing(
            &all_fpa,
            &t.f64s("peak_g_max")?,
            cfg.events.g_limit,
            "Peak g",
            "g0",
            1.0,
        ),
        crossing(
            &all_fpa,
            &t.f64s("peak_heat_flux_w_cm2_max")?,
            cfg.events.heat_flux_limit_w_cm2,
            "Peak heat flux",
            "W/cm^2",
            1.0,
        ),
    ];
    // The structure's load, whose percentiles corridor.parquet carries (a file of an earlier
    // build has none, and its figure keeps two panels); its limit line and its words where
    // events.dynamic_pressure_limit_pa is given.
    let qdyn_limit = cfg.events.dynamic_pressure_limit_pa;
    if let (Ok(q), Ok(q_max)) = (
        curves("peak_dynamic_pressure_pa", 1e-3),
        t.f64s("peak_dynamic_pressure_pa_max"),
    ) {
        panels.push(CurvePanel {
            y_desc: "peak dynamic pressure [kPa]".into(),
            curves: q,
            limit: qdyn_limit.map(|l| l * 1e-3),
        });
        said.push(match qdyn_limit {
            Some(l) => crossing(&all_fpa, &q_max, l, "Peak dynamic pressure", "kPa", 1e-3),
            None => "Peak dynamic pressure: no limit given (events.dynamic_pressure_limit_pa), \
                     so none is drawn."
                .to_string(),
        });
    }
    let title = if panels.len() > 2 {
        "Peak deceleration, heat flux and dynamic pressure across the corridor"
    } else {
        "Peak deceleration and heat flux across the corridor"
    };
    figs.push(Figure {
        name: "corridor_peaks".into(),
        title: title.into(),
        caption: format!(
            "Percentiles over each angle's samples (skip-outs included with their peaks before \
             leaving); red: the configured limits.{near_max} {}{gaps_named}",
            said.join(" ")
        ),
        plot: AnyPlot::Panels(Panels {
            fpa: all_fpa.clone(),
            panels,
        }),
    });
    Ok(())
}

/// Where a per-angle maximum exceeds its limit, in words.
/// `scale` converts the values and the limit to `unit`, the panel's (the dynamic pressure's
/// kPa from corridor.parquet's Pa).
fn crossing(
    fpa: &[f64],
    max: &[Option<f64>],
    limit: f64,
    what: &str,
    unit: &str,
    scale: f64,
) -> String {
    let over: Vec<f64> = fpa
        .iter()
        .zip(max)
        .filter_map(|(&a, m)| m.filter(|m| *m > limit).map(|_| a))
        .collect();
    let top = max
        .iter()
        .flatten()
        .copied()
        .fold(f64::NEG_INFINITY, f64::max);
    match (over.first(), over.last()) {
        (Some(lo), Some(hi)) => format!(
            "{what} exceeds its limit {} {unit} in some samples from {lo:.2} to {hi:.2} deg.",
            sig(limit * scale)
        ),
        _ => format!(
            "{what} stays below its limit {} {unit} at every angle where samples flew (highest \
             {} {unit}).",
            sig(limit * scale),
            sig(top * scale)
        ),
    }
}
