// The Glide adapter page: an in-memory sheet shown by Glide Data Grid through `useGlideGrid`, A1
// holding markup and B1 a number. The test drives copy, cut and paste through clipboard events
// and reads the sheet through `window.consumerSheet`.
import { DataEditor } from "@glideapps/glide-data-grid";
// Glide's stylesheet: esbuild bundles it into main.css beside main.js.
import "@glideapps/glide-data-grid/dist/index.css";
import { createElement as h } from "react";
import { createRoot } from "react-dom/client";
import init, { SpreadsheetData } from "sheetlog";
import { useGlideGrid } from "sheetlog/glide";

window.gridErrors = [];
document.head.append(Object.assign(document.createElement("link"), { rel: "stylesheet", href: "./main.css" }));

function Grid({ data }) {
  const grid = useGlideGrid(data, { onError: (e) => window.gridErrors.push(String(e)) });
  return h("div", { id: "app" }, h(DataEditor, { ...grid, width: 600, height: 300 }));
}

await init();
const data = SpreadsheetData.inMemory();
await data.setCellValueAndFormat(0, 0, "<img src=x onerror=window.pwned=1>");
await data.setCellValueAndFormat(0, 1, 42);
window.consumerSheet = data;
createRoot(document.getElementById("root")).render(h(Grid, { data }));
