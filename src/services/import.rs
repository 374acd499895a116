//! Moving an agency in from the Flask/MongoDB version in one step (`locacar import-mongo`).
//!
//! The collections are read in the order their references need ([`COLLECTIONS`]: the
//! original's five, and this server's own in its exports), one document at a time, and written in ONE transaction:
//! everything is imported or nothing is. Each document is written inside a savepoint, so
//! that what the database refuses (a duplicate phone, an overlapping booking, a missing
//! car) is undone alone, reported with its file, line and field, and then either fails
//! the import or is left out, as the options say; never silently. A dry run does all of
//! it and rolls back. Memory stays flat: nothing is kept per document but the few
//! reservations that need a number.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};
use std::time::Instant;

use chrono::Datelike;
use serde_json::json;
use sha2::{Digest, Sha256};

use super::audit::{self, Change};
use super::billing::reprice;
use super::reservations::RentalPolicy;
use super::Origin;
use crate::db::car_images::NewImage;
use crate::db::invoices::{self, Issued};
use crate::db::reservations::Hold;
use crate::db::{
    self, blocks, branches, cars, clients, deposits, execute_batch, extras, imports, inspections,
    reservations, users, Conn,
};
use crate::domain::audit::AuditAction;
use crate::domain::billing::{Fee, FeeKind};
use crate::domain::block::Block;
use crate::domain::branch::Branch;
use crate::domain::client::Client;
use crate::domain::deposit::Deposit;
use crate::domain::extras::Extra;
use crate::domain::id::Id;
use crate::domain::inspection::InspectionKind;
use crate::domain::money::Money;
use crate::domain::pricing::{Charge, ChargeSource};
use crate::domain::rates::RatePlan;
use crate::domain::reservation::{
    reservation_number, CarSummary, ClientSummary, PaymentDetails, PaymentMethod, Reservation,
    ReservationStatus,
};
use crate::domain::tax::{Taxed, VatRate};
use crate::domain::time::Timestamp;
use crate::domain::user::username_key;
use crate::error::{AppError, AppResult};
use crate::mongo::extjson;
use crate::mongo::original::{self, Fields, Finding, ImportedReservation};
use crate::mongo::stream::Documents;

/// The collections, in the order their references need. The original had the five of the
/// contract; the others are this server's own, in its exports.
pub const COLLECTIONS: [&str; 11] = [
    "users",
    "branches",
    "extras",
    "clients",
    "cars",
    "car_images",
    "car_blocks",
    "reservations",
    "inspection_photos",
    "invoices",
    "audit_log",
];

/// What a problem is, for choosing how it is resolved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ProblemKind {
    /// A document this schema cannot hold: bad syntax, type, value or status.
    Invalid,
    /// Same `_id`, phone, e-mail, CIN, plate, VIN or username as a document before it.
    Duplicate,
    /// Two blocking reservations of one car that overlap.
    Overlap,
    /// A reservation whose car or client is not there.
    MissingReference,
}

impl ProblemKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ProblemKind::Invalid => "invalid",
            ProblemKind::Duplicate => "duplicate",
            ProblemKind::Overlap => "overlap",
            ProblemKind::MissingReference => "missing_reference",
        }
    }
}

/// How one kind of problem is resolved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Resolution {
    /// The import fails and nothing is imported.
    Fail,
    /// The document is left out (for duplicates and overlaps: the first one is kept) and
    /// listed.
    Skip,
    /// Overlaps only: the later reservation is imported as cancelled by the agency, with
    /// a note saying why.
    Cancel,
}

/// How the import runs.
#[derive(Debug, Clone)]
pub struct ImportOptions {
    pub dir: PathBuf,
    pub dry_run: bool,
    pub on_invalid: Resolution,
    pub on_duplicate: Resolution,
    pub on_overlap: Resolution,
    pub on_missing_reference: Resolution,
    /// The method recorded for the original's payments, which did not say.
    pub payment_method: PaymentMethod,
    pub policy: RentalPolicy,
}

impl ImportOptions {
    fn resolution(&self, kind: ProblemKind) -> Resolution {
        match kind {
            ProblemKind::Invalid => self.on_invalid,
            ProblemKind::Duplicate => self.on_duplicate,
            ProblemKind::Overlap => self.on_overlap,
            ProblemKind::MissingReference => self.on_missing_reference,
        }
    }
}

/// Where a document is: its file and the line it starts on.
#[derive(Debug, Clone)]
pub struct Place {
    pub file: String,
    pub line: u64,
}

