import chalk from 'chalk'
import type { LogEntry } from '../core/log.js'
import { safe } from './render.js'
import { gitDate } from '../model/git.js'

/**
 * git's pretty formats (pretty.c) for log and show: the named ones, and
 * `--format` strings with git's placeholders. `format:` puts a newline
 * between commits, `tformat:` (and a bare string) after each, as in git.
 */
export interface Pretty {
  template: string
  /** 'block': the named multi-line formats (a blank line between commits); 'line': one line each; 'tformat' / 'format' as git */
  kind: 'block' | 'line' | 'tformat' | 'format'
}

const MESSAGE = '%w'
const BLOCKS: Record<string, string> = {
  short: 'commit %H%d%nAuthor: %an <%ae>%n%n    %s',
  medium: `commit %H%d (signature: %S)%nMerge: %p%nAuthor: %an <%ae>%nDate:   %ad%I%n%n${MESSAGE}`,
  full: `commit %H%d (signature: %S)%nMerge: %p%nAuthor: %an <%ae>%nCommit: %cn <%ce>%I%n%n${MESSAGE}`,
  fuller: `commit %H%d (signature: %S)%nMerge: %p%nAuthor:     %an <%ae>%nAuthorDate: %ad%nCommit:     %cn <%ce>%nCommitDate: %cd%I%n%n${MESSAGE}`
}
const ONELINE = '%h%d %S %s'

/** What `--format X` / `--pretty X` / `--oneline` ask for. */
export function prettyOf (format: string | undefined, oneline: boolean): Pretty {
  if (oneline || format === 'oneline') return { template: ONELINE, kind: 'line' }
  const f = format ?? 'medium'
  if (BLOCKS[f] !== undefined) return { template: BLOCKS[f], kind: 'block' }
  if (f.startsWith('format:')) return { template: f.slice('format:'.length), kind: 'format' }
  if (f.startsWith('tformat:')) return { template: f.slice('tformat:'.length), kind: 'tformat' }
  return { template: f, kind: 'tformat' }
}

/**
 * Text from others with what a terminal would act on escaped (as `safe`),
 * but newlines and tabs kept: a message keeps its lines.
 */
export function safeLines (text: string): string {
  return text.split('\n').map(l => l.split('\t').map(safe).join('\t')).join('\n')
}

/** A message as git stores it: trailing blank lines gone, one newline at the end. */
function normalised (message: string): string {
  const m = message.replace(/\s+$/, '')
  return m === '' ? '' : m + '\n'
}

/** git's subject (the first paragraph, its lines joined by spaces) and body (what follows it). */
export function subjectAndBody (message: string): { subject: string, body: string } {
  const lines = normalised(message).split('\n')
  let i = 0
  while (i < lines.length && lines[i].trim() === '') i++
  const subject: string[] = []
  while (i < lines.length && lines[i].trim() !== '') subject.push(lines[i++].trim())
  while (i < lines.length && lines[i].trim() === '') i++
  const rest = lines.slice(i).join('\n')
  return { subject: subject.join(' '), body: rest === '' ? '' : rest.replace(/\n*$/, '\n') }
}

/**
 * An imported commit's people and dates are git's (author, committer, in
 * their own time zones); %ak is always the key that signed it, and %I
 * (acache's own) says where the commit came from.
 */
function person (e: LogEntry, who: 'a' | 'c'): { name: string, email: string, date: string, seconds: number } {
  const g = who === 'a' ? e.git?.author : e.git?.committer ?? e.git?.author
  if (g !== undefined) return { name: g.name, email: g.email, date: gitDate(g), seconds: g.when }
  return { name: e.author.name, email: e.author.key, date: e.time, seconds: Math.floor(Date.parse(e.time) / 1000) }
}

/** One commit in a pretty format. */
export function formatCommit (p: Pretty, e: LogEntry, short: (c: string) => string): string {
  const { subject, body } = subjectAndBody(e.message)
  const a = person(e, 'a')
  const c = person(e, 'c')
  let text = p.template.replace(/%(x[0-9a-fA-F]{2}|C\((\w+)\)|C(?:red|green|blue|reset)|Creset|[Hh]|[Tt]|[Pp]|a[nNeEkdDIitr]|c[nNeEdDIitr]|[sbBdDSwnmI%])/g, (_m, code: string, color: string | undefined) => {
    if (code.startsWith('x')) return String.fromCharCode(parseInt(code.slice(1), 16))
    switch (code) {
      case 'H': return e.commit
      case 'h': return short(e.commit)
      case 'T': return e.tree
      case 't': return short(e.tree)
      case 'P': return e.parents.join(' ')
      case 'p': return e.parents.map(short).join(' ')
      case 'an': case 'aN': return safe(a.name)
      case 'cn': case 'cN': return safe(c.name)
      case 'ae': case 'aE': return safe(a.email)
      case 'ce': case 'cE': return safe(c.email)
      case 'ak': return e.author.key
      case 'ad': case 'aD': return a.date
      case 'cd': case 'cD': return c.date
      case 'aI': case 'ai': return e.git?.author === undefined ? e.time : new Date(a.seconds * 1000).toISOString()
      case 'cI': case 'ci': return e.git?.committer === undefined ? e.time : new Date(c.seconds * 1000).toISOString()
      case 'at': return String(a.seconds)
      case 'ct': return String(c.seconds)
      case 'ar': return relativeTime(a.seconds * 1000)
      case 'cr': return relativeTime(c.seconds * 1000)
      case 'I': return e.git === undefined ? '' : `\nImported: from git ${e.git.id}, signed by ${safe(e.author.name)} <${e.author.key}>`
      case 's': return safeLines(subject)
      case 'b': return safeLines(body)
      case 'B': return safeLines(normalised(e.message))
      case 'w': return normalised(e.message).replace(/\n$/, '').split('\n').map(l => `    ${safeLines(expandTabs(l))}`).join('\n')
      case 'd': return e.refs === undefined ? '' : chalk.yellow(` (${e.refs.map(safe).join(', ')})`)
      case 'D': return (e.refs ?? []).map(safe).join(', ')
      case 'S': return e.signature === 'good' ? chalk.green('good') : chalk.red('BAD')
      case 'm': return ''
      case 'n': return '\n'
      case '%': return '%'
      case 'Creset': return chalk.reset('')
      default: return color !== undefined ? '' : ''
    }
  })
  // the Merge: line is for merges only
  if (p.kind === 'block' && e.parents.length < 2) text = text.replace(/^Merge: [^\n]*\n/m, '')
  return text
}

/** Tabs as spaces to the next multiple of 8 columns: git's --expand-tabs, on by default in the named formats. */
function expandTabs (line: string): string {
  if (!line.includes('\t')) return line
  let out = ''
  for (const ch of line) out += ch === '\t' ? ' '.repeat(8 - (out.length % 8)) : ch
  return out
}

/** "3 days ago", as git's relative dates. */
export function relativeTime (ms: number, now = Date.now()): string {
  const s = Math.round((now - ms) / 1000)
  const units: Array<[number, string]> = [[31536000, 'year'], [2592000, 'month'], [604800, 'week'], [86400, 'day'], [3600, 'hour'], [60, 'minute'], [1, 'second']]
  if (s < 0) return 'in the future'
  for (const [size, name] of units) {
    const n = Math.floor(s / size)
    if (n >= 1) return `${n} ${name}${n === 1 ? '' : 's'} ago`
  }
  return '0 seconds ago'
}
