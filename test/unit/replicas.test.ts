/**
 * The Pinning Service API client against hostile answers (a real server on
 * loopback saying what no service should), Kubo's provide statistics, and
 * the `.acachereplicas` policy.
 */
import test from 'ava'
import http from 'node:http'
import { CID } from 'multiformats/cid'
import { PinningService, readPinStatus } from '../../src/remote/pinning.js'
import { goDurationSeconds, readProvideStats } from '../../src/remote/kubo.js'
import { parseReplicaPolicy } from '../../src/model/replica-policy.js'
import { AcacheError } from '../../src/errors.js'

const CID1 = 'bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy'

async function serve (answer: (req: http.IncomingMessage, res: http.ServerResponse) => void): Promise<{ url: string, close: () => Promise<void> }> {
  const server = http.createServer(answer)
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const a = server.address() as { port: number }
  return { url: `http://127.0.0.1:${a.port}/psa`, close: async () => { server.closeAllConnections(); await new Promise(resolve => server.close(resolve)) } }
}

const status = (over: Record<string, unknown> = {}): Record<string, unknown> => ({ requestid: 'r1', status: 'queued', created: '2026-12-07T10:00:00Z', pin: { cid: CID1, name: 'p/main' }, delegates: [], ...over })
const codeOf = async (p: Promise<unknown>): Promise<string> => { try { await p; return 'none' } catch (err) { return err instanceof AcacheError ? err.code : `not an AcacheError: ${String(err)}` } }
const pin = { cid: CID.parse(CID1), name: 'p/main', origins: [], meta: { app: 'acache' } }

test('401 and 403 are AUTH_FAILED, naming the replica and the reason, never the token; 5xx is UNREACHABLE; a closed port is UNREACHABLE', async t => {
  for (const code of [401, 403]) {
    const s = await serve((_req, res) => { res.writeHead(code, { 'Content-Type': 'application/json' }); res.end(JSON.stringify({ error: { reason: 'UNAUTHORIZED', details: 'bad token' } })) })
    try {
      const err = await t.throwsAsync(new PinningService(s.url, 'tok-SECRET', 'svc').add(pin)) as AcacheError
      t.is(err.code, 'AUTH_FAILED')
      t.regex(err.message, new RegExp(`replica svc refused the access token \\(${code}: UNAUTHORIZED: bad token\\)`))
      t.false(JSON.stringify(err.toJSON()).includes('tok-SECRET'))
    } finally { await s.close() }
  }
  const s = await serve((_req, res) => { res.writeHead(503); res.end('busy') })
  try {
    t.is(await codeOf(new PinningService(s.url, undefined, 'svc').get('r1')), 'UNREACHABLE')
  } finally { await s.close() }
  t.is(await codeOf(new PinningService('http://127.0.0.1:9/psa', undefined, 'svc').get('r1')), 'UNREACHABLE')
})

test('the token goes as a bearer header, to PATH/pins under the endpoint', async t => {
  let seen: { auth?: string, url?: string, body?: string } = {}
  const s = await serve((req, res) => {
    let body = ''
    req.on('data', (c: Buffer) => { body += c.toString() })
    req.on('end', () => { seen = { auth: req.headers.authorization, url: req.url, body }; res.writeHead(202); res.end(JSON.stringify(status())) })
  })
  try {
    const p = await new PinningService(s.url + '/', 'tok-1', 'svc').add(pin)
    t.is(p.status, 'queued')
    t.is(seen.auth, 'Bearer tok-1')
    t.is(seen.url, '/psa/pins')
    t.deepEqual(JSON.parse(seen.body!), { cid: CID1, name: 'p/main', origins: [], meta: { app: 'acache' } })
  } finally { await s.close() }
})

