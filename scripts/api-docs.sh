#!/usr/bin/env bash
# Generates the API reference of the npm package (typedoc over the .d.ts of pkg/ and their doc
# comments: sheetlog, sheetlog/react, sheetlog/glide) into docs/api/ (not committed).
# Needs a built pkg/ (scripts/build-pkg.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/js-deps.sh
out="${1:-docs/api}"
tsconfig="$(mktemp -p pkg tsconfig.docs.XXXX.json)"
trap 'rm -f "$tsconfig"' EXIT
cat > "$tsconfig" <<JSON
{
  "compilerOptions": {
    "target": "es2022", "lib": ["es2022", "dom", "dom.iterable", "esnext.disposable"], "module": "esnext",
    "moduleResolution": "bundler", "strict": true, "skipLibCheck": true, "types": [], "baseUrl": ".",
    "paths": {
      "react": ["../js/node_modules/@types/react/index.d.ts"],
      "@glideapps/glide-data-grid": ["../js/node_modules/@glideapps/glide-data-grid/dist/dts/index.d.ts"]
    }
  },
  "files": ["index.d.ts", "react/index.d.ts", "glide/index.d.ts"]
}
JSON
js/node_modules/.bin/typedoc --tsconfig "$tsconfig" --entryPoints pkg/index.d.ts pkg/react/index.d.ts pkg/glide/index.d.ts \
  --name sheetlog --readme pkg/README.md --out "$out" --excludeExternals --logLevel Warn \
  --validation.notExported false --validation.invalidLink false
echo "API reference: $out/index.html"
