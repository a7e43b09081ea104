import test from 'ava'

test('publicKeyOf (OpenSSL) is noble\'s public key, its signatures are noble\'s byte for byte and verify, for generated secret keys', async t => {
  const fc = (await import('fast-check')).default
  const ed = await import('@noble/ed25519')
  const { publicKeyOf, sign, verifySignature } = await import('../../src/model/sign.js')
  const { didFromPublicKey } = await import('../../src/model/did.js')
  const { assertProperty } = await import('../git.js')
  assertProperty(t, fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.uint8Array({ maxLength: 64 }), (secret, message) => {
    const ours = publicKeyOf(secret)
    const theirs = ed.getPublicKey(secret)
    const signature = sign(message, secret)
    // Ed25519 is deterministic: OpenSSL's signature is noble's, byte for byte
    return Buffer.from(ours).equals(Buffer.from(theirs)) && Buffer.from(signature).equals(Buffer.from(ed.sign(message, secret))) && verifySignature(signature, message, didFromPublicKey(ours))
  }), 200)
})
