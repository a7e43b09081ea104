/**
 * Crash safety: kill -9 acache at random moments of each command that
 * changes something, then check that nothing is lost: `verify` passes, refs
 * point to complete commits, the working root holds the old or the new state
 * of every file, and running the command again finishes the job.
 *
 *   TORTURE_KILLS=400 TORTURE_SEED=7 npm run test:torture   # longer
 */
import test from 'ava'
import fs from 'node:fs'
import path from 'node:path'
import { spawn } from 'node:child_process'
import crypto from 'node:crypto'
import { User, BIN, tmpdir } from '../helpers.js'

const KILLS_PER_COMMAND = Math.max(1, Math.round(Number(process.env.TORTURE_KILLS ?? 42) / 7))
const SEED = Number(process.env.TORTURE_SEED ?? 20261128)

function prng (seed: number): () => number {
  let a = seed >>> 0
  return () => { a = (a + 0x6D2B79F5) >>> 0; let t = a; t = Math.imul(t ^ (t >>> 15), t | 1); t ^= t + Math.imul(t ^ (t >>> 7), t | 61); return ((t ^ (t >>> 14)) >>> 0) / 4294967296 }
}

/** Runs acache and kills it with SIGKILL after `ms` (if it is still running). Returns whether it was killed. */
async function runAndKill (u: User, args: string[], ms: number): Promise<boolean> {
  const p = spawn(process.execPath, [BIN, ...args], { cwd: u.work, env: { ...process.env, ACACHE_HOME: u.home }, stdio: 'ignore' })
  const timer = setTimeout(() => p.kill('SIGKILL'), ms)
  const code = await new Promise<number | null>(resolve => p.on('exit', (c) => resolve(c)))
  clearTimeout(timer)
  return code === null
}

function fill (u: User, dir: string, n: number, tag: string): void {
  for (let i = 0; i < n; i++) u.write(`${dir}/f${i % 20}/file${i}.txt`, `${tag} ${i}\n`)
  u.write(`${dir}/big.bin`, crypto.createHash('sha256').update(tag).digest().toString('hex').repeat(300_000))
}

function snapshotWork (u: User): Map<string, string> {
  const out = new Map<string, string>()
  const walk = (d: string): void => {
    for (const e of fs.readdirSync(path.join(u.work, d), { withFileTypes: true })) {
      const p = d === '' ? e.name : `${d}/${e.name}`
      if (p === '.acache') continue
      if (e.isDirectory()) walk(p)
      else out.set(p, crypto.createHash('sha256').update(fs.readFileSync(path.join(u.work, p))).digest('hex'))
    }
  }
  walk('')
  return out
}

const report: Record<string, { runs: number, killed: number }> = {}
test.after.always(() => {
  const lines = Object.entries(report).map(([k, v]) => `${k}: ${v.runs} runs, ${v.killed} killed mid-way`)
  console.log(`kill -9 torture (seed ${SEED}):\n  ${lines.join('\n  ')}`)
})
function count (what: string, killed: boolean): void {
  report[what] ??= { runs: 0, killed: 0 }
  report[what].runs++
  if (killed) report[what].killed++
}

/** A torture run that never killed anything tested nothing. */
function killedSome (t: { true: (v: boolean, m?: string) => void }, ...what: string[]): void {
  for (const w of what) t.true((report[w]?.killed ?? 0) > 0, `${w}: none of ${report[w]?.runs ?? 0} runs was killed mid-way`)
}

test.serial('commit survives kill -9 at any moment', async t => {
  const rnd = prng(SEED)
  const u = new User('alice').setup()
  fill(u, 'data', 300, 'v0')
  u.ok(['commit', '-m', 'base'])
  for (let i = 0; i < KILLS_PER_COMMAND; i++) {
    fill(u, 'data', 300, `v${i + 1}`)
    const before = u.head()
    const killed = await runAndKill(u, ['commit', '-m', `c${i}`], 100 + rnd() * 500)
    count('commit', killed)
    t.is(u.run(['verify']).code, 0, `verify after kill ${i}`)
    const r = u.run(['commit', '-m', `c${i} again`])
    t.true(r.code === 0 || (r.code === 1 && /nothing to commit/.test(r.stderr)), r.stderr)
    t.is(u.ok(['status', '--porcelain']).stdout, '')
    t.not(u.head(), before)
  }
  killedSome(t, 'commit')
})

