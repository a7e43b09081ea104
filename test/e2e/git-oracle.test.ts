import test from 'ava'
import fs from 'node:fs'
import path from 'node:path'
import { spawnSync } from 'node:child_process'
import fc from 'fast-check'
import { User } from '../helpers.js'
import { git, gitEnv, gitSeed, writeFiles } from '../git.js'

// The real binary against git itself: what acache prints for scripts and
// patches, git (or a tool reading git's output) takes as its own.

/** Files of a tree: path -> [bytes, exec] (or a symlink target as { link }). */
type Tree = Record<string, Buffer | { link: string } | { exec: Buffer }>

function writeTree (root: string, tree: Tree): void {
  for (const [p, v] of Object.entries(tree)) {
    const abs = path.join(root, p)
    fs.mkdirSync(path.dirname(abs), { recursive: true })
    fs.rmSync(abs, { force: true })
    if ('link' in v) fs.symlinkSync(v.link, abs)
    else if ('exec' in v) { fs.writeFileSync(abs, v.exec); fs.chmodSync(abs, 0o755) } else { fs.writeFileSync(abs, v); fs.chmodSync(abs, 0o644) }
  }
}

function removeAll (root: string, keep: string[]): void {
  for (const name of fs.readdirSync(root)) if (!keep.includes(name)) fs.rmSync(path.join(root, name), { recursive: true, force: true })
}

/** What git records of a directory's files: `git ls-files -s` after adding everything (mode, blob ID, path). */
function gitTreeOf (dir: string): string {
  const d = gitSeed()
  fs.cpSync(dir, d, { recursive: true, verbatimSymlinks: true, filter: (src) => !/[/\\]\.(acache|git)$/.test(src) })
  git(d, ['add', '-A'])
  return git(d, ['ls-files', '-s']).toString()
}

const LINES = ['a\n', 'b\n', '\ttab\n', 'crlf\r\n', 'caf\xe9\n', '\x1b[2Jclear\n', 'same\n', 'same\n', '+x\n']
const bytes = fc.tuple(fc.array(fc.constantFrom(...LINES), { maxLength: 12 }), fc.constantFrom('', 'end')).map(([l, t]) => Buffer.from(l.join('') + t, 'latin1'))
const NAMES = ['plain.txt', 'with space.txt', 'tab\there', 'ünï.txt', 'dir/deep/file', 'quote"d', 'back\\slash', 'tool.sh']
const entry: fc.Arbitrary<Tree[string]> = fc.oneof({ weight: 6, arbitrary: bytes }, { weight: 1, arbitrary: bytes.map(b => ({ exec: b })) }, { weight: 1, arbitrary: fc.constantFrom('plain.txt', 'nowhere').map(link => ({ link })) })
const tree: fc.Arbitrary<Tree> = fc.dictionary(fc.constantFrom(...NAMES), entry, { maxKeys: NAMES.length })

test('acache diff, diff A B and show print patches git apply takes as they are: the tree git then records is the new one (generated trees)', t => {
  const u = new User('patcher').setup()
  const runs = fc.sample(fc.tuple(tree, tree), { seed: Number(process.env.ACACHE_FC_SEED ?? 24), numRuns: Number(process.env.ACACHE_FC_RUNS ?? 4) })
  let n = 0
  for (const [before, after] of runs) {
    removeAll(u.work, ['.acache'])
    writeTree(u.work, { keep: Buffer.from(`round ${n++}\n`), ...before })
    u.ok(['commit', '-q', '-m', 'before', '--allow-empty'])
    const gitDir = gitSeed()
    writeTree(gitDir, { keep: Buffer.from(`round ${n - 1}\n`), ...before })
    removeAll(u.work, ['.acache', 'keep'])
    writeTree(u.work, after)
    const want = gitTreeOf(u.work)
    const patches: Array<[string, Buffer]> = [['diff', u.bytes(['diff'])]]
    u.ok(['commit', '-q', '-m', 'after', '--allow-empty'])
    patches.push(['diff HEAD~1 HEAD', u.bytes(['diff', 'HEAD~1', 'HEAD'])], ['show', u.bytes(['show'])])
    for (const [how, patch] of patches) {
      const d = gitSeed()
      fs.cpSync(gitDir, d, { recursive: true, verbatimSymlinks: true, filter: (src) => !/[/\\]\.git$/.test(src) })
      // show's header lines before the first diff are not part of the patch
      const body = how === 'show' ? patch.subarray(Math.max(0, patch.indexOf('diff --git'))) : patch
      if (body.indexOf('diff --git') >= 0) {
        const r = spawnSync('git', ['apply', '--whitespace=nowarn', '-'], { cwd: d, env: gitEnv(), input: body })
        t.is(r.status, 0, `${how}: git apply refused: ${r.stderr.toString()}\n${body.toString('latin1')}`)
      }
      t.is(gitTreeOf(d), want, `${how}:\n${body.toString('latin1')}`)
    }
  }
})

