#!/usr/bin/python3
"""classificationpublish method=mqtt against a real broker.

Starts mosquitto on free loopback ports with its own configuration: a plain
listener, a TLS listener, a TLS listener that requires a client
certificate (certificates made by openssl for this run) and one that
requires a user name and password.  mosquitto_sub
is the consumer.  Every message is validated against the JSON Schema and
compared with resnetclassify's bus message of the same frame.

Usage: test-publish-mqtt.py MODEL LABELS SCHEMA
(GST_PLUGIN_PATH points at the build tree.)"""

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest

import gi

gi.require_version("Gst", "1.0")
from gi.repository import Gst  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import importlib  # noqa: E402

validate_json = importlib.import_module("validate-json")

MODEL = LABELS = VALIDATOR = None


def find(program):
    path = shutil.which(program) or shutil.which(program, path="/usr/sbin:/usr/bin")
    if path is None:
        raise unittest.SkipTest(f"{program} is not installed")
    return path


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port, timeout=10.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on port {port}")


def openssl(*args, cwd):
    subprocess.run([find("openssl"), *args], cwd=cwd, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def make_ca(d, name):
    openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
            "-nodes", "-keyout", f"{name}.key", "-out", f"{name}.pem", "-days", "2",
            "-subj", f"/CN=oclresnet test {name}", cwd=d)


def make_cert(d, name, ca, cn, san=None):
    openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
            "-nodes", "-keyout", f"{name}.key", "-out", f"{name}.csr",
            "-subj", f"/CN={cn}", cwd=d)
    ext = []
    if san:
        with open(os.path.join(d, f"{name}.ext"), "w") as f:
            f.write(f"subjectAltName={san}\n")
        ext = ["-extfile", f"{name}.ext"]
    openssl("x509", "-req", "-in", f"{name}.csr", "-CA", f"{ca}.pem", "-CAkey", f"{ca}.key",
            "-CAcreateserial", "-out", f"{name}.pem", "-days", "2", *ext, cwd=d)


