//! The report's figures. Each is a [`Plot`] drawn with plotters into SVG (the page and the .svg
//! file), under a title and, in the files, a caption; the .png is that SVG rasterised.

use crate::physics::geodesy::unwrap_lon_deg;
use plotters::coord::Shift;
use plotters::prelude::*;
use std::path::Path;

pub const WIDTH: u32 = 960;
pub const HEIGHT: u32 = 600;
const FONT: &str = "sans-serif";
/// Margin around a chart and the sizes of its label areas [px]; the equal-aspect figures need
/// them to know the plotting area before they build the chart.
const MARGIN: u32 = 14;
/// Right margin: room for half of the last x tick label.
const MARGIN_RIGHT: u32 = 34;
const X_LABELS: u32 = 52;
const Y_LABELS: u32 = 86;

pub type Area<DB> = DrawingArea<DB, Shift>;
pub type DrawResult = Result<(), String>;

/// A figure body: draws itself into the area under the title.
pub trait Plot {
    fn draw<DB: DrawingBackend>(&self, area: &Area<DB>) -> DrawResult;
}

fn e<T: std::fmt::Display>(err: T) -> String {
    err.to_string()
}

/// Text is measured (label areas, legend boxes) with DejaVu Sans, registered here; the SVG names
/// the family `sans-serif`, so a browser draws it in its own sans-serif.
pub fn register_fonts() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // The bytes are DejaVu's own TTF files: a failure is a build defect, not user input.
        plotters::style::register_font(FONT, FontStyle::Normal, dejavu::sans::regular())
            .unwrap_or_else(|_| panic!("DejaVu Sans regular is a valid font"));
        plotters::style::register_font(FONT, FontStyle::Bold, dejavu::sans::bold())
            .unwrap_or_else(|_| panic!("DejaVu Sans bold is a valid font"));
    });
}

/// Split a caption into lines of at most `width` characters at spaces.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = vec![String::new()];
    for word in text.split_whitespace() {
        let last = lines.last_mut().expect("one line at least");
        if !last.is_empty() && last.len() + 1 + word.len() > width {
            lines.push(word.to_string());
        } else {
            if !last.is_empty() {
                last.push(' ');
            }
            last.push_str(word);
        }
    }
    lines
}

fn frame<DB: DrawingBackend, P: Plot>(
    root: &Area<DB>,
    title: &str,
    caption: Option<&str>,
    plot: &P,
) -> DrawResult {
    root.fill(&WHITE).map_err(e)?;
    let body = root
        .titled(title, (FONT, 22).into_font().style(FontStyle::Bold))
        .map_err(e)?;
    let body = match caption {
        Some(c) => {
            let lines = wrap(c, 120);
            let h = 12 + 19 * lines.len() as i32;
            let (body, foot) = body.split_vertically(body.dim_in_pixel().1 as i32 - h);
            let style = TextStyle::from((FONT, 15).into_font()).color(&RGBColor(70, 70, 70));
            for (k, l) in lines.iter().enumerate() {
                foot.draw_text(l, &style, (16, 4 + 19 * k as i32))
                    .map_err(e)?;
            }
            body
        }
        None => body,
    };
    plot.draw(&body)
}

/// The figure as an SVG document (captionless for the page, which has its own caption).
pub fn render_svg<P: Plot>(plot: &P, title: &str, caption: Option<&str>) -> Result<String, String> {
    register_fonts();
    let mut s = String::new();
    {
        let root = SVGBackend::with_string(&mut s, (WIDTH, HEIGHT)).into_drawing_area();
        frame(&root, title, caption, plot)?;
        root.present().map_err(e)?;
    }
    Ok(s)
}

/// The figure as a PNG: its SVG rasterised by resvg, with DejaVu Sans for the text, so the
/// bitmap shows exactly what the SVG does on every machine.
pub fn render_png<P: Plot>(plot: &P, title: &str, caption: &str, path: &Path) -> DrawResult {
    use resvg::{tiny_skia, usvg};
    static OPTIONS: std::sync::OnceLock<usvg::Options<'static>> = std::sync::OnceLock::new();
    let opt = OPTIONS.get_or_init(|| {
        let mut db = usvg::fontdb::Database::new();
        db.load_font_data(dejavu::sans::regular().to_vec());
        db.load_font_data(dejavu::sans::bold().to_vec());
        db.set_sans_serif_family("DejaVu Sans");
        usvg::Options {
            font_family: "DejaVu Sans".into(),
            fontdb: std::sync::Arc::new(db),
            ..Default::default()
        }
    });
    let svg = render_svg(plot, title, Some(caption))?;
    let tree = usvg::Tree::from_str(&svg, opt).map_err(e)?;
    let mut pixmap = tiny_skia::Pixmap::new(WIDTH, HEIGHT).ok_or("empty figure")?;
    pixmap.fill(tiny_skia::Color::WHITE);
    resvg::render(&tree, tiny_skia::Transform::default(), &mut pixmap.as_mut());
    let png = pixmap.encode_png().map_err(e)?;
    std::fs::write(path, png).map_err(|err| format!("writing {}: {err}", path.display()))
}

/// Axis ranges centred on (cx, cy) spanning at least (sx, sy) with one unit the same length on
/// both axes, for a plotting area of (pw, ph) pixels.
fn equal_aspect(
    (cx, cy): (f64, f64),
    (sx, sy): (f64, f64),
    (pw, ph): (u32, u32),
) -> (std::ops::Range<f64>, std::ops::Range<f64>) {
    let (pw, ph) = (pw.max(1) as f64, ph.max(1) as f64);
    let px_per_unit = (pw / sx.max(1e-12)).min(ph / sy.max(1e-12));
    let (hx, hy) = (0.5 * pw / px_per_unit, 0.5 * ph / px_per_unit);
    (cx - hx..cx + hx, cy - hy..cy + hy)
}

fn plot_area<DB: DrawingBackend>(area: &Area<DB>) -> (u32, u32) {
    let (w, h) = area.dim_in_pixel();
    (
        w.saturating_sub(MARGIN + MARGIN_RIGHT + Y_LABELS),
        h.saturating_sub(2 * MARGIN + X_LABELS),
    )
}

fn fmt_tick(v: f64, step: f64) -> String {
    let decimals = if step >= 1.0 {
        0
    } else {
        (-step.log10()).ceil() as usize
    };
    format!("{v:.decimals$}")
}

const DATA: RGBColor = RGBColor(31, 119, 180);
const LIMIT: RGBColor = RGBColor(214, 39, 40);
const GUIDE: RGBColor = RGBColor(90, 90, 90);
/// The cruise's trajectories, apart from the colours the figures give the Earth (green), 311P
/// (purple), the Sun (yellow) and the limits (red, orange): Palette99 gave sample 1 the
/// comet's purple (a new-user trial). One colour a track for the nominal and the most samples
/// a report draws (an audit found 13 tracks sharing 6 colours, which the legend could not
/// tell apart).
const TRACK_COLOURS: [RGBColor; 1 + crate::report::MAX_TRAJECTORIES] = [
    RGBColor(31, 119, 180),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(127, 127, 127),
    RGBColor(188, 189, 34),
    RGBColor(23, 190, 207),
    RGBColor(0, 0, 0),
    RGBColor(0, 0, 128),
    RGBColor(0, 128, 128),
    RGBColor(210, 180, 140),
    RGBColor(166, 206, 227),
    RGBColor(64, 64, 64),
    RGBColor(128, 0, 0),
];

/// How a legend entry is drawn.
#[derive(Debug, Clone, Copy)]
pub enum Mark {
    Line(RGBColor),
    VLine(RGBColor),
    /// A vertical line drawn in two dashes.
    DashedVLine(RGBColor),
    Dot(RGBColor),
    /// A horizontal line drawn in two dashes.
    DashedLine(RGBColor),
    /// A filled triangle.
    Triangle(RGBColor),
    Cross(RGBColor),
    /// A bar in two colours, side by side (positive, negative).
    Bars(RGBColor, RGBColor),
}

/// plotters' legend box inside the chart, at `pos`.
fn legend_inside<'a, DB: DrawingBackend + 'a, CT: plotters::coord::CoordTranslate>(
    chart: &mut ChartContext<'a, DB, CT>,
    pos: SeriesLabelPosition,
    font_size: u32,
) -> DrawResult {
    chart
        .configure_series_labels()
        .position(pos)
        .background_style(WHITE.mix(0.9))
        .border_style(BLACK.mix(0.4))
        .label_font((FONT, font_size))
        .draw()
        .map_err(e)
}

