//! Invoices and credit notes as A4 PDF.
//!
//! Text is drawn with the PDF standard fonts Helvetica and Helvetica-Bold in
//! WinAnsiEncoding, so no font file is needed wherever the server runs and every reader
//! shows the same glyphs. The layout is computed here from the fonts' published widths,
//! which is what lets amounts be right-aligned and long labels wrapped within their column.
//! Nothing in the output depends on the clock, so a snapshot always renders the same bytes.

use pdf_writer::{Content, Name, Pdf, Rect, Ref, Str, TextStr};
use unicode_normalization::UnicodeNormalization;

use crate::domain::invoice::{
    DocumentKind, InvoiceDocument, InvoiceLine, Language, Party, PaymentLine,
};
use crate::domain::money::Money;
use crate::domain::tax::PriceBasis;

/// A4 in points.
const PAGE_WIDTH: f32 = 595.28;
const PAGE_HEIGHT: f32 = 841.89;
const MARGIN: f32 = 48.0;
const LEFT: f32 = MARGIN;
const RIGHT: f32 = PAGE_WIDTH - MARGIN;
const WIDTH: f32 = RIGHT - LEFT;
const TOP: f32 = PAGE_HEIGHT - MARGIN;
/// Content stops above this, leaving room for the page footer.
const BOTTOM: f32 = MARGIN + 22.0;
/// Space between a cell's edge and its text.
const PAD: f32 = 3.0;

/// Column edges of the lines table: the label runs from `LEFT` to the first edge, then
/// quantity, unit price, net, tax and gross each run from one edge to the next.
const LABEL_RIGHT: f32 = 222.0;
const QTY_RIGHT: f32 = 256.0;
const AMOUNT_WIDTH: f32 = (RIGHT - QTY_RIGHT) / 4.0;
const EDGES: [f32; 6] = [
    LABEL_RIGHT,
    QTY_RIGHT,
    QTY_RIGHT + AMOUNT_WIDTH,
    QTY_RIGHT + 2.0 * AMOUNT_WIDTH,
    QTY_RIGHT + 3.0 * AMOUNT_WIDTH,
    RIGHT,
];
const TABLE_HEADER_HEIGHT: f32 = 16.0;
/// A label wrapping past this many lines is cut, so one row always fits on a page.
const MAX_CELL_LINES: usize = 8;

/// The client block sits beside the agency's, from here to the right margin.
const CLIENT_X: f32 = 320.0;
/// A party's lines past this count are dropped, so both blocks fit at the top of page one.
const MAX_PARTY_LINES: usize = 10;

/// Totals, deposit and balance: label from `TOTALS_X`, amount right-aligned at the margin.
const TOTALS_X: f32 = 300.0;
const TOTALS_LABEL_WIDTH: f32 = 110.0;

/// Payment columns: date, method, reason, then the amount right-aligned at the margin.
const METHOD_X: f32 = LEFT + 92.0;
const REASON_X: f32 = LEFT + 192.0;
const PAYMENT_AMOUNT_WIDTH: f32 = 96.0;

/// The rendered PDF of an invoice or credit note snapshot, one or more A4 pages.
pub fn render(doc: &InvoiceDocument) -> Vec<u8> {
    let mut renderer = Renderer {
        doc,
        words: Words::of(doc.language),
        canvas: Canvas::new(),
    };
    renderer.parties();
    renderer.heading();
    renderer.reservation();
    renderer.lines_table();
    renderer.totals();
    renderer.payments();
    let pages = renderer.canvas.finish();
    let pages = add_footers(pages, doc, renderer.words);
    assemble(pages, doc)
}

/// Every fixed text of the document in one language.
struct Words {
    invoice: &'static str,
    credit_note: &'static str,
    /// French puts a space before a colon, English does not.
    colon: &'static str,
    date: &'static str,
    cancels: &'static str,
    reason: &'static str,
    bill_to: &'static str,
    reservation: &'static str,
    car: &'static str,
    from: &'static str,
    to: &'static str,
    headers: [&'static str; 6],
    total_net: &'static str,
    vat: &'static str,
    percent: &'static str,
    total_gross: &'static str,
    inclusive: &'static str,
    exclusive: &'static str,
    payments: &'static str,
    no_payment: &'static str,
    deposit_applied: &'static str,
    balance: &'static str,
    page_of: &'static str,
}

const FRENCH: Words = Words {
    invoice: "FACTURE",
    credit_note: "AVOIR",
    colon: " : ",
    date: "Date",
    cancels: "Annule la facture",
    reason: "Motif",
    bill_to: "Facturé à",
    reservation: "Réservation",
    car: "Véhicule",
    from: "Du",
    to: "au",
    headers: ["Désignation", "Qté", "Prix unitaire", "HT", "TVA", "TTC"],
    total_net: "Total HT",
    vat: "TVA",
    percent: " %",
    total_gross: "Total TTC",
    inclusive: "Les prix ont été saisis TTC : la TVA est comprise dans les prix.",
    exclusive: "Les prix ont été saisis HT : la TVA s’ajoute aux prix.",
    payments: "Paiements",
    no_payment: "Aucun paiement enregistré.",
    deposit_applied: "Caution retenue",
    balance: "Reste à payer",
    page_of: "/",
};

const ENGLISH: Words = Words {
    invoice: "INVOICE",
    credit_note: "CREDIT NOTE",
    colon: ": ",
    date: "Date",
    cancels: "Cancels invoice",
    reason: "Reason",
    bill_to: "Bill to",
    reservation: "Reservation",
    car: "Car",
    from: "From",
    to: "to",
    headers: ["Description", "Qty", "Unit price", "Net", "VAT", "Gross"],
    total_net: "Total net",
    vat: "VAT",
    percent: "%",
    total_gross: "Total gross",
    inclusive: "Prices were entered tax-inclusive: VAT is included in them.",
    exclusive: "Prices were entered tax-exclusive: VAT is added to them.",
    payments: "Payments",
    no_payment: "No payment recorded.",
    deposit_applied: "Deposit applied",
    balance: "Balance due",
    page_of: "of",
};

impl Words {
    fn of(language: Language) -> &'static Words {
        match language {
            Language::Fr => &FRENCH,
            Language::En => &ENGLISH,
        }
    }
}

