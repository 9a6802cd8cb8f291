// The window's command contract, checked against the Rust side: every command the shell
// registers is called by the Tauri backend and nothing else is; each call sends exactly the
// arguments the command takes (Tauri matches them by name, in camelCase, and a missing one is
// only allowed where the command takes an Option); the commands that take a file's bytes read
// the same x-dauria-* headers the window sends. A command renamed, added or given another
// argument on one side only fails here, not in front of a user.
import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const here = import.meta.url; // a variable: Vite rewrites `new URL(…, import.meta.url)` itself
const shellDir = new URL('../../../../src-tauri/', here);
const rustFiles = readdirSync(shellDir, { recursive: true })
  .filter((f) => f.endsWith('.rs'))
  .map((f) => ({ file: f, text: readFileSync(new URL(f, shellDir), 'utf8') }));
const tauriTs = readFileSync(new URL('./tauri.ts', here), 'utf8');

/** Splits at commas outside brackets of any kind. */
function topLevel(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  for (const c of s) {
    if ('<([{'.includes(c)) depth++;
    if ('>)]}'.includes(c)) depth--;
    if (c === ',' && depth === 0) {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  if (cur.trim()) out.push(cur);
  return out.map((x) => x.trim()).filter(Boolean);
}

/** The text between the bracket at `open` and its match. */
function inside(s: string, open: number): string {
  let depth = 0;
  for (let i = open; i < s.length; i++) {
    if (s[i] === '(' || s[i] === '{') depth++;
    if (s[i] === ')' || s[i] === '}') depth--;
    if (depth === 0) return s.slice(open + 1, i);
  }
  throw new Error(`unbalanced bracket at ${open}`);
}

const camel = (snake: string) => snake.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());

interface RustCommand {
  file: string;
  /** Argument (camelCase) → whether it may be left out (an Option). */
  args: Map<string, boolean>;
  /** Takes the raw request: its bytes and x-dauria-* headers. */
  raw: boolean;
  headers: Set<string>;
}

/** Arguments Tauri fills itself rather than from what the window sends. */
const INJECTED = /^(tauri::)?(State|AppHandle|Window|WebviewWindow|Webview|ipc::Request|Request|ipc::Channel|Channel)\b/;

function rustCommands(): Map<string, RustCommand> {
  const out = new Map<string, RustCommand>();
  for (const { file, text } of rustFiles) {
    for (const m of text.matchAll(/#\[tauri::command([^\]]*)\]\s*(?:pub(?:\([a-z]+\))?\s+)?(?:async\s+)?fn\s+(\w+)\s*(?:<[^>]*>)?\s*\(/g)) {
      const open = m.index! + m[0].length - 1;
      // `#[tauri::command(rename_all = "snake_case")]` takes its arguments as written.
      const key = m[1].includes('snake_case') ? (n: string) => n : camel;
      const params = topLevel(inside(text, open));
      const args = new Map<string, boolean>();
      let raw = false;
      for (const p of params) {
        const [name, ...ty] = p.split(':');
        const type = ty.join(':').trim();
        if (/Request\b/.test(type)) raw = true;
        if (INJECTED.test(type)) continue;
        args.set(key(name.trim().replace(/^mut\s+/, '')), type.startsWith('Option<'));
      }
      // The body, for the headers a raw command reads (directly or through a helper it calls
      // with the request).
      const bodyOf = (at: number) => text.slice(at).split(/\n(?:pub(?:\([a-z]+\))?\s+)?(?:async\s+)?fn\s/)[0];
      const body = bodyOf(open);
      const helpers = [...body.matchAll(/(\w+)\(&?request\b/g)].map((c) => c[1]).filter((f) => f !== 'header' && f !== 'required_header');
      const texts = [body, ...helpers.map((f) => text.search(new RegExp(`fn ${f}\\b`))).filter((i) => i >= 0).map(bodyOf)];
      const headers = new Set(texts.flatMap((b) => [...b.matchAll(/"x-dauria-([a-z-]+)"/g)].map((h) => h[1])));
      out.set(m[2], { file, args, raw, headers });
    }
  }
  return out;
}

function registered(): string[] {
  const all = rustFiles.map((f) => f.text).join('\n');
  const at = all.indexOf('generate_handler![');
  expect(at, 'the shell registers its commands with generate_handler!').toBeGreaterThan(-1);
  const list = all.slice(at + 'generate_handler!['.length, all.indexOf(']', at));
  return topLevel(list.replace(/\/\/[^\n]*/g, '')).map((s) => s.split('::').pop()!);
}

interface TsCall {
  name: string;
  raw: boolean;
  /** Keys sent (camelCase), or null when they cannot be read (a spread, a variable). */
  keys: string[] | null;
}

function tsCalls(): TsCall[] {
  const out: TsCall[] = [];
  for (const m of tauriTs.matchAll(/\b(call|send)(?:<[^>]*>)?\(\s*'(\w+)'/g)) {
    const open = m.index! + m[0].indexOf('(');
    const args = topLevel(inside(tauriTs, open));
    const raw = m[1] === 'send';
    const obj = raw ? args[2] : args[1];
    let keys: string[] | null = [];
    if (obj !== undefined) {
      // `cond ? { a } : {}` sends one of its objects: the keys of all of them.
      const objects = [...obj.matchAll(/\{([^{}]*)\}/g)].map((o) => o[1]);
      if (objects.length === 0 || obj.includes('...')) keys = null;
      else
        keys = objects.flatMap((o) =>
          topLevel(o).map((kv) => kv.split(':')[0].trim().replace(/^'|'$/g, '')),
        );
    }
    out.push({ name: m[2], raw, keys });
  }
  return out;
}

describe('the command contract between the window and the shell', () => {
  const rust = rustCommands();
  const names = registered();
  const calls = tsCalls();

  it('reads the commands of both sides', () => {
    expect(rust.size).toBeGreaterThan(60);
    expect(calls.length).toBeGreaterThan(60);
  });

  it('registers every command the shell defines, and only those', () => {
    const defined = [...rust.keys()].sort();
    expect([...names].sort()).toEqual(defined);
  });

  it('calls every registered command from the window, and no other', () => {
    const called = [...new Set(calls.map((c) => c.name))].sort();
    expect(called).toEqual([...names].sort());
  });

  it('sends each command exactly the arguments it takes', () => {
    const wrong: string[] = [];
    for (const c of calls) {
      const cmd = rust.get(c.name)!;
      if (c.raw !== cmd.raw) wrong.push(`${c.name}: sent ${c.raw ? 'as bytes' : 'as arguments'}, taken the other way`);
      if (c.raw) {
        for (const k of c.keys ?? []) if (!cmd.headers.has(k)) wrong.push(`${c.name}: header x-dauria-${k} is not read`);
        continue;
      }
      if (c.keys === null) continue;
      for (const k of c.keys) if (!cmd.args.has(k)) wrong.push(`${c.name}: sends ${k}, which it does not take`);
      for (const [k, optional] of cmd.args) if (!optional && !c.keys.includes(k)) wrong.push(`${c.name}: does not send ${k}`);
    }
    expect(wrong).toEqual([]);
  });
});
