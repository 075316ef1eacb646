// Entry of the bundler apps: renders <App> in StrictMode (its double effects must not open the
// sheet twice or leave it closed).
import { createElement as h, StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { App } from "./App.js";

const name = new URLSearchParams(location.search).get("sheet") ?? "consumer";
createRoot(document.getElementById("root")).render(h(StrictMode, null, h(App, { name })));
