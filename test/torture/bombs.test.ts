/**
 * Trust by construction (issue 15), part 2: bounded work for any input.
 * DAG bombs, sizes that lie, endless or silent servers, hostile uploads to
 * `serve`. Each refused with its exit code, or done in bounded time and
 * memory (every command here runs with a 300 MiB heap), nothing stored.
 */
import test from 'ava'
import fs from 'node:fs'
import net from 'node:net'
import http from 'node:http'
import path from 'node:path'
import { spawnSync } from 'node:child_process'
import * as dagPb from '@ipld/dag-pb'
import { UnixFS } from 'ipfs-unixfs'
import { CID } from 'multiformats/cid'
import { User, startServe, runAsync } from '../helpers.js'
import { commitOf, dirNode, file, filesOf, friends, keyOf, publish, setBranch, stateOf, storeOf } from '../attack.js'
import { pbCid } from '../../src/model/tree.js'
import { signHead } from '../../src/model/head.js'
import { loadIdentity } from '../../src/identity/identity.js'

const SMALL_HEAP = { NODE_OPTIONS: '--max-old-space-size=300' }
const head = (u: User, rev = 'HEAD'): CID => CID.parse(u.ok(['log', rev, '-n', '1', '--json']).json.commits[0].commit)

function pair (): { alice: User, mallory: User } {
  const alice = new User('alice').setup()
  const mallory = new User('mallory').setup()
  alice.write('a.txt', 'alice\n')
  alice.ok(['commit', '-m', 'root'])
  alice.ok(['push'])
  friends(alice, mallory)
  mallory.ok(['pull', 'alice'])
  return { alice, mallory }
}

/**
 * Runs `args` for u with a small heap, counting its work as it counts it
 * itself (ACACHE_TRACE's exit line: blocks read from the store and fetched
 * from remotes): exit code, output, work. Bounded work is asserted by
 * count, never by a clock (a loaded machine is slow, not wrong).
 */
function worked (u: User, args: string[], env: Record<string, string> = {}): { code: number, stderr: string, stdout: string, json: any, work: number } {
  const r = u.run(args, { env: { ...SMALL_HEAP, ACACHE_TRACE: '1', ...env } })
  const m = /exit \(peak RSS \d+ MiB; blocks read (\d+), fetched (\d+)\)/.exec(r.stderr)
  if (m === null) throw new Error(`acache ${args.join(' ')} did not say what it did: ${r.stderr.slice(-500)}`)
  return { ...r, stderr: r.stderr.split('\n').filter(l => !l.startsWith('trace ')).join('\n'), work: Number(m[1]) + Number(m[2]) }
}

/** 40 levels of a directory holding the one below twice: 41 blocks, 2^40 paths. */
async function doublingBomb (u: User, levels = 40): Promise<CID> {
  const leaf = await file(u, 'x')
  let d = await dirNode(u, [{ name: 'f', cid: leaf.cid }])
  for (let i = 0; i < levels; i++) d = await dirNode(u, [{ name: 'a', cid: d }, { name: 'b', cid: d }])
  return d
}

/** A HAMT directory whose 256 shard links all point at one sub-shard, four levels deep (256^4 entries). */
async function hamtBomb (u: User): Promise<CID> {
  const leaf = await file(u, 'x')
  const put = async (links: dagPb.PBLink[]): Promise<CID> => {
    const Data = new UnixFS({ type: 'hamt-sharded-directory', fanout: 256n, hashType: 0x22n, data: new Uint8Array(32).fill(0xff) }).marshal()
    const bytes = dagPb.encode(dagPb.prepare({ Data, Links: links }))
    const cid = pbCid(bytes)
    await storeOf(u).put(cid, bytes)
    return cid
  }
  let s = await put([{ Name: '00name', Hash: leaf.cid, Tsize: 1 }])
  for (let level = 0; level < 4; level++) {
    const sub = s
    s = await put(Array.from({ length: 256 }, (_, i) => ({ Name: i.toString(16).toUpperCase().padStart(2, '0'), Hash: sub, Tsize: 1 })))
  }
  return s
}