test.serial('switch survives kill -9: each file is old or new, and switching again finishes', async t => {
  const rnd = prng(SEED + 1)
  const u = new User('alice').setup()
  fill(u, 'data', 300, 'A')
  u.ok(['commit', '-m', 'A'])
  const A = snapshotWork(u)
  u.ok(['switch', '-c', 'b'])
  fill(u, 'data', 300, 'B')
  for (let i = 0; i < 40; i++) fs.rmSync(u.path(`data/f${i % 20}/file${i}.txt`), { force: true })
  u.write('only-in-b/x.txt', 'x')
  u.ok(['commit', '-m', 'B'])
  const B = snapshotWork(u)
  let target = 'main'
  for (let i = 0; i < KILLS_PER_COMMAND; i++) {
    const killed = await runAndKill(u, ['switch', target], 100 + rnd() * 400)
    count('switch', killed)
    const now = snapshotWork(u)
    for (const p of new Set([...A.keys(), ...B.keys(), ...now.keys()])) {
      const h = now.get(p)
      t.true(h === A.get(p) || h === B.get(p), `${p} is neither A's nor B's after kill ${i}`)
    }
    t.is(u.run(['verify']).code, 0)
    u.ok(['switch', target])
    t.deepEqual(snapshotWork(u), target === 'main' ? A : B)
    t.is(u.ok(['status', '--porcelain']).stdout, '')
    target = target === 'main' ? 'b' : 'main'
  }
  killedSome(t, 'switch')
})

/** alice publishes to a bare store; bob follows her from it. */
function world (): { alice: User, bob: User } {
  const alice = new User('alice').setup()
  const bob = new User('bob').setup()
  const store = path.join(tmpdir(), 'store')
  alice.ok(['init', '--bare', store])
  const akey = alice.ok(['id', 'show', '--json']).json.key
  alice.ok(['remote', 'add', 'store', store, '--key', akey])
  bob.ok(['remote', 'add', 'alice', store, '--key', akey])
  fill(alice, 'data', 200, 'a0')
  alice.ok(['commit', '-m', 'a0'])
  alice.ok(['push', 'store'])
  bob.ok(['pull', 'alice'])
  return { alice, bob }
}

test.serial('push survives kill -9 (the remote is never left with a head whose blocks are missing)', async t => {
  const rnd = prng(SEED + 2)
  const { alice, bob } = world()
  for (let i = 0; i < KILLS_PER_COMMAND; i++) {
    fill(alice, 'data', 200, `a${i + 1}`)
    alice.ok(['commit', '-m', `a${i + 1}`])
    count('push', await runAndKill(alice, ['push', 'store'], 100 + rnd() * 300))
    const f = bob.run(['fetch', 'alice'])
    t.is(f.code, 0, `a head was published without its blocks: ${f.stderr}`)
    alice.ok(['push', 'store'])
  }
  killedSome(t, 'push')
})

test.serial('fetch survives kill -9', async t => {
  const rnd = prng(SEED + 3)
  const { alice, bob } = world()
  for (let i = 0; i < KILLS_PER_COMMAND; i++) {
    fill(alice, 'data', 200, `a${i + 1}`)
    alice.ok(['commit', '-m', `a${i + 1}`])
    alice.ok(['push', 'store'])
    count('fetch', await runAndKill(bob, ['fetch', 'alice'], 100 + rnd() * 300))
    t.is(bob.run(['verify']).code, 0)
    bob.ok(['fetch', 'alice'])
    t.is(bob.ok(['log', 'alice/main', '-n', '1', '--json']).json.commits[0].commit, alice.head())
  }
  killedSome(t, 'fetch')
})

test.serial('merge survives kill -9', async t => {
  const rnd = prng(SEED + 4)
  const { alice, bob } = world()
  for (let i = 0; i < KILLS_PER_COMMAND; i++) {
    fill(alice, 'data', 200, `a${i + 1}`)
    alice.ok(['commit', '-m', `a${i + 1}`])
    alice.ok(['push', 'store'])
    bob.ok(['fetch', 'alice'])
    bob.write(`bob/${i}.txt`, `bob ${i}\n`)
    bob.ok(['commit', '-m', `bob ${i}`])
    count('merge', await runAndKill(bob, ['merge', 'alice/main'], 100 + rnd() * 400))
    t.is(bob.run(['verify']).code, 0)
    const m = bob.run(['merge', 'alice/main'])
    t.is(m.code, 0, m.stderr)
    t.is(bob.ok(['status', '--porcelain']).stdout, '')
  }
  killedSome(t, 'merge')
})

test.serial('bundle import and gc survive kill -9', async t => {
  const rnd = prng(SEED + 5)
  const { alice, bob } = world()
  for (let i = 0; i < KILLS_PER_COMMAND; i++) {
    fill(alice, 'data', 200, `a${i + 1}`)
    alice.ok(['commit', '-m', `a${i + 1}`])
    const file = path.join(tmpdir(), 'b.car')
    alice.ok(['bundle', 'create', file])
    count('bundle import', await runAndKill(bob, ['bundle', 'import', file], 100 + rnd() * 300))
    t.is(bob.run(['verify']).code, 0)
    bob.ok(['bundle', 'import', file])
    bob.ok(['merge', 'alice/main'])
    count('gc', await runAndKill(bob, ['gc', '--now'], 100 + rnd() * 300))
    t.is(bob.run(['verify']).code, 0)
    bob.ok(['gc', '--now'])
    t.is(bob.run(['verify']).code, 0)
  }
  killedSome(t, 'bundle import', 'gc')
})
