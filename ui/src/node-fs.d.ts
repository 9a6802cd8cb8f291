// The Node file API the Vitest tests read sources with (the UI itself never touches files),
// declared here rather than pulling in every Node type.
declare module 'node:fs' {
  export function readFileSync(path: string | URL, encoding: 'utf8'): string;
  export function readdirSync(path: string | URL, options: { recursive: true }): string[];
  export function existsSync(path: string | URL): boolean;
}
