#!/usr/bin/env node
// Writes the PWA icons public/icon-192.png and public/icon-512.png (a white sheet grid on
// blue, the same picture as public/favicon.svg) with nothing but node:zlib. Run once after
// changing the picture: node scripts/make-icons.mjs
import { deflateSync } from "node:zlib";
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes) {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type, data) {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, "ascii");
  data.copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

/** RGB of pixel (x, y) in a size x size icon. */
function pixel(x, y, size) {
  const u = x / size;
  const v = y / size;
  const blue = [31, 111, 235];
  const white = [255, 255, 255];
  const light = [220, 232, 252];
  // The sheet: a white rectangle with a header row, a header column and grid lines.
  const inSheet = u >= 0.18 && u <= 0.82 && v >= 0.2 && v <= 0.8;
  if (!inSheet) return blue;
  const line = 0.012;
  const cols = [0.18, 0.34, 0.58, 0.82];
  const rows = [0.2, 0.32, 0.48, 0.64, 0.8];
  if (cols.some((c) => Math.abs(u - c) < line) || rows.some((r) => Math.abs(v - r) < line)) return blue;
  if (u < 0.34 || v < 0.32) return light;
  return white;
}

function png(size) {
  const raw = Buffer.alloc(size * (1 + size * 3));
  for (let y = 0; y < size; y++) {
    const row = y * (1 + size * 3);
    raw[row] = 0; // filter: none
    for (let x = 0; x < size; x++) {
      const [r, g, b] = pixel(x + 0.5, y + 0.5, size);
      raw[row + 1 + x * 3] = r;
      raw[row + 2 + x * 3] = g;
      raw[row + 3 + x * 3] = b;
    }
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header[8] = 8; // bit depth
  header[9] = 2; // colour type: RGB
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([signature, chunk("IHDR", header), chunk("IDAT", deflateSync(raw)), chunk("IEND", Buffer.alloc(0))]);
}

for (const size of [192, 512]) {
  const file = fileURLToPath(new URL(`../public/icon-${size}.png`, import.meta.url));
  writeFileSync(file, png(size));
  console.log(`wrote ${file}`);
}
