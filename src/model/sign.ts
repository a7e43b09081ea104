import * as ed from '@noble/ed25519'
import { createHash } from 'node:crypto'
import { publicKeyFromDid } from './did.js'

// Synchronous Ed25519 needs a SHA-512; Node's is the fastest there is.
ed.hashes.sha512 = (m: Uint8Array) => new Uint8Array(createHash('sha512').update(m).digest())

export function sign (message: Uint8Array, secretKey: Uint8Array): Uint8Array {
  return ed.sign(message, secretKey)
}

export function publicKeyOf (secretKey: Uint8Array): Uint8Array {
  return ed.getPublicKey(secretKey)
}

export function randomSecretKey (): Uint8Array {
  return ed.utils.randomSecretKey()
}

/** True only for a valid signature by `did` over `message`; never throws. */
export function verifySignature (signature: unknown, message: Uint8Array, did: string): boolean {
  if (!(signature instanceof Uint8Array) || signature.byteLength !== 64) return false
  try {
    return ed.verify(signature, message, publicKeyFromDid(did), { zip215: false }) // RFC 8032 strict: no small-order keys, canonical encodings only
  } catch {
    return false
  }
}