/// Width of a legend drawn beside a chart, and the most a strip sized to its labels takes
/// (a longer label wraps) [px].
const LEGEND_W: u32 = 250;
/// Where a legend's labels start, right of the marks' column [px].
const LEGEND_TEXT_X: i32 = 38;
/// Room right of a legend's widest label [px]; plotters' estimate of a label's width runs
/// about 6 % over what the SVG draws, so this is room on top of that. The corridor's
/// "P(peak heat flux > 1500 W/cm^2)" (207 px by the estimate) fits its 250 px strip unwrapped.
const LEGEND_PAD: u32 = 4;
/// Space between a legend's entries and between the lines of a wrapped label [px].
const LEGEND_ROW: i32 = 24;
const LEGEND_LINE: i32 = 17;

fn legend_style() -> TextStyle<'static> {
    TextStyle::from((FONT, 14).into_font()).color(&BLACK)
}

/// A legend's label as lines at most `width` px wide, broken at spaces where it is wider: as
/// few lines as fit, as even as can be ("99.73% ellipse," over "semi-axes 16.7 x 7.6 km", not
/// "99.73% ellipse, semi-axes 16.7 x" over "7.6 km"). A single word wider than that stays whole
/// on its own line.
fn legend_lines<DB: DrawingBackend>(
    area: &Area<DB>,
    label: &str,
    width: u32,
) -> Result<Vec<String>, String> {
    let style = legend_style();
    let fits = |lines: &[String]| -> Result<bool, String> {
        for l in lines {
            if area.estimate_text_size(l, &style).map_err(e)?.0 > width {
                return Ok(false);
            }
        }
        Ok(true)
    };
    let chars = label.len();
    let mut fewest = None;
    for limit in (1..=chars).rev() {
        let lines = wrap(label, limit);
        if fits(&lines)? {
            fewest = Some(lines);
            break;
        }
    }
    let Some(fewest) = fewest else {
        return Ok(wrap(label, 1));
    };
    // The shortest line length that still needs no more lines evens them out.
    for limit in 1..=chars {
        let lines = wrap(label, limit);
        if lines.len() <= fewest.len() && fits(&lines)? {
            return Ok(lines);
        }
    }
    Ok(fewest)
}

/// The chart's area and a strip on its right for a legend of these entries: as wide as the
/// widest label needs, at most `max_w` px (a longer label is wrapped by [`draw_legend`]).
fn legend_strip<DB: DrawingBackend>(
    area: &Area<DB>,
    entries: &[(String, Mark)],
    max_w: u32,
) -> Result<(Area<DB>, Area<DB>), String> {
    let style = legend_style();
    let mut widest = 0;
    for (label, _) in entries {
        widest = widest.max(area.estimate_text_size(label, &style).map_err(e)?.0);
    }
    let strip = (LEGEND_TEXT_X as u32 + widest + LEGEND_PAD).min(max_w);
    let w = area.dim_in_pixel().0;
    Ok(area.split_horizontally(w.saturating_sub(strip) as i32))
}

/// A legend in its own strip beside the chart, where it cannot cover data; a label wider than
/// the strip is wrapped onto more lines.
fn draw_legend<DB: DrawingBackend>(area: &Area<DB>, entries: &[(String, Mark)]) -> DrawResult {
    let style = legend_style();
    let text_w = (area.dim_in_pixel().0 as i32 - LEGEND_TEXT_X - LEGEND_PAD as i32).max(1) as u32;
    let mut y = MARGIN as i32 + 12;
    for (label, mark) in entries {
        match *mark {
            Mark::Line(c) => area.draw(&PathElement::new([(4, y), (30, y)], c.stroke_width(3))),
            Mark::VLine(c) => area.draw(&PathElement::new(
                [(17, y - 8), (17, y + 8)],
                c.stroke_width(3),
            )),
            Mark::DashedVLine(c) => area
                .draw(&PathElement::new(
                    [(17, y - 9), (17, y - 3)],
                    c.stroke_width(3),
                ))
                .and_then(|_| {
                    area.draw(&PathElement::new(
                        [(17, y + 3), (17, y + 9)],
                        c.stroke_width(3),
                    ))
                }),
            Mark::Dot(c) => area.draw(&Circle::new((17, y), 5, c.filled())),
            Mark::DashedLine(c) => area
                .draw(&PathElement::new([(4, y), (13, y)], c.stroke_width(2)))
                .and_then(|_| area.draw(&PathElement::new([(21, y), (30, y)], c.stroke_width(2)))),
            Mark::Triangle(c) => area.draw(&TriangleMarker::new((17, y), 6, c.filled())),
            Mark::Cross(c) => area.draw(&Cross::new((17, y), 6, c.stroke_width(2))),
            Mark::Bars(a, b) => area
                .draw(&Rectangle::new([(5, y - 6), (17, y + 6)], a.filled()))
                .and_then(|_| area.draw(&Rectangle::new([(17, y - 6), (29, y + 6)], b.filled()))),
        }
        .map_err(e)?;
        let lines = legend_lines(area, label, text_w)?;
        for (k, l) in lines.iter().enumerate() {
            area.draw_text(l, &style, (LEGEND_TEXT_X, y - 8 + LEGEND_LINE * k as i32))
                .map_err(e)?;
        }
        y += LEGEND_ROW + LEGEND_LINE * (lines.len() as i32 - 1);
    }
    Ok(())
}

/// A vertical line on a histogram: a limit, a deadline, a percentile.
#[derive(Debug, Clone)]
pub struct Marker {
    pub x: f64,
    pub label: String,
    pub color: RGBColor,
}

impl Marker {
    pub fn limit(x: f64, label: impl Into<String>) -> Marker {
        Marker {
            x,
            label: label.into(),
            color: LIMIT,
        }
    }
    pub fn guide(x: f64, label: impl Into<String>) -> Marker {
        Marker {
            x,
            label: label.into(),
            color: GUIDE,
        }
    }
}

/// Histogram of one output over the samples that have it, with vertical markers.
pub struct Histogram {
    pub values: Vec<f64>,
    pub x_desc: String,
    pub markers: Vec<Marker>,
}

/// Bin edges and counts: sqrt(n) bins (10 to 80) over the data's range, each at least
/// `min_width` wide (a run whose values are all alike still gets a visible bar).
///
/// An `edge` within a bin's width of the data (a limit) is made one of the bins' edges, so that
/// no bar holds values on both sides of it: a bin of 49.9-50.4 g drawn across the 50 g line
/// read as four exceedances where the caption counted two (a config author's trial). Those bins
/// are closed on the right, (a, b]: a value at the limit is not beyond it (the probabilities
/// count values above it) and is drawn left of its line, as a cruise's propellant used to the
/// last gram of its load is (a review). Each value's side is decided by the sign of its
/// difference from the edge, which rounding cannot flip.
pub fn bins(values: &[f64], min_width: f64, edge: Option<f64>) -> Vec<(f64, f64, u64)> {
    let finite: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
    if finite.is_empty() {
        return Vec::new();
    }
    let lo = finite.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = finite.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let nb = ((finite.len() as f64).sqrt() as usize).clamp(10, 80);
    let width = ((hi - lo) / nb as f64).max(min_width);
    if width.is_nan() || width <= 0.0 {
        return vec![(lo - 0.5, hi + 0.5, finite.len() as u64)];
    }
    let near = |e: &f64| width.is_finite() && lo - width < *e && *e < hi + width;
    if let Some(e) = edge.filter(near) {
        // Bin k is (e + k w, e + (k + 1) w]. A value within 1e-12 of the limit (relative) is
        // at it: a cruise's propellant used to the end of its load is wet - dry, which rounds a
        // few ulps past the load (500.10000000000014 kg for 500.1: a review).
        let at = 1e-12 * e.abs().max(f64::MIN_POSITIVE);
        let k_of = |v: f64| {
            let d = if (v - e).abs() <= at { 0.0 } else { v - e };
            (d / width).ceil() - 1.0
        };
        let (first, last) = (k_of(lo), k_of(hi));
        let nb = (last - first) as usize + 1;
        let mut counts = vec![0u64; nb];
        for v in finite {
            counts[((k_of(v) - first).max(0.0) as usize).min(nb - 1)] += 1;
        }
        return counts
            .into_iter()
            .enumerate()
            .map(|(k, c)| {
                let k = first + k as f64;
                (e + k * width, e + (k + 1.0) * width, c)
            })
            .collect();
    }
    let nb = (((hi - lo) / width).floor() as usize + 1).min(nb);
    // Centre the bins on the data when they are wider than it needs.
    let start = 0.5 * (lo + hi) - 0.5 * nb as f64 * width;
    let mut counts = vec![0u64; nb];
    for v in finite {
        let k = (((v - start) / width).max(0.0) as usize).min(nb - 1);
        counts[k] += 1;
    }
    counts
        .into_iter()
        .enumerate()
        .map(|(k, c)| (start + k as f64 * width, start + (k + 1) as f64 * width, c))
        .collect()
}

