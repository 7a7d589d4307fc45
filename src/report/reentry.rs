//! The reentry run's figures: the footprint (with the wind's share of its spread), the wind
//! profile, and the per-metric distributions and sensitivities drawn from the run's tables.

use super::figures::Footprint;
use super::{
    percent, tally, wind_drift, AnyPlot, Figure, ReportError, RunContext, MAX_FOOTPRINT_POINTS,
};
use crate::scenario::reentry::{Reentry, ReentryConfig};
use crate::stats::ellipse::landing_ellipse;

/// Frames and signs of the reentry's metrics that their names and units leave open, said under
/// the report's summary table (a review board found them in the README alone), for this
/// config's Earth (an ellipsoid or a sphere, turning or not), winds and parachutes.
pub(super) fn conventions(sc: &Reentry) -> Vec<(&'static str, String)> {
    use crate::scenario::reentry::{C_E2, C_OMEGA};
    let (cfg, model) = (&sc.cfg, &sc.model);
    let ellipsoid = model.consts[C_E2] > 0.0;
    let rotating = model.consts[C_OMEGA] != 0.0;
    let surface = if ellipsoid {
        "the ellipsoid"
    } else {
        "the config's sphere"
    };
    vec![
        (
            "touchdown_speed_m_s",
            format!(
                "against the ground (the Earth-fixed frame) at touchdown{}",
                if cfg.winds.is_some() {
                    ", the wind's drift included"
                } else {
                    ""
                }
            ),
        ),
        (
            "downrange_km",
            "along the great circle (mean-radius sphere) from the sample's entry point".into(),
        ),
        (
            "crossrange_km",
            format!(
                "from the great circle through the entry point along the inertial entry \
                 azimuth, positive to the right{}",
                if rotating {
                    " (the Earth's rotation alone moves a landing a few km from it)"
                } else {
                    ""
                }
            ),
        ),
        (
            "miss_distance_km",
            format!(
                "from the target, azimuthal equidistant about it on WGS84{}",
                if ellipsoid {
                    ""
                } else {
                    " (whatever the config's Earth)"
                }
            ),
        ),
        (
            "miss_downrange_km",
            "along the heading at the target of the great circle from the nominal entry point, \
             positive beyond the target"
                .into(),
        ),
        (
            "miss_crossrange_km",
            "across that heading, positive to the right".into(),
        ),
        (
            "landing_lat_deg",
            if ellipsoid {
                "geodetic (WGS84), as every latitude here".into()
            } else {
                "on the config's sphere (geocentric), as every latitude here".into()
            },
        ),
        (
            "drogue_altitude_km",
            format!(
                "above {surface}, as every altitude here{}",
                if cfg.parachutes.is_some() {
                    " (the main's trigger alone is above the terrain)"
                } else {
                    ""
                }
            ),
        ),
    ]
}

/// What a distribution's models leave out or bias, for its caption (a review board's trial found
/// P(peak g > 60 g) = 0 while a third of the mains opened above 60 g by hand, and the heat flux
/// tabled without Sutton-Graves' bias at 12 km/s): the watched maxima end at the first canopy,
/// whose opening is instant (no load modelled); the convective correlation's bias against
/// Stardust (docs/VALIDATION.md), and Tauber-Sutton's range.
fn model_caveat(metric: &str, cfg: &ReentryConfig) -> String {
    let mut s = String::new();
    let peak = match metric {
        "peak_g" => Some("Peak g"),
        "peak_dynamic_pressure_pa" => Some("The peak dynamic pressure"),
        _ => None,
    };
    if let Some(peak) = peak.filter(|_| cfg.parachutes.is_some()) {
        s.push_str(&format!(
            " {peak} is the entry's: the maxima are watched until the first canopy opens, which \
             opens to full area at once, so no opening load is modelled; the dynamic pressure at \
             each opening is in drogue_open_dynamic_pressure_pa and main_open_dynamic_pressure_pa."
        ));
    }
    if metric == "peak_heat_flux_w_cm2" || metric == "heat_load_j_cm2" {
        if cfg.heating.convective == "sutton_graves" {
            s.push_str(
                " Convective heating by Sutton-Graves, which reads about 17 % low in peak \
                 convective flux and heat load against Stardust's flight estimates at 12.9 km/s \
                 (docs/VALIDATION.md; heating.convective = \"detra_kemp_riddell\" comes within \
                 3 %): the spread drawn here is the dispersions', not the model's.",
            );
        }
        if cfg.vehicle.nose_radius_m < 0.3 {
            s.push_str(
                " Radiative heating by Tauber-Sutton, below its stated 0.3 m nose radius here.",
            );
        }
    }
    s
}

