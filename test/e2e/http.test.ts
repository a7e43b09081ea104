import test from 'ava'
import fs from 'node:fs'
import path from 'node:path'
import http from 'node:http'
import { CarReader } from '@ipld/car'
import { CID } from 'multiformats/cid'
import { User, startServe, runAsync, tmpdir } from '../helpers.js'
import { sha256 } from '../../src/store/blockstore.js'

const key = (u: User): string => u.ok(['id', 'show', '--json']).json.key

async function get (url: string, headers: Record<string, string> = {}): Promise<{ status: number, type?: string, body: Buffer }> {
  return await new Promise((resolve, reject) => {
    http.get(url, { headers }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: res.headers['content-type'], body: Buffer.concat(chunks) }))
    }).on('error', reject)
  })
}

function world (): { alice: User, bob: User } {
  const alice = new User('alice').setup()
  alice.write('README', 'over http\n')
  alice.write('data/blob.bin', Buffer.alloc(3 * 1024 * 1024 + 5, 7))
  alice.ok(['commit', '-m', 'alice 1'])
  alice.ok(['push'])
  const bob = new User('bob').setup()
  return { alice, bob }
}

test.serial('fetch, merge and push over real HTTP on loopback; a third user fetches bob\'s head from alice\'s server', async t => {
  const { alice, bob } = world()
  alice.ok(['remote', 'add', 'bob', '/nowhere', '--key', key(bob)]) // alice trusts bob
  const s = await startServe(alice)
  try {
    bob.ok(['remote', 'add', 'alice', s.url, '--key', key(alice)])
    const f = bob.ok(['fetch', 'alice', '--json']).json.fetched[0]
    t.true(f.blocks >= 6)
    bob.ok(['merge', 'alice/main'])
    t.is(bob.read('README'), 'over http\n')
    t.is(fs.readFileSync(bob.path('data/blob.bin')).length, 3 * 1024 * 1024 + 5)
    bob.write('README', 'over http, edited by bob\n')
    bob.ok(['commit', '-m', 'bob 1'])
    const p = bob.ok(['push', 'alice', '--json']).json
    t.is(p.blocks, 3) // commit, root, README: the rest the server has
    const carol = new User('carol').setup()
    carol.ok(['remote', 'add', 'bob', s.url, '--key', key(bob)])
    carol.ok(['fetch', 'bob'])
    carol.ok(['merge', 'bob/main'])
    t.is(carol.read('README'), 'over http, edited by bob\n')
    t.is(carol.ok(['verify']).code, 0)
  } finally {
    await s.stop()
  }
})

