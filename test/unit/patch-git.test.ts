import test from 'ava'
import fs from 'node:fs'
import path from 'node:path'
import { spawnSync } from 'node:child_process'
import fc from 'fast-check'
import { gitBlobId, unifiedHunks } from '../../src/services/diff.js'
import { diffLines, lineTable } from '../../src/util/linediff.js'
import { assertProperty, git, gitEnv, gitSeed } from '../git.js'

// git is the oracle: every patch acache prints, `git apply` turns the old
// bytes into the new ones, and acache counts the lines git counts.

/** Lines that trip up a diff meant for terminals: tabs, CR, bytes that are not UTF-8, escape sequences. */
const LINE_POOL = ['a\n', 'b\n', 'c\n', '\tindented\n', 'crlf\r\n', 'x\ty\n', '\n', 'caf\xe9 latin-1\n', 'caf\xc3\xa9 utf-8\n', '\x1b[31mred\n', 'dup\n', 'dup\n', '\\ not a marker\n', '+plus\n', '-minus\n', ' space\n', '@@ -1 +1 @@\n']
const line = fc.constantFrom(...LINE_POOL)
/** a text's lines, each with its newline (the last may have none), as latin1 strings */
const splitLines = (b: Buffer): string[] => b.toString('latin1').split(/(?<=\n)/).filter(l => l !== '')
const table = (ls: string[]) => lineTable(Buffer.from(ls.join(''), 'latin1'))
const content = fc.tuple(fc.array(line, { maxLength: 30 }), fc.constantFrom('', '', 'no newline', 'cr\r', '\xff')).map(([ls, tail]) => Buffer.from(ls.join('') + tail, 'latin1'))
/** an edit of a text: some lines removed, replaced or added */
const edited = (base: Buffer): fc.Arbitrary<Buffer> => fc.array(fc.tuple(fc.nat(40), fc.constantFrom('drop', 'add', 'swap'), line), { maxLength: 8 }).chain(ops => fc.constantFrom('', '', 'tail', 'cr\r').map(tail => {
  const ls = splitLines(base)
  for (const [at, op, l] of ops) {
    const i = ls.length === 0 ? 0 : at % (ls.length + (op === 'add' ? 1 : 0))
    if (op === 'drop') ls.splice(i, 1)
    else if (op === 'add') ls.splice(i, 0, l)
    else ls[i] = l
  }
  return Buffer.from(ls.join('') + tail, 'latin1')
}))
const pair = fc.oneof(content.chain(a => edited(a).map(b => [a, b] as const)), fc.tuple(content, content))

function patchFor (name: string, a: Buffer, b: Buffer): Buffer {
  const hunks = unifiedHunks(a, b)
  if (hunks.length === 0) return Buffer.alloc(0)
  return Buffer.concat([Buffer.from(`diff --git a/${name} b/${name}\nindex ${gitBlobId(a).slice(0, 7)}..${gitBlobId(b).slice(0, 7)} 100644\n--- a/${name}\n+++ b/${name}\n`), hunks])
}

test('git apply turns the old bytes into the new ones with every patch (generated edits: tabs, CRLF, no final newline, Latin-1)', t => {
  const dir = gitSeed()
  const file = path.join(dir, 'f')
  assertProperty(t, fc.property(pair, ([a, b]) => {
    fs.writeFileSync(file, a)
    const patch = patchFor('f', a, b)
    if (patch.length === 0) { if (!a.equals(b)) throw new Error('no patch for different bytes'); return }
    const r = spawnSync('git', ['apply', '--whitespace=nowarn', '-'], { cwd: dir, env: gitEnv(), input: patch })
    if (r.status !== 0) throw new Error(`git apply refused:\n${r.stderr.toString()}\n${patch.toString('latin1')}`)
    const now = fs.readFileSync(file)
    if (!now.equals(b)) throw new Error(`git apply gave ${JSON.stringify(now.toString('latin1'))}, not ${JSON.stringify(b.toString('latin1'))}`)
  }), 300)
})

test('GNU patch takes the same patches', t => {
  const dir = gitSeed()
  const file = path.join(dir, 'f')
  assertProperty(t, fc.property(pair, ([a, b]) => {
    fs.writeFileSync(file, a)
    const patch = patchFor('f', a, b)
    if (patch.length === 0) return
    const r = spawnSync('patch', ['-p1', '-s', '--no-backup-if-mismatch', '-r', '-'], { cwd: dir, input: patch })
    if (r.status !== 0) throw new Error(`patch refused: ${r.stdout.toString()}${r.stderr.toString()}\n${patch.toString('latin1')}`)
    if (!fs.readFileSync(file).equals(b)) throw new Error('patch gave other bytes')
  }), 100)
})

