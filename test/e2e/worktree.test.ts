import test from 'ava'
import fs from 'node:fs'
import path from 'node:path'
import { User } from '../helpers.js'

// status keeps a record of its walk in the index (git's untracked cache) and
// reads again only the directories whose stat changed. These tests change the
// working root in every way that must still be seen.

/** Sets every file and directory under `dir` (but .acache) ten seconds back, out of the racily-clean window. */
function age (dir: string): void {
  const then = new Date(Date.now() - 10_000)
  const walk = (d: string): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      if (e.name === '.acache') continue
      const p = path.join(d, e.name)
      if (e.isDirectory()) walk(p)
      if (!e.isSymbolicLink()) fs.utimesSync(p, then, then)
    }
  }
  walk(dir)
  fs.utimesSync(dir, then, then)
}

/** Every change status found, a line each: A added, M modified, D deleted, by path (each new file, not collapsed). */
function changeLines (json: any): string {
  return json.changes.map((c: any) => `${({ added: 'A', modified: 'M', deleted: 'D' } as any)[c.change]} ${c.path}\n`).join('')
}

/** status's changes, and from its trace: whether the walk read only changed directories, whether the preloading helper ran. */
function status (a: User, env: Record<string, string> = {}): { out: string, quick: boolean, helper: boolean, native: boolean } {
  const r = a.ok(['status', '--json'], { env: { ACACHE_TRACE: '1', ...env } })
  return { out: changeLines(r.json), quick: /walk done \(changed directories only\)/.test(r.stderr), helper: /\[helper\] index read/.test(r.stderr), native: /\[helper\] index read \(native lstat\)/.test(r.stderr) }
}

test('status reads only the directories that changed, and still sees every kind of change', t => {
  const a = new User('alice').setup()
  a.write('.acacheignore', '*.log\n')
  a.write('a/1', '1')
  a.write('a/b/2', '2')
  a.write('c/3', '3')
  a.write('d/4', '4')
  age(a.work)
  a.ok(['commit', '-m', 'base'])

  let s = status(a)
  t.is(s.out, '')
  t.true(s.quick, 'the record the commit left is used')

  a.write('a/new', 'n')
  a.write('a/x.log', 'ignored')
  s = status(a)
  t.is(s.out, 'A a/new\n')
  t.true(s.quick)

  a.write('c/d/e/f', 'deep')
  s = status(a)
  t.is(s.out, 'A a/new\nA c/d/e/f\n')
  t.true(s.quick)

  // a tracked directory replaced by a symlink to the same files: they are not in the tree's place any more
  fs.renameSync(a.path('a/b'), a.path('b-copy'))
  fs.symlinkSync('../b-copy', a.path('a/b'))
  // a tracked file replaced by a directory
  fs.rmSync(a.path('d/4'))
  a.write('d/4/inner', 'i')
  s = status(a)
  t.is(s.out, 'A a/b\nD a/b/2\nA a/new\nA b-copy/2\nA c/d/e/f\nD d/4\nA d/4/inner\n')
  t.true(s.quick)

  // a new ignore file deeper down changes the rules: everything is walked again
  a.write('c/.acacheignore', 'd/\n')
  s = status(a)
  t.is(s.out, 'A a/b\nD a/b/2\nA a/new\nA b-copy/2\nA c/.acacheignore\nD d/4\nA d/4/inner\n')
  t.false(s.quick)

  // an ignore file edited in place (its directory's stat unchanged): its rules are read again
  const root = fs.statSync(a.work)
  a.write('.acacheignore', '')
  fs.utimesSync(a.work, root.atime, root.mtime)
  s = status(a)
  t.regex(s.out, /^A a\/x\.log$/m)
  t.false(s.quick)

  // a file created and its directory's mtime put back: the ctime still tells
  age(a.work)
  a.ok(['status'])
  const before = fs.statSync(a.path('d'))
  a.write('d/sneaky', 's')
  fs.utimesSync(a.path('d'), before.atime, before.mtime)
  s = status(a)
  t.regex(s.out, /^A d\/sneaky$/m)
  t.true(s.quick)
})

