import type { CID } from 'multiformats/cid'

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
