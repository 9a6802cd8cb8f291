// The window's command contract, checked against the Rust side. The signatures themselves are
// generated from the command functions of crates/app into ../bindings/commands.ts (a Rust test
// fails when that file is stale) and tauri.ts calls every command through them, so svelte-check
// fails on a wrong argument. This test checks the rest: the shell registers exactly the
// commands that have a signature, each Tauri wrapper takes exactly the arguments of its
// signature (Tauri matches them by name, in camelCase, and a missing one is only allowed where
// the command takes an Option), the file commands read exactly the x-dauria-* headers of their
// signature, and tauri.ts calls every command through the generated functions and none by a
// name of its own.
import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const here = import.meta.url; // a variable: Vite rewrites `new URL(…, import.meta.url)` itself
const shellDir = new URL('../../../../src-tauri/', here);
const rustFiles = readdirSync(shellDir, { recursive: true })
  .filter((f) => f.endsWith('.rs'))
  .map((f) => ({ file: f, text: readFileSync(new URL(f, shellDir), 'utf8') }));
const tauriTs = readFileSync(new URL('./tauri.ts', here), 'utf8');
const generatedTs = readFileSync(new URL('../bindings/commands.ts', here), 'utf8');

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

interface Generated {
  /** The command's name (snake_case) and its function's (camelCase). */
  name: string;
  fn: string;
  /** Sent as a file's bytes with the arguments in headers. */
  file: boolean;
  /** Argument (camelCase, or the header's name) → whether it may be left out. */
  args: Map<string, boolean>;
}

function generated(): Generated[] {
  const out: Generated[] = [];
  for (const m of generatedTs.matchAll(/^ {4}(\w+): \((.*)\) => (invoke|send)<.*>\('(\w+)'/gm)) {
    const args = new Map<string, boolean>();
    const obj = m[2].match(/\{ (.*) \}/);
    for (const field of obj ? obj[1].split('; ') : []) {
      const [key] = field.split(':');
      args.set(key.replace(/\?$/, '').replace(/^'|'$/g, ''), key.endsWith('?'));
    }
    out.push({ name: m[4], fn: m[1], file: m[3] === 'send', args });
  }
  return out;
}

describe('the command contract between the window and the shell', () => {
  const rust = rustCommands();
  const names = registered();
  const signatures = generated();

  it('reads the commands of both sides', () => {
    expect(rust.size).toBeGreaterThan(80);
    expect(signatures.length).toBe(rust.size);
  });

  it('registers every command the shell defines, and only those', () => {
    const defined = [...rust.keys()].sort();
    expect([...names].sort()).toEqual(defined);
  });

  it('has a generated signature for every registered command, and no other', () => {
    expect(signatures.map((s) => s.name).sort()).toEqual([...names].sort());
  });

  it('takes in each Tauri wrapper exactly the arguments of its signature', () => {
    const wrong: string[] = [];
    for (const s of signatures) {
      const cmd = rust.get(s.name)!;
      if (s.file !== cmd.raw) wrong.push(`${s.name}: ${s.file ? 'a file command' : 'JSON arguments'} in the signature, not in the shell`);
      const taken = s.file ? new Map([...cmd.headers].map((h) => [h, true])) : cmd.args;
      for (const [k, optional] of s.args) {
        if (!taken.has(k)) wrong.push(`${s.name}: the shell does not take ${k}`);
        else if (!s.file && taken.get(k) !== optional) wrong.push(`${s.name}: ${k} is ${optional ? '' : 'not '}optional in the signature only`);
      }
      for (const k of taken.keys()) if (!s.args.has(k)) wrong.push(`${s.name}: the shell takes ${k}, which the signature does not send`);
    }
    expect(wrong).toEqual([]);
  });

  it('calls every command from tauri.ts through its generated function, and none by name', () => {
    const called = signatures.filter((s) => new RegExp(`\\bc\\.${s.fn}\\(`).test(tauriTs)).map((s) => s.name);
    expect(called.sort()).toEqual(signatures.map((s) => s.name).sort());
    expect(tauriTs).not.toMatch(/\b(call|send|invoke)(<[^>]*>)?\(\s*'/);
  });
});
