#!/usr/bin/env python3
"""Writes a large, consistent `mongoexport` dump of the Flask/MongoDB LocaCar, for
benchmarking `locacar import-mongo` / `export-mongo` (issue 9). Python 3 standard library only.

Run:
    python3 bench/mongo/make_dump.py --docs 1000000 --out target/bench-mongo/dumps/1000000

It writes users.json, clients.json, cars.json, reservations.json and audit_log.json into
--out (created if needed; existing files replaced), in relaxed Extended JSON, one document
per line, as `mongoexport` >= 4.2 writes by default (`{"$oid": …}`, `{"$date": "…Z"}`,
money as doubles). The documents add up to exactly --docs: 1 admin and 4 managers, ~2 %
cars, ~10 % clients, ~60 % reservations, the rest (~28 %) audit entries. The output is
the same byte for byte on every run (fixed seed) and is written as it is generated:
nothing is kept per document (only a few fields per car, ~2 % of --docs), so memory
stays small whatever --docs (a million documents: about a minute, 904 MB).

The agency is as the Flask app would have left it on 2026-11-28 18:00 UTC ("now"):
every rule `import-mongo` checks holds, so a plain import succeeds with no problem.
- users: all share ONE Werkzeug hash (`pbkdf2:sha256:1000$salt$hex`, made once with
  hashlib.pbkdf2_hmac); the password is printed, and written to `PASSWORD.txt`.
- cars: unique plates (`12345-A-6`) and unique 17-character VINs (A–Z, 0–9 without I,
  O, Q); "rented" exactly when the car has its (one) active rental; some in maintenance
  or out of service.
- clients: unique phones (in the formats staff typed them), e-mails and CINs; some
  e-mails null or absent, some CINs absent (foreign clients).
- reservations: about 30 per car, laid out on each car's own timeline so that the
  blocking ones (pending_confirmation, confirmed, active) never overlap; completed,
  cancelled and no-show ones in the past (completed ones with actualPickupDate and
  actualReturnDate, and finalTotalCost = billable days × rate, the server's rule with a
  60-minute grace; ~2 % have a fuel surcharge on top, which the import keeps as an
  adjustment line and reports as a notice; a no-show's kept deposit becomes its fee,
  also a notice); at most one active rental per car; future ones pending_confirmation,
  confirmed or cancelled_by_client. `paymentDetails` {amountPaid, reste,
  transactionDate} on most; reservationNumber `LC-YYYY-NNNNNN` unique, absent on those
  booked before numbering began (2024-03-01), which the import numbers itself.
- audit_log: CREATE_MANAGER, CREATE_CAR, CREATE_CLIENT, CREATE_RESERVATION,
  UPDATE_RESERVATION_STATUS, ADD_PAYMENT, LOGIN_SUCCESS, LOGIN_ATTEMPT_FAILURE entries
  with `details` and `before`/`after` snapshots (CREATE_MANAGER snapshots hold the
  passwordHash, which the import strips).

Files are written in generation order (users, then cars, clients, reservations round by
round over the cars); audit entries are written next to what they are about, so their
timestamps are not sorted (mongoexport's natural order does not promise that either).
"""
import argparse
import hashlib
import json
import os
import sys
import time
from datetime import datetime, timezone

SEED = 20261128
DAY = 24 * 3600 * 1000
HOUR = 3600 * 1000
MINUTE = 60 * 1000
GRACE_MINUTES = 60
PASSWORD = "Bench-Locacar-2026"
PBKDF2_ITERATIONS = 1000
N_MANAGERS = 4


def ms(text):
    """'2024-01-08 09:00' (UTC) -> milliseconds since the epoch."""
    fmt = "%Y-%m-%d %H:%M:%S" if text.count(":") == 2 else "%Y-%m-%d %H:%M"
    return int(datetime.strptime(text, fmt).replace(tzinfo=timezone.utc).timestamp()) * 1000


NOW = ms("2026-11-28 18:00")          # when the Flask app's database was exported
OPENING = ms("2024-01-08 09:00")      # the agency's first day
NUMBERING = ms("2024-03-01 00:00")    # reservations booked before had no reservationNumber
FUTURE_SPAN = 120 * DAY               # bookings are taken up to four months ahead


