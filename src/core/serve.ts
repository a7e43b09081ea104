import http from 'node:http'
import { Repo } from '../repo/repo.js'
import { Ctx } from '../context.js'
import { loadIdentity } from '../identity/identity.js'
import { publishedState } from '../services/heads.js'
import { startServer } from '../serve/server.js'
import { readRoutes } from '../serve/reads.js'
import { blockRoutes } from '../serve/blocks.js'
import { pushRoute } from '../serve/push.js'
import { knobNumber } from '../util/knobs.js'

export interface ServeOptions {
  host?: string
  port?: number
  /** keys allowed to push (besides the repository's remotes and trusted list) */
  trusted?: string[]
  /** largest accepted upload, in bytes */
  maxUpload?: number
  /** pushes received side by side at most (more wait: 503 with Retry-After) */
  maxPushes?: number
  /** bytes staged by all pushes under way together, at most */
  maxStaging?: number
  /** a client silent this long is dropped (ACACHE_SERVE_IDLE_MS; default 30 s) */
  idleMs?: number
  log?: (line: string) => void
  /** asked first for each request; true when it answered (the web view, web/view.ts, which the CLI passes) */
  web?: (req: http.IncomingMessage, res: http.ServerResponse, url: URL) => Promise<boolean>
}

/**
 * `acache serve`: the repository over HTTP (serve/: the server and its
 * route table). Reads speak the IPFS trustless-gateway form (GET
 * /ipfs/{cid}?format=raw|car), so the same fetch code reads from any
 * trustless gateway; GET /acache/v1/head/{did} gives a key's published
 * head; POST /acache/v1/has and /blocks answer many blocks at once; POST
 * /acache/v1/push takes a signed head and its blocks from a trusted key.
 */
export async function serve (repo: Repo, opts: ServeOptions = {}): Promise<{ server: http.Server, url: string, close: () => Promise<void> }> {
  const idleMs = opts.idleMs ?? knobNumber('ACACHE_SERVE_IDLE_MS', 30_000)
  const log = opts.log ?? (() => {})
  const routes = [
    ...readRoutes(repo),
    ...blockRoutes(repo, idleMs),
    pushRoute(repo, { trusted: opts.trusted, maxUpload: opts.maxUpload ?? 16 * 1024 ** 3, maxPushes: opts.maxPushes ?? 4, maxStaging: opts.maxStaging ?? 32 * 1024 ** 3, idleMs, log })
  ]
  return await startServer(routes, { host: opts.host, port: opts.port, idleMs, log, web: opts.web })
}

/**
 * `acache serve` as the command runs it: you (the identity in `ctx.home`)
 * may always publish here; and what friends will see, when it is not your
 * branches yet, is said (`warning`).
 */
export async function serveRepository (repo: Repo, ctx: Ctx, opts: ServeOptions = {}): Promise<Awaited<ReturnType<typeof serve>> & { warning?: string }> {
  const own = loadIdentity(ctx.home)?.key
  const s = await serve(repo, { ...opts, trusted: [...(opts.trusted ?? []), ...(own !== undefined ? [own] : [])] })
  if (own === undefined) return s
  const p = publishedState(repo, own)
  const warning = p.seq === undefined
    ? 'nothing of yours is published here yet: friends see your branches only after `acache push`'
    : p.behind.length > 0 ? `your published head (seq ${p.seq}) is behind your branches (${p.behind.join(', ')}): \`acache push\` publishes them` : undefined
  return { ...s, warning }
}