test('a diff prints content bytes as they are: tabs, CR and Latin-1 are not escaped; names are quoted as git quotes them', t => {
  const u = new User('bytes').setup()
  u.write('tab\there.txt', Buffer.from('a\tb\r\ncaf\xe9\n', 'latin1'))
  u.ok(['commit', '-q', '-m', 'one'])
  u.write('tab\there.txt', Buffer.from('a\tb\r\ncaf\xe9!\n', 'latin1'))
  const ours = u.bytes(['diff'])
  const gitDir = gitSeed()
  fs.writeFileSync(path.join(gitDir, 'tab\there.txt'), Buffer.from('a\tb\r\ncaf\xe9\n', 'latin1'))
  git(gitDir, ['add', '-A'])
  fs.writeFileSync(path.join(gitDir, 'tab\there.txt'), Buffer.from('a\tb\r\ncaf\xe9!\n', 'latin1'))
  // the same bytes git prints, index line and all
  t.is(ours.toString('latin1'), git(gitDir, ['diff']).toString('latin1'))
})

/** One step of work on a tree: edit, delete, add, chmod, make a symlink. */
type Edit = ['edit' | 'delete' | 'chmod' | 'link', number] | ['add', string]
const NEW_PATHS = ['new.txt', 'fresh/dir/a', 'fresh/b', 'dir/deep/added', 'ünï new', 'sp ace/x', 'tab\tnew', '.gitignore']
const editArb: fc.Arbitrary<Edit> = fc.oneof(
  fc.tuple(fc.constantFrom('edit', 'delete', 'chmod', 'link') as fc.Arbitrary<'edit' | 'delete' | 'chmod' | 'link'>, fc.nat(20)),
  fc.tuple(fc.constant('add') as fc.Arbitrary<'add'>, fc.constantFrom(...NEW_PATHS))
)

function applyEdits (root: string, files: string[], edits: Edit[]): void {
  for (const e of edits) {
    if (e[0] === 'add') {
      const abs = path.join(root, e[1])
      if (fs.existsSync(path.dirname(abs)) && !fs.statSync(path.dirname(abs)).isDirectory()) continue
      fs.mkdirSync(path.dirname(abs), { recursive: true })
      if (fs.existsSync(abs) && fs.lstatSync(abs).isDirectory()) continue
      fs.writeFileSync(abs, e[1] === '.gitignore' ? '*.log\nfresh/b\n' : `added ${e[1]}\n`)
      continue
    }
    const f = files[e[1] % files.length]
    const abs = path.join(root, f)
    if (!fs.existsSync(abs) && e[0] !== 'link') continue
    if (e[0] === 'edit') fs.appendFileSync(abs, 'more\n')
    else if (e[0] === 'delete') fs.rmSync(abs, { force: true })
    else if (e[0] === 'chmod') { if (fs.lstatSync(abs).isFile()) fs.chmodSync(abs, (fs.statSync(abs).mode & 0o100) !== 0 ? 0o644 : 0o755) } else { fs.rmSync(abs, { force: true }); fs.symlinkSync('target', abs) }
  }
}

