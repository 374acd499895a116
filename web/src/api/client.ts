// The one way the app talks to the server: typed by the OpenAPI document (schema.d.ts is
// generated from web/openapi.json, which a server test keeps equal to what it serves).
import createClient, { type Middleware } from "openapi-fetch";
import type { components, paths } from "./schema";

export type Schemas = components["schemas"];

/** The contract's error body, with the HTTP status it came with. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly fields: Record<string, string>;
  readonly retryAfterSeconds: number | undefined;

  constructor(status: number, body: unknown, retryAfter?: string | null) {
    const b = (body ?? {}) as { error?: string; code?: string; fields?: Record<string, string> };
    super(b.error ?? `HTTP ${status}`);
    this.status = status;
    this.code = b.code ?? (status === 0 ? "network" : "internal");
    this.fields = b.fields ?? {};
    const seconds = retryAfter ? Number.parseInt(retryAfter, 10) : Number.NaN;
    this.retryAfterSeconds = Number.isFinite(seconds) ? seconds : undefined;
  }
}

type Listener = () => void;
const sessionLost = new Set<Listener>();

/** Called when an API answer says the session is gone (401 on anything but login). */
export function onSessionLost(listener: Listener): () => void {
  sessionLost.add(listener);
  return () => sessionLost.delete(listener);
}

/** Tells the listeners when an answer other than the login's or the status's is a 401. */
function watch(url: string, response: Response) {
  const path = new URL(url, window.location.origin).pathname;
  const quiet = path === "/api/auth/login" || path === "/api/auth/status";
  if (response.status === 401 && !quiet) sessionLost.forEach((l) => l());
}

const watchSession: Middleware = {
  onResponse({ request, response }) {
    watch(request.url, response);
    return response;
  },
};

export const api = createClient<paths>({
  baseUrl: typeof window === "undefined" ? "http://localhost" : window.location.origin,
  credentials: "same-origin",
  // Looked up at each call, not once at start, so that tests can stand in for the server.
  fetch: (request: Request) => globalThis.fetch(request),
});
api.use(watchSession);

/** What openapi-fetch resolves to: the data, or the error body with its response. */
interface Outcome<T> {
  data?: T;
  error?: unknown;
  response: Response;
}

/** The data of a successful answer; any other answer becomes an {@link ApiError}. */
export async function ok<T>(pending: Promise<Outcome<T>>): Promise<T> {
  let outcome: Outcome<T>;
  try {
    outcome = await pending;
  } catch {
    throw new ApiError(0, { error: "network" });
  }
  const { data, error, response } = outcome;
  if (!response.ok) throw new ApiError(response.status, error, response.headers.get("Retry-After"));
  return data as T;
}

/** A multipart upload (the one kind of body openapi-fetch does not shape for us). */
export async function upload<T>(path: string, field: string, file: File): Promise<T> {
  const form = new FormData();
  form.append(field, file);
  let response: Response;
  try {
    response = await fetch(path, { method: "POST", body: form, credentials: "same-origin" });
  } catch {
    throw new ApiError(0, { error: "network" });
  }
  watch(path, response);
  const body: unknown = await response.json().catch(() => ({}));
  if (!response.ok) throw new ApiError(response.status, body, response.headers.get("Retry-After"));
  return body as T;
}
