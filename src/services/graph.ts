/**
 * `log --graph`: ASCII lanes as git draws them, for commits given in
 * topological order (children first). Each commit gets the lane that waits
 * for it ('*'); a merge opens a lane for each further parent ('\'); two
 * lanes waiting for the same commit join ('/'); a root ends its lane.
 * Lane i is drawn at column 2i.
 */
export interface GraphRow { commit: string, parents: string[] }

function line (width: number, marks: Array<[number, string]>): string {
  const cells = Array.from({ length: Math.max(1, width) }, () => ' ')
  for (const [at, ch] of marks) cells[at] = ch
  return cells.join('').trimEnd()
}

export class Graph {
  private lanes: string[] = []

  /** The prefix of a commit's first line, of its other lines, and the connector lines that follow it. */
  next (row: GraphRow): { head: string, body: string, after: string[] } {
    let col = this.lanes.indexOf(row.commit)
    if (col < 0) { this.lanes.push(row.commit); col = this.lanes.length - 1 }
    const head = line(2 * this.lanes.length, this.lanes.map((_, i) => [2 * i, i === col ? '*' : '|']))
    const after: string[] = []
    const [first, ...rest] = row.parents
    if (first === undefined) {
      after.push(...this.remove(col, false))
    } else {
      this.lanes[col] = first
      const opened = rest.filter(p => !this.lanes.includes(p))
      if (opened.length > 0) {
        const before = this.lanes.length
        this.lanes.splice(col + 1, 0, ...opened)
        const marks: Array<[number, string]> = []
        for (let i = 0; i <= col; i++) marks.push([2 * i, '|'])
        for (let k = 1; k <= opened.length; k++) marks.push([2 * (col + k) - 1, '\\'])
        for (let j = col + 1; j < before; j++) marks.push([2 * (j + opened.length) - 1, '\\'])
        after.push(line(2 * this.lanes.length, marks))
      }
    }
    // lanes waiting for one commit join the leftmost of them
    for (let i = 0; i < this.lanes.length; i++) {
      const j = this.lanes.indexOf(this.lanes[i], i + 1)
      if (j >= 0) { after.push(...this.remove(j, true)); i-- }
    }
    const body = line(2 * this.lanes.length, this.lanes.map((_, i) => [2 * i, '|']))
    return { head, body, after }
  }

  /** Takes lane `at` out; the lanes right of it move one to the left ('/'). */
  private remove (at: number, joins: boolean): string[] {
    const before = this.lanes.length
    this.lanes.splice(at, 1)
    if (at >= this.lanes.length && !joins) return []
    const marks: Array<[number, string]> = []
    for (let i = 0; i < at; i++) marks.push([2 * i, '|'])
    for (let i = joins ? at : at + 1; i < before; i++) marks.push([2 * i - 1, '/'])
    return [line(2 * before, marks)]
  }
}
