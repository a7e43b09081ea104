import { define } from '../command.js'
import { serveRepository } from '../../core/serve.js'
import { webView } from '../../web/view.js'

export default define({
  builder: (y) => y
    .option('port', { alias: 'p', type: 'number', default: 8080, describe: 'port (0: any free one)' })
    .option('host', { type: 'string', default: '127.0.0.1', describe: 'address to listen on' })
    .option('trust', { type: 'array', string: true, describe: 'a did:key allowed to push, besides your remotes and config trusted list; repeatable' })
    .option('max-upload', { type: 'number', describe: 'largest push accepted, in bytes (default 16 GiB)' })
    .option('max-pushes', { type: 'number', describe: 'pushes received side by side at most; more are told to retry (503), default 4' })
    .option('max-staging', { type: 'number', describe: 'bytes all pushes under way may stage together (507 beyond), default 32 GiB' })
    .option('ui', { type: 'boolean', default: true, describe: 'the web view for people at /ui/ (--no-ui: IPFS clients and acache only)' }),
  run: async (args, { ctx, out, repo }) => {
    const rp = await repo()
    const web = args.ui === false ? undefined : webView(rp, ctx)
    const s = await serveRepository(rp, ctx, { web, port: args.port, host: args.host, trusted: (args.trust ?? []).map(String), maxUpload: args.maxUpload, maxPushes: args.maxPushes, maxStaging: args.maxStaging, log: (l) => out.log(l) })
    out.result({ url: s.url })
    if (web !== undefined) out.info(`The web view: ${s.url}/ui/ (read-only)`)
    out.info(`Serving on ${s.url} (a trustless gateway: GET /ipfs/{cid}[/path]?format=raw|car, GET /ipns/{name}?format=ipns-record; POST /acache/v1/push); Ctrl-C stops`)
    // friends see what is published, not your branches: say so when they differ
    if (s.warning !== undefined) out.warn(s.warning)
    await new Promise<void>((resolve) => {
      const stop = (): void => { void s.close().then(resolve) }
      process.once('SIGINT', stop)
      process.once('SIGTERM', stop)
    })
  }
})