impl Plot for Histogram {
    fn draw<DB: DrawingBackend>(&self, area: &Area<DB>) -> DrawResult {
        // Limits last, so that a percentile on a limit (a propellant p99.865 on the load of a
        // run where samples run dry) does not hide it.
        let limits_last: Vec<&Marker> = self
            .markers
            .iter()
            .filter(|m| m.color != LIMIT)
            .chain(self.markers.iter().filter(|m| m.color == LIMIT))
            .collect();
        // The markers' legend in a strip of its own: in the upper right of the chart it hid the
        // top of the limit or percentile lines there (four of the five default histograms).
        let legend: Vec<(String, Mark)> = limits_last
            .iter()
            .map(|m| (m.label.clone(), Mark::Line(m.color)))
            .collect();
        let (area, legend_area) = if legend.is_empty() {
            (area.clone(), None)
        } else {
            let (a, l) = legend_strip(area, &legend, LEGEND_W)?;
            (a, Some(l))
        };
        let finite = self.values.iter().copied().filter(|v| v.is_finite());
        let (mut lo, mut hi) = finite.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
            (a.min(v), b.max(v))
        });
        for m in &self.markers {
            lo = lo.min(m.x);
            hi = hi.max(m.x);
        }
        // A span of a few ulps is one value (a cruise's dry flights' propellant, 2e-13 kg
        // apart, drew bars of no width and ticks of 16 digits: a review).
        let one_value = hi - lo <= 1e-9 * lo.abs().max(hi.abs());
        if lo.is_nan() || hi.is_nan() || lo >= hi || one_value {
            let half = if lo.is_finite() {
                lo.abs().max(1.0) * 0.01
            } else {
                1.0
            };
            (lo, hi) = if lo.is_finite() {
                (lo - half, lo + half)
            } else {
                (0.0, 1.0)
            };
        }
        // A bar is at least 1/150 of the axis wide, so a lone value stays visible.
        let limit = self.markers.iter().find(|m| m.color == LIMIT).map(|m| m.x);
        let bins = bins(&self.values, (hi - lo) / 150.0, limit);
        if let (Some(a), Some(b)) = (bins.first(), bins.last()) {
            lo = lo.min(a.0);
            hi = hi.max(b.1);
        }
        let pad = 0.04 * (hi - lo).max(1e-9);
        let (lo, hi) = (lo - pad, hi + pad);
        // A little headroom over the tallest bar (the legend, beside the chart since
        // 2026-12-06, needs none).
        let ymax = bins.iter().map(|b| b.2).max().unwrap_or(1).max(1) as f64 * 1.08;
        let mut chart = ChartBuilder::on(&area)
            .margin(MARGIN)
            .margin_right(MARGIN_RIGHT)
            .x_label_area_size(X_LABELS)
            .y_label_area_size(Y_LABELS)
            .build_cartesian_2d(lo..hi, 0.0..ymax)
            .map_err(e)?;
        let step = (hi - lo) / 10.0;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_desc(self.x_desc.as_str())
            .y_desc("samples per bin")
            .x_label_formatter(&|v| fmt_tick(*v, step))
            .y_label_formatter(&|v| {
                // Counts are whole: a fractional tick gets no label.
                if (v - v.round()).abs() < 1e-9 {
                    format!("{v:.0}")
                } else {
                    String::new()
                }
            })
            .axis_desc_style((FONT, 17))
            .label_style((FONT, 14))
            .draw()
            .map_err(e)?;
        chart
            .draw_series(bins.iter().map(|&(a, b, c)| {
                let mut r = Rectangle::new([(a, 0.0), (b, c as f64)], DATA.mix(0.75).filled());
                r.set_margin(0, 0, 0, 1);
                r
            }))
            .map_err(e)?;
        for m in limits_last {
            let c = m.color;
            chart
                .draw_series(LineSeries::new(
                    [(m.x, 0.0), (m.x, ymax)],
                    c.stroke_width(3),
                ))
                .map_err(e)?;
        }
        match legend_area {
            Some(l) => draw_legend(&l, &legend),
            None => Ok(()),
        }
    }
}

/// Landing points over a latitude/longitude grid with the footprint ellipse, drawn with one
/// kilometre the same length east-west and north-south.
pub struct Footprint {
    /// (latitude, longitude) of the points drawn [deg].
    pub points: Vec<(f64, f64)>,
    pub points_label: String,
    /// Points outside the ellipse, all of them, drawn apart.
    pub outside: Vec<(f64, f64)>,
    pub outside_label: String,
    /// The ellipse's outline and centre [deg], when there is one.
    pub outline: Vec<(f64, f64)>,
    pub centre: Option<(f64, f64)>,
    pub ellipse_label: String,
    /// The aim point and the 99.73 % ellipse about it [deg], when the run has a target.
    pub target: Option<(f64, f64)>,
    pub target_outline: Vec<(f64, f64)>,
    pub target_label: String,
    /// The mean landing in calm air and with the wind [deg] (the mean wind drift), when the
    /// run has winds.
    pub drift: Option<((f64, f64), (f64, f64))>,
    pub drift_label: String,
}

impl Footprint {
    /// Every longitude within 180 degrees of the ellipse's centre (else the first point's), so
    /// that a footprint across the antimeridian is drawn in one piece (east of 180 E reads
    /// above 180): drawn as given, such a footprint spanned -180 to 180 and its ellipse
    /// flattened to a line (a new-user trial).
    pub fn unwrapped(mut self) -> Self {
        let Some(reference) = self
            .centre
            .map(|c| c.1)
            .or_else(|| self.points.first().map(|p| p.1))
        else {
            return self;
        };
        let fix = |p: &mut (f64, f64)| p.1 = unwrap_lon_deg(p.1, reference);
        for list in [
            &mut self.points,
            &mut self.outside,
            &mut self.outline,
            &mut self.target_outline,
        ] {
            list.iter_mut().for_each(fix);
        }
        for p in [&mut self.centre, &mut self.target].into_iter().flatten() {
            fix(p);
        }
        if let Some((calm, wind)) = &mut self.drift {
            fix(calm);
            fix(wind);
        }
        self
    }
}