test('files deleted, directories removed and .acache/info/exclude created are seen through the record', t => {
  const a = new User('alice').setup()
  a.write('keep/1', '1')
  a.write('gone/2', '2')
  a.write('gone/sub/3', '3')
  a.write('tmp/scratch', 'x')
  age(a.work)
  a.ok(['commit', '-m', 'base', 'keep', 'gone'])
  t.is(status(a).out, 'A tmp/scratch\n')
  fs.rmSync(a.path('gone'), { recursive: true })
  fs.rmSync(a.path('keep/1'))
  let s = status(a)
  t.is(s.out, 'D gone/2\nD gone/sub/3\nD keep/1\nA tmp/scratch\n')
  t.true(s.quick)
  fs.mkdirSync(a.path('.acache/info'), { recursive: true })
  fs.writeFileSync(a.path('.acache/info/exclude'), 'tmp/\n')
  s = status(a)
  t.is(s.out, 'D gone/2\nD gone/sub/3\nD keep/1\n')
  t.false(s.quick)
})

test('a commit after status leaves a record that makes the next status quick, in a large tree too', t => {
  const a = new User('alice').setup()
  // past the size from which a helper thread shares the lstat calls (preload.ts, scan.ts)
  for (let d = 0; d < 60; d++) {
    for (let f = 0; f < 100; f++) a.write(`d${d}/f${f}`, `${d} ${f}\n`)
  }
  age(a.work)
  a.ok(['commit', '-q', '-m', 'base'])
  let s = status(a)
  t.is(s.out, '')
  t.true(s.quick)
  t.true(s.helper, 'the helper thread started before the command was loaded')
  t.true(s.native, 'the helper lstats with the native helper (npm install builds it)')
  a.write('d7/f7', 'changed\n')
  a.write('d9/new', 'new\n')
  fs.rmSync(a.path('d11/f11'))
  // a file that changes kind, size kept: only its mode tells
  fs.chmodSync(a.path('d13/f13'), 0o755)
  s = status(a)
  t.is(s.out, 'D d11/f11\nM d13/f13\nM d7/f7\nA d9/new\n')
  t.true(s.helper)
  // the same with fs.lstatSync on both threads
  s = status(a, { ACACHE_NATIVE: '0' })
  t.is(s.out, 'D d11/f11\nM d13/f13\nM d7/f7\nA d9/new\n')
  t.true(s.helper)
  t.false(s.native)
  fs.chmodSync(a.path('d13/f13'), 0o644)
  // options before the command, run from elsewhere: the helper still starts early
  const r = a.ok(['--json', '-C', a.work, 'status'], { cwd: path.dirname(a.work), env: { ACACHE_TRACE: '1' } })
  t.deepEqual(r.json.changes.map((c: any) => c.path), ['d11/f11', 'd7/f7', 'd9/new'])
  t.regex(r.stderr, /\[helper\] index read/)
  // the same on one thread
  s = status(a, { ACACHE_THREADS: '0' })
  t.is(s.out, 'D d11/f11\nM d7/f7\nA d9/new\n')
  t.false(s.helper)
  a.ok(['commit', '-q', '-m', 'next'])
  s = status(a)
  t.is(s.out, '')
  t.true(s.quick)
})

test('a tracked directory the rules ignore stays tracked across commits that reuse its parent', t => {
  const a = new User('alice').setup()
  a.write('lib/vendor/x.c', 'x')
  a.write('lib/y.c', 'y')
  a.write('top', '1')
  a.ok(['commit', '-m', 'base'])
  a.write('.acacheignore', 'vendor/\n')
  a.ok(['commit', '-m', 'ignore vendor from now on'])
  a.write('top', '2')
  a.ok(['commit', '-m', 'change elsewhere: lib is reused whole'])
  t.is(changeLines(a.ok(['status', '--json']).json), '')
  a.write('lib/vendor/x.c', 'changed')
  t.is(changeLines(a.ok(['status', '--json']).json), 'M lib/vendor/x.c\n')
  // the index must still know lib/vendor is a tracked directory: replaced by a symlink, its file is gone
  fs.renameSync(a.path('lib/vendor'), a.path('elsewhere'))
  fs.symlinkSync('../elsewhere', a.path('lib/vendor'))
  t.is(changeLines(a.ok(['status', '--json']).json), 'A elsewhere/x.c\nA lib/vendor\nD lib/vendor/x.c\n')
})

