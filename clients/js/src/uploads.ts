import { BlockBlobClient } from "@azure/storage-blob";
import { ok, type PhyghtClient, type Video } from "./client.js";
import { PhyghtError } from "./errors.js";
import type { components } from "./generated/api.js";

type UploadSession = components["schemas"]["UploadSessionResponse"];

/** `Storage:MaxVideoBytes`' default: larger files go straight to blob storage. */
export const MULTIPART_LIMIT = 50 * 1024 * 1024;
const PARALLEL_BLOCKS = 4;
const RENEW_BEFORE_MS = 5 * 60_000;

export interface UploadOptions {
  /** Bytes sent so far, of `total`. */
  onProgress?: (loaded: number, total: number) => void;
  /** `auto` (default): multipart up to {@link MULTIPART_LIMIT}, a direct session above. */
  mode?: "auto" | "direct" | "multipart";
  /** Multipart only: a thumbnail to use instead of one the worker extracts. */
  thumbnail?: Blob;
  /** Direct only: continue this session (after a crash or a reload); only the blocks storage lacks are sent. */
  sessionId?: string;
  /** Direct only: the session's id as soon as it is open, to keep for {@link UploadOptions.sessionId}. */
  onSession?: (sessionId: string) => void;
  fileName?: string;
}

/** Uploads with progress: multipart through the API for small files, a direct resumable session for large ones. */
export class Uploads {
  constructor(private readonly client: PhyghtClient) {}

  /** Uploads `file` as the video's media; resolves with the video, status `processing`. */
  upload(videoId: string, file: Blob, options: UploadOptions = {}): Promise<Video> {
    const mode = options.mode ?? "auto";
    return mode === "direct" || (mode === "auto" && file.size > MULTIPART_LIMIT)
      ? this.direct(videoId, file, options)
      : this.multipart(videoId, file, options);
  }

  private async multipart(videoId: string, file: Blob, options: UploadOptions): Promise<Video> {
    const form = new FormData();
    form.append("videoId", videoId);
    form.append("video", file, options.fileName ?? (file as File).name ?? "video");
    if (options.thumbnail) {
      form.append("thumbnail", options.thumbnail, (options.thumbnail as File).name ?? "thumbnail");
    }
    const url = `${this.client.baseUrl}/videos-upload`;
    if (typeof XMLHttpRequest === "undefined") {
      // Node's fetch reports no upload progress: all at once, at the end.
      const response = await this.client.send(new Request(url, { method: "POST", body: form }));
      if (!response.ok) {
        throw await PhyghtError.fromResponse(response);
      }
      options.onProgress?.(file.size, file.size);
      return (await response.json()) as Video;
    }
    return this.xhr(url, form, file.size, options, true);
  }

  /** XMLHttpRequest, the browser's only way to watch a request body go out. */
  private async xhr(url: string, form: FormData, total: number, options: UploadOptions, retryOn401: boolean): Promise<Video> {
    const token = await this.client.auth.accessToken();
    const response = await new Promise<{ status: number; body: string; retryAfter: string | null }>((resolve, reject) => {
      const request = new XMLHttpRequest();
      request.open("POST", url);
      if (token) {
        request.setRequestHeader("authorization", `Bearer ${token}`);
      }
      request.upload.onprogress = (e) => options.onProgress?.(Math.min(e.loaded, total), total);
      request.onload = () => resolve({ status: request.status, body: request.responseText, retryAfter: request.getResponseHeader("retry-after") });
      request.onerror = () => reject(PhyghtError.network(new Error("upload failed")));
      request.send(form);
    });
    if (response.status === 401 && retryOn401 && (await this.client.auth.refresh(this.client.auth.store.get()?.refresh_token))) {
      return this.xhr(url, form, total, options, false);
    }
    if (response.status < 200 || response.status >= 300) {
      throw await PhyghtError.fromResponse(new Response(response.body, { status: response.status, headers: response.retryAfter ? { "retry-after": response.retryAfter } : {} }));
    }
    options.onProgress?.(total, total);
    return JSON.parse(response.body) as Video;
  }

