import test from 'ava'
import fs from 'node:fs'
import path from 'node:path'
import { execFileSync } from 'node:child_process'
import fc from 'fast-check'
import { scanWorktree, ScanInput } from '../../src/worktree/scan.js'
import { scanInput } from '../scan-input.js'
import { WalkRecord } from '../../src/worktree/status/walk-record.js'
import { tmpdir } from '../helpers.js'
import { assertProperty, gitEnv, gitSeed } from '../git.js'

// git is the oracle: for generated trees, ignore files and tracked files,
// the new files acache's walk finds are exactly `git ls-files -o --exclude-standard`.

const input = scanInput

function newFiles (root: string, inp: ScanInput): { files: string[], walk: WalkRecord } {
  const s = scanWorktree(root, inp)
  return { files: s.paths.slice(s.tracked).filter((_, i) => s.kindAt(s.tracked + i) !== undefined).sort(), walk: s.walk }
}

const RULE_FILES = new Set(['.gitignore', '.acacheignore'])

interface Case {
  files: string[]
  /** directory -> [patterns for .gitignore, patterns for .acacheignore] (git reads both as one .gitignore) */
  rules: Array<[string, string[], string[]]>
  tracked: string[]
}

const NAMES = ['a', 'b', 'A', 'log', 'x.log', 'README.LOG', 'tmp', 'Tmp', 'build', '.hidden', 'a b', 'c[1]', 'foo', 'Foo', 'd.txt', 'é', 'logs']
const name = fc.constantFrom(...NAMES)
const filePath = fc.array(name, { minLength: 1, maxLength: 4 }).map(parts => parts.join('/'))

const segment = fc.oneof(
  { weight: 6, arbitrary: name },
  { weight: 2, arbitrary: fc.constantFrom('*', '*.log', '?', 'a*', '[a-c]', '[!a]*', '*.LOG', 'c\\[1]', '[[:upper:]]*', 'x.*', '[]a]*', '[a-]*', '[[:nope:]]', '[z-a]', '*[', '**b', 'b**', '[^b]', 'l[[:lower:]]g', '\\') },
  { weight: 1, arbitrary: fc.constant('**') }
)
const pattern = fc.tuple(
  fc.constantFrom('', '', '', '!', '/', '!/', '\\#', '#'),
  fc.array(segment, { minLength: 1, maxLength: 3 }),
  fc.constantFrom('', '', '/', '/', '/**', ' ', '\\ ')
).map(([pre, segs, post]) => pre + segs.join('/') + post)
const patterns = fc.array(fc.oneof({ weight: 8, arbitrary: pattern }, { weight: 1, arbitrary: fc.constant('') }), { maxLength: 5 })

function dirsOf (files: string[]): string[] {
  const dirs = new Set([''])
  for (const f of files) {
    const parts = f.split('/')
    for (let i = 1; i < parts.length; i++) dirs.add(parts.slice(0, i).join('/'))
  }
  return [...dirs]
}

/** Keeps a tree writable: no path is both a file and a directory. */
function consistent (files: string[]): string[] {
  const out: string[] = []
  const taken = new Set<string>()
  for (const f of [...new Set(files)].sort((a, b) => a.split('/').length - b.split('/').length)) {
    const parts = f.split('/')
    let ok = !taken.has(f) || false
    for (let i = 1; i < parts.length && ok; i++) if (out.includes(parts.slice(0, i).join('/'))) ok = false
    if (!ok || out.some(o => o.startsWith(f + '/'))) continue
    out.push(f)
    taken.add(f)
  }
  return out
}

const caseArb: fc.Arbitrary<Case> = fc.array(filePath, { minLength: 1, maxLength: 12 }).chain(raw => {
  const files = consistent(raw)
  const dirs = dirsOf(files)
  return fc.record({
    files: fc.constant(files),
    rules: fc.uniqueArray(fc.tuple(fc.constantFrom(...dirs), patterns, patterns), { selector: r => r[0], maxLength: 3 }),
    tracked: fc.subarray(files)
  })
})

