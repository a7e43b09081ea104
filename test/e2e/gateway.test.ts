/**
 * `acache serve` as an IPFS trustless gateway, checked with clients acache
 * did not write: @ipld/car reads the CARs, multiformats' sha256 checks each
 * block against its CID, ipfs-unixfs-exporter reads files and directories
 * from the blocks a CAR carried (and nothing else).
 */
import test from 'ava'
import crypto from 'node:crypto'
import { CarReader } from '@ipld/car'
import { CID } from 'multiformats/cid'
import { sha256 } from 'multiformats/hashes/sha2'
import { exporter } from 'ipfs-unixfs-exporter'
import * as Digest from 'multiformats/hashes/digest'
import { base36 } from 'multiformats/bases/base36'
import { base58btc } from 'multiformats/bases/base58'
import * as dagJson from '@ipld/dag-json'
import fs from 'node:fs'
import path from 'node:path'
import { User, ROOT, startServe, runAsync, tmpdir } from '../helpers.js'

interface Served { alice: User, url: string, commit: string, tree: string, big: Buffer, stop: () => Promise<void> }

async function served (): Promise<Served> {
  const alice = new User('alice').setup()
  alice.write('src/deep/a.txt', 'hello\n')
  const big = crypto.randomBytes(3 * 1024 * 1024 + 100)
  alice.write('big.bin', big)
  // enough links (with their names and CIDs over 256 KiB) that the directory is a HAMT, as Kubo would make it
  for (let i = 0; i < 4000; i++) alice.write(`shard/file-with-a-long-name-number-${i}.txt`, `file ${i}\n`)
  alice.ok(['commit', '-m', 'one'])
  alice.write('src/deep/a.txt', 'hello again\n')
  alice.ok(['commit', '-m', 'two'])
  const commit = alice.ok(['log', '-n', '1', '--format=%H']).stdout.trim()
  const tree = alice.ok(['show', commit, '--json']).json.commit.tree
  const s = await startServe(alice)
  return { alice, url: s.url, commit, tree, big, stop: s.stop }
}

/** The CAR's blocks, each checked against its CID by multiformats (not by acache). */
async function carBlocks (body: ArrayBuffer): Promise<{ roots: string[], blocks: Map<string, Uint8Array>, order: string[] }> {
  const r = await CarReader.fromBytes(new Uint8Array(body))
  const blocks = new Map<string, Uint8Array>()
  const order: string[] = []
  for await (const b of r.blocks()) {
    // identity CIDs hold their bytes; every other block is hashed here, not by acache
    const digest = b.cid.multihash.code === 0 ? b.bytes : (await sha256.digest(b.bytes)).digest
    if (Buffer.compare(Buffer.from(digest), Buffer.from(b.cid.multihash.digest)) !== 0) throw new Error(`block ${b.cid} does not match its CID`)
    blocks.set(Buffer.from(b.cid.multihash.bytes).toString('hex'), b.bytes)
    order.push(b.cid.toString())
  }
  return { roots: (await r.getRoots()).map(String), blocks, order }
}

/** A blockstore of only these blocks, in the exporter's reader shape. */
const only = (blocks: Map<string, Uint8Array>): any => ({
  get: async function * (cid: CID) {
    const b = blocks.get(Buffer.from(cid.multihash.bytes).toString('hex'))
    if (b === undefined) throw new Error(`the CAR lacks ${cid}`)
    yield b
  }
})

/** A response's Content-Disposition (its body left unread). */
function raw0 (r: Response): string | null {
  void r.body?.cancel()
  return r.headers.get('content-disposition')
}

async function readAll (entry: any, opts?: { offset: number, length: number }): Promise<Buffer> {
  const parts: Uint8Array[] = []
  for await (const c of entry.content(opts)) parts.push(c)
  return Buffer.concat(parts)
}