impl Plot for Footprint {
    fn draw<DB: DrawingBackend>(&self, area: &Area<DB>) -> DrawResult {
        // The legend in a strip of its own: inside the chart it covered landing points and the
        // ellipse's arc in whichever corner it went (on the default run every corner holds
        // some).
        let (orange, purple, green) = (
            RGBColor(230, 120, 0),
            RGBColor(120, 40, 160),
            RGBColor(30, 140, 60),
        );
        let mut legend = vec![(self.points_label.clone(), Mark::Dot(DATA))];
        if !self.outside.is_empty() {
            legend.push((self.outside_label.clone(), Mark::Triangle(orange)));
        }
        if !self.outline.is_empty() {
            legend.push((self.ellipse_label.clone(), Mark::Line(LIMIT)));
        }
        if !self.target_outline.is_empty() {
            legend.push((self.target_label.clone(), Mark::DashedLine(purple)));
        }
        if self.drift.is_some() {
            legend.push((self.drift_label.clone(), Mark::Line(green)));
        }
        if self.centre.is_some() {
            legend.push(("mean landing point".into(), Mark::Cross(BLACK)));
        }
        if self.target.is_some() {
            legend.push(("target".into(), Mark::Triangle(purple)));
        }
        // The equal-aspect ranges are those of the chart's area, beside the strip.
        let (area, legend_area) = legend_strip(area, &legend, LEGEND_W)?;
        let all: Vec<(f64, f64)> = self
            .points
            .iter()
            .chain(&self.outline)
            .chain(&self.outside)
            .chain(&self.target_outline)
            .chain(&self.target)
            .chain(
                self.drift
                    .iter()
                    .flat_map(|d| [d.0, d.1])
                    .collect::<Vec<_>>()
                    .iter(),
            )
            .copied()
            .filter(|p| p.0.is_finite() && p.1.is_finite())
            .collect();
        let lat0 = self
            .centre
            .map(|c| c.0)
            .unwrap_or_else(|| all.iter().map(|p| p.0).sum::<f64>() / all.len().max(1) as f64);
        let k = lat0.to_radians().cos().max(0.05);
        let (mut x0, mut x1, mut y0, mut y1) = (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
        for &(lat, lon) in &all {
            x0 = x0.min(lon * k);
            x1 = x1.max(lon * k);
            y0 = y0.min(lat);
            y1 = y1.max(lat);
        }
        if all.is_empty() {
            (x0, x1, y0, y1) = (-1.0, 1.0, -1.0, 1.0);
        }
        let span = ((x1 - x0) * 1.15, (y1 - y0) * 1.15);
        let span = (span.0.max(0.02), span.1.max(0.02));
        let (xr, yr) = equal_aspect((0.5 * (x0 + x1), 0.5 * (y0 + y1)), span, plot_area(&area));
        let xr = xr.start / k..xr.end / k;
        let (sx, sy) = ((xr.end - xr.start) / 8.0, (yr.end - yr.start) / 8.0);
        let mut chart = ChartBuilder::on(&area)
            .margin(MARGIN)
            .margin_right(MARGIN_RIGHT)
            .x_label_area_size(X_LABELS)
            .y_label_area_size(Y_LABELS)
            .build_cartesian_2d(xr, yr)
            .map_err(e)?;
        chart
            .configure_mesh()
            .x_desc("longitude [deg E]")
            .y_desc("geodetic latitude [deg N]")
            .x_label_formatter(&|v| fmt_tick(*v, sx))
            .y_label_formatter(&|v| fmt_tick(*v, sy))
            .axis_desc_style((FONT, 17))
            .label_style((FONT, 14))
            .draw()
            .map_err(e)?;
        chart
            .draw_series(
                self.points
                    .iter()
                    .map(|&(lat, lon)| Circle::new((lon, lat), 2, DATA.mix(0.45).filled())),
            )
            .map_err(e)?;
        if !self.outside.is_empty() {
            chart
                .draw_series(
                    self.outside.iter().map(move |&(lat, lon)| {
                        TriangleMarker::new((lon, lat), 4, orange.filled())
                    }),
                )
                .map_err(e)?;
        }
        if !self.outline.is_empty() {
            let mut ring: Vec<(f64, f64)> = self.outline.iter().map(|&(a, o)| (o, a)).collect();
            ring.push(ring[0]);
            chart
                .draw_series(LineSeries::new(ring, LIMIT.stroke_width(3)))
                .map_err(e)?;
        }
        if !self.target_outline.is_empty() {
            let mut ring: Vec<(f64, f64)> =
                self.target_outline.iter().map(|&(a, o)| (o, a)).collect();
            ring.push(ring[0]);
            chart
                .draw_series(DashedLineSeries::new(ring, 8, 5, purple.stroke_width(2)))
                .map_err(e)?;
        }
        // The target under the wind drift's arrow and the mean landing's cross, and larger
        // than the cross: on a well-aimed run they coincide, and a smaller triangle drawn last
        // hid under the cross's arms (a helper's look at the default report); drawn after the
        // arrow, it hid the arrow's head (a review).
        if let Some((lat, lon)) = self.target {
            chart
                .draw_series([TriangleMarker::new(
                    (lon, lat),
                    14,
                    purple.mix(0.85).filled(),
                )])
                .map_err(e)?;
        }
        if let Some(((c_lat, c_lon), (w_lat, w_lon))) = self.drift {
            chart
                .draw_series(LineSeries::new(
                    [(c_lon, c_lat), (w_lon, w_lat)],
                    green.stroke_width(3),
                ))
                .map_err(e)?;
            // The calm-air end as a hollow circle, the arrow's head at the mean with the wind.
            chart
                .draw_series([EmptyElement::at((c_lon, c_lat))
                    + Circle::new((0, 0), 5, green.stroke_width(2))])
                .map_err(e)?;
            chart
                .draw_series([EmptyElement::at((w_lon, w_lat))
                    + TriangleMarker::new((0, 0), 7, green.filled())])
                .map_err(e)?;
        }
        if let Some((lat, lon)) = self.centre {
            chart
                .draw_series([Cross::new((lon, lat), 8, BLACK.stroke_width(3))])
                .map_err(e)?;
        }
        draw_legend(&legend_area, &legend)
    }
}

/// One bar per input: its Spearman rank correlation with an output (bar) and its standardised
/// regression coefficient (dot), strongest at the top.
pub struct Tornado {
    pub x_desc: String,
    /// (input, Spearman, SRC), in drawing order from the top.
    pub rows: Vec<(String, f64, Option<f64>)>,
}

impl Plot for Tornado {
    fn draw<DB: DrawingBackend>(&self, area: &Area<DB>) -> DrawResult {
        let n = self.rows.len().max(1) as i32;
        let names: Vec<String> = self.rows.iter().map(|r| r.0.clone()).collect();
        let pos = RGBColor(214, 96, 77);
        let neg = RGBColor(67, 147, 195);
        // The legend in a strip of its own: in the lower right it covered the bottom rows.
        let mut legend = vec![(
            "Spearman rank correlation (red +, blue -)".to_string(),
            Mark::Bars(pos, neg),
        )];
        if self.rows.iter().any(|r| r.2.is_some()) {
            legend.push((
                "standardised regression coefficient".to_string(),
                Mark::Dot(BLACK),
            ));
        }
        let (area, legend_area) = legend_strip(area, &legend, LEGEND_W)?;
        // The names' column as wide as the widest name needs (up to the 300 px it had), to
        // give the bars back the width the legend's strip takes.
        let name_style = TextStyle::from((FONT, 14).into_font());
        let mut widest = 0;
        for name in &names {
            widest = widest.max(area.estimate_text_size(name, &name_style).map_err(e)?.0);
        }
        let mut chart = ChartBuilder::on(&area)
            .margin(MARGIN)
            .margin_right(MARGIN_RIGHT)
            .x_label_area_size(X_LABELS)
            .y_label_area_size((widest + 24).min(300))
            .build_cartesian_2d(-1.0..1.0, (0..n - 1).into_segmented())
            .map_err(e)?;
        let label = |v: &SegmentValue<i32>| match v {
            SegmentValue::CenterOf(k) if (0..n).contains(k) => {
                names.get((n - 1 - k) as usize).cloned().unwrap_or_default()
            }
            _ => String::new(),
        };
        chart
            .configure_mesh()
            .disable_y_mesh()
            .x_desc(self.x_desc.as_str())
            .x_label_formatter(&|v| format!("{v:.1}"))
            .y_label_formatter(&label)
            .y_labels(n as usize)
            .axis_desc_style((FONT, 17))
            .label_style((FONT, 14))
            .draw()
            .map_err(e)?;
        chart
            .draw_series(self.rows.iter().enumerate().map(|(i, r)| {
                let k = n - 1 - i as i32;
                let c = if r.1 >= 0.0 { pos } else { neg };
                let mut rect = Rectangle::new(
                    [
                        (0.0, SegmentValue::Exact(k)),
                        (r.1, SegmentValue::Exact(k + 1)),
                    ],
                    c.filled(),
                );
                rect.set_margin(5, 5, 0, 0);
                rect
            }))
            .map_err(e)?;
        if self.rows.iter().any(|r| r.2.is_some()) {
            chart
                .draw_series(self.rows.iter().enumerate().filter_map(|(i, r)| {
                    let k = n - 1 - i as i32;
                    r.2.map(|s| {
                        Circle::new(
                            (s.clamp(-1.0, 1.0), SegmentValue::CenterOf(k)),
                            5,
                            BLACK.filled(),
                        )
                    })
                }))
                .map_err(e)?;
        }
        chart
            .draw_series(LineSeries::new(
                [(0.0, SegmentValue::Exact(0)), (0.0, SegmentValue::Exact(n))],
                BLACK.stroke_width(1),
            ))
            .map_err(e)?;
        draw_legend(&legend_area, &legend)
    }
}

/// A probability against the flight path angle, with its interval.
pub struct ProbSeries {
    pub name: String,
    pub color: RGBColor,
    pub p: Vec<f64>,
    pub lo: Vec<f64>,
    pub hi: Vec<f64>,
}

/// A corridor boundary: its angle and the interval from the per-point uncertainty.
pub struct Boundary {
    pub name: String,
    pub color: RGBColor,
    pub deg: Option<f64>,
    pub low: Option<f64>,
    pub high: Option<f64>,
}

impl Boundary {
    /// Whether the Wilson intervals pin the boundary down on both sides (its shaded column):
    /// else the point estimates place it, but the intervals do not confirm it.
    fn confirmed(&self) -> bool {
        self.low.is_some() && self.high.is_some()
    }
}

/// Probabilities against the entry flight path angle on a log axis, with their Wilson bars,
/// the acceptable risk and the corridor boundaries.
pub struct CorridorProbabilities {
    pub fpa: Vec<f64>,
    pub series: Vec<ProbSeries>,
    pub risk: f64,
    pub boundaries: Vec<Boundary>,
}

/// Lowest probability the log axis shows; zeros are drawn on it.
pub fn prob_floor(risk: f64) -> f64 {
    10f64.powf((risk / 10.0).log10().floor()).min(1e-4)
}

/// The x range of a plot against the angle: the angles plus half a step (0.5 deg when there is
/// only one angle) on each side.
fn angle_range(fpa: &[f64]) -> (f64, f64, f64) {
    let (x0, x1) = fpa
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &x| {
            (a.min(x), b.max(x))
        });
    let step = fpa
        .windows(2)
        .map(|w| (w[1] - w[0]).abs())
        .filter(|d| *d > 0.0)
        .fold(f64::INFINITY, f64::min);
    let step = if step.is_finite() { step } else { 1.0 };
    if x0.is_nan() || x1.is_nan() || x0 > x1 {
        return (-1.0, 0.0, step);
    }
    (x0 - 0.5 * step, x1 + 0.5 * step, step)
}

