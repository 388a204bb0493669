"""A pre-forking WSGI server from the standard library, which ``scale_load.py`` starts when gunicorn is not
installed: like gunicorn's sync workers, ``workers`` processes accept on one listening socket and serve one
request at a time each. Usage: ``python _serve.py <port> <workers>``."""

import os
import signal
import sys
from wsgiref.simple_server import WSGIRequestHandler, make_server

import _setup  # noqa: F401  (puts the project on the path)


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, *args):
        """No access log: the client counts the requests."""


def main() -> None:
    from acquirer.wsgi import application

    port, workers = int(sys.argv[1]), int(sys.argv[2])
    server = make_server("127.0.0.1", port, application, handler_class=_QuietHandler)
    children = []
    for _ in range(workers):
        pid = os.fork()
        if pid == 0:
            server.serve_forever()
            os._exit(0)
        children.append(pid)

    def stop(*_args):
        for pid in children:
            os.kill(pid, signal.SIGTERM)
        sys.exit(0)

    signal.signal(signal.SIGTERM, stop)
    for pid in children:
        os.waitpid(pid, 0)


if __name__ == "__main__":
    main()
