import zlib from 'node:zlib'
import * as dagJson from '@ipld/dag-json'
import { fail } from '../errors.js'
import { equalBytes, sha256 } from '../store/blockstore.js'
import { isDid } from './did.js'
import { sign, verifySignature } from './sign.js'

/**
 * A message is how a key or a head travels by hand (e-mail, chat): one line,
 * `acache:` + base64url(deflate(dag-json) + 4-byte sha256 checksum).
 */
export const PREFIX = 'acache:'
const MAX_MESSAGE = 64 * 1024
const MAX_INFLATED = 1024 * 1024

export function encodeMessage (obj: unknown): string {
  const body = zlib.deflateRawSync(dagJson.encode(obj), { level: 9 })
  const sum = sha256(body).subarray(0, 4)
  return PREFIX + Buffer.concat([body, sum]).toString('base64url')
}

export function decodeMessage (text: string): any {
  const t = text.trim()
  if (!t.startsWith(PREFIX)) fail('BAD_INPUT', `not an acache message: it must start with "${PREFIX}"`)
  if (t.length > MAX_MESSAGE) fail('BAD_INPUT', 'message too long')
  const b64 = t.slice(PREFIX.length)
  if (!/^[A-Za-z0-9_-]+$/.test(b64)) fail('BAD_INPUT', 'message is damaged: it is not base64url')
  const bytes = Buffer.from(b64, 'base64url')
  if (bytes.byteLength < 5) fail('BAD_INPUT', 'message is damaged: too short')
  const body = bytes.subarray(0, bytes.byteLength - 4)
  if (!equalBytes(sha256(body).subarray(0, 4), bytes.subarray(bytes.byteLength - 4))) {
    fail('BAD_INPUT', 'message is damaged: its checksum does not match (was it cut or changed in transit?)')
  }
  let inflated: Buffer
  try {
    inflated = zlib.inflateRawSync(body, { maxOutputLength: MAX_INFLATED })
  } catch {
    return fail('BAD_INPUT', 'message is damaged: it does not decompress')
  }
  try {
    return dagJson.decode(inflated)
  } catch {
    return fail('BAD_INPUT', 'message is damaged: it is not dag-json')
  }
}

export interface IdentityMessage {
  type: 'acache/identity'
  version: 1
  key: string
  name: string
  /** where this user publishes (directory path, http URL, kubo API + IPNS name) */
  publish: string[]
  signature: Uint8Array
}

function identityBody (m: Omit<IdentityMessage, 'signature'>): Uint8Array {
  return dagJson.encode({ type: m.type, version: m.version, key: m.key, name: m.name, publish: m.publish })
}

export function makeIdentityMessage (key: string, name: string, publish: string[], secretKey: Uint8Array): string {
  const m = { type: 'acache/identity' as const, version: 1 as const, key, name, publish }
  return encodeMessage({ ...m, signature: sign(identityBody(m), secretKey) })
}

/** Reads an identity message and checks that its key signed it. */
export function readIdentityMessage (obj: any): IdentityMessage {
  if (obj?.type !== 'acache/identity' || obj.version !== 1 || !isDid(obj.key) || typeof obj.name !== 'string' ||
    !Array.isArray(obj.publish) || obj.publish.some((p: unknown) => typeof p !== 'string')) {
    fail('BAD_INPUT', 'message does not hold an acache identity')
  }
  if (!verifySignature(obj.signature, identityBody(obj), obj.key)) fail('BAD_SIGNATURE', `identity message for ${obj.key} is not signed by that key`)
  return obj as IdentityMessage
}

/** A signed head as a message: how a head travels where IPNS cannot carry it. */
export function makeHeadMessage (headBytes: Uint8Array, publish: string[]): string {
  return encodeMessage({ type: 'acache/head-message', version: 1, head: headBytes, publish })
}

export function readHeadMessage (text: string): Uint8Array {
  const o = decodeMessage(text)
  if (o?.type !== 'acache/head-message' || o.version !== 1 || !(o.head instanceof Uint8Array)) fail('BAD_INPUT', 'this message does not hold an acache head')
  return o.head
}