test.serial('the probe, formats asked by query or Accept, 400 when neither names one, Content-Disposition, Etag and 304', async t => {
  const s = await served()
  try {
    const probe = await fetch(`${s.url}/ipfs/bafkqaaa?format=raw`)
    t.is(probe.status, 200)
    t.is((await probe.arrayBuffer()).byteLength, 0)
    const probeCar = await fetch(`${s.url}/ipfs/bafkqaaa`, { headers: { Accept: 'application/vnd.ipld.car' } })
    t.is(probeCar.status, 200)
    t.deepEqual((await carBlocks(await probeCar.arrayBuffer())).roots, ['bafkqaaa'])
    t.is((await fetch(`${s.url}/ipfs/bafkqaaa?format=raw`, { method: 'HEAD' })).status, 200)
    // the probe with no format at all, as serve(1) promises
    const bare = await fetch(`${s.url}/ipfs/bafkqaaa`)
    t.is(bare.status, 200)
    t.is((await bare.arrayBuffer()).byteLength, 0)
    // the trustless gateway spec's identity CIDs: one other than the empty probe, as a raw block and as a CAR
    const { identity } = await import('multiformats/hashes/identity')
    const inline = CID.createV1(0x55, identity.digest(new TextEncoder().encode('hello identity')))
    const rawInline = await fetch(`${s.url}/ipfs/${inline}?format=raw`)
    t.is(rawInline.status, 200)
    t.is(Buffer.from(await rawInline.arrayBuffer()).toString(), 'hello identity')
    const carInline = await carBlocks(await (await fetch(`${s.url}/ipfs/${inline}?format=car`)).arrayBuffer())
    t.deepEqual(carInline.roots, [inline.toString()])
    // conformance, TestTrustlessRaw: "...filename param returns expected Content-Disposition header with custom filename",
    // and "...returns expected caching headers" (X-IPFS-Path, X-IPFS-Roots)
    const named = await fetch(`${s.url}/ipfs/${s.commit}?format=raw&filename=my commit.bin`)
    t.is(named.headers.get('content-disposition'), 'attachment; filename="my commit.bin"')
    const pathed = await fetch(`${s.url}/ipfs/${s.tree}/src/deep/a.txt?format=car&dag-scope=block`)
    t.is(pathed.headers.get('x-ipfs-path'), `/ipfs/${s.tree}/src/deep/a.txt`)
    const roots = pathed.headers.get('x-ipfs-roots')!.split(',')
    t.is(roots.length, 4, 'the root and one CID for each of the 3 segments')
    t.is(roots[0], s.tree)
    t.is(roots[3], s.alice.ok(['show', 'HEAD:src/deep/a.txt', '--json']).json.cid)
    s.alice.ok(['push'])
    t.is(raw0(await fetch(`${s.url}/ipns/${s.alice.ok(['id', 'show', '--json']).json.key}?format=ipns-record&filename=alice.rec`)), 'attachment; filename="alice.rec"')

    t.is((await fetch(`${s.url}/ipfs/${s.commit}`)).status, 400, 'neither format nor Accept: 400, not 406')
    t.is((await fetch(`${s.url}/ipfs/${s.commit}`, { headers: { Accept: 'text/html' } })).status, 400)
    const byAccept = await fetch(`${s.url}/ipfs/${s.commit}`, { headers: { Accept: 'application/vnd.ipld.raw' } })
    t.is(byAccept.status, 200)
    t.is(byAccept.headers.get('content-location'), `/ipfs/${s.commit}?format=raw`)
    const raw = await fetch(`${s.url}/ipfs/${s.commit}?format=raw`)
    t.is(raw.headers.get('content-disposition'), `attachment; filename="${s.commit}.bin"`)
    t.is(raw.headers.get('content-location'), null, 'the format came from the query')
    const bytes = new Uint8Array(await raw.arrayBuffer())
    t.deepEqual((await sha256.digest(bytes)).digest, CID.parse(s.commit).multihash.digest)
    const etag = raw.headers.get('etag')!
    t.is((await fetch(`${s.url}/ipfs/${s.commit}?format=raw`, { headers: { 'If-None-Match': etag } })).status, 304)
    const car = await fetch(`${s.url}/ipfs/${s.commit}?format=car`)
    t.is(car.headers.get('content-disposition'), `attachment; filename="${s.commit}.car"`)
    t.is(car.headers.get('content-type'), 'application/vnd.ipld.car; version=1; order=dfs; dups=n')
    const carTag = car.headers.get('etag')!
    t.not(carTag, etag)
    t.is((await fetch(`${s.url}/ipfs/${s.commit}?format=car`, { headers: { 'If-None-Match': carTag } })).status, 304)
    t.not((await fetch(`${s.url}/ipfs/${s.commit}?format=car&dag-scope=block`)).headers.get('etag'), carTag, 'the scope is in the Etag')
    t.is((await fetch(`${s.url}/ipfs/${s.commit}/tree?format=raw`)).status, 400, 'a raw block is asked for by CID alone')
    t.is((await fetch(`${s.url}/ipfs/${s.commit}?format=car&car-version=2`)).status, 400)
    t.is((await fetch(`${s.url}/ipfs/${s.commit}?format=car&car-dups=y`)).status, 400)
    t.is((await fetch(`${s.url}/ipfs/${s.commit}?format=car&dag-scope=everything`)).status, 400)
    t.is((await fetch(`${s.url}/ipfs/bafkreiaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa?format=raw`)).status, 404)
  } finally {
    await s.stop()
  }
})

