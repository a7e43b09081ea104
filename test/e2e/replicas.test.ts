/**
 * Replicas: copies on a pinning service (mock-ipfs-pinning-service, an
 * independent implementation of the IPFS Pinning Service API, in a process
 * of its own) and on Kubo nodes (the Kubo stand-in), asked by the real
 * binary. Where the service pins, the blocks really move: its worker pins
 * on a node of its own, fetching from the origins acache gave it.
 */
import test from 'ava'
import fs from 'node:fs'
import path from 'node:path'
import { spawn, ChildProcess } from 'node:child_process'
import { CID } from 'multiformats/cid'
import { ROOT, User, RunResult } from '../helpers.js'
import { startNode } from '../kubo-node.js'
import { KuboRpc } from '../../src/store/kubo-rpc.js'

const TOKEN = 'psa-secret-8f3a1c'

interface Service { url: string, port: number, proc: ChildProcess, stop: () => Promise<void>, control: (p: string, body?: unknown) => Promise<any> }

async function startService (opts: { token?: string, kubo?: string, port?: number } = {}): Promise<Service> {
  const args = [path.join(ROOT, 'dist', 'test', 'pinning-server.js')]
  if (opts.token !== undefined) args.push('--token', opts.token)
  if (opts.kubo !== undefined) args.push('--kubo', opts.kubo)
  if (opts.port !== undefined) args.push('--port', String(opts.port))
  const proc = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] })
  let err = ''
  proc.stderr!.on('data', (c: Buffer) => { err += c.toString() })
  const port = await new Promise<number>((resolve, reject) => {
    let out = ''
    proc.stdout!.on('data', (c: Buffer) => {
      out += c.toString()
      const line = out.split('\n')[0]
      if (out.includes('\n')) resolve(JSON.parse(line).port)
    })
    proc.once('exit', (code) => reject(new Error(`the pinning service exited ${String(code)}: ${err}`)))
  })
  const url = `http://127.0.0.1:${port}`
  return {
    url,
    port,
    proc,
    stop: async () => { if (proc.exitCode === null) { proc.kill('SIGTERM'); await new Promise(resolve => proc.once('exit', resolve)) } },
    control: async (p, body) => {
      const r = await fetch(`${url}/_test/${p}`, body === undefined ? {} : { method: 'POST', body: JSON.stringify(body) })
      return await r.json()
    }
  }
}

/** Every run's output is kept, to check that the token appears in none. */
function recorder (u: User, seen: string[]): (args: string[], env?: Record<string, string>) => RunResult {
  return (args, env = {}) => {
    const r = u.run(args, { env: { PSA_TOKEN: TOKEN, ACACHE_TRACE: '1', ...env } })
    seen.push(r.stdout, r.stderr)
    return r
  }
}

const mh = (cid: string): string => Buffer.from(CID.parse(cid).multihash.bytes).toString('hex')

