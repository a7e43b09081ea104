/**
 * A pinning service for the tests, in a process of its own (the tests run
 * acache synchronously, which would stall a server in their own process):
 * mock-ipfs-pinning-service (an independent implementation of the IPFS
 * Pinning Service API: the one Kubo's own tests use) on loopback, and,
 * given a Kubo API (`--kubo HOST:PORT`), a worker that does what a real
 * service does with a queued pin: connects its node to the pin's origins and
 * pins the CID there (real block transfer over bitswap), then marks the pin
 * pinned, or failed with the node's reason.
 *
 * Test-only control routes (not part of the API, no token):
 *   POST /_test/work          run the worker over every queued pin, answer when done
 *   POST /_test/status        { requestid, status, info? }: set a pin's status
 *   GET  /_test/pins          every pin, as the service holds them
 *   GET  /_test/requests      every request seen (method, path, authorization header)
 *
 * Prints `{"port":N}` on its first line when listening.
 */
import http from 'node:http'
import { createRequire } from 'node:module'

const require = createRequire(import.meta.url)
const { setup } = require('mock-ipfs-pinning-service')

const arg = (name: string): string | undefined => {
  const i = process.argv.indexOf(`--${name}`)
  return i < 0 ? undefined : process.argv[i + 1]
}
const token = arg('token') ?? null
const kuboApi = arg('kubo')

const app = await setup({ token, loglevel: 'error' })
const requests: Array<{ method: string, path: string, authorization?: string, body?: unknown }> = []

const setPin = (requestid: string, change: Record<string, unknown>): boolean => {
  const state = app.locals.state
  for (const [cid, p] of state.pins.entries()) {
    if (p.requestid !== requestid) continue
    app.locals.state = { ...state, pins: new Map([...state.pins, [cid, { ...p, ...change }]]) }
    return true
  }
  return false
}

async function work (): Promise<Array<{ requestid: string, status: string }>> {
  const done: Array<{ requestid: string, status: string }> = []
  const queued = [...app.locals.state.pins.values()].filter((p: any) => p.status === 'queued')
  if (queued.length === 0 || kuboApi === undefined) return done
  const { create } = await import('kubo-rpc-client')
  const node = create({ url: `http://${kuboApi}`, timeout: 120_000 })
  for (const p of queued) {
    setPin(p.requestid, { status: 'pinning' })
    try {
      for (const o of p.pin.origins ?? []) {
        if (!String(o).includes('/p2p/')) continue
        try { await node.swarm.connect(o) } catch {}
      }
      const { CID } = await import('multiformats/cid')
      await node.pin.add(CID.parse(p.pin.cid), { recursive: true, timeout: 60_000 })
      setPin(p.requestid, { status: 'pinned' })
      done.push({ requestid: p.requestid, status: 'pinned' })
    } catch (err) {
      setPin(p.requestid, { status: 'failed', info: { status_details: String((err as Error).message ?? err).slice(0, 200) } })
      done.push({ requestid: p.requestid, status: 'failed' })
    }
  }
  return done
}

const server = http.createServer((req, res) => {
  const url = req.url ?? ''
  if (!url.startsWith('/_test/')) {
    let body = ''
    req.on('data', (c: Buffer) => { body += c.toString() })
    req.on('end', () => {
      let parsed: unknown
      try { parsed = body === '' ? undefined : JSON.parse(body) } catch { parsed = body }
      requests.push({ method: req.method ?? '', path: url, authorization: req.headers.authorization, body: parsed })
    })
    app(req, res)
    return
  }
  const answer = (status: number, body: unknown): void => { res.writeHead(status, { 'Content-Type': 'application/json' }); res.end(JSON.stringify(body)) }
  let text = ''
  req.on('data', (c: Buffer) => { text += c.toString() })
  req.on('end', () => {
    if (url === '/_test/pins') return answer(200, [...app.locals.state.pins.values()])
    if (url === '/_test/requests') return answer(200, requests)
    if (url === '/_test/status') {
      const { requestid, status, info } = JSON.parse(text)
      return answer(setPin(requestid, { status, ...(info !== undefined ? { info } : {}) }) ? 200 : 404, {})
    }
    if (url === '/_test/work') {
      work().then(done => answer(200, done), err => answer(500, { error: String(err) }))
      return
    }
    answer(404, {})
  })
})
// the tests' clients pause for seconds between requests (a command runs meanwhile): keep their connections, so none is closed under a request
server.keepAliveTimeout = 10 * 60_000
server.listen(Number(arg('port') ?? 0), '127.0.0.1', () => {
  const a = server.address()
  process.stdout.write(JSON.stringify({ port: typeof a === 'object' && a !== null ? a.port : 0 }) + '\n')
})
