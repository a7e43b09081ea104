import http from 'node:http'
import { once } from 'node:events'
import { CID } from 'multiformats/cid'
import { Repo } from '../repo/repo.js'
import { Ctx } from '../context.js'
import { AcacheError } from '../errors.js'
import { resolveRev, shortCid } from '../repo/revs.js'
import { log, LogEntry } from '../core/log.js'
import { diffCommitsUpTo } from '../services/diff.js'
import { publishedState } from '../services/heads.js'
import { Entry, entryOf, kindOf, lookupPath, readLinks, readSymlink } from '../model/tree.js'
import { readFileBytes, readFileContent, storedFileSize } from '../model/file.js'
import { OwnershipChecker } from '../services/ownership.js'
import { ownersOf } from '../model/owners.js'
import { readRemoteState } from '../services/remote-state.js'
import { loadIdentity } from '../identity/identity.js'
import { Graph } from '../services/graph.js'
import { humanBytes as human } from '../util/human.js'
import { Html, PAGE_CSP, RAW_CSP, html, href, page, pathHref } from './html.js'

/**
 * The web view of `acache serve`, for people: under /ui/ (and / for a
 * browser, which asks for text/html), read-only, no script. Branches and
 * tags (yours and each friend's), a branch's log with the merge graph, a
 * commit with its diff, a tree at any commit, a file's text, image or
 * download, and raw files. Everything is read from what the repository holds
 * (never fetched), every value is escaped, and every page is bounded: a
 * directory or a log comes a page at a time, a diff stops after its budget,
 * a file larger than what a page shows is offered as a download.
 */

const LOG_PAGE = 50
const DIR_PAGE = 500
const MAX_PAGES = 10_000
const SHOW_BYTES = 1024 * 1024
const DIFF_BUDGET = { files: 100, bytes: 512 * 1024, listed: 1000 }
const PATCH_SHOWN = 64 * 1024
const IMAGES: Record<string, string> = { png: 'image/png', jpg: 'image/jpeg', jpeg: 'image/jpeg', gif: 'image/gif', webp: 'image/webp', avif: 'image/avif', svg: 'image/svg+xml', ico: 'image/x-icon' }
const TEXTS = new Set(['txt', 'md', 'csv', 'tsv', 'json', 'yaml', 'yml', 'toml', 'ts', 'js', 'mjs', 'cjs', 'py', 'rs', 'go', 'c', 'h', 'cc', 'cpp', 'java', 'sh', 'html', 'htm', 'css', 'xml', 'ini', 'cfg', 'log', 'sql', 'rb', 'pl', 'lua', 'tex', 'rst'])

class WebError extends Error {
  constructor (readonly status: number, message: string) { super(message) }
}

export type WebHandler = (req: http.IncomingMessage, res: http.ServerResponse, url: URL) => Promise<boolean>

