/**
 * Trust by construction (issue 15), part 3: local integrity. A fetched tree
 * never writes where the key is kept, `.acache` in any case is never
 * recorded, a stale lock is taken by one process only, a push and a gc of
 * the same store never cross, nothing from others reaches the terminal raw,
 * and a head's branch names can always be written as refs.
 */
import test from 'ava'
import fs from 'node:fs'
import path from 'node:path'
import { spawn, spawnSync } from 'node:child_process'
import { CID } from 'multiformats/cid'
import { User, ROOT, tmpdir } from '../helpers.js'
import { craft, friends, keyOf, publish, stateOf, storeOf } from '../attack.js'

const head = (u: User, rev = 'HEAD'): CID => CID.parse(u.ok(['log', rev, '-n', '1', '--json']).json.commits[0].commit)

test('a fetched tree never writes into $ACACHE_HOME inside the working root', async t => {
  const alice = new User('alice')
  ;(alice as any).home = path.join(alice.work, 'keys') // her key lives inside her working root
  alice.setup()
  alice.write('a.txt', 'a\n')
  alice.ok(['commit', '-m', 'one'])
  alice.ok(['push'])
  t.deepEqual(alice.ok(['status', '--porcelain']).stdout, '', 'the key folder is never seen as a change')
  const mallory = new User('mallory').setup()
  friends(alice, mallory)
  mallory.ok(['pull', 'alice'])
  const evil = await craft(mallory, [head(mallory)], { 'keys/identity': '{"stolen": true}' }, mallory)
  publish(mallory, { main: evil })
  const key = fs.readFileSync(path.join(alice.home, 'identity'))
  alice.ok(['fetch', 'mallory'])
  const m = alice.run(['merge', 'mallory/main'])
  t.is(m.code, 2, m.stderr)
  t.regex(m.stderr, /ACACHE_HOME/)
  t.deepEqual(fs.readFileSync(path.join(alice.home, 'identity')), key)
  const s = alice.run(['switch', '--detach', evil.toString()])
  t.is(s.code, 2, s.stderr)
  t.deepEqual(fs.readFileSync(path.join(alice.home, 'identity')), key)
  t.is(alice.ok(['log', '-n', '1', '--json']).json.commits[0].message, 'one\n')
})

test('.acache in any letter case is never recorded (the rule every reader applies)', t => {
  const u = new User('solo').setup()
  u.write('.ACACHE/config', 'not mine\n')
  u.write('.Acache/x', 'y\n')
  u.write('ok.txt', 'ok\n')
  u.ok(['commit', '-m', 'one'])
  const names = u.ok(['show', 'HEAD:', '--json']).json.entries.map((e: any) => e.name)
  t.deepEqual(names, ['ok.txt'])
  t.is(u.ok(['verify']).code, 0)
  t.is(u.ok(['status', '--porcelain']).stdout, '')
})

/** Runs `count` processes that each take the lock of `dir`, hold it a while and log when. */
async function contenders (dir: string, count: number): Promise<Array<[number, number, number]>> {
  const script = `
    const { acquireLock } = await import(${JSON.stringify(path.join(ROOT, 'dist', 'src', 'repo', 'lock.js'))})
    const fs = await import('node:fs')
    const until = Date.now() + 3000
    for (;;) {
      try {
        const release = acquireLock(${JSON.stringify(path.join(dir, 'lock'))})
        const a = Date.now()
        const stop = a + 150
        while (Date.now() < stop) {}
        const b = Date.now()
        release()
        fs.appendFileSync(${JSON.stringify(path.join(dir, 'held.log'))}, JSON.stringify([process.pid, a, b]) + '\\n')
        break
      } catch (err) { if (err.code !== 'LOCKED' || Date.now() > until) throw err }
    }`
  await Promise.all(Array.from({ length: count }, async () => await new Promise<void>((resolve, reject) => {
    const p = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: 'inherit' })
    p.on('exit', (code) => code === 0 ? resolve() : reject(new Error(`contender exited ${code}`)))
  })))
  return fs.readFileSync(path.join(dir, 'held.log'), 'utf8').trim().split('\n').map(l => JSON.parse(l))
}

