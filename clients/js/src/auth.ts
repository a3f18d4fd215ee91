import { PhyghtError } from "./errors.js";

export interface Tokens {
  access_token: string;
  refresh_token: string;
  /** Unix ms when the access token stops working. */
  expires_at: number;
}

/** Where the token pair lives: memory by default, `localStorage` in a browser (shared by its tabs). */
export interface TokenStore {
  get(): Tokens | null;
  set(tokens: Tokens | null): void;
}

export class MemoryTokenStore implements TokenStore {
  private tokens: Tokens | null = null;
  get(): Tokens | null {
    return this.tokens;
  }
  set(tokens: Tokens | null): void {
    this.tokens = tokens;
  }
}

export class LocalStorageTokenStore implements TokenStore {
  static readonly key = "phyght.tokens";
  get(): Tokens | null {
    const raw = globalThis.localStorage?.getItem(LocalStorageTokenStore.key);
    return raw ? (JSON.parse(raw) as Tokens) : null;
  }
  set(tokens: Tokens | null): void {
    if (tokens) {
      globalThis.localStorage.setItem(LocalStorageTokenStore.key, JSON.stringify(tokens));
    } else {
      globalThis.localStorage.removeItem(LocalStorageTokenStore.key);
    }
  }
}

interface TokenResponse {
  access_token: string;
  refresh_token: string;
  expires_in: number;
}

/** Refresh this long before the access token expires, so a request in flight does not carry a dying token. */
const REFRESH_MARGIN_MS = 30_000;

/**
 * Sign-in state. Access tokens are refreshed before they expire and once more on a 401; refresh tokens rotate
 * (the server revokes the whole family when a used one comes back), so one refresh runs at a time, across tabs too
 * (Web Locks), and a refresh first re-reads the store in case another tab already rotated.
 */
export class Auth {
  private refreshing: Promise<Tokens | null> | null = null;
  private readonly listeners = new Set<(signedIn: boolean) => void>();

  constructor(
    private readonly baseUrl: string,
    private readonly fetchImpl: typeof fetch,
    readonly store: TokenStore,
  ) {
    // Another tab signing in or out changes what this one may do.
    globalThis.addEventListener?.("storage", (event: StorageEvent) => {
      if (event.key === LocalStorageTokenStore.key) {
        this.emit(event.newValue !== null);
      }
    });
  }

  get signedIn(): boolean {
    return this.store.get() !== null;
  }

  /** Called with `true` on sign-in and `false` on sign-out (or when a refresh token stops working). */
  onChange(listener: (signedIn: boolean) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async signIn(email: string, password: string): Promise<void> {
    this.save(await this.post("/auth/token", { email, password }));
    this.emit(true); // a new identity, even when someone was signed in already
  }

  signOut(): void {
    this.store.set(null);
    this.emit(false);
  }

  /** A valid access token, refreshed first when close to expiry; null when signed out. */
  async accessToken(): Promise<string | null> {
    const tokens = this.store.get();
    if (!tokens) {
      return null;
    }
    if (tokens.expires_at - Date.now() > REFRESH_MARGIN_MS) {
      return tokens.access_token;
    }
    return (await this.refresh(tokens.refresh_token))?.access_token ?? null;
  }

  /** Rotates the refresh token (the one <paramref name="stale"/> names, unless the store already moved on). */
  async refresh(stale?: string): Promise<Tokens | null> {
    this.refreshing ??= this.exclusive(async () => {
      const tokens = this.store.get();
      if (!tokens) {
        return null;
      }
      if (stale !== undefined && tokens.refresh_token !== stale && tokens.expires_at - Date.now() > REFRESH_MARGIN_MS) {
        return tokens; // another tab rotated meanwhile
      }
      try {
        const rotated = await this.post("/auth/refresh", { refresh_token: tokens.refresh_token });
        if (this.store.get()?.refresh_token !== tokens.refresh_token) {
          return this.store.get(); // signed out (or in again) meanwhile: that decision stands
        }
        return this.save(rotated);
      } catch (error) {
        if (error instanceof PhyghtError && (error.status === 400 || error.status === 401)) {
          this.signOut();
          return null;
        }
        throw error;
      }
    }).finally(() => (this.refreshing = null));
    return this.refreshing;
  }

  private async exclusive<T>(work: () => Promise<T>): Promise<T> {
    const locks = (globalThis.navigator as { locks?: LockManager } | undefined)?.locks;
    return locks ? ((await locks.request("phyght.auth.refresh", work)) as T) : work();
  }

  private save(response: TokenResponse): Tokens {
    const tokens = {
      access_token: response.access_token,
      refresh_token: response.refresh_token,
      expires_at: Date.now() + response.expires_in * 1000,
    };
    this.store.set(tokens);
    return tokens;
  }

  private emit(signedIn: boolean): void {
    for (const listener of this.listeners) {
      listener(signedIn);
    }
  }

  private async post(path: string, body: unknown): Promise<TokenResponse> {
    let response: Response;
    try {
      response = await this.fetchImpl(`${this.baseUrl}${path}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
      });
    } catch (error) {
      throw PhyghtError.network(error);
    }
    if (!response.ok) {
      throw await PhyghtError.fromResponse(response);
    }
    return (await response.json()) as TokenResponse;
  }
}