function writeTree (root: string, c: Case, gitStyle: boolean): void {
  for (const f of c.files) {
    fs.mkdirSync(path.join(root, path.dirname(f)), { recursive: true })
    fs.writeFileSync(path.join(root, f), f)
  }
  for (const [dir, git, ours] of c.rules) {
    fs.mkdirSync(path.join(root, dir), { recursive: true })
    if (gitStyle) {
      fs.writeFileSync(path.join(root, dir, '.gitignore'), [...git, ...ours].join('\n') + '\n')
    } else {
      if (git.length > 0) fs.writeFileSync(path.join(root, dir, '.gitignore'), git.join('\n') + '\n')
      if (ours.length > 0 || git.length === 0) fs.writeFileSync(path.join(root, dir, '.acacheignore'), ours.join('\n') + '\n')
    }
  }
}

function gitNewFiles (c: Case): string[] {
  const dir = gitSeed()
  writeTree(dir, c, true)
  const env = gitEnv()
  if (c.tracked.length > 0) execFileSync('git', ['update-index', '--add', '--', ...c.tracked], { cwd: dir, env })
  const out = execFileSync('git', ['ls-files', '-z', '-o', '--exclude-standard'], { cwd: dir, env }).toString()
  return out.split('\0').filter(p => p !== '' && !RULE_FILES.has(path.basename(p))).sort()
}

function acacheNewFiles (c: Case): string[] {
  const root = tmpdir('acache-ignore-')
  writeTree(root, c, false)
  const first = newFiles(root, input(c.tracked))
  // the walk record's quick path agrees with a full walk
  const again = newFiles(root, input(c.tracked, first.walk))
  if (again.files.join('\n') !== first.files.join('\n')) throw new Error(`quick walk differs: ${JSON.stringify(again.files)} vs ${JSON.stringify(first.files)}`)
  return first.files.filter(p => !RULE_FILES.has(path.basename(p)))
}

test('new files are what git ls-files -o --exclude-standard lists: generated trees, ignore files and tracked files', t => {
  assertProperty(t, fc.property(caseArb, c => {
    const ours = acacheNewFiles(c)
    const gits = gitNewFiles(c)
    if (JSON.stringify(ours) !== JSON.stringify(gits)) throw new Error(`acache: ${JSON.stringify(ours)}\ngit:    ${JSON.stringify(gits)}`)
  }), 150)
})

const cases: Array<[string, Case]> = [
  ['a directory pattern keeps new files below it out though a tracked file lives there', { files: ['logs/app.log', 'logs/old.log', 'src/a'], rules: [['', [], ['logs/']]], tracked: ['logs/old.log'] }],
  ['matching is case-sensitive', { files: ['README.LOG', 'x.log', 'Foo', 'foo'], rules: [['', [], ['*.log', 'foo', '!Foo']]], tracked: [] }],
  ["a nested file's !tmp/ re-includes what the parent's tmp excluded", { files: ['tmp/a', 'sub/tmp/b', 'sub/c'], rules: [['', [], ['tmp']], ['sub', [], ['!tmp/']]], tracked: [] }],
  ['.gitignore is read: node_modules stays out', { files: ['node_modules/x/index.js', 'index.js'], rules: [['', ['node_modules/'], []]], tracked: [] }],
  ['.acacheignore overrides .gitignore in the same directory', { files: ['keep.log', 'other.log'], rules: [['', ['*.log'], ['!keep.log']]], tracked: [] }]
]
for (const [title, c] of cases) {
  test(title, t => { t.deepEqual(acacheNewFiles(c), gitNewFiles(c)) })
}

test('.git is never a new file, in any letter case, as .acache is not', t => {
  const root = tmpdir('acache-ignore-')
  for (const f of ['.git/config', '.git/objects/ab/cd', '.GIT/x', 'sub/.git', 'a']) {
    fs.mkdirSync(path.join(root, path.dirname(f)), { recursive: true })
    fs.writeFileSync(path.join(root, f), 'x')
  }
  t.deepEqual(newFiles(root, input([])).files, ['a'])
})