/// Decimals for the angle axis's tick labels: enough that ticks about a tenth of the range
/// apart read differently (one decimal labelled a 0.05-degree sweep -5.9, -5.9, -5.8, ...).
fn angle_decimals(x0: f64, x1: f64) -> usize {
    let tick = ((x1 - x0) / 10.0).max(1e-9);
    ((-tick.log10()).ceil().max(1.0) as usize).min(4)
}

impl Plot for CorridorProbabilities {
    fn draw<DB: DrawingBackend>(&self, area: &Area<DB>) -> DrawResult {
        let floor = prob_floor(self.risk);
        let w = area.dim_in_pixel().0 as i32;
        let (area, legend_area) = area.split_horizontally(w - LEGEND_W as i32);
        let (x0, x1, step) = angle_range(&self.fpa);
        let mut chart = ChartBuilder::on(&area)
            .margin(MARGIN)
            .margin_right(MARGIN_RIGHT)
            .x_label_area_size(X_LABELS)
            .y_label_area_size(Y_LABELS)
            .build_cartesian_2d(x0..x1, (floor..1.0).log_scale())
            .map_err(e)?;
        chart
            .configure_mesh()
            .x_desc("entry flight path angle [deg]")
            .y_desc("probability (log scale; 0 drawn at the bottom)")
            .x_label_formatter(&|v| format!("{v:.*}", angle_decimals(x0, x1)))
            .y_label_formatter(&|v| {
                if *v >= 0.01 {
                    format!("{v}")
                } else {
                    format!("{v:.0e}")
                }
            })
            .axis_desc_style((FONT, 17))
            .label_style((FONT, 14))
            .draw()
            .map_err(e)?;
        let clamp = |v: f64| v.clamp(floor, 1.0);
        let mut legend = Vec::new();
        for b in &self.boundaries {
            if let (Some(lo), Some(hi)) = (b.low, b.high) {
                chart
                    .draw_series([Rectangle::new(
                        [(lo - 0.02, floor), (hi + 0.02, 1.0)],
                        b.color.mix(0.12).filled(),
                    )])
                    .map_err(e)?;
            }
        }
        // Interval bars nudged sideways per series so that overlapping bars stay visible; the
        // points and lines stay at their angles. Where no sample had the event the interval
        // runs from 0 to 3.84 / (n + 3.84): drawn as bars, three an angle from the floor up,
        // they filled the plot (a trial), so such an interval is one grey tick an angle at
        // its upper end, shared by the series (the same n).
        let nudge = 0.1 * step;
        let mid = (self.series.len() as f64 - 1.0) / 2.0;
        let mut zero_bound = vec![None::<f64>; self.fpa.len()];
        let mut any_bar = false;
        for (i, s) in self.series.iter().enumerate() {
            let c = s.color;
            let dx = (i as f64 - mid) * nudge;
            let mut bars = Vec::new();
            for (k, (&x, (&p, (&l, &h)))) in self
                .fpa
                .iter()
                .zip(s.p.iter().zip(s.lo.iter().zip(&s.hi)))
                .enumerate()
            {
                if p.is_nan() {
                    // No sample flew at this angle.
                    continue;
                }
                if p == 0.0 && h.is_finite() {
                    zero_bound[k] = Some(zero_bound[k].map_or(h, |b: f64| b.max(h)));
                } else {
                    bars.push(PathElement::new(
                        [(x + dx, clamp(l)), (x + dx, clamp(h))],
                        c.mix(0.55).stroke_width(2),
                    ));
                }
            }
            any_bar |= !bars.is_empty();
            chart.draw_series(bars).map_err(e)?;
            // One line for each run of angles where samples flew (NaN: none did).
            let pts: Vec<(f64, f64)> = self
                .fpa
                .iter()
                .zip(&s.p)
                .map(|(&x, &p)| (x, if p.is_nan() { p } else { clamp(p) }))
                .collect();
            for run in pts.split(|p| p.1.is_nan()).filter(|r| !r.is_empty()) {
                chart
                    .draw_series(LineSeries::new(run.to_vec(), c.stroke_width(2)))
                    .map_err(e)?;
            }
            chart
                .draw_series(
                    pts.iter()
                        .filter(|p| !p.1.is_nan())
                        .map(|&p| Circle::new(p, 3, c.filled())),
                )
                .map_err(e)?;
            legend.push((s.name.clone(), Mark::Line(c)));
        }
        chart
            .draw_series(self.fpa.iter().zip(&zero_bound).filter_map(|(&x, b)| {
                b.map(|h| {
                    PathElement::new(
                        [(x - 0.3 * step, clamp(h)), (x + 0.3 * step, clamp(h))],
                        GUIDE.stroke_width(2),
                    )
                })
            }))
            .map_err(e)?;
        chart
            .draw_series(LineSeries::new(
                [(x0, self.risk), (x1, self.risk)],
                // As wide as its legend's mark: at 1 px over the grid it read grey (a trial).
                BLACK.stroke_width(2),
            ))
            .map_err(e)?;
        legend.push((format!("acceptable risk {}", self.risk), Mark::Line(BLACK)));
        for b in &self.boundaries {
            if let Some(d) = b.deg {
                // Solid where confirmed (the shaded column), dashed where not.
                let pinned = b.confirmed();
                let line = [(d, floor), (d, 1.0)];
                if pinned {
                    chart
                        .draw_series(LineSeries::new(line, b.color.stroke_width(3)))
                        .map_err(e)?;
                } else {
                    chart
                        .draw_series(DashedLineSeries::new(line, 10, 6, b.color.stroke_width(3)))
                        .map_err(e)?;
                }
                let mark = if pinned {
                    Mark::VLine(b.color)
                } else {
                    Mark::DashedVLine(b.color)
                };
                legend.push((format!("{} {d:.2} deg", b.name), mark));
            }
        }
        if self
            .boundaries
            .iter()
            .any(|b| b.deg.is_some() && !b.confirmed())
        {
            legend.push(("dashed: not confirmed".into(), Mark::DashedVLine(GUIDE)));
        }
        if any_bar {
            legend.push(("bars: 95% Wilson intervals".into(), Mark::VLine(GUIDE)));
        }
        if zero_bound.iter().any(Option::is_some) {
            legend.push(("no event: 95% upper bound".into(), Mark::Line(GUIDE)));
        }
        // The floor, where zeros are drawn, labelled "0": the log axis labels only its decades.
        let (px, py) = chart.backend_coord(&(x0, floor));
        let (bx, by) = area.get_base_pixel();
        let style = TextStyle::from((FONT, 14).into_font()).color(&BLACK);
        let (tw, th) = area.estimate_text_size("0", &style).map_err(e)?;
        area.draw_text(
            "0",
            &style,
            (px - bx - 10 - tw as i32, py - by - th as i32 / 2),
        )
        .map_err(e)?;
        draw_legend(&legend_area, &legend)
    }
}

/// A percentile curve against the flight path angle.
pub struct Curve {
    pub name: String,
    pub color: RGBColor,
    pub y: Vec<Option<f64>>,
}

/// One panel of curves against the flight path angle with a horizontal limit.
pub struct CurvePanel {
    pub y_desc: String,
    pub curves: Vec<Curve>,
    pub limit: Option<f64>,
}

/// Panels side by side against the same angles, the legend (the first panel's curves) at the
/// right.
pub struct Panels {
    pub fpa: Vec<f64>,
    pub panels: Vec<CurvePanel>,
}

