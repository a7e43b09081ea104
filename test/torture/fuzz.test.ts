/**
 * Random and mutated input to every decoder that reads outside data: only
 * clean AcacheErrors come out, never a crash, a hang or a stray exception.
 *   FUZZ_RUNS=20000 npm run test:torture   # longer
 */
import test from 'ava'
import assert from 'node:assert'
import fc from 'fast-check'
import fs from 'node:fs'
import path from 'node:path'
import http from 'node:http'
import * as dagJson from '@ipld/dag-json'
import * as dagPb from '@ipld/dag-pb'
import { CID } from 'multiformats/cid'
import { AcacheError } from '../../src/errors.js'
import { decodeCommit, signCommit } from '../../src/model/commit.js'
import { decodeHead, signHead } from '../../src/model/head.js'
import { decodeMessage, encodeMessage, makeIdentityMessage, readIdentityMessage } from '../../src/model/message.js'
import { parseOwners } from '../../src/model/owners.js'
import { MemoryBlockStore } from '../../src/store/blockstore.js'
import { readDirectory, pbCid, buildTree } from '../../src/model/tree.js'
import { storeBytes, readFileBytes } from '../../src/model/file.js'
import { randomSecretKey, publicKeyOf } from '../../src/model/sign.js'
import { didFromPublicKey } from '../../src/model/did.js'
import { Repo } from '../../src/repo/repo.js'
import { StatCache } from '../../src/worktree/status/stat-cache.js'
import { compareWorktree } from '../../src/worktree/snapshot.js'
import { importBundle } from '../../src/core/bundle.js'
import { defaultCtx } from '../../src/context.js'
import { serve } from '../../src/core/serve.js'
import { User, tmpdir } from '../helpers.js'

const RUNS = Number(process.env.FUZZ_RUNS ?? 300)
const SEED = Number(process.env.FUZZ_SEED ?? 4242)
const opts = { numRuns: RUNS, seed: SEED }

/** Runs fn; passes when it returns or throws an AcacheError. */
function clean (fn: () => unknown): boolean {
  try { fn(); return true } catch (err) { if (err instanceof AcacheError) return true; throw err }
}
async function cleanAsync (fn: () => Promise<unknown>): Promise<boolean> {
  try { await fn(); return true } catch (err) { if (err instanceof AcacheError) return true; throw err }
}

/** Valid bytes with a few bytes changed, inserted or cut. */
function mutated (valid: Uint8Array): fc.Arbitrary<Uint8Array> {
  return fc.tuple(fc.nat(valid.length), fc.nat(255), fc.constantFrom('flip', 'insert', 'cut', 'truncate')).map(([i, b, how]) => {
    const v = Buffer.from(valid)
    if (how === 'flip') { v[i % v.length] ^= (b || 1); return v }
    if (how === 'insert') return Buffer.concat([v.subarray(0, i), Buffer.from([b]), v.subarray(i)])
    if (how === 'cut') return Buffer.concat([v.subarray(0, i), v.subarray(i + 1)])
    return v.subarray(0, i)
  })
}

const sk = randomSecretKey()
const key = didFromPublicKey(publicKeyOf(sk))
const TREE = CID.parse('bafybeibf7srvq6t6b73ra4o3qm6ekhuicfpk5rjamccxbaaf5ffmxj5doq')
const validCommit = signCommit({ type: 'acache/commit', version: 1, tree: TREE, parents: [], author: { key, name: 'a' }, time: '2026-11-28T00:00:00.000Z', message: 'm' }, sk).bytes
const validHead = signHead({ type: 'acache/head', version: 1, key, seq: 3, time: '2026-11-28T00:00:00.000Z', heads: { main: TREE } }, sk).bytes

test('commits: random and mutated bytes', t => {
  t.notThrows(() => fc.assert(fc.property(fc.oneof(fc.uint8Array({ maxLength: 600 }), mutated(validCommit)), (b) => clean(() => decodeCommit(b))), opts))
})

test('heads: random and mutated bytes', t => {
  t.notThrows(() => fc.assert(fc.property(fc.oneof(fc.uint8Array({ maxLength: 600 }), mutated(validHead)), (b) => clean(() => decodeHead(b))), opts))
})

test('messages: random strings, mutated messages, odd objects', t => {
  const msg = makeIdentityMessage(key, 'a', ['/x'], sk)
  t.notThrows(() => fc.assert(fc.property(fc.oneof(
    fc.string({ maxLength: 300 }),
    fc.string({ maxLength: 300 }).map(s => 'acache:' + s),
    mutated(Buffer.from(msg)).map(b => Buffer.from(b).toString('latin1')),
    fc.jsonValue().map(v => { try { return encodeMessage(v) } catch { return 'acache:' } })
  ), (s) => clean(() => readIdentityMessage(decodeMessage(s)))), opts))
})

test('.acacheowners: random text', t => {
  t.notThrows(() => fc.assert(fc.property(fc.oneof(fc.string({ maxLength: 400 }), fc.array(fc.tuple(fc.constantFrom('/a/', 'a', '/../', '/x'), fc.constantFrom(key, 'did:key:zzz', '', '#c')).map(([p, k]) => `${p} ${k}`), { maxLength: 8 }).map(l => l.join('\n'))), (s) => clean(() => parseOwners(s))), opts))
})