/// `1234.50 MAD`.
fn amount(money: Money, currency: &str) -> String {
    format!("{} {currency}", money.fixed())
}

/// A rate in basis points as printed: 2000 → `20`, 550 → `5.5`, 1234 → `12.34`.
fn rate(basis_points: u32) -> String {
    let (whole, hundredths) = (basis_points / 100, basis_points % 100);
    match hundredths {
        0 => whole.to_string(),
        h if h % 10 == 0 => format!("{whole}.{}", h / 10),
        h => format!("{whole}.{h:02}"),
    }
}

/// Draws the document top to bottom, breaking pages as the cursor reaches the bottom.
struct Renderer<'a> {
    doc: &'a InvoiceDocument,
    words: &'static Words,
    canvas: Canvas,
}

impl Renderer<'_> {
    /// Agency top-left, client top-right; the cursor ends below the taller block.
    fn parties(&mut self) {
        let (doc, words) = (self.doc, self.words);
        let top = self.canvas.y;
        self.party(LEFT, CLIENT_X - LEFT - 12.0, None, &doc.agency);
        let agency_bottom = self.canvas.y;
        self.canvas.y = top;
        self.party(CLIENT_X, RIGHT - CLIENT_X, Some(words.bill_to), &doc.client);
        self.canvas.y = self.canvas.y.min(agency_bottom) - 18.0;
    }

    fn party(&mut self, x: f32, width: f32, caption: Option<&str>, party: &Party) {
        if let Some(caption) = caption {
            self.canvas.fill_gray(0.35);
            self.canvas.line(x, SMALL, caption, width);
            self.canvas.fill_gray(0.0);
        }
        self.canvas.line(x, HEADING, &party.name, width);
        for line in party.lines.iter().take(MAX_PARTY_LINES) {
            self.canvas.line(x, BODY, line, width);
        }
    }

    /// Kind, number, date and, for a credit note, what it cancels and why.
    fn heading(&mut self) {
        let (doc, words) = (self.doc, self.words);
        let kind = match doc.kind {
            DocumentKind::Invoice => words.invoice,
            DocumentKind::CreditNote => words.credit_note,
        };
        self.canvas
            .line(LEFT, TITLE, &format!("{kind} {}", doc.number), WIDTH);
        let date = format!("{}{}{}", words.date, words.colon, doc.issued_on);
        self.canvas.line(LEFT, TEXT, &date, WIDTH);
        if let Some(invoice) = &doc.credits {
            let cancels = format!("{} {invoice}", words.cancels);
            self.canvas.line(LEFT, TEXT, &cancels, WIDTH);
        }
        if let Some(reason) = &doc.reason {
            let reason = format!("{}{}{reason}", words.reason, words.colon);
            self.canvas.paragraph(LEFT, TEXT, &reason, WIDTH);
        }
        self.canvas.gap(10.0);
    }

    fn reservation(&mut self) {
        let (doc, words) = (self.doc, self.words);
        let colon = words.colon;
        let reservation = format!("{}{colon}{}", words.reservation, doc.reservation_number);
        self.canvas.line(LEFT, TEXT, &reservation, WIDTH);
        let car = format!("{}{colon}{}", words.car, doc.car);
        self.canvas.line(LEFT, TEXT, &car, WIDTH);
        let period = format!(
            "{} {} {} {}",
            words.from, doc.period_start, words.to, doc.period_end
        );
        self.canvas.line(LEFT, TEXT, &period, WIDTH);
        self.canvas.gap(14.0);
    }

    fn lines_table(&mut self) {
        // Never leave the header alone at the foot of a page.
        self.canvas.room(TABLE_HEADER_HEIGHT + BODY.leading() + 4.0);
        self.table_header();
        for line in &self.doc.lines {
            self.table_row(line);
        }
        self.canvas.gap(10.0);
    }

    fn table_header(&mut self) {
        let top = self.canvas.y;
        self.canvas.band(
            LEFT,
            top - TABLE_HEADER_HEIGHT,
            WIDTH,
            TABLE_HEADER_HEIGHT,
            0.88,
        );
        let baseline = top - TABLE_HEADER_HEIGHT + 5.0;
        let [label, rest @ ..] = self.words.headers;
        let label = TABLE_BOLD.truncate(label, LABEL_RIGHT - LEFT - 2.0 * PAD);
        self.canvas.text(LEFT + PAD, baseline, TABLE_BOLD, &label);
        for (i, header) in rest.iter().enumerate() {
            self.cell_right(i, baseline, TABLE_BOLD, header);
        }
        self.canvas.y = top - TABLE_HEADER_HEIGHT;
    }

    fn table_row(&mut self, line: &InvoiceLine) {
        let label = BODY.wrap(&line.label, LABEL_RIGHT - LEFT - 2.0 * PAD, MAX_CELL_LINES);
        let height = label.len() as f32 * BODY.leading() + 4.0;
        if self.canvas.room(height) {
            self.table_header();
        }
        let baseline = self.canvas.y - 2.0 - BODY.size;
        for (i, text) in label.iter().enumerate() {
            let y = baseline - i as f32 * BODY.leading();
            self.canvas.text(LEFT + PAD, y, BODY, text);
        }
        let currency = &self.doc.currency;
        let cells = [
            line.quantity.to_string(),
            amount(line.unit_price, currency),
            amount(line.net, currency),
            amount(line.tax, currency),
            amount(line.gross, currency),
        ];
        for (i, cell) in cells.iter().enumerate() {
            self.cell_right(i, baseline, BODY, cell);
        }
        self.canvas.y -= height;
        self.canvas.rule(LEFT, RIGHT, self.canvas.y, 0.8);
    }

    /// Right-aligns `text` in table column `column` (0 = quantity), shrunk to fit it.
    fn cell_right(&mut self, column: usize, baseline: f32, style: Style, text: &str) {
        let (Some(left), Some(right)) = (EDGES.get(column), EDGES.get(column + 1)) else {
            return;
        };
        let text = encode(text);
        let style = style.shrunk_to(&text, right - left - 2.0 * PAD);
        self.canvas.text_right(right - PAD, baseline, style, &text);
    }

    fn totals(&mut self) {
        let (doc, words) = (self.doc, self.words);
        self.canvas
            .room(3.0 * TEXT.leading() + 2.0 * SMALL.leading());
        let vat = format!(
            "{} {}{}",
            words.vat,
            rate(doc.vat_rate_basis_points),
            words.percent
        );
        self.total_row(words.total_net, doc.total.net, TEXT);
        self.total_row(&vat, doc.total.tax, TEXT);
        self.total_row(words.total_gross, doc.total.gross, TEXT_BOLD);
        self.canvas.gap(4.0);
        let basis = match doc.price_basis {
            PriceBasis::Inclusive => words.inclusive,
            PriceBasis::Exclusive => words.exclusive,
        };
        self.canvas.fill_gray(0.35);
        self.canvas.paragraph(LEFT, SMALL, basis, WIDTH);
        self.canvas.fill_gray(0.0);
        self.canvas.gap(12.0);
    }

    /// A label and its amount on one line, in the totals' columns.
    fn total_row(&mut self, label: &str, money: Money, style: Style) {
        self.canvas.room(style.leading());
        let baseline = self.canvas.y - style.size;
        let label = style.truncate(label, TOTALS_LABEL_WIDTH - PAD);
        self.canvas.text(TOTALS_X, baseline, style, &label);
        let value = encode(&amount(money, &self.doc.currency));
        let room = RIGHT - PAD - TOTALS_X - TOTALS_LABEL_WIDTH;
        self.canvas
            .text_right(RIGHT - PAD, baseline, style.shrunk_to(&value, room), &value);
        self.canvas.y -= style.leading();
    }

    fn payments(&mut self) {
        let (doc, words) = (self.doc, self.words);
        // Keep the section title with at least its first row.
        self.canvas.room(HEADING.leading() + BODY.leading() + 4.0);
        self.canvas.line(LEFT, HEADING, words.payments, WIDTH);
        if doc.payments.is_empty() {
            self.canvas.line(LEFT + PAD, BODY, words.no_payment, WIDTH);
        }
        for payment in &doc.payments {
            self.payment_row(payment);
        }
        self.canvas.gap(6.0);
        if doc.deposit_applied != Money::ZERO {
            self.total_row(words.deposit_applied, doc.deposit_applied, TEXT);
        }
        self.canvas.room(TEXT_BOLD.leading() + 4.0);
        self.canvas.gap(2.0);
        self.canvas.rule(TOTALS_X, RIGHT, self.canvas.y, 0.3);
        self.canvas.gap(2.0);
        self.total_row(words.balance, doc.balance, TEXT_BOLD);
    }

    fn payment_row(&mut self, payment: &PaymentLine) {
        let reason_width = RIGHT - PAYMENT_AMOUNT_WIDTH - REASON_X - PAD;
        let reason = payment.reason.as_deref().unwrap_or("");
        let reason = BODY.wrap(reason, reason_width, MAX_CELL_LINES);
        let height = reason.len() as f32 * BODY.leading() + 2.0;
        self.canvas.room(height);
        let baseline = self.canvas.y - 1.0 - BODY.size;
        let date = BODY.truncate(&payment.date, METHOD_X - LEFT - 2.0 * PAD);
        self.canvas.text(LEFT + PAD, baseline, BODY, &date);
        let method = BODY.truncate(&payment.method, REASON_X - METHOD_X - PAD);
        self.canvas.text(METHOD_X, baseline, BODY, &method);
        for (i, text) in reason.iter().enumerate() {
            let y = baseline - i as f32 * BODY.leading();
            self.canvas.text(REASON_X, y, BODY, text);
        }
        let value = encode(&amount(payment.amount, &self.doc.currency));
        let style = BODY.shrunk_to(&value, PAYMENT_AMOUNT_WIDTH - PAD);
        self.canvas.text_right(RIGHT - PAD, baseline, style, &value);
        self.canvas.y -= height;
    }
}

