// Builds acache's native lstat helper (native/lstat.c, binding.gyp) into
// build/Release/acache_native.node: run by `npm install` (the package's
// install script) and by `npm test`'s set-up when it is missing. Never fails
// the install: without the helper acache works the same, and status, commit
// and diff of large working roots are slower (src/worktree/status/native.ts).
// node-gyp is npm's own (npm puts it on PATH for install scripts, and names
// it in npm_config_node_gyp); Node's headers are this Node's own when they
// are installed beside it (as Debian's and nodejs.org's are), else npm's
// `nodedir` setting, else node-gyp downloads them.
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')

function nodeGyp () {
  const named = process.env.npm_config_node_gyp
  if (named !== undefined && fs.existsSync(named)) return [process.execPath, named]
  // outside npm: the node-gyp that came with this Node's npm
  const bundled = path.join(path.dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js')
  if (fs.existsSync(bundled)) return [process.execPath, bundled]
  return ['node-gyp']
}

const args = ['rebuild']
const prefix = path.resolve(path.dirname(process.execPath), '..')
if (process.env.npm_config_nodedir === undefined && fs.existsSync(path.join(prefix, 'include', 'node', 'node_api.h'))) args.push(`--nodedir=${prefix}`)
const [cmd, ...first] = nodeGyp()
const r = spawnSync(cmd, [...first, ...args, '--loglevel=error'], { cwd: root, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' })
if (r.status === 0 && fs.existsSync(path.join(root, 'build', 'Release', 'acache_native.node'))) {
  console.error('acache: built the native lstat helper (build/Release/acache_native.node)')
} else {
  process.stderr.write(r.stderr ?? '')
  console.error(`acache: could not build the native lstat helper (${r.error?.message ?? `node-gyp exit ${r.status}`}); acache works without it, and status of large working roots is slower. To try again: node scripts/build-native.mjs`)
}

// and say in one line whether `acache mount` can work here
const { mountProblem } = await import('./mount-check.mjs')
const problem = mountProblem()
if (problem !== undefined) console.error(`acache: mount is unavailable: ${problem}; everything else works. To use it: sudo apt-get install fuse libfuse2, then npm install fuse-native`)