/** The handler serve calls first: true when it answered (a /ui/ page, or a browser at /). */
export function webView (repo: Repo, ctx: Ctx): WebHandler {
  return async (req, res, url) => {
    const p = url.pathname
    if (p === '/' && (req.headers.accept ?? '').includes('text/html')) {
      res.writeHead(302, { Location: '/ui/' })
      res.end()
      return true
    }
    if (p !== '/ui' && !p.startsWith('/ui/')) return false
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD', 'Content-Type': 'text/plain' })
      res.end('the web view is read-only\n')
      return true
    }
    // a fresh look at the repository on each request (another process commits meanwhile), reading only what is here
    const here = new Repo(repo.root, repo.dir, repo.store.offline())
    try {
      const [kind, ...rest] = p.slice('/ui/'.length).split('/')
      const seg = rest.map(s => { try { return decodeURIComponent(s) } catch { throw new WebError(400, 'the address is not valid percent-encoding') } })
      const pageNo = Math.min(MAX_PAGES, Math.max(0, Math.floor(Number(url.searchParams.get('page') ?? 0)) || 0))
      if (kind === '' || kind === undefined) return send(res, req, 200, await home(here, ctx))
      if (kind === 'log' && seg.length === 1) return send(res, req, 200, await logPage(here, ctx, seg[0], pageNo))
      if (kind === 'commit' && seg.length === 1) return send(res, req, 200, await commitPage(here, ctx, seg[0]))
      if (kind === 'tree' && seg.length >= 1) return send(res, req, 200, await treePage(here, seg[0], seg.slice(1).join('/'), pageNo))
      if (kind === 'blob' && seg.length >= 2) return send(res, req, 200, await blobPage(here, ctx, seg[0], seg.slice(1).join('/')))
      if (kind === 'raw' && seg.length >= 2) { await raw(here, req, res, seg[0], seg.slice(1).join('/'), url.searchParams.has('download')); return true }
      throw new WebError(404, 'no such page')
    } catch (err) {
      const status = err instanceof WebError ? err.status : statusOf(err)
      const message = (err as Error)?.message ?? String(err)
      if (res.headersSent) { res.destroy(); return true }
      return send(res, req, status, page(`${status}`, html`<h1>${status === 404 ? 'Not found' : status === 400 ? 'Bad request' : 'Error'}</h1><p>${message}</p><p><a href="/ui/">Back to the branches</a></p>`))
    }
  }
}

function statusOf (err: unknown): number {
  if (!(err instanceof AcacheError)) return 500
  if (err.code === 'UNKNOWN_REVISION' || err.code === 'BAD_REVISION' || err.code === 'MISSING_OBJECT') return 404
  if (err.code === 'TOO_LARGE' || err.code === 'BAD_INPUT' || err.code === 'USAGE') return 400
  return 500
}

function send (res: http.ServerResponse, req: http.IncomingMessage, status: number, body: string): true {
  const bytes = Buffer.from(body)
  res.writeHead(status, { 'Content-Type': 'text/html; charset=utf-8', 'Content-Length': bytes.byteLength, 'Content-Security-Policy': PAGE_CSP, 'X-Frame-Options': 'DENY', 'Referrer-Policy': 'no-referrer', 'Cache-Control': 'no-cache' })
  res.end(req.method === 'HEAD' ? undefined : bytes)
  return true
}

/** Keys this repository knows, with the names it knows them by (you, your remotes). */
function knownKeys (repo: Repo, ctx: Ctx): Map<string, string> {
  const out = new Map<string, string>()
  const me = loadIdentity(ctx.home)
  if (me !== undefined) out.set(me.key, `${me.name} (you)`)
  for (const [name, r] of Object.entries(repo.config.remotes)) if (!out.has(r.key)) out.set(r.key, r.name ?? name)
  for (const k of repo.config.trusted) if (!out.has(k)) out.set(k, 'trusted')
  return out
}

const shortKey = (k: string): string => k.length > 24 ? `${k.slice(0, 14)}…${k.slice(-6)}` : k
const subject = (m: string): string => m.split('\n')[0]
/** A commit's time as a person reads it (UTC, to the minute); the whole of it on hover. */
const when = (iso: string): Html => html`<span title="${iso}">${iso.replace('T', ' ').replace(/:\d\d(\.\d+)?Z$/, '')}</span>`

/** Who signed: the name the commit gives, its key (short; whole on hover), and what this repository knows the key as, when that says more. */
function signer (name: string, key: string, keys: Map<string, string>): Html {
  const known = keys.get(key)
  return html`${name} <span class="mono muted" title="${key}">${shortKey(key)}</span>${known !== undefined && known !== name ? html` <span class="muted">(${known})</span>` : ''}`
}

/** good: a valid signature by a key this repository knows; unknown: valid, by a key it does not; bad: not valid. */
function verdict (e: LogEntry, keys: Map<string, string>): Html {
  if (e.signature === 'bad') return html`<span class="bad">bad signature</span>`
  return keys.has(e.author.key) ? html`<span class="good">good</span>` : html`<span class="unknown">unknown key</span>`
}

