import createClient, { type Client } from "openapi-fetch";
import { Auth, LocalStorageTokenStore, MemoryTokenStore, type TokenStore } from "./auth.js";
import { PhyghtError } from "./errors.js";
import type { components, operations, paths } from "./generated/api.js";
import { Realtime } from "./realtime.js";
import { Uploads } from "./uploads.js";

export type Video = components["schemas"]["VideoResponse"];
export type VideoPage = components["schemas"]["VideoListResponse"];
export type Profile = components["schemas"]["ProfileResponse"];
export type VideoListQuery = NonNullable<operations["listVideos"]["parameters"]["query"]>;
type JsonBody<Op extends keyof operations> = operations[Op] extends { requestBody?: { content: { "application/json": infer B } } } ? B : never;
export type NewVideo = JsonBody<"createVideo">;
export type VideoUpdate = JsonBody<"updateVideo">;

export interface PhyghtClientOptions {
  /** The API's address, e.g. `http://localhost:5080`, or a same-origin prefix such as `/api` behind a proxy. */
  baseUrl: string;
  /** Defaults to `localStorage` in a browser, memory elsewhere. */
  tokenStore?: TokenStore;
  fetch?: typeof fetch;
}

/**
 * The Phyght API. `api` is the typed client of every operation (types generated from the API's OpenAPI document);
 * the members beside it are the calls a frontend makes most, throwing {@link PhyghtError} on a refusal.
 */
export class PhyghtClient {
  readonly baseUrl: string;
  readonly auth: Auth;
  readonly api: Client<paths>;
  readonly realtime: Realtime;
  readonly uploads: Uploads;
  private readonly rawFetch: typeof fetch;

  constructor(options: PhyghtClientOptions) {
    this.baseUrl = absolute(options.baseUrl).replace(/\/+$/, "");
    this.rawFetch = options.fetch ?? globalThis.fetch.bind(globalThis);
    const store = options.tokenStore ?? (globalThis.localStorage ? new LocalStorageTokenStore() : new MemoryTokenStore());
    this.auth = new Auth(this.baseUrl, this.rawFetch, store);
    this.api = createClient<paths>({ baseUrl: this.baseUrl, fetch: (request) => this.send(request) });
    this.realtime = new Realtime(this);
    this.uploads = new Uploads(this);
  }

  /**
   * Sends a request with the caller's access token. On a 401 the token is refreshed once and the request sent again
   * (a cloned body), so a token that expired in flight is invisible to callers. Network failures become
   * {@link PhyghtError} with status 0.
   */
  async send(request: Request): Promise<Response> {
    const retry = request.clone();
    const response = await this.sendOnce(request, await this.auth.accessToken());
    if (response.status !== 401 || !this.auth.signedIn) {
      return response;
    }
    const stale = this.auth.store.get()?.refresh_token;
    const refreshed = await this.auth.refresh(stale);
    return refreshed ? this.sendOnce(retry, refreshed.access_token) : response;
  }

  private async sendOnce(request: Request, token: string | null): Promise<Response> {
    if (token) {
      request.headers.set("authorization", `Bearer ${token}`);
    }
    try {
      return await this.rawFetch(request);
    } catch (error) {
      throw PhyghtError.network(error);
    }
  }

  async signUp(body: components["schemas"]["SignupRequest"]): Promise<Profile> {
    return ok(await this.api.POST("/auth/signup", { body }));
  }

  async me(): Promise<Profile> {
    return ok(await this.api.GET("/profiles/me"));
  }

  async listVideos(query: VideoListQuery = {}): Promise<VideoPage> {
    return ok(await this.api.GET("/videos", { params: { query } }));
  }

  async getVideo(id: string): Promise<Video> {
    return ok(await this.api.GET("/videos-update/{id}", { params: { path: { id } } }));
  }

  async createVideo(body: NewVideo, idempotencyKey?: string): Promise<Video> {
    return ok(await this.api.POST("/videos", { body, params: { header: { "Idempotency-Key": idempotencyKey } } }));
  }

  async updateVideo(id: string, body: VideoUpdate): Promise<Video> {
    return ok(await this.api.PUT("/videos-update/{id}", { params: { path: { id } }, body }));
  }

  async deleteVideo(id: string, hard = false): Promise<void> {
    ok(await this.api.DELETE("/videos-delete/{id}", { params: { path: { id }, query: { hard } } }));
  }
}

/** The body of a 2xx, or the refusal as a {@link PhyghtError}. */
export function ok<T>(result: { data?: T; error?: unknown; response: Response }): T {
  if (result.response.ok) {
    return result.data as T;
  }
  throw PhyghtError.of(result.response, result.error as PhyghtError["problem"]);
}

function absolute(baseUrl: string): string {
  return /^https?:\/\//.test(baseUrl) ? baseUrl : new URL(baseUrl, globalThis.location?.href).toString();
}
