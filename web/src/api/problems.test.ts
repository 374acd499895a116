import { describe, expect, it } from "vitest";
import i18n from "../i18n";
import { ApiError } from "./client";
import { errorMessage, fieldErrors } from "./problems";

describe("the server's problems, in the user's language", () => {
  it("translates each field's problem, with its numbers", async () => {
    await i18n.changeLanguage("fr");
    const error = new ApiError(422, {
      error: "some fields are invalid",
      code: "validation_failed",
      fields: {
        vin: "must be exactly 17 characters",
        make: "must be at most 50 characters",
        year: "must be from 1950 to 2027",
      },
    });
    expect(fieldErrors(i18n.t, error)).toEqual({
      vin: "Exactement 17 caractères.",
      make: "50 caractères au maximum.",
      year: "Année entre 1950 et 2027.",
    });
    await i18n.changeLanguage("en");
    expect(fieldErrors(i18n.t, error).vin).toBe("Exactly 17 characters.");
  });

  it("explains a clash on a unique field in words", async () => {
    await i18n.changeLanguage("fr");
    const clash = new ApiError(409, {
      error: "another car already has this licence plate",
      code: "conflict",
      fields: { licensePlate: "another car already has this licence plate" },
    });
    expect(fieldErrors(i18n.t, clash).licensePlate).toBe("Une autre voiture porte déjà cette immatriculation.");
    expect(errorMessage(i18n.t, clash)).toBe("Une autre voiture porte déjà cette immatriculation.");
  });

  it("never shows a bare key: an unknown problem keeps the server's words inside a translated sentence", async () => {
    await i18n.changeLanguage("fr");
    const odd = new ApiError(422, { error: "x", code: "validation_failed", fields: { notes: "is odd today" } });
    expect(fieldErrors(i18n.t, odd).notes).toBe("Valeur invalide (is odd today)");
  });

  it("says when to try again after throttling, and names a lost connection", async () => {
    await i18n.changeLanguage("en");
    const throttled = new ApiError(429, { error: "too many requests", code: "too_many_requests" }, "42");
    expect(errorMessage(i18n.t, throttled)).toBe("Too many attempts. Try again in 42 s.");
    expect(errorMessage(i18n.t, new ApiError(0, { error: "network" }))).toMatch(/does not answer/);
    expect(errorMessage(i18n.t, new ApiError(500, { error: "internal error", code: "internal" }))).toMatch(/Internal/);
  });
});