test.serial('dag-scope: block is the one block, entity a whole file or what lists a directory, all the whole DAG', async t => {
  const s = await served()
  try {
    const block = await carBlocks(await (await fetch(`${s.url}/ipfs/${s.commit}?format=car&dag-scope=block`)).arrayBuffer())
    t.deepEqual(block.order, [s.commit], 'a commit alone, not all history')
    const all = await carBlocks(await (await fetch(`${s.url}/ipfs/${s.commit}?format=car`)).arrayBuffer())
    t.true(all.order.length > 4000, 'all: both commits, their trees and files')
    t.true(all.order.includes(s.alice.ok(['log', '-n', '1', '--format=%H', 'HEAD~1']).stdout.trim()))
    // entity of a sharded directory: its shards, none of its files
    const dir = await carBlocks(await (await fetch(`${s.url}/ipfs/${s.tree}/shard?format=car&dag-scope=entity`)).arrayBuffer())
    const shardCid = CID.parse(dir.order[1])
    const entry = await exporter(shardCid, only(dir.blocks))
    t.is(entry.type, 'directory')
    let names = 0
    if (entry.type === 'directory') for await (const _ of entry.entries()) { void _; names++ }
    t.is(names, 4000, 'the directory lists from the CAR alone')
    t.true(dir.order.length < 1000, `${dir.order.length} blocks: shards only (4,000 files)`)
    // entity of a file: the whole file
    const file = await carBlocks(await (await fetch(`${s.url}/ipfs/${s.tree}/big.bin?format=car&dag-scope=entity`)).arrayBuffer())
    const f = await exporter(CID.parse(file.order[1]), only(file.blocks))
    t.true((await readAll(f)).equals(s.big))
  } finally {
    await s.stop()
  }
})

