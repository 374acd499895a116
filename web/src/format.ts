// Dates and amounts in the language's locale and the agency's currency (from /api/meta).
import { locale } from "./i18n";

export function formatMoney(amount: number | null | undefined, currency: string, language: string): string {
  if (amount === null || amount === undefined) return "—";
  return new Intl.NumberFormat(locale(language), { style: "currency", currency }).format(amount);
}

export function formatDate(value: string | null | undefined, language: string): string {
  if (!value) return "—";
  return new Intl.DateTimeFormat(locale(language), { dateStyle: "medium" }).format(new Date(value));
}

export function formatDateTime(value: string | null | undefined, language: string): string {
  if (!value) return "—";
  return new Intl.DateTimeFormat(locale(language), { dateStyle: "medium", timeStyle: "short" }).format(new Date(value));
}
