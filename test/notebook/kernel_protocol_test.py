"""The NeuroSTORM kernel against Jupyter's own clients (run by test/notebook/kernel-protocol.test.ts).

jupyter_kernel_test (Debian python3-jupyter-kernel-test) checks the messaging protocol: kernel_info,
execute (stdout, stderr, results, errors), completion, inspection, is_complete and display_data with
our MIME types. The second class drives interrupts, by SIGINT (the kernelspec's interrupt_mode) and
by interrupt_request on the control channel, through jupyter_client. JUPYTER_PATH points at the temp
data dir where `neurostorm install --prefix` put the kernelspec; NEUROSTORM_SAMPLE_NII is a volume.
"""
import os
import threading
import time
import unittest

import jupyter_kernel_test
import zmq
from jupyter_client.manager import start_new_kernel

SAMPLE = os.environ["NEUROSTORM_SAMPLE_NII"]
VOLUME_MIME = "application/vnd.neurostorm.volume+json"
PLOT_MIME = "application/vnd.neurostorm.plot+json"
PROGRESS_MIME = "application/vnd.neurostorm.progress+json"
PLOT_CELL = (
    'import * as ns from "neurostorm-lab"\n'
    'ns.display(ns.plot({ kind: "scatter", x: [1, 2, 3], y: [2, 4, 7], r: 0.99, xLabel: "x", yLabel: "y" }))'
)


class NeuroStormKernelTests(jupyter_kernel_test.KernelTests):
    kernel_name = "neurostorm"
    language_name = "typescript"
    file_extension = ".ts"

    code_hello_world = 'console.log("hello, world")'
    code_stderr = 'console.error("to stderr")'
    completion_samples = [{"text": "Math.ma", "matches": {"max"}}, {"text": "%neurostorm vi", "matches": {"view"}}]
    complete_code_samples = ["1 + 1", "const a = 1;", "%neurostorm help"]
    incomplete_code_samples = ["function f(x: number) {"]
    code_generate_error = 'throw new Error("boom")'
    code_execute_result = [
        {"code": "6 * 7", "result": "42"},
        {"code": '"neuro" + "storm"', "result": "'neurostorm'"},
    ]
    code_inspect_sample = "Math.max"
    code_display_data = [
        {"code": f"%neurostorm view {SAMPLE}", "mime": VOLUME_MIME},
        {"code": f"%neurostorm view {SAMPLE}", "mime": "image/png"},
        {"code": f"%neurostorm view {SAMPLE}", "mime": "text/plain"},
        {"code": PLOT_CELL, "mime": PLOT_MIME},
        {"code": PLOT_CELL, "mime": "image/png"},
    ]


class NeuroStormKernelBehaviour(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.km, cls.kc = start_new_kernel(kernel_name="neurostorm")

    @classmethod
    def tearDownClass(cls):
        cls.kc.stop_channels()
        cls.km.shutdown_kernel()

    def run_cell(self, code, timeout=60):
        outputs = []
        reply = self.kc.execute_interactive(code, timeout=timeout, output_hook=outputs.append)
        return reply["content"], outputs

    def interrupt_long_loop(self, interrupt):
        content, _ = self.run_cell('import * as ns from "neurostorm-lab"\nlet spins = 0')
        self.assertEqual(content["status"], "ok")
        timer = threading.Timer(1.5, interrupt)
        timer.start()
        started = time.time()
        content, outputs = self.run_cell('for await (const i of ns.notebook.track(1e12, "spin")) { spins += i % 7 }', timeout=30)
        timer.join()
        self.assertLess(time.time() - started, 20)
        self.assertEqual(content["status"], "error")
        self.assertEqual(content["ename"], "AbortedError")
        # The progress display ended as "interrupted" (update_display_data of the same display id).
        updates = [m for m in outputs if m["msg_type"] == "update_display_data"]
        self.assertTrue(updates, "no progress update was sent")
        self.assertEqual(updates[-1]["content"]["data"][PROGRESS_MIME]["state"], "interrupted")
        first = next(m for m in outputs if m["msg_type"] == "display_data")
        self.assertEqual(updates[-1]["content"]["transient"]["display_id"], first["content"]["transient"]["display_id"])
        # The kernel is alive and the loop's work is visible to the next cell.
        content, outputs = self.run_cell("spins > 0")
        self.assertEqual(content["status"], "ok")
        result = [m for m in outputs if m["msg_type"] == "execute_result"]
        self.assertEqual(result[0]["content"]["data"]["text/plain"], "true")

    def test_interrupt_by_signal(self):
        self.interrupt_long_loop(self.km.interrupt_kernel)

    def test_interrupt_by_message(self):
        replies = []

        def send():
            # A plain DEALER on the control port, signed by the manager's session: jupyter_client's
            # own channels are asyncio-bound and cannot be used from this timer thread.
            info = self.km.get_connection_info()
            sock = zmq.Context.instance().socket(zmq.DEALER)
            sock.linger = 0
            sock.connect(f"{info['transport']}://{info['ip']}:{info['control_port']}")
            self.km.session.send(sock, "interrupt_request", {})
            if sock.poll(10000):
                _, frames = self.km.session.feed_identities(sock.recv_multipart())
                replies.append(self.km.session.deserialize(frames))
            sock.close()

        self.interrupt_long_loop(send)
        self.assertEqual(len(replies), 1)
        self.assertEqual(replies[0]["header"]["msg_type"], "interrupt_reply")
        self.assertEqual(replies[0]["content"]["status"], "ok")

    def test_bad_magics_are_short_errors_and_the_kernel_survives(self):
        content, outputs = self.run_cell("%neurostorm frobnicate --x 1")
        self.assertEqual(content["status"], "error")
        self.assertEqual(content["ename"], "UsageError")
        self.assertIn('unknown verb "frobnicate"', content["evalue"])
        # Message (and hint) only: a usage error is not a bug, no stack frames.
        self.assertTrue(content["traceback"][0].startswith('UsageError [E_USAGE]: unknown verb "frobnicate"'))
        self.assertFalse([line for line in content["traceback"] if line.lstrip().startswith("at ")])
        content, _ = self.run_cell("%neurostorm info --colour")
        self.assertEqual(content["ename"], "UsageError")
        self.assertIn("usage: %neurostorm info", content["evalue"])
        content, outputs = self.run_cell("%neurostorm help")
        self.assertEqual(content["status"], "ok")
        text = "".join(m["content"]["text"] for m in outputs if m["msg_type"] == "stream")
        for verb in ("help", "info", "view"):
            self.assertRegex(text, rf"\n  {verb}\s")

    def test_info_reports_versions_and_providers(self):
        content, outputs = self.run_cell("%neurostorm info")
        self.assertEqual(content["status"], "ok")
        text = "".join(m["content"]["text"] for m in outputs if m["msg_type"] == "stream" and m["content"]["name"] == "stdout")
        self.assertRegex(text, r"neurostorm-lab\s+\d+\.\d+\.\d+")
        self.assertRegex(text, r"\n  cpu\s+usable")
        self.assertRegex(text, r"kernel: tslab 1\.0\.22, TypeScript \d+\.\d+")

    def test_kernel_info_names_the_kernel(self):
        self.kc.kernel_info()
        reply = self.kc.get_shell_msg(timeout=10)
        self.assertEqual(reply["content"]["implementation"], "neurostorm")
        self.assertEqual(reply["content"]["status"], "ok")


if __name__ == "__main__":
    unittest.main()