test.serial('paths: /ipfs/{commit}/tree/... and through a HAMT shard, the CAR holds the way and the target; a missing path is 404', async t => {
  const s = await served()
  try {
    const r = await fetch(`${s.url}/ipfs/${s.commit}/tree/src/deep/a.txt?format=car`)
    t.is(r.status, 200)
    const car = await carBlocks(await r.arrayBuffer())
    t.deepEqual(car.roots, [s.commit])
    t.is(car.order[0], s.commit)
    t.is(car.order[1], s.tree)
    // the exporter walks the path itself, from the tree, with only the CAR's blocks
    const a = await exporter(`${s.tree}/src/deep/a.txt`, only(car.blocks))
    t.is((await readAll(a)).toString(), 'hello again\n')
    // the directory really is sharded (a plain one would not test the way through shards)
    const { UnixFS } = await import('ipfs-unixfs')
    const dagPb = await import('@ipld/dag-pb')
    const shardDir = await carBlocks(await (await fetch(`${s.url}/ipfs/${s.tree}/shard?format=car&dag-scope=block`)).arrayBuffer())
    const dirBytes = shardDir.blocks.get(Buffer.from(CID.parse(shardDir.order[shardDir.order.length - 1]).multihash.bytes).toString('hex'))!
    t.is(UnixFS.unmarshal(dagPb.decode(dirBytes).Data!).type, 'hamt-sharded-directory')
    // conformance, TestTrustlessCarPathing: "GET default CAR response of UnixFS file on a path with HAMT-sharded directory"
    for (const n of [0, 1234, 3999]) {
      const res = await fetch(`${s.url}/ipfs/${s.tree}/shard/file-with-a-long-name-number-${n}.txt?format=car&dag-scope=entity`)
      t.is(res.status, 200, `file ${n}`)
      const c = await carBlocks(await res.arrayBuffer())
      t.is((await readAll(await exporter(`${s.tree}/shard/file-with-a-long-name-number-${n}.txt`, only(c.blocks)))).toString(), `file ${n}\n`)
    }
    const h = await fetch(`${s.url}/ipfs/${s.tree}/shard/file-with-a-long-name-number-1234.txt?format=car&dag-scope=entity`)
    const hc = await carBlocks(await h.arrayBuffer())
    const e = await exporter(`${s.tree}/shard/file-with-a-long-name-number-1234.txt`, only(hc.blocks))
    t.is((await readAll(e)).toString(), 'file 1234\n')
    t.true(hc.order.length <= 6, `${hc.order.length} blocks: the way through the shards, not all of them`)
    t.is((await fetch(`${s.url}/ipfs/${s.tree}/src/nothing?format=car`)).status, 404)
    t.is((await fetch(`${s.url}/ipfs/${s.commit}/nofield?format=car`)).status, 404)
  } finally {
    await s.stop()
  }
})

test.serial('entity-bytes: only the blocks of the range, which the exporter reads; a range outside the file is 400', async t => {
  const s = await served()
  try {
    const from = 1024 * 1024 + 10
    const r = await fetch(`${s.url}/ipfs/${s.tree}/big.bin?format=car&entity-bytes=${from}:${from + 99}`)
    t.is(r.status, 200)
    const car = await carBlocks(await r.arrayBuffer())
    const leaves = car.order.filter(c => CID.parse(c).code === 0x55)
    t.is(leaves.length, 1, 'one leaf of four')
    const fileCid = CID.parse(car.order[1])
    const f = await exporter(fileCid, only(car.blocks))
    t.true((await readAll(f, { offset: from, length: 100 })).equals(s.big.subarray(from, from + 100)))
    const tail = await carBlocks(await (await fetch(`${s.url}/ipfs/${s.tree}/big.bin?format=car&entity-bytes=-50:*`)).arrayBuffer())
    t.is(tail.order.filter(c => CID.parse(c).code === 0x55).length, 1, 'the last 50 bytes: the last leaf')
    t.is((await fetch(`${s.url}/ipfs/${s.tree}/big.bin?format=car&entity-bytes=${s.big.length + 5}:*`)).status, 400)
    t.is((await fetch(`${s.url}/ipfs/${s.tree}/big.bin?format=car&entity-bytes=abc`)).status, 400)
  } finally {
    await s.stop()
  }
})

test.serial('CORS for reads, OPTIONS, and 405 for other methods', async t => {
  const s = await served()
  try {
    const get = await fetch(`${s.url}/ipfs/${s.commit}?format=raw`)
    t.is(get.headers.get('access-control-allow-origin'), '*')
    const opt = await fetch(`${s.url}/ipfs/${s.commit}`, { method: 'OPTIONS' })
    t.is(opt.status, 204)
    t.regex(opt.headers.get('access-control-allow-methods') ?? '', /GET/)
    const del = await fetch(`${s.url}/ipfs/${s.commit}`, { method: 'DELETE' })
    t.is(del.status, 405)
    t.is(del.headers.get('allow'), 'GET, HEAD, OPTIONS')
    t.is((await fetch(`${s.url}/ipfs/${s.commit}?format=raw`, { method: 'POST' })).status, 405)
  } finally {
    await s.stop()
  }
})