fn draw_panel<DB: DrawingBackend>(area: &Area<DB>, fpa: &[f64], p: &CurvePanel) -> DrawResult {
    let ys = p.curves.iter().flat_map(|c| c.y.iter().flatten().copied());
    let ymax = ys.chain(p.limit).fold(0.0f64, f64::max).max(1e-9) * 1.1;
    // Decimals enough to tell the ticks apart on a small range (a dynamic pressure of 1-3 kPa
    // read 0, 0, 1, 2, 2: a review).
    let y_decimals = if ymax < 1.0 {
        2
    } else if ymax < 20.0 {
        1
    } else {
        0
    };
    // On a narrow panel (three side by side) whole angles are labelled without their decimals,
    // so that the labels do not run together ("-14.0-12.0-10.0": a review).
    let narrow = area.dim_in_pixel().0 < 300;
    let (x0, x1, _) = angle_range(fpa);
    let x_label = |v: &f64| {
        if narrow && (v - v.round()).abs() < 1e-9 {
            format!("{v:.0}")
        } else {
            format!("{v:.*}", angle_decimals(x0, x1))
        }
    };
    let mut chart = ChartBuilder::on(area)
        .margin(MARGIN)
        .margin_right(MARGIN_RIGHT)
        .x_label_area_size(X_LABELS)
        .y_label_area_size(Y_LABELS)
        .build_cartesian_2d(x0..x1, 0.0..ymax)
        .map_err(e)?;
    chart
        .configure_mesh()
        .x_desc("entry flight path angle [deg]")
        .y_desc(p.y_desc.as_str())
        .x_labels(6)
        .x_label_formatter(&x_label)
        .y_label_formatter(&|v| format!("{v:.y_decimals$}"))
        .axis_desc_style((FONT, 16))
        .label_style((FONT, 13))
        .draw()
        .map_err(e)?;
    if let Some(l) = p.limit {
        chart
            .draw_series(LineSeries::new([(x0, l), (x1, l)], LIMIT.stroke_width(3)))
            .map_err(e)?;
    }
    for c in &p.curves {
        let col = c.color;
        // One line for each run of angles with a value (none where no sample flew: joined
        // across, such angles read as flown, a review).
        let runs = fpa.iter().zip(&c.y).collect::<Vec<_>>();
        for run in runs.split(|(_, y)| y.is_none()).filter(|r| !r.is_empty()) {
            let pts: Vec<(f64, f64)> = run.iter().map(|(&x, y)| (x, y.unwrap())).collect();
            chart
                .draw_series(LineSeries::new(pts.clone(), col.stroke_width(2)))
                .map_err(e)?;
            chart
                .draw_series(pts.iter().map(|&q| Circle::new(q, 3, col.filled())))
                .map_err(e)?;
        }
    }
    Ok(())
}

impl Plot for Panels {
    fn draw<DB: DrawingBackend>(&self, area: &Area<DB>) -> DrawResult {
        let w = area.dim_in_pixel().0 as i32;
        // Narrower beside three panels, so that each keeps room for its curves.
        let legend_w = if self.panels.len() > 2 { 170 } else { 200 };
        let (panels, legend_area) = area.split_horizontally(w - legend_w);
        for (a, p) in panels
            .split_evenly((1, self.panels.len().max(1)))
            .iter()
            .zip(&self.panels)
        {
            draw_panel(a, &self.fpa, p)?;
        }
        let mut legend: Vec<(String, Mark)> = self
            .panels
            .first()
            .map(|p| p.curves.as_slice())
            .unwrap_or_default()
            .iter()
            .map(|c| (c.name.clone(), Mark::Line(c.color)))
            .collect();
        legend.push(("configured limit".into(), Mark::Line(LIMIT)));
        draw_legend(&legend_area, &legend)
    }
}

/// One panel of a [`Tracks`] figure: each track's (x, y) points.
pub struct TrackPanel {
    pub x_desc: String,
    pub y_desc: String,
    /// One line a track, in the figure's label order.
    pub lines: Vec<Vec<(f64, f64)>>,
}

/// Flown time histories side by side in two panels, one colour a track, the legend beside them.
pub struct Tracks {
    pub labels: Vec<String>,
    pub left: TrackPanel,
    pub right: TrackPanel,
}

fn draw_track_panel<DB: DrawingBackend>(area: &Area<DB>, p: &TrackPanel) -> DrawResult {
    let pts = || {
        p.lines
            .iter()
            .flatten()
            .filter(|q| q.0.is_finite() && q.1.is_finite())
    };
    let lo_hi = |f: fn(&(f64, f64)) -> f64| {
        let lo = pts().map(f).fold(f64::INFINITY, f64::min);
        let hi = pts().map(f).fold(f64::NEG_INFINITY, f64::max);
        if lo.is_finite() {
            (lo.min(0.0), hi.max(lo + 1e-9))
        } else {
            (0.0, 1.0)
        }
    };
    let (x0, x1) = lo_hi(|q| q.0);
    let (y0, y1) = lo_hi(|q| q.1);
    let y1 = y1 + 0.05 * (y1 - y0);
    let mut chart = ChartBuilder::on(area)
        .margin(MARGIN)
        .margin_right(MARGIN_RIGHT)
        .x_label_area_size(X_LABELS)
        .y_label_area_size(Y_LABELS)
        .build_cartesian_2d(x0..x1, y0..y1)
        .map_err(e)?;
    chart
        .configure_mesh()
        .x_desc(p.x_desc.as_str())
        .y_desc(p.y_desc.as_str())
        .x_labels(6)
        // Decimals as the axis' span needs them ("120.0" read as a precision the ticks lack).
        .x_label_formatter(&|v| fmt_tick(*v, (x1 - x0) / 10.0))
        .y_label_formatter(&|v| fmt_tick(*v, (y1 - y0) / 10.0))
        .axis_desc_style((FONT, 16))
        .label_style((FONT, 13))
        .draw()
        .map_err(e)?;
    // The nominal (the first track) first and wider, under the samples: drawn on top it hid
    // every sample that flew close to it (a trial).
    for (k, line) in p.lines.iter().enumerate() {
        let c = TRACK_COLOURS[k % TRACK_COLOURS.len()];
        let line: Vec<(f64, f64)> = line
            .iter()
            .copied()
            .filter(|q| q.0.is_finite() && q.1.is_finite())
            .collect();
        chart
            .draw_series(LineSeries::new(
                line,
                c.stroke_width(if k == 0 { 3 } else { 1 }),
            ))
            .map_err(e)?;
    }
    Ok(())
}

impl Plot for Tracks {
    fn draw<DB: DrawingBackend>(&self, area: &Area<DB>) -> DrawResult {
        let legend: Vec<(String, Mark)> = self
            .labels
            .iter()
            .enumerate()
            .map(|(k, l)| {
                (
                    l.clone(),
                    Mark::Line(TRACK_COLOURS[k % TRACK_COLOURS.len()]),
                )
            })
            .collect();
        let (panels, legend_area) = legend_strip(area, &legend, LEGEND_W)?;
        let w = panels.dim_in_pixel().0 as i32;
        let (l, r) = panels.split_horizontally(w / 2);
        draw_track_panel(&l, &self.left)?;
        draw_track_panel(&r, &self.right)?;
        draw_legend(&legend_area, &legend)
    }
}

/// The ecliptic plane seen from the north, Sun at the centre: orbits and sample trajectories.
pub struct Heliocentric {
    pub earth: Vec<(f64, f64)>,
    pub comet: Vec<(f64, f64)>,
    /// (label, points) of each sample trajectory [au].
    pub tracks: Vec<(String, Vec<(f64, f64)>)>,
}

impl Plot for Heliocentric {
    fn draw<DB: DrawingBackend>(&self, area: &Area<DB>) -> DrawResult {
        let r = self
            .earth
            .iter()
            .chain(&self.comet)
            .chain(self.tracks.iter().flat_map(|t| t.1.iter()))
            .map(|p| p.0.hypot(p.1))
            .fold(1.0f64, f64::max)
            * 1.08;
        let (xr, yr) = equal_aspect((0.0, 0.0), (2.0 * r, 2.0 * r), plot_area(area));
        let mut chart = ChartBuilder::on(area)
            .margin(MARGIN)
            .margin_right(MARGIN_RIGHT)
            .x_label_area_size(X_LABELS)
            .y_label_area_size(Y_LABELS)
            .build_cartesian_2d(xr, yr)
            .map_err(e)?;
        chart
            .configure_mesh()
            .x_desc("x, ecliptic J2000 [au]")
            .y_desc("y, ecliptic J2000 [au]")
            .x_label_formatter(&|v| format!("{v:.1}"))
            .y_label_formatter(&|v| format!("{v:.1}"))
            .axis_desc_style((FONT, 17))
            .label_style((FONT, 14))
            .draw()
            .map_err(e)?;
        let orbit = |pts: &[(f64, f64)]| {
            let mut v = pts.to_vec();
            if let Some(&f) = pts.first() {
                v.push(f);
            }
            v
        };
        let earth_c = RGBColor(44, 160, 44);
        let comet_c = RGBColor(148, 103, 189);
        chart
            .draw_series(LineSeries::new(orbit(&self.earth), earth_c.stroke_width(2)))
            .map_err(e)?
            .label("Earth-Moon barycentre orbit")
            .legend(move |(x, y)| PathElement::new([(x, y), (x + 24, y)], earth_c.stroke_width(2)));
        chart
            .draw_series(LineSeries::new(orbit(&self.comet), comet_c.stroke_width(2)))
            .map_err(e)?
            .label("311P/PANSTARRS orbit")
            .legend(move |(x, y)| PathElement::new([(x, y), (x + 24, y)], comet_c.stroke_width(2)));
        for (k, (name, pts)) in self.tracks.iter().enumerate() {
            let c = TRACK_COLOURS[k % TRACK_COLOURS.len()];
            chart
                .draw_series(LineSeries::new(pts.clone(), c.stroke_width(1)))
                .map_err(e)?
                .label(name.as_str())
                .legend(move |(x, y)| PathElement::new([(x, y), (x + 24, y)], c.stroke_width(2)));
            if let Some(&end) = pts.last() {
                chart
                    .draw_series([Circle::new(end, 4, c.filled())])
                    .map_err(e)?;
            }
        }
        chart
            .draw_series([Circle::new((0.0, 0.0), 7, RGBColor(255, 180, 0).filled())])
            .map_err(e)?
            .label("Sun")
            .legend(|(x, y)| Circle::new((x + 12, y), 5, RGBColor(255, 180, 0).filled()));
        legend_inside(&mut chart, SeriesLabelPosition::UpperRight, 13)
    }
}

