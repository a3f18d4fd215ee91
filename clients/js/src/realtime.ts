import { HubConnectionBuilder, HubConnectionState, LogLevel, type HubConnection } from "@microsoft/signalr";
import type { PhyghtClient, Video } from "./client.js";

export interface VideoChanged {
  eventType: "INSERT" | "UPDATE" | "DELETE";
  new: Video | null;
  old: { id: string } | null;
  seq: number;
}

type Handler = (change: VideoChanged) => void;

interface Resync {
  after_seq: number;
  video_id?: string | null;
}

interface Subscription {
  handlers: Set<Handler>;
  /** The last seq delivered: a reconnect resumes after it, and a replayed seq is not delivered twice. */
  lastSeq: number | null;
  /** While a Subscribe call replays, live events can overtake the replay: both are held here, then delivered in
   * seq order once the call returns. */
  replaying: VideoChanged[] | null;
  /** Called each time the server confirms the subscription (first and after every reconnect). */
  subscribed: Set<() => void>;
  active: boolean;
}

const MAX_RECONNECT_DELAY_MS = 15_000;
const reconnectDelay = (attempt: number) => Math.min(MAX_RECONNECT_DELAY_MS, 250 * 2 ** attempt);

/** A refusal that changed nothing and asks to be called again: the connection's hub call rate, or the server
 * unavailable for a moment (its database restarting). */
const asksToCallAgain = (error: unknown) => error instanceof Error && /call again/i.test(error.message);

/** Makes a hub call, and again with backoff (jittered, so refused calls do not return together) for as long as the
 * server asks for it and the call is still `wanted`. */
async function invokeAgainWhenAsked(call: () => Promise<unknown>, wanted: () => boolean): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await call();
      return;
    } catch (error) {
      if (!asksToCallAgain(error) || !wanted()) {
        throw error;
      }
      await new Promise((resolve) => setTimeout(resolve, reconnectDelay(attempt) * (1 + Math.random())));
      if (!wanted()) {
        throw error;
      }
    }
  }
}

/**
 * Live `videoChanged` events over the stock SignalR client. One connection per client, opened on the first
 * subscription; it reconnects forever (backoff up to 15 s) and, once back, subscribes again from the last seq seen,
 * so nothing is skipped or delivered twice. `resync` (a replay longer than the server sends at once) subscribes
 * again after the seq it names, and a call the server refuses with "call again" (too many calls at once, or the
 * server unavailable for a moment) is made again. Signing in or out reopens the connection under the new identity.
 */
export class Realtime {
  private connection: HubConnection | null = null;
  private starting: Promise<HubConnection> | null = null;
  private readonly videos = new Map<string, Subscription>();
  private readonly statusListeners = new Set<(connected: boolean) => void>();

  constructor(private readonly client: PhyghtClient) {
    client.auth.onChange(() => void this.reopen());
  }

  get connected(): boolean {
    return this.connection?.state === HubConnectionState.Connected;
  }

  onStatus(listener: (connected: boolean) => void): () => void {
    this.statusListeners.add(listener);
    return () => this.statusListeners.delete(listener);
  }

  /** Calls `handler` for each change of the video from now on (after `afterSeq`, when given). Returns at once: the
   * connection opens (and retries) in the background, so an offline page is never held up. `onSubscribed` runs each
   * time the server has confirmed the subscription (at first and after every reconnect): from then on every change
   * arrives live, so a caller following live without a seq reads the video there, not earlier. */
  subscribe(videoId: string, handler: Handler, afterSeq: number | null = null, onSubscribed?: () => void): () => void {
    let subscription = this.videos.get(videoId);
    const first = !subscription;
    if (!subscription) {
      subscription = { handlers: new Set(), lastSeq: afterSeq, replaying: null, subscribed: new Set(), active: false };
      this.videos.set(videoId, subscription);
    }
    subscription.handlers.add(handler);
    if (onSubscribed) {
      subscription.subscribed.add(onSubscribed);
      if (subscription.active) {
        queueMicrotask(onSubscribed);
      }
    }
    if (first) {
      void this.start().then((connection) => this.subscribeOn(connection, videoId)).catch(() => undefined);
    }
    return () => {
      subscription.handlers.delete(handler);
      if (onSubscribed) {
        subscription.subscribed.delete(onSubscribed);
      }
      if (subscription.handlers.size === 0 && this.videos.get(videoId) === subscription) {
        this.videos.delete(videoId);
        const connection = this.connection;
        if (connection?.state === HubConnectionState.Connected) {
          const wanted = () => !this.videos.has(videoId) && connection.state === HubConnectionState.Connected;
          void invokeAgainWhenAsked(() => connection.invoke("Unsubscribe", videoId), wanted).catch(() => undefined);
        }
      }
    };
  }

  async stop(): Promise<void> {
    const connection = this.connection;
    this.connection = null;
    this.starting = null;
    // What a retired connection held back is not delivered: it was sent to the identity that connection had.
    for (const subscription of this.videos.values()) {
      subscription.replaying = null;
    }
    await connection?.stop();
  }

  private start(): Promise<HubConnection> {
    if (!this.starting) {
      const starting = this.open().catch((error: unknown) => {
        if (this.starting === starting) {
          this.starting = null;
        }
        throw error;
      });
      this.starting = starting;
    }
    return this.starting;
  }