/** A key's IPNS name, made by hand from the spec (a CIDv1 libp2p-key of the identity multihash of its protobuf public key), not by acache. */
function ipnsNameOf (did: string): CID {
  const pub = didPublicKey(did)
  const pb = Buffer.concat([Buffer.from([0x08, 0x01, 0x12, 0x20]), Buffer.from(pub)])
  return CID.createV1(0x72, Digest.create(0x00, pb))
}

function didPublicKey (did: string): Uint8Array {
  const bytes = base58btc.decode(did.slice('did:key:'.length))
  return bytes.subarray(2) // the ed25519-pub multicodec (0xed 0x01), then the key
}

test.serial('every published head is also a signed IPNS record of the key: served at /ipns/{name} as application/vnd.ipfs.ipns-record, valid for the ipns library, naming the head; a push carries it, a forged one is refused', async t => {
  const { ipnsValidator } = await import('ipns/validator')
  const { unmarshalIPNSRecord, multihashToIPNSRoutingKey } = await import('ipns')
  const s = await served()
  try {
    s.alice.ok(['push'])
    const did = s.alice.ok(['id', 'show', '--json']).json.key
    const name = ipnsNameOf(did)
    for (const n of [name.toString(base36), name.toString()]) {
      const r = await fetch(`${s.url}/ipns/${n}?format=ipns-record`)
      t.is(r.status, 200)
      t.is(r.headers.get('content-type'), 'application/vnd.ipfs.ipns-record')
    }
    const r = await fetch(`${s.url}/ipns/${name.toString(base36)}`, { headers: { Accept: 'application/vnd.ipfs.ipns-record' } })
    const record = new Uint8Array(await r.arrayBuffer())
    await t.notThrowsAsync(ipnsValidator(multihashToIPNSRoutingKey(name.multihash as any), record))
    const value = unmarshalIPNSRecord(record).value
    const headCid = value.replace('/ipfs/', '')
    // the record leads to the head, the head to the commit
    const head = new Uint8Array(await (await fetch(`${s.url}/ipfs/${headCid}?format=raw`)).arrayBuffer())
    const decoded = dagJson.decode(head) as any
    t.is(decoded.heads.main.toString(), s.commit)
    t.is(unmarshalIPNSRecord(record).sequence, BigInt(decoded.seq))
    // a trusted friend pushes over HTTP: the record comes with the head
    const bob = new User('bob').setup()
    const bobKey = bob.ok(['id', 'show', '--json']).json.key
    s.alice.ok(['remote', 'add', 'bob', '/nowhere', '--key', bobKey])
    bob.ok(['remote', 'add', 'alice', s.url, '--key', did])
    bob.write('b.txt', 'bob\n')
    bob.ok(['commit', '-m', 'bob'])
    const pushed = await runAsync(bob, ['push', 'alice', '--json'])
    t.is(pushed.code, 0, pushed.stderr)
    const bobRecord = new Uint8Array(await (await fetch(`${s.url}/ipns/${ipnsNameOf(bobKey).toString(base36)}?format=ipns-record`)).arrayBuffer())
    await t.notThrowsAsync(ipnsValidator(multihashToIPNSRoutingKey(ipnsNameOf(bobKey).multihash as any), bobRecord))
    t.is(unmarshalIPNSRecord(bobRecord).value, `/ipfs/${pushed.json.head}`)
    t.is((await fetch(`${s.url}/ipns/not-a-name?format=ipns-record`)).status, 400)
    t.is((await fetch(`${s.url}/ipns/${name.toString(base36)}`)).status, 400, 'no format named')
  } finally {
    await s.stop()
  }
})

