/**
 * acache through an IPFS node's Kubo RPC API: a real `ipfs` binary when one
 * is on PATH, else the js-ipfs daemon that serves the same API (installed in
 * tools/kubo-standin by .ci/run, started and stopped here on loopback).
 */
import test from 'ava'
import fs from 'node:fs'
import { CID } from 'multiformats/cid'
import { User } from '../helpers.js'
import { startNode } from '../kubo-node.js'
import { KuboRpc } from '../../src/store/kubo-rpc.js'

test.serial('two users, two IPFS nodes connected on loopback: alice pushes to hers (CAR import, pin, IPNS), bob resolves her name through his and fetches; the blocks move between the nodes', async t => {
  t.timeout(300_000)
  const nodeA = await startNode()
  const nodeB = await startNode()
  try {
    const kA = new KuboRpc(`http://${nodeA.api}`)
    const kB = new KuboRpc(`http://${nodeB.api}`)
    const aliceNode = await kA.call('id', async c => (await c.id()).id.toString())
    await kB.call('connect', async c => await c.swarm.connect(nodeA.swarm))
    const alice = new User('alice').setup()
    alice.write('README', 'over IPFS\n')
    const weights = Buffer.alloc(2 * 1024 * 1024 + 7).map((_, i) => (i * 31) % 256)
    alice.write('data/weights.bin', weights)
    alice.ok(['commit', '-m', 'one'])
    const akey = alice.ok(['id', 'show', '--json']).json.key
    alice.ok(['remote', 'add', 'ipfs', `kubo://${nodeA.api}/ipns/self`, '--key', akey])
    const p = alice.ok(['push', 'ipfs', '--json']).json
    t.true(p.blocks >= 5)
    t.is(p.seq, 1)
    // the head is pinned in alice's node, and so everything it reaches
    const pins = await kA.call('pins', async c => { const out: string[] = []; for await (const x of c.pin.ls({ type: 'recursive' })) out.push(x.cid.toString()); return out })
    t.true(pins.some(c => c === p.head))
    // bob's node has none of it yet
    // (a node lists its blocks by multihash: compare those)
    const mh = (cid: string): string => Buffer.from(CID.parse(cid).multihash.bytes).toString('hex')
    const localOf = async (k: KuboRpc): Promise<Set<string>> => await k.call('refs', async c => { const out = new Set<string>(); for await (const r of c.refs.local()) out.add(mh(r.ref)); return out })
    t.false((await localOf(kB)).has(mh(p.head)))
    // bob, with his own repository, key and node, resolves alice's name through his node and fetches
    const bob = new User('bob').setup()
    bob.ok(['remote', 'add', 'alice', `kubo://${nodeB.api}/ipns/${aliceNode}`, '--key', akey])
    const f = bob.ok(['fetch', 'alice', '--json']).json.fetched[0]
    t.is(f.seq, 1)
    t.true(f.blocks >= 5)
    // bitswap carried them from alice's node to bob's: bob's node holds them now
    const inB = await localOf(kB)
    t.true(inB.has(mh(p.head)))
    t.true(inB.has(mh(bob.ok(['show', 'alice/main:', '--json']).json.entries.find((e: any) => e.name === 'data').cid)))
    bob.ok(['merge', 'alice/main'])
    t.is(bob.read('README'), 'over IPFS\n')
    t.deepEqual(fs.readFileSync(bob.path('data/weights.bin')), weights)
    t.is(bob.ok(['verify']).code, 0)
    // a second push sends only what is new; a replayed head is refused; a head can also come as a message
    alice.write('README', 'v2\n')
    alice.ok(['commit', '-m', 'two'])
    const p2 = alice.ok(['push', 'ipfs', '--json']).json
    t.is(p2.seq, 2)
    t.is(p2.blocks, 3)
    // IPNS on bob's node may still answer with seq 1 for a while; the signed head as a message is exact
    bob.ok(['fetch', 'alice', '--head', p2.headMessage])
    t.is(bob.ok(['show', 'alice/main:README']).stdout, 'v2\n')
    const replay = bob.run(['fetch', 'alice', '--head', p.headMessage])
    t.is(replay.code, 4)
    t.regex(replay.stderr, /seq is 1, but seq 2 was already accepted/)
  } finally {
    await nodeA.stop()
    await nodeB.stop()
  }
})

test('an unreachable Kubo API: one clear error, exit 5, naming the URL', t => {
  const u = new User('u').setup()
  u.write('f', 'x')
  u.ok(['commit', '-m', 'x'])
  u.ok(['remote', 'add', 'ipfs', 'kubo://127.0.0.1:9/ipns/self', '--key', u.ok(['id', 'show', '--json']).json.key])
  const r = u.run(['push', 'ipfs'])
  t.is(r.code, 5)
  t.regex(r.stderr, /http:\/\/127\.0\.0\.1:9/)
  const f = u.run(['fetch', 'ipfs'])
  t.is(f.code, 5)
  t.regex(f.stderr, /127\.0\.0\.1:9/)
})

