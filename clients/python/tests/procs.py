"""Real processes for the tests: redis-server and actorcache nodes on free loopback ports.

Every process is started here and stopped by its PID; waits poll a port file or a port
with a deadline (no fixed sleeps), and a process that does not come up fails the test
with the tail of its log.
"""
from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path
from typing import Callable, List, Optional

REPO = Path(__file__).resolve().parents[3]


def bin_dir() -> Path:
    """Where the built programs are: $AC_BIN_DIR (ctest sets it) or build/bin."""
    return Path(os.environ.get("AC_BIN_DIR", REPO / "build" / "bin"))


def program(name: str) -> str:
    path = bin_dir() / name
    if not path.is_file():
        raise RuntimeError(f"{path} is not built (set AC_BIN_DIR to the build's bin folder)")
    return str(path)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(what: str, ready: Callable[[], bool], timeout: float = 15.0,
               proc: Optional["Process"] = None) -> None:
    """Polls ready() every 20 ms until it holds; raises with the process log when not."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if ready():
            return
        if proc is not None and proc.popen.poll() is not None:
            raise RuntimeError(f"{proc.name} exited ({proc.popen.returncode}) before {what}:\n{proc.log_tail()}")
        time.sleep(0.02)
    raise RuntimeError(f"timed out after {timeout}s waiting for {what}" +
                       (f":\n{proc.log_tail()}" if proc else ""))


def port_open(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return True
    except OSError:
        return False


class Process:
    """A child process with its log file; stop() by PID, never by name."""

    def __init__(self, name: str, args: List[str], log: Path) -> None:
        self.name = name
        self.log = log
        self._log_file = open(log, "wb")
        self.popen = subprocess.Popen(args, stdout=self._log_file, stderr=subprocess.STDOUT,
                                      stdin=subprocess.DEVNULL)

    @property
    def pid(self) -> int:
        return self.popen.pid

    def log_tail(self, lines: int = 20) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def kill(self) -> None:
        """SIGKILL: the process dies mid-whatever, as in a crash."""
        if self.popen.poll() is None:
            os.kill(self.pid, signal.SIGKILL)
        self.popen.wait(10)
        self._log_file.close()

    def stop(self) -> None:
        """SIGTERM, then SIGKILL after 10 s."""
        if self.popen.poll() is None:
            os.kill(self.pid, signal.SIGTERM)
            try:
                self.popen.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()
        self._log_file.close()


class Redis(Process):
    """A throwaway redis-server without persistence."""

    def __init__(self, workdir: Path) -> None:
        self.port = free_port()
        exe = shutil.which("redis-server") or "/usr/bin/redis-server"
        super().__init__("redis", [exe, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                                   "--appendonly", "no", "--daemonize", "no"],
                         workdir / f"redis.{self.port}.log")
        wait_until(f"redis-server on {self.port}", lambda: port_open(self.port), proc=self)

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"


class Node(Process):
    """An actorcache-node with a RESP port; `resp_port` and `node_port` are read from its port files."""

    def __init__(self, workdir: Path, name: str, redis: Optional[Redis] = None,
                 seeds: Optional[List["Node"]] = None, extra: Optional[List[str]] = None) -> None:
        self.node_port_file = workdir / f"{name}.port"
        self.resp_port_file = workdir / f"{name}.rport"
        for f in (self.node_port_file, self.resp_port_file):
            f.unlink(missing_ok=True)
        args = [program("actorcache-node"), f"--node.id={name}", "--node.host=127.0.0.1",
                "--node.port=0", f"--node.port-file={self.node_port_file}",
                "--resp.port=0", f"--resp.port-file={self.resp_port_file}", "--log.level=info"]
        if redis is not None:
            args += ["--redis.enabled", f"--redis.port={redis.port}"]
        if seeds:
            args.append("--cluster.seeds=[" + ",".join(f'"127.0.0.1:{s.node_port}"' for s in seeds) + "]")
        args += extra or []
        super().__init__(name, args, workdir / f"{name}.log")
        wait_until(f"{name}'s port files", lambda: self._read_ports(), proc=self)

    def _read_ports(self) -> bool:
        try:
            self.node_port = int(self.node_port_file.read_text().strip())
            self.resp_port = int(self.resp_port_file.read_text().strip())
            return port_open(self.resp_port)
        except (OSError, ValueError):
            return False

    @property
    def address(self) -> str:
        """The RESP address clients use."""
        return f"127.0.0.1:{self.resp_port}"
