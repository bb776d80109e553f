/**
 * The signed-in session, held in memory only (never localStorage): a page
 * reload signs out. The access token is renewed shortly before it expires
 * with POST /api/v1/auth/refresh, which rotates the refresh token (each one
 * works once). The gateway hands the refresh token in the JSON body, so it
 * lives here beside the access token, out of reach of other tabs and storage.
 */
import { reactive } from "vue";

export interface User {
  id: string;
  username: string;
  roles: string[];
  team_id: string | null;
}

interface TokenAnswer {
  access_token: string;
  expires_in: number;
  refresh_token: string;
}

export const session = reactive({
  accessToken: null as string | null,
  refreshToken: null as string | null,
  expiresAt: 0,
  user: null as User | null,
  /** Set when a refresh failed: the app asks to sign in again over the page. */
  expired: false,
});

let timer: ReturnType<typeof setTimeout> | null = null;
let inflight: Promise<boolean> | null = null;
type Fetch = typeof fetch;
let fetcher: Fetch = (...args) => fetch(...args);

/** Replace fetch (tests). */
export function useFetch(f: Fetch): void {
  fetcher = f;
}

export function currentFetch(): Fetch {
  return fetcher;
}

/** Seconds before expiry at which the token is renewed. */
export function renewLead(expiresIn: number): number {
  return Math.min(60, Math.max(5, Math.floor(expiresIn / 5)));
}

function schedule(expiresIn: number): void {
  if (timer) clearTimeout(timer);
  const delay = Math.max(1, expiresIn - renewLead(expiresIn)) * 1000;
  timer = setTimeout(() => void refresh(), delay);
}

function take(answer: TokenAnswer): void {
  session.accessToken = answer.access_token;
  session.refreshToken = answer.refresh_token;
  session.expiresAt = Date.now() + answer.expires_in * 1000;
  session.expired = false;
  schedule(answer.expires_in);
}

async function postJson(path: string, body: unknown): Promise<Response> {
  return fetcher(path, {
    method: "POST",
    headers: { "Content-Type": "application/json", Accept: "application/json" },
    body: JSON.stringify(body),
  });
}

export class SignInError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

/** Sign in with a username and password; loads who the user is. */
export async function signIn(username: string, password: string): Promise<User> {
  const response = await postJson("/api/v1/auth/token", { username, password });
  const body = await response.json().catch(() => ({}));
  if (!response.ok) {
    throw new SignInError(body.detail || body.title || response.statusText, response.status);
  }
  const previous = session.user?.id;
  take(body as TokenAnswer);
  const me = await fetcher("/api/v1/auth/me", {
    headers: { Authorization: `Bearer ${session.accessToken}`, Accept: "application/json" },
  });
  const user = (await me.json()) as User;
  if (previous && previous !== user.id) {
    // Someone else signed in over an expired session: nothing of the first user stays.
    window.location.assign("/");
  }
  session.user = user;
  return user;
}

/**
 * Renew the access token with the refresh token. Concurrent callers share
 * one request, since a refresh token works only once.
 */
export function refresh(): Promise<boolean> {
  if (inflight) return inflight;
  const token = session.refreshToken;
  if (!token) return Promise.resolve(false);
  inflight = (async () => {
    try {
      const response = await postJson("/api/v1/auth/refresh", { refresh_token: token });
      if (!response.ok) {
        session.accessToken = null;
        session.refreshToken = null;
        session.expired = session.user !== null;
        return false;
      }
      take((await response.json()) as TokenAnswer);
      return true;
    } catch {
      // The network is down: try again shortly, the token may still be valid.
      timer = setTimeout(() => void refresh(), 5000);
      return false;
    } finally {
      inflight = null;
    }
  })();
  return inflight;
}

/** Sign out: the gateway revokes the refresh token's whole family. */
export async function signOut(): Promise<void> {
  const token = session.refreshToken;
  if (timer) clearTimeout(timer);
  session.accessToken = null;
  session.refreshToken = null;
  session.user = null;
  session.expired = false;
  if (token) await postJson("/api/v1/auth/logout", { refresh_token: token }).catch(() => null);
}

export function hasRole(...roles: string[]): boolean {
  return !!session.user && session.user.roles.some((r) => roles.includes(r));
}
