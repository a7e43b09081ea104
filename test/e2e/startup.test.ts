import test from 'ava'
import fs from 'node:fs'
import path from 'node:path'
import { spawnSync } from 'node:child_process'
import { ROOT, tmpdir } from '../helpers.js'
import { codeCacheOf, OWN_CODE_CACHE } from '../../src/util/argv.js'

test('which code cache a command line starts with: its command\'s own for those run all day, else the shared one', t => {
  t.is(codeCacheOf(['commit', '-q', '-m', 'x']), 'commit')
  t.is(codeCacheOf(['-C', 'some/dir', 'status']), 'status')
  t.is(codeCacheOf(['--json', 'log', '-n', '1']), 'log')
  t.is(codeCacheOf(['-C', 'commit', 'merge', 'other']), undefined, '-C takes the next word as its directory')
  t.is(codeCacheOf(['merge', 'commit']), undefined)
  t.is(codeCacheOf([]), undefined)
  t.deepEqual([...OWN_CODE_CACHE].sort(), ['commit', 'diff', 'log', 'show', 'status'])
})

/** A copy of the built command line (bin, the bundle and its caches) to spoil caches in without touching the tree under test. */
function install (): { bin: string, bundleDir: string } {
  const dir = tmpdir('acache-install-')
  fs.cpSync(path.join(ROOT, 'bin'), path.join(dir, 'bin'), { recursive: true, preserveTimestamps: true })
  fs.copyFileSync(path.join(ROOT, 'package.json'), path.join(dir, 'package.json'))
  fs.mkdirSync(path.join(dir, 'dist'))
  fs.cpSync(path.join(ROOT, 'dist', 'bundle'), path.join(dir, 'dist', 'bundle'), { recursive: true, preserveTimestamps: true })
  // bin/acache.js uses the bundle when it is newer than what tsc compiled
  fs.symlinkSync(path.join(ROOT, 'dist', 'src'), path.join(dir, 'dist', 'src'))
  fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'))
  return { bin: path.join(dir, 'bin', 'acache.js'), bundleDir: path.join(dir, 'dist', 'bundle') }
}

test('the build makes a code cache for each command run all day and one shared; V8 takes them as they are, and one that is gone is made again by its command', t => {
  const built = (f: string): number => fs.statSync(path.join(ROOT, 'dist', f)).mtimeMs
  t.true(built('bundle/main.cjs') >= built('src/cli/main.js'), 'bin/acache.js runs the bundle only when it is newer than dist/src: `npm run build` (npm test does)')
  const { bin, bundleDir } = install()
  const cacheOf = (c?: string): string => path.join(bundleDir, `main.cjs.${process.versions.v8}${c === undefined ? '' : '.' + c}.cache`)
  for (const c of [undefined, ...OWN_CODE_CACHE]) t.true(fs.existsSync(cacheOf(c)), `cache ${c ?? '(shared)'} made by the build`)
  const base = tmpdir()
  const work = path.join(base, 'work')
  fs.mkdirSync(work)
  // V8 refuses a cache made under other flags: none from the environment here
  const env = { ...process.env, ACACHE_HOME: path.join(base, 'home'), NODE_OPTIONS: '' }
  const run = (...args: string[]): void => {
    const r = spawnSync(process.execPath, [bin, ...args], { cwd: work, env, encoding: 'utf8' })
    t.is(r.status, 0, `${args.join(' ')}: ${r.stderr}`)
  }
  run('init', '-q')
  run('id', 'new', '--name', 'cache')
  fs.writeFileSync(path.join(work, 'a.txt'), 'one\n')
  const before = new Map([undefined, ...OWN_CODE_CACHE].map(c => [c, fs.readFileSync(cacheOf(c))]))
  run('commit', '-q', '-m', 'one')
  run('status')
  run('log')
  run('branch', 'b')
  // a refused cache is written again as the process exits: these were taken as they are
  for (const [c, bytes] of before) t.true(fs.readFileSync(cacheOf(c)).equals(bytes), `cache ${c ?? '(shared)'} not replaced`)
  fs.rmSync(cacheOf('commit'))
  fs.writeFileSync(path.join(work, 'a.txt'), 'two\n')
  run('commit', '-q', '-m', 'two')
  t.true(fs.existsSync(cacheOf('commit')), 'made again by the commit that found none')
  t.true(fs.readFileSync(cacheOf()).equals(before.get(undefined)!), 'the shared cache is not touched by it')
})
