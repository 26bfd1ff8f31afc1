//! Test harness: a temporary work directory, the tidkoll binary, and readers for its outputs.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// Canonical visits header.
pub const HEADER: &str =
    "visit_id,supplier_id,client_id,staff_id,check_in,check_out,check_in_method,check_out_method,services,planned_minutes";

/// A canonical visits line; times are `YYYY-MM-DD HH:MM` local.
pub fn visit(id: &str, supplier: &str, client: &str, staff: &str, check_in: &str, check_out: &str, services: &str) -> String {
    let out_method = if check_out.is_empty() { "" } else { "nfc" };
    format!("{id},{supplier},{client},{staff},{check_in},{check_out},nfc,{out_method},{services},")
}

/// A visits file: the header and the lines.
pub fn visits_file(lines: &[String]) -> String {
    let mut s = String::from(HEADER);
    for l in lines {
        s.push('\n');
        s.push_str(l);
    }
    s.push('\n');
    s
}

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn ok(&self) -> &Run {
        assert_eq!(self.code, 0, "expected success\nstdout:\n{}\nstderr:\n{}", self.stdout, self.stderr);
        self
    }

    pub fn fails_with(&self, code: i32) -> &Run {
        assert_eq!(self.code, code, "expected exit {code}\nstdout:\n{}\nstderr:\n{}", self.stdout, self.stderr);
        self
    }
}

pub struct Work {
    pub dir: tempfile::TempDir,
}

impl Work {
    pub fn new() -> Work {
        Work { dir: tempfile::tempdir().expect("temp dir") }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Writes a file into the work directory and returns its path as a string.
    pub fn write(&self, name: &str, contents: impl AsRef<[u8]>) -> String {
        let path = self.path(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).unwrap();
        }
        std::fs::write(&path, contents).unwrap();
        path.to_string_lossy().into_owned()
    }