test('hostile answers are refused: too long, not the shape, a status that is none, a CID that is none, a redirect', async t => {
  const cases: Array<[string, (res: http.ServerResponse) => void, string]> = [
    ['an answer over 1 MiB', res => { res.writeHead(200); res.end('x'.repeat(1024 * 1024 + 10)) }, 'TOO_LARGE'],
    ['a declared length over 1 MiB', res => { res.writeHead(200, { 'Content-Length': String(5 * 1024 * 1024) }); res.write('{') }, 'TOO_LARGE'],
    ['not JSON', res => { res.writeHead(200); res.end('<html>') }, 'BAD_OBJECT'],
    ['an unknown status', res => { res.writeHead(200); res.end(JSON.stringify(status({ status: 'stored' }))) }, 'BAD_OBJECT'],
    ['a CID that is none', res => { res.writeHead(200); res.end(JSON.stringify(status({ pin: { cid: 'not-a-cid' } }))) }, 'BAD_OBJECT'],
    ['a request id with a newline', res => { res.writeHead(200); res.end(JSON.stringify(status({ requestid: 'a\nb' }))) }, 'BAD_OBJECT'],
    ['no created date', res => { res.writeHead(200); res.end(JSON.stringify(status({ created: 'yesterday' }))) }, 'BAD_OBJECT'],
    ['a redirect', res => { res.writeHead(302, { Location: 'http://example.com/' }); res.end() }, 'UNREACHABLE']
  ]
  for (const [what, answer, code] of cases) {
    const s = await serve((_req, res) => answer(res))
    try {
      t.is(await codeOf(new PinningService(s.url, undefined, 'svc').get('r1')), code, what)
    } finally { await s.close() }
  }
  // a list without results, and a 404 for one pin (gone: undefined, no error)
  const s = await serve((req, res) => { res.writeHead(req.url!.startsWith('/psa/pins?') ? 200 : 404); res.end(req.url!.startsWith('/psa/pins?') ? '{"count":1}' : '') })
  try {
    t.is(await codeOf(new PinningService(s.url, undefined, 'svc').byName('p/main')), 'BAD_OBJECT')
    t.is(await new PinningService(s.url, undefined, 'svc').get('r9'), undefined)
  } finally { await s.close() }
})

test('a pin status keeps only the spec\'s fields, bounded and printable', t => {
  const p = readPinStatus(status({ status: 'failed', info: { status_details: 'no\u001b[31m providers', n: 3 }, delegates: ['/ip4/1.2.3.4/tcp/4001/p2p/x', 7, 'y'.repeat(600)], extra: 'x' }), 'svc')
  t.deepEqual(p, { requestid: 'r1', status: 'failed', created: '2026-12-07T10:00:00Z', cid: CID1, name: 'p/main', delegates: ['/ip4/1.2.3.4/tcp/4001/p2p/x'], info: { status_details: 'no [31m providers' } })
})

test('Kubo\'s provide statistics: nanoseconds, judged against the interval; Go durations', t => {
  t.deepEqual(readProvideStats({ TotalProvides: 120, LastReprovideDuration: 3_500_000_000, LastReprovideBatchSize: 40 }), { totalProvides: 120, lastReprovide: { seconds: 3.5, cids: 40 }, keepingUp: true })
  t.false(readProvideStats({ LastReprovideDuration: 25 * 3600 * 1e9, LastReprovideBatchSize: 9_000_000 }).keepingUp)
  t.true(readProvideStats({ LastReprovideDuration: 25 * 3600 * 1e9, LastReprovideBatchSize: 9 }, '48h').keepingUp)
  t.deepEqual(readProvideStats({}), {})
  t.is(goDurationSeconds('22h'), 79200)
  t.is(goDurationSeconds('1h30m'), 5400)
  t.is(goDurationSeconds('1.5s'), 1.5)
  t.is(goDurationSeconds('300ms'), 0.3)
  t.is(goDurationSeconds('0'), 0)
  t.is(goDurationSeconds('soon'), undefined)
})

test('.acachereplicas: PATH N a line, comments, and each mistake named by its line', t => {
  t.deepEqual(parseReplicaPolicy('# copies\n/ 1\n/datasets/  2  # two\n\n'), [{ path: '/', copies: 1, line: 2 }, { path: '/datasets/', copies: 2, line: 3 }])
  for (const [text, msg] of [['datasets/ 2', /line 1: a path must start with "\/"/], ['/a 0', /0 copies is not between 1 and 100/], ['/a two', /a rule is PATH N/], ['/a/../b 2', /"\." and "\.\." are not allowed/], ['/ 1\n/x', /line 2: a rule is PATH N/]] as const) {
    t.throws(() => parseReplicaPolicy(text), { message: msg })
  }
})
