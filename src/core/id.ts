import os from 'node:os'
import path from 'node:path'
import { Identity, createIdentity, identityPath, requireIdentity } from '../identity/identity.js'
import { makeIdentityMessage } from '../model/message.js'

/** `id new [--name NAME]`: a new key (the name defaults to your login). */
export function newIdentity (home: string, name = os.userInfo().username): Identity & { file: string } {
  return { ...createIdentity(home, name), file: identityPath(home) }
}

/** `id export [--publish WHERE...]`: the signed message a friend pastes into `remote add` or `clone`. Paths are recorded absolute. */
export function exportIdentity (home: string, cwd: string, publish: string[]): { name: string, key: string, publish: string[], message: string } {
  const id = requireIdentity(home)
  const where = publish.map(p => /^[a-z][a-z0-9+.-]*:\/\//.test(p) ? p : path.resolve(cwd, p))
  return { name: id.name, key: id.key, publish: where, message: makeIdentityMessage(id.key, id.name, where, id.secretKey) }
}