/** A file node of `count` links to one 1 MiB leaf (count MiB read, 1 MiB stored), claiming `claim` bytes in its link. */
async function hugeFile (u: User, count: number): Promise<{ cid: CID, tsize: number }> {
  const leaf = await file(u, new Uint8Array(1048576).fill(0x61))
  const node = new UnixFS({ type: 'file', blockSizes: Array.from({ length: count }, () => 1048576n) })
  const bytes = dagPb.encode(dagPb.prepare({ Data: node.marshal(), Links: Array.from({ length: count }, () => ({ Hash: leaf.cid, Tsize: 1048576 })) }))
  const cid = pbCid(bytes)
  await storeOf(u).put(cid, bytes)
  return { cid, tsize: bytes.byteLength + count * 1048576 }
}

for (const [name, build, code] of [['a directory DAG doubling 40 times', doublingBomb, 'TOO_LARGE'], ['a HAMT whose shards all link one sub-shard', hamtBomb, 'BAD_OBJECT']] as const) {
  test(`DAG bomb: ${name} is refused by fetch at once; planted locally, switch, show, verify and serve stay bounded`, async t => {
    const { alice, mallory } = pair()
    const bomb = await build(mallory)
    const files = await filesOf(mallory, head(mallory))
    const tree = await dirNode(mallory, [...[...files].map(([n, e]) => ({ name: n, cid: e.cid })), { name: 'bomb', cid: bomb }])
    const evil = await commitOf(mallory, tree, [head(mallory)], mallory)
    publish(mallory, { main: evil.cid })
    const before = stateOf(alice)
    const f = worked(alice, ['fetch', 'mallory', '--json'])
    t.is(f.code, 2, f.stdout + f.stderr)
    t.is(f.json.error.code, code)
    t.true(f.work < 1000, `fetch read ${f.work} blocks`)
    t.deepEqual(stateOf(alice), before)
    t.is(alice.run(['verify']).code, 0)
    // the same objects planted in mallory's own store: every reader stays bounded
    setBranch(mallory, evil.cid, 'bomb')
    const s = worked(mallory, ['switch', 'bomb'])
    t.is(s.code, 2, s.stderr)
    t.true(s.work < 1000, `switch read ${s.work} blocks`)
    t.is(mallory.read('a.txt'), 'alice\n')
    const sh = worked(mallory, ['show', 'bomb'])
    t.is(sh.code, 2, sh.stderr)
    t.true(sh.work < 1000, `show read ${sh.work} blocks`)
    const v = worked(mallory, ['verify', '--json'])
    t.is(v.code, 1, v.stdout + v.stderr)
    t.true(v.json.failures.some((x: any) => x.code === code), JSON.stringify(v.json.failures))
    t.true(v.work < 1000, `verify read ${v.work} blocks`)
    const srv = await startServe(mallory)
    try {
      const res = await fetch(`${srv.url}/ipfs/${evil.cid}?format=car`)
      const body = Buffer.from(await res.arrayBuffer())
      t.is(res.status, 200)
      t.true(body.byteLength < 4 * 1048576, 'each block once')
    } finally {
      await srv.stop()
    }
  })
}

test.serial('sizes are claims: a 3 MiB commit block, a 1 GiB .acacheowners are refused; a file whose link claims 1 byte is read within bounds', async t => {
  const { alice, mallory } = pair()
  const big = await commitOf(mallory, (await import('../../src/model/commit.js')).decodeCommit(await storeOf(mallory).get(head(mallory))).tree, [head(mallory)], mallory, { message: 'x'.repeat(3 * 1048576) })
  publish(mallory, { main: big.cid })
  const before = stateOf(alice)
  const r1 = worked(alice, ['fetch', 'mallory', '--json'])
  t.is(r1.code, 2, r1.stdout)
  t.is(r1.json.error.code, 'TOO_LARGE')
  t.deepEqual(stateOf(alice), before)
  // .acacheowners of 1 GiB (1024 links to one leaf: 1 MiB stored)
  const huge = await hugeFile(mallory, 1024)
  const files = await filesOf(mallory, head(mallory))
  const tree = await dirNode(mallory, [...[...files].map(([n, e]) => ({ name: n, cid: e.cid })), { name: '.acacheowners', cid: huge.cid, tsize: huge.tsize }])
  const owners = await commitOf(mallory, tree, [head(mallory)], mallory)
  publish(mallory, { main: owners.cid })
  const r2 = worked(alice, ['fetch', 'mallory', '--json'])
  t.is(r2.code, 2, r2.stdout + r2.stderr)
  t.is(r2.json.error.code, 'TOO_LARGE')
  t.true(r2.work < 100, `fetch read ${r2.work} blocks: refused by the declared size`)
  t.deepEqual(stateOf(alice), before)
  // a 64 MiB file whose directory link claims 1 byte: diff shows it as binary without holding it
  const liar = await hugeFile(mallory, 64)
  const t2 = await dirNode(mallory, [...[...files].map(([n, e]) => ({ name: n, cid: e.cid })), { name: 'small.txt', cid: liar.cid, tsize: 1 }])
  const c = await commitOf(mallory, t2, [head(mallory)], mallory)
  setBranch(mallory, c.cid, 'liar')
  const d = worked(mallory, ['diff', 'main', 'liar'])
  t.is(d.code, 0, d.stderr)
  t.regex(d.stdout, /Binary files/)
})