function commitLink (cid: string): Html { return html`<a class="mono" href="${href('commit', cid)}">${shortCid(cid)}</a>` }

async function home (repo: Repo, ctx: Ctx): Promise<string> {
  const keys = knownKeys(repo, ctx)
  const me = loadIdentity(ctx.home)
  const published = me === undefined ? undefined : publishedState(repo, me.key)
  const rows = async (refs: Array<[string, CID]>, seqOf: (name: string, cid: CID) => string): Promise<Html> => {
    const out: Html[] = []
    for (const [name, cid] of refs) {
      let c
      try { c = await repo.readCommit(cid) } catch { c = undefined }
      out.push(html`<tr><td><a href="${href('log', name)}">${name}</a></td><td>${commitLink(cid.toString())}</td><td>${c === undefined ? html`<span class="muted">not here (partial fetch)</span>` : subject(c.message)}</td><td>${c === undefined ? '' : signer(c.author.name, c.author.key, keys)}</td><td class="muted">${c === undefined ? '' : when(c.time)}</td><td>${seqOf(name, cid)}</td><td><a href="${href('tree', name)}">files</a></td></tr>`)
    }
    return html`${out}`
  }
  const strip = (prefix: string) => (list: Array<[string, CID]>): Array<[string, CID]> => list.map(([r, c]) => [r.slice(prefix.length), c])
  const ownSeq = (name: string): string => published?.seq === undefined ? 'unpublished' : published.behind.includes(name) ? `ahead of seq ${published.seq}` : `seq ${published.seq}`
  const table = (body: Html): Html => html`<table><tr><th>name</th><th>head</th><th>message</th><th>signer</th><th>date</th><th>published</th><th></th></tr>${body}</table>`
  const sections: Html[] = []
  const branches = strip('refs/heads/')(repo.refs.list('refs/heads'))
  sections.push(html`<h2>Branches</h2>${branches.length === 0 ? html`<p class="muted">No commits yet.</p>` : table(await rows(branches, ownSeq))}`)
  const tags = strip('refs/tags/')(repo.refs.list('refs/tags'))
  if (tags.length > 0) sections.push(html`<h2>Tags</h2>${table(await rows(tags, ownSeq))}`)
  const remotes = new Map<string, Array<[string, CID]>>()
  for (const [ref, cid] of repo.refs.list('refs/remotes')) {
    const name = ref.slice('refs/remotes/'.length)
    const friend = name.split('/')[0]
    remotes.set(friend, [...(remotes.get(friend) ?? []), [name, cid]])
  }
  for (const [friend, refs] of remotes) {
    let state
    try { state = readRemoteState(repo, friend) } catch { state = undefined }
    const key = repo.config.remotes[friend]?.key
    const seqOf = (name: string): string => {
      const b = name.slice(friend.length + 1)
      const n = state?.newer?.[b]?.seq ?? state?.seq
      return n === undefined || n === 0 ? '' : `seq ${n}`
    }
    sections.push(html`<h2>From ${friend}${key !== undefined ? html` <span class="muted">· heads signed by <span class="mono" title="${key}">${shortKey(key)}</span></span>` : ''}</h2>${table(await rows(refs, seqOf))}`)
  }
  const current = repo.refs.currentBranch()
  return page('branches', html`<h1>Repository</h1>${current !== undefined ? html`<p>Checked out here: <a href="${href('log', current)}">${current}</a></p>` : ''}${sections}`)
}

