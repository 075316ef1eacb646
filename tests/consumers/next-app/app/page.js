"use client";
// A client component using sheetlog/react; the server renders it too (prerendering at build
// time, and per request), where useSheet renders "opening…" without touching the wasm module.
import { StrictMode } from "react";
import { App } from "./App.js";

export default function Page() {
  return (
    <StrictMode>
      <App name="consumer" />
    </StrictMode>
  );
}
