import test from 'ava'
import fs from 'node:fs'
import path from 'node:path'
import { RULES } from '../../src/accept/rules.js'
import { ROOT } from '../helpers.js'

// The acceptance rules stand in one list (src/accept/rules.ts); this holds
// the list to the code and keeps other modules from growing their own.

function sources (dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap(d => d.isDirectory() ? sources(path.join(dir, d.name)) : d.name.endsWith('.ts') ? [path.join(dir, d.name)] : [])
}

test('every rule names the one function that decides it, and that function is there', t => {
  t.true(RULES.length >= 10)
  for (const r of RULES) {
    const [file, name] = r.where.split('#')
    const text = fs.readFileSync(path.join(ROOT, file), 'utf8')
    t.regex(text, new RegExp(`(function \\*? ?${name} |const ${name} = |export async function ${name}\\b|export function ${name}\\b)`), `${r.where}: ${r.rule}`)
  }
})

test('the primitives under the rules are called only by the rule that owns them (and by verdicts on what is already here)', t => {
  // primitive -> the files allowed to call it, and why
  const allowed: Record<string, string[]> = {
    // the block rule (store/blockstore.ts admitBlock), and each store checking what it reads back
    'checkBlock(': ['src/store/blockstore.ts', 'src/store/fs-blockstore.ts', 'src/store/packed-blockstore.ts', 'src/store/kubo-blockstore.ts', 'src/store/leaf-pool.ts', 'src/remote/sync.ts'],
    'blockTooLarge(': ['src/store/blockstore.ts', 'src/remote/sync.ts', 'src/remote/car.ts'],
    // the commit rule (model/commit.ts admitCommit); verify and log only report a verdict
    'commitSignatureValid(': ['src/model/commit.ts', 'src/core/verify.ts', 'src/services/log-entry.ts'],
    // the head rule (accept/head.ts); push reads back heads of its own key
    'headSignedBy(': ['src/model/head.ts', 'src/accept/head.ts', 'src/core/push.ts'],
    'foldCollision(': ['src/model/names.ts', 'src/accept/arrival.ts']
  }
  const found = new Set<string>()
  for (const file of sources(path.join(ROOT, 'src'))) {
    const rel = path.relative(ROOT, file)
    const text = fs.readFileSync(file, 'utf8').replace(/^\s*(\/\/|\*).*$/gm, '') // comments aside
    for (const [call, files] of Object.entries(allowed)) {
      if (!text.includes(call)) continue
      found.add(call)
      t.true(files.includes(rel) || text.includes(`function ${call.replace('(', ' (')}`), `${rel} calls ${call}: acceptance is decided in ${files.join(', ')} (src/accept/rules.ts)`)
    }
  }
  // the scan saw every primitive where it is allowed (a scan that finds nothing proves nothing)
  t.deepEqual([...found].sort(), Object.keys(allowed).sort())
})

test('the README lists the same rules', t => {
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8')
  for (const r of RULES) t.true(readme.includes(r.where.replace('src/', '')), `README names ${r.where}`)
})