test.serial('special files are read only when regular and small: .acacheattributes as a link to /dev/zero, a 2 MiB .acacheignore', t => {
  const u = new User('solo').setup()
  u.write('a.txt', 'a\n')
  u.ok(['commit', '-m', 'one'])
  fs.symlinkSync('/dev/zero', u.path('.acacheattributes'))
  const r = worked(u, ['status', '--json'])
  t.is(r.code, 0, r.stderr)
  fs.rmSync(u.path('.acacheattributes'))
  u.write('.acacheignore', '#'.repeat(2 * 1048576))
  const r2 = worked(u, ['status'])
  t.is(r2.code, 2, r2.stderr)
  t.regex(r2.stderr, /\.acacheignore .*limit/)
})

/** A fake server for mallory's remote: `handler` answers every request. */
async function fakeServer (handler: http.RequestListener): Promise<{ url: string, close: () => Promise<void> }> {
  const server = http.createServer(handler)
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as net.AddressInfo).port
  return { url: `http://127.0.0.1:${port}`, close: async () => { server.closeAllConnections(); await new Promise(resolve => server.close(resolve)) } }
}

test.serial('transports: an endless answer is cut off, a silent server is given up on; fetch and push hold no lock meanwhile', async t => {
  const alice = new User('alice').setup()
  alice.write('a.txt', 'a\n')
  alice.ok(['commit', '-m', 'one'])
  const mallory = new User('mallory').setup()
  let written = 0
  const server = await fakeServer((_req, res) => {
    res.writeHead(200, { 'Content-Type': 'application/vnd.ipld.raw' })
    const chunk = Buffer.alloc(1 << 20, 0x61)
    let sent = 0
    const more = (): void => { while (sent < 8 * 2 ** 30 && res.write(chunk)) { sent += chunk.byteLength; written += chunk.byteLength } if (sent < 8 * 2 ** 30) res.once('drain', more) }
    res.on('close', () => { sent = 8 * 2 ** 30 })
    more()
  })
  const endless = { ...server, sentBytes: () => written }
  try {
    alice.ok(['remote', 'add', 'endless', endless.url, '--key', keyOf(mallory)])
    // (asynchronously: the fake server answers from this process)
    const r = await runAsync(alice, ['fetch', 'endless', '--json'], SMALL_HEAP)
    t.is(r.code, 2, r.stdout + r.stderr)
    t.is(r.json.error.code, 'TOO_LARGE')
    t.true(endless.sentBytes() < 256 * 2 ** 20, `cut off after ${endless.sentBytes()} bytes, not read to its 8 GiB end`)
  } finally { await endless.close() }
  const sockets: net.Socket[] = []
  const silent = net.createServer((s) => { sockets.push(s) }) // accepts, never answers
  await new Promise<void>(resolve => silent.listen(0, '127.0.0.1', resolve))
  try {
    alice.ok(['remote', 'add', 'silent', `http://127.0.0.1:${(silent.address() as net.AddressInfo).port}`, '--key', keyOf(mallory)])
    const fetching = runAsync(alice, ['fetch', 'silent'], { ACACHE_NET_TIMEOUT_MS: '3000' })
    // the fetch is connected and waiting on the server (an event, not a guess how long that takes)
    if (sockets.length === 0) await new Promise(resolve => silent.once('connection', resolve))
    // meanwhile the repository is free: a commit goes through
    alice.write('b.txt', 'b\n')
    alice.ok(['commit', '-m', 'while a fetch waits'])
    const r = await fetching
    t.is(r.code, 5, r.stderr)
    t.regex(r.stderr, /sent nothing for 3 s/) // given up on (were it waited on forever, the test would time out)
    // a push to it neither: the repository stays free while it waits
    const connected = sockets.length
    const pushing = runAsync(alice, ['push', 'silent'], { ACACHE_NET_TIMEOUT_MS: '3000' })
    if (sockets.length === connected) await new Promise(resolve => silent.once('connection', resolve))
    alice.write('c.txt', 'c\n')
    alice.ok(['commit', '-m', 'while a push waits'])
    const p = await pushing
    t.is(p.code, 5, p.stderr)
  } finally {
    for (const s of sockets) s.destroy()
    silent.close()
  }
})

