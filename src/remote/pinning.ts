import { CID } from 'multiformats/cid'
import { fail } from '../errors.js'
import { netTimeoutMs } from './http.js'

/**
 * A client of the IPFS Pinning Service API
 * (https://ipfs.github.io/pinning-services-api-spec/): `GET/POST /pins`,
 * `GET/POST/DELETE /pins/{requestid}`, with a bearer token. IPFS Cluster
 * serves the same API (its `pinsvcapi`), and Kubo's `ipfs pin remote` is a
 * client of it.
 *
 * Everything a service answers is hostile input: answers are read up to
 * MAX_ANSWER_BYTES, a service silent for netTimeoutMs() is given up on, and
 * a pin status is taken only in the spec's shape (readPinStatus). The token
 * goes in the Authorization header and nowhere else: no message, error or
 * trace line carries it.
 */

export const PIN_STATES = ['queued', 'pinning', 'pinned', 'failed'] as const
export type PinState = typeof PIN_STATES[number]

export interface PinRequest { cid: CID, name: string, origins: string[], meta: Record<string, string> }

/** A pin as the service reports it (PinStatus in the spec), checked. */
export interface PinStatus {
  requestid: string
  status: PinState
  /** when the service took the request (its clock, ISO 8601) */
  created: string
  cid: string
  name?: string
  /** the service's own addresses, which it asks us to connect to */
  delegates: string[]
  /** what the service says about the pin (e.g. why it failed), cut short */
  info?: Record<string, string>
}

const MAX_ANSWER_BYTES = 1024 * 1024
/** The spec bounds names at 255 characters and lists at 1000 results; a request id that long is no service's. */
const MAX_NAME = 255
const MAX_REQUEST_ID = 256
const MAX_LIST = 1000
const MAX_DELEGATES = 20

export class PinningService {
  private readonly base: string

  /** `label`: how messages name the service (the replica's name); `token`: the bearer token, if the service wants one. */
  constructor (readonly url: string, private readonly token: string | undefined, readonly label: string) {
    this.base = url.replace(/\/+$/, '')
  }

  /** The pins named `name` (exactly) in any state, newest first as the service lists them. */
  async byName (name: string): Promise<PinStatus[]> {
    const q = new URLSearchParams({ name, match: 'exact', status: PIN_STATES.join(','), limit: String(MAX_LIST) })
    const r = await this.request('GET', `/pins?${q.toString()}`)
    if (r.status !== 200) this.refused(r, 'list its pins')
    const body = r.json as { count?: unknown, results?: unknown }
    if (!Array.isArray(body?.results)) fail('BAD_OBJECT', `replica ${this.label} answered a list of pins without results`)
    return (body.results as unknown[]).slice(0, MAX_LIST).map(p => readPinStatus(p, this.label))
  }

  /** One pin by its request id; undefined when the service no longer has it. */
  async get (requestid: string): Promise<PinStatus | undefined> {
    const r = await this.request('GET', `/pins/${encodeURIComponent(requestid)}`)
    if (r.status === 404) return undefined
    if (r.status !== 200) this.refused(r, `report pin ${requestid}`)
    return readPinStatus(r.json, this.label)
  }

  async add (pin: PinRequest): Promise<PinStatus> {
    const r = await this.request('POST', '/pins', pinBody(pin))
    if (r.status !== 202 && r.status !== 200) this.refused(r, `pin ${pin.cid.toString()}`)
    return readPinStatus(r.json, this.label)
  }

  /** Replaces a pin by another (the spec's POST /pins/{requestid}): the service keeps what the two share. */
  async replace (requestid: string, pin: PinRequest): Promise<PinStatus | undefined> {
    const r = await this.request('POST', `/pins/${encodeURIComponent(requestid)}`, pinBody(pin))
    if (r.status === 404) return undefined
    if (r.status !== 202 && r.status !== 200) this.refused(r, `replace pin ${requestid}`)
    return readPinStatus(r.json, this.label)
  }

  async remove (requestid: string): Promise<void> {
    const r = await this.request('DELETE', `/pins/${encodeURIComponent(requestid)}`)
    if (r.status !== 202 && r.status !== 200 && r.status !== 404) this.refused(r, `remove pin ${requestid}`)
  }

