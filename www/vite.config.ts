import { defineConfig } from "vite";

export default defineConfig({
  server: {
    // The wasm package lives in ../pkg (file: dependency); without this the
    // dev server answers 403 for its .wasm file.
    fs: { allow: [".."] },
  },
  worker: { format: "es" },
  build: { target: "es2022" },
  // Let Vite serve the wasm-bindgen glue as-is so its `new URL(..., import.meta.url)`
  // still points at the .wasm file.
  optimizeDeps: { exclude: ["sheetlog"] },
});