/// "F-2026-000001 · Page 2 / 3" at the foot of every page, once the page count is known.
fn add_footers(mut pages: Vec<Content>, doc: &InvoiceDocument, words: &Words) -> Vec<Content> {
    let count = pages.len();
    for (i, page) in pages.iter_mut().enumerate() {
        let footer = format!("{} · Page {} {} {count}", doc.number, i + 1, words.page_of);
        let footer = encode(&footer);
        page.set_fill_gray(0.35);
        let x = RIGHT - SMALL.width(&footer);
        show(page, x, MARGIN, SMALL, &footer);
        page.set_fill_gray(0.0);
    }
    pages
}

/// Writes the page contents into a PDF file with its catalog, page tree and fonts.
fn assemble(pages: Vec<Content>, doc: &InvoiceDocument) -> Vec<u8> {
    let mut pdf = Pdf::new();
    let mut next = Ref::new(1);
    let (catalog, tree, info) = (next.bump(), next.bump(), next.bump());
    let fonts = [(Font::Regular, next.bump()), (Font::Bold, next.bump())];
    let ids: Vec<(Ref, Ref)> = pages.iter().map(|_| (next.bump(), next.bump())).collect();
    let lang = match doc.language {
        Language::Fr => "fr",
        Language::En => "en",
    };
    pdf.catalog(catalog).pages(tree).lang(TextStr(lang));
    let count = i32::try_from(ids.len()).unwrap_or(i32::MAX);
    pdf.pages(tree)
        .kids(ids.iter().map(|(page, _)| *page))
        .count(count);
    for (content, &(page, stream)) in pages.into_iter().zip(&ids) {
        write_page(&mut pdf, [tree, page, stream], &fonts);
        pdf.stream(stream, &content.finish());
    }
    for (font, id) in fonts {
        pdf.type1_font(id)
            .base_font(font.base_font())
            .encoding_predefined(Name(b"WinAnsiEncoding"));
    }
    pdf.document_info(info)
        .title(TextStr(&doc.number))
        .producer(TextStr("LocaCar Manager"));
    pdf.finish()
}