async function logPage (repo: Repo, ctx: Ctx, rev: string, pageNo: number): Promise<string> {
  const keys = knownKeys(repo, ctx)
  const start = await resolve(repo, rev)
  // in topological order, the graph drawn over every commit before this page's too, so its lanes are right
  const upTo = (pageNo + 1) * LOG_PAGE
  const entries = await log(repo, { revs: [start.toString()], max: upTo + 1, topo: true })
  const graph = new Graph()
  const rows: Html[] = []
  for (const [i, e] of entries.slice(0, upTo).entries()) {
    const g = graph.next({ commit: e.commit, parents: e.parents })
    if (i < pageNo * LOG_PAGE) continue
    const lines = [g.head, ...g.after]
    rows.push(html`<tr><td class="graph mono">${lines.join('\n')}</td><td>${commitLink(e.commit)}</td><td><a href="${href('commit', e.commit)}">${subject(e.message)}</a>${(e.refs ?? []).map(r => html` <span class="muted">(${r})</span>`)}</td><td>${signer(e.author.name, e.author.key, keys)}</td><td class="muted">${when(e.time)}</td><td>${verdict(e, keys)}</td></tr>`)
  }
  const more = entries.length > upTo
  const pager = html`<div class="pager">${pageNo > 0 ? html`<a href="${href('log', rev)}?page=${pageNo - 1}">← newer</a>` : ''}${more ? html`<a href="${href('log', rev)}?page=${pageNo + 1}">older →</a>` : ''}</div>`
  return page(`log of ${rev}`, html`<h1>History of ${rev}</h1><p><a href="${href('tree', rev)}">Browse the files</a> · page ${pageNo + 1}</p><table><tr><th></th><th>commit</th><th>message</th><th>author</th><th>date</th><th>signature</th></tr>${rows}</table>${pager}`)
}

async function resolve (repo: Repo, rev: string): Promise<CID> {
  if (rev.length > 300) throw new WebError(400, 'a revision is at most 300 characters')
  return await resolveRev(repo, rev)
}

async function commitPage (repo: Repo, ctx: Ctx, rev: string): Promise<string> {
  const keys = knownKeys(repo, ctx)
  const cid = await resolve(repo, rev)
  const c = await repo.readCommit(cid)
  const e = (await log(repo, { revs: [cid.toString()], max: 1 }))[0]
  const parentTree = c.parents.length === 0 ? undefined : (await repo.readCommit(c.parents[0])).tree
  const { diffs, rest, more } = await diffCommitsUpTo(repo, parentTree, c.tree, DIFF_BUDGET)
  const id = cid.toString()
  const files = diffs.map(d => {
    const at = d.status === 'deleted' ? (c.parents[0]?.toString() ?? id) : id
    const name = html`<a href="${pathHref('blob', at, d.path)}">${d.path}</a>`
    let body: Html
    if (d.binary) body = html`<p class="muted">&nbsp;binary file ${d.status}</p>`
    else if (d.patch === undefined || d.patch.byteLength === 0) body = html`<p class="muted">&nbsp;${d.oldKind !== d.newKind ? `mode changed: ${d.oldKind ?? ''} → ${d.newKind ?? ''}` : 'no change in content'}</p>`
    else {
      const cut = d.patch.byteLength > PATCH_SHOWN
      const text = d.patch.subarray(0, PATCH_SHOWN).toString('utf8')
      body = html`<pre>${text.split('\n').filter((l, i, all) => i < all.length - 1 || l !== '').map(l => html`<div class="${l.startsWith('@@') ? 'hunk' : l.startsWith('+') ? 'add' : l.startsWith('-') ? 'del' : ''}">${l}</div>`)}</pre>${cut ? html`<p class="muted">&nbsp;the diff is cut here (${d.patch.byteLength} bytes): <a href="${pathHref('blob', at, d.path)}">see the file</a></p>` : ''}`
    }
    return html`<div class="file"><div>${name} <span class="muted">${d.status}</span> ${d.binary ? html`<span class="muted">binary</span>` : html`<span class="good">+${d.added}</span> <span class="bad">−${d.removed}</span>`}</div>${body}</div>`
  })
  const list = html`<table><tr><th>file</th><th>change</th><th>added</th><th>removed</th></tr>${diffs.map(d => html`<tr><td>${d.path}</td><td>${d.status}</td><td>${d.binary ? 'binary' : `+${d.added}`}</td><td>${d.binary ? '' : `−${d.removed}`}</td></tr>`)}${rest.map(r => html`<tr><td><a href="${pathHref('blob', r.status === 'deleted' ? (c.parents[0]?.toString() ?? id) : id, r.path)}">${r.path}</a></td><td>${r.status}</td><td colspan="2" class="muted">not shown</td></tr>`)}</table>`
  return page(`commit ${shortCid(id)}`, html`
<h1>${subject(c.message)}</h1>
<table>
<tr><th>commit</th><td class="mono">${id}</td></tr>
<tr><th>author</th><td>${signer(c.author.name, c.author.key, keys)} · ${verdict(e, keys)}</td></tr>
<tr><th>date</th><td>${c.time}</td></tr>
<tr><th>parents</th><td>${c.parents.length === 0 ? html`<span class="muted">none (a root commit)</span>` : c.parents.map((p, i) => html`${i > 0 ? ', ' : ''}${commitLink(p.toString())}`)}</td></tr>
<tr><th>tree</th><td><a href="${href('tree', id)}">browse the files at this commit</a></td></tr>
${(e.refs ?? []).length > 0 ? html`<tr><th>refs</th><td>${(e.refs ?? []).join(', ')}</td></tr>` : ''}
</table>
<h2>Message</h2><pre class="msg">${c.message}</pre>
<h2>Changes${c.parents.length > 1 ? ' against the first parent' : ''}: ${more ? `more than ${diffs.length + rest.length}` : diffs.length + rest.length} file${diffs.length + rest.length === 1 && !more ? '' : 's'}</h2>
${list}
${rest.length > 0 ? html`<p class="muted">The diff is cut after ${diffs.length} files: ${rest.length} more are listed above, each a link to its file${more ? html`, and the list is cut there too: <a href="${href('tree', id)}">browse the tree</a>, or <code>acache diff ${shortCid(id)}~1 ${shortCid(id)} --stat</code> for all of it` : ''}.</p>` : ''}
${files}`)
}