test.serial('a trustless gateway plus a key is a remote: the head from /ipns/NAME?format=raw, the blocks from /ipfs/CID?format=raw; it is read-only', async t => {
  const { alice, bob } = world()
  const s = await startServe(alice)
  // a gateway in front of it that answers only the trustless-gateway paths, as any gateway would
  const seen: string[] = []
  const gw = http.createServer((req, res) => {
    seen.push(req.url ?? '')
    if (!/^\/(ipfs|ipns)\//.test(req.url ?? '')) { res.writeHead(404); res.end(); return }
    const up = http.request(s.url + (req.url ?? ''), { method: req.method, headers: { accept: req.headers.accept ?? '' } }, (r) => {
      res.writeHead(r.statusCode ?? 502, r.headers)
      r.pipe(res)
    })
    up.on('error', () => { res.writeHead(502); res.end() })
    up.end()
  })
  await new Promise<void>(resolve => gw.listen(0, '127.0.0.1', resolve))
  const port = (gw.address() as { port: number }).port
  try {
    const url = `http://127.0.0.1:${port}/ipns/${key(alice)}`
    bob.ok(['remote', 'add', 'alice', url, '--key', key(alice)])
    const f = await runAsync(bob, ['fetch', 'alice', '--json'])
    t.is(f.code, 0, f.stderr + JSON.stringify(seen))
    t.true(JSON.parse(f.stdout).fetched[0].blocks >= 6)
    t.is(bob.ok(['show', 'alice/main:README']).stdout, 'over http\n')
    t.true(seen.some(u => u.startsWith(`/ipns/${key(alice)}?format=raw`)))
    t.true(seen.some(u => /^\/ipfs\/[a-z0-9]+\?format=raw$/.test(u)))
    t.false(seen.some(u => u.startsWith('/acache/')))
    // the head behind a name is checked like any other: a name that gives someone else's head is refused
    const carol = new User('carol').setup()
    carol.ok(['remote', 'add', 'alice', url, '--key', key(bob)])
    const wrong = await runAsync(carol, ['fetch', 'alice'])
    t.is(wrong.code, 4)
    // and a gateway takes no pushes
    bob.ok(['merge', 'alice/main'])
    bob.write('README', 'bob\n')
    bob.ok(['commit', '-m', 'bob'])
    const p = await runAsync(bob, ['push', 'alice'])
    t.is(p.code, 2)
    t.regex(p.stderr, /read-only/)
  } finally {
    gw.close()
    await s.stop()
  }
})

test.serial('the server is a trustless gateway: raw blocks and CARs with the right types; others refused', async t => {
  const { alice } = world()
  const s = await startServe(alice)
  try {
    const entry = alice.ok(['show', 'HEAD:', '--json']).json.entries.find((e: any) => e.name === 'README')
    const raw = await get(`${s.url}/ipfs/${entry.cid}?format=raw`)
    t.is(raw.status, 200)
    t.is(raw.type, 'application/vnd.ipld.raw')
    t.is(raw.body.toString(), 'over http\n')
    const viaAccept = await get(`${s.url}/ipfs/${entry.cid}`, { Accept: 'application/vnd.ipld.raw' })
    t.is(viaAccept.status, 200)
    const commit = alice.head()
    const car = await get(`${s.url}/ipfs/${commit}?format=car`)
    t.is(car.status, 200)
    t.regex(car.type ?? '', /^application\/vnd\.ipld\.car; version=1/)
    const reader = await CarReader.fromBytes(car.body)
    t.is((await reader.getRoots())[0].toString(), commit)
    let n = 0
    for await (const b of reader.blocks()) {
      t.deepEqual(Buffer.from(sha256(b.bytes)), Buffer.from(b.cid.multihash.digest))
      n++
    }
    t.true(n >= 7)
    t.is((await get(`${s.url}/ipfs/${entry.cid}`)).status, 400, 'strict trustless: neither format nor Accept names a response type')
    t.is((await get(`${s.url}/ipfs/bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku?format=raw`)).status, 404)
    t.is((await get(`${s.url}/ipfs/not-a-cid?format=raw`)).status, 400)
    t.is((await get(`${s.url}/acache/v1/head/${key(alice)}`)).status, 200)
  } finally {
    await s.stop()
  }
})

test.serial('pushes the server must refuse: untrusted key (403), replayed seq (409), garbage (400), missing blocks (422), a partial head (400); the head stays', async t => {
  const { alice, bob } = world()
  const s = await startServe(alice)
  try {
    bob.ok(['remote', 'add', 'alice', s.url, '--key', key(alice)])
    bob.ok(['fetch', 'alice'])
    bob.ok(['merge', 'alice/main'])
    const untrusted = bob.run(['push', 'alice', '--json'])
    t.is(untrusted.code, 4)
    t.regex(untrusted.json.error.message, /403/)
    t.is((await get(`${s.url}/acache/v1/head/${key(bob)}`)).status, 404)
    const post = async (body: Buffer): Promise<number> => await new Promise((resolve, reject) => {
      const req = http.request(`${s.url}/acache/v1/push`, { method: 'POST' }, (res) => { res.resume(); resolve(res.statusCode ?? 0) })
      req.on('error', reject)
      req.end(body)
    })
    t.is(await post(Buffer.from('garbage')), 400)
    // alice's own head, replayed: seq not above what is published
    const dir = tmpdir()
    alice.ok(['bundle', 'create', path.join(dir, 'a.car')])
    const headNow = (await get(`${s.url}/acache/v1/head/${key(alice)}`)).body
    alice.ok(['push']) // publishes seq 3 locally (the bundle took 2)
    const replay = await post(fs.readFileSync(path.join(dir, 'a.car')))
    t.is(replay, 409)
    t.notDeepEqual((await get(`${s.url}/acache/v1/head/${key(alice)}`)).body, headNow)
    // a head whose blocks are not all there (from bob, whom alice now trusts)
    alice.ok(['remote', 'add', 'bob', '/nowhere', '--key', key(bob)])
    bob.write('new.txt', 'only bob has this')
    bob.ok(['commit', '-m', 'new'])
    bob.ok(['bundle', 'create', path.join(dir, 'b.car')])
    const full = fs.readFileSync(path.join(dir, 'b.car'))
    const reader = await CarReader.fromBytes(full)
    const { CarWriter } = await import('@ipld/car')
    const root = (await reader.getRoots())[0]
    const { writer, out } = CarWriter.create([root])
    const parts: Uint8Array[] = []
    const collect = (async () => { for await (const c of out) parts.push(c) })()
    let i = 0
    const dropped = bob.ok(['show', 'HEAD:new.txt', '--json']).json.cid
    for await (const b of reader.blocks()) { if (b.cid.toString() !== dropped) await writer.put(b); i++ }
    await writer.close()
    await collect
    t.is(await post(Buffer.concat(parts)), 422)
    // a bundle of some branches (a partial head) is never what a server publishes
    bob.ok(['bundle', 'create', path.join(dir, 'p.car'), 'main'])
    t.is(await post(fs.readFileSync(path.join(dir, 'p.car'))), 400)
    t.is((await get(`${s.url}/acache/v1/head/${key(bob)}`)).status, 404)
    t.false(fs.readdirSync(path.join(alice.work, '.acache', 'staging')).some(n => n.startsWith('serve-')), 'no staging left')
  } finally {
    await s.stop()
  }
})

test.serial('concurrent fetches from several clients and a client killed mid-push leave the server consistent', async t => {
  const { alice, bob } = world()
  alice.ok(['remote', 'add', 'bob', '/nowhere', '--key', key(bob)])
  const s = await startServe(alice)
  try {
    const clients = [new User('c1').setup(), new User('c2').setup(), new User('c3').setup()]
    for (const c of clients) c.ok(['remote', 'add', 'alice', s.url, '--key', key(alice)])
    const results = await Promise.all(clients.map(async c => await runAsync(c, ['fetch', 'alice', '--json'])))
    for (const r of results) t.is(r.code, 0, r.stderr + r.stdout)
    t.is(new Set(results.map(r => r.json?.fetched?.[0]?.refs?.[0]?.new)).size, 1)
    // a client that dies half way through its upload
    const before = (await get(`${s.url}/acache/v1/head/${key(bob)}`)).status
    const staging = path.join(alice.work, '.acache', 'staging')
    const stagingNow = (): string[] => { try { return fs.readdirSync(staging) } catch { return [] } }
    const until = async (what: string, ok: () => boolean): Promise<void> => {
      const deadline = Date.now() + 15_000
      while (!ok()) {
        if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`)
        await new Promise(resolve => setTimeout(resolve, 10))
      }
    }
    // a trusted head that passes every check, then the start of a block: the server is staging when the client dies
    const { signHead } = await import('../../src/model/head.js')
    const { loadIdentity } = await import('../../src/identity/identity.js')
    const { CarWriter } = await import('@ipld/car')
    const b = loadIdentity(bob.home)!
    const h = signHead({ type: 'acache/head', version: 1, key: b.key, seq: 1000, time: new Date().toISOString(), heads: { main: CID.parse(alice.head()) } }, b.secretKey)
    const { writer, out } = CarWriter.create([h.cid])
    const parts: Uint8Array[] = []
    const reading = (async () => { for await (const c of out) parts.push(c) })()
    await writer.put({ cid: h.cid, bytes: h.bytes })
    await writer.close()
    await reading
    const req = http.request(`${s.url}/acache/v1/push`, { method: 'POST', headers: { 'Content-Length': 10_000_000 } })
    req.on('error', () => {})
    req.write(Buffer.concat([...parts, Uint8Array.from([0xe8, 0x07]), h.cid.bytes, Buffer.alloc(100, 1)]))
    await until('the server stages the upload', () => stagingNow().length > 0)
    req.destroy()
    await until('the server has cleaned up after the dead client', () => stagingNow().length === 0)
    t.is((await get(`${s.url}/acache/v1/head/${key(bob)}`)).status, before)
    // and pushes still work afterwards
    bob.ok(['remote', 'add', 'alice', s.url, '--key', key(alice)])
    bob.ok(['pull', 'alice'])
    bob.write('b.txt', 'b')
    bob.ok(['commit', '-m', 'b'])
    const pushes = await Promise.all([runAsync(bob, ['push', 'alice', '--json']), runAsync(clients[0], ['fetch', 'alice'])])
    t.is(pushes[0].code, 0, pushes[0].stderr)
    t.is((await get(`${s.url}/acache/v1/head/${key(bob)}`)).status, 200)
  } finally {
    await s.stop()
  }
})

test.serial('acache push killed half way through its upload leaves the server as it was (nothing staged, no head), and pushing again works', async t => {
  const { alice, bob } = world()
  alice.ok(['remote', 'add', 'bob', '/nowhere', '--key', key(bob)])
  const s = await startServe(alice)
  // a link that carries the first MiB of a push and then nothing more
  let forwarded = 0
  let upstream: http.ClientRequest | undefined
  const proxy = http.createServer((req, res) => {
    const up = http.request(s.url + req.url, { method: req.method, headers: req.headers }, (r) => { res.writeHead(r.statusCode ?? 502, r.headers); r.pipe(res) })
    up.on('error', () => res.destroy())
    if (req.url !== '/acache/v1/push') { req.pipe(up); return }
    upstream = up
    req.on('data', (c: Buffer) => {
      if (forwarded >= 1024 * 1024) return // (read and dropped: a paused connection would not see the client go)
      forwarded += c.byteLength
      up.write(c)
    })
    // the client gone: so is the upload it was sending
    req.on('close', () => { if (!req.complete) up.destroy() })
  })
  await new Promise<void>(resolve => proxy.listen(0, '127.0.0.1', resolve))
  const url = `http://127.0.0.1:${(proxy.address() as import('node:net').AddressInfo).port}`
  try {
    // (straight to the server: the proxy answers from this process, which a command run to its end blocks)
    bob.ok(['remote', 'add', 'alice', s.url, '--key', key(alice)])
    bob.ok(['pull', 'alice'])
    bob.ok(['remote', 'set-url', 'alice', url])
    bob.write('big.bin', (await import('node:crypto')).randomBytes(8 * 1024 * 1024))
    for (let i = 0; i < 200; i++) bob.write(`small/${i}.txt`, `file ${i}\n`)
    bob.ok(['commit', '-m', 'b'])
    const staging = path.join(alice.work, '.acache', 'staging')
    const stagingNow = (): string[] => { try { return fs.readdirSync(staging) } catch { return [] } }
    const { spawn } = await import('node:child_process')
    const { BIN } = await import('../helpers.js')
    const push = spawn(process.execPath, [BIN, 'push', 'alice'], { cwd: bob.work, env: { ...process.env, ACACHE_HOME: bob.home }, stdio: 'ignore' })
    // the server stages the head and the first blocks while the client is still sending
    const deadline = Date.now() + 60_000
    while ((forwarded < 1024 * 1024 || stagingNow().length === 0) && Date.now() < deadline && push.exitCode === null) await new Promise(resolve => setTimeout(resolve, 20))
    t.true(forwarded >= 1024 * 1024 && stagingNow().length > 0, `the server was staging the push (${forwarded} bytes forwarded)`)
    push.kill('SIGKILL')
    await new Promise(resolve => push.once('exit', resolve))
    while (stagingNow().length > 0 && Date.now() < deadline) await new Promise(resolve => setTimeout(resolve, 20))
    t.deepEqual(stagingNow(), [], 'the server removed what the dead push staged')
    t.is((await get(`${s.url}/acache/v1/head/${key(bob)}`)).status, 404, 'no head of bob\'s was accepted')
    t.true(upstream !== undefined)
    // straight to the server this time: the whole push lands
    bob.ok(['remote', 'set-url', 'alice', s.url])
    const r = bob.ok(['push', 'alice', '--json']).json
    t.true(r.blocks >= 200, `${r.blocks} blocks pushed`)
    t.is((await get(`${s.url}/acache/v1/head/${key(bob)}`)).status, 200)
    t.is(alice.ok(['log', '-1', '--format=%H', 'bob/main']).stdout.trim(), bob.head(), 'the push is bob/main at alice\'s')
  } finally {
    proxy.close()
    await s.stop()
  }
})

test.serial('an unreachable server: one clear error, exit 5, naming the URL', t => {
  const u = new User('u').setup()
  u.ok(['remote', 'add', 'gone', 'http://127.0.0.1:9', '--key', key(u)])
  const r = u.run(['fetch', 'gone'])
  t.is(r.code, 5)
  t.regex(r.stderr, /http:\/\/127\.0\.0\.1:9/)
  t.is(r.stderr.split('\n').filter(l => l.startsWith('error:')).length, 1)
})

test.serial('a fetch killed half way, run again, takes over what it had staged instead of downloading it again', async t => {
  const alice = new User('alice').setup()
  const data = (await import('node:crypto')).randomBytes(16 * 1024 * 1024 + 3)
  alice.write('big.bin', data)
  alice.ok(['commit', '-m', 'big'])
  alice.ok(['push'])
  const s = await startServe(alice)
  // a slow link: each block request waits, and the proxy counts them
  let delay = 150
  const asked: string[] = []
  const proxy = http.createServer((req, res) => {
    if (req.url!.startsWith('/ipfs/')) asked.push(req.url!)
    setTimeout(() => {
      const up = http.request(s.url + req.url, { method: req.method, headers: req.headers }, (r) => { res.writeHead(r.statusCode ?? 502, r.headers); r.pipe(res) })
      up.on('error', () => res.destroy())
      req.pipe(up)
    }, req.url!.startsWith('/ipfs/') ? delay : 0)
  })
  await new Promise<void>(resolve => proxy.listen(0, '127.0.0.1', resolve))
  const url = `http://127.0.0.1:${(proxy.address() as import('node:net').AddressInfo).port}`
  try {
    const bob = new User('bob').setup()
    bob.ok(['remote', 'add', 'alice', url, '--key', key(alice)])
    const { spawn } = await import('node:child_process')
    const { BIN } = await import('../helpers.js')
    const first = spawn(process.execPath, [BIN, 'fetch', 'alice'], { cwd: bob.work, env: { ...process.env, ACACHE_HOME: bob.home }, stdio: 'ignore' })
    const staging = path.join(bob.work, '.acache', 'staging')
    const staged = (): number => { try { return fs.readdirSync(staging, { recursive: true }).filter(n => String(n).endsWith('.data')).length } catch { return 0 } }
    const deadline = Date.now() + 60_000
    while (staged() < 6 && Date.now() < deadline && first.exitCode === null) await new Promise(resolve => setTimeout(resolve, 20))
    first.kill('SIGKILL')
    await new Promise(resolve => first.once('exit', resolve))
    const had = staged()
    t.true(had >= 6, `staged ${had} blocks before the kill`)
    const names = fs.readdirSync(staging, { recursive: true }).map(String).filter(n => n.endsWith('.data'))
    t.deepEqual(names.filter(n => n.split(path.sep).length !== 2), [], 'staged blocks are files of the staging directory itself (no shard directories to make and remove)')
    t.is(bob.run(['log', '-n', '1', 'alice/main']).code, 3, 'nothing was accepted by the killed fetch')
    delay = 0
    asked.length = 0
    const r = await runAsync(bob, ['fetch', 'alice', '--json']) // the proxy runs in this process
    t.is(r.code, 0, r.stderr)
    const again = r.json.fetched[0]
    t.true(again.resumed >= had - 1, `resumed ${again.resumed} of ${had}`)
    t.is(again.blocks, 20, 'commit, tree, file node and 17 leaves')
    t.true(asked.length <= again.blocks - again.resumed + 1, `${asked.length} blocks asked for again`)
    bob.ok(['merge', 'alice/main'])
    t.true(fs.readFileSync(bob.path('big.bin')).equals(data))
    bob.ok(['verify'])
    t.deepEqual(fs.readdirSync(staging), [], 'no staging left')
  } finally {
    proxy.close()
    await s.stop()
  }
})

test.serial('serve applies the head rules every fetcher applies: a branch naming a raw block (400) and an oversized head (413) are refused; a bad percent-encoding is 400', async t => {
  const { alice, bob } = world()
  const s = await startServe(alice)
  try {
    alice.ok(['remote', 'add', 'bob', '/nowhere', '--key', key(bob)])
    const { signHead } = await import('../../src/model/head.js')
    const { loadIdentity } = await import('../../src/identity/identity.js')
    const { rawCid } = await import('../../src/model/tree.js')
    const { CarWriter } = await import('@ipld/car')
    const id = loadIdentity(bob.home)!
    const carOf = async (bytes: Uint8Array, cid: CID, extra: Array<{ cid: CID, bytes: Uint8Array }> = []): Promise<Buffer> => {
      const { writer, out } = CarWriter.create([cid])
      const parts: Uint8Array[] = []
      const collect = (async () => { for await (const c of out) parts.push(c) })()
      await writer.put({ cid, bytes })
      for (const b of extra) await writer.put(b)
      await writer.close()
      await collect
      return Buffer.concat(parts)
    }
    const post = async (body: Buffer): Promise<{ status: number, body: string }> => await new Promise((resolve, reject) => {
      const req = http.request(`${s.url}/acache/v1/push`, { method: 'POST' }, (res) => { const c: Buffer[] = []; res.on('data', (d: Buffer) => c.push(d)); res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(c).toString() })) })
      req.on('error', reject)
      req.end(body)
    })
    const blob = new TextEncoder().encode('not a commit')
    const rawHead = signHead({ type: 'acache/head', version: 1, key: id.key, seq: 1, time: new Date().toISOString(), heads: { main: rawCid(blob) } }, id.secretKey)
    const r1 = await post(await carOf(rawHead.bytes, rawHead.cid, [{ cid: rawCid(blob), bytes: blob }]))
    t.is(r1.status, 400, r1.body)
    t.regex(r1.body, /not a commit/)
    // a head of 1.3 MB (many branches): every fetcher refuses it, so does serve
    const heads: Record<string, CID> = {}
    const commit = CID.parse(alice.ok(['log', '-1', '--format=%H']).stdout.trim())
    for (let i = 0; i < 12000; i++) heads[`branch-with-a-long-name-to-make-the-head-large-${i}`] = commit
    const big = signHead({ type: 'acache/head', version: 1, key: id.key, seq: 2, time: new Date().toISOString(), heads }, id.secretKey)
    t.true(big.bytes.byteLength > 1_000_000)
    const r2 = await post(await carOf(big.bytes, big.cid))
    t.is(r2.status, 413, r2.body)
    t.is((await get(`${s.url}/acache/v1/head/${key(bob)}`)).status, 404, 'nothing of bob\'s is published')
    t.is((await get(`${s.url}/ipns/%E0%A4%A`)).status, 400)
  } finally {
    await s.stop()
  }
})

test.serial('serve stages only what a push\'s head reaches, walked as it arrives; pushes side by side and staged bytes are bounded (503, 507)', async t => {
  const { alice, bob } = world()
  const s = await startServe(alice, ['--max-pushes', '1', '--max-staging', String(2 * 1024 * 1024)])
  try {
    alice.ok(['remote', 'add', 'bob', '/nowhere', '--key', key(bob)])
    bob.ok(['remote', 'add', 'alice', s.url, '--key', key(alice)])
    bob.write('small.txt', 'from bob\n')
    bob.ok(['commit', '-q', '-m', 'small'])
    // an honest push, parents first: accepted
    bob.ok(['push', 'alice'])
    // the same head with a block it never reaches: refused at that block, nothing of it staged
    const dir = tmpdir()
    bob.write('small.txt', 'from bob, again\n')
    bob.ok(['commit', '-q', '-m', 'again'])
    bob.ok(['bundle', 'create', path.join(dir, 'b.car')])
    const reader = await CarReader.fromBytes(fs.readFileSync(path.join(dir, 'b.car')))
    const { CarWriter } = await import('@ipld/car')
    const { rawCid } = await import('../../src/model/tree.js')
    const root = (await reader.getRoots())[0]
    const { writer, out } = CarWriter.create([root])
    const parts: Uint8Array[] = []
    const collect = (async () => { for await (const c of out) parts.push(c) })()
    const junk = Buffer.alloc(512 * 1024, 1)
    let first = true
    for await (const b of reader.blocks()) {
      await writer.put(b)
      if (first) { await writer.put({ cid: rawCid(junk), bytes: junk }); first = false }
    }
    await writer.close()
    await collect
    const post = async (body: Buffer | ((req: http.ClientRequest) => void)): Promise<{ status: number, body: string }> => await new Promise((resolve, reject) => {
      const req = http.request(`${s.url}/acache/v1/push`, { method: 'POST' }, (res) => { const c: Buffer[] = []; res.on('data', (d: Buffer) => c.push(d)); res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(c).toString() })) })
      req.on('error', reject)
      if (typeof body === 'function') body(req)
      else req.end(body)
    })
    const stray = await post(Buffer.concat(parts))
    t.is(stray.status, 400, stray.body)
    t.regex(stray.body, /is not reached from the pushed head/)
    t.deepEqual(fs.readdirSync(path.join(alice.work, '.acache', 'staging')).length, 0, 'nothing left staged')
    // one push held open (its head sent, the rest not yet): a second one is told to retry
    const held = http.request(`${s.url}/acache/v1/push`, { method: 'POST' })
    held.on('error', () => {})
    const bundle = fs.readFileSync(path.join(dir, 'b.car'))
    held.write(bundle.subarray(0, 200))
    // wait until serve counts it: the next push answers 503 (polled by pushing, not by a clock)
    let busy = { status: 0, body: '' }
    for (let i = 0; i < 200 && busy.status !== 503; i++) busy = await post(Buffer.from('x'))
    t.is(busy.status, 503, busy.body)
    held.destroy()
    // staging is bounded in total: a push of more than 2 MiB (a 3 MiB file) is refused with 507
    bob.write('big.bin', (await import('node:crypto')).randomBytes(3 * 1024 * 1024))
    bob.ok(['commit', '-q', '-m', 'big'])
    let big = bob.run(['push', 'alice'])
    for (let i = 0; i < 50 && /503/.test(big.stderr); i++) big = bob.run(['push', 'alice']) // the held push may still be counted for a moment
    t.not(big.code, 0, big.stdout + big.stderr)
    t.regex(big.stderr, /507/)
  } finally {
    await s.stop()
  }
})