test.serial('a repository whose blocks live in a Kubo node (init --store kubo): commit, read back, switch, pins, gc, push from it, and a stopped node', async t => {
  t.timeout(300_000)
  const node = await startNode()
  try {
    const kubo = new KuboRpc(`http://${node.api}`)
    const recursivePins = async (): Promise<string[]> => {
      // through acache's own client wrapper: the node closes kept-alive connections while the commands run
      return await kubo.call('list pins', async c => {
        const pins: string[] = []
        for await (const x of c.pin.ls({ type: 'recursive' })) pins.push(x.cid.toString())
        return pins
      })
    }
    const alice = new User('alice')
    alice.ok(['id', 'new', '--name', 'alice'])
    const init = alice.ok(['init', '--store', 'kubo', '--api', node.api, '--json']).json
    t.is(init.store, 'kubo')
    t.is(init.kubo.api, `http://${node.api}`)
    const weights = Buffer.alloc(3 * 1024 * 1024 + 5).map((_, i) => (i * 13 + 5) % 251)
    alice.write('data/weights.bin', weights)
    alice.write('README', 'blocks in the node\n')
    const c1 = alice.ok(['commit', '-m', 'one', '--json']).json
    t.true(c1.stored.blocks >= 6)
    // nothing in the embedded store: the blocks are in the node, and the commit is pinned there
    const local = fs.readdirSync(alice.path('.acache/blocks')).filter(n => n !== 'SHARDING')
    t.deepEqual(local, [])
    const one = alice.head()
    t.true((await recursivePins()).includes(one))
    const fileCid = alice.ok(['show', 'HEAD:', '--json']).json.entries.find((e: any) => e.name === 'data').cid
    t.true(await kubo.call('stat', async c => (await c.block.stat(CID.parse(fileCid))).size) > 0)
    // read back through the node
    t.is(alice.ok(['show', 'HEAD:README']).stdout, 'blocks in the node\n')
    t.is(alice.ok(['verify']).code, 0)
    alice.write('README', 'two\n')
    alice.ok(['commit', '-m', 'two'])
    fs.rmSync(alice.path('data'), { recursive: true })
    alice.ok(['restore', '--source', 'HEAD', 'data'])
    t.deepEqual(fs.readFileSync(alice.path('data/weights.bin')), weights)
    alice.ok(['switch', '--detach', one])
    t.is(alice.read('README'), 'blocks in the node\n')
    alice.ok(['switch', 'main'])
    t.is(alice.read('README'), 'two\n')
    t.regex(alice.ok(['status']).stdout, /nothing to commit/)
    // gc keeps what refs reach pinned and unpins what they no longer reach
    alice.ok(['branch', 'old', one])
    const two = alice.head()
    t.true((await recursivePins()).includes(two))
    const g = alice.ok(['gc', '--json']).json
    t.is(g.kubo.unpinned, 0)
    alice.ok(['branch', '-d', 'old'])
    alice.ok(['commit', '--allow-empty', '-m', 'three'])
    const g2 = alice.ok(['gc', '--now', '--json']).json // --now: what only the reflog names goes too
    t.true(g2.kubo.unpinned >= 2)
    if (node.proc.exitCode !== null) t.fail(node.log())
    const pins = await recursivePins()
    t.true(pins.includes(alice.head()))
    t.false(pins.includes(one))
    t.true(alice.ok(['verify']).code === 0)
    // a friend with an embedded store fetches from the node through alice's published name
    const akey = alice.ok(['id', 'show', '--json']).json.key
    alice.ok(['remote', 'add', 'ipfs', `kubo://${node.api}/ipns/self`, '--key', akey])
    alice.ok(['push', 'ipfs'])
    const bob = new User('bob').setup()
    bob.ok(['remote', 'add', 'alice', `kubo://${node.api}/ipns/${await kubo.call('id', async c => (await c.id()).id.toString())}`, '--key', akey])
    bob.ok(['fetch', 'alice'])
    bob.ok(['merge', 'alice/main'])
    t.deepEqual(fs.readFileSync(bob.path('data/weights.bin')), weights)
    t.is(bob.ok(['verify']).code, 0)
    // the node stops: reading history is one clear error naming it, and nothing changes
    await node.stop()
    const r = alice.run(['log'])
    t.is(r.code, 5)
    t.regex(r.stderr, new RegExp(`the Kubo API at http://${node.api.replace(/\./g, '\\.')} cannot be reached`))
    t.is(r.stderr.trim().split('\n').filter(l => l.startsWith('error:')).length, 1)
    alice.write('README', 'offline\n')
    const c = alice.run(['commit', '-m', 'offline'])
    t.is(c.code, 5)
    t.is(alice.run(['log']).code, 5)
    const bad = new User('carol').run(['init', '--store', 'kubo', '--api', node.api])
    t.is(bad.code, 5)
    t.regex(bad.stderr, /cannot be reached/)
  } finally {
    await node.stop()
  }
})
