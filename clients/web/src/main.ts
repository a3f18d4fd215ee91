import { IndexedDbReplicaStore, MULTIPART_LIMIT, PhyghtClient, PhyghtError, VideoReplica, type Profile, type ReplicaState } from "@phyght/client";
import "./style.css";

const client = new PhyghtClient({ baseUrl: "/api" });
const store = new IndexedDbReplicaStore();
const app = document.querySelector<HTMLElement>("#app")!;
const account = document.querySelector<HTMLElement>("#account")!;
const connection = document.querySelector<HTMLElement>("#connection")!;
let profile: Profile | null = null;
let leave: (() => void) | null = null;

type Child = Node | string | null | undefined | false;

function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, unknown> = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (name.startsWith("on") && typeof value === "function") {
      element.addEventListener(name.slice(2), value as EventListener);
    } else if (value !== undefined && value !== null && value !== false) {
      element.setAttribute(name, value === true ? "" : String(value));
    }
  }
  element.append(...children.filter((c): c is Node | string => c !== null && c !== undefined && c !== false));
  return element;
}

const isStaff = () => profile?.role === "admin" || profile?.role === "moderator";

function message(error: unknown): string {
  return error instanceof PhyghtError ? `${error.status || "offline"}: ${error.message}` : String(error);
}

async function renderAccount(): Promise<void> {
  profile = client.auth.signedIn ? await client.me().catch(() => null) : null;
  if (profile) {
    account.replaceChildren(
      h("span", { "data-testid": "who" }, `${profile.email ?? profile.username} (${profile.role})`),
      h("button", { onclick: () => client.auth.signOut() }, "Sign out"),
    );
    return;
  }
  const email = h("input", { type: "email", placeholder: "email", "data-testid": "email", required: true });
  const password = h("input", { type: "password", placeholder: "password", "data-testid": "password", required: true });
  const failure = h("span", { class: "error", "data-testid": "sign-in-error" });
  account.replaceChildren(
    h("form", {
      onsubmit: async (e: Event) => {
        e.preventDefault();
        try {
          await client.auth.signIn(email.value, password.value);
        } catch (error) {
          failure.textContent = message(error);
        }
      },
    }, email, password, h("button", { type: "submit", "data-testid": "sign-in" }, "Sign in"), failure),
  );
}

async function renderCatalogue(query: URLSearchParams): Promise<void> {
  const page = Math.max(1, Number(query.get("page") ?? 1));
  const search = query.get("search") ?? "";
  const go = (next: Record<string, string | number>) => {
    const params = new URLSearchParams({ search, page: String(page), ...Object.fromEntries(Object.entries(next).map(([k, v]) => [k, String(v)])) });
    location.hash = `#/?${params}`;
  };
  const searchBox = h("input", { type: "search", value: search, placeholder: "Search titles and descriptions", "data-testid": "search" });
  const list = h("ul", { class: "videos", "data-testid": "videos" });
  const pager = h("nav", { class: "pager" });
  const searchForm = h("form", { onsubmit: (e: Event) => (e.preventDefault(), go({ search: searchBox.value, page: 1 })) }, searchBox, h("button", { type: "submit" }, "Search"));
  app.replaceChildren(...[searchForm, isStaff() ? newVideoForm() : null, list, pager].filter((n): n is HTMLElement => n !== null));
  try {
    const result = await client.listVideos({ page, limit: 12, ...(search ? { search } : {}) });
    list.replaceChildren(...result.videos.map((v) => h("li", {}, h("a", { href: `#/videos/${v.id}`, "data-testid": "video-link" }, v.title), " ", h("span", { class: `status ${v.status}` }, v.status), " ", h("span", { class: "tags" }, v.tags.join(", ")))));
    const { totalPages } = result.pagination;
    pager.replaceChildren(
      h("button", { disabled: page <= 1, onclick: () => go({ page: page - 1 }) }, "‹ Newer"),
      h("span", { "data-testid": "page" }, `Page ${page} of ${Math.max(1, Number(totalPages))}`),
      h("button", { disabled: page >= Number(totalPages), onclick: () => go({ page: page + 1 }) }, "Older ›"),
    );
  } catch (error) {
    list.replaceChildren(h("li", { class: "error" }, message(error)));
  }
}

function newVideoForm(): HTMLElement {
  const title = h("input", { placeholder: "New video title", "data-testid": "new-title", required: true });
  return h("form", {
    class: "new-video",
    onsubmit: async (e: Event) => {
      e.preventDefault();
      const video = await client.createVideo({ title: title.value });
      location.hash = `#/videos/${video.id}`;
    },
  }, title, h("button", { type: "submit", "data-testid": "create" }, "Create"));
}