test.serial('a friend\'s push to serve is visible as their remote-tracking branch (bob/main), with a line in serve\'s output, as a push to a shared git remote would be', async t => {
  const { alice, bob } = world()
  const s = await startServe(alice)
  try {
    // alice follows bob (his own place is elsewhere), which is also why serve trusts his key
    const bobsOwn = tmpdir()
    bob.ok(['remote', 'add', 'alice', s.url, '--key', key(alice)])
    bob.ok(['fetch', 'alice'])
    bob.ok(['merge', 'alice/main'])
    alice.ok(['remote', 'add', 'bob', bobsOwn, '--key', key(bob)])
    bob.write('from-bob.txt', 'pushed to alice\n')
    bob.ok(['commit', '-q', '-m', 'bob was here'])
    bob.ok(['push', 'alice'])
    const head = bob.ok(['log', '-1', '--format=%H']).stdout.trim()
    t.is(alice.ok(['log', '-1', '--format=%H', 'bob/main']).stdout.trim(), head)
    t.regex(alice.ok(['log', '--all', '--format=%s']).stdout, /bob was here/)
    t.is(alice.ok(['show', 'bob/main:from-bob.txt']).stdout, 'pushed to alice\n')
    // serve's log reaches us as the event loop runs (the commands above ran synchronously)
    for (let i = 0; i < 500 && !/bob\/main is [a-z0-9]+/.test(s.stderr()); i++) await new Promise(resolve => setImmediate(resolve))
    t.regex(s.stderr(), /bob\/main is [a-z0-9]+/)
    // alice merges it like anything fetched
    alice.ok(['merge', 'bob/main'])
    t.is(alice.read('from-bob.txt'), 'pushed to alice\n')
  } finally {
    await s.stop()
  }
})

