// Child process of the kill -9 test: runs ns.train.finetune with the JSON options in argv[2] and
// prints "step N" after every step so the parent knows when to kill it.
import { finetune } from '../../kernel/train/finetune';

const options = JSON.parse(process.argv[2]);
finetune({ ...options, onProgress: e => process.stdout.write(`step ${e.step}\n`) }).then(
  () => process.stdout.write('finished\n'),
  err => {
    process.stderr.write(String(err && err.stack));
    process.exitCode = 1;
  }
);
