import { describe, expect, it, vi } from 'vitest'
import { createHeldClaims, createUnsettledWrites } from '../src/unsettled.js'

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

describe('createHeldClaims: complete and release of a store outside the process', () => {
  it('releases only a claim it holds, once; a failed release is retried', async () => {
    const { state, writes } = store()
    const held = createHeldClaims(writes, 60_000)
    state.up = true
    await held.release('never-claimed')
    held.hold('k', 't1')
    await held.release('k')
    await held.release('k')
    expect(state.released).toEqual(['k:t1'])
    state.up = false
    held.hold('k', 't2')
    await expect(held.release('k')).rejects.toThrow('down')
    state.up = true
    await vi.waitFor(() => expect(state.released).toEqual(['k:t1', 'k:t2']))
  })

  it('a failed completion is retried, and answers completing() until written', async () => {
    const { state, writes } = store()
    const held = createHeldClaims(writes, 60_000)
    held.hold('k', 't1')
    await expect(held.complete('k')).rejects.toThrow('down')
    expect(held.completing('k')).toBe(true)
    state.up = true
    await vi.waitFor(() => expect(state.completed).toEqual(['k']))
    expect(held.completing('k')).toBe(false)
    await held.release('k') // completed: nothing of ours to release
    expect(state.released).toEqual([])
  })
})
