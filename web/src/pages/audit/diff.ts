// A readable before/after of an audit entry: the fields that changed, each with its old
// and new value as text.

export interface FieldChange {
  field: string;
  before: string;
  after: string;
}

/** A value as one line of text: absent is "—", objects and lists as compact JSON. */
export function show(value: unknown): string {
  if (value === undefined || value === null || value === "") return "—";
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}

/** The top-level fields whose values differ between `before` and `after` (either may be absent), by name. */
export function diffEntries(before: unknown, after: unknown): FieldChange[] {
  const b = (before && typeof before === "object" ? before : {}) as Record<string, unknown>;
  const a = (after && typeof after === "object" ? after : {}) as Record<string, unknown>;
  const fields = [...new Set([...Object.keys(b), ...Object.keys(a)])].sort();
  return fields
    .filter((f) => JSON.stringify(b[f]) !== JSON.stringify(a[f]))
    .map((field) => ({ field, before: show(b[field]), after: show(a[field]) }));
}
