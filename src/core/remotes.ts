import fs from 'node:fs'
import path from 'node:path'
import { ABSENT, Repo } from '../repo/repo.js'
import { RemoteConfig } from '../repo/config.js'
import { fail } from '../errors.js'
import { isDid } from '../model/did.js'
import { decodeMessage, readIdentityMessage } from '../model/message.js'
import { readPartial, writePartial } from '../repo/partial.js'
import { lastSeq, readRemoteState } from '../services/remote-state.js'

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/

export interface RemoteInfo { name: string, url: string, key: string, seq?: number }

/** `remote add NAME URL --key DID` or `remote add NAME MESSAGE` (an `acache id export` line). */
/**
 * Whether a remote URL can ever be used: a path (or file://), http(s)://HOST
 * (a server or gateway), kubo://HOST:PORT/ipns/NAME. Anything else is refused
 * now, not at the first fetch.
 */
export function checkRemoteUrl (url: string): void {
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//.exec(url)?.[1]
  if (scheme === undefined && /^[a-z][a-z0-9+.-]*:/i.test(url)) fail('BAD_INPUT', `${url.slice(0, 80)} is neither a path, a URL nor an acache: message`, { hint: 'an `acache id export` line starts with acache:; a path with a colon in it can be written ./NAME' })
  if (scheme === undefined || scheme === 'file') return
  if (scheme === 'http' || scheme === 'https') {
    let u: URL | undefined
    try { u = new URL(url) } catch {}
    if (u === undefined || u.hostname === '') fail('BAD_INPUT', `${url} is not a usable http URL`, { hint: 'http://HOST:PORT (an acache serve), or https://GATEWAY/ipns/NAME' })
    return
  }
  if (scheme === 'kubo') {
    if (!/^kubo:\/\/[^/]+\/ipns\/[^/]+\/?$/.test(url)) fail('BAD_INPUT', `a Kubo remote is kubo://HOST:PORT/ipns/NAME, not ${url}`)
    return
  }
  fail('BAD_INPUT', `acache cannot use ${scheme}:// remotes: ${url}`, { hint: 'a directory path, file://PATH, http(s)://HOST:PORT or kubo://HOST:PORT/ipns/NAME' })
}

/**
 * `remote add NAME URL [--key DID]` or `remote add NAME MESSAGE`. Without a
 * key, a URL is taken to be where you yourself publish (your own bare store,
 * a server you push to): heads from it must be signed by `ownKey`.
 */