/// Distance to the comet against time (log scale), one line per re-propagated trajectory.
pub struct CometDistance {
    /// (label, (calendar year, distance [km])) of each trajectory.
    pub tracks: Vec<(String, Vec<(f64, f64)>)>,
    /// The approach law's hand-over distance, where the guidance has one (Q-law and its
    /// open-loop replay; not tangential or inertial thrust).
    pub approach_km: Option<f64>,
    pub rendezvous_km: f64,
}

impl Plot for CometDistance {
    fn draw<DB: DrawingBackend>(&self, area: &Area<DB>) -> DrawResult {
        // The legend in a strip of its own: in the upper right it covered the trajectory that
        // arrives last, on the default run.
        let approach = self
            .approach_km
            .map(|a| (a, "approach", RGBColor(230, 120, 0)));
        let levels: Vec<(f64, &str, RGBColor)> = approach
            .into_iter()
            .chain([(self.rendezvous_km, "rendezvous", LIMIT)])
            .collect();
        let legend: Vec<(String, Mark)> = levels
            .iter()
            .map(|&(level, name, c)| (format!("{name} {level:.0e} km"), Mark::Line(c)))
            .chain(self.tracks.iter().enumerate().map(|(k, t)| {
                (
                    t.0.clone(),
                    Mark::Line(TRACK_COLOURS[k % TRACK_COLOURS.len()]),
                )
            }))
            .collect();
        let (area, legend_area) = legend_strip(area, &legend, LEGEND_W)?;
        let pts = || self.tracks.iter().flat_map(|t| t.1.iter());
        let x0 = pts().map(|p| p.0).fold(f64::INFINITY, f64::min);
        let x1 = pts()
            .map(|p| p.0)
            .fold(f64::NEG_INFINITY, f64::max)
            .max(x0 + 1.0);
        let top = self.approach_km.unwrap_or(self.rendezvous_km);
        let y1 = pts().map(|p| p.1).fold(top, f64::max) * 2.0;
        let y0 = pts()
            .map(|p| p.1)
            .fold(self.rendezvous_km, f64::min)
            .max(1.0)
            * 0.5;
        let mut chart = ChartBuilder::on(&area)
            .margin(MARGIN)
            .margin_right(MARGIN_RIGHT)
            .x_label_area_size(X_LABELS)
            .y_label_area_size(Y_LABELS)
            .build_cartesian_2d(x0..x1, (y0..y1).log_scale())
            .map_err(e)?;
        chart
            .configure_mesh()
            .x_desc("epoch [calendar year, TDB]")
            .y_desc("distance to 311P [km]")
            // A tick between whole years keeps its fraction: rounded, half-year ticks read
            // "2032 2032 2032" (a cruise trial).
            .x_label_formatter(&year_label)
            .y_label_formatter(&|v| format!("{v:.0e}"))
            .axis_desc_style((FONT, 17))
            .label_style((FONT, 14))
            .draw()
            .map_err(e)?;
        for &(level, _, c) in &levels {
            chart
                .draw_series(LineSeries::new(
                    [(x0, level), (x1, level)],
                    c.stroke_width(1),
                ))
                .map_err(e)?;
        }
        for (k, (_, pts)) in self.tracks.iter().enumerate() {
            let c = TRACK_COLOURS[k % TRACK_COLOURS.len()];
            let pts: Vec<(f64, f64)> = pts.iter().map(|&(x, y)| (x, y.max(y0))).collect();
            chart
                .draw_series(LineSeries::new(pts, c.stroke_width(1)))
                .map_err(e)?;
        }
        draw_legend(&legend_area, &legend)
    }
}

/// The wind against altitude: the mean profile's east and north components, each with its
/// +-1 sigma band of the random part.
pub struct WindProfile {
    pub altitude_km: Vec<f64>,
    pub east: Vec<f64>,
    pub north: Vec<f64>,
    pub sigma: Vec<f64>,
    /// The terrain above the ellipsoid [km], drawn as a line when above zero.
    pub ground_km: f64,
}

impl Plot for WindProfile {
    fn draw<DB: DrawingBackend>(&self, area: &Area<DB>) -> DrawResult {
        let lo = self
            .east
            .iter()
            .chain(&self.north)
            .zip(self.sigma.iter().chain(&self.sigma))
            .map(|(m, s)| m - s)
            .fold(0.0f64, f64::min);
        let hi = self
            .east
            .iter()
            .chain(&self.north)
            .zip(self.sigma.iter().chain(&self.sigma))
            .map(|(m, s)| m + s)
            .fold(0.0f64, f64::max);
        let pad = 0.05 * (hi - lo).max(1.0);
        let top = self.altitude_km.last().copied().unwrap_or(1.0).max(1.0);
        let mut chart = ChartBuilder::on(area)
            .margin(MARGIN)
            .margin_right(MARGIN_RIGHT)
            .x_label_area_size(X_LABELS)
            .y_label_area_size(Y_LABELS)
            .build_cartesian_2d(lo - pad..hi + pad, 0.0..top)
            .map_err(e)?;
        chart
            .configure_mesh()
            .x_desc("wind [m/s] (east, north positive)")
            .y_desc("altitude [km]")
            .axis_desc_style((FONT, 17))
            .label_style((FONT, 14))
            .draw()
            .map_err(e)?;
        let colours = [(DATA, "east"), (RGBColor(120, 40, 160), "north")];
        for ((mean, c), label) in [&self.east, &self.north]
            .into_iter()
            .zip(colours.iter().map(|c| c.0))
            .zip(colours.iter().map(|c| c.1))
        {
            let band: Vec<(f64, f64)> = mean
                .iter()
                .zip(&self.sigma)
                .zip(&self.altitude_km)
                .map(|((m, s), &h)| (m + s, h))
                .chain(
                    mean.iter()
                        .zip(&self.sigma)
                        .zip(&self.altitude_km)
                        .rev()
                        .map(|((m, s), &h)| (m - s, h)),
                )
                .collect();
            chart
                .draw_series([Polygon::new(band, c.mix(0.18).filled())])
                .map_err(e)?;
            let line: Vec<(f64, f64)> = mean
                .iter()
                .zip(&self.altitude_km)
                .map(|(&m, &h)| (m, h))
                .collect();
            chart
                .draw_series(LineSeries::new(line, c.stroke_width(3)))
                .map_err(e)?
                .label(format!("{label}: mean, band +-1 sigma"))
                .legend(move |(x, y)| PathElement::new([(x, y), (x + 24, y)], c.stroke_width(3)));
        }
        if self.ground_km > 0.0 {
            let brown = RGBColor(130, 85, 40);
            chart
                .draw_series(LineSeries::new(
                    [(lo - pad, self.ground_km), (hi + pad, self.ground_km)],
                    brown.stroke_width(2),
                ))
                .map_err(e)?
                .label("ground")
                .legend(move |(x, y)| {
                    PathElement::new([(x, y), (x + 24, y)], brown.stroke_width(2))
                });
        }
        legend_inside(&mut chart, SeriesLabelPosition::UpperRight, 14)
    }
}

