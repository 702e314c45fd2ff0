/**
 * Declares model parameters on a graph by their official state_dict names (spec §2.9), lazily and
 * once each, with shapes from the expected layout and a trainability rule (TPT: prompts + head).
 */
import { WeightsError } from '../../errors';
import type { DType } from '../../graph/dtype';
import type { Graph } from '../../graph/graph';
import type { Tensor } from '../../graph/tensor';
import type { ParamShapes } from '../weights/state-dict';

export class ParamScope {
  private readonly declared = new Map<string, Tensor>();

  constructor(
    readonly graph: Graph,
    private readonly shapes: ParamShapes,
    private readonly trainable: (name: string) => boolean = () => true,
    readonly dtype: DType = 'float32'
  ) {}

  /** The parameter `name` (declared on first use). */
  get(name: string): Tensor {
    let t = this.declared.get(name);
    if (!t) {
      const shape = this.shapes.get(name);
      if (!shape) throw new WeightsError(`the model graph needs parameter "${name}", which the configuration does not define`);
      t = this.graph.param(name, shape, { dtype: this.dtype, trainable: this.trainable(name) });
      this.declared.set(name, t);
    }
    return t;
  }

  /** Parameters declared so far (the ones the graph uses). */
  names(): string[] {
    return [...this.declared.keys()];
  }
}
