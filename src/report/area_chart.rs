//! The year report's chart per area: per month a bar of the suppliers that deviated in the
//! area, one colour per supplier, named in the legend. Drawn once by plotters, as SVG for the
//! HTML page and as PNG for the Word file, with the embedded DejaVu Sans for its text.

use std::sync::Once;

use anyhow::Result;
use plotters::coord::Shift;
use plotters::prelude::*;

/// DejaVu Sans (Debian's fonts-dejavu-core; Bitstream Vera licence, which allows shipping it:
/// `src/report/fonts/LICENSE-DejaVu.txt`).
static DEJAVU_SANS: &[u8] = include_bytes!("fonts/DejaVuSans.ttf");

/// Registers the embedded font as plotters' `sans-serif`, the family every chart uses: its
/// text is laid out with it in SVG and drawn with it in PNG. Every chart function calls it
/// before drawing (once per process does the work).
pub fn register_fonts() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        if plotters::style::register_font("sans-serif", FontStyle::Normal, DEJAVU_SANS).is_err() {
            unreachable!("the embedded font is a valid TrueType font");
        }
    });
}

/// Supplier colours: distinct from each other.
const COLOURS: [RGBColor; 10] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(127, 127, 127),
    RGBColor(188, 189, 34),
    RGBColor(23, 190, 207),
];

/// The chart's size in pixels.
pub const SIZE: (u32, u32) = (900, 380);

/// What one area's chart shows: the month labels and, per supplier that deviated in the area,
/// whether it deviated in each month.
pub struct AreaChart<'a> {
    pub title: &'a str,
    pub months: &'a [String],
    pub suppliers: &'a [(String, Vec<bool>)],
}

fn plot_error<E: std::fmt::Debug>(e: E) -> anyhow::Error {
    anyhow::anyhow!("ett diagram kan inte ritas: {e:?}")
}

/// Draws the chart on any plotters backend.
fn draw<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, chart: &AreaChart) -> Result<()> {
    root.fill(&WHITE).map_err(plot_error)?;
    let (plot, legend) = root.split_horizontally(SIZE.0 * 64 / 100);
    let n = chart.months.len().max(1);
    let highest = (0..n).map(|m| chart.suppliers.iter().filter(|(_, d)| d.get(m) == Some(&true)).count()).max().unwrap_or(0).max(1);
    let mut area = ChartBuilder::on(&plot)
        .caption(chart.title, ("sans-serif", 20))
        .margin(10)
        .x_label_area_size(40)
        .y_label_area_size(50)
        .build_cartesian_2d(-0.5f64..n as f64 - 0.5, 0f64..highest as f64 + 0.5)
        .map_err(plot_error)?;
    let labels = chart.months;
    area.configure_mesh()
        .disable_x_mesh()
        .x_labels(n)
        .x_label_formatter(&|x| {
            // A month's label sits under its bar, at the whole number of its place.
            if (x - x.round()).abs() < 1e-6 && *x >= 0.0 {
                labels.get(x.round() as usize).cloned().unwrap_or_default()
            } else {
                String::new()
            }
        })
        .light_line_style(WHITE)
        .y_labels(highest + 1)
        .y_label_formatter(&|y| if y.fract() == 0.0 { format!("{y:.0}") } else { String::new() })
        .y_desc("Utförare med avvikelse")
        .label_style(("sans-serif", 14))
        .axis_desc_style(("sans-serif", 14))
        .draw()
        .map_err(plot_error)?;
    let bars = chart.suppliers.iter().enumerate().flat_map(|(k, (_, deviated))| {
        let colour = COLOURS[k % COLOURS.len()];
        let below = move |m: usize| chart.suppliers[..k].iter().filter(|(_, d)| d.get(m) == Some(&true)).count() as f64;
        deviated.iter().enumerate().filter(|(_, d)| **d).map(move |(m, _)| {
            let y = below(m);
            Rectangle::new([(m as f64 - 0.35, y), (m as f64 + 0.35, y + 1.0)], colour.filled())
        })
    });
    area.draw_series(bars).map_err(plot_error)?;
    // The legend names every supplier beside the plot.
    for (k, (name, deviated)) in chart.suppliers.iter().enumerate() {
        let y = 40 + 24 * k as i32;
        let colour = COLOURS[k % COLOURS.len()];
        legend.draw(&Rectangle::new([(10, y - 8), (26, y + 8)], colour.filled())).map_err(plot_error)?;
        let months = deviated.iter().filter(|d| **d).count();
        let text = format!("{name} ({months} mån)");
        legend.draw(&Text::new(text, (34, y - 8), ("sans-serif", 15))).map_err(plot_error)?;
    }
    root.present().map_err(plot_error)?;
    Ok(())
}