/// A calendar year's tick label: whole years bare, others to a tenth of a year.
fn year_label(v: &f64) -> String {
    if (v - v.round()).abs() < 1e-6 {
        format!("{v:.0}")
    } else {
        format!("{v:.1}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An angle where no sample flew (NaN) breaks the curve: no line joins the angles either
    /// side of it (an entry analyst's trial read a straight P(skip-out) across three angles
    /// where every sample failed).
    #[test]
    fn a_corridor_curve_breaks_where_no_sample_flew() {
        let polylines = |p: Vec<f64>| {
            let n = p.len();
            let plot = CorridorProbabilities {
                fpa: (0..n).map(|k| -12.0 + k as f64).collect(),
                series: vec![ProbSeries {
                    name: "P(skip-out)".into(),
                    color: RGBColor(1, 2, 3),
                    lo: p.iter().map(|x| x * 0.5).collect(),
                    hi: p.iter().map(|x| (x * 1.5).min(1.0)).collect(),
                    p,
                }],
                risk: 0.00135,
                boundaries: vec![],
            };
            let svg = render_svg(&plot, "t", None).unwrap();
            svg.matches("<polyline fill=\"none\" opacity=\"1\" stroke=\"#010203\" stroke-width=\"2\" points=\"")
                .count()
        };
        let whole = polylines(vec![0.01, 0.1, 0.2, 0.5, 1.0]);
        let gap = polylines(vec![0.01, f64::NAN, f64::NAN, 0.5, 1.0]);
        assert!(whole >= 1);
        assert_eq!(gap, whole + 1, "two runs of angles, two lines");
    }

    /// The corridor's peaks panels break their curves where no sample flew, as the
    /// probability figure does (a review found them joined across).
    #[test]
    fn a_peaks_panel_curve_breaks_where_no_sample_flew() {
        let polylines = |y: Vec<Option<f64>>| {
            let panel = |y: Vec<Option<f64>>| CurvePanel {
                y_desc: "y".into(),
                curves: vec![Curve {
                    name: "median".into(),
                    color: RGBColor(1, 2, 3),
                    y,
                }],
                limit: None,
            };
            let plot = Panels {
                fpa: (0..y.len()).map(|k| -12.0 + k as f64).collect(),
                panels: vec![panel(y.clone()), panel(y.clone()), panel(y)],
            };
            let svg = render_svg(&plot, "t", None).unwrap();
            svg.matches("stroke=\"#010203\" stroke-width=\"2\" points=\"")
                .count()
        };
        let whole = polylines(vec![Some(1.0), Some(2.0), Some(3.0), Some(4.0)]);
        let gap = polylines(vec![Some(1.0), None, Some(3.0), Some(4.0)]);
        assert!(whole >= 3);
        assert_eq!(
            gap,
            whole + 3,
            "two runs of angles in each of the three panels"
        );
    }

    #[test]
    fn year_ticks_between_whole_years_keep_their_fraction() {
        assert_eq!(year_label(&2032.0), "2032");
        assert_eq!(year_label(&2032.5), "2032.5");
        assert_ne!(year_label(&2031.5), year_label(&2032.0));
    }

    #[test]
    fn angle_ticks_read_differently_on_a_fine_sweep() {
        assert_eq!(angle_decimals(-14.125, -5.875), 1);
        assert_eq!(angle_decimals(-5.925, -5.475), 2);
        assert_eq!(angle_decimals(-0.35, -0.05), 2);
    }

    #[test]
    fn bins_hold_every_value() {
        let v: Vec<f64> = (0..1000).map(|k| (k as f64 * 0.37).sin()).collect();
        let b = bins(&v, 0.0, None);
        assert_eq!(b.len(), 31);
        assert_eq!(b.iter().map(|x| x.2).sum::<u64>(), 1000);
        assert!(b.windows(2).all(|w| (w[0].1 - w[1].0).abs() < 1e-12));
    }

    /// A limit among the values is a bin edge: the bars right of its line hold exactly the
    /// values above it, those left of it the others (a value at the limit, or within rounding
    /// of it, is not beyond it); each bar's count is the values in its (a, b]. A limit far from
    /// the values moves nothing.
    #[test]
    fn no_bar_straddles_a_limit() {
        let mut v: Vec<f64> = (0..300)
            .map(|k| 45.0 + 5.0 * (k as f64 * 0.61).sin())
            .collect();
        for limit in [49.96f64, 47.123, 40.5, 50.2, 131.0 / 3.0] {
            let mut w = v.clone();
            // The limit itself (a propellant used to the last gram) and its neighbours.
            let (below, above) = (
                f64::from_bits(limit.to_bits() - 1),
                f64::from_bits(limit.to_bits() + 1),
            );
            w.extend([limit, limit, below, above, above]);
            let b = bins(&w, 0.0, Some(limit));
            assert_eq!(
                b.iter().map(|x| x.2).sum::<u64>(),
                w.len() as u64,
                "{limit}"
            );
            let right: u64 = b.iter().filter(|x| x.0 >= limit).map(|x| x.2).sum();
            let left: u64 = b.iter().filter(|x| x.1 <= limit).map(|x| x.2).sum();
            // Within 1e-12 of the limit is at it (rounding): its ulp neighbours go left.
            let beyond = w.iter().filter(|&&x| x > limit * (1.0 + 1e-12)).count() as u64;
            assert_eq!(right, beyond, "{limit}: {b:?}");
            assert_eq!(left, w.len() as u64 - beyond, "{limit}: {b:?}");
            // Away from the limit, a bar holds the values in its (a, b].
            for x in &b {
                let held = w.iter().filter(|&&y| x.0 < y && y <= x.1).count() as u64;
                let off = (x.0 - limit).abs().min((x.1 - limit).abs());
                if off > 1e-9 {
                    assert_eq!(x.2, held, "{limit}: {x:?}");
                }
            }
        }
        v.push(f64::NAN);
        assert_eq!(bins(&v, 0.0, Some(1e6)), bins(&v, 0.0, None));
        assert_eq!(bins(&v, 0.0, Some(f64::NAN)), bins(&v, 0.0, None));
    }

    #[test]
    fn a_lone_value_gets_one_bar_of_the_minimum_width() {
        let b = bins(&[42.0], 0.2, None);
        assert_eq!(b.len(), 1);
        assert!((b[0].1 - b[0].0 - 0.2).abs() < 1e-12 && b[0].0 < 42.0 && 42.0 < b[0].1);
        assert_eq!(b[0].2, 1);
        let b = bins(&[1.0, 1.05, 1.1], 0.5, None);
        assert_eq!(b.iter().map(|x| x.2).sum::<u64>(), 3);
        assert!(b.iter().all(|x| (x.1 - x.0 - 0.5).abs() < 1e-12));
    }

    #[test]
    fn equal_aspect_gives_equal_scales() {
        let (x, y) = equal_aspect((10.0, 40.0), (2.0, 1.0), (800, 500));
        let sx = 800.0 / (x.end - x.start);
        let sy = 500.0 / (y.end - y.start);
        assert!((sx - sy).abs() < 1e-9 * sx);
        assert!(x.end - x.start >= 2.0 && y.end - y.start >= 1.0);
    }

    #[test]
    fn captions_wrap_at_spaces() {
        let lines = wrap("one two three four five six", 9);
        assert_eq!(lines, ["one two", "three", "four five", "six"]);
    }

    /// A legend label wider than its strip is wrapped into lines that fit, as even as can be,
    /// keeping every word; one that fits stays whole.
    #[test]
    fn legend_labels_wrap_into_even_lines_that_fit() {
        register_fonts();
        let mut svg = String::new();
        let area = SVGBackend::with_string(&mut svg, (400, 100)).into_drawing_area();
        let style = legend_style();
        let width = |l: &str| area.estimate_text_size(l, &style).unwrap().0;
        let label = "99.73% ellipse, semi-axes 16.7 x 7.6 km";
        assert_eq!(legend_lines(&area, label, width(label)).unwrap(), [label]);
        let narrow = width(label) * 3 / 4;
        let lines = legend_lines(&area, label, narrow).unwrap();
        assert_eq!(lines, ["99.73% ellipse,", "semi-axes 16.7 x 7.6 km"]);
        assert!(lines.iter().all(|l| width(l) <= narrow));
        // A word wider than the strip stays whole.
        assert_eq!(
            legend_lines(&area, "a propulsion_degradation_per_year", 40).unwrap(),
            ["a", "propulsion_degradation_per_year"]
        );
    }

    /// A footprint across the antimeridian is drawn in one piece, about its centre.
    #[test]
    fn a_footprint_across_the_antimeridian_is_unwrapped_about_its_centre() {
        let f = Footprint {
            points: vec![(42.0, 179.9), (42.1, -179.9)],
            points_label: String::new(),
            outside: vec![(41.9, -179.8)],
            outside_label: String::new(),
            outline: vec![(42.0, 179.8), (42.0, -179.8)],
            centre: Some((42.0, -179.95)),
            ellipse_label: String::new(),
            target: Some((42.0, 180.0)),
            target_outline: vec![(42.0, 179.7)],
            target_label: String::new(),
            drift: Some(((42.0, 179.99), (42.0, -179.99))),
            drift_label: String::new(),
        }
        .unwrapped();
        let mut lons: Vec<f64> = f.points.iter().chain(&f.outside).map(|p| p.1).collect();
        lons.extend(f.outline.iter().chain(&f.target_outline).map(|p| p.1));
        lons.extend([f.centre.unwrap().1, f.target.unwrap().1]);
        let (c, w) = f.drift.unwrap();
        lons.extend([c.1, w.1]);
        let centre = f.centre.unwrap().1;
        for x in lons {
            assert!((x - centre).abs() < 0.5, "{x} against {centre}");
        }
    }
}