# ---------------------------------------------------------------- deterministic randomness

MASK = (1 << 64) - 1


def mix(*parts):
    """A 64-bit hash of integers (splitmix64 finaliser, chained): the same parts, the
    same number, so a document's values depend only on its collection and index."""
    h = SEED
    for p in parts:
        h = (h + 0x9E3779B97F4A7C15 + (p & MASK)) & MASK
        h ^= h >> 30
        h = (h * 0xBF58476D1CE4E5B9) & MASK
        h ^= h >> 27
        h = (h * 0x94D049BB133111EB) & MASK
        h ^= h >> 31
    return h


class Rng:
    """A small stream of numbers drawn from mix(kind, index, k) for k = 0, 1, 2, …"""

    __slots__ = ("key", "k")

    def __init__(self, *key):
        self.key = key
        self.k = 0

    def u(self):
        self.k += 1
        return mix(*self.key, self.k)

    def below(self, n):
        return self.u() % n

    def between(self, lo, hi):
        """An integer in [lo, hi]."""
        return lo + self.u() % (hi - lo + 1)

    def chance(self, percent):
        return self.u() % 10000 < percent * 100

    def pick(self, seq):
        return seq[self.u() % len(seq)]


# ---------------------------------------------------------------- Extended JSON values

def iso(t):
    """A relaxed $date as the Go driver writes it: milliseconds only when not zero,
    trailing zeros dropped (…T08:41:17.25Z)."""
    d = datetime.fromtimestamp(t // 1000, timezone.utc)
    frac = f".{t % 1000:03d}".rstrip("0").rstrip(".")
    return d.strftime("%Y-%m-%dT%H:%M:%S") + frac + "Z"


def date(t):
    return None if t is None else {"$date": iso(t)}


_process = {}


def oid(t, counter):
    """An ObjectId made at `t`: its second, the 5 random bytes of the app's process (a new
    one each month: the app was restarted) and a counter, unique per document here."""
    month = t // (30 * DAY)
    if month not in _process:
        _process[month] = mix(0xB0D, month) & ((1 << 40) - 1)
    return f"{(t // 1000) & 0xFFFFFFFF:08x}{_process[month]:010x}{counter & 0xFFFFFF:06x}"


def ref(hex_id):
    return {"$oid": hex_id}


def dumps(doc):
    # Python's float repr is the shortest round-trip form, as Go's; money here is below
    # 1e6 so never in exponent form, and whole doubles keep their ".0" as mongoexport's.
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":"))


def money(x):
    return float(x)


def billable_days(start, end):
    """The server's rule (src/domain/pricing.rs) with a 60-minute grace."""
    length = max(end - start, 0)
    whole, rest = divmod(length, DAY)
    days = whole if rest == 0 or (whole > 0 and rest <= GRACE_MINUTES * MINUTE) else whole + 1
    return max(days, 1)


# ---------------------------------------------------------------- the data the app used

FIRST = ["Youssef", "Fatima Zahra", "Mehdi", "Sophie", "Hamza", "Nadia", "Khalid", "Imane",
         "Thomas", "Aïcha", "Anas", "Leila", "Omar", "Salma", "Karim", "Rachid", "Meryem",
         "Hicham", "Sanaa", "Adil", "Ghita", "Ayoub", "Zineb", "Mohamed", "Khadija", "Yassine",
         "Houda", "Reda", "Nour", "Ilyas", "Camille", "Lucas", "Emma", "Julien", "Sara",
         "Othmane", "Hajar", "Amine", "Lina", "Badr"]
LAST = ["El Amrani", "Bennani", "Chraibi", "Martin", "Ouazzani", "Berrada", "Moussaoui",
        "Fassi Fihri", "Dubois", "Lahlou", "Tahiri", "Benkirane", "Alaoui", "Idrissi", "Tazi",
        "Benjelloun", "El Idrissi", "Sebti", "Kettani", "Bouazza", "Zniber", "Naciri",
        "Lamrani", "Skalli", "Cherkaoui", "Benali", "Haddad", "Rami", "El Fassi", "Mansouri",
        "Bernard", "Petit", "Durand", "Lefebvre", "Hamdaoui", "Sqalli", "Filali", "Amrani"]