/** git diff --no-index of two generated texts, written as files l and r: its stdout. */
function gitDiffOf (dir: string, a: Buffer, b: Buffer, flags: string[]): Buffer {
  fs.writeFileSync(path.join(dir, 'l'), a)
  fs.writeFileSync(path.join(dir, 'r'), b)
  return spawnSync('git', ['diff', '--no-index', ...flags, '--', 'l', 'r'], { cwd: dir, env: gitEnv() }).stdout
}

test('added and removed line counts are what git diff --numstat says', t => {
  const dir = gitSeed()
  assertProperty(t, fc.property(pair, ([a, b]) => {
    const r = { stdout: gitDiffOf(dir, a, b, ['--numstat']) }
    const counts = { added: 0, removed: 0 }
    unifiedHunks(a, b, counts)
    const want = r.stdout.toString().trim()
    const [added, removed] = want === '' ? [0, 0] : want.split('\t').map(Number)
    // git's minimal-effort script and ours may differ in shape, never in what a line count of an optimal one allows;
    // on these small inputs both find the shortest
    if (counts.added !== added || counts.removed !== removed) throw new Error(`acache +${counts.added} -${counts.removed}, git +${added} -${removed}`)
  }), 200)
})

test('the hunks are the ones git diff prints, byte for byte (its indent heuristic and function names included)', t => {
  const dir = gitSeed()
  assertProperty(t, fc.property(pair, ([a, b]) => {
    const out = gitDiffOf(dir, a, b, ['--no-color']).toString('latin1')
    const at = out.indexOf('\n@@')
    const want = at < 0 ? '' : out.slice(at + 1)
    const got = unifiedHunks(a, b).toString('latin1')
    if (got !== want) throw new Error(`acache:\n${got}\ngit:\n${want}`)
  }), 300)
})

test('on code-like text (blocks, indents, blank lines) the hunks start where git diff\'s indent heuristic puts them', t => {
  const dir = gitSeed()
  const code = fc.constantFrom('function f () {\n', '  if (x) {\n', '    y()\n', '  }\n', '}\n', '\n', '\n', '\treturn 1\n', '  // note\n', 'const a = 1\n')
  const text = fc.array(code, { maxLength: 40 }).map(ls => Buffer.from(ls.join('')))
  const edited = text.chain(a => fc.array(fc.tuple(fc.nat(50), fc.boolean(), code), { maxLength: 5 }).map(ops => {
    const ls = a.toString().split(/(?<=\n)/).filter(l => l !== '')
    for (const [at, add, l] of ops) { const i = ls.length === 0 ? 0 : at % (ls.length + (add ? 1 : 0)); if (add) ls.splice(i, 0, l); else ls.splice(i, 1) }
    return [a, Buffer.from(ls.join(''))] as const
  }))
  assertProperty(t, fc.property(edited, ([a, b]) => {
    const out = gitDiffOf(dir, a, b, ['--no-color']).toString('latin1')
    const want = out.indexOf('\n@@') < 0 ? '' : out.slice(out.indexOf('\n@@') + 1)
    const got = unifiedHunks(a, b).toString('latin1')
    if (got !== want) throw new Error(`acache:\n${got}\ngit:\n${want}`)
  }), 200)
})

test('the git blob ID in the index line is what git hash-object says', t => {
  const dir = gitSeed()
  for (const bytes of ['', 'hello\n', 'caf\xe9\r\n', '\0binary']) {
    fs.writeFileSync(path.join(dir, 'x'), Buffer.from(bytes, 'latin1'))
    t.is(gitBlobId(Buffer.from(bytes, 'latin1')), git(dir, ['hash-object', 'x']).toString().trim())
  }
})

test('a rewritten file is diffed with bounded work: every line on one side only needs no search', t => {
  const a = Array.from({ length: 100_000 }, (_, i) => `old line ${i}\n`)
  const b = Array.from({ length: 100_000 }, (_, i) => `new line ${i}\n`)
  const c = diffLines(table(a), table(b))
  t.is(c.a.reduce((s, x) => s + x, 0), 100_000)
  t.is(c.b.reduce((s, x) => s + x, 0), 100_000)
})

test('lines moved around in a large file give a correct script (the cost limit splits, it never gives up)', t => {
  // every line exists on both sides, shuffled: the shortest script is expensive to find
  const n = 20_000
  const a = Array.from({ length: n }, (_, i) => `line ${i}\n`)
  let seed = 7
  const b = [...a].sort(() => { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return (seed & 1) === 0 ? -1 : 1 })
  const c = diffLines(table(a), table(b))
  // what is kept on each side must be the same sequence (a common subsequence)
  const keptA = a.filter((_, i) => c.a[i] === 0)
  const keptB = b.filter((_, i) => c.b[i] === 0)
  t.deepEqual(keptA, keptB)
  t.true(keptA.length > 0)
})
