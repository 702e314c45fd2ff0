"""Issue 13 through the real kernel and jupyter_client (run by test/notebook/kernel-trust.test.ts).

What a notebook user must be able to trust: an interrupted loop of model calls stops and prints
nothing more, names assigned before an error stay defined, magic placeholders are named in errors,
typed errors read as message/file/hint, ns.plot refuses what the extension would refuse, inspect
works inside a call, and a NiftiImage prints as a short summary. JUPYTER_PATH points at the temp
data dir where `neurostorm install --prefix` put the kernelspec; NEUROSTORM_SAMPLE_NII is a volume.
"""
import os
import threading
import time
import unittest

import nibabel
from jupyter_client.manager import start_new_kernel

SAMPLE = os.environ["NEUROSTORM_SAMPLE_NII"]
VOLUME_MIME = "application/vnd.neurostorm.volume+json"


class KernelTrust(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.km, cls.kc = start_new_kernel(kernel_name="neurostorm")
        cls.kc.execute_interactive('import * as ns from "neurostorm-lab"', timeout=120)

    @classmethod
    def tearDownClass(cls):
        cls.kc.stop_channels()
        cls.km.shutdown_kernel()

    def run_cell(self, code, timeout=120):
        outputs = []
        reply = self.kc.execute_interactive(code, timeout=timeout, output_hook=outputs.append)
        return reply["content"], outputs

    def value(self, code):
        content, outputs = self.run_cell(code)
        self.assertEqual(content["status"], "ok", content)
        results = [m["content"]["data"]["text/plain"] for m in outputs if m["msg_type"] == "execute_result"]
        self.assertEqual(len(results), 1, outputs)
        return results[0]

    @staticmethod
    def stdout(outputs):
        return "".join(m["content"]["text"] for m in outputs if m["msg_type"] == "stream")

    def test_names_assigned_before_an_error_stay_defined(self):
        self.run_cell('let kept = "old"; let other = 1')
        content, _ = self.run_cell(
            'const a = 41;\nlet b = [a, 1];\nlet kept = (() => { throw new Error("boom") })();\nconst late = 3;'
        )
        self.assertEqual(content["status"], "error")
        self.assertEqual(content["evalue"], "boom")
        # Assigned before the error: defined with their types. Declared but never reached: the earlier
        # `kept` (a string) is back; `late` was never assigned and stays undeclared.
        self.assertEqual(self.value("a + b[0] + b[1]"), "83")
        self.assertEqual(self.value("kept.toUpperCase()"), "'OLD'")
        content, _ = self.run_cell("late")
        self.assertEqual(content["ename"], "CompileError")
        self.assertIn("late", content["evalue"])

    def test_names_assigned_before_an_interrupt_stay_defined(self):
        timer = threading.Timer(2.0, self.km.interrupt_kernel)
        timer.start()
        content, _ = self.run_cell(
            'const before = 7;\nfor await (const i of ns.notebook.track(1e12, "spin")) { }\nconst after = 1;', timeout=60
        )
        timer.join()
        self.assertEqual(content["ename"], "AbortedError")
        self.assertEqual(self.value("before * 6"), "42")

    def test_an_interrupted_model_loop_stops_and_prints_nothing_after(self):
        self.run_cell(
            "const m = ns.models.create(ns.models.demoConfig(), { seed: 1 });\n"
            "const x = { data: new Float32Array(24 * 24 * 24 * 4), shape: [1, 1, 24, 24, 24, 4] };\n"
            "let calls = 0;"
        )
        # No signal is passed by hand: the cell's ambient signal stops the next model run.
        timer = threading.Timer(3.0, self.km.interrupt_kernel)
        timer.start()
        content, outputs = self.run_cell(
            "for (let i = 0; ; i++) { await m.backbone(x); calls++; console.log(`step ${i}`); }", timeout=60
        )
        timer.join()
        self.assertEqual(content["status"], "error")
        self.assertEqual(content["ename"], "AbortedError")
        self.assertIn("model run interrupted", content["evalue"])
        steps = self.stdout(outputs).split()
        self.assertGreater(steps.count("step"), 0)
        error_at = next(i for i, m in enumerate(outputs) if m["msg_type"] == "error")
        self.assertFalse([m for m in outputs[error_at + 1 :] if m["msg_type"] == "stream"])
        calls_at_report = int(self.value("calls"))
        self.assertEqual(calls_at_report, steps.count("step"))
        # Two seconds later nothing more ran and nothing printed into the next cell.
        content, outputs = self.run_cell('await new Promise(r => setTimeout(r, 2000)); "waited"')
        self.assertEqual(self.stdout(outputs), "")
        self.assertEqual(int(self.value("calls")), calls_at_report)

    def test_work_released_after_an_interrupt_prints_nothing_more(self):
        # A loop with no safe point: tslab releases the cell after the grace period; what the loop
        # still does must not print into later cells.
        timer = threading.Timer(1.5, self.km.interrupt_kernel)
        timer.start()
        content, _ = self.run_cell(
            "let ticks = 0;\nfor (;;) { await new Promise(r => setTimeout(r, 20)); ticks++; console.log('tick'); }",
            timeout=60,
        )
        timer.join()
        self.assertEqual(content["ename"], "AbortedError")
        content, outputs = self.run_cell('await new Promise(r => setTimeout(r, 500)); "later"')
        self.assertNotIn("tick", self.stdout(outputs))

    def test_magic_placeholders_name_themselves_and_take_expressions(self):
        content, _ = self.run_cell(f'%neurostorm view {SAMPLE} --title {{nosuchname}}')
        self.assertEqual(content["ename"], "CompileError")
        self.assertIn("placeholder {nosuchname}", content["evalue"])
        self.assertIn("Cannot find name 'nosuchname'", content["evalue"])
        content, outputs = self.run_cell(f'const runName = "run"; const nrun = 1;\n%neurostorm view {SAMPLE} --title {{runName + (nrun + 1)}}')
        self.assertEqual(content["status"], "ok", content)
        payload = next(m["content"]["data"][VOLUME_MIME] for m in outputs if m["msg_type"] == "display_data")
        self.assertEqual(payload["title"], "run2")

    def test_typed_and_file_errors_read_as_sentences_without_internal_frames(self):
        content, _ = self.run_cell('await ns.nifti.read("/nonexistent/sub-01_bold.nii.gz")')
        self.assertEqual(content["status"], "error")
        text = "\n".join(content["traceback"])
        self.assertIn("/nonexistent/sub-01_bold.nii.gz", text)
        self.assertNotIn("ENOENT:", content["traceback"][0])
        self.assertNotIn("evalmachine", text)
        self.assertNotIn(" at ", text)
        content, _ = self.run_cell('ns.plot({ kind: "confusion", labels: ["a", "b"], matrix: [[1]], normalized: false })')
        self.assertEqual(content["ename"], "PayloadError")
        self.assertEqual(content["traceback"][0].split(":")[0], "PayloadError [E_PAYLOAD]")
        self.assertTrue(any(line.startswith("  hint: ") for line in content["traceback"]))
        self.assertFalse(any(line.lstrip().startswith("at ") for line in content["traceback"]))

    def test_plot_refuses_an_auc_outside_0_1_like_the_extension(self):
        content, _ = self.run_cell(
            'ns.plot({ kind: "roc", curves: [{ label: "m", fpr: [0, 0.5, 1], tpr: [0, 0.8, 1], auc: 1.5 }] })'
        )
        self.assertEqual(content["ename"], "PayloadError")
        self.assertIn("curves[0].auc", content["evalue"])
        content, _ = self.run_cell(
            'ns.plot({ kind: "roc", curves: [{ label: "m", fpr: [0, 0.5, 1], tpr: [0, 0.8, 1], auc: 0.9 }] })'
        )
        self.assertEqual(content["status"], "ok")

    def test_inspect_inside_a_call_finds_the_callee(self):
        code = "const loaded = ns.models.load("
        msg_id = self.kc.inspect(code, len(code))
        reply = self.kc.get_shell_msg(timeout=30)
        self.assertEqual(reply["parent_header"]["msg_id"], msg_id)
        self.assertTrue(reply["content"]["found"])
        doc = reply["content"]["data"]["text/plain"]
        self.assertIn("load(target: string", doc)
        # The doc comment comes with the signature.
        self.assertIn("Loads official weights", doc)

    def test_a_nifti_image_prints_a_short_summary(self):
        text = self.value(f'await ns.nifti.read("{SAMPLE}")')
        lines = text.split("\n")
        self.assertEqual(lines[0], f"<NiftiImage {SAMPLE}>")
        # nibabel, the peer, reads the same shape and stored dtype.
        peer = nibabel.load(SAMPLE)
        self.assertEqual(lines[1], f"data shape {peer.shape}, {peer.get_data_dtype()}")
        self.assertIn("voxel sizes (2, 2, 2) mm", lines[2])
        self.assertLess(len(lines), 10)

    def test_model_inputs_from_another_realm_and_bare_arrays(self):
        self.run_cell("const mm = ns.models.create(ns.models.demoConfig(), { seed: 2 });")
        # A Float32Array made in another V8 context (vm) is still a Float32Array.
        shape = self.value(
            'const other = require("vm").runInNewContext("new Float32Array(24 * 24 * 24 * 4)");\n'
            "(await mm.backbone({ data: other, shape: [1, 1, 24, 24, 24, 4] })).shape"
        )
        self.assertRegex(shape, r"^\[ 1, \d+, \d+, \d+, \d+, 4 \]$")
        content, _ = self.run_cell("const bare: any = new Float32Array(24 * 24 * 24 * 4);\nawait mm.backbone(bare)")
        self.assertEqual(content["ename"], "ShapeError")
        self.assertIn("input must be { data, shape }", content["evalue"])


if __name__ == "__main__":
    unittest.main()
