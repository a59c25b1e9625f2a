"""Start `invoice-mcp serve` processes by forking a process that has already imported everything.

A fresh `python -m invoice_mcp serve` spends about 0.7 s importing before it replies, which
would make the 200 kills of the crash test take minutes. This helper imports the server once,
then for each request forks a child that runs the real command line (`invoice_mcp.cli.main`)
on the pipes it was sent. Requests come over a Unix socket: a JSON argument list plus the
child's stdin and stdout descriptors (SCM_RIGHTS); the reply is the child's pid.

Run as `python tests/hostile/zygote.py FD`, where FD is the inherited socket.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import sys

from mcp.server import stdio  # noqa: F401

from invoice_mcp import cli
from invoice_mcp.policy_file import load_policies  # noqa: F401  (imported for the children)
from invoice_mcp.server import app  # noqa: F401
from invoice_mcp.store import migrate  # noqa: F401


def serve_requests(control: socket.socket) -> None:
    # The kernel reaps the children. The test sees a child end when its stdout pipe closes.
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)
    while True:
        message, fds, _, _ = socket.recv_fds(control, 65536, 2)
        if not message:
            return
        argv = json.loads(message)
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:
            control.close()
            os.dup2(fds[0], 0)
            os.dup2(fds[1], 1)
            for fd in fds:
                os.close(fd)
            signal.signal(signal.SIGCHLD, signal.SIG_DFL)
            status = 1
            try:
                status = cli.main(argv)
            finally:
                os._exit(status)
        for fd in fds:
            os.close(fd)
        control.sendall(json.dumps(pid).encode() + b"\n")


if __name__ == "__main__":
    serve_requests(socket.socket(fileno=int(sys.argv[1])))
