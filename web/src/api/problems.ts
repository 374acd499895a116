// The server writes its error messages in English for the people who read its logs and
// API answers; the desk shows them in the user's language. Each field problem the server
// can send for the screens of this app is recognised here; anything else is shown as a
// translated "invalid value" with the server's words in brackets, never as a bare key.
import type { TFunction } from "i18next";
import { ApiError } from "./client";

type Rule = [RegExp, (t: TFunction, m: RegExpMatchArray) => string];

const RULES: Rule[] = [
  [/^is required$/, (t) => t("problems.required")],
  [/^cannot be null$/, (t) => t("problems.required")],
  [/^must not be empty$/, (t) => t("problems.notEmpty")],
  [/^must be at most (\d+) characters( long)?$/, (t, m) => t("problems.atMostChars", { max: m[1] })],
  [/^must be at least (\d+) characters long$/, (t, m) => t("problems.atLeastChars", { min: m[1] })],
  [/^must be 3 to 50 characters long$/, (t) => t("problems.username")],
  [/^must not contain (control|NUL) characters$/, (t) => t("problems.controlChars")],
  [/^must be (positive|greater than 0)$/, (t) => t("problems.positive")],
  [/decimals/, (t) => t("problems.twoDecimals")],
  [/^must be a number$/, (t) => t("problems.number")],
  [/^must be a whole number/, (t) => t("problems.wholeNumber")],
  [/^must be from 1950 to (\d+)$/, (t, m) => t("problems.yearRange", { max: m[1] })],
  [/^must have 2 to 15 letters and digits$/, (t) => t("problems.plate")],
  [/^must be exactly 17 characters$/, (t) => t("problems.vinLength")],
  [/without I, O and Q/, (t) => t("problems.vinLetters")],
  [/^must be a phone number/, (t) => t("problems.phone")],
  [/^must be a valid e-mail address$/, (t) => t("problems.email")],
  [/^must be 4 to 20 letters and digits$/, (t) => t("problems.cin")],
  [/^must be in the past$/, (t) => t("problems.pastDate")],
  [/^must be after the date of birth$/, (t) => t("problems.afterBirth")],
  [/^must be after the issue date$/, (t) => t("problems.afterIssue")],
  [/date written YYYY-MM-DD$/, (t) => t("problems.date")],
  [/^is not your current password$/, (t) => t("problems.notYourPassword")],
  [/already has this licen[cs]e plate/, (t) => t("problems.plateTaken")],
  [/already has this VIN/, (t) => t("problems.vinTaken")],
  [/already has this phone number/, (t) => t("problems.phoneTaken")],
  [/already has this e-mail address/, (t) => t("problems.emailTaken")],
  [/already has this CIN/, (t) => t("problems.cinTaken")],
  [/username is already taken/, (t) => t("problems.usernameTaken")],
  [/becomes (rented|available) only when/, (t) => t("problems.rentedBySystem")],
  [/rented car cannot|car is still rented/, (t) => t("problems.stillRented")],
  [/last active admin/, (t) => t("problems.lastAdmin")],
  [/your own account/, (t) => t("problems.ownAccount")],
  [/reservations refer to this car/, (t) => t("problems.carHasReservations")],
  [/reservations refer to this client/, (t) => t("problems.clientHasReservations")],
  [/reservations? refer/, (t) => t("problems.hasReservations")],
  [/^the driving licence expired on (\S+)$/, (t, m) => t("problems.licenceExpired", { date: m[1] })],
  [
    /^the driving licence expires on (\S+), before the planned return on (\S+)$/,
    (t, m) => t("problems.licenceExpiresBeforeReturn", { expiry: m[1], end: m[2] }),
  ],
  [/^the driver is (\d+); drivers must be at least (\d+)$/, (t, m) => t("problems.tooYoung", { age: m[1], min: m[2] })],
  [/held for less than (\d+) years/, (t, m) => t("problems.licenceTooRecent", { years: m[1] })],
  [/licen[cs]e number is needed before pick-up/, (t) => t("problems.licenceNumberNeeded")],
  [/below the car's last reading \((\d+) km\)/, (t, m) => t("problems.odometerBelow", { km: m[1] })],
  [/^the car is in status (\w+)$/, (t, m) => t("problems.carInStatus", { status: t(`status.car.${m[1]}`) })],
  [/no-show can be recorded only once the start has passed/, (t) => t("problems.noShowTooEarly")],
  [/cannot move from \w+ to \w+/, (t) => t("problems.wrongMove")],
  [/(already reserved|already held|is blocked) .*overlapping period/, (t) => t("problems.carHeld")],
  [/return cannot come before the pick-up/, (t) => t("problems.returnBeforePickup")],
  [/^must be after startDate$/, (t) => t("problems.endAfterStart")],
];

/** One server problem (a field's, or a whole error's), in the user's language. */
export function translateProblem(t: TFunction, problem: string): string | undefined {
  for (const [pattern, render] of RULES) {
    const match = problem.match(pattern);
    if (match) return render(t, match);
  }
  return undefined;
}

/** Each field's problem, translated, for a form to show beside its inputs. */
export function fieldErrors(t: TFunction, error: unknown): Record<string, string> {
  if (!(error instanceof ApiError)) return {};
  const out: Record<string, string> = {};
  for (const [field, problem] of Object.entries(error.fields)) {
    out[field] = translateProblem(t, problem) ?? t("errors.invalidValue", { detail: problem });
  }
  return out;
}

/** The message for a whole error, in the user's language. */
export function errorMessage(t: TFunction, error: unknown): string {
  if (!(error instanceof ApiError)) return t("errors.internal");
  const specific = translateProblem(t, error.message);
  if (specific) return specific;
  if (error.status === 408) return t("errors.request_timeout");
  if (error.code === "too_many_requests") {
    return error.retryAfterSeconds === undefined
      ? t("errors.too_many_requests_now")
      : t("errors.too_many_requests", { count: error.retryAfterSeconds });
  }
  const key = `errors.${error.code}`;
  return t(key, { defaultValue: t("errors.internal") });
}
