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
import { spawn } from 'node:child_process'
import { builtinModules, createRequire } from 'node:module'

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

// yargs asks for assert at start-up, for checks that fail only on a bug: lazy-assert.mjs loads it when one does
const lazyAssert = {
  name: 'lazy-assert',
  setup (b) {
    const shim = path.resolve('scripts/lazy-assert.mjs')
    b.onResolve({ filter: /^assert$/ }, (args) => /[\\/]yargs[\\/]/.test(args.importer) ? { path: shim } : undefined)
  }
}

// chalk's supports-color asks node:tty whether stdout and stderr are terminals at start-up: lazy-tty.mjs
// answers the same, loading node:tty only for what may be one
const lazyTty = {
  name: 'lazy-tty',
  setup (b) {
    const shim = path.resolve('scripts/lazy-tty.mjs')
    b.onResolve({ filter: /^(node:)?tty$/ }, (args) => /[\\/]supports-color[\\/]/.test(args.importer) ? { path: shim } : undefined)
  }
}

// Two changes to yargs's own text, each failing the build when yargs no longer reads as expected:
// - every yargs() guesses a version first: it reads each directory from the current one up to / for a
//   package.json (readdir of /tmp, of a home with thousands of entries, ...) and parses the first it finds,
//   before acache gives its own version. The bundle's yargs skips the guess;
// - its platform shim asks process.stdout for the terminal's width when loaded, which makes the stdout
//   stream (and loads node:tty, net and streams: about 2 ms of a command that prints nothing). The
//   bundle's asks when it wraps help text.
const yargsPatches = [
  { file: /[\\/]yargs[\\/]build[\\/]lib[\\/]yargs-factory\.js$/, find: /\n\s*yargs\.version\(\);\n/, replace: '\n', name: 'no version guess' },
  {
    file: /[\\/]yargs[\\/]lib[\\/]platform-shims[\\/]esm\.mjs$/,
    find: /\bstdColumns: (typeof process\.stdout\.columns !== 'undefined' \? process\.stdout\.columns : null)/,
    replace: 'get stdColumns () { return $1 }',
    name: 'stdout width when asked'
  }
]
const patchYargs = {
  name: 'patch-yargs',
  setup (b) {
    for (const p of yargsPatches) {
      b.onLoad({ filter: p.file }, (args) => {
        const text = fs.readFileSync(args.path, 'utf8')
        if (!p.find.test(text)) throw new Error(`bundle: ${args.path} no longer reads as expected; see '${p.name}' in scripts/bundle.mjs`)
        return { contents: text.replace(p.find, p.replace), loader: 'js' }
      })
    }
  }
}

// esbuild gives every module that imports a Node built-in by default (`import fs from 'node:fs'`) a copy
// of it made at start-up, a getter for each of its properties (__toESM): 57 copies of node:fs and 46 of
// node:path. Each built-in is imported through one module of the bundle instead, which makes that copy
// once (named imports are read from it too). ES module imports only: what a require() of a built-in
// returns must stay the built-in itself. The last of the plugins: the lazy ones above answer first.
const oneBuiltin = {
  name: 'one-builtin',
  setup (b) {
    const names = builtinModules.filter(n => !n.startsWith('_')).map(n => n.replace(/^node:/, ''))
    const filter = new RegExp(`^(node:)?(${names.map(n => n.replace(/[/]/g, '\\/')).join('|')})$`)
    b.onResolve({ filter }, (args) => args.namespace === 'one-builtin' || args.kind !== 'import-statement'
      ? undefined
      : { path: 'node:' + args.path.replace(/^node:/, ''), namespace: 'one-builtin' })
    b.onLoad({ filter: /.*/, namespace: 'one-builtin' }, (args) => ({
      contents: `const m = require(${JSON.stringify(args.path)})\nexport default m\nexport * from ${JSON.stringify(args.path)}\n`,
      loader: 'js'
    }))
  }
}

const common = {
  outdir: 'dist/bundle',
  bundle: true,
  platform: 'node',
  target: 'node20',
  // native, loaded by name at run time, or only for Kubo, or only for IPNS records (large, ES modules only): loaded when used
  external: ['fuse-native', 'cli-progress', 'kubo-rpc-client', 'ipns', 'ipns/validator', '@libp2p/crypto', '@libp2p/crypto/keys', '@libp2p/peer-id'],
  plugins: [lazyStringWidth, lazyAssert, lazyTty, patchYargs, oneBuiltin],
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

// Every bundle is ASCII, so that bin/acache.js reads it as latin1, without decoding
// UTF-8 (4-5 ms of each command for main.cjs). esbuild leaves some characters as
// they are (in comments, regular expressions, template literals): written as
// \u escapes here, which mean the same in each of those (html`` uses the cooked
// strings; nothing bundled reads a template's raw text with such a character).
for (const f of fs.readdirSync('dist/bundle')) {
  if (!f.endsWith('.cjs')) continue
  const file = path.join('dist/bundle', f)
  const text = fs.readFileSync(file, 'utf8')
  const ascii = text.replace(/[^\x00-\x7f]/g, (c, at) => {
    // an escaped character (\·) would become an escaped backslash
    if (text[at - 1] === '\\') throw new Error(`bundle: ${file} escapes a non-ASCII character at ${at}; write it as \\u${c.charCodeAt(0).toString(16)} in the source`)
    return '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0')
  })
  if (ascii !== text) fs.writeFileSync(file, ascii)
}

// The code caches: made by running commands on the bundle (warm-cache.cjs): one of a session of
// everyday commands, so that it holds what they compile, whichever runs first, and one for each
// command run all day (OWN_CODE_CACHE), holding only what it compiles. Made side by side.
// The caches of the bundle before this one are refused by V8 (another source): gone.
for (const f of fs.readdirSync('dist/bundle')) if (/^main\.cjs\..*cache$/.test(f)) fs.rmSync(path.join('dist/bundle', f))
const { OWN_CODE_CACHE } = createRequire(import.meta.url)(path.resolve('dist/bundle/preload.cjs'))
const warmed = await Promise.all([[], ...OWN_CODE_CACHE.map(c => [c])].map(args => new Promise((resolve) => {
  const p = spawn(process.execPath, ['scripts/warm-cache.cjs', ...args], { stdio: ['ignore', 'ignore', 'inherit'] })
  p.on('error', () => resolve(false))
  p.on('exit', (code) => resolve(code === 0))
})))
if (warmed.includes(false)) console.warn('bundle: a code cache was not made; the first run of acache that needs it makes it')
