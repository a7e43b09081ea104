import { CID } from 'multiformats/cid'
import { fail } from '../errors.js'
import { didFromPublicKey, publicKeyFromDid } from './did.js'

/**
 * Every published head is also a signed IPNS record (specs.ipfs.tech/ipns)
 * for the same Ed25519 key: its value /ipfs/{head CID}, its sequence the
 * head's seq. An Ed25519 key is a valid IPNS name, so any IPNS-aware client
 * resolves a friend's head without knowing acache; the head itself says the
 * rest. Records are made with the `ipns` library (loaded on first use).
 */

/** How long a record stays valid; the head's seq, not the record's age, says which head is newest. */
const VALIDITY_MS = 10 * 365 * 24 * 3600 * 1000

/** The IPNS name of a key: a CIDv1 (libp2p-key) of its public key, base36 as Kubo prints it (k51...). */
export async function ipnsName (did: string): Promise<string> {
  const { publicKeyFromRaw } = await import('@libp2p/crypto/keys')
  const { peerIdFromPublicKey } = await import('@libp2p/peer-id')
  const { base36 } = await import('multiformats/bases/base36')
  return peerIdFromPublicKey(publicKeyFromRaw(publicKeyFromDid(did))).toCID().toString(base36)
}

/** The key an IPNS name stands for, when it is an Ed25519 one; undefined otherwise. */
export async function didOfIpnsName (name: string): Promise<string | undefined> {
  try {
    const { peerIdFromCID, peerIdFromString } = await import('@libp2p/peer-id')
    const id = /^(k|b)/.test(name) ? peerIdFromCID(CID.parse(name, name.startsWith('k') ? (await import('multiformats/bases/base36')).base36 : undefined) as any) : peerIdFromString(name)
    if (id.type !== 'Ed25519' || id.publicKey === undefined) return undefined
    return didFromPublicKey(id.publicKey.raw)
  } catch {
    return undefined
  }
}

/** The marshalled, signed IPNS record of a head, by the key's 32-byte secret (seed). */
export async function makeIpnsRecord (secretKey: Uint8Array, head: CID, seq: number): Promise<Uint8Array> {
  const { createIPNSRecord, marshalIPNSRecord } = await import('ipns')
  const { generateKeyPairFromSeed } = await import('@libp2p/crypto/keys')
  const key = await generateKeyPairFromSeed('Ed25519', secretKey)
  return marshalIPNSRecord(await createIPNSRecord(key, `/ipfs/${head.toString()}`, BigInt(seq), VALIDITY_MS))
}

/** Checks a record: signed by `did`'s key as its IPNS name, valid now, naming exactly this head and seq (BAD_SIGNATURE or BAD_OBJECT otherwise). */
export async function checkIpnsRecord (did: string, bytes: Uint8Array, head: CID, seq: number): Promise<void> {
  const { unmarshalIPNSRecord, multihashToIPNSRoutingKey } = await import('ipns')
  const { ipnsValidator } = await import('ipns/validator')
  const { publicKeyFromRaw } = await import('@libp2p/crypto/keys')
  const { peerIdFromPublicKey } = await import('@libp2p/peer-id')
  if (bytes.byteLength > 10 * 1024) fail('TOO_LARGE', 'the IPNS record is over 10 KiB (the spec\'s limit)')
  const id = peerIdFromPublicKey(publicKeyFromRaw(publicKeyFromDid(did)))
  try {
    await ipnsValidator(multihashToIPNSRoutingKey(id.toMultihash()), bytes)
  } catch (err) {
    fail('BAD_SIGNATURE', `the IPNS record is not a valid record of ${did}: ${(err as Error).message}`)
  }
  const r = unmarshalIPNSRecord(bytes)
  if (r.value !== `/ipfs/${head.toString()}` || r.sequence !== BigInt(seq)) fail('BAD_OBJECT', `the IPNS record names ${r.value} at sequence ${r.sequence}, not the head ${head} at seq ${seq}`)
}