export function addRemote (repo: Repo, name: string, urlOrMessage: string, key?: string, ownKey?: string): RemoteInfo & { own?: boolean } {
  if (!NAME.test(name)) fail('USAGE', `${JSON.stringify(name)} is not a valid remote name (letters, digits, . _ -)`)
  let url: string
  let did: string
  let friendName: string | undefined
  if (urlOrMessage.startsWith('acache:')) {
    const id = readIdentityMessage(decodeMessage(urlOrMessage))
    if (id.publish.length === 0) fail('BAD_INPUT', `${id.name}'s message says nowhere they publish`, { hint: 'ask them to export with --publish LOCATION, or use `remote add NAME URL --key DID`' })
    url = id.publish[0]
    did = id.key
    friendName = id.name
  } else {
    const k = key ?? ownKey
    if (k === undefined) fail('USAGE', 'a remote needs the key its heads must be signed with', { hint: 'acache remote add NAME URL --key did:key:z6Mk...  (or paste their `acache id export` message instead of URL)' })
    if (!isDid(k)) fail('BAD_INPUT', `${k} is not an Ed25519 did:key`)
    checkRemoteUrl(urlOrMessage)
    url = urlOrMessage
    did = k
  }
  if (!/^[a-z][a-z0-9+.-]*:\/\//.test(url)) url = path.resolve(url)
  const release = repo.lock()
  try {
    repo.config = Repo.readConfig(repo.dir)
    if (repo.config.remotes[name] !== undefined) fail('EXISTS', `remote ${name} already exists`, { hint: `remove it first with \`acache remote remove ${name}\`` })
    const r: RemoteConfig = { url, key: did, ...(friendName !== undefined ? { name: friendName } : {}) }
    repo.config.remotes[name] = r
    repo.saveConfig()
    return { name, url, key: did, ...(key === undefined && friendName === undefined ? { own: true } : {}) }
  } finally {
    release()
  }
}

export function listRemotes (repo: Repo): RemoteInfo[] {
  return Object.entries(repo.config.remotes).map(([name, r]) => ({ name, url: r.url, key: r.key, seq: lastSeq(readRemoteState(repo, name)) }))
}

export function removeRemote (repo: Repo, name: string): RemoteInfo {
  const release = repo.lock()
  try {
    repo.config = Repo.readConfig(repo.dir)
    const r = repo.config.remotes[name]
    if (r === undefined) fail('UNKNOWN_REVISION', `no remote named ${name}`)
    delete repo.config.remotes[name]
    repo.saveConfig()
    const tx = repo.refs.transaction(`remote: removed ${name}`)
    for (const [ref, old] of repo.refs.list(`refs/remotes/${name}`)) tx.delete(ref, old)
    tx.commit()
    fs.rmSync(repo.layout.remoteState(`${name}.json`), { force: true })
    return { name, url: r.url, key: r.key }
  } finally {
    release()
  }
}

/** `remote set-url NAME URL`: where a remote publishes now (its key stays). */
export function setRemoteUrl (repo: Repo, name: string, url: string): RemoteInfo {
  checkRemoteUrl(url)
  const abs = /^[a-z][a-z0-9+.-]*:\/\//.test(url) ? url : path.resolve(url)
  const release = repo.lock()
  try {
    repo.config = Repo.readConfig(repo.dir)
    const r = repo.config.remotes[name]
    if (r === undefined) fail('USAGE', `no remote named ${name}`, { hint: '`acache remote -v` lists them' })
    r.url = abs
    repo.saveConfig()
    return { name, url: abs, key: r.key }
  } finally {
    release()
  }
}

/** `remote rename OLD NEW`: the remote, its branches (refs/remotes), what was accepted from it, and branches following it. */
export function renameRemote (repo: Repo, from: string, to: string): RemoteInfo {
  if (!NAME.test(to)) fail('USAGE', `${JSON.stringify(to)} is not a valid remote name (letters, digits, . _ -)`)
  const release = repo.lock()
  try {
    repo.config = Repo.readConfig(repo.dir)
    const r = repo.config.remotes[from]
    if (r === undefined) fail('USAGE', `no remote named ${from}`, { hint: '`acache remote -v` lists them' })
    if (repo.config.remotes[to] !== undefined) fail('EXISTS', `remote ${to} already exists`)
    delete repo.config.remotes[from]
    repo.config.remotes[to] = r
    const branches = (repo.config.branches ?? {}) as Record<string, { remote?: string }>
    for (const b of Object.values(branches)) if (b.remote === from) b.remote = to
    repo.saveConfig()
    // their branches move under the new name, with their logs
    const tx = repo.refs.transaction(`remote: renamed ${from} to ${to}`)
    for (const [ref, cid] of repo.refs.list(`refs/remotes/${from}`)) {
      tx.delete(ref, cid, true).set(`refs/remotes/${to}/${ref.slice(`refs/remotes/${from}/`.length)}`, cid, ABSENT)
    }
    tx.commit()
    const logs = (name: string): string => repo.layout.log(`refs/remotes/${name}`)
    if (fs.existsSync(logs(from))) {
      fs.rmSync(logs(to), { recursive: true, force: true })
      fs.renameSync(logs(from), logs(to))
    }
    for (const ext of ['json', 'log']) {
      const f = repo.layout.remoteState(`${from}.${ext}`)
      if (fs.existsSync(f)) fs.renameSync(f, repo.layout.remoteState(`${to}.${ext}`))
    }
    const partial = readPartial(repo.layout)
    if (partial !== undefined) writePartial(repo.layout, { ...partial, remotes: partial.remotes.map(x => x === from ? to : x) })
    return { name: to, url: r.url, key: r.key }
  } finally {
    release()
  }
}
