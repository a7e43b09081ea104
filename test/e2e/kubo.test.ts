/**
 * acache through an IPFS node's Kubo RPC API: a real `ipfs` binary when one
 * is on PATH, else the js-ipfs daemon that serves the same API (installed in
 * tools/kubo-standin by .ci/run, started and stopped here on loopback).
 */
import test from 'ava'
import fs from 'node:fs'
import path from 'node:path'
import { spawn, spawnSync, ChildProcess } from 'node:child_process'
import { User, ROOT, tmpdir } from '../helpers.js'

const KUBO_DIR = path.join(ROOT, 'tools', 'kubo-standin')
const hasIpfs = spawnSync('sh', ['-c', 'command -v ipfs']).status === 0

interface Node { api: string, swarm: string, proc: ChildProcess, dir: string, stop: () => Promise<void> }

async function startNode (): Promise<Node> {
  const dir = tmpdir('acache-ipfs-')
  const bin = hasIpfs ? 'ipfs' : path.join(KUBO_DIR, 'node_modules', '.bin', 'jsipfs')
  if (!hasIpfs && !fs.existsSync(bin)) throw new Error('the js-ipfs stand-in is not installed: npm install --prefix tools/kubo-standin (.ci/run does it)')
  const env = { ...process.env, IPFS_PATH: dir, NODE_OPTIONS: `--import ${path.join(KUBO_DIR, 'polyfill.mjs')}` }
  const run = (args: string[]): void => {
    const r = spawnSync(bin, args, { env, encoding: 'utf8', timeout: 120_000 })
    if (r.status !== 0) throw new Error(`${bin} ${args.join(' ')}: ${r.stderr}`)
  }
  run(['init', '--profile', 'test'])
  run(['config', 'Addresses.API', '/ip4/127.0.0.1/tcp/0'])
  run(['config', 'Addresses.Gateway', '/ip4/127.0.0.1/tcp/0'])
  if (!hasIpfs) run(['config', 'Addresses.RPC', '/ip4/127.0.0.1/tcp/0'])
  run(['config', '--json', 'Bootstrap', '[]'])
  const proc = spawn(bin, ['daemon'], { env, stdio: ['ignore', 'pipe', 'pipe'] })
  let log = ''
  proc.stdout!.on('data', (c: Buffer) => { log += c.toString() })
  proc.stderr!.on('data', (c: Buffer) => { log += c.toString() })
  for (let i = 0; i < 600; i++) {
    if (/Daemon is ready/.test(log) && fs.existsSync(path.join(dir, 'api'))) break
    if (proc.exitCode !== null) throw new Error(`daemon exited: ${log}`)
    await new Promise(resolve => setTimeout(resolve, 100))
  }
  const ma = fs.readFileSync(path.join(dir, 'api'), 'utf8').trim() // /ip4/127.0.0.1/tcp/PORT[/http]
  const m = /\/ip4\/([^/]+)\/tcp\/(\d+)/.exec(ma)
  if (m === null) throw new Error(`no API address: ${ma}`)
  const swarm = /Swarm listening on (\/ip4\/127\.0\.0\.1\/tcp\/\d+\S*)/.exec(log)?.[1]
  if (swarm === undefined) throw new Error(`the daemon says no loopback swarm address: ${log}`)
  return {
    api: `${m[1]}:${m[2]}`,
    swarm,
    proc,
    dir,
    stop: async () => { if (proc.exitCode === null) { proc.kill('SIGTERM'); await new Promise(resolve => proc.once('exit', resolve)) } }
  }
}

test.serial('through an IPFS node: alice pushes (CAR import, pin, IPNS), bob resolves her name and fetches, all verified', async t => {
  t.timeout(300_000)
  // One node for both: the js-ipfs stand-in connects two daemons but its
  // bitswap exchanges nothing between them (measured: no bitswap peers), so
  // the two-daemon exchange needs a real ipfs binary.
  const node = await startNode()
  try {
    const { create } = await import('kubo-rpc-client')
    const client = create({ url: `http://${node.api}` })
    const nodeId = (await client.id()).id.toString()
    const alice = new User('alice').setup()
    alice.write('README', 'over IPFS\n')
    alice.write('data/weights.bin', Buffer.alloc(2 * 1024 * 1024 + 7).map((_, i) => (i * 31) % 256))
    alice.ok(['commit', '-m', 'one'])
    const akey = alice.ok(['id', 'show', '--json']).json.key
    alice.ok(['remote', 'add', 'ipfs', `kubo://${node.api}/ipns/self`, '--key', akey])
    const p = alice.ok(['push', 'ipfs', '--json']).json
    t.true(p.blocks >= 5)
    t.is(p.seq, 1)
    // the head is pinned, and so everything it reaches
    const pins: string[] = []
    for await (const x of client.pin.ls({ type: 'recursive' })) pins.push(x.cid.toString())
    t.true(pins.some(c => c === p.head))
    // bob, with his own repository and key, reads alice's name through the node
    const bob = new User('bob').setup()
    bob.ok(['remote', 'add', 'alice', `kubo://${node.api}/ipns/${nodeId}`, '--key', akey])
    const f = bob.ok(['fetch', 'alice', '--json']).json.fetched[0]
    t.is(f.seq, 1)
    t.true(f.blocks >= 5)
    bob.ok(['merge', 'alice/main'])
    t.is(bob.read('README'), 'over IPFS\n')
    t.deepEqual(fs.readFileSync(bob.path('data/weights.bin')), fs.readFileSync(alice.path('data/weights.bin')))
    t.is(bob.ok(['verify']).code, 0)
    // a second push sends only what is new; a replayed head is refused; a head can also come as a message
    alice.write('README', 'v2\n')
    alice.ok(['commit', '-m', 'two'])
    const p2 = alice.ok(['push', 'ipfs', '--json']).json
    t.is(p2.seq, 2)
    t.is(p2.blocks, 3)
    bob.ok(['fetch', 'alice'])
    t.is(bob.ok(['show', 'alice/main:README']).stdout, 'v2\n')
    const replay = bob.run(['fetch', 'alice', '--head', p.headMessage])
    t.is(replay.code, 4)
    t.regex(replay.stderr, /seq is 1, but seq 2 was already accepted/)
  } finally {
    await node.stop()
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