/// One problem found, where, and what was done about it.
#[derive(Debug, Clone)]
pub struct Problem {
    pub place: Place,
    pub kind: ProblemKind,
    pub field: Option<String>,
    pub message: String,
    /// Left out (or, for an overlap, cancelled) by an option; `None` when it fails the import.
    pub resolved: Option<Resolution>,
}

/// Counts for one collection.
#[derive(Debug, Clone, Default, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CollectionCount {
    pub read: u64,
    pub imported: u64,
    pub skipped: u64,
    pub problems: u64,
    pub notices: u64,
}

/// How an import ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Committed.
    Imported,
    /// A dry run that would have imported.
    WouldImport,
    /// Problems left unresolved: nothing was imported.
    Failed,
    /// The same files were imported before, at that time: nothing was done.
    AlreadyImported(Timestamp),
}

/// What the import reports, as it goes: problems and notices line by line, progress.
pub trait Reporter {
    fn problem(&mut self, p: &Problem);
    fn notice(&mut self, place: &Place, finding: &Finding);
    /// A collection is being read: `bytes` of `total` so far, `docs` documents in
    /// `seconds`.
    fn progress(&mut self, collection: &str, bytes: u64, total: u64, docs: u64, seconds: f64);
    /// A collection is done.
    fn finished(&mut self, collection: &str, count: &CollectionCount, seconds: f64);
}

/// The result of a run.
#[derive(Debug, Clone)]
pub struct Summary {
    pub outcome: Outcome,
    pub counts: BTreeMap<&'static str, CollectionCount>,
    /// Problems that fail the import.
    pub unresolved: u64,
}

/// Imports the files in `options.dir` into the database at `url`.
pub async fn run(
    url: &str,
    options: &ImportOptions,
    reporter: &mut dyn Reporter,
) -> anyhow::Result<Summary> {
    let files = collection_files(&options.dir)?;
    let (engine, mut conn) = db::connect_alone(url).await?;
    let held = imports::rows_held(&mut conn).await?;
    if !held.is_empty() {
        let fingerprint = fingerprint(&files)?;
        if let Some(at) = imports::imported_at(&mut conn, &fingerprint).await? {
            return Ok(Summary {
                outcome: Outcome::AlreadyImported(at),
                counts: BTreeMap::new(),
                unresolved: 0,
            });
        }
        let list: Vec<String> = held.iter().map(|(t, n)| format!("{n} {t}")).collect();
        anyhow::bail!(
            "the database already holds data ({}): import into an empty database",
            list.join(", ")
        );
    }
    execute_batch(&mut conn, engine.begin_write()).await?;
    let result = import_all(&mut conn, &files, options, reporter).await;
    let end = match &result {
        Ok(s) if s.outcome == Outcome::Imported => "COMMIT",
        _ => "ROLLBACK",
    };
    execute_batch(&mut conn, end).await?;
    conn.close().await;
    result
}

/// The collection files present in `dir`, in import order; at least one must be.
fn collection_files(dir: &Path) -> anyhow::Result<Vec<(&'static str, PathBuf)>> {
    if !dir.is_dir() {
        anyhow::bail!("{} is not a folder", dir.display());
    }
    let files: Vec<_> = COLLECTIONS
        .iter()
        .map(|c| (*c, dir.join(format!("{c}.json"))))
        .filter(|(_, path)| path.is_file())
        .collect();
    if files.is_empty() {
        anyhow::bail!(
            "{} holds none of users.json, clients.json, cars.json, reservations.json, audit_log.json",
            dir.display()
        );
    }
    Ok(files)
}

