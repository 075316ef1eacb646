// Builds the demo's app code (React, Glide Data Grid and the demo's components) as one classic
// script instead of an ES module chunk, so that a reload served by the service worker gets V8's
// code cache for it.
//
// Why: Chromium makes a code cache for the scripts a service worker stores while it installs
// (Workbox's precache), and uses it for a classic `<script>` the service worker then serves; it
// uses none for a module script it serves. Without one, V8 parses the app's ~670 KB from scratch
// on every reload, 30-100 ms on this project's machines, while the page waits for it
// (BENCHMARKS.md, stops 31, 33 and 34).
//
// How: a nested Vite build bundles `entry` as an IIFE, whose imports of the modules in `shared`
// read the entry module's instances from a global instead of bundling copies (they hold state:
// the wasm module, the first open). Its files are emitted into the outer build, and the virtual
// module `virtual:sheetlog-demo-app` exports `loadApp(shared)`, which adds the script and its
// styles to the page and resolves with the script's exports. The dev server imports `entry` as
// a module instead.
//
// With SHEETLOG_APP_SOURCEMAP=1 in the build's environment, the script's source map is written
// beside it (`assets/app-[hash].js.map`) but not named in it (a "hidden" map): the script's bytes
// are the same, and the reload benchmark's CPU profiles are attributed to the packages and files
// the time was spent in (bench/cpu-profile.mjs `sourceMapsIn`).
import { build, type Plugin, type PluginOption, type ResolvedConfig, type UserConfig } from "vite";

/** The virtual module the page's entry imports `loadApp` from. */
export const CLASSIC_APP_MODULE = "virtual:sheetlog-demo-app";
const RESOLVED = "\0" + CLASSIC_APP_MODULE;
/** The global the shared modules are read from, and the one the script's exports are put in. */
const SHARED_GLOBAL = "__sheetlogDemoShared";
const EXPORTS_GLOBAL = "__sheetlogDemoApp";

export interface ClassicAppOptions {
  /** The app's entry module, relative to the Vite root (e.g. `src/root.tsx`). */
  entry: string;
  /**
   * The modules the app shares with the page's entry, by name: each value is a module
   * specifier, resolved as the app's own imports are; every import that resolves to the same
   * file reads `loadApp`'s `shared[name]` instead.
   */
  shared: Record<string, string>;
  /** The plugins the app's code needs (a new set for the nested build). */
  plugins: () => PluginOption[];
  /** The app's `resolve` options (aliases, dedupe). */
  resolve: UserConfig["resolve"];
}

export function classicApp(options: ClassicAppOptions): Plugin {
  let config: ResolvedConfig;
  return {
    name: "sheetlog-demo:classic-app",
    configResolved(resolved) {
      config = resolved;
    },
    resolveId(id) {
      return id === CLASSIC_APP_MODULE ? RESOLVED : null;
    },
    async load(id) {
      if (id !== RESOLVED) return null;
      const entry = `/${options.entry}`;
      if (config.command === "serve") {
        return `export const loadApp = () => import(${JSON.stringify(entry)});\n`;
      }
      const output = await buildClassic(config, options);
      let found: string | undefined;
      const styles: string[] = [];
      for (const file of output) {
        const source = file.type === "chunk" ? file.code : file.source;
        this.emitFile({ type: "asset", fileName: file.fileName, source });
        if (file.type === "chunk" && file.isEntry) found = file.fileName;
        else if (file.fileName.endsWith(".css")) styles.push(file.fileName);
        if (file.type === "chunk" && file.map !== null) {
          this.emitFile({ type: "asset", fileName: `${file.fileName}.map`, source: file.map.toString() });
        }
      }
      if (found === undefined) this.error(`the classic build of ${options.entry} made no script`);
      const url = (name: string) => JSON.stringify(config.base + name);
      return `${loader}
export const loadApp = (shared) => load(shared, ${url(found)}, [${styles.map(url).join(", ")}]);
`;
    },
  };
}

