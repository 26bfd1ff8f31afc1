//! Excel workbooks written directly as SpreadsheetML: the cells, their formats, the print
//! setup (paper, orientation, fitting, repeated rows and columns, page breaks, header and
//! footer), frozen panes, merged cells and list validations that the matrix, the year report
//! and the call list use, and nothing more. Text is written in its cell (inline strings), so
//! no shared string table is hashed; a sheet keeps its cells in one vector and its texts in
//! one string. The file holds no date of its own: the same workbook is the same bytes.

use std::fmt::Write as _;
use std::path::Path;

use anyhow::Result;

use crate::bytes_map::HashMap;
use crate::report::package::{push_text, write_package, REL, XML_DECLARATION};

const MAIN_NS: &str = "http://schemas.openxmlformats.org/spreadsheetml/2006/main";

/// Excel's limits: rows and columns of a sheet, characters in a cell (UTF-16 units, as all of
/// Excel's lengths), page breaks in a sheet, characters in a page header or footer.
const MAX_ROWS: u32 = 1_048_576;
const MAX_COLUMNS: u16 = 16_384;
const MAX_CELL_CHARS: usize = 32_767;
const MAX_BREAKS: usize = 1_023;
const MAX_HEADER: usize = 255;

/// Why a workbook cannot be built, in Swedish (it reaches the user after the file's name).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SheetError(String);

impl std::fmt::Display for SheetError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for SheetError {}

/// Horizontal and vertical alignment of a cell's content.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FormatAlign {
    Center,
    Right,
    Top,
    VerticalCenter,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FormatBorder {
    Thin,
}

/// How a cell looks: font weight and size, wrapping, alignment, a thin border all round, a
/// fill colour and a number format. Built like `Format::new().set_bold().set_border(…)`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Format {
    bold: bool,
    /// Points; 0 is the workbook's 11.
    font_size: u8,
    wrap: bool,
    horizontal: Option<FormatAlign>,
    vertical: Option<FormatAlign>,
    border: bool,
    /// RGB.
    fill: Option<u32>,
    /// Excel's number format code; empty is General.
    num_format: &'static str,
}

impl Format {
    pub fn new() -> Format {
        Format::default()
    }

    pub fn set_bold(mut self) -> Format {
        self.bold = true;
        self
    }

    pub fn set_font_size(mut self, points: u8) -> Format {
        self.font_size = points;
        self
    }

    pub fn set_text_wrap(mut self) -> Format {
        self.wrap = true;
        self
    }

    pub fn set_align(mut self, align: FormatAlign) -> Format {
        match align {
            FormatAlign::Center | FormatAlign::Right => self.horizontal = Some(align),
            FormatAlign::Top | FormatAlign::VerticalCenter => self.vertical = Some(align),
        }
        self
    }

    pub fn set_border(mut self, _border: FormatBorder) -> Format {
        self.border = true;
        self
    }

    pub fn set_background_color(mut self, rgb: u32) -> Format {
        self.fill = Some(rgb & 0xFF_FFFF);
        self
    }

    pub fn set_num_format(mut self, code: &'static str) -> Format {
        self.num_format = code;
        self
    }

    fn aligned(&self) -> bool {
        self.wrap || self.horizontal.is_some() || self.vertical.is_some()
    }
}

/// A list of allowed words for a range of cells, with the prompt shown on entering one and
/// the message shown on a word not in the list (Excel: at most 32 characters in a title, 255
/// in a message and in the list with its commas).
#[derive(Clone, Debug)]
pub struct ListValidation {
    pub words: Vec<String>,
    pub input_title: String,
    pub input_message: String,
    pub error_title: String,
    pub error_message: String,
}

#[derive(Clone, Copy)]
enum Value {
    Blank,
    Number(f64),
    /// A span of the sheet's `texts`.
    Text(u32, u32),
}

#[derive(Clone, Copy)]
struct Cell {
    row: u32,
    col: u16,
    /// An index into the sheet's `formats`.
    style: u16,
    value: Value,
}

#[derive(Clone, Copy, Default)]
struct Column {
    /// In characters of the default font's digits, as Excel's column width.
    width: Option<f64>,
    style: Option<u16>,
}

/// One sheet: what is written to it, kept until the workbook is saved.
pub struct Worksheet {
    name: String,
    cells: Vec<Cell>,
    texts: String,
    /// The sheet's formats; index 0 is the default look.
    formats: Vec<Format>,
    format_ids: HashMap<Format, u16>,
    /// Row heights in points, in the order set (the last for a row counts).
    heights: Vec<(u32, f64)>,
    columns: std::collections::BTreeMap<u16, Column>,
    merges: Vec<(u32, u16, u32, u16)>,
    freeze: Option<(u32, u16)>,
    repeat_rows: Option<(u32, u32)>,
    repeat_columns: Option<(u16, u16)>,
    paper: Option<u8>,
    landscape: bool,
    /// Left, right, top, bottom, header and footer, in inches.
    margins: [f64; 6],
    header: String,
    footer: String,
    fit: Option<(u16, u16)>,
    scale: Option<u16>,
    row_breaks: Vec<u32>,
    column_breaks: Vec<u16>,
    validations: Vec<((u32, u16, u32, u16), ListValidation)>,
}

fn out_of_range(row: u32, col: u16) -> SheetError {
    SheetError(format!("rad {} eller kolumn {} ligger utanför ett Excel-blad", u64::from(row) + 1, u32::from(col) + 1))
}

fn check(row: u32, col: u16) -> Result<(), SheetError> {
    if row >= MAX_ROWS || col >= MAX_COLUMNS {
        return Err(out_of_range(row, col));
    }
    Ok(())
}

impl Worksheet {
    fn new(number: usize) -> Worksheet {
        Worksheet {
            name: format!("Blad{number}"),
            cells: Vec::new(),
            texts: String::new(),
            formats: vec![Format::default()],
            format_ids: HashMap::default(),
            heights: Vec::new(),
            columns: Default::default(),
            merges: Vec::new(),
            freeze: None,
            repeat_rows: None,
            repeat_columns: None,
            paper: None,
            landscape: false,
            margins: [0.7, 0.7, 0.75, 0.75, 0.3, 0.3],
            header: String::new(),
            footer: String::new(),
            fit: None,
            scale: None,
            row_breaks: Vec::new(),
            column_breaks: Vec::new(),
            validations: Vec::new(),
        }
    }

    /// Names the sheet: at most 31 characters, none of `[]:*?/\`, not beginning or ending with
    /// an apostrophe (two sheets of a workbook may not share a name, checked when it is saved).
    pub fn set_name(&mut self, name: impl Into<String>) -> Result<&mut Worksheet, SheetError> {
        let name = name.into();
        if name.trim().is_empty()
            || excel_len(&name) > 31
            || name.contains(['[', ']', ':', '*', '?', '/', '\\'])
            || name.starts_with('\'')
            || name.ends_with('\'')
        {
            return Err(SheetError(format!(
                "bladnamnet '{name}' går inte i Excel (högst 31 tecken, inga []:*?/\\, inte apostrof först eller sist)"
            )));
        }
        self.name = name;
        Ok(self)
    }