test.serial('transports: a directory remote whose head is a FIFO or a link to /dev/zero is refused at once', async t => {
  const { alice, mallory } = pair()
  const file = path.join(mallory.work, '.acache', 'published', (await import('../../src/model/head.js')).headFileName(keyOf(mallory)))
  fs.mkdirSync(path.dirname(file), { recursive: true })
  fs.rmSync(file, { force: true })
  spawnSync('mkfifo', [file])
  const r = worked(alice, ['fetch', 'mallory'])
  t.is(r.code, 2, r.stderr)
  fs.rmSync(file)
  fs.symlinkSync('/dev/zero', file)
  const r2 = worked(alice, ['fetch', 'mallory'])
  t.is(r2.code, 2, r2.stderr)
})

/** A CAR's first bytes: its header naming `root`, then one section holding `bytes`. */
async function carStart (root: CID, bytes: Uint8Array): Promise<Uint8Array> {
  const { CarWriter } = await import('@ipld/car')
  const { writer, out } = CarWriter.create([root])
  const parts: Uint8Array[] = []
  const reading = (async () => { for await (const c of out) parts.push(c) })()
  await writer.put({ cid: root, bytes })
  await writer.close()
  await reading
  return Buffer.concat(parts)
}

function varint (n: number): Uint8Array {
  const out: number[] = []
  while (n >= 0x80) { out.push((n % 0x80) | 0x80); n = Math.floor(n / 0x80) }
  out.push(n)
  return Uint8Array.from(out)
}

/** POSTs `start` and then junk (up to `junk` bytes) to serve's push endpoint; resolves with the status and how much was sent by then. */
async function post (url: string, start: Uint8Array, junk: number): Promise<{ status: number, sentBefore: number, body: string }> {
  const u = new URL('/acache/v1/push', url)
  return await new Promise((resolve, reject) => {
    let sent = 0
    let done = false
    let answered: { status: number, sentBefore: number, body: string } | undefined
    const req = http.request(u, { method: 'POST', headers: { 'Content-Type': 'application/vnd.ipld.car' } }, (res) => {
      answered = { status: res.statusCode ?? 0, sentBefore: sent, body: '' }
      res.on('data', (c) => { answered!.body += c })
      res.on('end', () => { done = true; resolve(answered!) })
    })
    // the server closes a refused upload's connection soon after its answer: on a loaded machine the
    // next write can fail (EPIPE, ECONNRESET) before the answer's end is read; the answer stands
    req.on('error', (err) => {
      if (done) return
      done = true
      if (answered !== undefined) resolve(answered)
      else reject(err)
    })
    req.write(start)
    sent += start.byteLength
    const chunk = Buffer.alloc(1 << 20, 0x7a)
    const pump = (): void => {
      while (!done && sent < junk) {
        sent += chunk.byteLength
        if (!req.write(chunk)) { req.once('drain', pump); return }
      }
      if (!done) req.end()
    }
    pump()
  })
}