test('a stale lock is taken over by one process only; a lock whose pid was reused is stale', async t => {
  for (let round = 0; round < 4; round++) {
    const dir = tmpdir('acache-lock-')
    const dead = spawnSync('true').pid!
    fs.writeFileSync(path.join(dir, 'lock'), `${dead} 1\n`) // a holder that was killed
    const held = (await contenders(dir, 6)).sort((a, b) => a[1] - b[1])
    t.is(held.length, 6)
    for (let i = 1; i < held.length; i++) t.true(held[i][1] >= held[i - 1][2], `two processes held the lock at once: ${JSON.stringify(held)}`)
  }
  // pid 1 is alive, but it is not the process that took this lock (another start time)
  const dir = tmpdir('acache-lock-')
  fs.writeFileSync(path.join(dir, 'lock'), '1 999999999\n')
  const { acquireLock } = await import('../../src/repo/lock.js')
  const release = acquireLock(path.join(dir, 'lock'))
  t.regex(fs.readFileSync(path.join(dir, 'lock'), 'utf8'), new RegExp(`^${process.pid} `))
  // and a live holder is respected
  t.throws(() => acquireLock(path.join(dir, 'lock')), { message: /locked by another acache process/ })
  release()
})

test('a push into a bare store holds its lock until the head is published: gc of the store waits', async t => {
  const u = new User('pusher').setup()
  u.write('a.txt', 'a\n')
  u.ok(['commit', '-m', 'one'])
  const store = path.join(tmpdir('acache-store-'), 'store')
  u.ok(['init', '--bare', store])
  const { DirectoryTransport } = await import('../../src/remote/directory.js')
  const { pushObjects } = await import('../../src/remote/sync.js')
  const tr = new DirectoryTransport(store)
  await pushObjects(storeOf(u), async (c) => await tr.hasBlock(c), async (c, b) => await tr.putBlock(c, b), [head(u)])
  // blocks are in, the head is not: gc --now would drop them all
  const gc = u.run(['-C', store, 'gc', '--now'])
  t.is(gc.code, 5, gc.stderr)
  t.regex(gc.stderr, /locked/)
  const { signHead } = await import('../../src/model/head.js')
  const { loadIdentity } = await import('../../src/identity/identity.js')
  const id = loadIdentity(u.home)!
  const h = signHead({ type: 'acache/head', version: 1, key: id.key, seq: 1, time: new Date().toISOString(), heads: { main: head(u) } }, id.secretKey)
  await tr.putHead(id.key, 1, h.bytes)
  await tr.close()
  u.ok(['-C', store, 'gc', '--now'])
  const carol = new User('carol').setup()
  carol.ok(['remote', 'add', 'u', store, '--key', id.key])
  carol.ok(['fetch', 'u'])
  t.is(carol.ok(['show', 'u/main:a.txt']).stdout, 'a\n')
})

test('terminal escapes in names, messages and paths are shown escaped, never sent raw', async t => {
  const alice = new User('alice').setup()
  const mallory = new User('mallory')
  mallory.ok(['init', '-q'])
  mallory.ok(['id', 'new', '--name', `mallory\x1b[2K\x1b[1G${keyOf(alice)}`])
  friends(alice, mallory)
  mallory.write('evil\x1b]0;pwned\x07.txt', 'x\n')
  mallory.ok(['commit', '-m', 'hello\x1b[1A\x1b[2Kfake line'])
  mallory.ok(['push'])
  alice.ok(['fetch', 'mallory'])
  for (const args of [['log', 'mallory/main'], ['log', '--oneline', 'mallory/main'], ['show', 'mallory/main'], ['show', 'mallory/main:']]) {
    const r = alice.ok(args)
    t.false(r.stdout.includes('\x1b'), `${args.join(' ')} printed a raw escape`)
    t.false(r.stdout.includes('\x07'))
  }
  t.regex(alice.ok(['log', 'mallory/main']).stdout, /Author: mallory\\x1b\[2K\\x1b\[1Gdid:key/)
})

test('a head naming both x and x/y, or a branch starting with ".", is refused whole (exit 2), refs unchanged', async t => {
  const alice = new User('alice').setup()
  const mallory = new User('mallory').setup()
  mallory.write('m.txt', 'm\n')
  mallory.ok(['commit', '-m', 'one'])
  friends(alice, mallory)
  const c = head(mallory)
  const bad: Array<Record<string, CID>> = [{ x: c, 'x/y': c }, { 'a/x': c, 'a-b': c, 'a/x/y': c }, { '.hidden': c }, { 'ok/.hidden': c }]
  for (const heads of bad) {
    publish(mallory, heads)
    const before = stateOf(alice)
    const r = alice.run(['fetch', 'mallory', '--json'])
    t.is(r.code, 2, r.stdout + r.stderr)
    t.is(r.json.error.code, 'BAD_OBJECT')
    t.deepEqual(stateOf(alice), before)
  }
  publish(mallory, { main: c, 'feature/x': c })
  alice.ok(['fetch', 'mallory'])
  t.deepEqual(alice.ok(['branch', '-a', '--json']).json.branches.map((b: any) => b.name).sort(), ['mallory/feature/x', 'mallory/main'])
})
