// Bundles the compiled CLI (dist/src) into dist/bundle: one file per entry
// point plus shared chunks, so starting acache reads a few files instead of
// hundreds of modules (about 40 ms of every command on this machine).
// bin/acache.js uses the bundle when it is there, dist/src otherwise.
import { build } from 'esbuild'
import fs from 'node:fs'
import path from 'node:path'

// yargs and cliui ask for string-width at start-up; give them lazy-string-width.mjs instead
const lazyStringWidth = {
  name: 'lazy-string-width',
  setup (b) {
    const shim = path.resolve('scripts/lazy-string-width.mjs')
    b.onResolve({ filter: /^string-width$/ }, (args) => args.importer === shim ? undefined : { path: shim })
  }
}

fs.rmSync('dist/bundle', { recursive: true, force: true })
await build({
  entryPoints: {
    main: 'dist/src/cli/main.js',
    // loaded by bin/acache.js before main, to start the lstat helper early
    preload: 'dist/src/worktree/preload.js',
    // worker threads are started by URL next to the module that starts them: same directory
    'leaf-worker': 'dist/src/store/leaf-worker.js',
    'lstat-worker': 'dist/src/worktree/lstat-worker.js'
  },
  outdir: 'dist/bundle',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // native, loaded by name at run time, or only for Kubo (large, and CommonJS inside)
  external: ['fuse-native', 'cli-progress', 'kubo-rpc-client'],
  // CommonJS code inside bundled packages may require Node's built-ins
  banner: { js: "import { createRequire as __acacheRequire } from 'node:module'; const require = __acacheRequire(import.meta.url);" },
  plugins: [lazyStringWidth],
  logLevel: 'warning'
})
