// Jest runs each test file in a vm context with its own typed-array constructors; onnxruntime-node
// checks `data instanceof Float32Array` against the main realm's ones and refuses the vm's.
// Sharing the host's typed arrays and buffers keeps tensors created in tests acceptable to it.
const { TestEnvironment } = require('jest-environment-node');

const SHARED = [
  'Float32Array', 'Float64Array', 'Int8Array', 'Uint8Array', 'Uint8ClampedArray', 'Int16Array',
  'Uint16Array', 'Int32Array', 'Uint32Array', 'BigInt64Array', 'BigUint64Array', 'ArrayBuffer',
  'SharedArrayBuffer', 'DataView', 'Buffer'
];

class SharedTypedArrayEnvironment extends TestEnvironment {
  constructor(config, context) {
    super(config, context);
    for (const name of SHARED) if (name in globalThis) this.global[name] = globalThis[name];
  }
}

module.exports = SharedTypedArrayEnvironment;
