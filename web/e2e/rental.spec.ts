// A rental from booking to receipt, in the browser, against the real server: a booking
// started on the fleet calendar meets a clash at confirmation and goes to another car; the
// car is handed over (the licence asked for), returned late with a fuel charge, paid in
// two payments to a zero balance; the receipt prints with those totals, the dashboard
// counts follow, and the audit viewer shows each change.
import { expect, test, type Page } from "@playwright/test";
import { resolve } from "node:path";
import { ADMIN_PASSWORD } from "../playwright.config";
import { ARTIFACTS, checkScreen, logIn } from "./helpers";

const CLIO = { make: "Renault", model: "Clio", plate: "20001-B-7", vin: "VF1RJA00X20001001", rate: 300 };
const SANDERO = { make: "Dacia", model: "Sandero", plate: "20002-B-7", vin: "UU1BSDA0X20002002", rate: 200 };
const PHONE = "0661000111";
const PHOTO = resolve(import.meta.dirname, "fixtures/car.png");

/** A day `offset` days from today, as the calendar and the booking's inputs write it. */
function day(offset: number): string {
  const d = new Date();
  d.setDate(d.getDate() + offset);
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

/** An amount as French text ("1 234,50 MAD") as a number. */
function amount(text: string | null): number {
  const digits = (text ?? "").replace(/[^\d,-]/g, "").replace(",", ".");
  return Number(digits);
}

async function addCar(page: Page, car: typeof CLIO): Promise<string> {
  const r = await page.request.post("/api/cars", {
    data: {
      make: car.make,
      model: car.model,
      year: 2024,
      licensePlate: car.plate,
      vin: car.vin,
      dailyRate: car.rate,
    },
  });
  expect(r.status(), await r.text()).toBe(201);
  return (await r.json())._id;
}

test.describe.serial("a rental, from the calendar to the receipt", () => {
  test("book, clash, hand over, take back late, pay, print, and see it on the dashboard and in the audit", async ({
    page,
  }) => {
    test.setTimeout(240_000);
    await page.goto("/login");
    await logIn(page, "admin", ADMIN_PASSWORD);
    const clioId = await addCar(page, CLIO);
    const sanderoId = await addCar(page, SANDERO);
    // The Sandero asks for a deposit, held at hand-over and given back after the return.
    const rates = await page.request.put(`/api/cars/${sanderoId}/rates`, {
      data: { base: { daily: SANDERO.rate }, deposit: 1000 },
    });
    expect(rates.status(), await rates.text()).toBe(200);

    // The board before: rentals overdue, the month's revenue.
    await expect(page.getByRole("heading", { name: "Tableau de bord" })).toBeVisible();
    const overdueBefore = Number(await page.getByTestId("count-overdue").textContent());
    const revenueBefore = amount(await page.getByTestId("month-revenue").textContent());
    await checkScreen(page, "13-dashboard");

    // On the calendar, a click on the Clio's free day three days ago starts a booking.
    const start = day(-3);
    await page.goto(`/calendar?day=${start}`);
    const track = page.getByTestId(`cal-row-${CLIO.plate}`).locator(".cal-track");
    await expect(track).toBeVisible();
    await checkScreen(page, "14-calendar");
    const box = await track.boundingBox();
    if (!box) throw new Error("the Clio's row has no box");
    const column = (new Date(`${start}T12:00:00`).getDay() + 6) % 7;
    await page.mouse.click(box.x + (box.width * (column + 0.5)) / 7, box.y + box.height / 2);
    await expect(page).toHaveURL(new RegExp(`/reservations/new\\?carId=${clioId}&start=${start}`));
    await expect(page.getByLabel("Début")).toHaveValue(`${start}T09:00`);
    await expect(page.getByLabel("Fin")).toHaveValue(`${day(-2)}T09:00`);
    const clioRow = page.getByRole("row", { name: new RegExp(CLIO.plate) });
    await expect(clioRow).toContainText("choisie sur le planning");
    await expect(clioRow).toContainText(/300,00\s*MAD pour 1 jour/);
    await checkScreen(page, "15-booking-cars");
    await page.getByRole("button", { name: `Choisir Renault Clio (${CLIO.plate})` }).click();

    // The client is not known: registered on the spot.
    await page.getByLabel("Téléphone ou nom du client").fill(PHONE);
    await page.getByRole("button", { name: "Trouver" }).click();
    await expect(page.getByText(`Aucun client ne correspond à « ${PHONE} ».`)).toBeVisible();
    await page.getByRole("button", { name: "Nouveau client" }).click();
    await page.getByLabel(/^Prénom/).fill("Omar");
    await page.getByLabel(/^Nom/).fill("Tazi");
    await expect(page.getByLabel(/^Téléphone/).last()).toHaveValue(PHONE);
    await checkScreen(page, "16-booking-client");
    await page.getByRole("button", { name: "Créer et continuer" }).click();
    await expect(page.getByTestId("quote-total")).toHaveText(/300,00\s*MAD/);
    await checkScreen(page, "17-booking-confirm");

    // Someone else books the Clio for that day a second before the agent confirms.
    const client = await (await page.request.get(`/api/clients?phone=${PHONE}`)).json();
    const other = await page.request.post("/api/reservations", {
      data: {
        carId: clioId,
        clientId: client.items[0]._id,
        startDate: new Date(`${start}T10:00:00`).toISOString(),
        endDate: new Date(`${day(-2)}T10:00:00`).toISOString(),
        status: "confirmed",
      },
    });
    expect(other.status()).toBe(201);
    await page.getByRole("button", { name: "Réserver" }).click();
    await expect(page.getByRole("alert").filter({ hasText: "Voiture prise entre-temps" })).toContainText(
      "vient d'être réservée par quelqu'un d'autre",
    );
    await expect(page.getByRole("row", { name: new RegExp(CLIO.plate) })).toHaveCount(0);
    await checkScreen(page, "18-booking-clash");
    await page.getByRole("button", { name: `Choisir Dacia Sandero (${SANDERO.plate})` }).click();
    await expect(page.getByTestId("quote-total")).toHaveText(/200,00\s*MAD/);
    await page.getByRole("button", { name: "Réserver" }).click();

    // The reservation's page: its number and estimate at once.
    const heading = page.getByRole("heading", { name: /^Réservation LC-\d{4}-\d{6}$/ });
    await expect(heading).toBeVisible();
    const number = ((await heading.textContent()) ?? "").replace("Réservation ", "");
    await expect(page.getByText(new RegExp(`Réservation ${number} créée. Montant estimé : 200,00`))).toBeVisible();
    const reservationUrl = page.url();
    await expect(page.getByTestId("balance")).toContainText(/Montant estimé\s*200,00/);
    await checkScreen(page, "19-reservation");

    // Hand-over at the booked start: the licence number is asked for, as it is missing.
    await page.getByRole("button", { name: "Remettre la voiture" }).click();
    const pickUp = page.getByRole("dialog");
    await pickUp.getByLabel(/N° de permis de conduire/).fill("B-778899");
    await pickUp.getByLabel("Heure de remise").fill(`${start}T09:00`);
    await pickUp.getByLabel("Kilométrage").fill("12000");
    await checkScreen(page, "20-pickup");
    await pickUp.getByRole("button", { name: "Remettre la voiture" }).click();
    await expect(pickUp).toHaveCount(0);
    await expect(page.getByText("En cours").first()).toBeVisible();
    // A photo of the car at hand-over (a tablet's camera offers itself for this input).
    await page.locator('input[type="file"][capture="environment"]').setInputFiles(PHOTO);
    await expect(page.getByRole("img", { name: /^Photo du / })).toBeVisible();

    // It is now overdue on the board, and its return starts from there.
    await page.getByRole("link", { name: "Tableau de bord" }).click();
    await expect(page.getByTestId("count-overdue")).toHaveText(String(overdueBefore + 1));
    await page.getByRole("link", { name: number }).first().click();
    await expect(page).toHaveURL(reservationUrl);

    // Late return with a fuel charge: the server's final cost shows before saving.
    await page.getByRole("button", { name: "Retour de la voiture" }).click();
    const giveBack = page.getByRole("dialog");
    await giveBack.getByRole("button", { name: "Carburant" }).click();
    await giveBack.getByLabel("Montant des frais 1").fill("150");
    await giveBack.getByLabel("Kilométrage").fill("12400");
    await expect(giveBack.getByRole("cell", { name: "Carburant" })).toBeVisible();
    const finalCost = giveBack.getByTestId("final-cost");
    const quoted = amount(await finalCost.textContent());
    expect(quoted).toBeGreaterThan(200 + 150); // more days than booked, and the fuel
    expect((quoted - 150) % 200).toBe(0);
    await checkScreen(page, "21-return");
    await giveBack.getByRole("button", { name: "Enregistrer le retour" }).click();
    await expect(giveBack).toHaveCount(0);
    await expect(page.getByText("Terminée").first()).toBeVisible();
    expect(amount(await page.getByTestId("total-gross").textContent())).toBe(quoted);

    // Two payments leave nothing to pay.
    await page.getByRole("button", { name: "Encaisser un paiement" }).click();
    const pay = page.getByRole("dialog");
    await expect(pay.getByLabel(/^Montant/)).toHaveValue(String(quoted).replace(".", ","));
    await pay.getByLabel(/^Montant/).fill("100");
    await expect.poll(async () => amount(await pay.getByTestId("balance-after").textContent())).toBe(quoted - 100);
    await checkScreen(page, "22-payment");
    await pay.getByRole("button", { name: "Enregistrer le paiement" }).click();
    await expect(pay).toHaveCount(0);
    await page.getByRole("button", { name: "Encaisser un paiement" }).click();
    await page.getByRole("dialog").getByLabel("Moyen de paiement").click();
    await page.getByRole("option", { name: "Carte" }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Enregistrer le paiement" }).click();
    await expect(page.getByRole("dialog")).toHaveCount(0);
    await expect(page.getByTestId("balance")).toContainText(/Reste dû\s*0,00/);

    // The deposit held at hand-over goes back to the client.
    await expect(page.getByTestId("deposit")).toContainText(/Détenue\s*1\s000,00/);
    await page.getByRole("button", { name: "Rendre la caution" }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Enregistrer" }).click();
    await expect(page.getByRole("dialog")).toHaveCount(0);
    await expect(page.getByTestId("deposit")).toContainText(/Détenue\s*0,00/);
    await expect(page.getByTestId("deposit")).toContainText(/Rendue\s*1\s000,00/);

    // The receipt, as printed: the agency, the totals and both payments, no navigation.
    await page.emulateMedia({ media: "print" });
    await expect(page.getByText("Reçu de location")).toBeVisible();
    await expect(page.getByRole("navigation")).toBeHidden();
    await expect(page.getByRole("button", { name: "Encaisser un paiement" })).toBeHidden();
    expect(amount(await page.getByTestId("total-gross").textContent())).toBe(quoted);
    await expect(page.getByRole("row", { name: /Espèces/ })).toContainText(/100,00/);
    await expect(page.getByRole("row", { name: /Carte/ })).toBeVisible();
    await page.screenshot({ path: `${ARTIFACTS}/23-receipt.png`, fullPage: true });
    await page.pdf({ path: resolve(ARTIFACTS, "23-receipt.pdf"), format: "A4" });
    await page.emulateMedia({ media: "screen" });

    // The board after: no longer overdue, and the month's revenue has the rental.
    await page.getByRole("link", { name: "Tableau de bord" }).click();
    await expect(page.getByTestId("count-overdue")).toHaveText(String(overdueBefore));
    await expect
      .poll(async () => amount(await page.getByTestId("month-revenue").textContent()))
      .toBeCloseTo(revenueBefore + quoted, 2);

    // The audit viewer: each change to the reservation, with its before and after.
    await page.goto(reservationUrl);
    await page.getByRole("link", { name: "Historique des modifications" }).click();
    await expect(page.getByRole("heading", { name: "Journal d'audit" })).toBeVisible();
    for (const [action, count] of [
      ["CREATE_RESERVATION", 1],
      ["UPDATE_RESERVATION_STATUS", 2],
      ["ADD_PAYMENT", 2],
    ] as const) {
      await expect(page.getByRole("row", { name: new RegExp(action) })).toHaveCount(count);
    }
    await page
      .getByRole("row", { name: /UPDATE_RESERVATION_STATUS/ })
      .first()
      .getByRole("button", { name: "Détail" })
      .click();
    const difference = page.getByRole("table", { name: "Avant et après : UPDATE_RESERVATION_STATUS" });
    await expect(difference).toContainText(/status\s*active\s*completed/);
    await checkScreen(page, "24-audit");
  });

  test("a car blocked for servicing is drawn on the fleet calendar", async ({ page }) => {
    await page.goto("/login");
    await logIn(page, "admin", ADMIN_PASSWORD);
    await page.getByRole("link", { name: "Voitures" }).click();
    await page.getByRole("link", { name: "Renault Clio" }).click();
    await page.getByRole("button", { name: "Immobiliser la voiture" }).click();
    const dialog = page.getByRole("dialog");
    await dialog.getByLabel(/^Motif/).fill("Vidange");
    await dialog.getByRole("button", { name: "Créer" }).click();
    await expect(dialog).toHaveCount(0);
    await expect(page.getByRole("row", { name: /Vidange/ })).toContainText("sans fin prévue");
    await checkScreen(page, "25-car-blocked");
    await page.getByRole("link", { name: "Planning" }).click();
    const bar = page.getByTestId(`cal-row-${CLIO.plate}`).getByRole("link", { name: "Immobilisée : Vidange" });
    await expect(bar).toBeVisible();
    await page.getByText("Mois", { exact: true }).click();
    await expect(bar).toBeVisible();
    await bar.click();
    await expect(page.getByRole("heading", { name: `Renault Clio (${CLIO.plate})` })).toBeVisible();
    await page.getByRole("button", { name: "Terminer maintenant" }).click();
    await expect(page.getByRole("button", { name: "Terminer maintenant" })).toHaveCount(0);
  });

  test("the admin sets up a branch and an extra, which a booking then offers and prices", async ({ page }) => {
    await page.goto("/login");
    await logIn(page, "admin", ADMIN_PASSWORD);
    const driver = await page.request.post("/api/clients", {
      data: { firstName: "Leila", lastName: "Bennani", phone: "0662000222" },
    });
    expect(driver.status(), await driver.text()).toBe(201);
    await page.getByRole("link", { name: "Paramètres" }).click();
    await page.getByRole("button", { name: "Nouvelle agence" }).click();
    let dialog = page.getByRole("dialog");
    await dialog.getByLabel(/^Nom/).fill("Casablanca Centre");
    await dialog.getByLabel(/^Adresse/).fill("12 boulevard d'Anfa, Casablanca");
    await dialog.getByRole("button", { name: "Ajouter une plage" }).click();
    await dialog.getByRole("button", { name: "Enregistrer" }).click();
    await expect(dialog).toHaveCount(0);
    await expect(page.getByRole("row", { name: /Casablanca Centre/ })).toContainText("lundi 08:30–18:00");
    await checkScreen(page, "26-settings-branches");

    await page.getByRole("tab", { name: "Options" }).click();
    await page.getByRole("button", { name: "Nouvelle option" }).click();
    dialog = page.getByRole("dialog");
    await dialog.getByLabel(/^Nom/).fill("Siège enfant");
    await dialog.getByLabel(/^Prix/).fill("30");
    await dialog.getByLabel(/^Plafond par location/).fill("150");
    await dialog.getByRole("button", { name: "Enregistrer" }).click();
    await expect(dialog).toHaveCount(0);
    await expect(page.getByRole("row", { name: /Siège enfant/ })).toContainText(/30,00\s*MAD par jour/);
    await checkScreen(page, "27-settings-extras");

    // A booking for tomorrow offers the extra, and the quote counts it.
    await page.goto(`/reservations/new?start=${day(1)}`);
    await page.getByRole("button", { name: `Choisir Dacia Sandero (${SANDERO.plate})` }).click();
    await page.getByLabel("Téléphone ou nom du client").fill("Tazi");
    await page.getByRole("button", { name: "Trouver" }).click();
    await page.getByRole("button", { name: "Choisir Omar Tazi" }).click();
    await expect(page.getByTestId("quote-total")).toHaveText(/200,00\s*MAD/);
    await page.getByRole("checkbox", { name: /Siège enfant/ }).check();
    await expect(page.getByTestId("quote-total")).toHaveText(/230,00\s*MAD/);
    await expect(page.getByText("Caution demandée à la remise")).toBeVisible();
    // Another driver, and a return to the new branch (a one-way rental).
    await page.getByLabel("Téléphone ou nom", { exact: true }).fill("0662000222");
    await page.getByRole("button", { name: "Trouver" }).last().click();
    await page.getByRole("button", { name: "Ajouter Leila Bennani comme conducteur" }).click();
    await page.getByRole("textbox", { name: "Agence de retour" }).click();
    await page.getByRole("option", { name: "Casablanca Centre" }).click();
    await expect(page.getByText("Location aller simple")).toBeVisible();
    await checkScreen(page, "28-booking-extras");
    await page.getByRole("button", { name: "Réserver" }).click();
    await expect(page.getByRole("cell", { name: /Siège enfant/ })).toBeVisible();
    await expect(page.getByText(/Autres conducteurs : Leila Bennani/)).toBeVisible();
    await expect(page.getByText("Agence de retour")).toBeVisible();
    await expect(page.locator("dd", { hasText: "Casablanca Centre" }).first()).toBeVisible();
    await expect(page.getByTestId("total-gross")).toHaveText(/230,00\s*MAD/);
  });
});
