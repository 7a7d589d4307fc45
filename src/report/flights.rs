//! The reentry run's flights in time: the nominal and the run's first samples flown again on the
//! f64 CPU reference, drawn as the flight profile and the entry pulse, checked against
//! samples.parquet, and written to the report's trajectories.parquet.

use super::figures::{TrackPanel, Tracks};
use super::tracks::TrackTable;
use super::{replays, AnyPlot, Figure, ReportError, RunContext};
use crate::physics::geodesy::great_circle_km;
use crate::scenario::reentry::history::{canopy_name, fly, Point};
use crate::scenario::reentry::*;
use crate::scenario::Scenario;

/// One flight flown again: its label, its row of samples.parquet (None: the nominal of a
/// dispersed run), its time history, and the engine's final state row.
pub struct Flown {
    pub label: String,
    /// How it ended, as its label names it: a sample's status in samples.parquet, the
    /// nominal's as flown again ("failed" where the run's outputs fail it).
    pub status: String,
    /// The undispersed flight.
    nominal: bool,
    pub row: Option<usize>,
    pub points: Vec<Point>,
    pub state: Vec<f64>,
    /// The drogue's trigger Mach number it flew (-1 under a g-switch).
    drogue_mach: f64,
    /// Why the run's outputs fail this flight, where they do (a drogue opened where its
    /// outputs cannot be trusted): drawn to the drogue's opening, no peaks cited.
    failed: Option<String>,
}

/// Landing points further apart than this, between a flight flown again and its row of
/// samples.parquet, are noted: the GPU-vs-CPU agreement in f64 (tests/gpu_cpu.rs, 1 m).
const AGREE_M: f64 = 1.0;

