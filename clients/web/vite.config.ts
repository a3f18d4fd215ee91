import { defineConfig } from "vite";

// The AppHost passes the API's address (WithReference(api)); the page calls it same-origin under /api, so neither
// CORS nor a second origin is involved, and SignalR's WebSocket goes through the same proxy.
const api = process.env.services__api__http__0 ?? "http://localhost:5080";

export default defineConfig({
  server: {
    port: Number(process.env.PORT ?? 5173),
    proxy: {
      "/api": { target: api, ws: true, changeOrigin: true, rewrite: (path) => path.replace(/^\/api/, "") },
    },
  },
});