/// One A4 page object of the page tree, drawn by the content stream `stream`.
fn write_page(pdf: &mut Pdf, [tree, page, stream]: [Ref; 3], fonts: &[(Font, Ref)]) {
    let mut page = pdf.page(page);
    page.media_box(Rect::new(0.0, 0.0, PAGE_WIDTH, PAGE_HEIGHT))
        .parent(tree)
        .contents(stream);
    let mut resources = page.resources();
    let mut font_dict = resources.fonts();
    for &(font, id) in fonts {
        font_dict.pair(font.resource(), id);
    }
}

/// The pages drawn so far and the cursor: the top of the next thing to draw.
struct Canvas {
    done: Vec<Content>,
    page: Content,
    y: f32,
}

impl Canvas {
    fn new() -> Self {
        Canvas {
            done: Vec::new(),
            page: Content::new(),
            y: TOP,
        }
    }

    fn finish(mut self) -> Vec<Content> {
        self.done.push(self.page);
        self.done
    }

    /// Starts a new page when `height` does not fit above the bottom; true if it did.
    fn room(&mut self, height: f32) -> bool {
        if self.y - height >= BOTTOM {
            return false;
        }
        let full = std::mem::replace(&mut self.page, Content::new());
        self.done.push(full);
        self.y = TOP;
        true
    }

    fn gap(&mut self, height: f32) {
        self.y -= height;
    }

    /// One line of text at the cursor, cut with an ellipsis past `width`.
    fn line(&mut self, x: f32, style: Style, text: &str, width: f32) {
        self.room(style.leading());
        let text = style.truncate(text, width);
        self.text(x, self.y - style.size, style, &text);
        self.y -= style.leading();
    }

    /// Text wrapped at `width`, each line breaking the page as needed.
    fn paragraph(&mut self, x: f32, style: Style, text: &str, width: f32) {
        for line in style.wrap(text, width, usize::MAX) {
            self.room(style.leading());
            self.text(x, self.y - style.size, style, &line);
            self.y -= style.leading();
        }
    }

    fn text(&mut self, x: f32, baseline: f32, style: Style, text: &[u8]) {
        show(&mut self.page, x, baseline, style, text);
    }

    fn text_right(&mut self, right: f32, baseline: f32, style: Style, text: &[u8]) {
        show(
            &mut self.page,
            right - style.width(text),
            baseline,
            style,
            text,
        );
    }

    fn fill_gray(&mut self, gray: f32) {
        self.page.set_fill_gray(gray);
    }

    fn band(&mut self, x: f32, y: f32, width: f32, height: f32, gray: f32) {
        self.page.set_fill_gray(gray);
        self.page.rect(x, y, width, height).fill_nonzero();
        self.page.set_fill_gray(0.0);
    }

    fn rule(&mut self, from: f32, to: f32, y: f32, gray: f32) {
        self.page.set_stroke_gray(gray).set_line_width(0.5);
        self.page.move_to(from, y).line_to(to, y).stroke();
    }
}

/// Draws already encoded text with its baseline starting at (`x`, `baseline`).
fn show(content: &mut Content, x: f32, baseline: f32, style: Style, text: &[u8]) {
    content.begin_text();
    content.set_font(style.font.resource(), style.size);
    content.next_line(x, baseline);
    content.show(Str(text));
    content.end_text();
}

#[derive(Clone, Copy)]
enum Font {
    Regular,
    Bold,
}