/// Fly the nominal and the first `n` samples that did not fail again, check their ends against
/// samples.parquet, and add the flight profile and the entry pulse figures.
pub(super) fn flight_figures(
    ctx: &RunContext,
    reentry: &Reentry,
    flights: &super::Flights,
    figs: &mut Vec<Figure>,
    notes: &mut Vec<String>,
) -> Result<Vec<Flown>, ReportError> {
    let sc: &dyn Scenario = reentry;
    let mut flown = Vec::new();
    for r in replays(ctx, sc, flights, notes)? {
        let mut h = fly(&reentry.model, &r.input);
        // Failed by the outputs though flown to its end: a drogue opened hypersonic or before a
        // peak (a trial's g-switch nominal was drawn to the ground with peaks samples.parquet
        // does not have). Drawn as far as the opening, as the outputs take it.
        let misopened = sc.failed_in_flight(&h.state);
        if misopened.is_some() {
            let t_open = h.state[S_T_DROGUE];
            h.points.retain(|p| p.t_s <= t_open);
        }
        // Or failed by the engine (a state no longer finite): its maxima were never located.
        let failed = misopened.or_else(|| {
            (h.state[S_STATUS] == ST_FAILED as f64)
                .then(|| crate::scenario::FAILED_IN_FLIGHT.to_string())
        });
        if h.points.iter().any(|p| !p.altitude_km.is_finite()) || h.points.len() < 2 {
            notes.push(format!(
                "{} is not drawn: {}",
                r.label,
                if failed.is_some() {
                    "it failed at its first step"
                } else {
                    "its flight is not finite"
                }
            ));
            if r.is_nominal() {
                // No nominal, no figures (and no time histories said to be drawn).
                return Ok(Vec::new());
            }
            continue;
        }
        let status = if failed.is_some() {
            "failed"
        } else {
            STATUS_NAMES[h.state[S_STATUS] as usize]
        };
        flown.push(Flown {
            label: r.ended(status),
            status: r.status(status),
            nominal: r.is_nominal(),
            row: r.row,
            points: h.points,
            state: h.state,
            drogue_mach: r.input[I_DROGUE_MACH],
            failed,
        });
    }
    let Some(nominal) = flown.first().filter(|f| f.nominal) else {
        return Ok(flown);
    };
    let check = agreement(ctx, &flown, notes)?;
    let labels: Vec<String> = flown.iter().map(|f| f.label.clone()).collect();
    let who = match (flown.len() - 1, flights) {
        (0, _) => "The nominal".to_string(),
        (1, super::Flights::These(_)) => {
            "The nominal (bold) and the sample --samples named".to_string()
        }
        (k, super::Flights::These(_)) => {
            format!("The nominal (bold) and the {k} samples --samples named, in its order")
        }
        (1, _) => "The nominal (bold) and the run's first sample that did not fail".to_string(),
        (k, _) => format!("The nominal (bold) and the run's first {k} samples that did not fail"),
    };
    let cfg = &reentry.cfg;
    let rotating = reentry.model.consts[C_OMEGA] != 0.0;
    let air = match (rotating, cfg.winds.is_some()) {
        (true, true) => " (the Earth's rotation and the wind)",
        (true, false) => " (the Earth's rotation)",
        (false, true) => " (the wind)",
        (false, false) => "",
    };
    let line = |f: &Flown, x: fn(&Point) -> f64, y: fn(&Point) -> f64| -> Vec<(f64, f64)> {
        f.points.iter().map(|p| (x(p), y(p))).collect()
    };
    figs.push(Figure {
        name: "flight_profile".into(),
        title: "The flight from the interface".into(),
        caption: format!(
            "{who}, flown again on the f64 CPU reference with the run's config and seed: \
             altitude above the ellipsoid against time since the interface, and against the \
             speed relative to the air{air}. Four points a kept step (its end and three on \
             its dense output), joined by straight lines. {timeline}{check}",
            timeline = timeline(nominal, reentry.model.consts[C_OMEGA]),
        ),
        plot: AnyPlot::Tracks(Tracks {
            labels: labels.clone(),
            left: TrackPanel {
                x_desc: "time since the interface [s]".into(),
                y_desc: "altitude [km]".into(),
                lines: flown
                    .iter()
                    .map(|f| line(f, |p| p.t_s, |p| p.altitude_km))
                    .collect(),
            },
            right: TrackPanel {
                x_desc: "speed relative to the air [km/s]".into(),
                y_desc: "altitude [km]".into(),
                lines: flown
                    .iter()
                    .map(|f| line(f, |p| p.air_speed_m_s / 1000.0, |p| p.altitude_km))
                    .collect(),
            },
        }),
    });
    // The pulse: until the first canopy opens, or without parachutes until the drogue's Mach
    // number (the subsonic fall's minutes would squeeze the pulse into a sliver).
    let chutes = cfg.parachutes.is_some();
    let pulse = |f: &Flown, y: fn(&Point) -> f64| -> Vec<(f64, f64)> {
        // The last point without a canopy is the opening's instant (the step before it ends
        // there): nothing after it, where the canopy's drag adds at once.
        let end = f
            .points
            .iter()
            .position(|p| p.canopy != CH_NONE || (!chutes && p.mach < f.drogue_mach))
            .map_or(f.points.len(), |k| if chutes { k } else { k + 1 });
        f.points[..end].iter().map(|p| (p.t_s, y(p))).collect()
    };
    let s = &nominal.state;
    let opened = flown
        .iter()
        .any(|f| f.points.iter().any(|p| p.canopy != CH_NONE));
    let peaks = match &nominal.failed {
        Some(why) => format!("; the nominal failed ({why}), so samples.parquet has none of its"),
        None => format!(
            " (the nominal's: {} g at {:.1} s, {} W/cm^2 at {:.1} s)",
            crate::config::sig(s[S_PEAK_G]),
            s[S_T_PEAK_G],
            crate::config::sig(s[S_PEAK_Q]),
            s[S_T_PEAK_Q]
        ),
    };
    figs.push(Figure {
        name: "entry_pulse".into(),
        title: "Deceleration and heat flux in the entry".into(),
        caption: format!(
            "{who}: the deceleration (drag and lift, in g0) and the total stagnation-point heat \
             flux (convective and radiative), {until}, at four points a kept step. Straight \
             lines between them cut the tops off the peaks a little; the peaks in \
             samples.parquet are located on each step's dense output{peaks}.",
            until = match (chutes, opened) {
                (true, true) => "until the first canopy opens",
                (true, false) => "to the end (no canopy opened in these flights)",
                (false, _) => "until the drogue's Mach number (events.drogue_mach)",
            },
        ),
        plot: AnyPlot::Tracks(Tracks {
            labels,
            left: TrackPanel {
                x_desc: "time since the interface [s]".into(),
                y_desc: "deceleration [g0]".into(),
                lines: flown.iter().map(|f| pulse(f, |p| p.g_load)).collect(),
            },
            right: TrackPanel {
                x_desc: "time since the interface [s]".into(),
                y_desc: "total heat flux [W/cm^2]".into(),
                lines: flown
                    .iter()
                    .map(|f| pulse(f, |p| p.q_conv_w_cm2 + p.q_rad_w_cm2))
                    .collect(),
            },
        }),
    });
    Ok(flown)
}

