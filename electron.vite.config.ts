import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'electron-vite';
import react from '@vitejs/plugin-react';

const root = fileURLToPath(new URL('.', import.meta.url));

// One build tool for the three Electron targets. It runs without the Electron binary.
export default defineConfig({
  main: {
    build: {
      outDir: 'out/main',
      rolldownOptions: { input: { index: resolve(root, 'electron/main/index.ts') } },
    },
  },
  preload: {
    build: {
      outDir: 'out/preload',
      // Sandboxed preloads cannot load ES modules: CommonJS, one file.
      rolldownOptions: {
        input: { index: resolve(root, 'electron/preload/index.ts') },
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: resolve(root, 'renderer'),
    plugins: [
      react(),
      {
        // The dev server injects inline scripts/styles (React refresh) that the strict meta CSP would
        // block; production builds keep the tag, and the app:// handler sends the header anyway.
        name: 'builddeck-dev-csp',
        apply: 'serve',
        transformIndexHtml: (html: string) => html.replace(/<meta\s+http-equiv="Content-Security-Policy"[^>]*>/, ''),
      },
    ],
    build: {
      outDir: resolve(root, 'out/renderer'),
      // electron-vite leaves minification off; the renderer is the one bundle where size shows (start-up parse).
      minify: process.env.BD_NO_MINIFY !== '1',
      rolldownOptions: { input: { index: resolve(root, 'renderer/index.html') } },
    },
  },
});