    fn style(&mut self, format: &Format) -> u16 {
        if *format == Format::default() {
            return 0;
        }
        if let Some(&id) = self.format_ids.get(format) {
            return id;
        }
        let id = self.formats.len() as u16;
        self.formats.push(*format);
        self.format_ids.insert(*format, id);
        id
    }

    /// The style of a cell written without a format: its column's, if the column has one.
    fn column_style(&self, col: u16) -> u16 {
        self.columns.get(&col).and_then(|c| c.style).unwrap_or(0)
    }

    fn push(&mut self, row: u32, col: u16, style: u16, value: Value) -> Result<&mut Worksheet, SheetError> {
        check(row, col)?;
        self.cells.push(Cell { row, col, style, value });
        Ok(self)
    }

    /// An empty text is an empty cell, as Excel keeps it.
    fn text(&mut self, text: &str) -> Result<Value, SheetError> {
        if text.is_empty() {
            return Ok(Value::Blank);
        }
        let start = self.texts.len();
        if text.len() > MAX_CELL_CHARS && excel_len(text) > MAX_CELL_CHARS {
            // A text longer than a cell holds (a supplier name of 40,000 letters) is cut with
            // an ellipsis: the workbook is made, and the CSV files keep the whole text.
            let mut units = 0;
            for c in text.chars() {
                units += c.len_utf16();
                if units > MAX_CELL_CHARS - 1 {
                    break;
                }
                self.texts.push(c);
            }
            self.texts.push('…');
        } else {
            self.texts.push_str(text);
        }
        let span = |n: usize| u32::try_from(n).map_err(|_| SheetError("bladets texter är för stora".into()));
        Ok(Value::Text(span(start)?, span(self.texts.len() - start)?))
    }

    pub fn write_string(&mut self, row: u32, col: u16, text: impl AsRef<str>) -> Result<&mut Worksheet, SheetError> {
        let value = self.text(text.as_ref())?;
        let style = self.column_style(col);
        self.push(row, col, style, value)
    }

    pub fn write_string_with_format(
        &mut self,
        row: u32,
        col: u16,
        text: impl AsRef<str>,
        format: &Format,
    ) -> Result<&mut Worksheet, SheetError> {
        let value = self.text(text.as_ref())?;
        let style = self.style(format);
        self.push(row, col, style, value)
    }

    pub fn write_number(&mut self, row: u32, col: u16, number: impl Into<f64>) -> Result<&mut Worksheet, SheetError> {
        let style = self.column_style(col);
        self.push(row, col, style, Value::Number(number.into()))
    }

    pub fn write_number_with_format(
        &mut self,
        row: u32,
        col: u16,
        number: impl Into<f64>,
        format: &Format,
    ) -> Result<&mut Worksheet, SheetError> {
        let style = self.style(format);
        self.push(row, col, style, Value::Number(number.into()))
    }

    /// An empty cell with a look (a border, a fill), for a value to be entered.
    pub fn write_blank(&mut self, row: u32, col: u16, format: &Format) -> Result<&mut Worksheet, SheetError> {
        let style = self.style(format);
        self.push(row, col, style, Value::Blank)
    }

    /// Merges the cells from (`first_row`, `first_col`) to (`last_row`, `last_col`) into one
    /// showing `text`; every cell of the range takes `format`, so that a border runs round all.
    pub fn merge_range(
        &mut self,
        first_row: u32,
        first_col: u16,
        last_row: u32,
        last_col: u16,
        text: &str,
        format: &Format,
    ) -> Result<&mut Worksheet, SheetError> {
        check(last_row, last_col)?;
        if last_row < first_row || last_col < first_col || (first_row, first_col) == (last_row, last_col) {
            return Err(SheetError(format!(
                "{}:{} är inget område att slå samman",
                cell_ref(first_row, first_col),
                cell_ref(last_row, last_col)
            )));
        }
        self.write_string_with_format(first_row, first_col, text, format)?;
        for row in first_row..=last_row {
            for col in first_col..=last_col {
                if (row, col) != (first_row, first_col) {
                    self.write_blank(row, col, format)?;
                }
            }
        }
        self.merges.push((first_row, first_col, last_row, last_col));
        Ok(self)
    }

    /// The column's width in characters (Excel's unit: digits of the default font).
    pub fn set_column_width(&mut self, col: u16, width: impl Into<f64>) -> Result<&mut Worksheet, SheetError> {
        check(0, col)?;
        self.columns.entry(col).or_default().width = Some(width.into());
        Ok(self)
    }

    /// The format a cell of the column written without one takes.
    pub fn set_column_format(&mut self, col: u16, format: &Format) -> Result<&mut Worksheet, SheetError> {
        check(0, col)?;
        let style = self.style(format);
        self.columns.entry(col).or_default().style = Some(style);
        Ok(self)
    }

    /// The row's height in points, to whole pixels as Excel keeps it (20 points are 27 pixels,
    /// 20.25 points).
    pub fn set_row_height(&mut self, row: u32, points: impl Into<f64>) -> Result<&mut Worksheet, SheetError> {
        check(row, 0)?;
        let pixels = (points.into() * 4.0 / 3.0).round().max(0.0);
        self.heights.push((row, pixels * 0.75));
        Ok(self)
    }

    /// Rows above `row` and columns left of `col` stay in view when the sheet scrolls.
    pub fn set_freeze_panes(&mut self, row: u32, col: u16) -> Result<&mut Worksheet, SheetError> {
        check(row, col)?;
        self.freeze = Some((row, col));
        Ok(self)
    }

    /// Rows printed at the top of every page.
    pub fn set_repeat_rows(&mut self, first: u32, last: u32) -> Result<&mut Worksheet, SheetError> {
        check(last.max(first), 0)?;
        self.repeat_rows = Some((first.min(last), first.max(last)));
        Ok(self)
    }

    /// Columns printed at the left of every page.
    pub fn set_repeat_columns(&mut self, first: u16, last: u16) -> Result<&mut Worksheet, SheetError> {
        check(0, last.max(first))?;
        self.repeat_columns = Some((first.min(last), first.max(last)));
        Ok(self)
    }

    /// Excel's paper size code (9 is A4).
    pub fn set_paper_size(&mut self, code: u8) -> &mut Worksheet {
        self.paper = Some(code);
        self
    }

    pub fn set_landscape(&mut self) -> &mut Worksheet {
        self.landscape = true;
        self
    }

    /// Margins in inches: left, right, top, bottom, and the header's and footer's distance
    /// from the edge.
    pub fn set_margins(&mut self, left: f64, right: f64, top: f64, bottom: f64, header: f64, footer: f64) -> &mut Worksheet {
        self.margins = [left, right, top, bottom, header, footer];
        self
    }

