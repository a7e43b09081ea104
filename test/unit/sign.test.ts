import test from 'ava'

test('publicKeyOf (OpenSSL) is noble\'s public key, and signatures by the one verify against the other, for generated secret keys', async t => {
  const fc = (await import('fast-check')).default
  const ed = await import('@noble/ed25519')
  const { publicKeyOf, sign, verifySignature } = await import('../../src/model/sign.js')
  const { didFromPublicKey } = await import('../../src/model/did.js')
  const { assertProperty } = await import('../git.js')
  assertProperty(t, fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.uint8Array({ maxLength: 64 }), (secret, message) => {
    const ours = publicKeyOf(secret)
    const theirs = ed.getPublicKey(secret)
    return Buffer.from(ours).equals(Buffer.from(theirs)) && verifySignature(sign(message, secret), message, didFromPublicKey(ours))
  }), 200)
})
