import test from 'ava'
import fs from 'node:fs'
import path from 'node:path'
import { scanWorktree, ScanInput } from '../../src/worktree/scan.js'
import { isWalkRecord, WalkRecord, walkForTree } from '../../src/worktree/status/walk-record.js'
import { scanInput } from '../scan-input.js'
import { tmpdir } from '../helpers.js'

const input = scanInput

function found (root: string, inp: ScanInput): string[] {
  const s = scanWorktree(root, inp)
  return s.paths.slice(s.tracked).filter((_, i) => s.kindAt(s.tracked + i) !== undefined).sort()
}

test('a directory whose stat is as recorded is trusted only when its mtime was older than the racy window at the walk', t => {
  const root = tmpdir()
  fs.mkdirSync(path.join(root, 'd'))
  fs.writeFileSync(path.join(root, 'd', 'tracked'), 'x')
  const first = scanWorktree(root, input(['d/tracked'])).walk
  // A file appears in d without d's stat changing, as within one tick of the file
  // system's clock: simulate it by recording d's stat as it is after the change.
  fs.writeFileSync(path.join(root, 'd', 'new'), 'y')
  const st = fs.statSync(path.join(root, 'd'))
  const same = (at: number): WalkRecord => ({
    ...first,
    at,
    dirs: first.dirs.map(([p, m, c, ino, dirty]) => p === 'd' ? ['d', st.mtimeMs, st.ctimeMs, st.ino, 0] : [p, m, c, ino, dirty])
  })
  // d changed within a second of the walk: read again, the new file is seen
  t.deepEqual(found(root, input(['d/tracked'], same(st.mtimeMs + 500))), ['d/new'])
  // had the walk been well after d's last change, d would be trusted and its listing not read
  t.deepEqual(found(root, input(['d/tracked'], same(st.mtimeMs + 5000))), [])
})

test('a directory that held new files is read again even when unchanged; a commit of them clears that', t => {
  const root = tmpdir()
  fs.mkdirSync(path.join(root, 'd'))
  fs.writeFileSync(path.join(root, 'd', 'a'), 'x')
  const old = new Date(Date.now() - 10_000)
  fs.utimesSync(path.join(root, 'd'), old, old)
  fs.utimesSync(root, old, old)
  const walk = scanWorktree(root, input([])).walk
  t.deepEqual(walk.dirs.map(d => [d[0], d[4]]), [['', 0], ['d', 1]])
  const committed = walkForTree(walk, 'T2', [])
  t.deepEqual(committed.dirs.map(d => [d[0], d[4]]), [['', 0], ['d', 0]])
  t.is(committed.tree, 'T2')
  t.deepEqual(walkForTree(walk, 'T2', ['d/a']).dirs.map(d => [d[0], d[4]]), [['', 0], ['d', 1]])
  // with d trusted and tracked, nothing is new; with d recorded as holding new files, d/a is found again
  t.deepEqual(found(root, input(['d/a'], committed)), [])
  t.deepEqual(found(root, input([], walk)), ['d/a'])
})

test('tracked files under a directory that is now a symlink or a file are not there', t => {
  const root = tmpdir()
  fs.mkdirSync(path.join(root, 'real'))
  fs.writeFileSync(path.join(root, 'real', 'f'), 'x')
  fs.symlinkSync('real', path.join(root, 'link'))
  fs.writeFileSync(path.join(root, 'plain'), 'x')
  const tracked = ['link/f', 'plain/g', 'real/f']
  for (const last of [undefined, scanWorktree(root, input(tracked)).walk]) {
    const s = scanWorktree(root, input(tracked, last))
    t.deepEqual(tracked.map((p, i) => [p, s.kindAt(i)]), [['link/f', undefined], ['plain/g', undefined], ['real/f', 'file']])
    t.deepEqual(s.paths.slice(s.tracked).sort(), ['link', 'plain'])
  }
})

test('a walk record read back is used only when its shape is right and its paths stay inside the working root', t => {
  const good: WalkRecord = { tree: 'T', at: 1, hidden: [], ignores: [['.acacheignore', -2, 0, 0, 0]], dirs: [['', 1, 1, 1, 0], ['a/b', 1, 1, 1, 0]] }
  t.true(isWalkRecord(good))
  for (const bad of [
    { ...good, dirs: [['../..', 1, 1, 1, 0]] },
    { ...good, dirs: [['/etc', 1, 1, 1, 0]] },
    { ...good, dirs: [['a//b', 1, 1, 1, 0]] },
    { ...good, ignores: [['../x/.acacheignore', 1, 1, 1, 1]] },
    { ...good, hidden: ['..'] },
    { ...good, dirs: [['a', 1, 1, 1]] },
    { ...good, dirs: [['a', '1', 1, 1, 0]] },
    { ...good, at: '1' },
    null
  ]) t.false(isWalkRecord(bad), JSON.stringify(bad))
})
