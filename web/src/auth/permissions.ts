// What each role may do, as the contract's table says (../shared/API.md, "Roles"). The
// server enforces it; the app uses it only to hide what would be refused.
import type { Schemas } from "../api/client";

type Role = Schemas["Role"];

export type Action =
  "car.write" | "client.delete" | "staff.manage" | "audit.read" | "fee.waive" | "invoice.credit" | "settings.manage";

const ALLOWED: Record<Action, Role[]> = {
  "car.write": ["admin"],
  "client.delete": ["admin"],
  "staff.manage": ["admin"],
  "audit.read": ["admin"],
  "fee.waive": ["admin"],
  "invoice.credit": ["admin"],
  "settings.manage": ["admin"],
};

export function can(role: string | undefined, action: Action): boolean {
  return role === "admin" || role === "manager" ? ALLOWED[action].includes(role) : false;
}