/// The chart as inline SVG.
pub fn area_chart_svg(chart: &AreaChart) -> Result<String> {
    register_fonts();
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, SIZE).into_drawing_area();
        draw(&root, chart)?;
    }
    Ok(svg)
}

/// The chart as a PNG file's bytes.
pub fn area_chart_png(chart: &AreaChart) -> Result<Vec<u8>> {
    register_fonts();
    let mut rgb = vec![0u8; (SIZE.0 * SIZE.1 * 3) as usize];
    {
        let root = BitMapBackend::with_buffer(&mut rgb, SIZE).into_drawing_area();
        draw(&root, chart)?;
    }
    png(&rgb, SIZE.0, SIZE.1)
}

/// An 8-bit RGB image as PNG: the signature, the header, the rows (each with filter 0)
/// deflated in one data chunk, and the end.
fn png(rgb: &[u8], width: u32, height: u32) -> Result<Vec<u8>> {
    use std::io::Write;
    fn chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
        out.extend_from_slice(&(data.len() as u32).to_be_bytes());
        let mut crc = crc32fast::Hasher::new();
        crc.update(kind);
        crc.update(data);
        out.extend_from_slice(kind);
        out.extend_from_slice(data);
        out.extend_from_slice(&crc.finalize().to_be_bytes());
    }
    let mut header = Vec::with_capacity(13);
    header.extend_from_slice(&width.to_be_bytes());
    header.extend_from_slice(&height.to_be_bytes());
    header.extend_from_slice(&[8, 2, 0, 0, 0]);
    let mut rows = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    for row in rgb.chunks(width as usize * 3) {
        rows.write_all(&[0])?;
        rows.write_all(row)?;
    }
    let data = rows.finish()?;
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    chunk(&mut out, b"IHDR", &header);
    chunk(&mut out, b"IDAT", &data);
    chunk(&mut out, b"IEND", &[]);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_png_holds_the_chart_pixel_for_pixel() {
        let months: Vec<String> = ["jan", "feb", "mar"].map(String::from).to_vec();
        let suppliers = vec![("Trygg Vård AB".to_string(), vec![true, false, true])];
        let bytes = area_chart_png(&AreaChart { title: "Registrering", months: &months, suppliers: &suppliers }).unwrap();
        assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
        assert_eq!(&bytes[12..16], b"IHDR");
        assert_eq!(u32::from_be_bytes(bytes[16..20].try_into().unwrap()), SIZE.0);
        assert_eq!(u32::from_be_bytes(bytes[20..24].try_into().unwrap()), SIZE.1);
        // The data chunk inflates to one filter byte and three bytes per pixel on every row.
        let length = u32::from_be_bytes(bytes[33..37].try_into().unwrap()) as usize;
        assert_eq!(&bytes[37..41], b"IDAT");
        let mut raw = Vec::new();
        use std::io::Read;
        flate2::read::ZlibDecoder::new(&bytes[41..41 + length]).read_to_end(&mut raw).unwrap();
        assert_eq!(raw.len(), (SIZE.0 as usize * 3 + 1) * SIZE.1 as usize);
        assert!(raw.chunks(SIZE.0 as usize * 3 + 1).all(|row| row[0] == 0));
        // Something besides white is drawn: the bars, the axes and the text.
        let pixels = raw.chunks(SIZE.0 as usize * 3 + 1).flat_map(|row| row[1..].chunks(3));
        let blue = pixels.filter(|p| p == &[31, 119, 180]).count();
        assert!(blue > 1000, "the supplier's bars in its colour: {blue}");
        let crc_at = 41 + length;
        let mut crc = crc32fast::Hasher::new();
        crc.update(&bytes[37..crc_at]);
        assert_eq!(u32::from_be_bytes(bytes[crc_at..crc_at + 4].try_into().unwrap()), crc.finalize());
        let svg = area_chart_svg(&AreaChart { title: "Registrering", months: &months, suppliers: &suppliers }).unwrap();
        assert!(svg.contains("Trygg Vård AB (2 mån)"), "the legend names the supplier");
    }
}