test.serial('serve: an untrusted upload is refused after its head, a 3 GiB section at once, an idle upload holds no one up', async t => {
  const alice = new User('alice').setup()
  alice.write('a.txt', 'a\n')
  alice.ok(['commit', '-m', 'one'])
  const mallory = new User('mallory').setup()
  const carol = new User('carol').setup()
  alice.ok(['remote', 'add', 'mallory', mallory.work, '--key', keyOf(mallory)])
  const srv = await startServe(alice, [], { ACACHE_SERVE_IDLE_MS: '2000' })
  try {
    const staging = path.join(alice.work, '.acache', 'staging')
    // carol (untrusted) starts a 600 MiB push: the answer comes after her head, not after her bytes
    const c = loadIdentity(carol.home)!
    const ch = signHead({ type: 'acache/head', version: 1, key: c.key, seq: 1, time: new Date().toISOString(), heads: { main: head(alice) } }, c.secretKey)
    const r = await post(srv.url, await carStart(ch.cid, ch.bytes), 600 << 20)
    t.is(r.status, 403, r.body)
    t.true(r.sentBefore < 128 << 20, `sent ${r.sentBefore} bytes before the answer`)
    const stagedFiles = fs.existsSync(staging) ? fs.readdirSync(staging, { recursive: true }).filter(n => String(n).endsWith('.data')) : []
    t.deepEqual(stagedFiles, [])
    // mallory (trusted) sends one section declaring 3 GiB
    const m = loadIdentity(mallory.home)!
    const mh = signHead({ type: 'acache/head', version: 1, key: m.key, seq: 1, time: new Date().toISOString(), heads: { main: head(alice) } }, m.secretKey)
    const start = Buffer.concat([await carStart(mh.cid, mh.bytes), varint(3 * 1024 ** 3), mh.cid.bytes])
    const r2 = await post(srv.url, start, 64 << 20)
    t.is(r2.status, 413, r2.body)
    // an upload that goes idle: mallory's real push still lands at once, and the idle one is dropped
    const idle = net.connect(Number(new URL(srv.url).port), '127.0.0.1')
    await new Promise(resolve => idle.once('connect', resolve))
    idle.write('POST /acache/v1/push HTTP/1.1\r\nHost: x\r\nContent-Type: application/vnd.ipld.car\r\nContent-Length: 100000\r\n\r\nabc')
    const closed = new Promise(resolve => idle.once('close', resolve))
    mallory.write('m.txt', 'm\n')
    mallory.ok(['commit', '-m', 'mallory'])
    mallory.ok(['remote', 'add', 'srv', srv.url, '--key', keyOf(mallory)])
    mallory.ok(['push', 'srv'])
    // it landed while the idle upload was still connected: one silent client holds no other push up
    t.false(idle.destroyed, 'the push did not wait for the idle upload to be dropped')
    // the idle upload is dropped by the server (a test timeout if it never is)
    await closed
    t.true(idle.destroyed, 'the idle upload was dropped')
  } finally {
    await srv.stop()
  }
})


/** A file node that links `child` (a file of `childSize` bytes) `count` times: it claims count x childSize bytes in one small block. */
async function repeatedFile (u: User, child: CID, childSize: number, count: number): Promise<CID> {
  const Data = new UnixFS({ type: 'file', blockSizes: Array.from({ length: count }, () => BigInt(childSize)) }).marshal()
  const bytes = dagPb.encode({ Data, Links: Array.from({ length: count }, () => ({ Hash: child, Name: '', Tsize: childSize })) })
  const cid = pbCid(bytes)
  await storeOf(u).put(cid, bytes)
  return cid
}

/** Runs acache with ACACHE_TRACE and a shell pipeline after it; its exit code, output and peak resident memory (MiB, as it measured itself). */
function peak (u: User, args: string[], pipe = ''): { code: number, stdout: string, stderr: string, mib: number } {
  const cmd = `${JSON.stringify(process.execPath)} ${JSON.stringify(path.join(path.dirname(new URL(import.meta.url).pathname), '..', '..', '..', 'bin', 'acache.js'))} ${args.map(a => JSON.stringify(a)).join(' ')}${pipe}`
  const r = spawnSync('bash', ['-o', 'pipefail', '-c', cmd], { cwd: u.work, env: { ...process.env, ACACHE_HOME: u.home, NO_COLOR: '1', ACACHE_TRACE: '1' }, encoding: 'utf8', maxBuffer: 1 << 28 })
  const m = /exit \(peak RSS (\d+) MiB;/.exec(r.stderr)
  if (m === null) throw new Error(`acache ${args.join(' ')} printed no peak: ${r.stderr.split('\n').filter(l => !l.startsWith('trace')).join('\n')}`)
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr.split('\n').filter(l => !l.startsWith('trace')).join('\n'), mib: Number(m[1]) }
}