/// SHA-256 over the files' names and contents: the same files give the same print.
fn fingerprint(files: &[(&'static str, PathBuf)]) -> anyhow::Result<String> {
    let mut hash = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    for (name, path) in files {
        hash.update(name.as_bytes());
        hash.update([0]);
        let mut file = File::open(path)?;
        loop {
            let n = file.read(&mut buf)?;
            if n == 0 {
                break;
            }
            hash.update(&buf[..n]);
        }
        hash.update([0]);
    }
    Ok(hex::encode(hash.finalize()))
}

/// The whole import, inside the caller's transaction.
async fn import_all(
    conn: &mut Conn,
    files: &[(&'static str, PathBuf)],
    options: &ImportOptions,
    reporter: &mut dyn Reporter,
) -> anyhow::Result<Summary> {
    let mut run = Run {
        options,
        reporter,
        unresolved: 0,
        unnumbered: Vec::new(),
        counters: BTreeMap::new(),
    };
    let mut counts = BTreeMap::new();
    for (collection, path) in files {
        let count = run.collection(conn, collection, path).await?;
        counts.insert(*collection, count);
    }
    run.number_the_rest(conn).await?;
    run.check_whole(conn).await?;
    let outcome = if run.unresolved > 0 {
        Outcome::Failed
    } else if options.dry_run {
        Outcome::WouldImport
    } else {
        record_import(conn, files, options, &counts).await?;
        Outcome::Imported
    };
    Ok(Summary {
        outcome,
        counts,
        unresolved: run.unresolved,
    })
}

/// The import's own record: the fingerprint (so a re-run is recognised) and an audit entry.
async fn record_import(
    conn: &mut Conn,
    files: &[(&'static str, PathBuf)],
    options: &ImportOptions,
    counts: &BTreeMap<&'static str, CollectionCount>,
) -> anyhow::Result<()> {
    let now = Timestamp::now();
    let source = options.dir.display().to_string();
    let summary = json!({ "source": source, "collections": counts });
    imports::record(conn, &fingerprint(files)?, &source, now, &summary).await?;
    let change = Change::new(AuditAction::ImportMongo, None).extra(summary);
    audit::record(conn, &Origin::cli(), change).await?;
    Ok(())
}

/// A document that could not be written, and why.
struct Refusal {
    kind: ProblemKind,
    field: Option<String>,
    message: String,
}

impl Refusal {
    fn new(kind: ProblemKind, field: &str, message: impl Into<String>) -> Self {
        Refusal {
            kind,
            field: Some(field.to_owned()),
            message: message.into(),
        }
    }
}

/// What one document came to.
enum Written {
    Imported,
    /// Imported with an adjustment, said in the finding.
    Adjusted(Finding),
}

/// The state of one import as it reads the collections.
struct Run<'a> {
    options: &'a ImportOptions,
    reporter: &'a mut dyn Reporter,
    unresolved: u64,
    /// Reservations the original gave no number: numbered once every given number is known.
    unnumbered: Vec<(Id, Timestamp)>,
    /// The highest reservation number given per year: the counters go past them at the end.
    counters: BTreeMap<i32, i64>,
}

impl Run<'_> {
    async fn collection(
        &mut self,
        conn: &mut Conn,
        collection: &'static str,
        path: &Path,
    ) -> anyhow::Result<CollectionCount> {
        let file_name = format!("{collection}.json");
        let total = std::fs::metadata(path)?.len();
        let mut docs = Documents::new(BufReader::with_capacity(1 << 16, File::open(path)?));
        let mut count = CollectionCount::default();
        let started = Instant::now();
        while let Some(next) = docs.next() {
            count.read += 1;
            let (line, text) = match next {
                Ok(raw) => (raw.line, raw.text),
                Err(e) => {
                    // The file cannot be cut further: what follows is unknown, so this
                    // cannot be resolved by leaving one document out.
                    let place = Place {
                        file: file_name.clone(),
                        line: e.line,
                    };
                    self.report(&mut count, place, invalid(None, e.message), false);
                    break;
                }
            };
            let place = Place {
                file: file_name.clone(),
                line,
            };
            self.document(conn, collection, place, &text, &mut count)
                .await?;
            if count.read % 1024 == 0 {
                let seconds = started.elapsed().as_secs_f64();
                self.reporter
                    .progress(collection, docs.bytes_read(), total, count.read, seconds);
            }
        }
        self.reporter
            .finished(collection, &count, started.elapsed().as_secs_f64());
        Ok(count)
    }

    /// Reads, checks and writes one document.
    async fn document(
        &mut self,
        conn: &mut Conn,
        collection: &'static str,
        place: Place,
        text: &[u8],
        count: &mut CollectionCount,
    ) -> anyhow::Result<()> {
        let doc = serde_json::from_slice::<serde_json::Value>(text)
            .map_err(|e| invalid(None, format!("not JSON: {e}")))
            .and_then(|v| {
                extjson::document_from_json(v).map_err(|e| {
                    let field = (!e.path.is_empty()).then(|| e.path.clone());
                    invalid(field, e.message)
                })
            });
        let doc = match doc {
            Ok(doc) => doc,
            Err(refusal) => {
                self.report(count, place, refusal, true);
                return Ok(());
            }
        };
        let mut fields = Fields::new(&doc);
        let record = Record::read(collection, &mut fields, self.options.payment_method);
        for notice in &fields.notices {
            count.notices += 1;
            self.reporter.notice(&place, notice);
        }
        let Some(record) = record.filter(|_| fields.problems.is_empty()) else {
            for finding in fields.problems {
                self.report(
                    count,
                    place.clone(),
                    invalid(finding.field, finding.message),
                    true,
                );
            }
            return Ok(());
        };
        imports::savepoint(conn).await?;
        let written = self.write(conn, record).await;
        imports::end_savepoint(conn, written.is_ok()).await?;
        match written {
            Ok(Written::Imported) => count.imported += 1,
            Ok(Written::Adjusted(finding)) => {
                count.imported += 1;
                count.notices += 1;
                self.reporter.notice(&place, &finding);
            }
            Err(WriteError::Refused(refusal)) => {
                let kind = refusal.kind;
                if self.options.resolution(kind) == Resolution::Cancel
                    && kind == ProblemKind::Overlap
                {
                    // Written again, cancelled, below the report of why.
                    let place_again = place.clone();
                    self.report(count, place, refusal, true);
                    self.cancel_overlapping(conn, &doc, place_again, count)
                        .await?;
                } else {
                    self.report(count, place, refusal, true);
                }
            }
            Err(WriteError::Failed(e)) => return Err(e.into()),
        }
        Ok(())
    }

    /// Imports an overlapping reservation as cancelled by the agency, noting why.
    async fn cancel_overlapping(
        &mut self,
        conn: &mut Conn,
        doc: &bson::Document,
        place: Place,
        count: &mut CollectionCount,
    ) -> anyhow::Result<()> {
        let mut fields = Fields::new(doc);
        let Some(mut r) = original::reservation(&mut fields, self.options.payment_method) else {
            return Ok(());
        };
        let note = "Annulée à l'import : chevauchait une autre réservation du même véhicule \
                    (cancelled at import: overlapped another booking of the same car)";
        r.notes = Some(match r.notes.take() {
            Some(n) => format!("{n}\n{note}"),
            None => note.to_owned(),
        });
        r.status = ReservationStatus::CancelledByAgency;
        r.pickup = None;
        r.returned = None;
        imports::savepoint(conn).await?;
        let written = self.reservation(conn, r).await;
        imports::end_savepoint(conn, written.is_ok()).await?;
        match written {
            Ok(_) => count.imported += 1,
            Err(WriteError::Refused(refusal)) => {
                let refusal = Refusal {
                    kind: ProblemKind::Invalid,
                    ..refusal
                };
                self.report(count, place, refusal, false);
            }
            Err(WriteError::Failed(e)) => return Err(e.into()),
        }
        Ok(())
    }

    /// Counts and reports a problem; `resolvable`: the options may leave it out.
    fn report(&mut self, count: &mut CollectionCount, place: Place, r: Refusal, resolvable: bool) {
        let resolution = self.options.resolution(r.kind);
        let resolved = (resolvable && resolution != Resolution::Fail).then_some(resolution);
        count.problems += 1;
        if resolved.is_some() {
            count.skipped += 1;
        } else {
            self.unresolved += 1;
        }
        self.reporter.problem(&Problem {
            place,
            kind: r.kind,
            field: r.field,
            message: r.message,
            resolved,
        });
    }

    async fn write(&mut self, conn: &mut Conn, record: Record) -> Result<Written, WriteError> {
        match record {
            Record::User(u) => {
                let key = username_key(&u.user.username);
                users::insert(conn, &u.user, &key, &u.password_hash)
                    .await
                    .map_err(|e| refused(e, "username"))?;
            }
            Record::Client(c) => clients::insert(conn, &c)
                .await
                .map_err(|e| refused(e, "phone"))?,
            Record::Branch(b) => {
                branches::insert(conn, &b)
                    .await
                    .map_err(|e| refused(e, "name"))?;
            }
            Record::Extra(x) => extras::insert(conn, &x)
                .await
                .map_err(|e| refused(e, "name"))?,
            Record::Car(c) => {
                for (field, branch) in [
                    ("homeBranchId", c.car.home_branch_id),
                    ("currentBranchId", c.car.current_branch_id),
                ] {
                    existing_branch(conn, field, branch).await?;
                }
                cars::insert(conn, &c.car)
                    .await
                    .map_err(|e| refused(e, "licensePlate"))?;
                if let Some(rates) = &c.rates {
                    cars::set_rates(conn, c.car.id, rates, None).await?;
                }
            }
            Record::Block(b) => {
                if !imports::exists(conn, "cars", b.car_id).await? {
                    return Err(missing("carId", format!("no car has id {}", b.car_id)));
                }
                blocks::insert(conn, &b).await.map_err(|e| match e {
                    AppError::Conflict { message, .. } => {
                        WriteError::Refused(Refusal::new(ProblemKind::Overlap, "start", message))
                    }
                    other => refused(other, "_id"),
                })?;
            }
            Record::Reservation(r) => return self.reservation(conn, *r).await,
            Record::CarImage(p) => {
                if !imports::exists(conn, "cars", p.owner).await? {
                    return Err(missing("_id", format!("no car has id {}", p.owner)));
                }
                imports::insert_car_image(conn, &p).await?;
            }
            Record::InspectionPhoto(p) => {
                let Some((id, kind)) = p.inspection else {
                    return Err(missing("kind", "the photo names no inspection"));
                };
                if !imports::has_inspection(conn, p.owner, kind).await? {
                    let message = format!(
                        "reservation {} has no {} inspection",
                        p.owner,
                        kind.as_str()
                    );
                    return Err(missing("reservationId", message));
                }
                let image = NewImage {
                    full: p.full,
                    thumb: p.thumb,
                };
                let (at, by) = (p.uploaded_at, p.uploaded_by);
                inspections::insert_photo(conn, id, p.owner, kind, &image, at, by)
                    .await
                    .map_err(|e| refused(e, "_id"))?;
            }
            Record::Invoice(i) => self.invoice(conn, &i).await?,
            Record::Entry(e) => db::audit::insert(conn, (&e).into())
                .await
                .map_err(|e| refused(e, "_id"))?,
        }
        Ok(Written::Imported)
    }

    /// Prices a reservation as this server would have, keeping what the original says
    /// was owed, and writes it with its payments.
    async fn reservation(
        &mut self,
        conn: &mut Conn,
        r: ImportedReservation,
    ) -> Result<Written, WriteError> {
        let (car, client) = imports::references(conn, r.car_id, r.client_id).await?;
        let car = car.ok_or_else(|| missing("carId", format!("no car has id {}", r.car_id)))?;
        let client = client
            .ok_or_else(|| missing("clientId", format!("no client has id {}", r.client_id)))?;
        existing_branch(conn, "pickupBranchId", r.terms.pickup_branch).await?;
        existing_branch(conn, "returnBranchId", r.terms.return_branch).await?;
        let mut drivers = Vec::with_capacity(r.terms.additional_drivers.len());
        for id in &r.terms.additional_drivers {
            let driver = clients::find(conn, *id)
                .await?
                .ok_or_else(|| missing("additionalDriverIds", format!("no client has id {id}")))?;
            drivers.push(summary_of(&driver));
        }
        let number = self.number(&r);
        let payments = r.payments.clone();
        let movements = r.terms.deposit_movements.clone();
        let inspections = [
            (InspectionKind::Checkout, r.terms.checkout.clone()),
            (InspectionKind::Checkin, r.terms.checkin.clone()),
        ];
        let (mut reservation, adjusted) = assemble(r, number, car, client, self.options.policy)?;
        reservation.additional_drivers = drivers;
        if reservation.status.is_blocking() {
            let until = reservation
                .end_date
                .plus_millis(reservation.turnaround_minutes * 60_000);
            let (car, start) = (reservation.car_id, reservation.start_date);
            let hold = reservations::find_hold(conn, car, start, until, None);
            if let Some(hold) = hold.await? {
                let what = match hold {
                    Hold::Reservation(number) => format!("reservation {number}"),
                    Hold::Block(reason) => format!("a block ({reason})"),
                };
                return Err(Refusal::new(
                    ProblemKind::Overlap,
                    "startDate",
                    format!("the car is already held by {what} for an overlapping period"),
                )
                .into());
            }
        }
        reservations::insert(conn, &reservation)
            .await
            .map_err(|e| match e {
                AppError::Conflict { message, .. } if !message.contains("number") => {
                    WriteError::Refused(Refusal::new(ProblemKind::Overlap, "startDate", message))
                }
                other => refused(other, "reservationNumber"),
            })?;
        for p in &payments {
            reservations::insert_payment(conn, reservation.id, p, p.transaction_date).await?;
        }
        for m in &movements {
            deposits::insert(conn, reservation.id, m).await?;
        }
        for (kind, inspection) in inspections {
            if let Some(i) = inspection {
                let (at, by) = (i.recorded_at, i.recorded_by);
                inspections::insert(conn, reservation.id, kind, &i.reading(), at, by).await?;
            }
        }
        Ok(match adjusted {
            Some(finding) => Written::Adjusted(finding),
            None => Written::Imported,
        })
    }

    /// An issued document, as frozen; the counter of its kind and year goes past it.
    async fn invoice(&mut self, conn: &mut Conn, i: &Issued) -> Result<(), WriteError> {
        if !imports::exists(conn, "reservations", i.reservation_id).await? {
            let message = format!("no reservation has id {}", i.reservation_id);
            return Err(missing("reservationId", message));
        }
        if let Some(credited) = i.credits_id {
            if invoices::find(conn, i.reservation_id, credited)
                .await?
                .is_none()
            {
                let message = format!("no invoice {credited} of this reservation comes before it");
                return Err(missing("creditsId", message));
            }
        }
        invoices::insert(conn, i)
            .await
            .map_err(|e| refused(e, "document.number"))?;
        if let Some((year, sequence)) = parse_number(&i.document.number) {
            imports::raise_invoice_counter(conn, i.document.kind, year, sequence).await?;
        }
        Ok(())
    }

    /// The number the reservation keeps (its year's counter goes past it at the end), or
    /// a stand-in until [`number_the_rest`](Self::number_the_rest) gives it one.
    fn number(&mut self, r: &ImportedReservation) -> String {
        match &r.number {
            Some(number) => {
                if let Some((year, sequence)) = parse_number(number) {
                    let last = self.counters.entry(year).or_insert(0);
                    *last = (*last).max(sequence);
                }
                number.clone()
            }
            None => {
                self.unnumbered.push((r.id, r.reservation_date));
                format!("IMPORT-{}", r.id)
            }
        }
    }

    /// Numbers the reservations that came without one, after every given number.
    async fn number_the_rest(&mut self, conn: &mut Conn) -> AppResult<()> {
        for (year, last) in std::mem::take(&mut self.counters) {
            imports::raise_counter(conn, year, last).await?;
        }
        // Numbered in memory from each year's last number, the counter raised once per
        // year: updating one counter row per reservation slows down as it goes.
        let mut last: BTreeMap<i32, i64> = BTreeMap::new();
        for (id, booked) in std::mem::take(&mut self.unnumbered) {
            let year =
                chrono::DateTime::from_timestamp_millis(booked.millis()).map_or(1970, |d| d.year());
            let sequence = match last.get(&year) {
                Some(n) => n + 1,
                None => imports::last_number(conn, year).await? + 1,
            };
            // A reservation left out after all has nothing to number.
            if imports::set_number(conn, id, &reservation_number(year, sequence)).await? {
                last.insert(year, sequence);
            }
        }
        for (year, sequence) in last {
            imports::raise_counter(conn, year, sequence).await?;
        }
        Ok(())
    }

    /// Rules over the whole import: an admin to log in with, cars in step with rentals.
    async fn check_whole(&mut self, conn: &mut Conn) -> AppResult<()> {
        let place = Place {
            file: "(all files)".to_owned(),
            line: 0,
        };
        if imports::active_admins(conn).await? == 0 {
            let finding = Finding {
                field: None,
                message: "no active admin was imported: create one with `locacar user create`"
                    .to_owned(),
            };
            self.reporter.notice(&place, &finding);
        }
        for (car, status) in imports::status_mismatches(conn).await? {
            let message = if status == "rented" {
                format!("car {car} is rented but no reservation of it is active")
            } else {
                format!("car {car} is {status} while a reservation of it is active")
            };
            let finding = Finding {
                field: Some("status".to_owned()),
                message,
            };
            self.reporter.notice(&place, &finding);
        }
        Ok(())
    }
}

/// The record a document reads as, by collection.
enum Record {
    User(original::ImportedUser),
    Branch(Branch),
    Extra(Extra),
    Client(Client),
    Car(original::ImportedCar),
    Block(Block),
    CarImage(original::PhotoRecord),
    InspectionPhoto(original::PhotoRecord),
    Invoice(Issued),
    Reservation(Box<ImportedReservation>),
    Entry(crate::db::audit::Entry),
}

impl Record {
    fn read(collection: &str, f: &mut Fields<'_>, method: PaymentMethod) -> Option<Record> {
        match collection {
            "users" => original::user(f).map(Record::User),
            "branches" => own(f, Record::Branch),
            "extras" => own(f, Record::Extra),
            "car_blocks" => own(f, Record::Block),
            "car_images" => original::photo(f, false).map(Record::CarImage),
            "inspection_photos" => original::photo(f, true).map(Record::InspectionPhoto),
            "invoices" => original::invoice(f).map(Record::Invoice),
            "clients" => original::client(f).map(Record::Client),
            "cars" => original::car(f).map(Record::Car),
            "reservations" => {
                original::reservation(f, method).map(|r| Record::Reservation(Box::new(r)))
            }
            _ => original::audit_entry(f).map(Record::Entry),
        }
    }
}

/// A document of this server's own collections, or its problem recorded in `f`.
fn own<T: serde::de::DeserializeOwned>(
    f: &mut Fields<'_>,
    record: impl FnOnce(T) -> Record,
) -> Option<Record> {
    match f.own::<T>() {
        Ok(value) => Some(record(value)),
        Err(finding) => {
            f.problems.push(finding);
            None
        }
    }
}

/// Why a write did not happen: the database refused the document, or failed.
enum WriteError {
    Refused(Refusal),
    Failed(AppError),
}

impl From<AppError> for WriteError {
    fn from(e: AppError) -> Self {
        WriteError::Failed(e)
    }
}

impl From<Refusal> for WriteError {
    fn from(r: Refusal) -> Self {
        WriteError::Refused(r)
    }
}

fn invalid(field: Option<String>, message: impl Into<String>) -> Refusal {
    Refusal {
        kind: ProblemKind::Invalid,
        field,
        message: message.into(),
    }
}

/// A branch named by a document must have been imported before it.
async fn existing_branch(conn: &mut Conn, field: &str, id: Option<Id>) -> Result<(), WriteError> {
    match id {
        Some(id) if !imports::exists(conn, "branches", id).await? => {
            Err(missing(field, format!("no branch has id {id}")))
        }
        _ => Ok(()),
    }
}

fn summary_of(client: &Client) -> ClientSummary {
    ClientSummary {
        id: client.id,
        first_name: client.first_name.clone(),
        last_name: client.last_name.clone(),
        phone: client.phone.clone(),
    }
}

/// Tells a refusal by the database (a clash on a unique key) from a failure.
fn refused(e: AppError, clash_field: &str) -> WriteError {
    match e {
        AppError::Conflict { message, fields } => {
            let field = fields
                .as_map()
                .keys()
                .next()
                .cloned()
                .unwrap_or_else(|| clash_field.to_owned());
            WriteError::Refused(Refusal {
                kind: ProblemKind::Duplicate,
                field: Some(field),
                message,
            })
        }
        AppError::Database(e) => match db::unique_violation(&e) {
            Some(index) => {
                let field = unique_field(&index).unwrap_or(clash_field);
                WriteError::Refused(Refusal::new(
                    ProblemKind::Duplicate,
                    field,
                    format!("the same {field} as a document before it"),
                ))
            }
            None => WriteError::Failed(AppError::Database(e)),
        },
        other => WriteError::Failed(other),
    }
}

/// The field a unique index stands for: PostgreSQL names the index, SQLite the columns.
fn unique_field(index: &str) -> Option<&'static str> {
    let index = index.to_ascii_lowercase();
    [
        ("invoices", "document.number"),
        ("username", "username"),
        ("plate", "licensePlate"),
        ("vin", "vin"),
        ("phone", "phone"),
        ("email", "email"),
        ("cin", "CIN"),
        ("number", "reservationNumber"),
        ("pkey", "_id"),
        (".id", "_id"),
    ]
    .into_iter()
    .find(|(part, _)| index.contains(part))
    .map(|(_, field)| field)
}

/// `LC-2025-000012` → (2025, 12); the same for `F-…` and `AV-…` invoice numbers.
fn parse_number(number: &str) -> Option<(i32, i64)> {
    let mut parts = number.split('-');
    let (_prefix, year, sequence) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    Some((year.parse().ok()?, sequence.parse().ok()?))
}

fn missing(field: &str, message: impl Into<String>) -> WriteError {
    WriteError::Refused(Refusal::new(ProblemKind::MissingReference, field, message))
}

/// The reservation as this server holds it, and what was done to make it owe what the
/// original recorded, if anything.
fn assemble(
    r: ImportedReservation,
    number: String,
    car: CarSummary,
    client: ClientSummary,
    policy: RentalPolicy,
) -> Result<(Reservation, Option<Finding>), WriteError> {
    let terms = r.terms;
    let closed_at = terms.closed_at.or_else(|| {
        r.status.is_final().then(|| match r.status {
            ReservationStatus::Completed => r.returned.unwrap_or(r.last_modified_at),
            _ => r.last_modified_at,
        })
    });
    let mut reservation = Reservation {
        id: r.id,
        reservation_number: number,
        car_id: car.id,
        client_id: client.id,
        start_date: r.start,
        end_date: r.end,
        actual_pickup_date: r.pickup,
        actual_return_date: r.returned,
        status: r.status,
        daily_rate: r.daily_rate,
        estimated_total_cost: Money::ZERO,
        final_total_cost: None,
        additional_charges: r.charges,
        notes: r.notes,
        reservation_date: r.reservation_date,
        created_by: r.created_by,
        last_modified_at: r.last_modified_at,
        last_modified_by: r.last_modified_by,
        payment_details: PaymentDetails::settle(Money::ZERO, Vec::new(), Money::ZERO),
        car,
        client,
        additional_drivers: Vec::new(),
        pickup_branch_id: terms.pickup_branch,
        return_branch_id: terms.return_branch,
        turnaround_minutes: terms.turnaround_minutes,
        included_km_per_day: terms.included_km_per_day,
        extra_km_rate: terms.extra_km_rate,
        checkout_inspection: None,
        checkin_inspection: None,
        review_required: terms.review_required,
        rate_plan: terms
            .rate_plan
            .unwrap_or_else(|| RatePlan::flat(r.daily_rate)),
        extras: terms.extras,
        price_basis: terms.price_basis.unwrap_or(policy.tax.basis),
        vat_rate: terms
            .vat_rate
            .unwrap_or(VatRate(policy.tax.rate_basis_points)),
        price_lines: Vec::new(),
        totals: Taxed::default(),
        fee: terms.fee,
        deposit: Deposit::of(terms.deposit_amount, Vec::new()),
        closed_at,
    };
    // A closed booking keeps the estimate it was booked with: the original's, or the
    // price of its planned period.
    if reservation.status.is_final() {
        let mut booked = reservation.clone();
        booked.status = ReservationStatus::Confirmed;
        reprice(&mut booked, policy)?;
        reservation.estimated_total_cost = r.estimated_total.unwrap_or(booked.estimated_total_cost);
    }
    reprice(&mut reservation, policy)?;
    // The original kept what a no-show or late canceller had paid without recording a
    // total: that money is the fee it charged, not a refund this server would owe.
    let paid: i64 = r.payments.iter().map(|p| p.amount.cents()).sum();
    let kept = matches!(
        reservation.status,
        ReservationStatus::NoShow | ReservationStatus::CancelledByClient
    ) && reservation.fee.is_none()
        && paid > 0;
    let recorded = r
        .final_total
        .or_else(|| kept.then(|| Money::from_cents(paid)));
    let adjusted = match recorded {
        Some(recorded) if reservation.status.is_final() => {
            keep_recorded_total(&mut reservation, recorded, policy)?
        }
        _ => None,
    };
    Ok((reservation, adjusted))
}

/// Makes a closed reservation owe what the original recorded: a returned rental gets an
/// adjustment line for the difference, a late cancellation or no-show a fee.
fn keep_recorded_total(
    r: &mut Reservation,
    recorded: Money,
    policy: RentalPolicy,
) -> Result<Option<Finding>, WriteError> {
    let computed = r.final_total_cost.unwrap_or(Money::ZERO);
    if computed == recorded {
        return Ok(None);
    }
    let difference = Money::from_cents(recorded.cents() - computed.cents());
    match r.status {
        ReservationStatus::Completed => r.additional_charges.push(Charge {
            label: match policy.language {
                crate::domain::invoice::Language::Fr => "Ajustement (reprise des données)",
                crate::domain::invoice::Language::En => "Adjustment (data import)",
            }
            .to_owned(),
            amount: difference,
            source: ChargeSource::Agent,
        }),
        ReservationStatus::CancelledByClient | ReservationStatus::NoShow
            if r.fee.is_none() && recorded > Money::ZERO =>
        {
            r.fee = Some(Fee {
                kind: if r.status == ReservationStatus::NoShow {
                    FeeKind::NoShow
                } else {
                    FeeKind::Cancellation
                },
                amount: recorded,
                waiver: None,
            });
        }
        _ => {
            return Err(WriteError::Refused(Refusal::new(
                ProblemKind::Invalid,
                "finalTotalCost",
                format!(
                    "a reservation {} cannot owe {recorded}: nothing can be charged for it",
                    r.status
                ),
            )))
        }
    }
    reprice(r, policy)?;
    Ok(Some(Finding {
        field: Some("finalTotalCost".to_owned()),
        message: format!(
            "{recorded} was recorded where the rental's days come to {computed}: \
             the difference of {difference} is kept as {}",
            if r.status == ReservationStatus::Completed {
                "an adjustment line"
            } else {
                "the fee"
            }
        ),
    }))
}