  private async request (method: string, p: string, body?: unknown): Promise<{ status: number, json: unknown, text: string }> {
    const headers: Record<string, string> = { Accept: 'application/json' }
    if (this.token !== undefined) headers.Authorization = `Bearer ${this.token}`
    if (body !== undefined) headers['Content-Type'] = 'application/json'
    const timeout = netTimeoutMs()
    let res: Response
    try {
      res = await fetch(this.base + p, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal: AbortSignal.timeout(timeout), redirect: 'error' })
    } catch (err) {
      const why = (err as Error)?.name === 'TimeoutError' ? `sent nothing for ${timeout / 1000} s` : `cannot be reached (${String((err as any)?.cause?.code ?? (err as Error)?.message ?? err)})`
      return fail('UNREACHABLE', `replica ${this.label} at ${this.url} ${why}`, { hint: 'nothing was lost: the heads it should hold are asked for again by the next `acache push` or `acache replicate`' })
    }
    const text = await readCapped(res, MAX_ANSWER_BYTES, this.label)
    let json: unknown
    try { json = text === '' ? undefined : JSON.parse(text) } catch { json = undefined }
    return { status: res.status, json, text }
  }

  private refused (r: { status: number, json: unknown, text: string }, what: string): never {
    const reason = failureReason(r.json) ?? r.text.slice(0, 200)
    const told = reason === '' ? '' : `: ${printable(reason)}`
    if (r.status === 401 || r.status === 403) {
      fail('AUTH_FAILED', `replica ${this.label} refused the access token (${r.status}${told}) when asked to ${what}`, {
        hint: this.token === undefined ? 'it wants a token: `acache replica add NAME URL --token-env VAR` and put the token in $VAR' : 'check the token in the variable `acache replica list -v` names',
        data: { status: r.status }
      })
    }
    const code = r.status >= 500 || r.status === 429 ? 'UNREACHABLE' : 'BAD_OBJECT'
    fail(code, `replica ${this.label} answered ${r.status} when asked to ${what}${told}`, { data: { status: r.status } })
  }
}

function pinBody (pin: PinRequest): Record<string, unknown> {
  return { cid: pin.cid.toString(), name: pin.name.slice(0, MAX_NAME), origins: pin.origins, meta: pin.meta }
}

async function readCapped (res: Response, cap: number, label: string): Promise<string> {
  const declared = Number(res.headers.get('content-length') ?? NaN)
  if (declared > cap) { await res.body?.cancel(); fail('TOO_LARGE', `replica ${label} sent an answer larger than ${cap} bytes; refusing it`) }
  const parts: Uint8Array[] = []
  let size = 0
  if (res.body !== null) {
    for await (const c of res.body as unknown as AsyncIterable<Uint8Array>) {
      size += c.byteLength
      if (size > cap) fail('TOO_LARGE', `replica ${label} sent an answer larger than ${cap} bytes; refusing it`)
      parts.push(c)
    }
  }
  return Buffer.concat(parts).toString('utf8')
}

/** The spec's Failure: `{ error: { reason, details } }`. */
function failureReason (json: unknown): string | undefined {
  const e = (json as any)?.error
  if (e === null || typeof e !== 'object') return undefined
  const parts = [e.reason, e.details].filter((x): x is string => typeof x === 'string' && x !== '')
  return parts.length === 0 ? undefined : parts.join(': ').slice(0, 300)
}

/** What a service says, fit to print on one line: control characters out, cut short. */
function printable (s: string, max = 200): string {
  // eslint-disable-next-line no-control-regex
  const flat = s.replace(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g, ' ')
  return flat.length > max ? flat.slice(0, max) + '…' : flat
}

const bad = (label: string, what: string): never => fail('BAD_OBJECT', `replica ${label} answered a pin status that is not one: ${what}`)

/** A PinStatus from a service, taken only in the spec's shape and bounds. */
export function readPinStatus (x: unknown, label: string): PinStatus {
  const o = x as any
  if (o === null || typeof o !== 'object' || Array.isArray(o)) bad(label, 'not an object')
  const { requestid, status, created, pin, delegates, info } = o
  if (typeof requestid !== 'string' || requestid === '' || requestid.length > MAX_REQUEST_ID || /[\u0000-\u001f\u007f]/.test(requestid)) bad(label, 'requestid')
  if (!PIN_STATES.includes(status)) bad(label, `status ${printable(String(status), 40)}`)
  if (typeof created !== 'string' || created.length > 64 || Number.isNaN(Date.parse(created))) bad(label, 'created')
  if (pin === null || typeof pin !== 'object' || typeof pin.cid !== 'string' || pin.cid.length > 512) bad(label, 'pin.cid')
  let cid: string
  try { cid = CID.parse(pin.cid).toV1().toString() } catch { return bad(label, `pin.cid ${printable(pin.cid, 80)}`) }
  if (pin.name !== undefined && pin.name !== null && (typeof pin.name !== 'string' || pin.name.length > MAX_NAME)) bad(label, 'pin.name')
  const dels = Array.isArray(delegates) ? delegates.filter((d: unknown): d is string => typeof d === 'string' && d.length <= 512).slice(0, MAX_DELEGATES) : []
  let facts: Record<string, string> | undefined
  if (info !== null && typeof info === 'object' && !Array.isArray(info)) {
    facts = {}
    for (const [k, v] of Object.entries(info).slice(0, 16)) if (typeof v === 'string') facts[printable(k, 40)] = printable(v)
  }
  return { requestid, status, created, cid, ...(typeof pin.name === 'string' ? { name: pin.name } : {}), delegates: dels, ...(facts !== undefined ? { info: facts } : {}) }
}