/// The nominal's parachute timeline and end, for the caption; `omega`: the Earth's rotation
/// rate, for the touchdown speed against the ground (`touchdown_speed_m_s`).
fn timeline(nominal: &Flown, omega: f64) -> String {
    let s = &nominal.state;
    let mut parts = Vec::new();
    if s[S_T_DROGUE] >= 0.0 {
        parts.push(format!(
            "drogue open at {:.1} s ({:.1} km, Mach {:.2})",
            s[S_T_DROGUE],
            s[S_DROGUE_OPEN_ALT] / 1000.0,
            s[S_DROGUE_OPEN_MACH]
        ));
    }
    if let Some(why) = &nominal.failed {
        let end = nominal.points.last().map_or(0.0, |p| p.t_s);
        return if parts.is_empty() {
            format!("The nominal failed ({why}); it is drawn to its last kept step, {end:.1} s.")
        } else {
            format!(
                "The nominal's timeline: {}; it failed there ({why}), and is drawn to that point.",
                parts.join("; ")
            )
        };
    }
    if s[S_T_MAIN] >= 0.0 {
        parts.push(format!(
            "main open at {:.1} s ({:.2} km)",
            s[S_T_MAIN],
            s[S_MAIN_OPEN_ALT] / 1000.0
        ));
    }
    let end = nominal.points.last().expect("a flight has points");
    let status = STATUS_NAMES[s[S_STATUS] as usize].replace('_', " ");
    let ground = if status == "landed" {
        // As touchdown_speed_m_s: the inertial velocity less the rotation's there.
        let speed = ground_speed_m_s(omega, &s[S_R..S_R + 3], &s[S_V..S_V + 3]);
        format!(
            ", {speed:.1} m/s against the ground (touchdown_speed_m_s; {:.1} m/s relative to \
             the air)",
            end.air_speed_m_s
        )
    } else {
        String::new()
    };
    parts.push(format!(
        "{status} at {:.1} s ({:.1} min){ground}",
        end.t_s,
        end.t_s / 60.0
    ));
    format!("The nominal's timeline: {}.", parts.join("; "))
}

