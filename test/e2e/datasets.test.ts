import test from 'ava'
import fs from 'node:fs'
import path from 'node:path'
import crypto from 'node:crypto'
import { spawnSync } from 'node:child_process'
import { BIN, User, runAsync, tmpdir } from '../helpers.js'

const MiB = 1024 * 1024

function randomFile (u: User, p: string, size: number, seed: string): Buffer {
  const out = Buffer.alloc(size)
  let block = crypto.createHash('sha256').update(seed).digest()
  for (let o = 0; o < size; o += 32) { block = crypto.createHash('sha256').update(block).digest(); block.copy(out, o) }
  u.write(p, out)
  return out
}

function stored (u: User, msg: string): number {
  return u.ok(['commit', '-m', msg, '--json']).json.stored.bytes
}

for (const chunker of ['fixed', 'cdc'] as const) {
  test(`${chunker} chunking: what a 1-byte insertion, an append and a 1 MiB overwrite add to the store`, t => {
    const u = new User('alice')
    u.ok(['init', '-q', '--chunker', chunker])
    u.ok(['id', 'new', '--name', 'alice'])
    if (chunker === 'cdc') t.regex(u.read('.acacheattributes'), /chunker = cdc/)
    const data = randomFile(u, 'ckpt.bin', 32 * MiB, 'v1')
    t.true(stored(u, 'v1') >= 32 * MiB)
    // insert one byte in the middle
    const inserted = Buffer.concat([data.subarray(0, 16 * MiB), Buffer.from([42]), data.subarray(16 * MiB)])
    u.write('ckpt.bin', inserted)
    const ins = stored(u, 'insert')
    if (chunker === 'cdc') t.true(ins < 4 * MiB, `cdc stored ${ins} bytes for a 1-byte insertion`)
    else t.true(ins > 12 * MiB, `fixed stored only ${ins}`)
    // append 1 MiB
    u.write('ckpt.bin', Buffer.concat([inserted, Buffer.alloc(MiB, 3)]))
    const app = stored(u, 'append')
    t.true(app < 3 * MiB, `${chunker} stored ${app} bytes for a 1 MiB append`)
    // overwrite 1 MiB in place
    const over = Buffer.concat([inserted, Buffer.alloc(MiB, 3)])
    crypto.randomFillSync(over, 8 * MiB, MiB)
    u.write('ckpt.bin', over)
    const ow = stored(u, 'overwrite')
    // fixed: the one aligned piece; cdc: the region plus the chunks around it (about 2 MiB on average)
    t.true(ow < (chunker === 'fixed' ? 1.1 : 5) * MiB, `${chunker} stored ${ow} bytes for a 1 MiB overwrite`)
    // every version reads back whole, through the ordinary UnixFS reader
    const appended = Buffer.concat([inserted, Buffer.alloc(MiB, 3)])
    for (const [rev, want] of [['HEAD~3', data], ['HEAD~2', inserted], ['HEAD~1', appended], ['HEAD', over]] as const) {
      t.true(u.bytes(['show', `${rev}:ckpt.bin`]).equals(want), `${rev}:ckpt.bin differs from what was committed`)
    }
    t.is(u.ok(['verify']).code, 0)
    const sz = u.ok(['size', '--json']).json
    t.is(sz.logical, over.length + (chunker === 'cdc' ? fs.statSync(u.path('.acacheattributes')).size : 0))
  })
}

test('cdc history: a friend who fetches it computes the same CIDs (clean status after touching the file)', t => {
  const alice = new User('alice')
  alice.ok(['init', '-q', '--chunker', 'cdc'])
  alice.ok(['id', 'new', '--name', 'alice'])
  randomFile(alice, 'data/big.bin', 8 * MiB, 'x')
  alice.ok(['commit', '-m', 'cdc data'])
  alice.ok(['push'])
  const bob = new User('bob').setup()
  bob.ok(['remote', 'add', 'alice', alice.ok(['id', 'export', '--publish', alice.work]).stdout.trim()])
  bob.ok(['pull', 'alice'])
  const f = bob.path('data/big.bin')
  const later = new Date(Date.now() + 5000)
  fs.utimesSync(f, later, later) // stat changes, so status must rehash it
  t.is(bob.ok(['status', '--porcelain']).stdout, '')
  t.deepEqual(fs.readFileSync(f), fs.readFileSync(alice.path('data/big.bin')))
})