class Broker:
    """mosquitto on four loopback ports: plain, TLS, TLS + client
    certificate, and user name + password."""

    def __init__(self, d):
        self.dir = d
        self.port, self.tls_port, self.mtls_port, self.auth_port = (
            free_port(), free_port(), free_port(), free_port())
        self.conf = os.path.join(d, "mosquitto.conf")
        passwords = os.path.join(d, "passwords")
        open(passwords, "w").close()
        subprocess.run([find("mosquitto_passwd"), "-b", passwords, "camera", "s3cret"],
                       check=True)
        with open(self.conf, "w") as f:
            f.write(f"""per_listener_settings true
persistence false
log_dest file {d}/broker.log
user root
listener {self.port} 127.0.0.1
allow_anonymous true
listener {self.tls_port} 127.0.0.1
allow_anonymous true
cafile {d}/ca.pem
certfile {d}/server.pem
keyfile {d}/server.key
listener {self.mtls_port} 127.0.0.1
allow_anonymous true
cafile {d}/ca.pem
certfile {d}/server.pem
keyfile {d}/server.key
require_certificate true
listener {self.auth_port} 127.0.0.1
allow_anonymous false
password_file {passwords}
""")
        if os.geteuid() != 0:
            # 'user' is only for a broker started as root.
            with open(self.conf) as f:
                text = f.read().replace("user root\n", "")
            with open(self.conf, "w") as f:
                f.write(text)
        self.proc = None

    def start(self):
        self.proc = subprocess.Popen([find("mosquitto"), "-c", self.conf],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for p in (self.port, self.tls_port, self.mtls_port, self.auth_port):
            wait_for_port(p)

    def stop(self):
        if self.proc:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait()
            self.proc = None


class Subscriber:
    """mosquitto_sub on oclresnet/#: a list of (topic, payload) as they come."""

    def __init__(self, port):
        self.messages = []
        self.lock = threading.Lock()
        self.proc = subprocess.Popen(
            [find("mosquitto_sub"), "-h", "127.0.0.1", "-p", str(port), "-q", "1",
             "-t", "oclresnet/#", "-F", "%t %p"],
            stdout=subprocess.PIPE, text=True)
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()
        # Subscribed once a probe comes back.
        end = time.monotonic() + 10
        while time.monotonic() < end:
            subprocess.run([find("mosquitto_pub"), "-h", "127.0.0.1", "-p", str(port),
                            "-t", "oclresnet/probe", "-m", "probe"], check=True)
            time.sleep(0.1)
            if any(t == "oclresnet/probe" for t, _ in self.received()):
                return
        raise RuntimeError("the subscriber never got its probe")

    def _read(self):
        for line in self.proc.stdout:
            topic, _, payload = line.rstrip("\n").partition(" ")
            with self.lock:
                self.messages.append((topic, payload))

    def received(self, topic=None):
        with self.lock:
            return [(t, p) for t, p in self.messages if topic is None or t == topic]

    def wait_for(self, topic, count, timeout=10.0):
        end = time.monotonic() + timeout
        while time.monotonic() < end and len(self.received(topic)) < count:
            time.sleep(0.05)
        return [json.loads(p) for _, p in self.received(topic)]

    def stop(self):
        self.proc.terminate()
        self.proc.wait()
        self.reader.join()
        self.proc.stdout.close()


def run_pipeline(desc, timeout=60, during=None):
    """Runs to EOS; returns (bus results by frame, warnings, infos, publisher, seconds)."""
    pipeline = Gst.parse_launch(desc)
    bus = pipeline.get_bus()
    results, warnings, infos, errors = {}, [], [], []
    start = time.monotonic()
    pipeline.set_state(Gst.State.PLAYING)
    worker = threading.Thread(target=during, daemon=True) if during else None
    if worker:
        worker.start()
    eos = False
    while time.monotonic() - start < timeout:
        msg = bus.timed_pop_filtered(
            100 * Gst.MSECOND, Gst.MessageType.ELEMENT | Gst.MessageType.EOS
            | Gst.MessageType.ERROR | Gst.MessageType.WARNING | Gst.MessageType.INFO)
        if msg is None:
            continue
        if msg.type == Gst.MessageType.EOS:
            eos = True
            break
        if msg.type == Gst.MessageType.ERROR:
            errors.append(msg.parse_error()[0].message)
            break
        if msg.type == Gst.MessageType.WARNING:
            warnings.append(msg.parse_warning()[0].message)
        elif msg.type == Gst.MessageType.INFO:
            infos.append(msg.parse_info()[0].message)
        elif msg.get_structure().get_name() == "resnetclassify":
            s = msg.get_structure()
            results[s.get_value("frame")] = (s.get_value("class-id"), s.get_string("label"))
    seconds = time.monotonic() - start
    if worker:
        worker.join()
    pipeline.set_state(Gst.State.NULL)
    if errors:
        raise AssertionError(f"pipeline error: {errors}")
    if not eos:
        raise AssertionError(f"no EOS within {timeout} s")
    # The final counters, kept after stop (what was undelivered at stop
    # counts as dropped).
    publisher = pipeline.get_by_name("pub")
    counts = (publisher.get_property("published"), publisher.get_property("dropped"))
    return results, warnings, infos, counts, seconds


def pipeline(frames, publish_args, live=False, pattern="ball"):
    live_args = "is-live=true" if live else ""
    return (f"videotestsrc {live_args} num-buffers={frames} pattern={pattern} ! "
            "video/x-raw,width=64,height=48,framerate=30/1 ! "
            f"resnetclassify model=\"{MODEL}\" labels=\"{LABELS}\" top-k=3 "
            "post-messages=every ! "
            f"classificationpublish name=pub method=mqtt {publish_args} ! "
            f"fakesink sync={'true' if live else 'false'}")


class MqttTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="oclresnet-mqtt-")
        make_ca(cls.dir, "ca")
        make_ca(cls.dir, "other-ca")
        make_cert(cls.dir, "server", "ca", "localhost", "DNS:localhost,IP:127.0.0.1")
        make_cert(cls.dir, "client", "ca", "camera-1")
        cls.broker = Broker(cls.dir)
        cls.broker.start()

    @classmethod
    def tearDownClass(cls):
        cls.broker.stop()
        shutil.rmtree(cls.dir, ignore_errors=True)

    def setUp(self):
        if self.broker.proc is None:
            self.broker.start()
        self.sub = Subscriber(self.broker.port)

    def tearDown(self):
        self.sub.stop()

    def check_messages(self, messages, bus, source, frames):
        """One valid message per frame, with the bus message's answer."""
        for m in messages:
            problems = validate_json.validate(VALIDATOR, json.dumps(m))
            self.assertEqual(problems, [], m)
            self.assertEqual(m["source"], source)
        by_frame = {m["frame"]: m for m in messages}
        self.assertEqual(len(by_frame), len(messages), "a frame published twice")
        self.assertEqual(sorted(by_frame), list(frames))
        for f in frames:
            r = by_frame[f]["results"][0]
            self.assertEqual((r["classes"][0]["class_id"], r["classes"][0]["label"]), bus[f],
                             f"frame {f}")
            self.assertEqual(r["roi_id"], -1)
            self.assertTrue(r["fresh"])

    def test_every_frame_each_qos(self):
        for qos in (0, 1, 2):
            with self.subTest(qos=qos):
                topic = f"oclresnet/cam-q{qos}"
                bus, warnings, _, counts, _ = run_pipeline(pipeline(
                    40, f"address=127.0.0.1:{self.broker.port} qos={qos} source=cam-q{qos}"))
                self.assertEqual(warnings, [])
                self.assertEqual(counts, (40, 0))
                self.assertEqual(len(bus), 40)
                self.check_messages(self.sub.wait_for(topic, 40), bus, f"cam-q{qos}", range(40))

    def test_topic_and_on_change(self):
        bus, _, _, counts, _ = run_pipeline(pipeline(
            30, f"address=localhost:{self.broker.port} topic=oclresnet/site/gate "
            "publish=on-change", pattern="smpte"))
        messages = self.sub.wait_for("oclresnet/site/gate", counts[0])
        self.assertGreaterEqual(counts[0], 1)
        self.assertEqual(len(messages), counts[0])
        tops = [bus[f][0] for f in sorted(bus)]
        changes = [0] + [f for f in range(1, 30) if tops[f] != tops[f - 1]]
        self.assertEqual([m["frame"] for m in messages], changes)

    def test_broker_restart(self):
        """The broker goes away for 1.2 s in a live stream and comes back."""
        sub = [self.sub]

        def outage():
            time.sleep(0.8)
            self.broker.stop()
            time.sleep(1.2)
            self.broker.start()
            sub.append(Subscriber(self.broker.port))

        frames = 120              # 4 s at 30 fps
        bus, warnings, infos, (published, dropped), seconds = run_pipeline(pipeline(
            frames, f"address=127.0.0.1:{self.broker.port} qos=1 max-queued=5 "
            "reconnect-max-delay=1 source=cam-live", live=True), during=outage)
        print(f"restart: {published} published, {dropped} dropped, {seconds:.2f} s, "
              f"warnings {warnings}, infos {infos}", file=sys.stderr)
        try:
            self.assertEqual(len(bus), frames)
            self.assertEqual(published + dropped, frames)
            self.assertGreater(dropped, 0, "an outage of 36 frames with max-queued=5")
            self.assertEqual(len([w for w in warnings if "Cannot reach" in w]), 1, warnings)
            self.assertTrue(any("again" in i for i in infos), infos)
            # Live: the streaming thread never waited for the broker.
            self.assertLess(seconds, frames / 30 + 3)
            after = sub[-1].wait_for("oclresnet/cam-live", 1)
            self.assertTrue(after, "nothing arrived after the restart")
            self.assertIn(frames - 1, [m["frame"] for m in after], "the last frame is missing")
            for m in after:
                self.assertEqual(validate_json.validate(VALIDATOR, json.dumps(m)), [])
                self.assertEqual(m["results"][0]["classes"][0]["class_id"], bus[m["frame"]][0])
        finally:
            for s in sub[1:]:
                s.stop()

    def test_tls(self):
        d = self.dir
        bus, warnings, _, counts, _ = run_pipeline(pipeline(
            20, f"address=localhost:{self.broker.tls_port} ca-file={d}/ca.pem qos=1 "
            "source=cam-tls"))
        self.assertEqual(warnings, [])
        self.assertEqual(counts, (20, 0))
        self.check_messages(self.sub.wait_for("oclresnet/cam-tls", 20), bus, "cam-tls", range(20))

        # A broker that wants a client certificate.
        bus, warnings, _, counts, _ = run_pipeline(pipeline(
            10, f"address=localhost:{self.broker.mtls_port} ca-file={d}/ca.pem "
            f"cert-file={d}/client.pem key-file={d}/client.key qos=1 source=cam-mtls"))
        self.assertEqual((warnings, counts), ([], (10, 0)))
        self.check_messages(self.sub.wait_for("oclresnet/cam-mtls", 10), bus, "cam-mtls",
                            range(10))

    def test_refused_tls_warns(self):
        """A broker whose certificate we do not trust, and one that wants a
        client certificate we do not have: warnings, EOS, all dropped."""
        d = self.dir
        for port, extra in ((self.broker.tls_port, f"ca-file={d}/other-ca.pem"),
                            (self.broker.mtls_port, f"ca-file={d}/ca.pem")):
            with self.subTest(port=port):
                _, warnings, _, counts, seconds = run_pipeline(pipeline(
                    10, f"address=localhost:{port} {extra} qos=1 source=cam-bad"), timeout=30)
                self.assertTrue(any("Cannot reach" in w for w in warnings), warnings)
                self.assertEqual(counts, (0, 10))
                self.assertLess(seconds, 10)
        self.assertEqual(self.sub.received("oclresnet/cam-bad"), [])

    def test_username_password(self):
        bus, warnings, _, counts, _ = run_pipeline(pipeline(
            10, f"address=127.0.0.1:{self.broker.auth_port} username=camera password=s3cret "
            "qos=1 source=cam-auth"))
        self.assertEqual((warnings, counts), ([], (10, 0)))
        self.check_messages(self.sub.wait_for("oclresnet/cam-auth", 10), bus, "cam-auth",
                            range(10))
        # A wrong password: the broker refuses the connection, we warn.
        _, warnings, _, counts, seconds = run_pipeline(pipeline(
            10, f"address=127.0.0.1:{self.broker.auth_port} username=camera password=wrong "
            "qos=1 source=cam-auth-bad"), timeout=30)
        self.assertEqual(len(warnings), 1, warnings)
        self.assertIn("not authorised", warnings[0])
        self.assertEqual(counts, (0, 10))
        self.assertLess(seconds, 10)

    def test_wrong_address_warns(self):
        _, warnings, _, counts, seconds = run_pipeline(pipeline(
            10, f"address=127.0.0.1:{free_port()} qos=1"), timeout=30)
        self.assertEqual(len(warnings), 1, warnings)
        self.assertIn("Cannot reach the MQTT broker", warnings[0])
        self.assertEqual(counts, (0, 10))
        self.assertLess(seconds, 5)


def main():
    global MODEL, LABELS, VALIDATOR
    MODEL, LABELS, schema = sys.argv[1:4]
    VALIDATOR = validate_json.load_validator(schema)
    Gst.init(None)
    unittest.main(argv=[sys.argv[0], "-v"] + sys.argv[4:])


if __name__ == "__main__":
    main()
