/// <reference types="vitest/config" />
import { fileURLToPath } from "node:url";
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

// The console is served by the control server at /console/ and ships inside the Python package.
const outDir = fileURLToPath(new URL("../ggpgfx/console_dist", import.meta.url));

export default defineConfig({
  base: "/console/",
  plugins: [react()],
  build: { outDir, emptyOutDir: true, sourcemap: false, chunkSizeWarningLimit: 1500 },
  server: {
    // `npm run dev` against a running `ggp run`: GGP_CONTROL=http://127.0.0.1:PORT npm run dev
    proxy: process.env.GGP_CONTROL
      ? { "/control": { target: process.env.GGP_CONTROL, ws: true } }
      : undefined,
  },
  test: { environment: "node", include: ["src/**/*.test.ts"], testTimeout: 10000 },
});
