//! Charts drawn with plotters as inline SVG (no fonts or files needed), with Swedish titles.

use plotters::prelude::*;

use crate::model::Bound;
use crate::report::area_chart::register_fonts;

/// One line of a chart: a name and a value per x position (missing values break the line).
pub struct Line<'a> {
    pub name: &'a str,
    pub values: Vec<Option<f64>>,
    /// Drawn thicker and black (the municipality-wide values).
    pub emphasised: bool,
}

/// Series colours: distinct from each other and from the red of the requirement line.
const SERIES: [RGBColor; 8] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(23, 190, 207),
    RGBColor(127, 127, 127),
    RGBColor(188, 189, 34),
];

fn plot_error<E: std::fmt::Debug>(e: E) -> anyhow::Error {
    anyhow::anyhow!("ett diagram kan inte ritas: {e:?}")
}

/// The y axis of a line chart: every value and bound, padded, not below 0.
fn y_range(lines: &[Line], requirement: Option<Bound>, percent: bool) -> (f64, f64) {
    let scale = if percent { 100.0 } else { 1.0 };
    let mut values: Vec<f64> = lines.iter().flat_map(|l| l.values.iter().flatten().map(|v| v * scale)).collect();
    values.extend(requirement.iter().flat_map(|b| [b.min, b.max]).flatten().map(|v| v * scale));
    let lo = values.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let (lo, hi) = if values.is_empty() { (0.0, 1.0) } else { (lo, hi) };
    let pad = ((hi - lo) * 0.1).max(if percent { 2.0 } else { 0.5 });
    ((lo - pad).max(0.0), hi + pad)
}

/// The runs of present values of a series: a missing month breaks the line.
fn segments(values: &[Option<f64>], scale: f64) -> Vec<Vec<(f64, f64)>> {
    let mut segments: Vec<Vec<(f64, f64)>> = Vec::new();
    for (x, v) in values.iter().enumerate() {
        match v {
            Some(v) if x > 0 && values[x - 1].is_some() => segments.last_mut().expect("open segment").push((x as f64, v * scale)),
            Some(v) => segments.push(vec![(x as f64, v * scale)]),
            None => {}
        }
    }
    segments
}

/// Whether a chart of these lines would show nothing: every value 0 or missing.
pub fn nothing_to_draw(lines: &[Line]) -> bool {
    lines.iter().flat_map(|l| l.values.iter().flatten()).all(|v| *v == 0.0)
}