    /// The page header in Excel's codes (`&L` left part, `&P` page number, `&&` an ampersand).
    pub fn set_header(&mut self, text: impl Into<String>) -> &mut Worksheet {
        self.header = text.into();
        self
    }

    pub fn set_footer(&mut self, text: impl Into<String>) -> &mut Worksheet {
        self.footer = text.into();
        self
    }

    /// Prints the sheet `width` pages wide and `height` pages high (0: as many as it takes).
    pub fn set_print_fit_to_pages(&mut self, width: u16, height: u16) -> &mut Worksheet {
        self.fit = Some((width, height));
        self
    }

    /// Prints at `percent` of the size (where the sheet is not fitted to pages).
    pub fn set_print_scale(&mut self, percent: u16) -> &mut Worksheet {
        self.scale = Some(percent.clamp(10, 400));
        self
    }

    /// A page break before each of `rows`.
    pub fn set_page_breaks(&mut self, rows: &[u32]) -> Result<&mut Worksheet, SheetError> {
        if rows.len() > MAX_BREAKS {
            return Err(SheetError(format!("{} sidbrytningar i ett blad; Excel tar högst {MAX_BREAKS}", rows.len())));
        }
        self.row_breaks = rows.to_vec();
        Ok(self)
    }

    /// A page break before each of `columns`.
    pub fn set_vertical_page_breaks(&mut self, columns: &[u32]) -> Result<&mut Worksheet, SheetError> {
        if columns.len() > MAX_BREAKS {
            return Err(SheetError(format!("{} sidbrytningar i ett blad; Excel tar högst {MAX_BREAKS}", columns.len())));
        }
        self.column_breaks = columns.iter().map(|&c| u16::try_from(c).unwrap_or(u16::MAX)).collect();
        Ok(self)
    }

    /// Cells from (`first_row`, `col`) to (`last_row`, `last_col`) take one of `validation`'s
    /// words (or nothing).
    pub fn add_list_validation(
        &mut self,
        first_row: u32,
        col: u16,
        last_row: u32,
        last_col: u16,
        validation: &ListValidation,
    ) -> Result<&mut Worksheet, SheetError> {
        check(last_row, last_col)?;
        let list = validation.words.join(",");
        if list.chars().count() > 255 || validation.words.iter().any(|w| w.contains(['"', ','])) {
            return Err(SheetError(format!("listan '{list}' går inte att använda som urval i Excel")));
        }
        self.validations.push(((first_row, col, last_row, last_col), validation.clone()));
        Ok(self)
    }

