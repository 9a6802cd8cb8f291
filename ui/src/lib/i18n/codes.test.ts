// Every code the Rust side can put in front of a person has words in every language: error
// codes (`error.code.*`), sync errors (`error.code.sync.*`), the server's and the laptop's
// refusals (`sync.rule.*`), validation rules (`rule.*`, or `rule.<field>.*`) and the reasons of
// refused import rows. The codes are read from the Rust sources, where they are written.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { LOCALES, MESSAGES } from './index.svelte';

const here = import.meta.url; // a variable: Vite rewrites `new URL(…, import.meta.url)` itself
const root = new URL('../../../../', here);

/** The sources of the app and of the crates it runs (not the server, CLI or bench), without their unit tests. */
const sources = ['crates/core/src/', 'crates/sync/src/', 'crates/proto/src/', 'crates/transport/src/', 'src-tauri/']
  .map((d) => new URL(d, root))
  .filter((d) => existsSync(d))
  .flatMap((d) =>
    readdirSync(d, { recursive: true })
      .filter((f) => f.endsWith('.rs'))
      .map((f) => ({ file: new URL(f, d).pathname.slice(root.pathname.length), text: readFileSync(new URL(f, d), 'utf8').split('#[cfg(test)]')[0] })),
  );

/** `(file, code)` for each match of `re`'s first group in the sources (`only`: files to read). */
function found(re: RegExp, only?: RegExp): { file: string; code: string }[] {
  return sources.filter((s) => !only || only.test(s.file)).flatMap((s) => [...s.text.matchAll(re)].map((m) => ({ file: s.file, code: m[1] })));
}

/** The arms of a `fn code(&self)` that maps an error to its code. */
function codeArms(only: RegExp): { file: string; code: string }[] {
  return sources
    .filter((s) => only.test(s.file))
    .flatMap((s) => {
      const body = /pub fn code\(&self\)[^{]*\{([\s\S]*?)\n {4}\}/.exec(s.text)?.[1] ?? '';
      return [...body.matchAll(/=> "([a-z_]+)"/g)].map((m) => ({ file: s.file, code: m[1] }));
    });
}

const errorCodes = [...codeArms(/crates[\\/]core[\\/]src[\\/]error\.rs$/), ...found(/\bcode: "([a-z_]+)"/g)];
const syncCodes = codeArms(/crates[\\/]sync[\\/]src[\\/]lib\.rs$/);
const refusals = found(/Refusal::new\(\s*"([a-z_]+)"/g);
const rules = found(/\b(?:FieldError::new|Error::invalid|FieldError::row)\(\s*"([a-z_.]+",\s*"[a-z_]+)"/g).map(({ file, code }) => ({ file, code: code.replace(/",\s*"/, '.') }));
/** The rules of refused import rows that are not validation rules (`import::ROW_RULES`). */
const rowRules = found(/ROW_RULES: \[&str; \d+\] = \[([^\]]*)\]/g).flatMap(({ file, code }) => [...code.matchAll(/"([a-z_]+)"/g)].map((m) => ({ file, code: m[1] })));

describe('codes from Rust', () => {
  it('are found in the sources', () => {
    expect(errorCodes.map((c) => c.code)).toContain('image_too_large');
    expect(syncCodes.map((c) => c.code)).toContain('not_an_ack');
    expect(refusals.map((c) => c.code)).toContain('not_creator');
    expect(rules.map((c) => c.code)).toContain('position.format');
    expect(rowRules.map((c) => c.code)).toContain('not_integer');
  });

  for (const locale of LOCALES) {
    const m = MESSAGES[locale] as Record<string, string>;
    const lacking = (list: { file: string; code: string }[], keys: (code: string) => string[]) =>
      [...new Set(list.filter((c) => !keys(c.code).some((k) => k in m)).map((c) => `${c.code} (${c.file})`))];

    it(`have words in ${locale}`, () => {
      expect({
        errors: lacking(errorCodes, (c) => [`error.code.${c}`]),
        sync: lacking(syncCodes, (c) => [`error.code.sync.${c}`]),
        refusals: lacking(refusals, (c) => [`sync.rule.${c}`]),
        rules: lacking(rules, (c) => [`rule.${c}`, `rule.${c.split('.').pop()}`]),
        rows: lacking(rowRules, (c) => [`rule.${c}`]),
      }, `codes without words in ${locale}`).toEqual({ errors: [], sync: [], refusals: [], rules: [], rows: [] });
    });
  }
});