/** The path's entry in the commit's tree, or a 404 that says which path. */
async function entryAt (repo: Repo, rev: string, p: string): Promise<{ cid: CID, entry: Entry, tree: CID }> {
  const cid = await resolve(repo, rev)
  const tree = (await repo.readCommit(cid)).tree
  const entry = await lookupPath(repo.store, tree, p)
  if (entry === undefined) throw new WebError(404, `${p === '' ? 'the root' : p} is not in ${rev}`)
  return { cid, entry, tree }
}

function crumbs (rev: string, p: string): Html {
  const parts = p === '' ? [] : p.split('/')
  return html`<div class="crumbs"><a href="${href('tree', rev)}">${rev}</a>${parts.map((name, i) => html` / <a href="${pathHref('tree', rev, parts.slice(0, i + 1).join('/'))}">${name}</a>`)}</div>`
}

async function ownersLine (repo: Repo, tree: CID, commit: CID, p: string, dir: boolean): Promise<Html> {
  const checker = new OwnershipChecker(repo.store)
  const rules = await checker.rules(tree)
  if (rules.length === 0) return html``
  const own = ownersOf(rules, dir && p !== '' ? p + '/' : p, p === '.acacheowners' ? await checker.rootSigners(commit) : undefined)
  return html`<p>Owners (.acacheowners): ${own === undefined ? html`<span class="muted">none: open to every trusted friend</span>` : own.map((k, i) => html`${i > 0 ? ', ' : ''}<span class="mono" title="${k}">${shortKey(k)}</span>`)}</p>`
}