    /// The sheet's XML, its cells' styles given by `xf` (the sheet's format index to the
    /// workbook's).
    fn xml(&self, selected: bool, xf: &[u32]) -> String {
        // Cells are mostly written in order; a later write to the same cell replaces it.
        let mut cells = std::borrow::Cow::Borrowed(self.cells.as_slice());
        if !cells.windows(2).all(|w| (w[0].row, w[0].col) < (w[1].row, w[1].col)) {
            let mut sorted = self.cells.clone();
            sorted.sort_by_key(|c| (c.row, c.col));
            let mut kept: Vec<Cell> = Vec::with_capacity(sorted.len());
            for cell in sorted {
                match kept.last_mut() {
                    Some(last) if (last.row, last.col) == (cell.row, cell.col) => *last = cell,
                    _ => kept.push(cell),
                }
            }
            cells = std::borrow::Cow::Owned(kept);
        }
        let mut heights: std::collections::BTreeMap<u32, f64> = Default::default();
        heights.extend(self.heights.iter().copied());
        // A row of the default height is left to the spreadsheet program, which then grows it
        // to text that wraps onto more lines than estimated.
        heights.retain(|_, points| *points != DEFAULT_ROW_HEIGHT);

        let mut out = String::with_capacity(1024 + cells.len() * 40 + self.texts.len() * 2);
        write!(out, r#"{XML_DECLARATION}<worksheet xmlns="{MAIN_NS}" xmlns:r="{REL}">"#).expect("writing to a String");
        if self.fit.is_some() {
            out.push_str(r#"<sheetPr><pageSetUpPr fitToPage="1"/></sheetPr>"#);
        }
        let dimension = match (cells.first(), cells.iter().map(|c| c.col).min(), cells.iter().map(|c| c.col).max()) {
            (Some(first), Some(min_col), Some(max_col)) => {
                let last = cells.last().map_or(first.row, |c| c.row);
                format!("{}:{}", cell_ref(first.row, min_col), cell_ref(last, max_col))
            }
            _ => "A1".to_string(),
        };
        write!(out, r#"<dimension ref="{dimension}"/>"#).expect("writing to a String");
        self.push_view(&mut out, selected);
        write!(out, r#"<sheetFormatPr defaultRowHeight="{DEFAULT_ROW_HEIGHT}"/>"#).expect("writing to a String");
        self.push_columns(&mut out, xf);

        out.push_str("<sheetData>");
        let mut at = 0;
        let mut heights = heights.into_iter().peekable();
        loop {
            let next_cell = cells.get(at).map(|c| c.row);
            let next_height = heights.peek().map(|&(r, _)| r);
            let row = match (next_cell, next_height) {
                (None, None) => break,
                (Some(c), Some(h)) => c.min(h),
                (Some(c), None) => c,
                (None, Some(h)) => h,
            };
            out.push_str(r#"<row r=""#);
            push_number(&mut out, u64::from(row) + 1);
            out.push('"');
            if next_height == Some(row) {
                let (_, points) = heights.next().expect("peeked");
                write!(out, r#" ht="{points}" customHeight="1""#).expect("writing to a String");
            }
            if next_cell != Some(row) {
                out.push_str("/>");
                continue;
            }
            out.push('>');
            while let Some(cell) = cells.get(at).filter(|c| c.row == row) {
                self.push_cell(&mut out, cell, xf);
                at += 1;
            }
            out.push_str("</row>");
        }
        out.push_str("</sheetData>");

        if !self.merges.is_empty() {
            write!(out, r#"<mergeCells count="{}">"#, self.merges.len()).expect("writing to a String");
            for &(r1, c1, r2, c2) in &self.merges {
                write!(out, r#"<mergeCell ref="{}:{}"/>"#, cell_ref(r1, c1), cell_ref(r2, c2)).expect("writing to a String");
            }
            out.push_str("</mergeCells>");
        }
        if !self.validations.is_empty() {
            write!(out, r#"<dataValidations count="{}">"#, self.validations.len()).expect("writing to a String");
            for ((r1, c1, r2, c2), v) in &self.validations {
                out.push_str(r#"<dataValidation type="list" allowBlank="1" showInputMessage="1" showErrorMessage="1" errorTitle=""#);
                push_text(&mut out, &v.error_title);
                out.push_str(r#"" error=""#);
                push_text(&mut out, &v.error_message);
                out.push_str(r#"" promptTitle=""#);
                push_text(&mut out, &v.input_title);
                out.push_str(r#"" prompt=""#);
                push_text(&mut out, &v.input_message);
                write!(out, r#"" sqref="{}:{}"><formula1>"#, cell_ref(*r1, *c1), cell_ref(*r2, *c2)).expect("writing to a String");
                out.push('"');
                push_text(&mut out, &v.words.join(","));
                out.push_str("\"</formula1></dataValidation>");
            }
            out.push_str("</dataValidations>");
        }
        let [left, right, top, bottom, header, footer] = self.margins;
        write!(out, r#"<pageMargins left="{left}" right="{right}" top="{top}" bottom="{bottom}" header="{header}" footer="{footer}"/>"#)
            .expect("writing to a String");
        self.push_page_setup(&mut out);
        if !self.header.is_empty() || !self.footer.is_empty() {
            out.push_str("<headerFooter>");
            for (tag, text) in [("oddHeader", &self.header), ("oddFooter", &self.footer)] {
                if !text.is_empty() {
                    write!(out, "<{tag}>").expect("writing to a String");
                    push_text(&mut out, text);
                    write!(out, "</{tag}>").expect("writing to a String");
                }
            }
            out.push_str("</headerFooter>");
        }
        for (tag, breaks, max) in [
            ("rowBreaks", self.row_breaks.iter().map(|&r| u64::from(r)).collect::<Vec<_>>(), u32::from(MAX_COLUMNS) - 1),
            ("colBreaks", self.column_breaks.iter().map(|&c| u64::from(c)).collect(), MAX_ROWS - 1),
        ] {
            if breaks.is_empty() {
                continue;
            }
            write!(out, r#"<{tag} count="{n}" manualBreakCount="{n}">"#, n = breaks.len()).expect("writing to a String");
            for id in breaks {
                write!(out, r#"<brk id="{id}" max="{max}" man="1"/>"#).expect("writing to a String");
            }
            write!(out, "</{tag}>").expect("writing to a String");
        }
        out.push_str("</worksheet>");
        out
    }

    fn push_view(&self, out: &mut String, selected: bool) {
        out.push_str("<sheetViews><sheetView");
        if selected {
            out.push_str(r#" tabSelected="1""#);
        }
        out.push_str(r#" workbookViewId="0""#);
        let Some((row, col)) = self.freeze.filter(|&(r, c)| r > 0 || c > 0) else {
            out.push_str("/></sheetViews>");
            return;
        };
        out.push('>');
        let top_left = cell_ref(row, col);
        match (row > 0, col > 0) {
            (true, true) => write!(
                out,
                r#"<pane xSplit="{col}" ySplit="{row}" topLeftCell="{top_left}" activePane="bottomRight" state="frozen"/><selection pane="topRight" activeCell="{a}" sqref="{a}"/><selection pane="bottomLeft" activeCell="{b}" sqref="{b}"/><selection pane="bottomRight"/>"#,
                a = cell_ref(0, col),
                b = cell_ref(row, 0)
            ),
            (true, false) => {
                write!(out, r#"<pane ySplit="{row}" topLeftCell="{top_left}" activePane="bottomLeft" state="frozen"/><selection pane="bottomLeft"/>"#)
            }
            _ => write!(out, r#"<pane xSplit="{col}" topLeftCell="{top_left}" activePane="topRight" state="frozen"/><selection pane="topRight"/>"#),
        }
        .expect("writing to a String");
        out.push_str("</sheetView></sheetViews>");
    }

    /// The columns' widths and formats, neighbours alike written as one range.
    fn push_columns(&self, out: &mut String, xf: &[u32]) {
        if self.columns.is_empty() {
            return;
        }
        out.push_str("<cols>");
        let columns: Vec<(u16, Column)> = self.columns.iter().map(|(&c, &k)| (c, k)).collect();
        let same = |a: &Column, b: &Column| a.width == b.width && a.style == b.style;
        let mut i = 0;
        while i < columns.len() {
            let (first, column) = columns[i];
            let mut last = first;
            while i + 1 < columns.len() && columns[i + 1].0 == last + 1 && same(&columns[i + 1].1, &column) {
                i += 1;
                last = columns[i].0;
            }
            let width = column.width.map_or(DEFAULT_COLUMN_WIDTH, stored_width);
            write!(out, r#"<col min="{}" max="{}" width="{width}""#, first + 1, last + 1).expect("writing to a String");
            if let Some(style) = column.style.filter(|&s| s > 0) {
                write!(out, r#" style="{}""#, xf[usize::from(style)]).expect("writing to a String");
            }
            if column.width.is_some() {
                out.push_str(r#" customWidth="1""#);
            }
            out.push_str("/>");
            i += 1;
        }
        out.push_str("</cols>");
    }

    fn push_cell(&self, out: &mut String, cell: &Cell, xf: &[u32]) {
        out.push_str(r#"<c r=""#);
        push_column(out, cell.col);
        push_number(out, u64::from(cell.row) + 1);
        out.push('"');
        if cell.style > 0 {
            out.push_str(r#" s=""#);
            push_number(out, u64::from(xf[usize::from(cell.style)]));
            out.push('"');
        }
        match cell.value {
            Value::Blank => out.push_str("/>"),
            Value::Number(n) if n.is_finite() => {
                out.push_str("><v>");
                let mut buffer = ryu::Buffer::new();
                let text = buffer.format_finite(n);
                out.push_str(text.strip_suffix(".0").unwrap_or(text));
                out.push_str("</v></c>");
            }
            // Excel holds no infinity or NaN: the cell shows Excel's own error for a number
            // that cannot be.
            Value::Number(_) => out.push_str(r#" t="e"><v>#NUM!</v></c>"#),
            Value::Text(start, len) => {
                let text = &self.texts[start as usize..(start + len) as usize];
                let preserve = text.starts_with(char::is_whitespace) || text.ends_with(char::is_whitespace);
                out.push_str(if preserve { r#" t="inlineStr"><is><t xml:space="preserve">"# } else { r#" t="inlineStr"><is><t>"# });
                push_text(out, &excel_escapes(text));
                out.push_str("</t></is></c>");
            }
        }
    }

    fn push_page_setup(&self, out: &mut String) {
        let mut setup = String::new();
        if let Some(paper) = self.paper {
            write!(setup, r#" paperSize="{paper}""#).expect("writing to a String");
        }
        if let Some(scale) = self.scale.filter(|_| self.fit.is_none()) {
            write!(setup, r#" scale="{scale}""#).expect("writing to a String");
        }
        if let Some((width, height)) = self.fit {
            if width != 1 {
                write!(setup, r#" fitToWidth="{width}""#).expect("writing to a String");
            }
            if height != 1 {
                write!(setup, r#" fitToHeight="{height}""#).expect("writing to a String");
            }
        }
        if self.landscape {
            setup.push_str(r#" orientation="landscape""#);
        } else if !setup.is_empty() {
            setup.push_str(r#" orientation="portrait""#);
        }
        if !setup.is_empty() {
            write!(out, "<pageSetup{setup}/>").expect("writing to a String");
        }
    }
}

/// The width Excel stores for a column `width` characters wide: the whole pixels it takes at
/// 7 pixels a digit and 5 of padding, in 1/256 of a digit.
fn stored_width(width: f64) -> f64 {
    let pixels = if width < 1.0 { (width * 12.0).round() } else { (width * 7.0).round() + 5.0 };
    (pixels * 256.0 / 7.0).floor() / 256.0
}

/// The place of `item` in `list`, added at the end when new.
fn index<T: PartialEq>(list: &mut Vec<T>, item: T) -> usize {
    list.iter().position(|x| *x == item).unwrap_or_else(|| {
        list.push(item);
        list.len() - 1
    })
}

/// Cell text as Excel reads it back: a `_xHHHH_` sequence in a cell is the character with that
/// code (`_x0041_` is "A"), so a literal one has its underscore written as one (`_x005F_`) and
/// a supplier named `Vård_x0041_` shows as that; a carriage return, which an XML reader would
/// turn into a line feed, is written as Excel writes it (`_x000D_`).
fn excel_escapes(text: &str) -> std::borrow::Cow<'_, str> {
    let escape_at = |i: usize| {
        let b = &text.as_bytes()[i..];
        b.len() >= 7 && b.starts_with(b"_x") && b[2..6].iter().all(u8::is_ascii_hexdigit) && b[6] == b'_'
    };
    if !text.contains('\r') && (!text.contains("_x") || !(0..text.len()).any(escape_at)) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 14);
    for (i, c) in text.char_indices() {
        match c {
            '_' if escape_at(i) => out.push_str("_x005F_"),
            '\r' => out.push_str("_x000D_"),
            c => out.push(c),
        }
    }
    std::borrow::Cow::Owned(out)
}

/// The length of `text` as Excel counts it (UTF-16 units: an emoji is two).
pub fn excel_len(text: &str) -> usize {
    text.encode_utf16().count()
}

/// `text` for a page header or footer, at most `units` long as Excel counts: `&` is a code
/// there and is written `&&` to print itself (a pair is never cut).
pub fn header_text(text: &str, units: usize) -> String {
    let mut out = String::new();
    let mut used = 0;
    for c in text.chars() {
        let n = if c == '&' { 2 } else { c.len_utf16() };
        if used + n > units {
            break;
        }
        out.push(c);
        if c == '&' {
            out.push('&');
        }
        used += n;
    }
    out
}

/// The sheets' default row height in points.
const DEFAULT_ROW_HEIGHT: f64 = 15.0;

/// Excel's default column width (8.43 characters) as stored.
const DEFAULT_COLUMN_WIDTH: f64 = 9.140625;

fn push_number(out: &mut String, n: u64) {
    out.push_str(itoa::Buffer::new().format(n));
}

/// A column's letters: A … Z, AA … XFD.
fn push_column(out: &mut String, col: u16) {
    let mut letters = [0u8; 3];
    let mut n = u32::from(col) + 1;
    let mut at = 3;
    while n > 0 {
        at -= 1;
        letters[at] = b'A' + ((n - 1) % 26) as u8;
        n = (n - 1) / 26;
    }
    out.push_str(std::str::from_utf8(&letters[at..]).expect("ASCII letters"));
}

/// A cell's reference, e.g. `C13` for row 12 and column 2 (both counted from 0).
fn cell_ref(row: u32, col: u16) -> String {
    let mut out = String::with_capacity(10);
    push_column(&mut out, col);
    push_number(&mut out, u64::from(row) + 1);
    out
}

/// A sheet name in a formula: as it is when it is letters alone (`Matris`), else quoted with
/// an apostrophe doubled (`'Om urvalet'`), so that no name is read as a cell, a number or a
/// value.
fn quoted_sheet(name: &str) -> String {
    let plain = name.chars().all(|c| c.is_alphabetic() || c == '_')
        && !["R", "C", "TRUE", "FALSE"].iter().any(|word| name.eq_ignore_ascii_case(word));
    if plain {
        name.to_string()
    } else {
        format!("'{}'", name.replace('\'', "''"))
    }
}

/// A workbook of sheets, saved as an xlsx file.
#[derive(Default)]
pub struct Workbook {
    sheets: Vec<Worksheet>,
}

impl Workbook {
    pub fn new() -> Workbook {
        Workbook::default()
    }

    /// A new sheet at the end of the workbook.
    pub fn add_worksheet(&mut self) -> &mut Worksheet {
        let number = self.sheets.len() + 1;
        self.sheets.push(Worksheet::new(number));
        self.sheets.last_mut().expect("just pushed")
    }

    pub fn sheet_names(&self) -> Vec<&str> {
        self.sheets.iter().map(|s| s.name.as_str()).collect()
    }

    /// The workbook's formats, each sheet's mapped to them, and the styles part.
    fn styles(&self) -> (String, Vec<Vec<u32>>) {
        let mut all: Vec<Format> = vec![Format::default()];
        let mut ids: HashMap<Format, u32> = HashMap::default();
        ids.insert(Format::default(), 0);
        let maps = self
            .sheets
            .iter()
            .map(|sheet| {
                sheet
                    .formats
                    .iter()
                    .map(|f| {
                        *ids.entry(*f).or_insert_with(|| {
                            all.push(*f);
                            all.len() as u32 - 1
                        })
                    })
                    .collect()
            })
            .collect();

        let mut fonts: Vec<(bool, u8)> = vec![(false, 0)];
        let mut fills: Vec<u32> = Vec::new();
        let mut codes: Vec<&'static str> = Vec::new();
        let mut xfs = String::new();
        for f in &all {
            let font = index(&mut fonts, (f.bold, f.font_size));
            // Fills 0 and 1 are Excel's own (none, gray125).
            let fill = f.fill.map_or(0, |rgb| 2 + index(&mut fills, rgb));
            let num = if f.num_format.is_empty() { 0 } else { 164 + index(&mut codes, f.num_format) };
            let border = usize::from(f.border);
            write!(xfs, r#"<xf numFmtId="{num}" fontId="{font}" fillId="{fill}" borderId="{border}" xfId="0""#)
                .expect("writing to a String");
            for (applies, name) in
                [(num > 0, "NumberFormat"), (font > 0, "Font"), (fill > 0, "Fill"), (border > 0, "Border"), (f.aligned(), "Alignment")]
            {
                if applies {
                    write!(xfs, r#" apply{name}="1""#).expect("writing to a String");
                }
            }
            if !f.aligned() {
                xfs.push_str("/>");
                continue;
            }
            xfs.push_str("><alignment");
            match f.horizontal {
                Some(FormatAlign::Center) => xfs.push_str(r#" horizontal="center""#),
                Some(FormatAlign::Right) => xfs.push_str(r#" horizontal="right""#),
                _ => {}
            }
            match f.vertical {
                Some(FormatAlign::Top) => xfs.push_str(r#" vertical="top""#),
                Some(FormatAlign::VerticalCenter) => xfs.push_str(r#" vertical="center""#),
                _ => {}
            }
            if f.wrap {
                xfs.push_str(r#" wrapText="1""#);
            }
            xfs.push_str("/></xf>");
        }

        let mut out = format!(r#"{XML_DECLARATION}<styleSheet xmlns="{MAIN_NS}">"#);
        if !codes.is_empty() {
            write!(out, r#"<numFmts count="{}">"#, codes.len()).expect("writing to a String");
            for (i, code) in codes.iter().enumerate() {
                write!(out, r#"<numFmt numFmtId="{}" formatCode=""#, 164 + i).expect("writing to a String");
                push_text(&mut out, code);
                out.push_str(r#""/>"#);
            }
            out.push_str("</numFmts>");
        }
        write!(out, r#"<fonts count="{}">"#, fonts.len()).expect("writing to a String");
        for (bold, size) in &fonts {
            let size = if *size == 0 { 11 } else { *size };
            let bold = if *bold { "<b/>" } else { "" };
            write!(out, r#"<font>{bold}<sz val="{size}"/><name val="Calibri"/><family val="2"/></font>"#).expect("writing to a String");
        }
        write!(
            out,
            r#"</fonts><fills count="{}"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill>"#,
            2 + fills.len()
        )
        .expect("writing to a String");
        for rgb in &fills {
            write!(
                out,
                r#"<fill><patternFill patternType="solid"><fgColor rgb="FF{rgb:06X}"/><bgColor indexed="64"/></patternFill></fill>"#
            )
            .expect("writing to a String");
        }
        out.push_str(concat!(
            r#"</fills><borders count="2"><border><left/><right/><top/><bottom/><diagonal/></border>"#,
            r#"<border><left style="thin"><color auto="1"/></left><right style="thin"><color auto="1"/></right><top style="thin"><color auto="1"/></top><bottom style="thin"><color auto="1"/></bottom><diagonal/></border></borders>"#,
            r#"<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>"#
        ));
        write!(out, r#"<cellXfs count="{}">{xfs}</cellXfs>"#, all.len()).expect("writing to a String");
        out.push_str(r#"<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>"#);
        (out, maps)
    }

    fn workbook_xml(&self) -> String {
        let mut out =
            format!(r#"{XML_DECLARATION}<workbook xmlns="{MAIN_NS}" xmlns:r="{REL}"><bookViews><workbookView/></bookViews><sheets>"#);
        for (i, sheet) in self.sheets.iter().enumerate() {
            out.push_str("<sheet name=\"");
            push_text(&mut out, &sheet.name);
            write!(out, r#"" sheetId="{n}" r:id="rId{n}"/>"#, n = i + 1).expect("writing to a String");
        }
        out.push_str("</sheets>");
        let mut names = String::new();
        for (i, sheet) in self.sheets.iter().enumerate() {
            let sheet_name = quoted_sheet(&sheet.name);
            let mut ranges = Vec::new();
            if let Some((first, last)) = sheet.repeat_columns {
                let (mut a, mut b) = (String::new(), String::new());
                push_column(&mut a, first);
                push_column(&mut b, last);
                ranges.push(format!("{sheet_name}!${a}:${b}"));
            }
            if let Some((first, last)) = sheet.repeat_rows {
                ranges.push(format!("{sheet_name}!${}:${}", first + 1, last + 1));
            }
            if !ranges.is_empty() {
                write!(names, r#"<definedName name="_xlnm.Print_Titles" localSheetId="{i}">"#).expect("writing to a String");
                push_text(&mut names, &ranges.join(","));
                names.push_str("</definedName>");
            }
        }
        if !names.is_empty() {
            write!(out, "<definedNames>{names}</definedNames>").expect("writing to a String");
        }
        out.push_str("</workbook>");
        out
    }

    /// The package's parts, each name with its bytes, in the order they are zipped.
    fn parts(&self) -> Result<Vec<(String, Vec<u8>)>, SheetError> {
        let mut seen = crate::bytes_map::HashSet::default();
        for sheet in &self.sheets {
            // Excel tells names apart without regard to case.
            if !seen.insert(sheet.name.to_uppercase()) {
                return Err(SheetError(format!("två blad heter '{}'", sheet.name)));
            }
            if excel_len(&sheet.header) > MAX_HEADER || excel_len(&sheet.footer) > MAX_HEADER {
                return Err(SheetError(format!(
                    "sidhuvudet eller sidfoten på bladet '{}' är längre än Excels {MAX_HEADER} tecken",
                    sheet.name
                )));
            }
        }
        if self.sheets.is_empty() {
            let mut book = Workbook::new();
            book.add_worksheet();
            return Ok(book.package());
        }
        Ok(self.package())
    }

    fn package(&self) -> Vec<(String, Vec<u8>)> {
        let (styles, maps) = self.styles();
        let mut types = format!(
            concat!(
                r#"{}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">"#,
                r#"<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>"#,
                r#"<Default Extension="xml" ContentType="application/xml"/>"#,
                r#"<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>"#,
                r#"<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>"#,
                r#"<Override PartName="/docProps/app.xml" ContentType="application/vnd.openxmlformats-officedocument.extended-properties+xml"/>"#
            ),
            XML_DECLARATION
        );
        let mut relations =
            format!(r#"{XML_DECLARATION}<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">"#);
        for n in 1..=self.sheets.len() {
            write!(
                types,
                r#"<Override PartName="/xl/worksheets/sheet{n}.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>"#
            )
            .expect("writing to a String");
            write!(relations, r#"<Relationship Id="rId{n}" Type="{REL}/worksheet" Target="worksheets/sheet{n}.xml"/>"#)
                .expect("writing to a String");
        }
        write!(relations, r#"<Relationship Id="rId{}" Type="{REL}/styles" Target="styles.xml"/></Relationships>"#, self.sheets.len() + 1)
            .expect("writing to a String");
        types.push_str("</Types>");
        let root = format!(
            concat!(
                r#"{}<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">"#,
                r#"<Relationship Id="rId1" Type="{rel}/officeDocument" Target="xl/workbook.xml"/>"#,
                r#"<Relationship Id="rId2" Type="{rel}/extended-properties" Target="docProps/app.xml"/></Relationships>"#
            ),
            XML_DECLARATION,
            rel = REL
        );
        let app = format!(
            r#"{XML_DECLARATION}<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties"><Application>tidkoll</Application></Properties>"#
        );
        let mut parts = vec![
            ("[Content_Types].xml".to_string(), types.into_bytes()),
            ("_rels/.rels".to_string(), root.into_bytes()),
            ("docProps/app.xml".to_string(), app.into_bytes()),
            ("xl/workbook.xml".to_string(), self.workbook_xml().into_bytes()),
            ("xl/_rels/workbook.xml.rels".to_string(), relations.into_bytes()),
            ("xl/styles.xml".to_string(), styles.into_bytes()),
        ];
        for (i, (sheet, xf)) in self.sheets.iter().zip(&maps).enumerate() {
            parts.push((format!("xl/worksheets/sheet{}.xml", i + 1), sheet.xml(i == 0, xf).into_bytes()));
        }
        parts
    }

    /// Writes the workbook to `path` (errors name the file, in Swedish).
    pub fn save(&self, path: &Path) -> Result<()> {
        let parts = self.parts().map_err(|e| anyhow::anyhow!("{} kan inte byggas: {e}", path.display()))?;
        write_package(path, parts)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sheet_xml(book: &Workbook, n: usize) -> String {
        let parts = book.parts().unwrap();
        let name = format!("xl/worksheets/sheet{n}.xml");
        String::from_utf8(parts.into_iter().find(|(p, _)| *p == name).unwrap().1).unwrap()
    }

    #[test]
    fn columns_are_lettered_as_excel_does() {
        for (col, letters) in [(0, "A"), (25, "Z"), (26, "AA"), (51, "AZ"), (52, "BA"), (701, "ZZ"), (702, "AAA"), (16_383, "XFD")] {
            let mut out = String::new();
            push_column(&mut out, col);
            assert_eq!(out, letters, "column {col}");
        }
        assert_eq!(cell_ref(12, 2), "C13");
    }

    #[test]
    fn sequences_excel_reads_as_characters_are_kept_as_written() {
        assert_eq!(excel_escapes("AB_x0041_"), "AB_x005F_x0041_");
        assert_eq!(excel_escapes("_x00e5__x00E5_"), "_x005F_x00e5__x005F_x00E5_");
        assert_eq!(excel_escapes("a\rb"), "a_x000D_b");
        for kept in ["AB_x41_", "_x00g5_", "a_xb", "Vård_x", "plain"] {
            assert_eq!(excel_escapes(kept), kept);
        }
    }

    #[test]
    fn lengths_are_counted_as_excel_counts_them() {
        assert_eq!(header_text("Vård & Omsorg", 120), "Vård && Omsorg");
        assert_eq!(header_text(&"&".repeat(130), 120), "&".repeat(120));
        assert_eq!(header_text("ab&", 3), "ab", "a pair is not cut");
        assert_eq!(header_text("😀😀", 3), "😀");
        let mut book = Workbook::new();
        let sheet = book.add_worksheet();
        assert!(sheet.set_name("😀".repeat(16)).is_err(), "32 units");
        sheet.set_name("😀".repeat(15)).unwrap();
        sheet.write_string(0, 0, "😀".repeat(MAX_CELL_CHARS / 2 + 1)).unwrap();
        let Cell { value: Value::Text(start, len), .. } = sheet.cells[0] else { panic!("a text") };
        let cut = &sheet.texts[start as usize..(start + len) as usize];
        assert_eq!((excel_len(cut), cut.ends_with("😀…")), (MAX_CELL_CHARS, true), "cut to what a cell holds");
        sheet.set_header("x".repeat(256));
        assert!(book.parts().unwrap_err().to_string().contains("255"));
    }

    #[test]
    fn widths_are_stored_as_excel_stores_them() {
        assert_eq!(stored_width(8.0), 8.7109375);
        assert_eq!(stored_width(50.0), 50.7109375);
        assert_eq!(stored_width(0.5), 0.85546875);
    }

    #[test]
    fn cells_are_written_in_order_with_their_styles_and_a_rewrite_wins() {
        let mut book = Workbook::new();
        let sheet = book.add_worksheet();
        sheet.set_name("Blad").unwrap();
        let pct = Format::new().set_num_format("0.0%");
        sheet.set_column_format(1, &pct).unwrap();
        sheet.write_number(1, 1, 0.25).unwrap();
        sheet.write_string(0, 0, " Vård & omsorg").unwrap();
        sheet.write_number(0, 1, 3.0).unwrap();
        sheet.write_number(0, 1, f64::NAN).unwrap();
        sheet.write_blank(1, 0, &Format::new().set_border(FormatBorder::Thin)).unwrap();
        sheet.set_row_height(2, 30.0).unwrap();
        sheet.set_row_height(1, 15).unwrap();
        sheet.set_row_height(3, 20).unwrap();
        let xml = sheet_xml(&book, 1);
        let data = xml.split("<sheetData>").nth(1).unwrap().split("</sheetData>").next().unwrap();
        assert_eq!(
            data,
            concat!(
                r#"<row r="1"><c r="A1" t="inlineStr"><is><t xml:space="preserve"> Vård &amp; omsorg</t></is></c><c r="B1" s="1" t="e"><v>#NUM!</v></c></row>"#,
                r#"<row r="2"><c r="A2" s="2"/><c r="B2" s="1"><v>0.25</v></c></row>"#,
                r#"<row r="3" ht="30" customHeight="1"/><row r="4" ht="20.25" customHeight="1"/>"#
            )
        );
        assert!(xml.contains(r#"<dimension ref="A1:B2"/>"#), "{xml}");
        assert!(xml.contains(r#"<col min="2" max="2" width="9.140625" style="1"/>"#), "{xml}");
    }

    #[test]
    fn formats_are_shared_by_the_sheets_and_styled_once() {
        let mut book = Workbook::new();
        let bold = Format::new().set_bold().set_font_size(13);
        let red = Format::new().set_background_color(0xFFC7CE).set_border(FormatBorder::Thin).set_num_format("0.00");
        let head = Format::new().set_text_wrap().set_align(FormatAlign::Center).set_align(FormatAlign::VerticalCenter);
        book.add_worksheet().write_string_with_format(0, 0, "a", &bold).unwrap().write_number_with_format(0, 1, 1, &red).unwrap();
        book.add_worksheet().write_string_with_format(0, 0, "b", &head).unwrap().write_number_with_format(0, 1, 1, &red).unwrap();
        let (styles, maps) = book.styles();
        assert_eq!(maps, vec![vec![0, 1, 2], vec![0, 3, 2]]);
        let xfs = styles.split("<cellXfs").nth(1).unwrap();
        assert_eq!(
            xfs,
            concat!(
                r#" count="4"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>"#,
                r#"<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>"#,
                r#"<xf numFmtId="164" fontId="0" fillId="2" borderId="1" xfId="0" applyNumberFormat="1" applyFill="1" applyBorder="1"/>"#,
                r#"<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0" applyAlignment="1"><alignment horizontal="center" vertical="center" wrapText="1"/></xf>"#,
                r#"</cellXfs><cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>"#
            )
        );
        assert!(styles.contains(r#"<numFmt numFmtId="164" formatCode="0.00"/>"#));
        assert!(styles.contains(r#"<font><b/><sz val="13"/><name val="Calibri"/><family val="2"/></font>"#));
        assert!(styles.contains(r#"<fgColor rgb="FFFFC7CE"/>"#));
    }

    #[test]
    fn print_setup_panes_merges_and_titles_are_written() {
        let mut book = Workbook::new();
        let sheet = book.add_worksheet();
        sheet.set_name("Om urvalet").unwrap();
        sheet.set_paper_size(9).set_landscape().set_print_fit_to_pages(1, 0);
        sheet.set_margins(0.4, 0.4, 0.75, 0.75, 0.3, 0.3);
        sheet.set_header("&LVård & omsorg").set_footer("&CSida &P av &N");
        sheet.set_repeat_rows(0, 1).unwrap().set_repeat_columns(0, 1).unwrap();
        sheet.set_freeze_panes(2, 2).unwrap();
        sheet.merge_range(3, 0, 3, 2, "Not", &Format::new().set_text_wrap()).unwrap();
        sheet.set_page_breaks(&[5, 10]).unwrap();
        sheet.set_vertical_page_breaks(&[11]).unwrap();
        let second = book.add_worksheet();
        second.set_print_scale(75).set_paper_size(9);
        second.set_freeze_panes(1, 0).unwrap();
        let xml = sheet_xml(&book, 1);
        for part in [
            r#"<sheetPr><pageSetUpPr fitToPage="1"/></sheetPr>"#,
            r#"<sheetView tabSelected="1" workbookViewId="0"><pane xSplit="2" ySplit="2" topLeftCell="C3" activePane="bottomRight" state="frozen"/>"#,
            r#"<row r="4"><c r="A4" s="1" t="inlineStr"><is><t>Not</t></is></c><c r="B4" s="1"/><c r="C4" s="1"/></row>"#,
            r#"<mergeCells count="1"><mergeCell ref="A4:C4"/></mergeCells>"#,
            r#"<pageMargins left="0.4" right="0.4" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>"#,
            r#"<pageSetup paperSize="9" fitToHeight="0" orientation="landscape"/>"#,
            r#"<headerFooter><oddHeader>&amp;LVård &amp; omsorg</oddHeader><oddFooter>&amp;CSida &amp;P av &amp;N</oddFooter></headerFooter>"#,
            r#"<rowBreaks count="2" manualBreakCount="2"><brk id="5" max="16383" man="1"/><brk id="10" max="16383" man="1"/></rowBreaks>"#,
            r#"<colBreaks count="1" manualBreakCount="1"><brk id="11" max="1048575" man="1"/></colBreaks>"#,
        ] {
            assert!(xml.contains(part), "{part} not in {xml}");
        }
        let second = sheet_xml(&book, 2);
        assert!(
            second.contains(r#"<sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>"#)
        );
        assert!(second.contains(r#"<pageSetup paperSize="9" scale="75" orientation="portrait"/>"#), "{second}");
        assert!(!second.contains("sheetPr"));
        let workbook = book.workbook_xml();
        assert!(
            workbook
                .contains(r#"<definedName name="_xlnm.Print_Titles" localSheetId="0">'Om urvalet'!$A:$B,'Om urvalet'!$1:$2</definedName>"#),
            "{workbook}"
        );
        assert_eq!(quoted_sheet("Ersättning"), "Ersättning");
        for (name, quoted) in [("Kunder 2", "'Kunder 2'"), ("A1", "'A1'"), ("r", "'r'"), ("O'Hara", "'O''Hara'")] {
            assert_eq!(quoted_sheet(name), quoted);
        }
        assert!(workbook.contains(r#"<sheet name="Om urvalet" sheetId="1" r:id="rId1"/><sheet name="Blad2" sheetId="2" r:id="rId2"/>"#));
    }

    #[test]
    fn names_and_limits_excel_refuses_are_errors() {
        let mut book = Workbook::new();
        let sheet = book.add_worksheet();
        assert!(sheet.set_name("a/b").is_err());
        assert!(sheet.set_name("x".repeat(32)).is_err());
        assert!(sheet.set_name("'Kunder").is_err());
        assert!(sheet.write_number(MAX_ROWS, 0, 1).is_err());
        assert!(sheet.write_string(0, MAX_COLUMNS, "x").is_err());
        assert!(sheet.merge_range(0, 0, 0, 0, "x", &Format::new()).is_err());
        assert!(sheet.set_page_breaks(&vec![1; MAX_BREAKS + 1]).is_err());
        sheet.set_name("Kunder").unwrap();
        book.add_worksheet().set_name("KUNDER").unwrap();
        assert_eq!(book.parts().unwrap_err().to_string(), "två blad heter 'KUNDER'");
        let mut book = Workbook::new();
        book.add_worksheet().set_name("σA").unwrap();
        book.add_worksheet().set_name("ςA").unwrap();
        assert!(book.parts().is_err(), "final and medial sigma are one letter to Excel");
    }

    #[test]
    fn the_file_holds_every_part_its_relations_name_and_reads_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bok.xlsx");
        let mut book = Workbook::new();
        let sheet = book.add_worksheet();
        sheet.set_name("Översikt").unwrap();
        sheet.write_string(0, 0, "Vård\u{1} AB").unwrap();
        sheet.write_string(0, 1, "AB_x0041__x00e5_ _x12_").unwrap();
        sheet.write_string(0, 2, "rad\rnästa").unwrap();
        sheet.write_number(1, 2, 12.5).unwrap();
        sheet.write_number(1, 3, 4).unwrap();
        book.add_worksheet().set_name("Tom").unwrap();
        book.save(&path).unwrap();
        let bytes = std::fs::read(&path).unwrap();
        book.save(&path).unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), bytes, "the same workbook is the same bytes");

        use calamine::Reader;
        let mut read: calamine::Xlsx<_> = calamine::open_workbook(&path).unwrap();
        assert_eq!(read.sheet_names(), ["Översikt", "Tom"]);
        let range = read.worksheet_range("Översikt").unwrap();
        assert_eq!(range.get_value((0, 0)), Some(&calamine::Data::String("Vård\u{fffd} AB".into())));
        assert_eq!(range.get_value((0, 1)), Some(&calamine::Data::String("AB_x0041__x00e5_ _x12_".into())));
        assert_eq!(range.get_value((0, 2)), Some(&calamine::Data::String("rad\rnästa".into())));
        assert_eq!(range.get_value((1, 2)), Some(&calamine::Data::Float(12.5)));
        assert_eq!(range.get_value((1, 3)), Some(&calamine::Data::Float(4.0)));
        assert!(read.worksheet_range("Tom").unwrap().is_empty());
    }
}
