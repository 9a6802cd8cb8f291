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

// The window freezes Object.prototype (tauri.conf.json `freezePrototype`), and d3-color (under
// the charts) sets `prototype.constructor` by assignment, which a frozen Object.prototype forbids
// in strict code ("override mistake"). Defining the property instead does the same thing safely.
function d3ColorFrozenPrototype(): Plugin {
  const assignment = 'prototype.constructor = constructor;';
  return {
    name: 'd3-color-frozen-prototype',
    enforce: 'pre',
    transform(code, id) {
      if (!/[\\/]d3-color[\\/]/.test(id) || !code.includes(assignment)) return null;
      const definition = "Object.defineProperty(prototype, 'constructor', { value: constructor, writable: true, configurable: true });";
      return { code: code.replace(assignment, definition), map: null };
    },
  };
}

export default defineConfig({
  plugins: [woff2Only(), d3ColorFrozenPrototype(), svelte(), svelteTesting()],
  clearScreen: false,
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'safari15',
    chunkSizeWarningLimit: 1500,
  },
  server: { port: 1420, strictPort: true },
  test: {
    environment: 'jsdom',
    include: ['src/**/*.test.ts'],
    setupFiles: ['src/test-setup.ts'],
    // Through Vite, so the tests run d3-color as the app does (see d3ColorFrozenPrototype).
    server: { deps: { inline: [/d3-color/] } },
  },
});