/// Values over time, one line per series, with the requirement's bounds drawn in red.
/// `percent` shows shares as percentages.
pub fn lines_chart(title: &str, x_labels: &[String], lines: &[Line], requirement: Option<Bound>, percent: bool) -> anyhow::Result<String> {
    register_fonts();
    let scale = if percent { 100.0 } else { 1.0 };
    let (y0, y1) = y_range(lines, requirement, percent);
    let n = x_labels.len().max(1);

    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (860, 380)).into_drawing_area();
        root.fill(&WHITE).map_err(plot_error)?;
        // The legend goes beside the plot so that it never hides a line.
        let (plot, legend) = root.split_horizontally(650);
        let mut chart = ChartBuilder::on(&plot)
            .caption(title, ("sans-serif", 18))
            .margin(12)
            .x_label_area_size(32)
            .y_label_area_size(56)
            .build_cartesian_2d(-0.5f64..(n as f64 - 0.5), y0..y1)
            .map_err(plot_error)?;
        let x_label = |x: &f64| {
            let i = x.round();
            if (x - i).abs() < 1e-9 && i >= 0.0 {
                x_labels.get(i as usize).cloned().unwrap_or_default()
            } else {
                String::new()
            }
        };
        // Whole numbers (counts) get whole-number ticks only.
        let whole = !percent && lines.iter().flat_map(|l| l.values.iter().flatten()).all(|v| v.fract() == 0.0);
        let y_label = |y: &f64| match (percent, whole) {
            (true, _) => format!("{y:.0} %"),
            (false, true) if (y - y.round()).abs() < 1e-9 => format!("{y:.0}"),
            (false, true) => String::new(),
            (false, false) => format!("{y:.1}").replace('.', ","),
        };
        chart
            .configure_mesh()
            .x_labels(n * 2 + 1)
            .x_label_formatter(&x_label)
            .y_label_formatter(&y_label)
            .disable_x_mesh()
            .max_light_lines(1)
            .draw()
            .map_err(plot_error)?;

        let mut entries: Vec<(String, ShapeStyle)> = Vec::new();
        if let Some(bound) = requirement {
            for (k, level) in [bound.min, bound.max].into_iter().flatten().enumerate() {
                chart
                    .draw_series(DashedLineSeries::new(
                        vec![(-0.5, level * scale), (n as f64 - 0.5, level * scale)],
                        8,
                        5,
                        RED.stroke_width(2),
                    ))
                    .map_err(plot_error)?;
                if k == 0 {
                    entries.push(("Krav".to_string(), RED.stroke_width(2)));
                }
            }
        }
        let style_of =
            |i: usize, line: &Line| if line.emphasised { BLACK.stroke_width(4) } else { SERIES[i % SERIES.len()].stroke_width(2) };
        // The emphasised (municipality's) lines are drawn first, thick, and the others over
        // them: a supplier whose values equal the municipality's stays visible on top.
        let mut order: Vec<usize> = (0..lines.len()).collect();
        order.sort_by_key(|&i| !lines[i].emphasised);
        for i in order {
            let line = &lines[i];
            let style = style_of(i, line);
            let radius = if line.emphasised { 6 } else { 4 };
            let points: Vec<(f64, f64)> = line.values.iter().enumerate().filter_map(|(x, v)| v.map(|v| (x as f64, v * scale))).collect();
            for segment in segments(&line.values, scale) {
                chart.draw_series(LineSeries::new(segment, style)).map_err(plot_error)?;
            }
            chart.draw_series(points.iter().map(|p| Circle::new(*p, radius, style.filled()))).map_err(plot_error)?;
        }
        entries.extend(lines.iter().enumerate().map(|(i, line)| (line.name.to_string(), style_of(i, line))));
        for (k, (name, style)) in entries.iter().enumerate() {
            let y = 48 + 20 * k as i32;
            legend.draw(&PathElement::new(vec![(8, y), (30, y)], *style)).map_err(plot_error)?;
            legend.draw(&Text::new(name.as_str(), (36, y - 7), ("sans-serif", 13))).map_err(plot_error)?;
        }
        root.present().map_err(plot_error)?;
    }
    Ok(svg)
}

