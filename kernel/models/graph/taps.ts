/**
 * Named intermediate outputs ("taps") for localising a parity mismatch (fixture names such as
 * `inter.layers.0`, `inter.layers.0.blocks.0.mamba.in`): a tap becomes a graph output only when requested.
 */
import type { Graph } from '../../graph/graph';
import type { Tensor } from '../../graph/tensor';

export class Taps {
  constructor(
    private readonly graph: Graph,
    private readonly wanted: ReadonlySet<string>,
    /** Prefix added to every name (e.g. `inter.` or `mae_inter.`). */
    private readonly prefix: string
  ) {}

  /** Makes `t` the graph output `<prefix><name>` when that name was requested. */
  record(name: string, t: Tensor): void {
    const full = `${this.prefix}${name}`;
    if (this.wanted.has(full) && !this.graph.outputs.has(full)) this.graph.output(full, t);
  }
}