test.serial('a pinning service and a Kubo node hold every branch head: the service fetches from the Kubo replica (origins), pins move when the head moves, verify --replicas counts them, the token is nowhere', async t => {
  t.timeout(300_000)
  const home = await startNode() // alice's own node: a Kubo replica
  const far = await startNode() // the node behind the pinning service
  const svc = await startService({ token: TOKEN, kubo: far.api })
  const seen: string[] = []
  try {
    const alice = new User('alice').setup()
    const run = recorder(alice, seen)
    const ok = (args: string[], env?: Record<string, string>): RunResult => {
      const r = run(args, env)
      if (r.code !== 0) throw new Error(`acache ${args.join(' ')} exited ${r.code}\n${r.stdout}\n${r.stderr}`)
      return r
    }
    alice.write('README', 'kept in two places\n')
    const weights = Buffer.alloc(3 * 1024 * 1024 + 5).map((_, i) => (i * 7 + 3) % 251)
    alice.write('data/weights.bin', weights)
    alice.write('.acachereplicas', '# the data needs two copies\n/data/ 2\n')
    ok(['commit', '-m', 'one'])
    const add1 = ok(['replica', 'add', 'home', `kubo://${home.api}`, '--json']).json.added
    t.is(add1.kind, 'kubo')
    const add2 = ok(['replica', 'add', 'backup', svc.url, '--token-env', 'PSA_TOKEN', '--prefix', 'proj', '--json']).json.added
    t.deepEqual([add2.kind, add2.tokenEnv, add2.prefix], ['pinning', 'PSA_TOKEN', 'proj'])
    t.regex(ok(['replica', 'list', '-v']).stdout, /backup\thttp:\/\/127\.0\.0\.1:\d+\ttoken in \$PSA_TOKEN\tpins named proj\/BRANCH/)

    const r1 = ok(['replicate', '--json']).json
    const byName = (x: any, n: string): any => x.replicas.find((r: any) => r.name === n)
    const head1 = alice.head()
    t.is(byName(r1, 'home').pins[0].status, 'pinned')
    t.is(byName(r1, 'home').pins[0].cid, head1)
    t.true(byName(r1, 'home').sent.blocks >= 5)
    t.is(byName(r1, 'backup').pins[0].status, 'queued')
    // the service was asked with the Kubo replica's addresses as origins, a name and acache's meta
    const asked = (await svc.control('requests')).filter((q: any) => q.method === 'POST' && q.path === '/pins')
    t.is(asked.length, 1)
    const homeId = await new KuboRpc(`http://${home.api}`).call('id', async c => (await c.id()).id.toString())
    t.true(asked[0].body.origins.some((o: string) => o.endsWith(`/p2p/${homeId}`)))
    t.is(asked[0].body.name, 'proj/main')
    t.is(asked[0].body.meta.branch, 'main')
    t.is(asked[0].body.cid, head1)
    // queued is not held: verify --replicas as the policy asks (2 for /data/) fails, naming who holds it
    const v0 = run(['verify', '--replicas'])
    t.is(v0.code, 1)
    t.regex(v0.stderr, /FAIL main: pinned on 1 of 2 replicas needed \(home\)/)

    // the service's worker pins on its node, fetching from alice's node: real transfer
    const farRpc = new KuboRpc(`http://${far.api}`)
    const before = await farRpc.localBlocks()
    t.false(before.has(mh(head1)))
    t.deepEqual(await svc.control('work', {}), [{ requestid: byName(r1, 'backup').pins[0].requestid, status: 'pinned' }])
    const after = await farRpc.localBlocks()
    t.true(after.has(mh(head1)))
    const dataCid = ok(['show', 'main:', '--json']).json.entries.find((e: any) => e.name === 'data').cid
    t.true(after.has(mh(dataCid)))

    const s = ok(['replica', 'status', '--json']).json
    t.is(byName(s, 'backup').pins[0].status, 'pinned')
    t.is(byName(s, 'home').pins[0].status, 'pinned')
    t.is(typeof byName(s, 'home').providing, 'object')
    const text = ok(['replica', 'status']).stdout
    t.regex(text, /backup {2}http:\/\/127\.0\.0\.1:\d+ {2}\(pinning service\)\n {2}main {2}pinned {3}since \d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ/)
    t.regex(text, /provides: strategy /)
    t.is(run(['verify', '--replicas']).code, 0)
    t.is(run(['verify', '--replicas', '2']).code, 0)
    const v3 = run(['verify', '--replicas', '3', '--json'])
    t.is(v3.code, 1)
    t.false(v3.json.ok)
    t.deepEqual(v3.json.replicas.branches[0].pinned.sort(), ['backup', 'home'])

    // the head moves: push (publishing here) replicates; the service's pin is replaced, not dropped and made again
    alice.write('README', 'kept in two places, v2\n')
    ok(['commit', '-m', 'two'])
    const head2 = alice.head()
    const p = ok(['push', '--json']).json
    t.true(p.replicated)
    t.is(byName(p, 'home').pins[0].cid, head2)
    t.is(byName(p, 'backup').pins[0].cid, head2)
    const reqs = await svc.control('requests')
    const replaced = reqs.filter((q: any) => q.method === 'POST' && q.path.startsWith('/pins/'))
    t.is(replaced.length, 1)
    t.is(replaced[0].path, `/pins/${byName(r1, 'backup').pins[0].requestid}`)
    t.is(reqs.filter((q: any) => q.method === 'POST' && q.path === '/pins').length, 1)
    t.is(reqs.filter((q: any) => q.method === 'DELETE').length, 0)
    const pins = await svc.control('pins')
    t.deepEqual(pins.map((x: any) => [x.pin.name, x.pin.cid]), [['proj/main', head2]])
    // the Kubo replica holds the new head pinned and not the old one; it was sent only what is new
    const homePins = await new KuboRpc(`http://${home.api}`).recursivePins()
    t.true(homePins.has(head2))
    t.false(homePins.has(head1))
    t.true(byName(p, 'home').sent.blocks <= 3)
    await svc.control('work', {})
    t.is(run(['verify', '--replicas', '2']).code, 0)

    // the token: in no output (with ACACHE_TRACE on), not in the config nor in what is kept of the replicas
    const kept = [fs.readFileSync(alice.path('.acache/config'), 'utf8'), ...fs.readdirSync(alice.path('.acache/replicas')).map(f => fs.readFileSync(alice.path(`.acache/replicas/${f}`), 'utf8'))]
    t.true(kept[0].includes('PSA_TOKEN'))
    for (const x of [...seen, ...kept]) t.false(x.includes(TOKEN))
    // and it did reach the service, as a bearer token
    t.true(reqs.every((q: any) => q.authorization === `Bearer ${TOKEN}`))

    // remove --unpin drops what acache pinned there
    ok(['replica', 'remove', 'backup', '--unpin'])
    t.deepEqual(await svc.control('pins'), [])
    t.deepEqual(ok(['replica', 'list', '--json']).json.replicas.map((r: any) => r.name), ['home'])
  } finally {
    await svc.stop()
    await home.stop()
    await far.stop()
  }
})