/** Bundles the app as an IIFE whose shared imports read the global (`sharedExternals`). */
async function buildClassic(config: ResolvedConfig, options: ClassicAppOptions) {
  const result = await build({
    configFile: false,
    root: config.root,
    base: config.base,
    mode: config.mode,
    logLevel: "warn",
    plugins: [...options.plugins(), sharedExternals(config, options)],
    resolve: options.resolve,
    build: {
      write: false,
      target: config.build.target,
      minify: config.build.minify,
      cssCodeSplit: false,
      sourcemap: process.env.SHEETLOG_APP_SOURCEMAP === "1" ? "hidden" : false,
      copyPublicDir: false,
      // Its dynamic imports are inlined: no module preloading to help.
      modulePreload: false,
      chunkSizeWarningLimit: config.build.chunkSizeWarningLimit,
      rolldownOptions: {
        input: options.entry,
        // An app build drops its entry's exports by default; the page needs `renderRoot`.
        preserveEntrySignatures: "strict",
        // Vite's preload helper reads `import.meta.url` only to preload the dependencies of a
        // dynamic import; here there are none (inlined, no module preloading), and the helper
        // left in the script does not read it.
        checks: { emptyImportMeta: false },
        output: {
          format: "iife",
          name: EXPORTS_GLOBAL,
          entryFileNames: "assets/app-[hash].js",
          assetFileNames: "assets/[name]-[hash][extname]",
          codeSplitting: false,
          globals: (id: string) => (id.startsWith("shared:") ? `${SHARED_GLOBAL}.${id.slice(7)}` : id),
        },
      },
    },
  });
  const outputs = Array.isArray(result) ? result : [result];
  if (!outputs.every((o): o is Extract<typeof o, { output: unknown }> => "output" in o)) {
    throw new Error("the classic app build returned a watcher");
  }
  return outputs.flatMap((o) => o.output);
}

/**
 * Makes every import of a module in `options.shared` an external named `shared:NAME`: by the
 * file it resolves to, or by its name when no plugin of the nested build resolves it (a virtual
 * module of the outer build's plugins, such as `virtual:pwa-register`).
 */
function sharedExternals(config: ResolvedConfig, options: ClassicAppOptions): Plugin {
  const sharedFiles = new Map<string, string>();
  const sharedSpecifiers = new Map<string, string>();
  return {
    name: "sheetlog-demo:classic-app-shared",
    enforce: "pre",
    async buildStart() {
      for (const [name, specifier] of Object.entries(options.shared)) {
        const resolved = await this.resolve(specifier, `${config.root}/${options.entry}`);
        if (resolved === null) sharedSpecifiers.set(specifier, name);
        else sharedFiles.set(resolved.id, name);
      }
    },
    async resolveId(source, importer, resolveOptions) {
      if (importer === undefined) return null;
      const byName = sharedSpecifiers.get(source);
      if (byName !== undefined) return { id: `shared:${byName}`, external: true };
      const resolved = await this.resolve(source, importer, { ...resolveOptions, skipSelf: true });
      const name = resolved === null ? undefined : sharedFiles.get(resolved.id);
      return name === undefined ? resolved : { id: `shared:${name}`, external: true };
    },
  };
}

// The page-side loader. Each shared module is passed as a plain object marked `__esModule`, so
// that the script's default imports (`import init from "sheetlog"`) read its `default` export.
const loader = `
function load(shared, script, styles) {
  const modules = {};
  for (const [name, module] of Object.entries(shared)) modules[name] = { __esModule: true, ...module };
  globalThis.${SHARED_GLOBAL} = modules;
  for (const href of styles) {
    const link = document.createElement("link");
    link.rel = "stylesheet";
    link.href = href;
    document.head.append(link);
  }
  return new Promise((resolve, reject) => {
    const element = document.createElement("script");
    element.src = script;
    element.onload = () => {
      const app = globalThis.${EXPORTS_GLOBAL};
      if (app === undefined) reject(new Error(\`\${script} ran but exported nothing\`));
      else resolve(app);
    };
    element.onerror = () => reject(new Error(\`the app's script \${script} failed to load\`));
    document.head.append(element);
  });
}`;