test('status --porcelain (and -z, -uall, -uno) prints what git status --porcelain prints for the same edits, nothing staged (generated edits)', t => {
  const runs = fc.sample(fc.tuple(tree, fc.array(editArb, { minLength: 1, maxLength: 8 })), { seed: Number(process.env.ACACHE_FC_SEED ?? 24), numRuns: Number(process.env.ACACHE_FC_RUNS ?? 5) })
  for (const [before, edits] of runs) {
    const base: Tree = { 'keep.txt': Buffer.from('keep\n'), 'dir/x.log': Buffer.from('log\n'), ...before }
    const u = new User('porcelain').setup()
    writeTree(u.work, base)
    u.ok(['commit', '-q', '-m', 'base'])
    const g = gitSeed()
    writeTree(g, base)
    git(g, ['add', '-A'])
    git(g, ['commit', '-q', '-m', 'base'])
    const files = Object.keys(base).sort()
    applyEdits(u.work, files, edits)
    applyEdits(g, files, edits)
    for (const flags of [[], ['-z'], ['-uall'], ['-uno']]) {
      const ours = u.bytes(['status', '--porcelain', ...flags]).toString('latin1')
      const theirs = git(g, ['status', '--porcelain', ...flags]).toString('latin1')
      t.is(ours, theirs, `status --porcelain ${flags.join(' ')} after ${JSON.stringify(edits)} on ${JSON.stringify(Object.keys(base))}`)
    }
  }
})

test('log --format prints what git log --format prints for the same messages (subject, body, raw message, separators, %x09, %n)', t => {
  const messages = ['one line', 'subject\n\nbody line 1\nbody line 2', 'wrapped\nsubject line\n\nbody\n\n\nafter blanks\n', 'tabs\tin\tsubject\n\n\tindented body']
  const u = new User('formats').setup()
  const g = gitSeed()
  messages.forEach((m, i) => {
    u.write('f', `${i}\n`)
    u.ok(['commit', '-q', '-m', m])
    fs.writeFileSync(path.join(g, 'f'), `${i}\n`)
    git(g, ['add', 'f'])
    git(g, ['commit', '-q', '-m', m])
  })
  for (const fmt of ['%s', '%b', '%B', 'format:%s', 'tformat:[%s]%n%b', '%s%x09|%x2a%%', 'format:%B---']) {
    t.is(u.bytes(['log', `--format=${fmt}`]).toString(), git(g, ['log', `--format=${fmt}`]).toString(), fmt)
    t.is(u.bytes(['log', '-2', `--format=${fmt}`]).toString(), git(g, ['log', '-2', `--format=${fmt}`]).toString(), `-2 ${fmt}`)
  }
  // the message block of the default format: git's, line for line (only the header lines differ)
  const body = (out: string): string => out.split('\n').filter(l => l.startsWith('    ') || l === '').join('\n')
  t.is(body(u.ok(['log']).stdout), body(git(g, ['log']).toString()))
})

test('paths after --, revisions before: commit, restore, diff and log read them as git does', t => {
  const u = new User('dashes').setup()
  u.write('a', 'a1\n')
  u.write('b', 'b1\n')
  u.ok(['commit', '-q', '-m', 'one'])
  u.write('a', 'a2\n')
  u.write('b', 'b2\n')
  // commit -m M -- PATH commits that path only
  u.ok(['commit', '-q', '-m', 'only a', '--', 'a'])
  t.is(u.ok(['status', '--porcelain']).stdout, ' M b\n')
  t.is(u.ok(['show', 'HEAD:b']).stdout, 'b1\n')
  // diff PATH: a path, since it is no revision
  t.regex(u.ok(['diff', 'b']).stdout, /^\+b2$/m)
  t.is(u.ok(['diff', 'a']).stdout, '')
  // a name that is both is ambiguous, as in git; -- settles it
  u.ok(['branch', 'b', 'HEAD~1'])
  const amb = u.run(['diff', 'b'])
  t.is(amb.code, 2)
  t.regex(amb.stderr, /ambiguous argument "b": both a revision and a path/)
  t.regex(u.ok(['diff', '--', 'b']).stdout, /^\+b2$/m)
  t.true(u.ok(['diff', 'b', '--']).stdout.includes('+a2'), 'b as the revision: a differs from it')
  u.ok(['branch', '-d', 'b'])
  const unknown = u.run(['diff', 'nosuch'])
  t.is(unknown.code, 3)
  t.regex(unknown.stderr, /unknown revision or path not in the working root/)
  // log PATH and log -- PATH
  t.is(u.ok(['log', '--format=%s', 'a']).stdout, 'only a\none\n')
  t.is(u.ok(['log', '--format=%s', '--', 'b']).stdout, 'one\n')
  // restore --source REV -- . puts every path back as REV has it
  u.ok(['restore', '--source', 'HEAD~1', '--', '.'])
  t.is(u.read('a'), 'a1\n')
  t.is(u.read('b'), 'b1\n')
  // a command that takes no paths says so
  const r = u.run(['branch', '--', 'x'])
  t.is(r.code, 2)
  t.regex(r.stderr, /takes no paths/)
})

