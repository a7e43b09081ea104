import * as ed from '@noble/ed25519'
import { createHash, createPrivateKey, createPublicKey, sign as nodeSign, KeyObject } from 'node:crypto'
import { publicKeyFromDid } from './did.js'

// Synchronous Ed25519 needs a SHA-512; Node's is the fastest there is.
ed.hashes.sha512 = (m: Uint8Array) => new Uint8Array(createHash('sha512').update(m).digest())

// Ed25519 signatures are deterministic (RFC 8032): OpenSSL's, through
// node:crypto, are the very bytes noble's are, about forty times sooner,
// which an import signing thousands of commits notices.
const keyObjects = new WeakMap<Uint8Array, KeyObject>()

function keyObject (secretKey: Uint8Array): KeyObject {
  let k = keyObjects.get(secretKey)
  if (k === undefined) {
    // as a JWK: made from the raw 32 bytes (a DER key goes through OpenSSL's decoders, about 1 ms
    // of every commit); only `d` is read from a private key, `x` need only be a string
    k = createPrivateKey({ key: { kty: 'OKP', crv: 'Ed25519', d: Buffer.from(secretKey).toString('base64url'), x: '' }, format: 'jwk' })
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
  return new Uint8Array(Buffer.from(createPublicKey(keyObject(secretKey)).export({ format: 'jwk' }).x!, 'base64url'))
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
