// The virtual module of www/classic-app.ts: the app's code, loaded as a classic script in a
// production build and as a module by the dev server.
declare module "virtual:sheetlog-demo-app" {
  /**
   * Loads the app's code (src/root.tsx; the floor page's bench/floor/grid.tsx) and resolves
   * with its exports (`App`); `shared` holds the modules it shares with the page's entry
   * (vite.config.ts names them). Rejects when the script fails to load.
   */
  export function loadApp<App = typeof import("./root")>(shared: Record<string, object>): Promise<App>;
}