test('size: logical against stored bytes; identical files are stored once', t => {
  const u = new User('alice').setup()
  randomFile(u, 'a.bin', 4 * MiB, 'same')
  randomFile(u, 'b.bin', 4 * MiB, 'same')
  u.ok(['commit', '-m', 'twins'])
  const s = u.ok(['size', '--json']).json
  t.is(s.logical, 8 * MiB)
  t.true(s.stored < 4.1 * MiB)
  t.is(s.files, 2)
})

test('gc drops only what nothing reaches: --dry-run reports, branches, remote refs, pins and a merge under way are kept', t => {
  const u = new User('alice').setup()
  randomFile(u, 'keep.bin', 2 * MiB, 'keep')
  u.ok(['commit', '-m', 'keep'])
  u.ok(['switch', '-c', 'doomed'])
  randomFile(u, 'doomed.bin', 3 * MiB, 'doomed')
  u.ok(['commit', '-m', 'doomed'])
  u.ok(['switch', '-c', 'pinned', 'main'])
  const pinned = randomFile(u, 'pinned.bin', 1 * MiB, 'pinned')
  u.ok(['commit', '-m', 'pinned'])
  u.ok(['pin', 'release-1'])
  u.ok(['switch', 'main'])
  u.ok(['branch', '-D', 'doomed']) // not merged: -d would refuse
  u.ok(['branch', '-D', 'pinned'])
  const young = u.ok(['gc', '--json']).json
  t.is(young.dropped.blocks, 0, 'young blocks are kept without --now')
  const dry = u.ok(['gc', '--dry-run', '--now', '--json']).json
  t.true(dry.dropped.bytes >= 3 * MiB)
  t.true(dry.dropped.bytes < 3.2 * MiB)
  const real = u.ok(['gc', '--now', '--json']).json
  t.is(real.dropped.bytes, dry.dropped.bytes)
  t.is(u.ok(['gc', '--now', '--json']).json.dropped.blocks, 0)
  t.is(u.ok(['verify']).code, 0)
  t.true(u.bytes(['show', 'release-1:pinned.bin']).equals(pinned), 'the pinned version reads back whole')
})

test('gc and a concurrent commit: gc refuses while the commit holds the lock, nothing is lost', async t => {
  const u = new User('alice').setup()
  u.write('small', 'x')
  u.ok(['commit', '-m', 'base'])
  const big = randomFile(u, 'big.bin', 64 * MiB, 'race')
  // the commit's pre-commit hook (run under the repository lock) waits for our word
  const sync = tmpdir('acache-sync-')
  // (it gives up after 60 s, so a failed test leaves no process behind)
  fs.writeFileSync(u.path('.acache/hooks/pre-commit'), `#!/bin/sh\ntouch "${sync}/started"\ni=0\nwhile [ ! -e "${sync}/go" ] && [ $i -lt 3000 ]; do sleep 0.02; i=$((i+1)); done\n`, { mode: 0o755 })
  const committing = runAsync(u, ['commit', '-m', 'big', '--json'])
  const deadline = Date.now() + 30_000
  while (!fs.existsSync(path.join(sync, 'started'))) {
    if (Date.now() > deadline) throw new Error('the commit never reached its hook')
    await new Promise(resolve => setTimeout(resolve, 20))
  }
  const g = u.run(['gc', '--now', '--json'])
  t.is(g.code, 5, g.stdout)
  t.is(g.json.error.code, 'LOCKED')
  fs.writeFileSync(path.join(sync, 'go'), '')
  const c = await committing
  t.is(c.code, 0, c.stderr)
  u.ok(['gc', '--now'])
  t.is(u.ok(['verify']).code, 0)
  t.is(u.ok(['status', '--porcelain']).stdout, '')
  t.true(u.bytes(['show', 'HEAD:big.bin']).equals(big), 'the committed file reads back whole')
})

test('node options a worker thread refuses (V8 heap sizes) do not stop the threads that hash a large file', t => {
  const u = new User('alice').setup()
  u.write('big.bin', crypto.randomBytes(20 * MiB)) // past the size that starts the leaf threads
  const r = spawnSync(process.execPath, ['--max-semi-space-size=64', BIN, 'commit', '-q', '-m', 'big'], { cwd: u.work, env: { ...process.env, ACACHE_HOME: u.home }, encoding: 'utf8' })
  t.is(r.status, 0, r.stderr)
  u.ok(['verify'])
})
