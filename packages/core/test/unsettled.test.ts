import { describe, expect, it, vi } from 'vitest'
import { createUnsettledWrites } from '../src/unsettled.js'

/** A store that refuses every write until `up` is set, recording what it took. */
function store() {
  const state = { up: false, completed: [] as string[], released: [] as string[] }
  const write = (what: string[], value: string) => {
    if (!state.up) return Promise.reject(new Error('down'))
    what.push(value)
    return Promise.resolve()
  }
  return {
    state,
    writes: {
      complete: (key: string) => write(state.completed, key),
      release: (key: string, token: string) => write(state.released, `${key}:${token}`),
    },
  }
}

describe('createUnsettledWrites: what a store could not write, retried in the background', () => {
  it('retries a completion until the store takes it, answering completing() meanwhile', async () => {
    const { state, writes } = store()
    const unsettled = createUnsettledWrites(writes, 10)
    unsettled.complete('k')
    expect(unsettled.completing('k')).toBe(true)
    await new Promise((r) => setTimeout(r, 40))
    expect(state.completed).toEqual([])
    state.up = true
    await vi.waitFor(() => expect(state.completed).toEqual(['k']))
    expect(unsettled.completing('k')).toBe(false)
  })

  it('deletes a claim once the store answers, unless it expired first', async () => {
    const { state, writes } = store()
    const unsettled = createUnsettledWrites(writes, 10)
    unsettled.release('live', 't1', Date.now() + 60_000)
    unsettled.release('expired', 't2', Date.now() + 20)
    await new Promise((r) => setTimeout(r, 40))
    state.up = true
    await vi.waitFor(() => expect(state.released).toEqual(['live:t1']))
    await new Promise((r) => setTimeout(r, 40))
    expect(state.released).toEqual(['live:t1'])
  })
})
