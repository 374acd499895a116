import type { TFunction } from "i18next";
import { fieldErrors } from "../api/problems";

/**
 * Puts the server's field problems beside the inputs that have them; returns whether
 * any input took one (if not, the caller shows the error as a whole). What was typed stays.
 */
export function showFieldErrors(
  form: { setErrors: (errors: Record<string, string>) => void; values: object },
  t: TFunction,
  error: unknown,
): boolean {
  const known = Object.entries(fieldErrors(t, error)).filter(([field]) => field in form.values);
  form.setErrors(Object.fromEntries(known));
  return known.length > 0;
}

/** Only what changed, `null` for an optional text emptied (the contract's PUT). */
export function changedFields<T extends Record<string, unknown>>(before: T, after: T): Partial<T> {
  const out: Partial<T> = {};
  for (const key of Object.keys(after) as (keyof T)[]) {
    if (after[key] !== before[key]) out[key] = after[key];
  }
  return out;
}