test.serial('memory from small lies: one 1 MiB leaf linked 1024 times (claims 1 GiB) and two levels of it (1 TiB): fetch, merge, diff and show stay under 300 MiB; as .acacheowners it is refused by its declared size', async t => {
  const { alice, mallory } = pair()
  const leaf = await file(mallory, Buffer.alloc(1 << 20, 7))
  const gib = await repeatedFile(mallory, leaf.cid, 1 << 20, 1024)
  const tib = await repeatedFile(mallory, gib, 1 << 30, 1024)
  const base = head(mallory)
  const files = await filesOf(mallory, base)
  files.set('a.txt', { cid: gib, tsize: 100, kind: 'file' })
  const { treeOf } = await import('../attack.js')
  const one = await commitOf(mallory, await treeOf(mallory, files), [base], mallory)
  files.set('deep.bin', { cid: tib, tsize: 100, kind: 'file' })
  const c = await commitOf(mallory, await treeOf(mallory, files), [one.cid], mallory)
  publish(mallory, { main: c.cid })
  const fetched = peak(alice, ['fetch', 'mallory'])
  t.is(fetched.code, 0, fetched.stderr)
  t.true(fetched.mib < 300, `fetch: ${fetched.mib} MiB`)
  // merge reads both sides of a.txt: the 1 GiB claim is binary by its declared size, a conflict, never read
  alice.write('a.txt', 'alice changed it too\n')
  alice.ok(['commit', '-q', '-m', 'mine'])
  const merged = peak(alice, ['merge', one.cid.toString()])
  t.is(merged.code, 1, merged.stderr)
  t.regex(merged.stdout, /CONFLICT \(binary\): a\.txt/)
  t.true(merged.mib < 300, `merge: ${merged.mib} MiB`)
  alice.ok(['merge', '--abort'])
  // checking out what claims 1 TiB: refused by its declared size against the free space, before a byte is written
  const huge = peak(alice, ['merge', 'mallory/main'])
  t.is(huge.code, 5, huge.stderr)
  t.regex(huge.stderr, /declares 1099511627776 bytes, more than the \d+ bytes free/)
  t.false(alice.exists('deep.bin'))
  t.is(alice.read('a.txt'), 'alice changed it too\n', 'the working root is as it was')
  const diffed = peak(alice, ['diff', 'HEAD', 'mallory/main'])
  t.is(diffed.code, 0, diffed.stderr)
  t.regex(diffed.stdout, /Binary files a\/a\.txt and b\/a\.txt differ/)
  t.true(diffed.mib < 300, `diff: ${diffed.mib} MiB`)
  // show streams what the file claims to hold (a reader stops after 256 MiB of it), a few blocks ahead of the reader
  const shown = peak(alice, ['show', 'mallory/main:deep.bin'], ' | head -c 268435456 | wc -c')
  t.is(shown.stdout.trim(), '268435456')
  t.true(shown.mib < 300, `show: ${shown.mib} MiB`)
  // as .acacheowners (read whole by every fetch): refused by the size it declares, before a part is read
  files.set('.acacheowners', { cid: gib, tsize: 100, kind: 'file' })
  publish(mallory, { main: (await commitOf(mallory, await treeOf(mallory, files), [c.cid], mallory)).cid })
  const owners = peak(alice, ['fetch', 'mallory'])
  t.not(owners.code, 0)
  t.regex(owners.stderr, /larger than 1048576 bytes \(it declares 1073741824\)/)
  t.true(owners.mib < 300, `fetch of the owners bomb: ${owners.mib} MiB`)
  t.notRegex(owners.stderr + shown.stderr + diffed.stderr + merged.stderr + huge.stderr, /at .*\.js:\d+|This is a bug/, 'no stack trace')
})
