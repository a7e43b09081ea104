// Bundles the compiled CLI (dist/src) into dist/bundle, so that starting
// acache reads a few files instead of hundreds of modules:
// - main.cjs: the whole command line in one CommonJS file; bin/acache.js
//   compiles it with V8's code cache (main.cjs.<V8 version>.cache, made here, and made
//   again by bin/acache.js if another Node refuses it), which skips parsing
//   and the ES module loader (about 30 ms of every command on this machine);
// - preload.cjs, leaf-worker.cjs, lstat-worker.cjs: started on their own
//   (worker threads are found by URL next to the bundle that starts them).
// bin/acache.js uses the bundle when it is there, dist/src otherwise.
import { build } from 'esbuild'
import fs from 'node:fs'
import path from 'node:path'
import { spawnSync } from 'node:child_process'

// tsc never removes what it compiled from a source since moved or deleted:
// do it here, so that no stale module is bundled, tested or layer-checked.
for (const top of ['src', 'test', 'bench']) {
  const out = path.join('dist', top)
  if (!fs.existsSync(out)) continue
  for (const f of fs.readdirSync(out, { recursive: true }).map(String)) {
    const m = /^(.*)\.js(\.map)?$/.exec(f)
    if (m !== null && !fs.existsSync(path.join(top, m[1] + '.ts'))) fs.rmSync(path.join(out, f))
  }
}

// yargs and cliui ask for string-width at start-up; give them lazy-string-width.mjs instead
const lazyStringWidth = {
  name: 'lazy-string-width',
  setup (b) {
    const shim = path.resolve('scripts/lazy-string-width.mjs')
    b.onResolve({ filter: /^string-width$/ }, (args) => args.importer === shim ? undefined : { path: shim })
  }
}

const common = {
  outdir: 'dist/bundle',
  bundle: true,
  platform: 'node',
  target: 'node20',
  // native, loaded by name at run time, or only for Kubo, or only for IPNS records (large, ES modules only): loaded when used
  external: ['fuse-native', 'cli-progress', 'kubo-rpc-client', 'ipns', 'ipns/validator', '@libp2p/crypto', '@libp2p/crypto/keys', '@libp2p/peer-id'],
  plugins: [lazyStringWidth],
  logLevel: 'warning'
}

// The lstat preload (and trace, which it re-exports) is one module however
// it is reached: bin/acache.js requires preload.cjs first, and main.cjs
// requires that same file rather than holding a copy of its own.
const sharedPreload = {
  name: 'shared-preload',
  setup (b) {
    const shared = new Set([path.resolve('dist/src/worktree/status/preload.js'), path.resolve('dist/src/util/trace.js')])
    b.onResolve({ filter: /(preload|trace)\.js$/ }, (args) => shared.has(path.resolve(args.resolveDir, args.path)) ? { path: './preload.cjs', external: true } : undefined)
  }
}

fs.rmSync('dist/bundle', { recursive: true, force: true })
await build({
  ...common,
  plugins: [...common.plugins, sharedPreload],
  entryPoints: { main: 'dist/src/cli/main.js' },
  outExtension: { '.js': '.cjs' },
  format: 'cjs',
  // no import() left: a script compiled with a code cache has no loader for it (bin/acache.js);
  // kubo-rpc-client, an ES module, is then required (Node 20.19 and later can)
  supported: { 'dynamic-import': false },
  // modules find their neighbours (worker threads) and packages from their own URL: the bundle's
  define: { 'import.meta.url': '__acacheUrl' },
  banner: { js: "const __acacheUrl = require('node:url').pathToFileURL(__filename).href;" }
})
// started by URL next to the module that starts them, and preload.cjs by bin/acache.js
await build({
  ...common,
  entryPoints: {
    preload: 'dist/src/worktree/status/preload.js',
    'leaf-worker': 'dist/src/store/leaf-worker.js',
    'lstat-worker': 'dist/src/worktree/status/lstat-worker.js'
  },
  outExtension: { '.js': '.cjs' },
  format: 'cjs',
  define: { 'import.meta.url': '__acacheUrl' },
  banner: { js: "const __acacheUrl = require('node:url').pathToFileURL(__filename).href;" }
})

// The code cache: made by a short session run on the bundle (warm-cache.cjs),
// so that it holds what everyday commands compile, whichever runs first.
// The caches of the bundle before this one are refused by V8 (another source): gone.
for (const f of fs.readdirSync('dist/bundle')) if (/^main\.cjs\..*cache$/.test(f)) fs.rmSync(path.join('dist/bundle', f))
const warm = spawnSync(process.execPath, ['scripts/warm-cache.cjs'], { stdio: ['ignore', 'ignore', 'inherit'] })
if (warm.status !== 0) console.warn('bundle: no code cache made; the first run of acache makes one')