DOMAINS = ["gmail.com", "outlook.fr", "yahoo.fr", "hotmail.com", "menara.ma", "orange.fr",
           "gmail.com", "gmail.com"]
CIN_PREFIX = ["A", "AB", "AA", "BE", "BH", "BK", "C", "D", "EE", "G", "JA", "K", "L", "T", "X"]
CLIENT_NOTES = ["", "", "", "", "", "Client fidèle, préfère les citadines.",
                "Préfère les boîtes automatiques.", "Touriste.", "Entreprise : facture au nom de la société.",
                "زبون دائم"]

# make, model, WMI, daily rate
MODELS = [("Dacia", "Logan", "UU1", 250.0), ("Dacia", "Sandero", "UU1", 230.0),
          ("Dacia", "Duster", "UU1", 399.5), ("Renault", "Clio", "VF1", 300.0),
          ("Renault", "Mégane", "VF1", 420.0), ("Peugeot", "208", "VF3", 350.0),
          ("Peugeot", "308", "VF3", 450.0), ("Toyota", "Corolla", "SB1", 450.0),
          ("Toyota", "Yaris", "VNK", 330.0), ("Volkswagen", "Golf", "WVW", 380.0),
          ("Kia", "Picanto", "KNA", 220.0), ("Hyundai", "i10", "NLH", 220.0),
          ("Hyundai", "Tucson", "TMA", 650.0), ("Citroën", "C3", "VF7", 320.0),
          ("Fiat", "Tipo", "ZFA", 300.0), ("Skoda", "Octavia", "TMB", 480.0)]
COLORS = ["Blanc", "Gris", "Noir", "Rouge", "Bleu", "Gris Platine", "Marron", "Beige", "Blanc", "Gris"]
CAR_NOTES = ["Diesel, boîte manuelle, climatisation.", "Essence, 5 portes, Bluetooth.",
             "Essence, boîte automatique.", "Hybride, boîte automatique.", None, None]
VIN_CHARS = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789"
MODEL_YEAR = {2019: "K", 2020: "L", 2021: "M", 2022: "N", 2023: "P", 2024: "R", 2025: "S"}
PLATE_LETTERS = ["A", "B", "D", "H", "W", "E", "J", "M"]

AGENCY_PCS = [("192.168.1.23", "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36"),
              ("192.168.1.41", "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0"),
              ("192.168.1.57", "Mozilla/5.0 (Linux; Android 14; SM-A546B) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/129.0.0.0 Mobile Safari/537.36")]
