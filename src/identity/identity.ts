import fs from 'node:fs'
import path from 'node:path'
import { didFromPublicKey } from '../model/did.js'
import { publicKeyOf, randomSecretKey } from '../model/sign.js'
import { AcacheError, fail } from '../errors.js'

export interface Identity { name: string, key: string, secretKey: Uint8Array }

export function identityPath (home: string): string {
  return path.join(home, 'identity')
}

export function loadIdentity (home: string): Identity | undefined {
  let text: string
  try {
    text = fs.readFileSync(identityPath(home), 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw err
  }
  let obj: any
  try { obj = JSON.parse(text) } catch { obj = undefined }
  const secretKey = typeof obj?.secretKey === 'string' ? new Uint8Array(Buffer.from(obj.secretKey, 'base64')) : undefined
  if (secretKey?.byteLength !== 32 || typeof obj.name !== 'string') {
    fail('BAD_CONFIG', `identity file ${identityPath(home)} is damaged`, { hint: 'restore it from a backup, or move it away and run `acache id new`' })
  }
  const key = didFromPublicKey(publicKeyOf(secretKey))
  if (obj.key !== undefined && obj.key !== key) {
    fail('BAD_CONFIG', `identity file ${identityPath(home)} is damaged: its key does not match its secret`)
  }
  return { name: obj.name, key, secretKey }
}

export function requireIdentity (home: string): Identity {
  const id = loadIdentity(home)
  if (id === undefined) {
    throw new AcacheError('NO_IDENTITY', 'you have no identity yet, so nothing can be signed', {
      hint: 'make one with `acache id new --name YOUR_NAME`'
    })
  }
  return id
}

/** Makes a new key in `home`, mode 0600; refuses to replace an existing one. */
export function createIdentity (home: string, name: string, secretKey: Uint8Array = randomSecretKey()): Identity {
  if (name.trim() === '' || /[\n\r]/.test(name)) fail('USAGE', 'the name must be one non-empty line')
  fs.mkdirSync(home, { recursive: true, mode: 0o700 })
  const key = didFromPublicKey(publicKeyOf(secretKey))
  const body = JSON.stringify({ version: 1, name, key, secretKey: Buffer.from(secretKey).toString('base64') }, null, 2) + '\n'
  const file = identityPath(home)
  let fd: number
  try {
    fd = fs.openSync(file, 'wx', 0o600)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') {
      fail('EXISTS', `an identity already exists in ${file}`, { hint: 'see it with `acache id show`; it is never replaced by acache' })
    }
    throw err
  }
  try {
    fs.writeSync(fd, body)
    fs.fsyncSync(fd)
  } finally {
    fs.closeSync(fd)
  }
  fs.chmodSync(file, 0o600)
  return { name, key, secretKey }
}