impl Font {
    /// The name pages use to refer to the font.
    fn resource(self) -> Name<'static> {
        match self {
            Font::Regular => Name(b"F1"),
            Font::Bold => Name(b"F2"),
        }
    }

    fn base_font(self) -> Name<'static> {
        match self {
            Font::Regular => Name(b"Helvetica"),
            Font::Bold => Name(b"Helvetica-Bold"),
        }
    }

    fn widths(self) -> &'static [u16; 224] {
        match self {
            Font::Regular => &HELVETICA_WIDTHS,
            Font::Bold => &HELVETICA_BOLD_WIDTHS,
        }
    }
}

#[derive(Clone, Copy)]
struct Style {
    font: Font,
    size: f32,
}

const SMALL: Style = Style::new(Font::Regular, 8.0);
const BODY: Style = Style::new(Font::Regular, 9.0);
const TABLE_BOLD: Style = Style::new(Font::Bold, 8.5);
const TEXT: Style = Style::new(Font::Regular, 10.0);
const TEXT_BOLD: Style = Style::new(Font::Bold, 10.0);
const HEADING: Style = Style::new(Font::Bold, 11.0);
const TITLE: Style = Style::new(Font::Bold, 16.0);

impl Style {
    const fn new(font: Font, size: f32) -> Self {
        Style { font, size }
    }

    fn leading(self) -> f32 {
        self.size * 1.3
    }

    /// Width in points of encoded text.
    fn width(self, text: &[u8]) -> f32 {
        let widths = self.font.widths();
        let units: u32 = text
            .iter()
            .map(|&b| {
                let index = usize::from(b).checked_sub(32);
                u32::from(index.and_then(|i| widths.get(i)).copied().unwrap_or(0))
            })
            .sum();
        units as f32 * self.size / 1000.0
    }

    /// The same font, smaller if needed so `text` fits in `width`.
    fn shrunk_to(self, text: &[u8], width: f32) -> Style {
        let natural = self.width(text);
        if natural <= width {
            return self;
        }
        Style::new(self.font, self.size * width / natural)
    }

    /// How many leading bytes of `text` fit in `width`.
    fn fitting(self, text: &[u8], width: f32) -> usize {
        let mut used = 0.0;
        for (i, &b) in text.iter().enumerate() {
            used += self.width(&[b]);
            if used > width {
                return i;
            }
        }
        text.len()
    }

    /// The encoded text, cut and ended with an ellipsis if wider than `width`.
    fn truncate(self, text: &str, width: f32) -> Vec<u8> {
        let mut text = encode(text);
        if self.width(&text) > width {
            text.truncate(self.fitting(&text, width - self.width(&[ELLIPSIS])));
            text.push(ELLIPSIS);
        }
        text
    }

    /// The encoded text as lines no wider than `width`, breaking at spaces and inside words
    /// too long for a line; past `max_lines` the last line is cut with an ellipsis.
    fn wrap(self, text: &str, width: f32, max_lines: usize) -> Vec<Vec<u8>> {
        let text = encode(text);
        let mut lines = Vec::new();
        let mut line: Vec<u8> = Vec::new();
        for word in text.split(|&b| b == b' ').filter(|w| !w.is_empty()) {
            let joined = [line.as_slice(), b" ", word].concat();
            if !line.is_empty() && self.width(&joined) <= width {
                line = joined;
                continue;
            }
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
            }
            let mut rest = word;
            while self.width(rest) > width {
                let (head, tail) = rest.split_at(self.fitting(rest, width).max(1));
                lines.push(head.to_vec());
                rest = tail;
            }
            line = rest.to_vec();
        }
        if !line.is_empty() || lines.is_empty() {
            lines.push(line);
        }
        self.limit(lines, width, max_lines.max(1))
    }

    fn limit(self, mut lines: Vec<Vec<u8>>, width: f32, max_lines: usize) -> Vec<Vec<u8>> {
        if lines.len() <= max_lines {
            return lines;
        }
        lines.truncate(max_lines);
        if let Some(last) = lines.last_mut() {
            last.truncate(self.fitting(last, width - self.width(&[ELLIPSIS])));
            last.push(ELLIPSIS);
        }
        lines
    }
}

/// `…` in WinAnsiEncoding.
const ELLIPSIS: u8 = 0x85;

/// Text as WinAnsiEncoding bytes, composed first so a decomposed `é` still maps to one
/// byte; characters the encoding lacks become `?`.
fn encode(text: &str) -> Vec<u8> {
    text.nfc().map(win_ansi).collect()
}

fn win_ansi(c: char) -> u8 {
    match c {
        ' '..='~' | '\u{A0}'..='\u{FF}' => u8::try_from(c).unwrap_or(b'?'),
        '\t' | '\n' | '\r' | '\u{2009}' => b' ',
        // French typography's narrow no-break space, as before « » : ; ? !
        '\u{202F}' => 0xA0,
        _ => WIN_ANSI_EXTRA
            .iter()
            .find(|(u, _)| *u == c)
            .map_or(b'?', |(_, b)| *b),
    }
}

/// The characters WinAnsiEncoding places in 0x80–0x9F instead of Latin-1's controls.
const WIN_ANSI_EXTRA: [(char, u8); 27] = [
    ('€', 0x80),
    ('‚', 0x82),
    ('ƒ', 0x83),
    ('„', 0x84),
    ('…', 0x85),
    ('†', 0x86),
    ('‡', 0x87),
    ('ˆ', 0x88),
    ('‰', 0x89),
    ('Š', 0x8A),
    ('‹', 0x8B),
    ('Œ', 0x8C),
    ('Ž', 0x8E),
    ('‘', 0x91),
    ('’', 0x92),
    ('“', 0x93),
    ('”', 0x94),
    ('•', 0x95),
    ('–', 0x96),
    ('—', 0x97),
    ('˜', 0x98),
    ('™', 0x99),
    ('š', 0x9A),
    ('›', 0x9B),
    ('œ', 0x9C),
    ('ž', 0x9E),
    ('Ÿ', 0x9F),
];