/// The flights' ends against their rows of samples.parquet: the landing point and the time of
/// flight of those that landed, the heat load of every one. Returns the caption's sentence; a
/// note where a landing disagrees.
fn agreement(
    ctx: &RunContext,
    flown: &[Flown],
    notes: &mut Vec<String>,
) -> Result<String, ReportError> {
    let (lat, lon, tof, heat) = (
        ctx.t.f64s("landing_lat_deg")?,
        ctx.t.f64s("landing_lon_deg")?,
        ctx.t.f64s("time_of_flight_s")?,
        ctx.t.f64s("heat_load_j_cm2")?,
    );
    let (mut worst_m, mut worst_s, mut worst_heat) = (0.0f64, 0.0f64, 0.0f64);
    let (mut landed, mut heated) = (0, 0);
    for f in flown {
        let Some(k) = f.row else { continue };
        let end = f.points.last().expect("a flight has points");
        if let (Some(a), Some(o), Some(t)) = (lat[k], lon[k], tof[k]) {
            worst_m = worst_m.max(1000.0 * great_circle_km(a, o, end.lat_deg, end.lon_deg));
            worst_s = worst_s.max((t - end.t_s).abs());
            landed += 1;
        }
        if let Some(q) = heat[k] {
            worst_heat = worst_heat.max((q - end.heat_load_j_cm2).abs() / q.abs().max(1e-300));
            heated += 1;
        }
    }
    let f64_run = ctx.t.meta("dispersa.precision") != Some("f32");
    if f64_run && worst_m > AGREE_M {
        notes.push(format!(
            "the flights flown again for the report land up to {worst_m:.1} m from their \
             landing points in samples.parquet (the engines agree within {AGREE_M} m in f64): \
             the run and this report's CPU reference disagree"
        ));
    }
    let within = |x: f64, unit: &str| {
        if x == 0.0 {
            "exactly".to_string()
        } else if x >= 0.01 {
            format!("within {x:.2}{unit}")
        } else {
            format!("within {x:.1e}{unit}")
        }
    };
    let one = landed.max(heated) <= 1;
    let s_ = if one { "" } else { "s" };
    let mut said = Vec::new();
    if landed > 0 {
        let metres = if worst_m < 0.01 {
            "better than a centimetre".to_string()
        } else {
            format!("within {worst_m:.2} m")
        };
        said.push((format!("landing point{s_}"), metres));
        said.push((format!("time{s_} of flight"), within(worst_s, " s")));
    }
    if heated > 0 {
        said.push((format!("heat load{s_}"), within(worst_heat, " relative")));
    }
    if said.is_empty() {
        return Ok(String::new());
    }
    let whose = if one { "Its" } else { "Their" };
    let verb = if one { "agrees" } else { "agree" };
    let list: Vec<String> = said
        .iter()
        .enumerate()
        .map(|(k, (noun, how))| {
            let whose = if k == 0 { whose } else { &whose.to_lowercase() };
            let verb = if k == 0 {
                format!(" {verb}")
            } else {
                String::new()
            };
            format!("{whose} {noun}{verb} {how}")
        })
        .collect();
    Ok(format!(" {} with samples.parquet.", super::and_list(&list)))
}

/// The flights' points as trajectories.parquet's rows.
pub(super) fn table(flown: &[Flown]) -> TrackTable {
    let mut t = TrackTable::new(
        "four a kept step: its end and three on its dense output",
        &[
            ("t_s", "s"),
            ("altitude_km", "km"),
            ("lat_deg", "deg"),
            ("lon_deg", "deg"),
            ("inertial_speed_m_s", "m/s"),
            ("flight_path_angle_deg", "deg"),
            ("air_speed_m_s", "m/s"),
            ("mach", "1"),
            ("dynamic_pressure_pa", "Pa"),
            ("g_load", "g0 (9.80665 m/s^2)"),
            ("conv_heat_flux_w_cm2", "W/cm^2"),
            ("rad_heat_flux_w_cm2", "W/cm^2"),
            ("heat_load_j_cm2", "J/cm^2"),
        ],
        &["canopy"],
    );
    for f in flown {
        for p in &f.points {
            t.push(
                &f.label,
                f.row,
                &f.status,
                &[
                    p.t_s,
                    p.altitude_km,
                    p.lat_deg,
                    p.lon_deg,
                    p.inertial_speed_m_s,
                    p.flight_path_angle_deg,
                    p.air_speed_m_s,
                    p.mach,
                    p.dynamic_pressure_pa,
                    p.g_load,
                    p.q_conv_w_cm2,
                    p.q_rad_w_cm2,
                    p.heat_load_j_cm2,
                ],
                &[canopy_name(p.canopy)],
            );
        }
    }
    t
}