/// A bar chart: one bar per labelled value, highlighted bars in red, and an optional
/// reference level (a requirement) as a dashed red line. `percent` shows shares as percentages.
pub fn bars_chart(
    title: &str,
    x_title: &str,
    y_title: &str,
    bars: &[(String, f64)],
    highlight: &[bool],
    reference: Option<f64>,
    percent: bool,
) -> anyhow::Result<String> {
    register_fonts();
    let scale = if percent { 100.0 } else { 1.0 };
    let top = bars.iter().map(|b| b.1 * scale).chain(reference.map(|r| r * scale)).fold(0.0, f64::max);
    let top = if top > 0.0 { top * 1.1 } else { 1.0 };
    let n = bars.len().max(1);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (860, 360)).into_drawing_area();
        root.fill(&WHITE).map_err(plot_error)?;
        // Bar i is centred on x = i, so that the axis's round-number ticks fall under bars; at
        // most 15 of them, or a year's days would be a solid band of ticks.
        let mut chart = ChartBuilder::on(&root)
            .caption(title, ("sans-serif", 18))
            .margin(12)
            .x_label_area_size(44)
            .y_label_area_size(60)
            .build_cartesian_2d(-0.5f64..(n as f64 - 0.5), 0f64..top)
            .map_err(plot_error)?;
        let x_label = |x: &f64| {
            let i = x.round();
            if (x - i).abs() < 1e-9 && i >= 0.0 {
                bars.get(i as usize).map(|b| b.0.clone()).unwrap_or_default()
            } else {
                String::new()
            }
        };
        // Counts get whole-number ticks only: a tick between two whole numbers has no label.
        let y_label = |y: &f64| match (percent, (y - y.round()).abs() < 1e-9) {
            (true, _) => format!("{y:.0} %"),
            (false, true) => format!("{y:.0}"),
            (false, false) => String::new(),
        };
        chart
            .configure_mesh()
            .x_labels(n.min(15))
            .x_label_formatter(&x_label)
            .y_label_formatter(&y_label)
            .x_desc(x_title)
            .y_desc(y_title)
            .disable_x_mesh()
            .max_light_lines(1)
            .draw()
            .map_err(plot_error)?;
        chart
            .draw_series(bars.iter().enumerate().map(|(i, (_, value))| {
                let color = if highlight.get(i).copied().unwrap_or(false) { RED.filled() } else { BLUE.mix(0.6).filled() };
                Rectangle::new([(i as f64 - 0.4, 0.0), (i as f64 + 0.4, value * scale)], color)
            }))
            .map_err(plot_error)?;
        if let Some(level) = reference {
            chart
                .draw_series(DashedLineSeries::new(vec![(-0.5, level * scale), (n as f64 - 0.5, level * scale)], 8, 5, RED.stroke_width(2)))
                .map_err(plot_error)?;
        }
        root.present().map_err(plot_error)?;
    }
    Ok(svg)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The text of every `<text>` element of an SVG, trimmed.
    fn texts(svg: &str) -> Vec<&str> {
        svg.split("<text").skip(1).filter_map(|t| t.split_once('>')).map(|(_, rest)| rest.split("</text>").next().unwrap().trim()).collect()
    }

    /// The short vertical strokes of an SVG: the x axis's tick marks.
    fn vertical_ticks(svg: &str) -> usize {
        svg.split("points=\"")
            .skip(1)
            .filter_map(|p| p.split('"').next())
            .filter(|points| {
                let xy: Vec<(i32, i32)> = points
                    .split_whitespace()
                    .filter_map(|pair| pair.split_once(','))
                    .map(|(x, y)| (x.parse().unwrap(), y.parse().unwrap()))
                    .collect();
                matches!(xy[..], [(x1, y1), (x2, y2)] if x1 == x2 && (y1 - y2).abs() <= 10)
            })
            .count()
    }

    #[test]
    fn a_bar_chart_of_half_a_years_days_has_a_tick_under_a_few_bars_only() {
        let bars: Vec<(String, f64)> = (0..181).map(|d| (format!("dag{d}"), 20.0)).collect();
        let svg = bars_chart("Besök per dag", "Datum", "Antal besök", &bars, &[], None, false).unwrap();
        let ticks = vertical_ticks(&svg);
        assert!((5..=16).contains(&ticks), "{ticks} ticks");
        let texts = texts(&svg);
        let labels = bars.iter().filter(|(label, _)| texts.contains(&label.as_str())).count();
        assert_eq!(labels, ticks, "a label under every tick");
        assert!(texts.contains(&"dag0"));
    }

    #[test]
    fn every_bar_of_a_short_chart_is_labelled() {
        let bars: Vec<(String, f64)> = (0..11).map(|m| (m.to_string(), 3.0)).collect();
        let svg = bars_chart("Mellanrum", "Minuter", "Antal", &bars, &[], None, false).unwrap();
        let texts = texts(&svg);
        assert!((0..11).all(|m| texts.contains(&m.to_string().as_str())), "{texts:?}");
        assert_eq!(vertical_ticks(&svg), 11);
    }
}
