// A refused import or export in words: each field problem translated where the app knows the
// rule, with the backend's detail (which column, which file) kept beside it.
import type { ErrorPayload } from '../../bindings/core';
import { errorMessage, has, t } from '../../i18n/index.svelte';

export function problem(p: ErrorPayload): string {
  if (!p.fields.length) return errorMessage(p);
  return p.fields
    .map((f) => {
      const key = `rule.${f.field}.${f.rule}`;
      return has(key) ? `${t(key)} (${f.message})` : f.message;
    })
    .join(' ');
}