async function treePage (repo: Repo, rev: string, p: string, pageNo: number): Promise<string> {
  const { cid, entry, tree } = await entryAt(repo, rev, p)
  if (entry.kind !== 'dir') return await blobPageAt(repo, rev, p, cid, entry, tree)
  const { names, links } = await listing(repo, entry.cid, p)
  const shown = names.slice(pageNo * DIR_PAGE, (pageNo + 1) * DIR_PAGE)
  const all = new Map<string, Entry>()
  for (const name of shown) { const l = links.get(name)!; all.set(name, entryOf(l, await kindOf(repo.store, l.cid))) }
  const rules = await new OwnershipChecker(repo.store).rules(tree)
  const ownerCell = (child: string, dir: boolean): Html => {
    if (rules.length === 0) return html``
    const own = child === '.acacheowners' ? undefined : ownersOf(rules, dir ? child + '/' : child, undefined)
    return html`<td class="mono muted">${child === '.acacheowners' ? 'the root commits\' signers' : own === undefined ? '' : own.map(shortKey).join(', ')}</td>`
  }
  const rows: Html[] = []
  for (const name of shown) {
    const e = all.get(name)!
    const child = p === '' ? name : `${p}/${name}`
    let size = ''
    if (e.kind === 'file' || e.kind === 'exec') {
      try { size = human(await storedFileSize(repo.store, e.cid)) } catch { size = 'not here' }
    }
    rows.push(html`<tr><td>${e.kind === 'dir' ? '📁' : e.kind === 'symlink' ? '↪' : '📄'}</td><td><a href="${pathHref(e.kind === 'dir' ? 'tree' : 'blob', rev, child)}">${name}${e.kind === 'dir' ? '/' : ''}</a></td><td>${size}</td><td class="mono muted">${e.kind === 'exec' ? 'executable' : e.kind === 'symlink' ? 'symlink' : ''}</td>${ownerCell(child, e.kind === 'dir')}</tr>`)
  }
  const pages = Math.ceil(names.length / DIR_PAGE)
  const pager = pages <= 1 ? html`` : html`<div class="pager">${pageNo > 0 ? html`<a href="${pathHref('tree', rev, p)}?page=${pageNo - 1}">← previous</a>` : ''}<span class="muted">entries ${pageNo * DIR_PAGE + 1}–${Math.min(names.length, (pageNo + 1) * DIR_PAGE)} of ${names.length}</span> ${pageNo + 1 < pages ? html`<a href="${pathHref('tree', rev, p)}?page=${pageNo + 1}">next →</a>` : ''}</div>`
  return page(`${p === '' ? '/' : p} at ${rev}`, html`${crumbs(rev, p)}<h1>${p === '' ? 'Files' : p} <span class="muted">at ${commitLink(cid.toString())}</span></h1>${await ownersLine(repo, tree, cid, p, true)}${pager}<table><tr><th></th><th>name</th><th>size</th><th></th>${rules.length > 0 ? html`<th>owners</th>` : ''}</tr>${rows}</table>${pager}`)
}

/**
 * A directory's names in order, and its links: read once and kept while
 * serve runs (a directory's CID never changes; 8 of them, or 1,000,000
 * names, at most), so the next page of a large directory reads nothing again.
 */
const listings = new Map<string, { names: string[], links: Map<string, { cid: CID, tsize: number }> }>()
const MAX_LISTINGS = 8
const MAX_LISTED = 1_000_000
async function listing (repo: Repo, cid: CID, where: string): Promise<{ names: string[], links: Map<string, { cid: CID, tsize: number }> }> {
  const k = cid.toString()
  const hit = listings.get(k)
  if (hit !== undefined) { listings.delete(k); listings.set(k, hit); return hit }
  const links = await readLinks(repo.store, cid, where)
  const entry = { names: [...links.keys()].sort(), links }
  listings.set(k, entry)
  let held = 0
  for (const v of listings.values()) held += v.names.length
  for (const [key, v] of listings) {
    if (listings.size <= MAX_LISTINGS && held <= MAX_LISTED) break
    if (key === k) continue
    listings.delete(key)
    held -= v.names.length
  }
  return entry
}

async function blobPage (repo: Repo, _ctx: Ctx, rev: string, p: string): Promise<string> {
  const { cid, entry, tree } = await entryAt(repo, rev, p)
  if (entry.kind === 'dir') return await treePage(repo, rev, p, 0)
  return await blobPageAt(repo, rev, p, cid, entry, tree)
}

