// The hooks page: <App> under StrictMode with a button that unmounts it. Counts the opens of
// SpreadsheetData (StrictMode runs effects twice; useSheet must open the sheet once).
import { createElement as h, StrictMode, useState } from "react";
import { createRoot } from "react-dom/client";
import { SpreadsheetData } from "sheetlog";
import { App } from "../src/App.js";

window.opens = 0;
const open = SpreadsheetData.open;
SpreadsheetData.open = (options) => {
  window.opens += 1;
  return open.call(SpreadsheetData, options);
};

function Root() {
  const [mounted, setMounted] = useState(true);
  return h("div", null, h("button", { id: "unmount", onClick: () => setMounted(false) }, "unmount"), mounted ? h(App, { name: "hooks" }) : null);
}

createRoot(document.getElementById("root")).render(h(StrictMode, null, h(Root)));
