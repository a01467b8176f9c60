"""Starts pol serve on a free loopback port and talks to it: shared by the service's tests."""
import http.client
import json
import os
import queue
import signal
import subprocess
import threading
import time


class Server:
    """A running `pol serve`; its stderr log lines are kept in `log`."""

    def __init__(self, pol, folders, *options):
        self.process = subprocess.Popen([pol, "serve", "--port", "0", *options, *folders],
                                        stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
        self.log = []
        self.lines = queue.Queue()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()
        deadline = time.time() + 30
        self.port = None
        while self.port is None:
            line = self.lines.get(timeout=max(0.1, deadline - time.time()))
            if line is None:
                raise RuntimeError("pol serve ended before listening:\n" + "".join(self.log))
            event = json.loads(line)
            if event.get("event") == "listening":
                self.port = int(event["address"].rsplit(":", 1)[1])

    def _read(self):
        for line in self.process.stderr:
            self.log.append(line)
            self.lines.put(line)
        self.lines.put(None)

    def request(self, method, path, body=None, headers=None):
        """(status, headers, body text) of one request on a new connection."""
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        if isinstance(body, (dict, list)):
            body = json.dumps(body)
        c.request(method, path, body=body, headers=headers or {})
        r = c.getresponse()
        text = r.read().decode("utf-8")
        c.close()
        return r.status, dict(r.getheaders()), text

    def json(self, method, path, body=None):
        status, _, text = self.request(method, path, body)
        return status, json.loads(text)

    def signal(self, s):
        self.process.send_signal(s)

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        code = self.process.wait(timeout=30)
        self.reader.join(timeout=5)
        return code

    def events(self, name):
        out = []
        for line in self.log:
            try:
                e = json.loads(line)
            except ValueError:
                continue
            if e.get("event") == name:
                out.append(e)
        return out


class Checks:
    """Counts the checks that fail, each printed with what was seen."""

    def __init__(self):
        self.failures = 0

    def __call__(self, description, ok, detail=""):
        if not ok:
            self.failures += 1
            print(f"FAIL: {description}" + (f"\n{detail}" if detail else ""))


def wait_for(description, condition, seconds=10):
    deadline = time.time() + seconds
    while time.time() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {description}")