test.serial('a service that refuses the token, or whose token variable is unset: one clear line, exit 2, the token never printed', async t => {
  const svc = await startService({ token: TOKEN })
  try {
    const u = new User('u').setup()
    u.write('f', 'x\n')
    u.ok(['commit', '-m', 'x'])
    u.ok(['replica', 'add', 'svc', svc.url, '--token-env', 'PSA_TOKEN'])
    const wrong = u.run(['replicate'], { env: { PSA_TOKEN: 'not-the-token-123' } })
    t.is(wrong.code, 2)
    t.regex(wrong.stderr, /replica svc refused the access token \(401: .*\)/)
    t.false(wrong.stderr.includes('not-the-token-123'))
    const unset = u.run(['replicate', '--json'], { env: { PSA_TOKEN: '' } })
    t.is(unset.code, 2)
    t.false(unset.json.ok)
    t.regex(unset.json.replicas[0].error.message, /wants its token in \$PSA_TOKEN, which is not set/)
    // and the head is still to be asked for
    t.is(unset.json.replicas[0].pins[0].status, 'unsent')
    // --token-env takes a variable's name; a token given there by mistake is refused and not stored
    const mistaken = u.run(['replica', 'add', 'other', svc.url, '--token-env', 'eyJhbGciOi.JIUzI1'])
    t.is(mistaken.code, 2)
    t.false(fs.readFileSync(u.path('.acache/config'), 'utf8').includes('eyJhbGciOi'))
    // a URL carrying credentials is refused
    t.is(u.run(['replica', 'add', 'creds', 'https://user:pw@pins.example/psa']).code, 2)
    t.is(u.ok(['replicate'], { env: { PSA_TOKEN: TOKEN } }).code, 0)
    // the record of what was asked is lost (another clone, a deleted .acache/replicas): the pin of that name is found and moved, not made twice
    fs.rmSync(u.path('.acache/replicas'), { recursive: true })
    u.write('f', 'y\n')
    u.ok(['commit', '-m', 'y'])
    const moved = u.ok(['replicate', '--json'], { env: { PSA_TOKEN: TOKEN } }).json.replicas[0].pins[0]
    t.is(moved.cid, u.head())
    const pins = await svc.control('pins')
    t.deepEqual(pins.map((p: any) => p.pin.cid), [u.head()])
    const reqs = await svc.control('requests')
    t.is(reqs.filter((q: any) => q.method === 'POST' && q.path === '/pins' && q.authorization === `Bearer ${TOKEN}`).length, 1)
    t.is(reqs.filter((q: any) => q.method === 'POST' && q.path.startsWith('/pins/')).length, 1)
  } finally {
    await svc.stop()
  }
})