/// Glyph widths (1/1000 em) of WinAnsi codes 32–255, from Adobe's Helvetica AFM; the
/// five codes WinAnsi leaves unassigned are 0 and never produced by `encode`.
#[rustfmt::skip]
const HELVETICA_WIDTHS: [u16; 224] = [
    278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278,
    556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556,
    1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778,
    667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556,
    333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556,
    556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584, 0,
    556, 0, 222, 556, 333, 1000, 556, 556, 333, 1000, 667, 333, 1000, 0, 611, 0,
    0, 222, 222, 333, 333, 350, 556, 1000, 333, 1000, 500, 333, 944, 0, 500, 667,
    278, 333, 556, 556, 556, 556, 260, 556, 333, 737, 370, 556, 584, 333, 737, 333,
    400, 584, 333, 333, 333, 578, 537, 278, 333, 333, 365, 556, 834, 834, 834, 611,
    667, 667, 667, 667, 667, 667, 1000, 722, 667, 667, 667, 667, 278, 278, 278, 278,
    722, 722, 778, 778, 778, 778, 778, 584, 778, 722, 722, 722, 722, 667, 667, 611,
    556, 556, 556, 556, 556, 556, 889, 500, 556, 556, 556, 556, 278, 278, 278, 278,
    556, 556, 556, 556, 556, 556, 556, 584, 611, 556, 556, 556, 556, 500, 556, 500,
];

/// As `HELVETICA_WIDTHS`, for Helvetica-Bold.
#[rustfmt::skip]
const HELVETICA_BOLD_WIDTHS: [u16; 224] = [
    278, 333, 474, 556, 556, 889, 722, 238, 333, 333, 389, 584, 278, 333, 278, 278,
    556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 333, 333, 584, 584, 584, 611,
    975, 722, 722, 722, 722, 667, 611, 778, 722, 278, 556, 722, 611, 833, 722, 778,
    667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 333, 278, 333, 584, 556,
    333, 556, 611, 556, 611, 556, 333, 611, 611, 278, 278, 556, 278, 889, 611, 611,
    611, 611, 389, 556, 333, 611, 556, 778, 556, 556, 500, 389, 280, 389, 584, 0,
    556, 0, 278, 556, 500, 1000, 556, 556, 333, 1000, 667, 333, 1000, 0, 611, 0,
    0, 278, 278, 500, 500, 350, 556, 1000, 333, 1000, 556, 333, 944, 0, 500, 667,
    278, 333, 556, 556, 556, 556, 280, 556, 333, 737, 370, 556, 584, 333, 737, 333,
    400, 584, 333, 333, 333, 611, 556, 278, 333, 333, 365, 556, 834, 834, 834, 611,
    722, 722, 722, 722, 722, 722, 1000, 722, 667, 667, 667, 667, 278, 278, 278, 278,
    722, 722, 778, 778, 778, 778, 778, 584, 778, 722, 722, 722, 722, 667, 667, 611,
    556, 556, 556, 556, 556, 556, 889, 556, 556, 556, 556, 556, 278, 278, 278, 278,
    611, 611, 611, 611, 611, 611, 611, 584, 611, 611, 611, 611, 611, 556, 611, 556,
];

#[cfg(test)]
mod tests {
    use std::ffi::OsStr;
    use std::io::Write;
    use std::process::Command;

    use tempfile::NamedTempFile;

    use super::*;
    use crate::domain::tax::Taxed;

    fn money(cents: i64) -> Money {
        Money::from_cents(cents)
    }

    /// A line at 20 % VAT included in `unit`.
    fn priced(label: &str, quantity: i64, unit: i64) -> InvoiceLine {
        let gross = unit * quantity;
        let tax = gross / 6;
        InvoiceLine {
            label: label.to_owned(),
            quantity,
            unit_price: money(unit),
            net: money(gross - tax),
            tax: money(tax),
            gross: money(gross),
        }
    }

    fn total(lines: &[InvoiceLine]) -> Taxed {
        let sum = |f: fn(&InvoiceLine) -> Money| money(lines.iter().map(|l| f(l).cents()).sum());
        Taxed {
            net: sum(|l| l.net),
            tax: sum(|l| l.tax),
            gross: sum(|l| l.gross),
        }
    }

    fn payment(date: &str, method: &str, cents: i64, reason: Option<&str>) -> PaymentLine {
        PaymentLine {
            date: date.to_owned(),
            method: method.to_owned(),
            amount: money(cents),
            reason: reason.map(str::to_owned),
        }
    }

