import { execFileSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { openAsBlob } from "node:fs";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { MemoryReplicaStore, MemoryTokenStore, normalizeTag, PhyghtClient, PhyghtError, VideoReplica, type Video } from "../src/index.js";

// Against the real stack: the xunit test SdkTests starts it through the AppHost and sets these.
const baseUrl = process.env.PHYGHT_API_URL;
const adminEmail = process.env.PHYGHT_ADMIN_EMAIL ?? "";
const adminPassword = process.env.PHYGHT_ADMIN_PASSWORD ?? "";
const SEED = 7;

async function eventually<T>(read: () => Promise<T> | T, done: (value: T) => boolean, what: string, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) {
      return value;
    }
    if (Date.now() > deadline) {
      throw new Error(`${what}: still ${JSON.stringify(value)} after ${timeoutMs} ms`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function newClient(fetchImpl?: typeof fetch): PhyghtClient {
  return new PhyghtClient({ baseUrl: baseUrl!, tokenStore: new MemoryTokenStore(), fetch: fetchImpl });
}

/** A client whose network can be cut, like a laptop going offline. */
function flakyClient(): { client: PhyghtClient; setOffline: (offline: boolean) => void } {
  let offline = false;
  const client = newClient((input, init) => (offline ? Promise.reject(new TypeError("fetch failed (offline)")) : fetch(input, init)));
  return { client, setOffline: (value) => (offline = value) };
}

let admin: PhyghtClient;

async function signedIn(role: "moderator" | "user", client = newClient()): Promise<PhyghtClient> {
  const name = `sdk-${randomUUID().slice(0, 13)}`;
  const email = `${name}@phyght.test`;
  const password = `Pw-${randomUUID()}`;
  const profile = await client.signUp({ email, password, username: name, full_name: "SDK test" });
  if (role !== "user") {
    const { response } = await admin.api.PUT("/profiles/{id}/role", { params: { path: { id: profile.id } }, body: { role } });
    expect(response.status).toBe(200);
  }
  await client.auth.signIn(email, password);
  return client;
}

function fieldsOf(video: Video) {
  return { title: video.title, description: video.description, category: video.category, is_featured: video.is_featured, tags: video.tags };
}

function fieldsOfReplica(replica: VideoReplica) {
  const { title, description, category, is_featured, tags } = replica.state;
  return { title, description, category, is_featured, tags };
}

function tinyVideo(): string {
  const path = join(mkdtempSync(join(tmpdir(), "phyght-sdk-")), "clip.mp4");
  execFileSync("ffmpeg", ["-v", "error", "-f", "lavfi", "-i", "testsrc=duration=1:size=64x48:rate=10", "-pix_fmt", "yuv420p", "-y", path]);
  return path;
}

describe.skipIf(!baseUrl)("@phyght/client against the stack", () => {
  beforeAll(async () => {
    admin = newClient();
    await admin.auth.signIn(adminEmail, adminPassword);
  });

  it("answers refusals with typed problem details", async () => {
    const missing = await admin.getVideo(randomUUID()).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(PhyghtError);
    expect((missing as PhyghtError).status).toBe(404);
    expect((missing as PhyghtError).problem?.status).toBe(404);
    expect((missing as PhyghtError).problem?.error).toBeTypeOf("string");
    const invalid = (await admin.createVideo({ title: "" }).catch((e: unknown) => e)) as PhyghtError;
    expect(invalid.status).toBe(400);
    expect(invalid.transient).toBe(false);
  });

  it("normalizes tags exactly as the server does, beyond ASCII", async () => {
    const tags = [" İstanbul ", "\uFEFFJudo", "ÉPÉE", "Straße", "ǅemal"];
    const video = await admin.createVideo({ title: "Unicode", tags });
    expect(video.tags).toEqual([...new Set(tags.map(normalizeTag))].sort());
  });

  it("refreshes an expiring access token and rotates the refresh token, invisibly to the caller", async () => {
    const client = await signedIn("user");
    const first = client.auth.store.get()!;
    client.auth.store.set({ ...first, expires_at: Date.now() - 1 });
    expect((await client.me()).role).toBe("user");
    const second = client.auth.store.get()!;
    expect(second.refresh_token).not.toBe(first.refresh_token);

    // A token the server no longer takes (a rejected signature) is refreshed on the 401 and the call sent again.
    client.auth.store.set({ ...second, access_token: `${second.access_token}x` });
    expect((await client.me()).role).toBe("user");
    expect(client.auth.store.get()!.refresh_token).not.toBe(second.refresh_token);

    const old = await fetch(`${baseUrl}/auth/refresh`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ refresh_token: first.refresh_token }) });
    expect(old.status).toBe(401);

    client.auth.signOut();
    expect(client.auth.signedIn).toBe(false);
    expect(((await client.me().catch((e: unknown) => e)) as PhyghtError).status).toBe(401);
  });

  it("keeps editing offline and converges with the server once back", async () => {
    const video = await admin.createVideo({ title: "Offline" });
    const { client, setOffline } = flakyClient();
    await signedIn("moderator", client);
    const laptop = await VideoReplica.open(client, video.id, { store: new MemoryReplicaStore(), live: false });
    const desk = await VideoReplica.open(await signedIn("moderator"), video.id, { store: new MemoryReplicaStore(), live: false });

    setOffline(true);
    await laptop.setTitle("Written offline");
    await laptop.addTag("mma");
    await laptop.sync();
    expect(laptop.state).toMatchObject({ title: "Written offline", tags: ["mma"], pending: 2, online: false });
    await desk.setTags(["bjj"]); // concurrent with the laptop's add: both tags survive

    setOffline(false);
    // Each sync sends what the replica has and brings what the server has: a second round brings the first's news.
    for (const replica of [laptop, desk, laptop]) {
      await replica.sync();
    }
    const server = await admin.getVideo(video.id);
    for (const replica of [laptop, desk]) {
      expect(fieldsOfReplica(replica)).toEqual(fieldsOf(server));
      expect(replica.state.version).toBe(Number(server.version));
      expect(replica.state.pending).toBe(0);
    }
    expect(server.tags).toEqual(["bjj", "mma"]);
    laptop.close();
    desk.close();
  });

  it("opens offline at once, and a reopened replica sends the queue its store kept", async () => {
    const video = await admin.createVideo({ title: "Before" });
    const { client, setOffline } = flakyClient();
    await signedIn("moderator", client);
    const store = new MemoryReplicaStore();
    const first = await VideoReplica.open(client, video.id, { store, live: false });
    await first.sync(); // it has seen the video once

    setOffline(true);
    await first.setTitle("Queued while offline");
    await first.addTag("kept");
    expect(first.state).toMatchObject({ pending: 2, title: "Queued while offline" });
    first.close(); // the tab closes with its queue unsent
    // Opening needs no network (live too: the hub cannot be reached): the store's state at once.
    const offline = await VideoReplica.open(client, video.id, { store });
    expect(offline.state).toMatchObject({ pending: 2, title: "Queued while offline" });
    await offline.sync();
    expect(offline.state).toMatchObject({ pending: 2, online: false, error: null });
    offline.close();

    setOffline(false);
    const again = await VideoReplica.open(client, video.id, { store, live: false });
    expect(again.actor).toBe(first.actor);
    await again.sync();
    const server = await admin.getVideo(video.id);
    expect(server).toMatchObject({ title: "Queued while offline", tags: ["kept"] });
    expect(fieldsOfReplica(again)).toEqual(fieldsOf(server));
    expect(again.state.pending).toBe(0);
    again.close();
    await client.realtime.stop();
  });

  it("shows another device's edits live, without a pull", async () => {
    const video = await admin.createVideo({ title: "Live" });
    const writer = await VideoReplica.open(await signedIn("moderator"), video.id, { store: new MemoryReplicaStore(), live: false });
    const watcherClient = await signedIn("moderator");
    const watcher = await VideoReplica.open(watcherClient, video.id, { store: new MemoryReplicaStore() });
    await writer.setTitle("Changed live");
    await writer.sync();
    await eventually(() => watcher.state.title, (t) => t === "Changed live", "the watcher's title");
    writer.close();
    watcher.close();
    await watcherClient.realtime.stop();
  });

  it("replays every change after a seq exactly once, past the server's replay limit (resync)", async () => {
    const video = await admin.createVideo({ title: "Replayed" });
    const changes = 1_050; // more than Realtime:MaxReplay (1,000): the server sends resync midway
    let next = 0;
    await Promise.all([...Array(8)].map(async () => {
      for (let i = next++; i < changes; i = next++) {
        await admin.updateVideo(video.id, { title: `Edit ${i}` });
      }
    }));
    const watcher = await signedIn("moderator");
    const seqs: number[] = [];
    const stop = await watcher.realtime.subscribe(video.id, (change) => seqs.push(change.seq), 0);
    await eventually(() => seqs.length, (n) => n >= changes + 1, "replayed changes", 60_000);
    expect(new Set(seqs).size).toBe(seqs.length);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(seqs.length).toBe(changes + 1); // the insert and every edit
    stop();
    await watcher.realtime.stop();
  });

  it("follows more videos at once than the server takes hub calls per second, each from its seq", async () => {
    // 30 subscriptions open together: the server refuses the calls past its 20 per second and per connection ("call
    // again"), and each refused one is made again, from the same seq, rather than given up or taken live from now.
    const videos = await Promise.all([...Array(30)].map((_, i) => admin.createVideo({ title: `Followed ${i}` })));
    const watcher = await signedIn("moderator");
    const seen = new Map<string, number[]>(videos.map((v) => [v.id, []]));
    const stops = videos.map((v) => watcher.realtime.subscribe(v.id, (change) => seen.get(v.id)!.push(change.seq), 0));
    const missing = () => videos.filter((v) => seen.get(v.id)!.length === 0).length;
    await eventually(missing, (n) => n === 0, "videos whose creation was not replayed");
    for (const video of videos) {
      await admin.updateVideo(video.id, { description: "followed live" });
    }
    await eventually(() => videos.filter((v) => seen.get(v.id)!.length < 2).length, (n) => n === 0, "videos whose edit did not arrive");
    for (const seqs of seen.values()) {
      expect(seqs).toHaveLength(2);
      expect(seqs[0]).toBeLessThan(seqs[1]!);
    }
    stops.forEach((stop) => stop());
    await watcher.realtime.stop();
  });

  it("agrees with the server over random histories sent in random order", async () => {
    const editors = [await signedIn("moderator"), await signedIn("moderator")];
    const step = fc.record({
      replica: fc.nat(2),
      action: fc.constantFrom("title", "description", "featured", "add", "remove", "set", "sync", "sync"),
      tag: fc.constantFrom("mma", "BJJ", " judo ", "muay-thai"),
      text: fc.string({ minLength: 1, maxLength: 20 }).filter((t) => t.trim().length > 0 && !/[\u0000-\u001f\u007f-\u009f]/.test(t)),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 25 }), async (steps) => {
        const video = await admin.createVideo({ title: "Property", tags: ["mma"] });
        const replicas = await Promise.all([0, 1, 2].map((i) => VideoReplica.open(editors[i % 2]!, video.id, { store: new MemoryReplicaStore(), live: false })));
        for (const s of steps) {
          const replica = replicas[s.replica]!;
          switch (s.action) {
            case "title": await replica.setTitle(s.text); break;
            case "description": await replica.setDescription(s.text); break;
            case "featured": await replica.setFeatured(s.text.length % 2 === 0); break;
            case "add": await replica.addTag(s.tag); break;
            case "remove": await replica.removeTag(s.tag); break;
            case "set": await replica.setTags([s.tag, "mma"]); break;
            default: await replica.sync();
          }
        }
        // A server-side edit too, as a PUT client or the worker makes them.
        await admin.updateVideo(video.id, { category: "Striking" });
        for (let round = 0; round < 2; round++) {
          for (const replica of replicas) {
            await replica.sync();
          }
        }
        const server = await admin.getVideo(video.id);
        for (const replica of replicas) {
          expect(replica.state.error).toBeNull();
          expect(fieldsOfReplica(replica)).toEqual(fieldsOf(server));
          expect(replica.state.version).toBe(Number(server.version));
          expect(replica.state.vector_clock).toEqual(Object.fromEntries(Object.entries(server.vector_clock).map(([a, s]) => [a, Number(s)])));
          replica.close();
        }
      }),
      { seed: SEED, numRuns: 12 },
    );
  });

  it("uploads with progress, multipart and direct, and the video becomes ready", async () => {
    const moderator = await signedIn("moderator");
    const file = await openAsBlob(tinyVideo(), { type: "video/mp4" });
    for (const mode of ["multipart", "direct"] as const) {
      const video = await moderator.createVideo({ title: `Upload ${mode}` });
      const progress: number[] = [];
      let sessionId: string | undefined;
      const uploaded = await moderator.uploads.upload(video.id, file, {
        mode, fileName: "clip.mp4", onProgress: (loaded, total) => progress.push(loaded / total), onSession: (id) => (sessionId = id),
      });
      expect(uploaded.status).toBe("processing");
      expect(progress.at(-1)).toBe(1);
      const ready = await eventually(() => moderator.getVideo(video.id), (v) => v.status === "ready", `${mode} upload's status`, 90_000);
      expect(Number(ready.duration)).toBeGreaterThanOrEqual(1);
      if (mode === "direct") {
        // Resumed after it had completed (the page reloaded before it heard back): the same video, nothing sent again.
        const resumed = await moderator.uploads.upload(video.id, file, { mode, sessionId });
        expect(resumed).toMatchObject({ id: video.id, file_path: ready.file_path });
      }
    }
  });
});