test('log -N, A..B, A...B, ^A, --since "N days ago"; switch - and @{-1}; revert --abort and --continue', t => {
  const u = new User('ranges').setup()
  const commit = (m: string, f = 'f', content = m + '\n'): void => { u.write(f, content); u.ok(['commit', '-q', '-m', m]) }
  commit('base')
  u.ok(['switch', '-q', '-c', 'topic'])
  commit('t1', 't')
  commit('t2', 't')
  u.ok(['switch', '-q', 'main'])
  commit('m1', 'm')
  const subjects = (args: string[]): string => u.ok(['log', '--format=%s', ...args]).stdout.trim().split('\n').sort().join(' ')
  t.is(subjects(['-2', 'topic']), 't1 t2')
  t.is(subjects(['main..topic']), 't1 t2')
  t.is(subjects(['topic..main']), 'm1')
  t.is(subjects(['main...topic']), 'm1 t1 t2')
  t.is(subjects(['topic', '^main']), 't1 t2')
  t.is(subjects(['..topic']), 't1 t2')
  t.is(subjects(['--since', '2 days ago']), 'base m1')
  t.is(u.ok(['log', '--format=%s', '--until', '2 days ago']).stdout, '')
  // diff A...B: what topic changed since it parted from main
  const d = u.ok(['diff', '--name-only', 'main...topic']).stdout
  t.is(d, 't\n')
  t.is(u.ok(['diff', '--name-only', 'main..topic']).stdout, 'm\nt\n')
  // switch - goes back; @{-1} names where HEAD was
  u.ok(['switch', '-q', 'topic'])
  t.is(u.ok(['log', '-1', '--format=%s', '@{-1}']).stdout, 'm1\n')
  u.ok(['switch', '-q', '-'])
  t.is(u.ok(['status', '--porcelain', '-b']).stdout.split('\n')[0], '## main')
  u.ok(['switch', '-q', '-'])
  t.is(u.ok(['status', '--porcelain', '-b']).stdout.split('\n')[0], '## topic')
  // revert with a conflict, given up with --abort, then again and finished with --continue
  commit('t3', 't', 'changed again\n')
  u.write('t', 'local edit on top\n')
  u.ok(['commit', '-q', '-m', 'edit t'])
  const r = u.run(['revert', 'HEAD~1'])
  t.is(r.code, 1, r.stdout + r.stderr)
  t.regex(r.stdout, /acache revert --continue/)
  t.is(u.run(['cherry-pick', '--abort']).code, 2, 'a revert is under way, not a cherry-pick')
  u.ok(['revert', '--abort'])
  t.is(u.read('t'), 'local edit on top\n')
  t.is(u.ok(['status', '--porcelain']).stdout, '')
  t.is(u.run(['revert', 'HEAD~1']).code, 1)
  for (const f of fs.readdirSync(u.work)) if (/^t\..+/.test(f)) fs.rmSync(u.path(f))
  u.write('t', 'resolved\n')
  u.ok(['revert', '--continue'])
  t.regex(u.ok(['log', '-1', '--format=%s']).stdout, /^Revert/)
  t.is(u.read('t'), 'resolved\n')
})

