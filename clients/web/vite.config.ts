import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

// The AppHost passes the API's address (WithReference(api)); the page calls it same-origin under /api, so neither
// CORS nor a second origin is involved, and SignalR's WebSocket goes through the same proxy.
const api = process.env.services__api__http__0 ?? "http://localhost:5080";

export default defineConfig({
  // The SDK from its source, so the page never runs a stale build of it.
  resolve: { alias: { "@phyght/client": fileURLToPath(new URL("../js/src/index.ts", import.meta.url)) } },
  server: {
    port: Number(process.env.PORT ?? 5173),
    proxy: {
      "/api": { target: api, ws: true, changeOrigin: true, rewrite: (path) => path.replace(/^\/api/, "") },
    },
  },
});