    pub fn read(&self, name: &str) -> String {
        std::fs::read_to_string(self.path(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
    }

    /// Runs the binary in the work directory with a fixed pseudonym key.
    pub fn tidkoll(&self, args: &[&str]) -> Run {
        self.tidkoll_env(args, &[])
    }

    pub fn tidkoll_env(&self, args: &[&str], env: &[(&str, &str)]) -> Run {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_tidkoll"));
        cmd.args(args).current_dir(self.dir.path()).env("TIDKOLL_PSEUDONYM_KEY", "test-key-for-the-tests");
        for (k, v) in env {
            cmd.env(k, v);
        }
        let out = cmd.output().expect("run tidkoll");
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// `tidkoll monthly --out out ARGS`.
    pub fn monthly(&self, args: &[&str]) -> Run {
        let mut all = vec!["monthly", "--out", "out"];
        all.extend_from_slice(args);
        self.tidkoll(&all)
    }

    pub fn figures(&self, month: &str) -> Figures {
        let text = self.read(&format!("out/{month}/figures.csv"));
        let mut lines = text.lines();
        assert_eq!(lines.next(), Some("supplier_id,month,figure,value,status"));
        let mut map = HashMap::new();
        let mut reader = csv::Reader::from_reader(text.as_bytes());
        for rec in reader.records() {
            let rec = rec.unwrap();
            assert_eq!(&rec[1], month);
            map.insert((rec[0].to_string(), rec[2].to_string()), (rec[3].to_string(), rec[4].to_string()));
        }
        Figures(map)
    }

    /// Rows of flags.csv as `visit,supplier,flag,related`.
    pub fn flags(&self, month: &str) -> Vec<String> {
        let text = self.read(&format!("out/{month}/flags.csv"));
        let mut lines = text.lines();
        assert_eq!(lines.next(), Some("visit_id,supplier_id,flag,related_visit_id"));
        lines.map(str::to_string).collect()
    }

    pub fn manifest_in(&self, out: &str, month: &str) -> serde_json::Value {
        serde_json::from_str(&self.read(&format!("{out}/{month}/manifest.json"))).unwrap()
    }

    pub fn manifest(&self, month: &str) -> serde_json::Value {
        serde_json::from_str(&self.read(&format!("out/{month}/manifest.json"))).unwrap()
    }
}

pub struct Figures(pub HashMap<(String, String), (String, String)>);

impl Figures {
    fn get(&self, supplier: &str, figure: &str) -> &(String, String) {
        self.0.get(&(supplier.to_string(), figure.to_string())).unwrap_or_else(|| panic!("no row {supplier} {figure}"))
    }

    /// The value, `None` when written empty (missing).
    pub fn value(&self, supplier: &str, figure: &str) -> Option<f64> {
        let raw = &self.get(supplier, figure).0;
        (!raw.is_empty()).then(|| raw.parse().unwrap())
    }

    pub fn status(&self, supplier: &str, figure: &str) -> &str {
        &self.get(supplier, figure).1
    }

    /// Asserts value (within 1e-9) and status.
    pub fn assert(&self, supplier: &str, figure: &str, value: Option<f64>, status: &str) {
        let got = self.value(supplier, figure);
        match (got, value) {
            (Some(g), Some(v)) => assert!((g - v).abs() < 1e-9, "{supplier} {figure}: got {g}, expected {v}"),
            (g, v) => assert_eq!(g, v, "{supplier} {figure}"),
        }
        assert_eq!(self.status(supplier, figure), status, "{supplier} {figure} status");
    }

    pub fn suppliers(&self) -> Vec<String> {
        let mut s: Vec<String> = self.0.keys().map(|(s, _)| s.clone()).collect();
        s.sort();
        s.dedup();
        s
    }
}

/// Accounting of one input file from the manifest: (read, accepted, rejected, duplicates, outside).
pub fn accounting(manifest: &serde_json::Value, file: &str) -> (u64, u64, u64, u64, u64) {
    let f = manifest["inputs"].as_array().unwrap().iter().find(|f| f["file"] == file).unwrap_or_else(|| panic!("no input {file}"));
    let n = |k: &str| f[k].as_u64().unwrap();
    (n("read"), n("accepted"), n("rejected"), n("duplicates"), n("outside_month"))
}

pub const MONTHS: [&str; 3] = ["2025-01", "2025-02", "2025-03"];

pub fn fixture(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/canonical").join(name).to_string_lossy().into_owned()
}

pub fn run_months(w: &Work, months: &[&str]) {
    for m in months {
        w.monthly(&[
            "--quiet",
            "--visits",
            &fixture(&format!("visits-{m}.csv")),
            "--granted",
            &fixture(&format!("granted-{m}.csv")),
            "--addons",
            &fixture(&format!("addons-{m}.csv")),
            "--absences",
            &fixture(&format!("absences-{m}.csv")),
            "--invoices",
            &fixture(&format!("invoices-{m}.csv")),
        ])
        .ok();
    }
}

/// The whole canonical quarter, run once and shared by the tests that only read it.
pub fn full_quarter() -> &'static (Work, Run) {
    static QUARTER: OnceLock<(Work, Run)> = OnceLock::new();
    QUARTER.get_or_init(|| {
        let w = Work::new();
        run_months(&w, &MONTHS);
        let run = w.tidkoll(&["quarter", "--quarter", "2025-Q1", "--out", "out"]);
        (w, run)
    })
}

/// One entry of a zip file (xlsx, docx) as text.
pub fn zip_entry(path: &Path, name: &str) -> String {
    use std::io::Read;
    let mut archive = zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap();
    let mut entry = archive.by_name(name).unwrap_or_else(|e| panic!("{}: no {name}: {e}", path.display()));
    let mut text = String::new();
    entry.read_to_string(&mut text).unwrap();
    text
}

/// The XML of a workbook's sheets and of its shared strings if it has them: every text the
/// workbook holds, wherever its writer keeps them.
pub fn workbook_texts(path: &Path) -> String {
    use std::io::Read;
    let mut archive = zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap();
    let mut texts = String::new();
    for i in 0..archive.len() {
        let mut entry = archive.by_index(i).unwrap();
        if entry.name().starts_with("xl/worksheets/") || entry.name() == "xl/sharedStrings.xml" {
            entry.read_to_string(&mut texts).unwrap();
        }
    }
    texts
}

/// The value of `attribute="…"` in an XML tag's text.
fn xml_attribute<'a>(tag: &'a str, attribute: &str) -> Option<&'a str> {
    let start = format!("{attribute}=\"");
    let value = tag.strip_prefix(&start).or_else(|| tag.split(&format!(" {start}")).nth(1))?;
    value.split('"').next()
}

