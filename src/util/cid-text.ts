import { CID } from 'multiformats/cid'
import { fail } from '../errors.js'

const ALPHABET = Buffer.from('abcdefghijklmnopqrstuvwxyz234567', 'latin1')

/**
 * A CID's text, as `cid.toString()` gives it, made as one flat string.
 * multiformats builds base32 one character at a time, and V8 keeps such a
 * string as a chain of ~60 pieces (about 860 bytes instead of 80) for as
 * long as it lives: tables of many CIDs kept as text (the stat cache, the
 * git map) use this. A CIDv0 is left to multiformats.
 */
export function cidText (cid: CID): string {
  if (cid.version === 0) return cid.toString()
  const bytes = cid.bytes
  const out = Buffer.allocUnsafe(1 + Math.ceil(bytes.byteLength * 8 / 5))
  out[0] = 0x62 // 'b', base32's multibase prefix
  let o = 1
  let bits = 0
  let buffer = 0
  for (let i = 0; i < bytes.byteLength; i++) {
    buffer = ((buffer << 8) | bytes[i]) & 0xffff
    bits += 8
    while (bits >= 5) { bits -= 5; out[o++] = ALPHABET[(buffer >> bits) & 31] }
  }
  if (bits > 0) out[o++] = ALPHABET[(buffer << (5 - bits)) & 31]
  return out.toString('latin1', 0, o)
}

const VALUES = new Int8Array(128).fill(-1)
for (let i = 0; i < ALPHABET.byteLength; i++) VALUES[ALPHABET[i]] = i

/**
 * A CID from its text, as `CID.parse` reads it, without the per-CID cache
 * of its text multiformats keeps (a Map each): the stat cache turns a
 * hundred thousand texts into CIDs for one commit. Text that is not
 * lower-case base32 is left to CID.parse.
 */
export function cidFromText (text: string): CID {
  if (text.charCodeAt(0) !== 0x62) return CID.parse(text)
  const out = new Uint8Array(Math.floor((text.length - 1) * 5 / 8))
  let bits = 0
  let buffer = 0
  let o = 0
  for (let i = 1; i < text.length; i++) {
    const c = text.charCodeAt(i)
    const v = c < 128 ? VALUES[c] : -1
    if (v < 0) return CID.parse(text)
    buffer = ((buffer << 5) | v) & 0xffff
    bits += 5
    if (bits >= 8) { bits -= 8; out[o++] = (buffer >> bits) & 0xff }
  }
  // what is left over must be padding bits of zero, as multiformats requires
  if (bits >= 5 || ((buffer << (8 - bits)) & 0xff) !== 0) return CID.parse(text)
  const cid = CID.decode(out)
  // base32 text of a CIDv0's bytes is no CID: CID.parse says why
  return cid.version === 0 ? CID.parse(text) : cid
}

/**
 * Makes `cid.toString()` (no base given, a CIDv1) cidText: one flat string,
 * made each time it is asked for, where multiformats keeps a ~60-piece
 * string and a Map in a WeakMap for every CID it ever printed. A checkout
 * of 20,000 files held 30 MB of such strings. Run once, at start; any base
 * named, or a CIDv0, goes to multiformats as before.
 */
export function flattenCidText (): void {
  const proto = CID.prototype as unknown as { toString: (base?: unknown) => string, [FLAT]?: true }
  if (proto[FLAT] === true) return
  const original = proto.toString
  proto.toString = function (this: CID, base?: unknown): string {
    return base === undefined && this.version === 1 ? cidText(this) : original.call(this, base)
  }
  proto[FLAT] = true
}
const FLAT = Symbol('acache flat CID text')

/** A CIDv1 from text found on disk (a ref, HEAD): anything else is a damaged object, named by `what`. */
export function parseCid (text: string, what = 'object'): CID {
  try {
    const cid = CID.parse(text)
    if (cid.version !== 1) throw new Error('not CIDv1')
    return cid
  } catch {
    return fail('BAD_OBJECT', `${what} holds ${JSON.stringify(text.slice(0, 80))}, which is not a CID`)
  }
}
