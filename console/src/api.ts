/** The public API under /api/v1/, with the session's token and problem details. */
import { currentFetch, refresh, session } from "./session";

export interface FieldError {
  field: string;
  message: string;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    readonly detail: string,
    readonly errors: FieldError[] = [],
  ) {
    super(detail || title);
  }

  /** The message for one field, when the API named it. */
  forField(field: string): string | undefined {
    return this.errors.find((e) => e.field === field)?.message;
  }
}

export interface Page<T> {
  items: T[];
  next_cursor: string | null;
}

type Query = Record<string, string | number | boolean | null | undefined>;

function withQuery(path: string, query?: Query): string {
  const url = path.startsWith("/api/") ? path : `/api/v1/${path.replace(/^\//, "")}`;
  if (!query) return url;
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined && value !== null && value !== "") params.set(key, String(value));
  }
  const text = params.toString();
  return text ? `${url}?${text}` : url;
}

/** A file or a form goes as it is (the browser sets its type); anything else as JSON. */
function isRaw(body: unknown): body is Blob | FormData {
  return (typeof Blob !== "undefined" && body instanceof Blob) || (typeof FormData !== "undefined" && body instanceof FormData);
}

async function send(method: string, url: string, body?: unknown, headers: Record<string, string> = {}) {
  const raw = isRaw(body);
  const init: RequestInit = {
    method,
    headers: {
      Accept: "application/json",
      ...(body !== undefined && !raw ? { "Content-Type": "application/json" } : {}),
      ...(session.accessToken ? { Authorization: `Bearer ${session.accessToken}` } : {}),
      ...headers,
    },
    body: body === undefined ? undefined : raw ? (body as BodyInit) : JSON.stringify(body),
  };
  return currentFetch()(url, init);
}

/** Call the API; throws ApiError with the problem's title, detail and field errors. */
export async function api<T = unknown>(
  method: string,
  path: string,
  options: { body?: unknown; query?: Query; headers?: Record<string, string> } = {},
): Promise<T> {
  const url = withQuery(path, options.query);
  let response = await send(method, url, options.body, options.headers);
  if (response.status === 401 && session.refreshToken && (await refresh())) {
    response = await send(method, url, options.body, options.headers);
  }
  if (response.status === 204) return undefined as T;
  const text = await response.text();
  let data: any = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  if (!response.ok) {
    throw new ApiError(
      response.status,
      data?.title || response.statusText,
      data?.detail || "",
      Array.isArray(data?.errors) ? data.errors : [],
    );
  }
  return data as T;
}

/** One page of a list: `limit` rows after `cursor` (never "all rows"). */
export function page<T>(path: string, query: Query = {}, cursor?: string | null, limit = 20) {
  return api<Page<T>>("GET", path, { query: { ...query, limit, cursor: cursor ?? undefined } });
}

/** A fresh Idempotency-Key for a create that may be retried. */
export function idempotencyKey(): string {
  return crypto.randomUUID().replace(/-/g, "");
}

/**
 * A binary answer (a PDF) as a Blob, with the session's token: a plain link
 * would reach the API without it. Failures throw ApiError like api().
 */
export async function download(path: string): Promise<Blob> {
  const url = withQuery(path);
  let response = await send("GET", url, undefined, { Accept: "*/*" });
  if (response.status === 401 && session.refreshToken && (await refresh())) {
    response = await send("GET", url, undefined, { Accept: "*/*" });
  }
  if (!response.ok) {
    const data = await response.json().catch(() => null);
    throw new ApiError(response.status, data?.title || response.statusText, data?.detail || "");
  }
  return response.blob();
}
