import type { Plugin } from 'vite';
import { defineConfig } from 'vitest/config';
import { svelteTesting } from '@testing-library/svelte/vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';

// Fontsource lists a .woff fallback beside every .woff2; WebKitGTK reads woff2, so keeping only
// woff2 halves the fonts shipped in the .deb.
function woff2Only(): Plugin {
  return {
    name: 'woff2-only',
    enforce: 'pre',
    transform(code, id) {
      if (!id.includes('@fontsource') || !id.endsWith('.css')) return null;
      return { code: code.replace(/,\s*url\([^)]*\.woff\)\s*format\(['"]woff['"]\)/g, ''), map: null };
    },
  };
}

// The window freezes Object.prototype (tauri.conf.json `freezePrototype`). Code that then
// assigns a property Object.prototype already has (`X.prototype.toString = ...`,
// `prototype.constructor = ...`, as d3-color and d3-format under the charts do) throws in
// strict code (the "override mistake"). Defining the own property first makes the assignment
// that follows an ordinary write, with the same result.
const shadowed = /^([ \t]*)([A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*)\.(constructor|toString|valueOf|toLocaleString|toJSON)[ \t]*=(?!=)/gm;
function frozenPrototypeSafe(): Plugin {
  return {
    name: 'frozen-prototype-safe',
    enforce: 'pre',
    transform(code, id) {
      if (!/[\\/]node_modules[\\/]d3-[a-z-]+[\\/]/.test(id) || !shadowed.test(code)) return null;
      shadowed.lastIndex = 0;
      const fixed = code.replace(
        shadowed,
        (line, indent, target, prop) =>
          `${indent}Object.defineProperty(${target}, '${prop}', { value: undefined, writable: true, configurable: true });\n${line}`,
      );
      return { code: fixed, map: null };
    },
  };
}

export default defineConfig({
  plugins: [woff2Only(), frozenPrototypeSafe(), svelte(), svelteTesting()],
  clearScreen: false,
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'safari15',
    chunkSizeWarningLimit: 1500,
    rollupOptions: {
      // The mock backend's modules build their data only when called, so nothing of them is kept
      // where nothing calls them: the production build (src/lib/backend/index.ts).
      treeshake: { moduleSideEffects: (id: string) => !/[\\/]src[\\/]lib[\\/]backend[\\/]mock/.test(id) },
    },
  },
  server: { port: 1420, strictPort: true },
  test: {
    environment: 'jsdom',
    include: ['src/**/*.test.ts'],
    setupFiles: ['src/test-setup.ts'],
    // Through Vite, so the tests run d3 as the app does (see frozenPrototypeSafe).
    server: { deps: { inline: [/d3-/] } },
  },
});