async function post (url: string, body: Buffer): Promise<{ status: number, body: Buffer }> {
  return await new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'POST', headers: { 'Content-Type': 'text/plain', 'Content-Length': body.byteLength } }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }))
    })
    req.on('error', (err: NodeJS.ErrnoException) => err.code === 'ECONNRESET' || err.code === 'EPIPE' ? resolve({ status: 0, body: Buffer.alloc(0) }) : reject(err))
    req.end(body)
  })
}

test.serial('a push asks which of a directory\'s files the server has in one question and sends only the rest; a bad question is refused', async t => {
  const alice = new User('alice').setup()
  for (let i = 0; i < 30; i++) alice.write(`shared/f${i}.bin`, Buffer.alloc(300 + i, i))
  alice.ok(['commit', '-m', 'thirty files'])
  alice.ok(['push'])
  const bob = new User('bob').setup()
  alice.ok(['remote', 'add', 'bob', '/nowhere', '--key', key(bob)])
  const s = await startServe(alice)
  try {
    // bob has twenty of alice's files, byte for byte, and ten of his own
    for (let i = 0; i < 20; i++) bob.write(`mine/f${i}.bin`, Buffer.alloc(300 + i, i))
    for (let i = 0; i < 10; i++) bob.write(`mine/new${i}.bin`, Buffer.alloc(500 + i, 100 + i))
    bob.ok(['commit', '-m', 'bob'])
    bob.ok(['remote', 'add', 'alice', s.url, '--key', key(alice)])
    const p = bob.ok(['push', 'alice', '--json']).json
    // his ten new files, his directories and his commit: none of the twenty the server had
    t.true(p.blocks >= 10 && p.blocks <= 14, `pushed ${String(p.blocks)} blocks`)
    const carol = new User('carol').setup()
    carol.ok(['clone', s.url, carol.path('c'), '--key', key(bob)])
    t.is(fs.readFileSync(carol.path('c/mine/f7.bin')).length, 307)

    const known = alice.ok(['log', '-n1', '--format=%T']).stdout.trim()
    const unknown = CID.createV1(0x55, (await import('multiformats/hashes/digest')).create(0x12, sha256(Buffer.from('never stored'))))
    const asked = await post(`${s.url}/acache/v1/has`, Buffer.from(`${known}\n${unknown.toString()}\n`))
    t.is(asked.status, 200)
    t.is(asked.body.toString(), '10')
    t.is((await post(`${s.url}/acache/v1/has`, Buffer.from('not-a-cid\n'))).status, 400)
    const tooMany = Buffer.from(Array.from({ length: 16385 }, () => unknown.toString()).join('\n'))
    t.true([413, 0].includes((await post(`${s.url}/acache/v1/has`, tooMany)).status), 'more than 16,384 CIDs at once is refused')
  } finally {
    await s.stop()
  }
})