async function blobPageAt (repo: Repo, rev: string, p: string, commit: CID, entry: Entry, tree: CID): Promise<string> {
  const top = html`${crumbs(rev, p)}<h1>${p.split('/').pop() ?? p} <span class="muted">at ${commitLink(commit.toString())}</span></h1>${await ownersLine(repo, tree, commit, p, false)}`
  if (entry.kind === 'symlink') {
    return page(p, html`${top}<p>A symbolic link to <code>${await readSymlink(repo.store, entry.cid)}</code></p>`)
  }
  const size = await storedFileSize(repo.store, entry.cid)
  const facts = html`<p>${human(size)} (${size} bytes) · CID <code>${entry.cid.toString()}</code> · <a href="ipfs://${entry.cid.toString()}">ipfs://</a> · <a href="${pathHref('raw', rev, p)}">raw</a> · <a href="${pathHref('raw', rev, p)}?download">download</a></p>`
  const ext = extension(p)
  if (IMAGES[ext] !== undefined) return page(p, html`${top}${facts}<img class="view" alt="${p}" src="${pathHref('raw', rev, p)}">`)
  if (size > SHOW_BYTES) return page(p, html`${top}${facts}<p class="muted">Too large to show here (over ${human(SHOW_BYTES)}): download it, or read it with <code>acache show ${rev}:${p}</code>.</p>`)
  const bytes = await readFileBytes(repo.store, entry.cid, SHOW_BYTES)
  if (looksBinary(bytes)) return page(p, html`${top}${facts}<p class="muted">A binary file: download it to see it.</p>`)
  const lines = Buffer.from(bytes).toString('utf8').split('\n')
  if (lines.length > 1 && lines[lines.length - 1] === '') lines.pop()
  return page(p, html`${top}${facts}<table class="lines mono">${lines.map((l, i) => html`<tr><td class="n">${i + 1}</td><td><pre>${l}</pre></td></tr>`)}</table>`)
}

/** A file's bytes as they are, with its type (what could run in a browser is sent as text, or sandboxed). */
async function raw (repo: Repo, req: http.IncomingMessage, res: http.ServerResponse, rev: string, p: string, download: boolean): Promise<void> {
  const { entry } = await entryAt(repo, rev, p)
  if (entry.kind === 'dir') throw new WebError(400, `${p} is a directory`)
  if (entry.kind === 'symlink') throw new WebError(400, `${p} is a symbolic link`)
  const size = await storedFileSize(repo.store, entry.cid)
  const ext = extension(p)
  const type = IMAGES[ext] ?? (TEXTS.has(ext) ? 'text/plain; charset=utf-8' : 'application/octet-stream')
  const name = p.split('/').pop() ?? 'file'
  const inline = !download && type !== 'application/octet-stream'
  res.writeHead(200, {
    'Content-Type': type,
    'Content-Length': size,
    'Content-Disposition': `${inline ? 'inline' : 'attachment'}; filename="${name.replace(/[^\x20-\x7e]|["\\]/g, '_')}"; filename*=UTF-8''${encodeURIComponent(name)}`,
    'Content-Security-Policy': RAW_CSP,
    'X-Content-Type-Options': 'nosniff',
    Etag: `"${entry.cid.toString()}"`,
    'X-Ipfs-Path': `/ipfs/${entry.cid.toString()}`,
    'Cache-Control': 'public, max-age=29030400, immutable'
  })
  if (req.method === 'HEAD') { res.end(); return }
  for await (const chunk of readFileContent(repo.store, entry.cid)) if (!res.write(chunk)) await once(res, 'drain')
  res.end()
}

function extension (p: string): string {
  const name = p.split('/').pop() ?? ''
  const i = name.lastIndexOf('.')
  return i <= 0 ? '' : name.slice(i + 1).toLowerCase()
}

function looksBinary (bytes: Uint8Array): boolean {
  return bytes.subarray(0, 8000).includes(0)
}
