import test, { type ExecutionContext } from 'ava'
import fs from 'node:fs'
import path from 'node:path'
import { chunkLstat, FAILED, lstatInto, STAT_FIELDS } from '../../src/worktree/status/lstat.js'
import { nativeLstat, nativePath, pathStarts } from '../../src/worktree/status/native.js'
import { ROOT, tmpdir } from '../helpers.js'

test('acache uses no Node internals: no process.binding anywhere in src or bin', t => {
  const files = [...fs.readdirSync(path.join(ROOT, 'src'), { recursive: true }).map(f => path.join(ROOT, 'src', String(f))), path.join(ROOT, 'bin', 'acache.js')]
  const offenders = files.filter(f => f.endsWith('.ts') || f.endsWith('.js')).filter(f => /process\.binding|internalBinding/.test(fs.readFileSync(f, 'utf8')))
  t.deepEqual(offenders, [])
})

/** A directory of every kind of path lstat meets, and the numbers fs.lstatSync gives for each (or [0] when nothing can be there). */
function fixture (t: ExecutionContext): { root: string, names: string[], expected: (p: string) => number[] } {
  const root = tmpdir()
  const names: string[] = []
  for (let i = 0; i < 50; i++) {
    const p = `f${i}`
    fs.writeFileSync(path.join(root, p), 'x'.repeat(i))
    // times with nanoseconds, so that a different sum of seconds and nanoseconds would show
    const t = 1_700_000_000 + i * 1.000_000_123 + Math.random()
    fs.utimesSync(path.join(root, p), t, t)
    names.push(p)
  }
  fs.writeFileSync(path.join(root, 'run'), '#!/bin/sh\n', { mode: 0o755 })
  fs.symlinkSync('f1', path.join(root, 'link'))
  fs.symlinkSync('nowhere', path.join(root, 'dangling'))
  fs.mkdirSync(path.join(root, 'dir'))
  fs.writeFileSync(path.join(root, 'dir', 'naïve café ü.txt'), 'non-ASCII and spaces')
  names.push('dir/naïve café ü.txt', 'run', 'link', 'dangling', 'dir', 'missing', 'f1/under-a-file', 'dir/missing')
  const expected = (p: string): number[] => {
    try {
      const st = fs.lstatSync(path.join(root, p), { throwIfNoEntry: false })
      return st === undefined ? [0] : [1, st.mode, st.size, st.mtimeMs, st.ctimeMs, st.ino]
    } catch (err) {
      t.is((err as NodeJS.ErrnoException).code, 'ENOTDIR')
      return [0] // nothing can be there
    }
  }
  return { root, names, expected }
}

function sameAsNode (t: ExecutionContext, out: Float64Array, names: string[], expected: (p: string) => number[]): void {
  names.forEach((p, i) => {
    const want = expected(p)
    t.deepEqual(Array.from(out.subarray(i * STAT_FIELDS, i * STAT_FIELDS + want.length)), want, p)
  })
}

test('the lstat numbers are exactly those of fs.lstatSync, for files, exec files, symlinks, directories, non-ASCII names, missing paths and paths under a file', t => {
  const { root, names, expected } = fixture(t)
  const out = new Float64Array(names.length * STAT_FIELDS)
  lstatInto(root, names, 0, names.length, out)
  sameAsNode(t, out, names, expected)
  t.not(out[0], FAILED)
})

const native = nativeLstat()

test('the native lstat helper is built by npm install and loads', t => {
  t.truthy(nativePath(), 'build/Release/acache_native.node is missing: node scripts/build-native.mjs builds it')
  t.truthy(native, 'the native helper did not load')
})

test('the native helper gives exactly the numbers of fs.lstatSync, for every kind of path, in any range of rows', t => {
  if (native === undefined) return t.fail('no native helper')
  const { root, names, expected } = fixture(t)
  const bytes = Buffer.from(names.join('\0'), 'utf8')
  const starts = pathStarts(bytes, names.length)!
  t.is(starts.length, names.length)
  const out = new Float64Array(names.length * STAT_FIELDS)
  // in two ranges, as threads take them
  native.lstatRange(root, bytes, starts, 0, 20, out)
  native.lstatRange(root, bytes, starts, 20, names.length, out)
  sameAsNode(t, out, names, expected)
  // relative to the root given, whatever the current directory
  t.not(process.cwd(), root)
})

test('the native helper: what it cannot lstat is left to fs.lstatSync, and a call out of bounds throws before reading anything', t => {
  if (native === undefined) return t.fail('no native helper')
  const root = tmpdir()
  fs.writeFileSync(path.join(root, 'a'), 'a')
  const long = 'x'.repeat(5000)
  const bytes = Buffer.from(['a', long, 'a'].join('\0'))
  const starts = pathStarts(bytes, 3)!
  const out = new Float64Array(3 * STAT_FIELDS)
  native.lstatRange(root, bytes, starts, 0, 3, out)
  t.deepEqual([out[0], out[STAT_FIELDS], out[2 * STAT_FIELDS]], [1, FAILED, 1])
  // a root that is not there: every row failed (fs.lstatSync then says why)
  native.lstatRange(path.join(root, 'nope'), bytes, starts, 0, 1, out)
  t.is(out[0], FAILED)
  t.throws(() => native.lstatRange(root, bytes, starts, 0, 4, out), { instanceOf: RangeError })
  t.throws(() => native.lstatRange(root, bytes, starts, 2, 1, out), { instanceOf: RangeError })
  t.throws(() => native.lstatRange(root, bytes, starts, 0, 3, new Float64Array(2 * STAT_FIELDS)), { instanceOf: RangeError })
  // a start past the end of the paths: that row failed, the others are done
  native.lstatRange(root, bytes, new Uint32Array([0, 99999, 0]), 0, 3, out)
  t.deepEqual([out[0], out[STAT_FIELDS], out[2 * STAT_FIELDS]], [1, FAILED, 1])
  t.throws(() => (native.lstatRange as any)(root, 'a', starts, 0, 1, out), { instanceOf: TypeError })
  t.throws(() => (native.lstatRange as any)(root, bytes, starts, 0, 1, [0, 0, 0, 0, 0, 0]), { instanceOf: TypeError })
})

test('path starts: each NUL-separated path, and undefined when the count is not theirs', t => {
  const bytes = Buffer.from('a\0bc\0d')
  t.deepEqual(Array.from(pathStarts(bytes, 3)!), [0, 2, 5])
  t.is(pathStarts(bytes, 2), undefined)
  t.is(pathStarts(bytes, 4), undefined)
  t.deepEqual(Array.from(pathStarts(new Uint8Array(0), 0)!), [])
})

test('a thread that cannot use the native helper on a chunk lstats it with fs.lstatSync: no chunk is left undone', t => {
  const { root, names, expected } = fixture(t)
  const bytes = Buffer.from(names.join('\0'), 'utf8')
  // starts that do not fit the rows: the native call throws, the chunk is done in JavaScript
  const out = new Float64Array(names.length * STAT_FIELDS)
  chunkLstat(root, { count: names.length, bytes, starts: new Uint32Array(1) })(0, names.length, out)
  sameAsNode(t, out, names, expected)
  // bytes that do not hold `count` paths: refused before any chunk is taken (another thread does the work)
  t.throws(() => chunkLstat(root, { count: names.length + 1, bytes }), { message: /damaged path list/ })
})