  /** Subscribes on the server after `from` (the video's last seq), holding events until the replay is over. */
  private async subscribeOn(connection: HubConnection, videoId: string, from?: number): Promise<void> {
    const subscription = this.videos.get(videoId);
    if (!subscription || connection.state !== HubConnectionState.Connected) {
      return;
    }
    subscription.replaying ??= [];
    const wanted = () => this.videos.get(videoId) === subscription && connection.state === HubConnectionState.Connected;
    try {
      await invokeAgainWhenAsked(() => connection.invoke("Subscribe", videoId, from ?? subscription.lastSeq), wanted);
    } catch {
      // Refused for good (e.g. the changes after lastSeq are no longer kept): follow live from now; callers re-read the video.
      if (wanted()) {
        subscription.lastSeq = null;
        await invokeAgainWhenAsked(() => connection.invoke("Subscribe", videoId, null), wanted).catch(() => undefined);
      }
    } finally {
      // A call cut off with its connection (or one retired meanwhile) leaves the held events to the call made once
      // the connection is back: that one confirms the subscription.
      if (this.connection === connection && connection.state === HubConnectionState.Connected) {
        this.endReplay(subscription);
      }
    }
  }

  private endReplay(subscription: Subscription): void {
    const held = subscription.replaying ?? [];
    subscription.replaying = null;
    for (const change of held.sort((a, b) => a.seq - b.seq)) {
      this.deliverTo(subscription, change);
    }
    subscription.active = true;
    for (const listener of subscription.subscribed) {
      listener();
    }
  }

  private async open(): Promise<HubConnection> {
    const connection = new HubConnectionBuilder()
      .withUrl(`${this.client.baseUrl}/realtime`, { accessTokenFactory: async () => (await this.client.auth.accessToken()) ?? "" })
      .withAutomaticReconnect({ nextRetryDelayInMilliseconds: (context) => reconnectDelay(context.previousRetryCount) })
      .configureLogging(LogLevel.None)
      .build();
    connection.on("videoChanged", (change: VideoChanged) => this.deliver(change));
    connection.on("resync", (resync: Resync) => void this.resubscribe(connection, resync));
    connection.onreconnected(() => {
      this.emitStatus(true);
      void this.resubscribeAll(connection);
    });
    connection.onreconnecting(() => this.disconnected());
    connection.onclose(() => {
      // Automatic reconnects gave up or the server refused: start over unless this connection was retired.
      this.disconnected();
      if (this.connection === connection) {
        this.connection = null;
        this.starting = null;
        setTimeout(() => void this.reconnectIfWanted(), MAX_RECONNECT_DELAY_MS);
      }
    });
    this.connection = connection;
    await this.startWithRetry(connection);
    return connection;
  }

  private async startWithRetry(connection: HubConnection): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        await connection.start();
        this.emitStatus(true);
        return;
      } catch (error) {
        if (this.connection !== connection) {
          throw error;
        }
        await new Promise((resolve) => setTimeout(resolve, reconnectDelay(attempt)));
        if (this.connection !== connection) {
          throw new Error("The connection was stopped while it was retrying.");
        }
      }
    }
  }

  private async reconnectIfWanted(): Promise<void> {
    if (this.videos.size > 0 && !this.connection) {
      const connection = await this.start().catch(() => null);
      if (connection) {
        await this.resubscribeAll(connection);
      }
    }
  }

  private async reopen(): Promise<void> {
    if (!this.connection) {
      return;
    }
    await this.stop();
    await this.reconnectIfWanted();
  }

  private async resubscribeAll(connection: HubConnection): Promise<void> {
    for (const videoId of [...this.videos.keys()]) {
      await this.subscribeOn(connection, videoId);
    }
  }

  /** A replay cut off at the server's limit names its video: that one subscribes again after the seq the message
   * names (everything up to it was sent, readable or not). A `resync` without a video (the client fell behind and is
   * being dropped) subscribes every video again from its own last seq; duplicates are dropped by seq. */
  private async resubscribe(connection: HubConnection, resync: Resync): Promise<void> {
    if (resync.video_id) {
      if (this.videos.has(resync.video_id)) {
        await this.subscribeOn(connection, resync.video_id, resync.after_seq);
      }
      return;
    }
    for (const [videoId, subscription] of this.videos) {
      if (subscription.lastSeq !== null) {
        await this.subscribeOn(connection, videoId);
      }
    }
  }

  private deliver(change: VideoChanged): void {
    const videoId = change.new?.id ?? change.old?.id;
    const subscription = videoId ? this.videos.get(videoId) : undefined;
    if (!subscription) {
      return;
    }
    if (subscription.replaying) {
      subscription.replaying.push(change);
      return;
    }
    this.deliverTo(subscription, change);
  }

  private deliverTo(subscription: Subscription, change: VideoChanged): void {
    if (subscription.lastSeq !== null && change.seq <= subscription.lastSeq) {
      return;
    }
    subscription.lastSeq = change.seq;
    for (const handler of subscription.handlers) {
      handler(change);
    }
  }

  private disconnected(): void {
    for (const subscription of this.videos.values()) {
      subscription.active = false;
    }
    this.emitStatus(false);
  }

  private emitStatus(connected: boolean): void {
    for (const listener of this.statusListeners) {
      listener(connected);
    }
  }
}