async function renderVideo(id: string, current: number): Promise<void> {
  const header = h("h1", { "data-testid": "title" });
  const status = h("p", { "data-testid": "status" });
  const tags = h("p", { "data-testid": "tags" });
  const sync = h("p", { class: "sync", "data-testid": "sync" });
  const player = h("div");
  const editor = h("div");
  app.replaceChildren(h("p", {}, h("a", { href: "#/" }, "‹ Catalogue")), header, status, tags, sync, player, editor);

  let replica: VideoReplica;
  try {
    replica = await VideoReplica.open(client, id, { store });
  } catch (error) {
    app.replaceChildren(h("p", { class: "error" }, message(error)));
    return;
  }
  if (current !== routing) {
    replica.close(); // the visitor moved on while it opened
    return;
  }
  leave = () => replica.close();

  const titleInput = h("input", { "data-testid": "edit-title" });
  const tagsInput = h("input", { "data-testid": "edit-tags", placeholder: "tags, comma separated" });
  const progress = h("progress", { max: 100, value: 0, "data-testid": "upload-progress" });
  const uploadState = h("span", { "data-testid": "upload-state" });
  const file = h("input", { type: "file", accept: "video/*", "data-testid": "upload-file" });
  if (isStaff()) {
    editor.replaceChildren(
      h("form", {
        "data-testid": "edit",
        onsubmit: async (e: Event) => {
          e.preventDefault();
          // Both read before the first edit re-renders the inputs.
          const state = replica.state;
          const title = titleInput.value.trim();
          const wanted = [...new Set(tagsInput.value.split(",").map((t) => t.trim().toLowerCase()).filter(Boolean))].sort();
          if (title && title !== state.title) {
            await replica.setTitle(title);
          }
          if (wanted.join(",") !== state.tags.join(",")) {
            await replica.setTags(wanted);
          }
        },
      }, h("label", {}, "Title ", titleInput), h("label", {}, "Tags ", tagsInput), h("button", { type: "submit", "data-testid": "save" }, "Save")),
      h("form", {
        "data-testid": "upload",
        onsubmit: async (e: Event) => {
          e.preventDefault();
          const chosen = file.files?.[0];
          if (!chosen) {
            return;
          }
          // Large files go straight to blob storage in resumable blocks; small ones through the API.
          const how = chosen.size > MULTIPART_LIMIT ? "direct" : "multipart";
          uploadState.textContent = `uploading (${how})`;
          try {
            await client.uploads.upload(id, chosen, { onProgress: (loaded, total) => (progress.value = Math.round((loaded / total) * 100)) });
            uploadState.textContent = `uploaded (${how})`;
          } catch (error) {
            uploadState.textContent = message(error);
          }
        },
      }, file, h("button", { type: "submit", "data-testid": "upload-start" }, "Upload"), progress, uploadState),
    );
  }

  let editing = false;
  titleInput.addEventListener("focus", () => (editing = true));
  titleInput.addEventListener("blur", () => (editing = false));
  const render = (state: ReplicaState) => {
    header.textContent = state.title ?? "";
    tags.textContent = state.tags.length ? state.tags.map((t) => `#${t}`).join(" ") : "no tags";
    status.textContent = state.deleted ? "deleted" : state.video?.status ?? "";
    sync.textContent = state.error
      ? `refused: ${state.error.message}`
      : `${state.online ? "synced" : "offline"}${state.pending ? `, ${state.pending} pending` : ""} · version ${state.version}`;
    sync.dataset.pending = String(state.pending);
    sync.dataset.online = String(state.online);
    if (!editing && document.activeElement !== tagsInput) {
      titleInput.value = state.title ?? "";
      tagsInput.value = state.tags.join(", ");
    }
    const url = state.video?.status === "ready" ? state.video.video_url : null;
    if (url && player.dataset.src !== url) {
      player.dataset.src = url;
      player.replaceChildren(h("video", { src: url, controls: true, "data-testid": "player", poster: state.video?.thumbnail_url ?? undefined }));
    }
  };
  replica.subscribe(render);
}

let routing = 0;

async function route(): Promise<void> {
  const current = ++routing;
  leave?.();
  leave = null;
  const [path, query] = location.hash.replace(/^#/, "").split("?");
  const video = /^\/videos\/([0-9a-f-]{36})$/.exec(path ?? "");
  if (video) {
    await renderVideo(video[1]!, current);
  } else {
    await renderCatalogue(new URLSearchParams(query ?? ""));
  }
}

client.realtime.onStatus((connected) => {
  connection.textContent = connected ? "live" : "reconnecting";
  connection.dataset.live = String(connected);
});
client.auth.onChange(async () => {
  await renderAccount();
  await route();
});
addEventListener("hashchange", () => void route());
await renderAccount();
await route();