  private async direct(videoId: string, file: Blob, options: UploadOptions): Promise<Video> {
    const api = this.client.api;
    let session: UploadSession;
    let held = new Set<string>();
    if (options.sessionId) {
      const found = ok(await api.GET("/videos-upload/sessions/{id}", { params: { path: { id: options.sessionId } } }));
      if (found.completed_at) {
        // It finished before the crash: completing again answers the same video.
        options.onProgress?.(file.size, file.size);
        return ok(await api.POST("/videos-upload/sessions/{id}/complete", { params: { path: { id: options.sessionId } } }));
      }
      held = new Set((found.blocks ?? []).map((b) => b.id));
      session = ok(await api.POST("/videos-upload/sessions/{id}/renew", { params: { path: { id: options.sessionId } } }));
    } else {
      session = ok(await api.POST("/videos-upload/sessions", {
        body: { videoId, size: file.size, file_name: options.fileName ?? (file as File).name ?? undefined, content_type: file.type || undefined },
      }));
    }
    options.onSession?.(session.session_id);

    const blockSize = Number(session.block_size);
    const count = Math.ceil(file.size / blockSize);
    const ids = [...Array(count).keys()].map(blockId);
    if (!session.upload_url) {
      throw new PhyghtError(409, { title: "The upload session has no upload URL.", detail: "It is completed or expired; open a new one." });
    }
    if (session.size !== file.size) {
      throw new RangeError(`The session is for ${session.size} bytes; this file has ${file.size}.`);
    }
    let url = { value: session.upload_url, expires: Date.parse(session.expires_at) };
    // A long upload outlives its URL (1 h by default): a fresh one for the same blob before it runs out.
    const writer = async () => {
      if (url.expires - Date.now() < RENEW_BEFORE_MS) {
        const renewed = ok(await api.POST("/videos-upload/sessions/{id}/renew", { params: { path: { id: session.session_id } } }));
        url = { value: renewed.upload_url!, expires: Date.parse(renewed.expires_at) };
      }
      return new BlockBlobClient(url.value);
    };
    const sent = new Map<number, number>();
    let done = 0;
    for (const [i, id] of ids.entries()) {
      if (held.has(id)) {
        done += Math.min(blockSize, file.size - i * blockSize);
      }
    }
    const report = () => options.onProgress?.(done + [...sent.values()].reduce((a, b) => a + b, 0), file.size);
    report();
    const queue = ids.map((id, i) => ({ id, i })).filter(({ id }) => !held.has(id));
    const failed = new AbortController(); // one block's failure stops the others
    await Promise.all(
      [...Array(PARALLEL_BLOCKS)].map(async () => {
        for (let next = queue.shift(); next && !failed.signal.aborted; next = queue.shift()) {
          const { id, i } = next;
          // Bytes rather than the Blob slice: the SDK's Node transport takes no Blob; one block per worker in memory.
          const chunk = new Uint8Array(await file.slice(i * blockSize, Math.min(file.size, (i + 1) * blockSize)).arrayBuffer());
          try {
            await (await writer()).stageBlock(id, chunk, chunk.byteLength, {
              abortSignal: failed.signal,
              onProgress: (p) => {
                sent.set(i, p.loadedBytes);
                report();
              },
            });
          } catch (error) {
            failed.abort();
            throw error;
          }
          sent.delete(i);
          done += chunk.byteLength;
          report();
        }
      }),
    );
    const blob = await writer();
    await blob.commitBlockList(ids);
    return ok(await api.POST("/videos-upload/sessions/{id}/complete", { params: { path: { id: session.session_id } } }));
  }
}

/** Block ids of one blob must all have the same length: the zero-padded index, in base64. */
function blockId(index: number): string {
  return btoa(`block-${String(index).padStart(6, "0")}`);
}