test.serial('a push whose IPNS record is not the pusher\'s, or names another head, is refused (400) and publishes nothing', async t => {
  const s = await served()
  try {
    s.alice.ok(['push'])
    const did = s.alice.ok(['id', 'show', '--json']).json.key
    const aliceRecord = Buffer.from(await (await fetch(`${s.url}/ipns/${ipnsNameOf(did).toString(base36)}?format=ipns-record`)).arrayBuffer())
    const bob = new User('bob').setup()
    const bobKey = bob.ok(['id', 'show', '--json']).json.key
    s.alice.ok(['remote', 'add', 'bob', '/nowhere', '--key', bobKey])
    bob.write('b.txt', 'bob\n')
    bob.ok(['commit', '-m', 'bob'])
    const file = path.join(tmpdir(), 'bob.car')
    bob.ok(['bundle', 'create', file])
    const post = async (record: Buffer): Promise<number> => (await fetch(`${s.url}/acache/v1/push`, { method: 'POST', body: fs.readFileSync(file), headers: { 'Content-Type': 'application/vnd.ipld.car', 'X-Acache-Ipns-Record': record.toString('base64') } })).status
    t.is(await post(aliceRecord), 400, 'alice\'s record on bob\'s head')
    t.is(await post(Buffer.from('not a record')), 400)
    t.is((await fetch(`${s.url}/acache/v1/head/${bobKey}`)).status, 404, 'nothing published')
  } finally {
    await s.stop()
  }
})

test.serial('@helia/verified-fetch, pointed only at `acache serve` (gateway and router), reads a file by CID, by path, through a HAMT shard, a byte range, and a friend\'s head by IPNS name', async t => {
  const client = path.join(ROOT, 'tools', 'verified-fetch')
  const node = path.join(client, 'node_modules', '.bin', 'node')
  t.true(fs.existsSync(node), 'tools/verified-fetch is installed by `npm test` (scripts/test-setup.mjs)')
  const s = await served()
  try {
    s.alice.ok(['push'])
    const did = s.alice.ok(['id', 'show', '--json']).json.key
    const name = ipnsNameOf(did).toString(base36)
    const from = 1024 * 1024 + 10
    const fileCid = s.alice.ok(['show', 'HEAD:src/deep', '--json']).json.entries.find((e: any) => e.name === 'a.txt').cid
    const requests = [
      { resource: `ipfs://${s.tree}/src/deep/a.txt` },
      { resource: `ipfs://${fileCid}` },
      { resource: `ipfs://${s.tree}/shard/file-with-a-long-name-number-1234.txt` },
      { resource: `ipfs://${s.tree}/big.bin`, range: `bytes=${from}-${from + 99}` },
      { resource: `ipns://${name}` }
    ]
    const { spawn } = await import('node:child_process')
    const child = spawn(node, [path.join(client, 'client.mjs'), s.url, JSON.stringify(requests)], { stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    let err = ''
    child.stdout.on('data', (c: Buffer) => { out += c.toString() })
    child.stderr.on('data', (c: Buffer) => { err += c.toString() })
    // 'close', not 'exit': the output may still be in the pipe when the process has exited
    const code = await new Promise(resolve => child.once('close', resolve))
    t.is(code, 0, err)
    const got = JSON.parse(out.trim().split('\n').pop()!)
    const hash = (b: Uint8Array): string => crypto.createHash('sha256').update(b).digest('hex')
    t.is(got[0].status, 200)
    t.is(got[0].text, 'hello again\n')
    t.is(got[1].text, 'hello again\n', 'a file by its CID')
    t.is(got[2].text, 'file 1234\n')
    t.is(got[3].status, 206)
    t.is(got[3].sha256, hash(s.big.subarray(from, from + 100)))
    const published = fs.readFileSync(s.alice.path(`.acache/published/${did.slice('did:key:'.length)}.head`))
    t.is(got[4].status, 200)
    t.is(got[4].sha256, hash(published), 'the IPNS name resolves to the published head')
  } finally {
    await s.stop()
  }
})