/// The configured wind: the mean profile and the +-1 sigma of its random part (none drawn for
/// a --nominal run, which flew the mean alone), up to the higher of the two profiles' tops, with
/// the ground at `ground_km` above the ellipsoid, below which nothing is flown.
pub(super) fn wind_figure(
    w: &crate::scenario::reentry::WindsConfig,
    nominal: bool,
    ground_km: f64,
) -> Figure {
    use crate::physics::atmosphere::sigma_at;
    let mean_top = w.profile[w.profile.len() - 1][0];
    let sigma_top = w
        .perturbation
        .as_ref()
        .and_then(|p| p.sigma.last())
        .map_or(0.0, |r| r[0]);
    let top = mean_top.max(sigma_top);
    let n = (top / 0.25).ceil() as usize + 1;
    let altitude_km: Vec<f64> = (0..n).map(|k| (k as f64 * 0.25).min(top)).collect();
    let column = |c: usize| -> Vec<f64> {
        let rows: Vec<[f64; 2]> = w.profile.iter().map(|r| [r[0], r[c]]).collect();
        altitude_km.iter().map(|&h| sigma_at(&rows, h)).collect()
    };
    let sigma: Vec<f64> = altitude_km
        .iter()
        .map(|&h| {
            w.perturbation
                .as_ref()
                .filter(|_| !nominal)
                .map_or(0.0, |p| sigma_at(&p.sigma, h))
        })
        .collect();
    let pert = match &w.perturbation {
        Some(_) if nominal => {
            "the configured random part is not drawn: this --nominal run flew the mean wind alone"
                .to_string()
        }
        Some(p) => format!(
            "the bands are +-1 sigma of each component's random part (correlated over {} km in \
             altitude, drawn per sample; none in --nominal runs), to the sigma profile's top at \
             {sigma_top} km (held above it)",
            p.correlation_length_km
        ),
        None => "no random part is configured".to_string(),
    };
    Figure {
        name: "wind_profile".into(),
        title: "Wind against altitude".into(),
        caption: format!(
            "The configured mean wind, east and north, up to the profile's top at {mean_top} km \
             (held above it); {pert}. The air's velocity is the Earth's rotation plus this wind. \
             Altitudes are above the ellipsoid{ground}.",
            ground = if ground_km > 0.0 {
                format!(
                    "; the brown line is the ground (landing.terrain_height_m, {ground_km} km), \
                     below which nothing is flown"
                )
            } else {
                String::new()
            }
        ),
        plot: AnyPlot::Wind(super::figures::WindProfile {
            east: column(1),
            north: column(2),
            altitude_km,
            sigma,
            ground_km,
        }),
    }
}

