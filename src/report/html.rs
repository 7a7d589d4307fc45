//! report.html: one self-contained page (inline CSS and SVG, no scripts, nothing fetched).

use super::data::Table;
use super::{sig, Figure, Page};

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

const STYLE: &str = "
body { font-family: system-ui, -apple-system, 'Segoe UI', 'DejaVu Sans', sans-serif;
       margin: 0 auto; max-width: 1040px; padding: 1.5em; color: #222; line-height: 1.45; }
h1 { font-size: 1.6em; margin-bottom: 0.2em; }
h2 { font-size: 1.25em; border-bottom: 1px solid #ddd; padding-bottom: 0.2em; margin-top: 2em; }
table { border-collapse: collapse; font-size: 0.9em; }
td, th { padding: 0.2em 0.7em; border-bottom: 1px solid #eee; text-align: right; }
td:first-child, th:first-child { text-align: left; }
table.facts td { text-align: left; white-space: pre-wrap; }
nav a { margin-right: 1em; }
figure.dispersa-figure { margin: 2em 0; }
figure.dispersa-figure svg { width: 100%; height: auto; display: block;
       border: 1px solid #e4e4e4; }
figcaption { color: #444; margin-top: 0.4em; }
.files { font-size: 0.85em; color: #666; }
.note { background: #fff4e0; border-left: 4px solid #e8a33d; padding: 0.5em 1em; }
.wide { overflow-x: auto; }
";

/// Make plotters' SVG scale with the page: keep its viewBox, drop its fixed pixel size.
fn responsive(svg: &str) -> String {
    let Some(start) = svg.find("<svg") else {
        return svg.to_string();
    };
    let end = start + svg[start..].find('>').unwrap_or(0);
    let head = &svg[start..end];
    let mut new_head = head.to_string();
    for attr in ["width", "height"] {
        let key = format!(" {attr}=\"");
        if let Some(i) = new_head.find(&key) {
            let j = i + key.len() + new_head[i + key.len()..].find('"').unwrap_or(0) + 1;
            new_head.replace_range(i..j, "");
        }
    }
    if !new_head.contains("viewBox") {
        new_head.push_str(&format!(
            " viewBox=\"0 0 {} {}\"",
            super::figures::WIDTH,
            super::figures::HEIGHT
        ));
    }
    new_head.push_str(" role=\"img\"");
    format!("{}{}{}", &svg[..start], new_head, &svg[end..])
}

fn summary_table(t: &Table) -> String {
    let get = |c: &str| t.f64s(c).unwrap_or_else(|_| vec![None; t.rows]);
    let (metric, unit) = (
        t.strings("metric").unwrap_or_default(),
        t.strings("unit").unwrap_or_default(),
    );
    let count = get("count");
    // Every statistic of summary.parquet, in its order.
    let cols = [
        ("mean", "mean"),
        ("std", "std"),
        ("min", "min"),
        ("p00135", "p0.135"),
        ("p02275", "p2.275"),
        ("p50", "p50"),
        ("p97725", "p97.725"),
        ("p99865", "p99.865"),
        ("max", "max"),
        ("ci_low", "95% CI low"),
        ("ci_high", "95% CI high"),
        ("tolerance_lower_99865_95", "lower bound 99.865%/95%"),
        ("tolerance_upper_99865_95", "upper bound 99.865%/95%"),
    ];
    let data: Vec<Vec<Option<f64>>> = cols.iter().map(|c| get(c.0)).collect();
    let std_col = cols
        .iter()
        .position(|c| c.0 == "std")
        .expect("std is a column");
    let mut h = String::from(
        "<table class=\"summary\"><thead><tr><th>metric</th><th>unit</th><th>count</th>",
    );
    for (_, head) in cols {
        h.push_str(&format!("<th>{}</th>", esc(head)));
    }
    h.push_str("</tr></thead><tbody>\n");
    for k in 0..metric.len() {
        h.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td>",
            esc(&metric[k]),
            esc(unit.get(k).map_or("", |s| s.as_str())),
            count[k].map_or(String::new(), |c| format!("{c:.0}"))
        ));
        // Angles to 1e-6 deg (0.1 m on the ground): 4 significant digits of a latitude or
        // longitude are ~10 km, more than a footprint's minor axis.
        let deg = unit.get(k).is_some_and(|u| u == "deg");
        // Other rows to 4 significant digits, or finer where the row's spread is smaller than
        // their last digit (an audit: min_sun_distance_au, std 1.1e-5, read 0.988 in every
        // column), so that the standard deviation shows in two digits; MJDs to 0.01 day.
        // A spread at f64 rounding of the values (a constant output's 3e-16) is none.
        let level = data[0][k].map_or(0.0, f64::abs);
        let spread = data[std_col][k].filter(|s| s.is_finite() && *s > 1e-12 * level);
        let mjd = unit
            .get(k)
            .is_some_and(|u| crate::physics::epoch::is_epoch_unit(u));
        let fine = spread.map_or(0, |s| (1 - s.log10().floor() as i32).max(0) as usize);
        let fmt = |x: f64| {
            if deg {
                format!("{x:.6}")
            } else if mjd {
                format!("{x:.2}")
            } else {
                let coarse = sig(x);
                let shown = coarse.split('.').nth(1).map_or(0, str::len);
                if fine > shown && !coarse.contains('e') {
                    format!("{x:.fine$}")
                } else {
                    coarse
                }
            }
        };
        for (c, col) in data.iter().enumerate() {
            // An epoch's calendar date under it (not under its spread, a duration): the
            // printed summary gives them, and a reader of the page converted MJDs by hand (a
            // cruise analyst's trial).
            let date = |x: f64| {
                if mjd && c != std_col {
                    format!(
                        "<br><small>{}</small>",
                        crate::physics::epoch::date_from_mjd(x)
                    )
                } else {
                    String::new()
                }
            };
            h.push_str(&format!(
                "<td>{}</td>",
                col[k].map_or(String::new(), |x| format!("{}{}", fmt(x), date(x)))
            ));
        }
        h.push_str("</tr>\n");
    }
    h.push_str("</tbody></table>\n");
    // Blank tolerance bounds, said on the page (the run's stdout and the file's metadata alone
    // said why: a review-package trial).
    let col = |name: &str| cols.iter().position(|c| c.0 == name).expect("a column");
    let (p50, tol) = (col("p50"), col("tolerance_upper_99865_95"));
    // The metrics' rows (the probabilities', the statuses' and the footprint's have no p50).
    // Blank for want of values, not for a summary written before the columns (a review).
    let short = |k: usize| count[k].is_some_and(crate::stats::short_of_tolerance);
    let blank = (0..t.rows)
        .filter(|&k| data[p50][k].is_some() && data[tol][k].is_none() && short(k))
        .count();
    if blank > 0 {
        h.push_str(&format!(
            "<p class=\"note\">The tolerance bounds (one-sided 99.865 % at 95 % confidence, from \
             order statistics) need at least {} values of a metric: {blank} rows have fewer and \
             are blank. Their p99.865 is an estimate, not a bound.</p>\n",
            crate::stats::TOLERANCE_MIN_SAMPLES
        ));
    }
    h
}

/// The page: facts of the run, notes, the figures (inline SVG), summary.parquet as a table.
pub fn page(p: &Page, figures: &[(&Figure, String)]) -> String {
    let mut h = format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body data-figures=\"{}\">\n",
        esc(&p.title),
        figures.len()
    );
    h.push_str(&format!("<h1>{}</h1>\n", esc(&p.title)));
    h.push_str("<table class=\"facts\">\n");
    for (k, v) in &p.facts {
        h.push_str(&format!(
            "<tr><td>{}</td><td>{}</td></tr>\n",
            esc(k),
            esc(v)
        ));
    }
    h.push_str("</table>\n");
    for n in &p.notes {
        h.push_str(&format!("<p class=\"note\">{}</p>\n", esc(n)));
    }
    h.push_str("<nav>");
    for (f, _) in figures {
        h.push_str(&format!(
            "<a href=\"#fig-{}\">{}</a> ",
            esc(&f.name),
            esc(&f.title)
        ));
    }
    if p.summary.is_some() {
        h.push_str("<a href=\"#summary\">summary table</a> ");
    }
    if !p.flown.is_empty() {
        h.push_str("<a href=\"#config\">what was flown</a>");
    }
    h.push_str("</nav>\n<h2>Figures</h2>\n");
    for (f, svg) in figures {
        h.push_str(&format!(
            "<figure class=\"dispersa-figure\" id=\"fig-{}\">\n{}\n<figcaption>{}</figcaption>\n\
             <p class=\"files\">Files: <a href=\"{0}.svg\">{0}.svg</a>, \
             <a href=\"{0}.png\">{0}.png</a></p>\n</figure>\n",
            esc(&f.name),
            responsive(svg),
            esc(&f.caption)
        ));
    }
    if let Some(t) = &p.summary {
        h.push_str("<h2 id=\"summary\">Summary (summary.parquet)</h2>\n");
        h.push_str(
            "<p>Each metric over the samples that have it. Rows <code>status_*</code>: count \
             in samples, mean the fraction of all samples. Rows <code>prob_*</code>: mean the \
             probability, with its Wilson 95% interval (none for a --nominal run: one \
             undispersed flight; its coverage dips to about 84 % for a probability near 0.17 / \
             n, so read a rare event's upper end with that in mind), and min/max its least and \
             greatest value whatever the flights the time limit left open would do (the \
             interval then covers those flights either way). Rows \
             <code>footprint_*</code> (a reentry's): \
             the 99.73% ellipse's semi-axes (ci_low/ci_high: bootstrap 95% intervals), \
             orientation from north, centre and the share of landings inside it (with its \
             Wilson interval, on the points that fitted the ellipse) (README, \"Outputs\").</p>\n",
        );
        // Sixteen columns: the table scrolls sideways rather than widen the page.
        h.push_str("<div class=\"wide\">");
        h.push_str(&summary_table(t));
        h.push_str("</div>\n");
        let metrics = t.strings("metric").unwrap_or_default();
        let said: Vec<String> = p
            .conventions
            .iter()
            .filter(|(m, _)| metrics.iter().any(|x| x == m))
            .map(|(m, what)| format!("<code>{}</code>: {}", esc(m), esc(what)))
            .collect();
        if !said.is_empty() {
            h.push_str(&format!(
                "<p class=\"note\">Conventions: {}.</p>\n",
                said.join("; ")
            ));
        }
    }
    h.push_str(&flown_section(&p.flown));
    h.push_str("</body>\n</html>\n");
    h
}

/// What was flown: each config's `--set` overrides and its text, as the files keep them (the
/// text folded away, the overrides shown).
fn flown_section(flown: &[(String, crate::config::RawConfig)]) -> String {
    if flown.is_empty() {
        return String::new();
    }
    let mut h = String::from("<h2 id=\"config\">What was flown</h2>\n");
    for (what, raw) in flown {
        let sets = if raw.overrides.is_empty() {
            "no <code>--set</code> overrides".to_string()
        } else {
            let list: Vec<String> = raw
                .overrides
                .iter()
                .map(|o| format!("<code>--set {}</code>", esc(o)))
                .collect();
            format!("the overrides {}", list.join(", "))
        };
        h.push_str(&format!(
            "<p>The config of {} (as its files keep it), with {sets}:</p>\n<details>\
             <summary>the config file ({} lines)</summary>\n<pre>{}</pre>\n</details>\n",
            esc(what),
            raw.text.lines().count(),
            esc(&raw.text)
        ));
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn responsive_svg_keeps_a_view_box() {
        let s = responsive(
            "<svg width=\"960\" height=\"600\" viewBox=\"0 0 960 600\" xmlns=\"x\"><g/></svg>",
        );
        assert!(
            s.starts_with("<svg viewBox=\"0 0 960 600\" xmlns=\"x\" role=\"img\">"),
            "{s}"
        );
        let s = responsive("<svg width=\"960\" height=\"600\"><g/></svg>");
        assert!(s.contains("viewBox=\"0 0 960 600\""), "{s}");
        assert!(!s.contains("width="), "{s}");
    }

    #[test]
    fn text_is_escaped() {
        assert_eq!(esc("a<b & \"c\">"), "a&lt;b &amp; &quot;c&quot;&gt;");
    }
}
