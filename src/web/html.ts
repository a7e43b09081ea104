/**
 * HTML for the web view: every value put into a page goes through `html`,
 * which escapes it unless it is already Html (made by `html` itself). Names,
 * messages and file contents are others' text: nothing of them is ever
 * written into a page unescaped.
 */
export class Html {
  constructor (readonly text: string) {}
  toString (): string { return this.text }
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }

export function esc (s: string): string {
  // control characters (a terminal's escapes, bidi overrides) are shown as what they are, not obeyed
  // eslint-disable-next-line no-control-regex
  return s.replace(/[&<>"']/g, c => ESCAPES[c]).replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f\u202a-\u202e\u2066-\u2069]/g, c => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
}

type Value = Html | string | number | undefined | null | false | Value[]

function render (v: Value): string {
  if (v === undefined || v === null || v === false) return ''
  if (v instanceof Html) return v.text
  if (Array.isArray(v)) return v.map(render).join('')
  return esc(String(v))
}

export function html (parts: TemplateStringsArray, ...values: Value[]): Html {
  let out = parts[0]
  for (let i = 0; i < values.length; i++) out += render(values[i]) + parts[i + 1]
  return new Html(out)
}

/** A path under /ui/ from segments, each percent-encoded (a branch's "/" too). */
export function href (...segments: string[]): string {
  return '/ui/' + segments.map(s => encodeURIComponent(s)).join('/')
}

/** A repository path as URL segments (its "/" kept as separators). */
export function pathHref (kind: string, rev: string, p: string): string {
  return href(kind, rev) + (p === '' ? '' : '/' + p.split('/').map(encodeURIComponent).join('/'))
}

const STYLE = `
body{font:14px/1.45 system-ui,sans-serif;margin:0;color:#1b1f24;background:#fff}
header{background:#24292f;color:#fff;padding:10px 20px}header a{color:#fff;text-decoration:none;font-weight:600}
main{padding:16px 20px;max-width:1200px}
a{color:#0969da}h1{font-size:20px;margin:8px 0 12px}h2{font-size:16px;margin:20px 0 8px}
table{border-collapse:collapse;width:100%}td,th{padding:4px 8px;border-bottom:1px solid #d0d7de;text-align:left;vertical-align:top}
th{background:#f6f8fa;font-weight:600}
code,pre,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:12.5px}
pre{margin:0;white-space:pre-wrap;word-break:break-all}
.msg{background:#f6f8fa;padding:10px;border:1px solid #d0d7de;border-radius:6px}
.good{color:#1a7f37;font-weight:600}.bad{color:#cf222e;font-weight:600}.unknown{color:#9a6700;font-weight:600}
.add{background:#dafbe1}.del{background:#ffebe9}.hunk{color:#6e7781;background:#ddf4ff}
.lines td{border:0;padding:0 8px}.lines td.n{color:#6e7781;text-align:right;user-select:none;width:1%;white-space:nowrap}
.graph{color:#8250df;white-space:pre}.muted{color:#6e7781}.crumbs{margin-bottom:8px}
.file{border:1px solid #d0d7de;border-radius:6px;margin:12px 0}.file>div{background:#f6f8fa;padding:6px 10px;border-bottom:1px solid #d0d7de}
.pager{margin:12px 0}.pager a{margin-right:12px}img.view{max-width:100%;border:1px solid #d0d7de}
`

/** A whole page: no script, no outside resource (the CSP the server sends says the same). */
export function page (title: string, body: Html): string {
  return `<!doctype html>\n${html`<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${title} · acache</title><style>${new Html(STYLE)}</style></head><body><header><a href="/ui/">acache</a> <span class="muted">· read-only view of this repository</span></header><main>${body}</main></body></html>`.text}\n`
}

/** What every page of the view is sent with: no script runs, nothing is loaded from elsewhere, no framing. */
export const PAGE_CSP = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; form-action 'none'; frame-ancestors 'none'; base-uri 'none'"
/** A raw file: whatever it is (HTML, SVG), it runs nothing, even opened on its own. */
export const RAW_CSP = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox"