pub(super) fn reentry_figures(
    ctx: &RunContext,
    cfg: &ReentryConfig,
    figs: &mut Vec<Figure>,
    notes: &mut Vec<String>,
) -> Result<(), ReportError> {
    let (lat, lon) = (
        ctx.t.f64s("landing_lat_deg")?,
        ctx.t.f64s("landing_lon_deg")?,
    );
    let ok = &ctx.ok;
    let pts: Vec<(f64, f64)> = lat
        .iter()
        .zip(&lon)
        .zip(ok)
        .filter_map(|((a, o), ok)| match (a, o) {
            (Some(a), Some(o)) if *ok && a.is_finite() && o.is_finite() => Some((*a, *o)),
            _ => None,
        })
        .collect();
    if !pts.is_empty() {
        let (la, lo): (Vec<f64>, Vec<f64>) = pts.iter().copied().unzip();
        // No ellipse is drawn about landings that spread less than a metre (`has_area`).
        let ellipse = landing_ellipse(&la, &lo, 0.9973).filter(|e| e.has_area());
        // One in `stride` of the points inside, and every point outside the ellipse (the ones
        // that matter), marked apart so that their share is not overstated.
        let stride = pts.len().div_ceil(MAX_FOOTPRINT_POINTS);
        let is_out = |p: &(f64, f64)| ellipse.is_some_and(|e| e.radius2(p.0, p.1) > 1.0);
        let outside: Vec<(f64, f64)> = pts.iter().copied().filter(is_out).collect();
        let inside: Vec<(f64, f64)> = pts.iter().copied().filter(|p| !is_out(p)).collect();
        let shown: Vec<(f64, f64)> = inside.iter().copied().step_by(stride).collect();
        let n_out = outside.len();
        let points_label = if stride > 1 {
            format!("1 in {stride} landing points inside")
        } else {
            "landing points".to_string()
        };
        let outside_label = format!(
            "{} outside the ellipse ({}%)",
            if n_out == 1 {
                "the 1".to_string()
            } else {
                format!("all {n_out}")
            },
            percent(100.0 * n_out as f64 / pts.len() as f64, 2)
        );
        // Where many samples did not land, the footprint is of the ones that did (a new
        // user's trial: 89 landings of 200, the rest timed out, and the caption did not say).
        let total = ctx.status.len();
        let minority = if 10 * pts.len() < 9 * total {
            let others = tally(
                ctx.status
                    .iter()
                    .map(String::as_str)
                    .filter(|s| *s != "landed"),
            );
            // Rounded down to a tenth: a share under 90 % must not read "90" (89.5 %) nor
            // "90.0" (89.96 %).
            let share = (1000.0 * pts.len() as f64 / total as f64).floor() / 10.0;
            format!(
                " Only {} of the {total} samples landed ({share:.1}%; the others: {}): the \
                 footprint describes those that landed alone.",
                pts.len(),
                others
            )
        } else {
            String::new()
        };
        let shown_text = match (stride > 1, ellipse.is_some()) {
            (true, true) => format!(
                "1 in {stride} of the {} landing points inside the ellipse drawn, and {} outside \
                 it (triangles)",
                inside.len(),
                match n_out {
                    0 => "none".to_string(),
                    1 => "the 1".to_string(),
                    _ => format!("all {n_out}"),
                }
            ),
            (true, false) => format!("1 in {stride} of {} landing points drawn", pts.len()),
            (false, true) => match n_out {
                0 => format!("{} landing points, none outside the ellipse", pts.len()),
                1 => format!(
                    "{} landing points, the 1 outside the ellipse as a triangle",
                    pts.len()
                ),
                _ => format!(
                    "{} landing points, the {n_out} outside the ellipse as triangles",
                    pts.len()
                ),
            },
            (false, false) => format!("{} landing point(s)", pts.len()),
        };
        let (outline, centre, label, ell_text) = match ellipse {
            Some(e) => (
                e.outline(180),
                Some((e.center_lat_deg, e.center_lon_deg)),
                format!(
                    "99.73% ellipse, semi-axes {:.1} x {:.1} km",
                    e.semi_major_km, e.semi_minor_km
                ),
                format!(
                    "the red ellipse (from all of them) holds 99.73% of a bivariate normal fitted \
                     on the local tangent plane: semi-axes {:.1} and {:.1} km, major axis at \
                     azimuth {:.0} deg",
                    e.semi_major_km, e.semi_minor_km, e.orientation_deg
                ),
            ),
            // Say which: fewer than 3 landings, or landings on a line (a spherical Earth that
            // does not turn, dispersed along the track only, landed within 0.08 m of one: its
            // caption said "too few points", a from-scratch trial).
            None if pts.len() >= 3 => (
                Vec::new(),
                None,
                String::new(),
                "no ellipse: its minor semi-axis would be under a metre (the landings lie on a \
                 line, as when only along-track inputs are dispersed over a non-rotating Earth, \
                 or at one point)"
                    .to_string(),
            ),
            None => (
                Vec::new(),
                None,
                String::new(),
                "too few points for an ellipse".to_string(),
            ),
        };
        // The descent's timeline: medians over the samples that landed under a canopy, one
        // population for the three events (summary.parquet's cover every sample that has the
        // value: a timeout has a drogue time and no touchdown, and an impact before the drogue
        // a touchdown and no drogue time: a heavy capsule's caption read "drogue open 117 s,
        // touchdown 114 s", an entry analyst's trial).
        let drogue_at = ctx.t.f64s("drogue_time_s").ok();
        let under_canopy = |k: usize| {
            ctx.status[k] == "landed" && drogue_at.as_ref().is_some_and(|d| d[k].is_some())
        };
        let impacts = (0..ctx.t.rows)
            .filter(|&k| ctx.status[k] == "landed" && !under_canopy(k))
            .count();
        let med = |m: &str| {
            let col = ctx.t.f64s(m).ok()?;
            let mut v: Vec<f64> = (0..ctx.t.rows)
                .filter(|&k| under_canopy(k))
                .filter_map(|k| col[k])
                .collect();
            v.sort_by(f64::total_cmp);
            (!v.is_empty()).then(|| crate::stats::percentile_sorted(&v, 0.5))
        };
        let whose = if impacts > 0 {
            format!(
                "medians of the landings under a canopy; {impacts} more hit the ground before \
                 the drogue opened"
            )
        } else {
            "medians of the landings".to_string()
        };
        let timeline = match (
            med("drogue_time_s"),
            med("main_time_s"),
            med("time_of_flight_s"),
        ) {
            (Some(d), Some(m), Some(t)) => format!(
                " Descent ({whose}): drogue open {d:.0} s after entry, main {m:.0} s, \
                 touchdown {t:.0} s ({:.1} min).",
                t / 60.0
            ),
            (Some(d), None, Some(t)) => {
                format!(" Descent ({whose}): drogue open {d:.0} s after entry, touchdown {t:.0} s.")
            }
            _ => String::new(),
        };
        let target = ctx.scenario.target();
        let about = target.and_then(|(t_lat, t_lon)| {
            crate::stats::ellipse::landing_ellipse_about(&la, &lo, t_lat, t_lon, 0.9973)
        });
        // A target far from the landings (a footprint flown elsewhere than its aim) would
        // shrink them to a dot and draw an ellipse about it thousands of km across (a new
        // user's trial): left off the figure and named in the caption instead, beyond ten
        // times the ellipse's semi-major axis (or 100 km without one).
        let off_figure = target.and_then(|(t_lat, t_lon)| {
            // With too few landings for an ellipse (a nominal run), from the first landing.
            let (c_lat, c_lon) = centre.or_else(|| pts.first().copied())?;
            let d = crate::physics::geodesy::great_circle_km(c_lat, c_lon, t_lat, t_lon);
            let reach = ellipse.map_or(100.0, |e| 10.0 * e.semi_major_km);
            (d > reach).then_some(d)
        });
        let (target_outline, target_label, target_text) = match (target, about) {
            (Some((t_lat, t_lon)), _) if off_figure.is_some() => (
                Vec::new(),
                String::new(),
                format!(
                    " The target ({t_lat:.4} N, {:.4} E) is {:.0} km from the {}, off this \
                     figure (miss_distance_km in samples.parquet{}).",
                    180.0 - (180.0 - t_lon).rem_euclid(360.0),
                    off_figure.unwrap_or(f64::NAN),
                    if centre.is_some() {
                        "mean landing point"
                    } else {
                        "landing"
                    },
                    if about.is_some() {
                        ", and the ellipse about it in summary.parquet"
                    } else {
                        ""
                    }
                ),
            ),
            (Some((t_lat, t_lon)), Some(a)) => (
                a.outline(180),
                format!(
                    "99.73% about the target, semi-axes {:.1} x {:.1} km",
                    a.semi_major_km, a.semi_minor_km
                ),
                format!(
                    " The target ({t_lat:.4} N, {:.4} E, purple triangle) has its own \
                     ellipse (dashed), from the points' second moments about it: semi-axes {:.1} \
                     and {:.1} km.",
                    // As the landing longitudes are written (atan2), in (-180, 180].
                    180.0 - (180.0 - t_lon).rem_euclid(360.0),
                    a.semi_major_km,
                    a.semi_minor_km
                ),
            ),
            _ => (Vec::new(), String::new(), String::new()),
        };
        let drift = wind_drift::wind_drift(cfg, ctx.t, &ctx.status)?;
        let drift_text = drift.map_or(String::new(), |d| {
            // One sample (a nominal run, or --samples 1) has no scatter to speak of.
            let spread = if d.n < 2 || !d.added_share().is_finite() {
                String::new()
            } else {
                let share = d.added_share();
                let part = if share >= 0.0 {
                    format!(
                        "the wind makes {}% of the landings' variance (1 - calm over windy, \
                         traces of the covariances)",
                        percent(100.0 * share, 0)
                    )
                } else {
                    format!(
                        "the wind narrows the landings' variance, to {}% of the calm-air \
                         one (traces of the covariances)",
                        percent(100.0 * d.var_wind_km2 / d.var_calm_km2, 0)
                    )
                };
                format!(
                    "; the drift's scatter about its mean is {:.1} km rms, and {part}",
                    d.spread_km
                )
            };
            let (whose, on_average, point) = if d.n == 1 {
                ("the landed sample".to_string(), "", "landing")
            } else {
                (
                    format!("the first {} landed samples", d.n),
                    " on average",
                    "mean",
                )
            };
            format!(
                " Wind drift, from {whose} flown again in calm air on the CPU: {:.1} km towards \
                 {:.0} deg{on_average} (the green line, from the calm-air {point}, the circle, \
                 to the {point} with the wind, its other end, near the mean landing point){spread}.",
                d.distance_km(),
                d.towards_deg()
            )
        });
        figs.push(Figure {
            name: "footprint".into(),
            title: "Landing footprint".into(),
            caption: format!(
                "{shown_text}; {ell_text}.{minority}{target_text}{drift_text}{timeline} One \
                 kilometre has \
                 the same length on both axes."
            ),
            plot: AnyPlot::Footprint(
                Footprint {
                    points: shown,
                    points_label,
                    outside,
                    outside_label,
                    outline,
                    centre,
                    ellipse_label: label,
                    target: target.filter(|_| off_figure.is_none()),
                    target_outline,
                    target_label,
                    drift: drift.map(|d| (d.calm_mean, d.wind_mean)),
                    drift_label: drift.map_or(String::new(), |d| {
                        format!("mean wind drift, {:.1} km", d.distance_km())
                    }),
                }
                .unwrapped(),
            ),
        });
    } else {
        notes.push("no sample landed, so there is no landing footprint".to_string());
    }
    // Every run's peaks and heat load, then the structure's peak dynamic pressure
    // (events.dynamic_pressure_limit_pa) and a canopy's opening load (parachutes.*_q_limit_pa)
    // where the config rates them.
    for (metric, label, name, rated_only) in [
        ("peak_g", "peak deceleration", "hist_peak_g", false),
        (
            "peak_heat_flux_w_cm2",
            "peak stagnation heat flux (convective + radiative)",
            "hist_peak_heat_flux",
            false,
        ),
        (
            "heat_load_j_cm2",
            "stagnation heat load",
            "hist_heat_load",
            false,
        ),
        (
            "peak_dynamic_pressure_pa",
            "peak dynamic pressure of the entry",
            "hist_peak_qdyn",
            true,
        ),
        (
            "drogue_open_dynamic_pressure_pa",
            "dynamic pressure at the drogue's opening",
            "hist_drogue_open_q",
            true,
        ),
        (
            "main_open_dynamic_pressure_pa",
            "dynamic pressure at the main's opening",
            "hist_main_open_q",
            true,
        ),
    ] {
        if rated_only && ctx.limit(metric).is_none() {
            continue;
        }
        let mut hist = ctx.histogram(metric, label, name)?;
        if let Some(f) = &mut hist {
            f.caption.push_str(&model_caveat(metric, cfg));
        }
        figs.extend(hist);
    }
    // With a target, the miss along and across the nominal track at the target: downrange_km
    // and crossrange_km are measured from each sample's own entry point and azimuth, which
    // hides what moves the landing (on the default run the azimuth's Spearman is 0.44 on the
    // crossrange miss and -0.01 on crossrange_km; a review, 2026-12-05).
    let range = if ctx.scenario.target().is_some() {
        [
            ("miss_downrange_km", "downrange miss"),
            ("miss_crossrange_km", "crossrange miss"),
        ]
    } else {
        [
            ("downrange_km", "downrange"),
            ("crossrange_km", "crossrange"),
        ]
    };
    let outputs: Vec<(&str, &str)> = [
        ("peak_g", "peak deceleration"),
        ("peak_heat_flux_w_cm2", "peak heat flux"),
        ("heat_load_j_cm2", "heat load"),
    ]
    .into_iter()
    .chain(range)
    .collect();
    ctx.tornados(&outputs, figs, notes)
}
