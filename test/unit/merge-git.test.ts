import test from 'ava'
import fs from 'node:fs'
import path from 'node:path'
import { spawnSync } from 'node:child_process'
import fc from 'fast-check'
import { diff3Text } from '../../src/merge/text.js'
import { assertProperty, gitEnv, gitSeed } from '../git.js'

// git is the oracle: three-way merges of generated edits against `git merge-file`.

const LINES = ['a\n', 'b\n', 'c\n', 'd\n', 'e\n', 'same\n', '\tx\n', 'crlf\r\n', 'caf\xe9\n', '\n']
const line = fc.constantFrom(...LINES)
const base = fc.tuple(fc.array(line, { minLength: 0, maxLength: 30 }), fc.constantFrom('', '', 'tail')).map(([ls, t]) => t === '' ? ls : [...ls, t])
function edit (ls: string[]): fc.Arbitrary<string[]> {
  return fc.array(fc.tuple(fc.nat(40), fc.constantFrom('drop', 'add', 'swap'), line), { maxLength: 6 }).map(ops => {
    const out = [...ls]
    for (const [at, op, l] of ops) {
      const i = out.length === 0 ? 0 : at % (out.length + (op === 'add' ? 1 : 0))
      if (op === 'drop') out.splice(i, 1)
      else if (op === 'add') out.splice(i, 0, l)
      else out[i] = l
    }
    return out
  })
}
const triple = base.chain(b => fc.tuple(fc.constant(b), edit(b), edit(b)))

function gitMergeFile (dir: string, b: string, o: string, t: string): { clean: boolean, text: string } {
  const f = (n: string, s: string): string => { const p = path.join(dir, n); fs.writeFileSync(p, Buffer.from(s, 'latin1')); return p }
  const r = spawnSync('git', ['merge-file', '-p', '--diff3', '-L', 'ours', '-L', 'base', '-L', 'theirs', f('ours', o), f('base', b), f('theirs', t)], { env: gitEnv() })
  if (r.status === null || r.status < 0) throw new Error(r.stderr.toString())
  return { clean: r.status === 0, text: r.stdout.toString('latin1') }
}

test('a merge is clean exactly when git merge-file says so, and then gives the same bytes (generated edits)', t => {
  const dir = gitSeed()
  assertProperty(t, fc.property(triple, ([b, o, th]) => {
    const [bs, os, ts] = [b.join(''), o.join(''), th.join('')]
    const r = diff3Text(Buffer.from(bs, 'latin1'), Buffer.from(os, 'latin1'), Buffer.from(ts, 'latin1'), { ours: 'ours', base: 'base', theirs: 'theirs' })
    const ours = { clean: r.clean, text: r.bytes.toString('latin1') }
    const git = gitMergeFile(dir, bs, os, ts)
    if (ours.clean !== git.clean) throw new Error(`acache says ${ours.clean ? 'clean' : 'conflict'}, git ${git.clean ? 'clean' : 'conflict'}\nacache:\n${ours.text}\ngit:\n${git.text}`)
    if (ours.text !== git.text) throw new Error(`different merges\nacache:\n${ours.text}\ngit:\n${git.text}`)
  }), 400)
})