test('status leaves the index alone when nothing changed, and writes it once when a recent directory can be trusted', async t => {
  const a = new User('alice').setup()
  a.write('old/1', '1')
  a.write('recent/2', '2')
  age(a.work)
  fs.utimesSync(a.path('recent'), new Date(), new Date()) // the directory recent, its file not
  a.ok(['commit', '-m', 'base'])
  const index = a.path('.acache/index')
  const id = (): string => { const s = fs.statSync(index); return `${s.ino} ${s.mtimeMs}` }
  // recent/ changed within a second of the commit's walk: read again until it is old enough
  await new Promise(resolve => setTimeout(resolve, 1200))
  let before = id()
  t.is(status(a).out, '')
  t.not(id(), before, 'recent/ is now trusted: the record is worth writing')
  before = id()
  t.is(status(a).out, '')
  t.is(status(a).out, '')
  t.is(id(), before, 'nothing new: the index is not written again')
})

test('a directory read again through the record keeps the rules of the ignore files above it', t => {
  const a = new User('alice').setup()
  a.write('.acacheignore', '*.log\n')
  a.write('src/.acacheignore', '*.tmp\n')
  a.write('src/lib/one.c', '1')
  age(a.work)
  a.ok(['commit', '-m', 'base'])
  a.write('src/lib/two.c', '2')
  a.write('src/lib/scratch.tmp', 'x')
  a.write('src/lib/run.log', 'x')
  a.write('src/lib/deeper/three.c', '3')
  a.write('src/lib/deeper/more.tmp', 'x')
  const s = status(a)
  t.is(s.out, 'A src/lib/deeper/three.c\nA src/lib/two.c\n')
  t.true(s.quick)
})

test('status with deprecation warnings turned on prints none of its own, and still sees changes', t => {
  const a = new User('alice').setup()
  a.write('a/1', '1')
  a.write('b/2', '2')
  a.ok(['commit', '-q', '-m', 'base'])
  a.write('a/1', 'changed')
  const envs: Array<Record<string, string>> = [{ NODE_PENDING_DEPRECATION: '1' }, { NODE_OPTIONS: '--pending-deprecation' }]
  for (const env of envs) {
    const r = a.ok(['status', '--porcelain'], { env })
    t.is(r.stdout, ' M a/1\n')
    t.is(r.stderr, '', JSON.stringify(env))
  }
})

test('restore, switch -c, merge and reset --hard in a working root of over 4,000 files print no deprecation warning', t => {
  const a = new User('alice').setup()
  for (let d = 0; d < 42; d++) for (let f = 0; f < 100; f++) a.write(`d${d}/f${f}`, `${d} ${f}\n`)
  a.ok(['commit', '-q', '-m', 'base'])
  const env = { NODE_OPTIONS: '--pending-deprecation' }
  const quiet = (args: string[]): void => {
    const r = a.run(args, { env })
    t.is(r.code, 0, `${args.join(' ')}: ${r.stderr}`)
    t.notRegex(r.stderr, /DeprecationWarning|DEP0\d+/, args.join(' '))
  }
  quiet(['switch', '-q', '-c', 'topic'])
  a.write('d1/f1', 'topic\n')
  a.ok(['commit', '-q', '-m', 'topic'])
  quiet(['switch', '-q', 'main'])
  a.write('d2/f2', 'main\n')
  a.ok(['commit', '-q', '-m', 'main'])
  quiet(['merge', '-q', 'topic'])
  a.write('d3/f3', 'local\n')
  quiet(['restore', '--', 'd3/f3'])
  t.is(a.read('d3/f3'), '3 3\n')
  a.write('d4/f4', 'local\n')
  quiet(['reset', '-q', '--hard', 'HEAD'])
  t.is(a.read('d4/f4'), '4 4\n')
})