test.serial('a service that is down: the push is done, exit 5, the heads are asked for on the next push; a failed pin is shown and asked for again', async t => {
  let svc = await startService()
  const port = svc.port
  await svc.stop()
  const u = new User('down').setup()
  u.write('f', 'one\n')
  u.ok(['commit', '-m', 'one'])
  u.ok(['replica', 'add', 'svc', svc.url])
  u.write('.acachereplicas', '/ 2\n')
  u.ok(['commit', '-m', 'policy'])
  const down = u.run(['push', '--json'])
  t.is(down.code, 5)
  t.is(down.json.seq, 1) // published here all the same
  t.false(down.json.replicated)
  t.is(down.json.replicas[0].pins[0].status, 'unsent')
  t.regex(down.json.replicas[0].error.message, /replica svc at http:\/\/127\.0\.0\.1:\d+ cannot be reached/)
  // the policy asks for 2 copies of everything, 1 replica is configured: said at push
  t.regex(down.json.replicaWarnings[0], /main: \/ needs 2 replicas \(\.acachereplicas line 1\), but only 1 is configured/)
  const text = u.run(['push'])
  t.is(text.code, 5)
  t.regex(text.stderr, /error: replica svc at .* cannot be reached/)
  t.regex(text.stderr, /The push itself is done/)
  t.regex(text.stderr, /warning: main: \/ needs 2 replicas/)
  t.regex(u.run(['replica', 'status']).stdout, /main {2}unsent/)

  svc = await startService({ port })
  try {
    const up = u.ok(['push', '--json']).json
    t.true(up.replicated)
    t.is(up.replicas[0].pins[0].status, 'queued')
    const rid = up.replicas[0].pins[0].requestid
    // the service fails the pin: status says so, with its reason; verify --replicas fails
    await svc.control('status', { requestid: rid, status: 'failed', info: { status_details: 'could not find the content' } })
    const s = u.run(['replica', 'status'])
    t.regex(s.stdout, /main {2}failed {3}since .* \(could not find the content\)/)
    t.is(u.run(['verify', '--replicas', '1']).code, 1)
    // replicate asks again: the failed pin is replaced
    const again = u.ok(['replicate', '--json']).json
    t.is(again.replicas[0].pins[0].status, 'queued')
    const reqs = await svc.control('requests')
    t.true(reqs.some((q: any) => q.method === 'POST' && q.path === `/pins/${rid}`))
    await svc.control('status', { requestid: again.replicas[0].pins[0].requestid, status: 'pinned' })
    t.is(u.run(['verify', '--replicas', '0', '--json']).json.replicas.branches[0].pinned[0], 'svc')
    // the policy asks for 2 of everything, whatever N says: it is the larger
    const v = u.run(['verify', '--replicas', '1'])
    t.is(v.code, 1)
    t.regex(v.stderr, /FAIL main: pinned on 1 of 2 replicas needed \(svc\)/)
    // with the policy met by its rules (one copy), it passes
    u.write('.acachereplicas', '/ 1\n')
    u.ok(['commit', '-m', 'one copy is enough'])
    u.ok(['replicate'])
    const head = u.head()
    const pin = (await svc.control('pins')).find((x: any) => x.pin.cid === head)
    await svc.control('status', { requestid: pin.requestid, status: 'pinned' })
    t.is(u.run(['verify', '--replicas']).code, 0)
  } finally {
    await svc.stop()
  }
})