test('a changed chunker does not make unchanged bytes look changed: status, diff and commit compare content', t => {
  const u = new User('chunker').setup()
  const big = Buffer.alloc(3 << 20)
  let x = 2463534242
  for (let i = 0; i < big.length; i++) { x ^= x << 13; x ^= x >>> 17; x ^= x << 5; big[i] = x & 0xff } // xorshift: no structure for CDC to follow
  u.write('model.bin', big)
  u.write('notes.txt', 'notes\n')
  u.ok(['commit', '-q', '-m', 'fixed chunks'])
  const fixedCid = u.ok(['show', 'HEAD:', '--json']).json.entries.find((e: any) => e.name === 'model.bin').cid
  u.write('.acacheattributes', 'chunker = cdc\n')
  const later0 = new Date(Date.now() + 3000)
  fs.utimesSync(u.path('model.bin'), later0, later0)
  t.is(u.ok(['status', '--porcelain']).stdout, '?? .acacheattributes\n')
  u.ok(['commit', '-q', '-m', 'cdc from now on'])
  // the commit changed the attributes only: the unchanged file keeps its CID
  t.is(u.ok(['diff', '--name-only', 'HEAD~1', 'HEAD']).stdout, '.acacheattributes\n')
  t.is(u.ok(['show', 'HEAD:', '--json']).json.entries.find((e: any) => e.name === 'model.bin').cid, fixedCid)
  // touched, not changed: read again (its stat changed), hashed with the new chunker, still the same bytes
  const later = new Date(Date.now() + 5000)
  fs.utimesSync(u.path('model.bin'), later, later)
  fs.utimesSync(u.path('notes.txt'), later, later)
  t.is(u.ok(['status', '--porcelain']).stdout, '')
  t.is(u.ok(['diff']).stdout, '')
  t.is(u.run(['commit', '-m', 'nothing']).code !== 0, true, 'nothing to commit')
  // a real change of the same size is still seen
  const edited = Buffer.from(big)
  edited[big.length - 1] ^= 0xff
  u.write('model.bin', edited)
  t.is(u.ok(['status', '--porcelain']).stdout, ' M model.bin\n')
})

test('switch where a file becomes a directory and back, and where a directory (empty, or holding an untracked file) stands in a file\'s way: the working root, and the refusal, are git\'s', t => {
  const u = new User('dirs').setup()
  const g = gitSeed()
  const both = (f: (root: string) => void): void => { f(u.work); f(g) }
  const files = (root: string): string[] => (fs.readdirSync(root, { recursive: true }) as string[])
    .map(p => p.split(path.sep).join('/'))
    .filter(p => !/^\.(acache|git)(\/|$)/.test(p))
    .map(p => fs.lstatSync(path.join(root, p)).isDirectory() ? p + '/' : `${p}=${fs.readFileSync(path.join(root, p), 'utf8')}`)
    .sort()
  // main: d/x and d/y (d a directory); other: d a file, e a file
  both(r => writeFiles(r, { 'd/x': 'x\n', 'd/y': 'y\n', 'keep.txt': 'k\n' }))
  u.ok(['commit', '-q', '-m', 'dir'])
  git(g, ['add', '-A']); git(g, ['commit', '-q', '-m', 'dir'])
  u.ok(['switch', '-q', '-c', 'other'])
  git(g, ['switch', '-q', '-c', 'other'])
  both(r => { fs.rmSync(path.join(r, 'd'), { recursive: true }); writeFiles(r, { d: 'now a file\n', e: 'e\n' }) })
  u.ok(['commit', '-q', '-m', 'file'])
  git(g, ['add', '-A']); git(g, ['commit', '-q', '-m', 'file'])
  t.deepEqual(files(u.work), files(g))
  // back and forth: the directory d replaced by the file d, and the file by the directory
  for (const branch of ['main', 'other', 'main']) {
    u.ok(['switch', '-q', branch])
    git(g, ['switch', '-q', branch])
    t.deepEqual(files(u.work), files(g), `on ${branch}`)
  }
  // on main, an empty directory e/ where other has the file e: replaced by the file
  both(r => fs.mkdirSync(path.join(r, 'e')))
  u.ok(['switch', '-q', 'other'])
  git(g, ['switch', '-q', 'other'])
  t.deepEqual(files(u.work), files(g), 'an empty directory in the way')
  t.true(fs.lstatSync(u.path('e')).isFile())
  u.ok(['switch', '-q', 'main'])
  git(g, ['switch', '-q', 'main'])
  // an untracked directory e/ with a file in it where other has the file e: both refuse, nothing lost
  both(r => writeFiles(r, { 'e/mine.txt': 'mine\n' }))
  const before = files(u.work)
  const a = u.run(['switch', 'other'])
  const gr = spawnSync('git', ['switch', 'other'], { cwd: g, env: gitEnv(), encoding: 'utf8' })
  t.not(gr.status, 0, 'git refuses')
  t.not(a.code, 0, 'acache refuses')
  t.is(a.stderr.split('\n').filter(l => l.startsWith('error:')).length, 1, a.stderr)
  t.deepEqual(files(u.work), before, 'nothing changed')
  t.deepEqual(files(g), before)
})
