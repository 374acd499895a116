import { describe, expect, it } from "vitest";
import { en } from "./en";
import { fr } from "./fr";

function leaves(tree: object, prefix = ""): [string, string][] {
  return Object.entries(tree).flatMap(([key, value]) =>
    typeof value === "object" && value !== null
      ? leaves(value, `${prefix}${key}.`)
      : [[`${prefix}${key}`, String(value)]],
  );
}

describe("translations", () => {
  it("have the same keys in French and English, none empty", () => {
    const f = leaves(fr);
    const e = leaves(en);
    expect(e.map(([k]) => k)).toEqual(f.map(([k]) => k));
    for (const [key, text] of [...f, ...e]) expect(text.trim(), key).not.toBe("");
  });

  it("use the same placeholders in both languages", () => {
    const placeholders = (s: string) => [...s.matchAll(/\{\{(\w+)\}\}/g)].map((m) => m[1]).sort();
    const english = new Map(leaves(en));
    for (const [key, text] of leaves(fr)) expect(placeholders(english.get(key) ?? ""), key).toEqual(placeholders(text));
  });
});
