import * as ed from '@noble/ed25519'
import { createHash, createPrivateKey, sign as nodeSign, KeyObject } from 'node:crypto'
import { publicKeyFromDid } from './did.js'

// Synchronous Ed25519 needs a SHA-512; Node's is the fastest there is.
ed.hashes.sha512 = (m: Uint8Array) => new Uint8Array(createHash('sha512').update(m).digest())

// Ed25519 signatures are deterministic (RFC 8032): OpenSSL's, through
// node:crypto, are the very bytes noble's are, about forty times sooner,
// which an import signing thousands of commits notices.
const PKCS8_ED25519 = Buffer.from('302e020100300506032b657004220420', 'hex')
const keyObjects = new WeakMap<Uint8Array, KeyObject>()

export function sign (message: Uint8Array, secretKey: Uint8Array): Uint8Array {
  if (secretKey.byteLength !== 32) return ed.sign(message, secretKey)
  let k = keyObjects.get(secretKey)
  if (k === undefined) {
    k = createPrivateKey({ key: Buffer.concat([PKCS8_ED25519, secretKey]), format: 'der', type: 'pkcs8' })
    keyObjects.set(secretKey, k)
  }
  return new Uint8Array(nodeSign(null, message, k))
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
