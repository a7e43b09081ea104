import * as ed from '@noble/ed25519'
import { createHash, createPrivateKey, createPublicKey, sign as nodeSign, KeyObject } from 'node:crypto'
import { publicKeyFromDid } from './did.js'

// Synchronous Ed25519 needs a SHA-512; Node's is the fastest there is.
ed.hashes.sha512 = (m: Uint8Array) => new Uint8Array(createHash('sha512').update(m).digest())

// Ed25519 signatures are deterministic (RFC 8032): OpenSSL's, through
// node:crypto, are the very bytes noble's are, about forty times sooner,
// which an import signing thousands of commits notices.
const PKCS8_ED25519 = Buffer.from('302e020100300506032b657004220420', 'hex')
const keyObjects = new WeakMap<Uint8Array, KeyObject>()

function keyObject (secretKey: Uint8Array): KeyObject {
  let k = keyObjects.get(secretKey)
  if (k === undefined) {
    k = createPrivateKey({ key: Buffer.concat([PKCS8_ED25519, secretKey]), format: 'der', type: 'pkcs8' })
    keyObjects.set(secretKey, k)
  }
  return k
}

export function sign (message: Uint8Array, secretKey: Uint8Array): Uint8Array {
  if (secretKey.byteLength !== 32) return ed.sign(message, secretKey)
  return new Uint8Array(nodeSign(null, message, keyObject(secretKey)))
}

/**
 * The public key of a secret key, by OpenSSL (node:crypto): noble's
 * first use builds its tables, 27 ms of every command that loads the
 * identity. The same 32 bytes (test/unit/sign.test.ts compares them).
 */
export function publicKeyOf (secretKey: Uint8Array): Uint8Array {
  if (secretKey.byteLength !== 32) return ed.getPublicKey(secretKey)
  const spki = createPublicKey(keyObject(secretKey)).export({ format: 'der', type: 'spki' })
  return new Uint8Array(spki.subarray(spki.byteLength - 32))
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