/// How a workbook's sheet formats and sizes its cells, read from the sheet's XML and the
/// workbook's styles: enough to check page setup, number formats, wrapping and row heights.
pub struct SheetXml {
    /// The worksheet's XML.
    pub xml: String,
    /// Per cell style index: the number format code, whether the text wraps, whether the cell
    /// has a border and whether it is aligned right.
    styles: Vec<(String, bool, bool, bool)>,
}

impl SheetXml {
    /// Sheet `index` (1-based, in the workbook's order) of the workbook at `book`.
    pub fn read(book: &Path, index: usize) -> SheetXml {
        let styles_xml = zip_entry(book, "xl/styles.xml");
        let codes: HashMap<String, String> = styles_xml
            .split("<numFmt ")
            .skip(1)
            .map(|tag| (xml_attribute(tag, "numFmtId").unwrap().to_string(), xml_attribute(tag, "formatCode").unwrap().to_string()))
            .collect();
        let cell_xfs = styles_xml.split("<cellXfs").nth(1).unwrap().split("</cellXfs>").next().unwrap();
        let styles = cell_xfs
            .split("<xf ")
            .skip(1)
            .map(|xf| {
                let id = xml_attribute(xf, "numFmtId").unwrap_or("0");
                let code = codes.get(id).cloned().unwrap_or_else(|| if id == "0" { "General".into() } else { format!("builtin {id}") });
                let tag_end = xf.find("</xf>").unwrap_or(xf.len());
                let xf = &xf[..tag_end];
                (
                    code,
                    xf.contains("wrapText=\"1\""),
                    xml_attribute(xf, "borderId").is_some_and(|b| b != "0"),
                    xf.contains("horizontal=\"right\""),
                )
            })
            .collect();
        SheetXml { xml: zip_entry(book, &format!("xl/worksheets/sheet{index}.xml")), styles }
    }

    /// The `<pageSetup …/>` tag.
    pub fn page_setup(&self) -> &str {
        self.xml.split("<pageSetup").nth(1).and_then(|s| s.split("/>").next()).expect("a page setup")
    }

    /// The style index of cell `reference` (e.g. "C13"), 0 when it has none.
    fn style(&self, reference: &str) -> usize {
        let tag = self.xml.split(&format!("<c r=\"{reference}\"")).nth(1).unwrap_or_else(|| panic!("no cell {reference}"));
        let tag = tag.split('>').next().unwrap();
        xml_attribute(tag, "s").map_or(0, |s| s.parse().unwrap())
    }

    /// The number format code of cell `reference`.
    pub fn number_format(&self, reference: &str) -> String {
        self.styles[self.style(reference)].0.clone()
    }

    /// Whether the text of cell `reference` wraps.
    pub fn wraps(&self, reference: &str) -> bool {
        self.styles[self.style(reference)].1
    }

    /// Whether cell `reference` is aligned right.
    pub fn right_aligned(&self, reference: &str) -> bool {
        self.styles[self.style(reference)].3
    }

    /// Whether cell `reference` has a border.
    pub fn bordered(&self, reference: &str) -> bool {
        self.styles[self.style(reference)].2
    }

    /// The height set for row `row` (1-based) in points, if one is set.
    pub fn row_height(&self, row: u32) -> Option<f64> {
        let tag = self.xml.split(&format!("<row r=\"{row}\"")).nth(1)?.split('>').next().unwrap();
        xml_attribute(tag, "ht").map(|h| h.parse().unwrap())
    }
}
