import test from 'ava'
import fs from 'node:fs'
import path from 'node:path'
import { FAILED, lstatInto, STAT_FIELDS } from '../../src/worktree/lstat.js'
import { ROOT, tmpdir } from '../helpers.js'

test('acache uses no Node internals: no process.binding anywhere in src or bin', t => {
  const files = [...fs.readdirSync(path.join(ROOT, 'src'), { recursive: true }).map(f => path.join(ROOT, 'src', String(f))), path.join(ROOT, 'bin', 'acache.js')]
  const offenders = files.filter(f => f.endsWith('.ts') || f.endsWith('.js')).filter(f => /process\.binding|internalBinding/.test(fs.readFileSync(f, 'utf8')))
  t.deepEqual(offenders, [])
})

test('the lstat numbers are exactly those of fs.lstatSync, for files, exec files, symlinks, directories, non-ASCII names, missing paths and paths under a file', t => {
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
  const out = new Float64Array(names.length * STAT_FIELDS)
  lstatInto(root, names, 0, names.length, out)
  const expected = (p: string): number[] => {
    try {
      const st = fs.lstatSync(path.join(root, p), { throwIfNoEntry: false })
      return st === undefined ? [0] : [1, st.mode, st.size, st.mtimeMs, st.ctimeMs, st.ino]
    } catch (err) {
      t.is((err as NodeJS.ErrnoException).code, 'ENOTDIR')
      return [0] // nothing can be there
    }
  }
  names.forEach((p, i) => {
    const want = expected(p)
    t.deepEqual(Array.from(out.subarray(i * STAT_FIELDS, i * STAT_FIELDS + want.length)), want, p)
  })
  t.not(out[0], FAILED)
})