    /// 1470.00 MAD due, 950.00 paid, 200.00 kept from the deposit: 320.00 left.
    fn sample(language: Language) -> InvoiceDocument {
        let lines = vec![
            priced("Location 3 jours × 450.00 (tarif été)", 3, 45_000),
            priced("Siège bébé « Confort » – forfait", 1, 12_000),
        ];
        InvoiceDocument {
            kind: DocumentKind::Invoice,
            number: "F-2026-000042".into(),
            issued_on: "2026-12-01 09:00".into(),
            language,
            currency: "MAD".into(),
            agency: Party {
                name: "Agence Côte d’Azur".into(),
                lines: vec![
                    "12, rue de la Gare, Casablanca".into(),
                    "ICE 001234567000089".into(),
                ],
            },
            client: Party {
                name: "Hélène Müller".into(),
                lines: vec!["3, place Saint-Éloi".into(), "Permis n° B-123456".into()],
            },
            reservation_number: "R-2026-000017".into(),
            car: "Dacia Logan – 12345-A-6".into(),
            period_start: "2026-12-01 09:00".into(),
            period_end: "2026-12-04 09:00".into(),
            total: total(&lines),
            lines,
            price_basis: PriceBasis::Inclusive,
            vat_rate_basis_points: 2000,
            payments: vec![
                payment(
                    "2026-12-01 09:05",
                    "Espèces",
                    100_000,
                    Some("Acompte à la réservation"),
                ),
                payment(
                    "2026-12-04 09:10",
                    "Carte",
                    -5_000,
                    Some("Remboursement partiel"),
                ),
            ],
            deposit_applied: money(20_000),
            balance: money(32_000),
            credits: None,
            reason: None,
        }
    }

    fn temp_pdf(pdf: &[u8]) -> NamedTempFile {
        let mut file = NamedTempFile::new().expect("create a temporary file");
        file.write_all(pdf).expect("write the PDF");
        file
    }