OUTSIDE = ("105.66.134.12", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36")


def ascii_name(s):
    table = str.maketrans("éèëêïîôöàâçÉÏ", "eeeeiiooaacEI")
    return "".join(c for c in s.translate(table).lower() if c.isalnum())


# ---------------------------------------------------------------- the dump

class Dump:
    def __init__(self, docs, out):
        if docs < 200:
            sys.exit("--docs must be at least 200")
        self.out = out
        self.n_users = 1 + N_MANAGERS
        self.n_cars = max(2, round(docs * 0.02))
        self.n_clients = max(5, round(docs * 0.10))
        self.n_res = round(docs * 0.60)
        self.n_audit = docs - self.n_users - self.n_cars - self.n_clients - self.n_res
        # Every other document has a share of the audit entries (Bresenham), so that the
        # total is exact whatever --docs.
        self.n_other = self.n_users + self.n_cars + self.n_clients + self.n_res
        self.others_done = 0
        self.audit_done = 0
        # ObjectId counters: one range per collection, so every id is unique.
        self.base_car = 100
        self.base_client = self.base_car + self.n_cars
        self.base_res = self.base_client + self.n_clients
        self.base_audit = self.base_res + self.n_res
        self.counts = {c: 0 for c in ("users", "clients", "cars", "reservations", "audit_log")}
        self.statuses = {}
        self.numbers = {}  # year -> last sequence given

    # ------------------------------------------------------------ files

    def open(self):
        os.makedirs(self.out, exist_ok=True)
        self.files = {c: open(os.path.join(self.out, f"{c}.json"), "w", encoding="utf-8",
                              buffering=1 << 20, newline="\n") for c in self.counts}

    def close(self):
        for f in self.files.values():
            f.close()

    def emit(self, collection, doc):
        self.files[collection].write(dumps(doc))
        self.files[collection].write("\n")
        self.counts[collection] += 1

    def other_done(self, about):
        """Counts a non-audit document and writes its share of audit entries, about it."""
        self.others_done += 1
        due = self.n_audit * self.others_done // self.n_other - self.audit_done
        for k in range(due):
            self.audit_about(about, k)

    # ------------------------------------------------------------ users

    def users(self):
        salt = "".join("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"[mix(7, i) % 62]
                       for i in range(16))
        digest = hashlib.pbkdf2_hmac("sha256", PASSWORD.encode(), salt.encode(), PBKDF2_ITERATIONS).hex()
        self.password_hash = f"pbkdf2:sha256:{PBKDF2_ITERATIONS}${salt}${digest}"
        people = [("r.benjelloun", "admin", "Rachid Benjelloun", ms("2024-01-08 08:41"), True),
                  ("k.alaoui", "manager", "Karim Alaoui", ms("2024-01-08 08:52"), True),
                  ("s.idrissi", "manager", "Salma Idrissi", ms("2024-01-09 08:41"), True),
                  ("o.tazi", "manager", "Omar Tazi", ms("2024-03-11 10:03"), False),
                  ("m.sebti", "manager", "Meryem Sebti", ms("2025-02-03 09:30"), True)]
        self.user_docs = []
        for i, (username, role, name, created, active) in enumerate(people[: self.n_users]):
            updated = created if active else ms("2025-06-30 16:42")
            doc = {"_id": ref(oid(created, 1 + i)), "username": username,
                   "passwordHash": self.password_hash, "role": role, "fullName": name,
                   "isActive": active, "createdAt": date(created), "updatedAt": date(updated)}
            self.user_docs.append((doc, created))
        self.admin = self.user_docs[0][0]
        # Who does the work: the active staff.
        self.staff = [d for d, _ in self.user_docs if d["isActive"]]
        for doc, created in self.user_docs:
            self.emit("users", doc)
            self.other_done(("user", doc, created))

    def staff_at(self, rng, t):
        """Someone active at `t` (created before it)."""
        ok = [d for d, created in self.user_docs if created <= t and d["isActive"]] or [self.admin]
        return rng.pick(ok)

    # ------------------------------------------------------------ cars

    def car_doc(self, c):
        rng = Rng(2, c)
        make, model, wmi, base_rate = MODELS[rng.below(len(MODELS))]
        year = rng.between(2019, 2025)
        rate = base_rate + rng.pick([0.0, 0.0, 0.0, 20.0, -20.0, 50.0])
        # The fleet came in the first three weeks.
        added = OPENING + HOUR + rng.below(21 * DAY) // 1000 * 1000 + rng.below(1000)
        # Plates 12345-A-6: the number is a bijection of the index (99991 is prime), so unique.
        number = (c * 7919 + 12345) % 99991 + 1
        # Past 99,991 cars numbers come back, each time with the next letter.
        letter = PLATE_LETTERS[(c // 99991 + mix(10, c % 99991)) % len(PLATE_LETTERS)]
        plate = f"{number}-{letter}-{rng.between(1, 89)}"
        # VIN: WMI + 6 random + model year + plant + 6-digit serial; plant and serial
        # encode the index, so unique.
        serial = f"{(c * 7919 + 104729) % 1_000_000:06d}"
        plant = VIN_CHARS[(c // 1_000_000) % len(VIN_CHARS)]
        vin = wmi + "".join(rng.pick(VIN_CHARS) for _ in range(6)) + MODEL_YEAR[year] + plant + serial
        roll = mix(3, c) % 100
        rented = roll < 35
        status = "rented" if rented else "maintenance" if roll < 39 else "out_of_service" if roll < 41 else "available"
        by = self.staff_at(rng, added)
        image = f"/static/uploads/{ascii_name(make)}_{ascii_name(model)}_{number}.jpg" if rng.chance(8) else None
        doc = {"_id": ref(oid(added, self.base_car + c)), "make": make, "model": model, "year": year,
               "licensePlate": plate, "vin": vin, "color": rng.pick(COLORS), "status": status,
               "dailyRate": money(rate), "imageUrl": image, "description": rng.pick(CAR_NOTES),
               "addedAt": date(added), "addedBy": by["_id"], "updatedAt": date(added),
               "updatedBy": by["_id"]}
        assert len(vin) == 17 and not set(vin) & set("IOQ")
        return doc, added

    def cars(self):
        # A few fields per car are kept (2 % of the documents): the reservations need them.
        self.car_info = []
        for c in range(self.n_cars):
            doc, added = self.car_doc(c)
            self.car_info.append((doc["_id"], doc["dailyRate"], doc["status"], added,
                                  doc["make"], doc["model"], doc["licensePlate"]))
            self.emit("cars", doc)
            self.other_done(("car", doc, added))

    # ------------------------------------------------------------ clients

    def client_registered(self, j):
        """Clients register evenly from the opening to now: a pure function of j."""
        spacing = (NOW - DAY - OPENING) // self.n_clients
        return OPENING + j * spacing + mix(4, j) % max(spacing, 1)

    def client_id(self, j):
        return oid(self.client_registered(j), self.base_client + j)

    def clients(self):
        for j in range(self.n_clients):
            rng = Rng(5, j)
            registered = self.client_registered(j)
            first, last = rng.pick(FIRST), rng.pick(LAST)
            digits = (j * 7919 + 12_345_678) % 100_000_000  # a bijection: phones are unique
            d = f"{digits:08d}"
            style = rng.below(6)
            phone = ["06" + d, f"06 {d[0:2]} {d[2:4]} {d[4:6]} {d[6:8]}", f"06-{d[0:2]}-{d[2:4]}-{d[4:6]}-{d[6:8]}",
                     f"+212 6 {d[0:2]} {d[2:4]} {d[4:6]} {d[6:8]}", f"06.{d[0:2]}.{d[2:4]}.{d[4:6]}.{d[6:8]}",
                     f"(+212) 6{d[0:2]}-{d[2:4]}-{d[4:6]}-{d[6:8]}"][style]
            by = self.staff_at(rng, registered)
            doc = {"_id": ref(self.client_id(j)), "firstName": first, "lastName": last, "phone": phone}
            roll = rng.below(100)
            if roll >= 13:
                email = f"{ascii_name(first)}.{ascii_name(last)}{j}@{rng.pick(DOMAINS)}"
                doc["email"] = email.upper() if roll == 99 else email
            elif roll >= 3:
                doc["email"] = None
            doc["driverLicenseNumber"] = f"{rng.between(1, 20):02d}/{rng.below(1_000_000):06d}"
            if not rng.chance(7):
                serial = (j // len(CIN_PREFIX) * 7919 + 104729) % 1_000_000  # unique with its prefix
                doc["CIN"] = f"{CIN_PREFIX[j % len(CIN_PREFIX)]}{serial:06d}"
            doc.update({"notes": rng.pick(CLIENT_NOTES), "registeredAt": date(registered),
                        "registeredBy": by["_id"], "updatedAt": date(registered), "updatedBy": by["_id"]})
            self.emit("clients", doc)
            self.other_done(("client", doc, registered))

    # ------------------------------------------------------------ reservations

    def per_car(self, c):
        base, extra = divmod(self.n_res, self.n_cars)
        return base + (1 if c < extra else 0)

    def timeline(self, c):
        """The car's calendar: its reservations, in order, each inside its own slot of
        time; past slots fill the time from the car's first rental to now, future ones
        the next four months. Reservations stay inside their slot, so never overlap.
        Returns (first, past slots, past slot length, future slots, future slot length)."""
        k = self.per_car(c)
        first = self.car_info[c][3] + DAY + mix(6, c) % (40 * DAY) // HOUR * HOUR
        total = NOW + FUTURE_SPAN - first
        k_future = 0 if k < 2 else min(k - 1, max(1, round(k * FUTURE_SPAN / total)))
        k_past = k - k_future
        return first, k_past, (NOW - first) // k_past, k_future, FUTURE_SPAN // max(k_future, 1)

    def slot(self, c, r):
        """(start, end, future, last of the past) of the car's r-th slot, or None."""
        first, k_past, lp, k_future, lf = self.timeline(c)
        if r < k_past:
            end = first + (r + 1) * lp if r < k_past - 1 else NOW
            return first + r * lp, end, False, r == k_past - 1
        if r < k_past + k_future:
            i = r - k_past
            return NOW + i * lf, NOW + (i + 1) * lf, True, False
        return None

    def reservations(self):
        rounds = max(self.per_car(c) for c in range(self.n_cars))
        k = 0
        for r in range(rounds):
            for c in range(self.n_cars):
                slot = self.slot(c, r)
                if slot is None:
                    continue
                doc, history = self.reservation(c, slot, k)
                self.emit("reservations", doc)
                self.other_done(("reservation", doc, history))
                k += 1

    def reservation(self, c, slot, k):
        rng = Rng(8, c, k)
        car_id, rate, car_status, added, make, model, plate = self.car_info[c]
        s, e, future, last_past = slot
        active = last_past and car_status == "rented"
        # Whole days, picked up 08:00 to 11:00 UTC on the hour, sometimes returned 9 h
        # later in the day: [start, end) stays inside [s, e).
        first_day = -(-(s + (2 * DAY if future else 0)) // DAY)
        days_max = (e - 20 * HOUR) // DAY - first_day
        assert days_max >= 1, "slot too short"
        days = min(rng.pick([1, 2, 2, 3, 3, 3, 4, 4, 5, 5, 6, 7, 7, 7, 10, 14]), days_max)
        start_day = first_day + rng.below((e - 20 * HOUR) // DAY - days - first_day + 1)
        start = start_day * DAY + (8 + rng.below(4)) * HOUR
        end = start + days * DAY + rng.pick([0, 0, 0, 0, 0, 9 * HOUR])
        assert s <= start < end <= e
        if active:
            # Picked up in the last days, due back within two days; the next booking of
            # the car starts two days or more after now.
            start = max(s + 8 * HOUR, (NOW - rng.between(1, 12) * DAY) // HOUR * HOUR)
            end = (NOW + rng.between(3, 40) * HOUR) // HOUR * HOUR
        # Booked 1 hour to 30 days ahead (future ones: in the last two months), never
        # before the agency opened, the car came or after "now".
        if future:
            booked = NOW - rng.between(HOUR, 60 * DAY)
        else:
            booked = start - rng.between(HOUR, 30 * DAY)
        booked = min(max(booked, OPENING + HOUR, added + HOUR), start - HOUR, NOW - MINUTE)
        booked = booked // 1000 * 1000 + rng.below(1000)
        # A client registered by then.
        spacing = (NOW - DAY - OPENING) // self.n_clients
        j = rng.below(max(1, min(self.n_clients, (booked - OPENING) // max(spacing, 1))))
        if future:
            status = rng.pick(["pending_confirmation"] * 4 + ["confirmed"] * 5 + ["cancelled_by_client"])
        elif active:
            status = "active"
        else:
            roll = rng.below(100)
            status = ("completed" if roll < 85 else "cancelled_by_client" if roll < 91
                      else "cancelled_by_agency" if roll < 94 else "no_show")
        self.statuses[status] = self.statuses.get(status, 0) + 1
        creator = self.staff_at(rng, booked)
        closer = self.staff_at(rng, min(end, NOW))
        estimated = billable_days(start, end) * rate
        pickup = ret = final = None
        notes = ""
        paid, paid_at = 0.0, None
        modified, modifier = booked, creator
        if status in ("active", "completed"):
            pickup = min(start + rng.below(45) * MINUTE + rng.below(60) * 1000, NOW - HOUR)
            modified, modifier = pickup + 14_000 + rng.below(1000), closer
            if status == "completed":
                ret = end + rng.between(-90, 150) * MINUTE + rng.below(60) * 1000
                ret = min(max(ret, pickup + 2 * HOUR), NOW - HOUR)
                final = billable_days(pickup, ret) * rate
                if rng.chance(2):
                    final += 150.0
                    notes = "Réservoir rendu au quart : 150 DH de carburant ajoutés au total."
                paid, paid_at = final, ret + 3 * MINUTE + rng.below(60_000)
                modified = paid_at
            elif rng.chance(70):
                paid = float(min(estimated, 500.0 * rng.between(1, 4)))
                paid_at = modified
        elif status == "confirmed" and rng.chance(50):
            paid = float(min(estimated, 100.0 * rng.between(1, 10))) + rng.pick([0.0, 0.0, 0.0, 0.5])
            paid_at = booked + rng.between(1, 90) * MINUTE
            modified = paid_at
        elif status == "no_show":
            if rng.chance(40):
                paid = 200.0
                paid_at = booked + rng.between(1, 48) * HOUR
                notes = "Acompte de 200 DH conservé."
            modified, modifier = start + 9 * HOUR, closer
        elif status.startswith("cancelled"):
            modified = min(max(booked + HOUR, start - rng.between(1, 72) * HOUR), NOW - MINUTE)
            modifier = closer if status == "cancelled_by_agency" else creator
            notes = "Annulée par téléphone." if status == "cancelled_by_client" else "Annulée : véhicule indisponible."
        if paid_at is not None:
            paid_at = min(paid_at, NOW - MINUTE)
            modified = max(modified, paid_at)
        modified = min(modified, NOW - MINUTE)
        doc = {"_id": ref(oid(booked, self.base_res + k))}
        year = datetime.fromtimestamp(booked // 1000, timezone.utc).year
        if booked >= NUMBERING:
            seq = self.numbers.get(year, 0) + 1
            self.numbers[year] = seq
            doc["reservationNumber"] = f"LC-{year}-{seq:06d}"
        doc.update({"carId": car_id, "clientId": ref(self.client_id(j)), "startDate": date(start),
                    "endDate": date(end), "actualPickupDate": date(pickup), "actualReturnDate": date(ret),
                    "status": status, "dailyRate": rate, "estimatedTotalCost": estimated,
                    "finalTotalCost": final, "notes": notes, "reservationDate": date(booked),
                    "createdBy": creator["_id"], "lastModifiedAt": date(modified),
                    "lastModifiedBy": modifier["_id"]})
        # paymentDetails as the Flask app kept it: reste = (final or estimated) - paid.
        if paid > 0 or rng.chance(60):
            doc["paymentDetails"] = {"amountPaid": paid, "reste": (final if final is not None else estimated) - paid,
                                     "transactionDate": date(paid_at)}
        history = {"booked": booked, "creator": creator, "pickup": pickup, "closer": closer,
                   "paid": paid, "paid_at": paid_at, "modified": modified, "estimated": estimated}
        return doc, history

    # ------------------------------------------------------------ audit log

    def audit(self, t, who, action, entity_type=None, entity_id=None, before=None, after=None,
              changed=(), attempted=None, where=None):
        if where is None:
            where = AGENCY_PCS[int(who["_id"]["$oid"][-1], 16) % len(AGENCY_PCS)] if who else AGENCY_PCS[0]
        details = {"ipAddress": where[0], "userAgent": where[1], "changedFields": list(changed)}
        if attempted is not None:
            details["attemptedUsername"] = attempted
        doc = {"_id": ref(oid(t, self.base_audit + self.audit_done)), "timestamp": date(t),
               "userId": who["_id"] if who else None, "userUsername": who["username"] if who else None,
               "action": action, "entityType": entity_type, "entityId": entity_id,
               "details": details, "before": before, "after": after}
        self.emit("audit_log", doc)
        self.audit_done += 1

    def audit_about(self, about, k):
        """The k-th audit entry written about a document (most documents get 0 or 1)."""
        kind, doc, extra = about
        rng = Rng(9, self.audit_done)
        if k > 0 or rng.chance(12):
            # Logins, now and then a failed one, somewhere in the agency's life.
            t = OPENING + rng.below(NOW - OPENING)
            if rng.chance(10):
                name = rng.pick(["admin", "karim", "o.tazi", "salma", "manager"])
                self.audit(t, None, "LOGIN_ATTEMPT_FAILURE", attempted=name,
                           where=OUTSIDE if rng.chance(30) else rng.pick(AGENCY_PCS))
            else:
                who = self.staff_at(rng, t)
                self.audit(t, who, "LOGIN_SUCCESS", "User", who["_id"])
            return
        if kind == "user":
            if doc is self.admin:
                self.audit(extra + 2000, doc, "LOGIN_SUCCESS", "User", doc["_id"])
            else:
                self.audit(extra, self.admin, "CREATE_MANAGER", "User", doc["_id"],
                           after=dict(doc, isActive=True, updatedAt=doc["createdAt"]))
        elif kind == "car":
            by = next(u for u in self.staff if u["_id"] == doc["addedBy"])
            self.audit(extra, by, "CREATE_CAR", "Car", doc["_id"], after=doc)
        elif kind == "client":
            by = next(u for u in self.staff if u["_id"] == doc["registeredBy"])
            self.audit(extra, by, "CREATE_CLIENT", "Client", doc["_id"], after=doc)
        else:
            self.audit_reservation(doc, extra, rng)

    def audit_reservation(self, doc, h, rng):
        status = doc["status"]
        unpaid = {"amountPaid": 0.0, "reste": h["estimated"], "transactionDate": None}
        created = dict(doc, status="confirmed" if status in ("active", "completed", "no_show") else
                       ("pending_confirmation" if status == "pending_confirmation" else "confirmed"),
                       actualPickupDate=None, actualReturnDate=None, finalTotalCost=None,
                       lastModifiedAt=doc["reservationDate"], lastModifiedBy=doc["createdBy"],
                       paymentDetails=unpaid, notes="")
        if status in ("pending_confirmation", "confirmed") or rng.chance(30):
            self.audit(h["booked"], h["creator"], "CREATE_RESERVATION", "Reservation", doc["_id"],
                       after=created)
        elif status == "completed" and h["paid_at"] and rng.chance(50):
            before = dict(doc, paymentDetails={"amountPaid": 0.0, "reste": doc["finalTotalCost"],
                                               "transactionDate": None})
            self.audit(h["paid_at"], h["closer"], "ADD_PAYMENT", "Reservation", doc["_id"],
                       before=before, after=doc, changed=["paymentDetails"])
        elif status in ("active", "completed"):
            before = dict(created, status="confirmed" if status == "active" else "active",
                          actualPickupDate=None if status == "active" else doc["actualPickupDate"])
            self.audit(h["modified"], h["closer"], "UPDATE_RESERVATION_STATUS", "Reservation", doc["_id"],
                       before=before, after=doc,
                       changed=["status", "actualPickupDate"] if status == "active"
                       else ["status", "actualReturnDate", "finalTotalCost"])
        else:
            self.audit(h["modified"], h["closer"], "UPDATE_RESERVATION_STATUS", "Reservation", doc["_id"],
                       before=dict(doc, status="confirmed", notes=""), after=doc,
                       changed=["status", "notes"])

    # ------------------------------------------------------------ all of it

    def write(self):
        self.open()
        try:
            self.users()
            self.cars()
            self.clients()
            self.reservations()
        finally:
            self.close()
        assert self.audit_done == self.n_audit, (self.audit_done, self.n_audit)
        with open(os.path.join(self.out, "PASSWORD.txt"), "w") as f:
            f.write(f"Every user's password: {PASSWORD}\n")


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--docs", type=int, required=True, help="documents in total (at least 200)")
    p.add_argument("--out", required=True, help="folder to write the five files into")
    a = p.parse_args()
    started = time.monotonic()
    d = Dump(a.docs, a.out)
    d.write()
    total = sum(d.counts.values())
    assert total == a.docs, (total, a.docs)
    size = sum(os.path.getsize(os.path.join(a.out, f"{c}.json")) for c in d.counts)
    print(f"wrote {total} documents ({size / 1e6:.1f} MB) into {a.out} in {time.monotonic() - started:.1f} s")
    for c, n in d.counts.items():
        print(f"  {c}: {n}")
    print("  reservations by status: " + ", ".join(f"{s} {n}" for s, n in sorted(d.statuses.items())))
    print(f"every user's password: {PASSWORD}  (hash {d.password_hash.split('$')[0]}, {len(d.user_docs)} users; "
          f"admin: {d.admin['username']})")


if __name__ == "__main__":
    main()