/** A server in front of `target` that answers POST /acache/v1/blocks with `tamper` applied to the real answer. */
async function tamperingProxy (target: string, tamper: (body: Buffer) => Buffer<ArrayBufferLike>): Promise<{ url: string, asked: () => number, close: () => Promise<void> }> {
  let asked = 0
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const body = Buffer.concat(chunks)
      const fwd = http.request(target + (req.url ?? '/'), { method: req.method, headers: { ...req.headers, host: new URL(target).host } }, (up) => {
        const got: Buffer[] = []
        up.on('data', (c: Buffer) => got.push(c))
        up.on('end', () => {
          let out: Buffer<ArrayBufferLike> = Buffer.concat(got)
          const headers = { ...up.headers }
          if (req.url === '/acache/v1/blocks' && up.statusCode === 200) { asked++; out = tamper(out); delete headers['transfer-encoding']; headers['content-length'] = String(out.byteLength) }
          res.writeHead(up.statusCode ?? 502, headers)
          res.end(out)
        })
      })
      fwd.on('error', () => { res.writeHead(502); res.end() })
      fwd.end(body)
    })
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as import('node:net').AddressInfo).port
  return { url: `http://127.0.0.1:${port}`, asked: () => asked, close: async () => await new Promise<void>(resolve => server.close(() => resolve())) }
}