test('trees: random dag-pb directories and UnixFS data', async t => {
  await t.notThrowsAsync(fc.assert(fc.asyncProperty(fc.array(fc.tuple(fc.string({ maxLength: 20 }), fc.nat(1000)), { maxLength: 6 }), fc.uint8Array({ maxLength: 40 }), async (links, data) => {
    const store = new MemoryBlockStore()
    const leaf = await storeBytes(store, new TextEncoder().encode('x'))
    let bytes: Uint8Array
    try {
      bytes = dagPb.encode(dagPb.prepare({ Data: data, Links: links.map(([n, s]) => ({ Name: n, Hash: leaf.cid, Tsize: s })) }))
    } catch { return true }
    const cid = pbCid(bytes)
    await store.put(cid, bytes)
    return await cleanAsync(async () => await readDirectory(store, cid)) && await cleanAsync(async () => await readFileBytes(store, cid))
  }), { ...opts, numRuns: Math.ceil(RUNS / 2) }))
})

test('the stat cache and the config: mutated files are rebuilt or refused, never trusted blindly', async t => {
  const u = new User('fz').setup()
  u.write('a', 'a')
  u.write('b/c', 'c')
  u.ok(['commit', '-m', 'x'])
  const repo = Repo.find(u.work)
  const index = fs.readFileSync(repo.layout.index)
  const config = fs.readFileSync(repo.layout.config)
  await t.notThrowsAsync(fc.assert(fc.asyncProperty(mutated(index), mutated(config), async (i, c) => {
    fs.writeFileSync(repo.layout.index, i)
    const cache = StatCache.read(repo) // undefined or a cache: never a throw
    // and a cache read back is one status can use (its walk record too)
    // thrown, not t.deepEqual: fast-check sees the failure, shrinks it and reports the input
    if (cache !== undefined) assert.deepStrictEqual((await compareWorktree(repo, cache)).changes.filter(ch => ch.change !== 'modified'), [])
    fs.writeFileSync(repo.layout.config, c)
    return clean(() => Repo.readConfig(repo.dir))
  }), { ...opts, numRuns: Math.ceil(RUNS / 3) }))
})

test('bundles: mutated CAR files are refused cleanly and leave no refs', async t => {
  const a = new User('alice').setup()
  a.write('f', 'hello')
  a.ok(['commit', '-m', 'x'])
  const b = new User('bob').setup()
  b.ok(['remote', 'add', 'alice', '/nowhere', '--key', a.ok(['id', 'show', '--json']).json.key])
  const car = path.join(tmpdir(), 'a.car')
  a.ok(['bundle', 'create', car])
  const valid = fs.readFileSync(car)
  const repo = Repo.find(b.work)
  const ctx = defaultCtx({ cwd: b.work, home: b.home })
  const bad = path.join(tmpdir(), 'bad.car')
  let refused = 0
  await t.notThrowsAsync(fc.assert(fc.asyncProperty(mutated(valid), async (bytes) => {
    fs.writeFileSync(bad, bytes)
    try {
      await importBundle(repo, ctx, bad)
      // a mutation that kept it valid (in padding): fine, but then it must verify
      repo.refs.transaction('test: forget alice').delete('refs/remotes/alice/main').commit()
      fs.rmSync(repo.layout.remoteState(), { recursive: true, force: true })
      return true
    } catch (err) {
      if (!(err instanceof AcacheError)) throw err
      refused++
      return repo.refs.read('refs/remotes/alice/main') === undefined
    }
  }), { ...opts, numRuns: Math.ceil(RUNS / 5) }))
  t.true(refused > 0)
})

test('HTTP: random requests to serve get 4xx answers and the server lives on', async t => {
  const u = new User('srv').setup()
  u.write('f', 'x')
  u.ok(['commit', '-m', 'x'])
  u.ok(['push'])
  const s = await serve(Repo.find(u.work), { port: 0, trusted: [key], maxUpload: 1 << 20 })
  const ask = async (method: string, p: string, body?: Uint8Array): Promise<number> => await new Promise((resolve) => {
    const req = http.request(`${s.url}${p}`, { method }, (res) => { res.resume(); res.on('end', () => resolve(res.statusCode ?? 0)) })
    req.on('error', () => resolve(-1))
    req.end(body)
  })
  try {
    await t.notThrowsAsync(fc.assert(fc.asyncProperty(
      fc.constantFrom('GET', 'POST', 'HEAD', 'PUT', 'DELETE'),
      fc.oneof(fc.webPath(), fc.constantFrom('/ipfs/', '/ipfs/x?format=car', '/acache/v1/push', '/acache/v1/head/did:key:z', '/ipfs/bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku?format=car')),
      fc.oneof(fc.uint8Array({ maxLength: 300 }), mutated(validHead)),
      async (method, p, body) => {
        const code = await ask(method, p.startsWith('/') ? p : '/' + p, method === 'POST' ? body : undefined)
        return code >= 200 && code < 500
      }), { ...opts, numRuns: Math.ceil(RUNS / 2) }))
    t.is(await ask('GET', `/acache/v1/head/${u.ok(['id', 'show', '--json']).json.key}`), 200)
  } finally {
    await s.close()
  }
})

test('sanity: the valid inputs the mutations start from do decode', t => {
  t.is(decodeCommit(validCommit).message, 'm')
  t.is(decodeHead(validHead).seq, 3)
  t.notThrows(() => dagJson.decode(validHead))
  void buildTree
})
