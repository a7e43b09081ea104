import { base58btc } from 'multiformats/bases/base58'
import * as ed from '@noble/ed25519'
import { fail } from '../errors.js'

/** did:key for an Ed25519 public key: multicodec 0xed (varint 0xed 0x01) + 32 bytes, base58btc. */
const ED25519_PREFIX = [0xed, 0x01]

export function didFromPublicKey (pub: Uint8Array): string {
  const bytes = new Uint8Array(2 + pub.byteLength)
  bytes.set(ED25519_PREFIX, 0)
  bytes.set(pub, 2)
  return 'did:key:' + base58btc.encode(bytes)
}

export function publicKeyFromDid (did: string): Uint8Array {
  if (typeof did !== 'string' || !did.startsWith('did:key:z')) {
    fail('BAD_INPUT', `not an Ed25519 did:key: ${String(did).slice(0, 80)}`)
  }
  let bytes: Uint8Array
  try {
    bytes = base58btc.decode(did.slice('did:key:'.length))
  } catch {
    fail('BAD_INPUT', `not an Ed25519 did:key: ${did.slice(0, 80)}`)
  }
  if (bytes.byteLength !== 34 || bytes[0] !== ED25519_PREFIX[0] || bytes[1] !== ED25519_PREFIX[1]) {
    fail('BAD_INPUT', `not an Ed25519 did:key: ${did.slice(0, 80)}`)
  }
  const pub = bytes.subarray(2)
  if (!strongKey(did, pub)) fail('BAD_INPUT', `refusing ${did.slice(0, 80)}: not a valid Ed25519 public key, or one of small order (a fixed signature would verify for it)`)
  return pub
}

const strong = new Map<string, boolean>()

/** A canonical encoding of a curve point outside the small-order subgroup (RFC 8032 strict). */
function strongKey (did: string, pub: Uint8Array): boolean {
  let ok = strong.get(did)
  if (ok === undefined) {
    try { ok = !ed.Point.fromBytes(pub, false).isSmallOrder() } catch { ok = false }
    strong.set(did, ok)
  }
  return ok
}

export function isDid (s: unknown): s is string {
  if (typeof s !== 'string') return false
  try { publicKeyFromDid(s); return true } catch { return false }
}

/** The short form shown in conflict labels and logs: the last 8 characters of the key. */
export function shortKey (did: string): string {
  return did.slice(-8)
}