    /// Runs a poppler tool; a missing tool fails the test, since skipping would pass
    /// without having checked anything.
    fn poppler(tool: &str, args: &[&OsStr]) -> String {
        let output = Command::new(tool).args(args).output().unwrap_or_else(|e| {
            panic!("cannot run `{tool}` ({e}): these tests need poppler-utils installed")
        });
        assert!(
            output.status.success(),
            "`{tool}` failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8(output.stdout).expect("poppler prints UTF-8")
    }

    fn text_of(pdf: &[u8]) -> String {
        let file = temp_pdf(pdf);
        poppler(
            "pdftotext",
            &["-layout".as_ref(), file.path().as_os_str(), "-".as_ref()],
        )
    }

    fn page_count(pdf: &[u8]) -> usize {
        let file = temp_pdf(pdf);
        let info = poppler("pdfinfo", &[file.path().as_os_str()]);
        info.lines()
            .find_map(|l| l.strip_prefix("Pages:"))
            .and_then(|n| n.trim().parse().ok())
            .unwrap_or_else(|| panic!("no page count in pdfinfo's output:\n{info}"))
    }

    fn assert_has(text: &str, expected: &[&str]) {
        for needle in expected {
            assert!(text.contains(needle), "missing {needle:?} in:\n{text}");
        }
    }

    /// The printed line holding `label`, to check what stands beside it.
    fn line_with<'t>(text: &'t str, label: &str) -> &'t str {
        text.lines()
            .find(|l| l.contains(label))
            .unwrap_or_else(|| panic!("no line with {label:?} in:\n{text}"))
    }

    #[test]
    fn a_french_invoice_prints_parties_lines_totals_payments_and_balance() {
        let text = text_of(&render(&sample(Language::Fr)));
        assert_has(
            &text,
            &[
                "FACTURE F-2026-000042",
                "Date : 2026-12-01 09:00",
                "Agence Côte d’Azur",
                "Facturé à",
                "Hélène Müller",
                "3, place Saint-Éloi",
                "Réservation : R-2026-000017",
                "Véhicule : Dacia Logan – 12345-A-6",
                "Du 2026-12-01 09:00 au 2026-12-04 09:00",
                "Désignation",
                "Qté",
                "Prix unitaire",
                "Siège bébé « Confort » – forfait",
                "Les prix ont été saisis TTC",
                "Paiements",
                "Acompte à la réservation",
                "F-2026-000042 · Page 1 / 1",
            ],
        );
        let header = line_with(&text, "Désignation");
        assert_has(header, &["HT", "TVA", "TTC"]);
        let rental = line_with(&text, "Location 3 jours × 450.00 (tarif été)");
        assert_has(
            rental,
            &["450.00 MAD", "1125.00 MAD", "225.00 MAD", "1350.00 MAD"],
        );
        assert_has(line_with(&text, "Total HT"), &["1225.00 MAD"]);
        assert_has(line_with(&text, "TVA 20 %"), &["245.00 MAD"]);
        assert_has(line_with(&text, "Total TTC"), &["1470.00 MAD"]);
        assert_has(
            line_with(&text, "Espèces"),
            &["2026-12-01 09:05", "1000.00 MAD"],
        );
        assert_has(line_with(&text, "Remboursement partiel"), &["-50.00 MAD"]);
        assert_has(line_with(&text, "Caution retenue"), &["200.00 MAD"]);
        assert_has(line_with(&text, "Reste à payer"), &["320.00 MAD"]);
    }

    #[test]
    fn an_english_invoice_uses_english_words() {
        let mut doc = sample(Language::En);
        doc.price_basis = PriceBasis::Exclusive;
        doc.vat_rate_basis_points = 550;
        let text = text_of(&render(&doc));
        assert_has(
            &text,
            &[
                "INVOICE F-2026-000042",
                "Date: 2026-12-01 09:00",
                "Bill to",
                "Reservation: R-2026-000017",
                "Car: Dacia Logan – 12345-A-6",
                "From 2026-12-01 09:00 to 2026-12-04 09:00",
                "Prices were entered tax-exclusive",
                "Payments",
                "Page 1 of 1",
            ],
        );
        let header = line_with(&text, "Description");
        assert_has(header, &["Qty", "Unit price", "Net", "VAT", "Gross"]);
        assert_has(line_with(&text, "Total net"), &["1225.00 MAD"]);
        assert_has(line_with(&text, "VAT 5.5%"), &["245.00 MAD"]);
        assert_has(line_with(&text, "Total gross"), &["1470.00 MAD"]);
        assert_has(line_with(&text, "Deposit applied"), &["200.00 MAD"]);
        assert_has(line_with(&text, "Balance due"), &["320.00 MAD"]);
    }

    #[test]
    fn a_credit_note_names_the_invoice_it_cancels_and_why() {
        let mut doc = sample(Language::Fr);
        doc.kind = DocumentKind::CreditNote;
        doc.number = "AV-2026-000003".into();
        doc.credits = Some("F-2026-000042".into());
        doc.reason = Some("Erreur de tarif : réservation facturée deux fois".into());
        for line in &mut doc.lines {
            *line = priced(&line.label, line.quantity, -line.unit_price.cents());
        }
        doc.total = total(&doc.lines);
        doc.payments.clear();
        doc.deposit_applied = Money::ZERO;
        doc.balance = money(-147_000);
        let text = text_of(&render(&doc));
        assert_has(
            &text,
            &[
                "AVOIR AV-2026-000003",
                "Annule la facture F-2026-000042",
                "Motif : Erreur de tarif : réservation facturée deux fois",
                "Aucun paiement enregistré.",
            ],
        );
        assert_has(line_with(&text, "Total TTC"), &["-1470.00 MAD"]);
        assert_has(line_with(&text, "Reste à payer"), &["-1470.00 MAD"]);
        assert!(
            !text.contains("Caution retenue"),
            "no deposit was applied:\n{text}"
        );

        doc.language = Language::En;
        let text = text_of(&render(&doc));
        assert_has(
            &text,
            &[
                "CREDIT NOTE AV-2026-000003",
                "Cancels invoice F-2026-000042",
            ],
        );
    }

    #[test]
    fn a_long_table_flows_onto_further_pages_with_its_header_repeated() {
        let mut doc = sample(Language::Fr);
        doc.lines = (1..=120)
            .map(|i| priced(&format!("Ligne n° {i} – km supplémentaires"), i, 150))
            .collect();
        doc.total = total(&doc.lines);
        let pdf = render(&doc);
        let pages = page_count(&pdf);
        assert!(pages > 1, "120 lines on {pages} page");
        let text = text_of(&pdf);
        assert_has(
            &text,
            &[
                "Ligne n° 1 – km supplémentaires",
                "Ligne n° 120 – km supplémentaires",
                &format!("Page {pages} / {pages}"),
            ],
        );
        // pdftotext ends each page with a form feed.
        for page in text.split('\u{c}').filter(|p| p.contains("Ligne n°")) {
            assert!(
                page.contains("Désignation"),
                "a page of rows lacks the header:\n{page}"
            );
        }
        assert_has(line_with(&text, "Reste à payer"), &["320.00 MAD"]);
    }

    #[test]
    fn a_long_label_wraps_inside_its_column() {
        let mut doc = sample(Language::Fr);
        let label = "Franchise dommages : rayure profonde sur la portière avant gauche, \
                     rétroviseur cassé et jante éraflée, constatés au retour du véhicule";
        doc.lines = vec![priced(label, 1, 250_000)];
        let text = text_of(&render(&doc));
        assert_has(&text, &["Franchise", "éraflée", "véhicule", "2500.00 MAD"]);
        let width = LABEL_RIGHT - LEFT - 2.0 * PAD;
        let lines = BODY.wrap(label, width, MAX_CELL_LINES);
        assert!(lines.len() > 1);
        assert!(lines.iter().all(|l| BODY.width(l) <= width));
    }

    #[test]
    fn text_never_outgrows_its_room() {
        let word = "x".repeat(300);
        let lines = BODY.wrap(&word, 50.0, 3);
        assert_eq!(lines.len(), 3);
        assert!(lines.iter().all(|l| BODY.width(l) <= 50.0));
        assert_eq!(lines[2].last(), Some(&ELLIPSIS));
        let cut = BODY.truncate(&word, 80.0);
        assert!(BODY.width(&cut) <= 80.0);
        let huge = encode(&amount(money(-999_999_999_999), "MAD"));
        let fitted = BODY.shrunk_to(&huge, 60.0);
        assert!(fitted.width(&huge) <= 60.0 + 0.01);
    }

    #[test]
    fn text_is_encoded_in_win_ansi() {
        assert_eq!(
            encode("é×–«»€’ç"),
            [0xE9, 0xD7, 0x96, 0xAB, 0xBB, 0x80, 0x92, 0xE7]
        );
        assert_eq!(
            encode("e\u{301}"),
            [0xE9],
            "decomposed accents compose first"
        );
        assert_eq!(encode("中\t"), b"? ");
    }

    #[test]
    fn rates_print_without_useless_decimals() {
        assert_eq!(rate(2000), "20");
        assert_eq!(rate(550), "5.5");
        assert_eq!(rate(1234), "12.34");
        assert_eq!(rate(0), "0");
    }

    #[test]
    fn the_same_snapshot_renders_the_same_bytes() {
        let doc = sample(Language::Fr);
        assert_eq!(render(&doc), render(&doc));
    }
}
