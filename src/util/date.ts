const UNITS: Record<string, number> = { second: 1e3, minute: 60e3, hour: 3600e3, day: 86400e3, week: 7 * 86400e3, month: 30 * 86400e3, year: 365 * 86400e3 }

/**
 * A date as git's --since and --until take them: an ISO date or time
 * ("2026-12-01", "2026-12-01T10:00Z"), "N units ago" ("2 days ago",
 * "3.weeks.ago", "1 hour"), "yesterday", "today" (midnight, local time),
 * "now". Undefined when it is none of these.
 */
export function parseApproxDate (text: string, now = Date.now()): Date | undefined {
  const s = text.trim().toLowerCase().replace(/[._]/g, ' ').replace(/\s+/g, ' ')
  if (s === 'now') return new Date(now)
  if (s === 'today' || s === 'yesterday') {
    const d = new Date(now)
    d.setHours(0, 0, 0, 0)
    if (s === 'yesterday') d.setDate(d.getDate() - 1)
    return d
  }
  const m = /^(\d+|an?|one) (second|minute|hour|day|week|month|year)s?( ago)?$/.exec(s)
  if (m !== null) {
    const n = /^\d+$/.test(m[1]) ? Number(m[1]) : 1
    return new Date(now - n * UNITS[m[2]])
  }
  if (!/\d/.test(s)) return undefined
  const d = new Date(text.trim())
  return Number.isNaN(d.getTime()) ? undefined : d
}