test.serial('a fetch asks an acache server for the files next in line in one request; a lying, short or stalling answer is caught', async t => {
  const alice = new User('alice').setup()
  for (let i = 0; i < 40; i++) alice.write(`many/f${i}.bin`, Buffer.alloc(200 + i, i + 1))
  alice.ok(['commit', '-m', 'forty files'])
  alice.ok(['push'])
  const s = await startServe(alice)
  try {
    // run beside this process's event loop: the proxy answers from it
    const clone = async (url: string, dir: string): Promise<import('../helpers.js').RunResult> => await runAsync(new User(dir), ['clone', url, tmpdir(`acache-${dir}-`) + '/c', '--key', key(alice)])
    // honest: the forty files come in a few requests, not forty
    const honest = await tamperingProxy(s.url, b => b)
    const ok = await clone(honest.url, 'honest')
    t.is(ok.code, 0, ok.stderr)
    t.true(honest.asked() >= 1 && honest.asked() <= 4, `asked ${honest.asked()} times`)
    await honest.close()
    // a flipped byte in a block: the clone stops with one line, and leaves nothing
    const lying = await tamperingProxy(s.url, b => { const c = Buffer.from(b); c[c.byteLength - 1] ^= 0xff; return c })
    const bad = await clone(lying.url, 'lied')
    t.not(bad.code, 0)
    t.regex(bad.stderr, /do not match its CID/)
    await lying.close()
    // an answer cut short: one line, non-zero
    const short = await tamperingProxy(s.url, b => Buffer.from(b.subarray(0, Math.max(0, b.byteLength - 7))))
    const cut = await clone(short.url, 'short')
    t.not(cut.code, 0)
    t.regex(cut.stderr, /stops short/)
    await short.close()
    // "ask again" for every block, forever: the client asks block by block instead, and the clone completes
    const stalling = await tamperingProxy(s.url, b => {
      const out: Buffer[] = []
      for (let at = 0; at < b.byteLength;) {
        const n = b.readUInt32BE(at)
        const later = Buffer.alloc(4)
        later.writeUInt32BE(0xfffffffe)
        out.push(later)
        at += 4 + (n >= 0xfffffffe ? 0 : n)
      }
      return Buffer.concat(out)
    })
    const slow = await clone(stalling.url, 'stalled')
    t.is(slow.code, 0, slow.stderr)
    await stalling.close()
    // the server side: more than 1,024 blocks at once, or no CID, is refused
    const unknown = CID.createV1(0x55, (await import('multiformats/hashes/digest')).create(0x12, sha256(Buffer.from('absent'))))
    const absent = await post(`${s.url}/acache/v1/blocks`, Buffer.from(unknown.toString()))
    t.is(absent.status, 200)
    t.is(absent.body.readUInt32BE(0), 0xffffffff)
    t.is((await post(`${s.url}/acache/v1/blocks`, Buffer.from('nope'))).status, 400)
    t.true([413, 0].includes((await post(`${s.url}/acache/v1/blocks`, Buffer.from(Array.from({ length: 1025 }, () => unknown.toString()).join('\n')))).status))
  } finally {
    await s.stop()
  }
})

test.serial('a server that has been running serves what its repository committed since, in another process', async t => {
  const alice = new User('alice').setup()
  alice.write('a.csv', 'a\n')
  alice.ok(['commit', '-m', 'v1'])
  alice.ok(['push'])
  const s = await startServe(alice)
  try {
    const bob = new User('bob').setup()
    bob.ok(['remote', 'add', 'alice', s.url, '--key', key(alice)])
    t.is((await runAsync(bob, ['fetch', 'alice'])).code, 0)
    // a commit made beside the running server: its blocks are in a pack the server has not seen
    alice.write('b.csv', 'b\n')
    alice.ok(['commit', '-m', 'v2'])
    alice.ok(['push'])
    const again = await runAsync(bob, ['fetch', 'alice', '--json'])
    t.is(again.code, 0, again.stderr)
    t.is(again.json.fetched[0].commits, 1)
  } finally {
    await s.stop()
  }
})
