// Checks the production build (ui/dist) holds none of the mock backend: the app window always
// talks to the Rust side, and the mock's recorded data has no place on a laptop.
// Usage: node ui/scripts/check-bundle.mjs [dist folder]
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const dist = path.resolve(process.argv[2] ?? path.join(here, '..', 'dist'));
const backendDir = path.join(here, '..', 'src', 'lib', 'backend');

// Strings that only the mock modules hold: every single-quoted literal of 12 characters or
// more in mock*.ts that no other UI source file has.
function literals(file) {
  return [...readFileSync(file, 'utf8').matchAll(/'([^'\\\n]{12,})'/g)].map((m) => m[1]);
}
function sources(dir, out = []) {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) sources(p, out);
    else if (/\.(ts|svelte)$/.test(e.name) && !/\.test\.ts$/.test(e.name)) out.push(p);
  }
  return out;
}
const all = sources(path.join(here, '..', 'src'));
const mocks = all.filter((f) => path.dirname(f) === backendDir && /^mock/.test(path.basename(f)));
const others = all.filter((f) => !mocks.includes(f)).map((f) => readFileSync(f, 'utf8')).join('\n');
// And the replies the mock serves, recorded from the real commands (recorded/*.json): every
// string of 40 characters or more in them (photos and thumbnails as base64).
function recordedStrings(v, out = []) {
  if (typeof v === 'string') {
    if (v.length >= 40) out.push(v.slice(0, 200));
  } else if (v && typeof v === 'object') for (const x of Object.values(v)) recordedStrings(x, out);
  return out;
}
const recordedDir = path.join(backendDir, 'recorded');
const recorded = readdirSync(recordedDir)
  .filter((f) => f.endsWith('.json'))
  .flatMap((f) => recordedStrings(JSON.parse(readFileSync(path.join(recordedDir, f), 'utf8'))));
const markers = [...new Set([...mocks.flatMap(literals), ...recorded])].filter((s) => !others.includes(s));
if (markers.length < 10) {
  console.error(`check-bundle: only ${markers.length} strings tell the mock apart; cannot check`);
  process.exit(2);
}

const files = [];
(function walk(dir) {
  for (const e of readdirSync(dir)) {
    const p = path.join(dir, e);
    if (statSync(p).isDirectory()) walk(p);
    else if (/\.(js|mjs|html)$/.test(e)) files.push(p);
  }
})(dist);
if (files.length === 0) {
  console.error(`check-bundle: no built files in ${dist}; run npm --prefix ui run build first`);
  process.exit(2);
}
const found = [];
for (const f of files) {
  const text = readFileSync(f, 'utf8');
  for (const m of markers) if (text.includes(m)) found.push(`${path.relative(dist, f)}: '${m}'`);
}
if (found.length > 0) {
  console.error(`check-bundle: the production build holds mock backend code:\n  ${found.slice(0, 20).join('\n  ')}`);
  process.exit(1);
}
console.log(`check-bundle: ${files.length} built files, none holds any of ${markers.length} strings only the mock has`);
