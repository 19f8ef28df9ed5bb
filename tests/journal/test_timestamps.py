"""RFC 3161 timestamps of the seals, against a time-stamping authority the test starts on
loopback (``openssl ts -reply`` behind a small HTTP server, with a test CA made at test time)."""

import http.server
import json
import shutil
import subprocess
import threading
from pathlib import Path

import pytest
from django.core.management import call_command

from journal import heads, timestamps, verification
from tests.factories import ClaimFactory

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl absent"),
]

CONFIG = """
[ req ]
distinguished_name = dn
prompt = no
[ dn ]
CN = test
[ ca_ext ]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[ tsa_ext ]
basicConstraints = CA:FALSE
keyUsage = critical, digitalSignature, nonRepudiation
extendedKeyUsage = critical, timeStamping
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[ tsa ]
default_tsa = tsa_config
[ tsa_config ]
serial = {serial}
crypto_device = builtin
signer_digest = sha256
default_policy = 1.2.3.4.1
digests = sha256
accuracy = secs:1
ordering = yes
tsa_name = no
ess_cert_id_alg = sha256
"""


def _run(*args, cwd):
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)  # noqa: S603, S607


def _authority(directory: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "tsa.cnf").write_text(CONFIG.format(serial=directory / "serial"))
    (directory / "serial").write_text("01\n")
    cnf = "-config tsa.cnf"
    commands = [
        f"req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 2 {cnf} "
        "-extensions ca_ext -subj /CN=AC-de-test",
        f"req -newkey rsa:2048 -nodes -keyout tsa.key -out tsa.csr {cnf} -subj /CN=Horodatage",
        "x509 -req -in tsa.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out tsa.pem -days 2 "
        "-extfile tsa.cnf -extensions tsa_ext",
    ]
    for command in commands:
        _run(*command.split(), cwd=directory)
    return directory


@pytest.fixture
def tsa(tmp_path, settings):
    """A TSA on 127.0.0.1: POST a query, get ``openssl ts -reply``'s signed answer."""
    directory = _authority(tmp_path / "tsa")
    lock = threading.Lock()
    received = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            with lock:
                received.append(self.headers["Content-Type"])
                (directory / "q.tsq").write_bytes(body)
                _run(
                    *[
                        "ts",
                        "-reply",
                        "-config",
                        "tsa.cnf",
                        "-queryfile",
                        "q.tsq",
                        "-signer",
                        "tsa.pem",
                        "-inkey",
                        "tsa.key",
                        "-out",
                        "r.tsr",
                    ],
                    cwd=directory,
                )
                answer = (directory / "r.tsr").read_bytes()
            self.send_response(200)
            self.send_header("Content-Type", "application/timestamp-reply")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.JOURNAL_TSA_URL = f"http://127.0.0.1:{server.server_address[1]}/tsa"
    settings.JOURNAL_TSA_CA_FILE = str(directory / "ca.pem")
    yield received
    server.shutdown()
    server.server_close()


def test_each_seal_is_timestamped_and_checked_offline(tsa, controller, capsys):
    ClaimFactory(actor=controller)
    path = heads.write_seal()
    answer = timestamps.answer_path(path)
    assert answer.exists() and tsa == ["application/timestamp-query"]
    daily = heads.write_head()
    assert timestamps.answer_path(daily).exists()

    result = verification.verify()
    assert result.ok, [str(p) for p in result.problems]
    assert result.timestamps_checked == 2
    call_command("journal_verify")
    assert "dont 2 horodaté(s) (RFC 3161)" in capsys.readouterr().out


def test_a_seal_rewritten_after_its_timestamp_is_named(tsa, controller):
    """Whoever can write the directory rewrites a seal consistently (its ``head`` recomputed):
    the timestamp no longer matches it."""
    ClaimFactory(actor=controller)
    path = heads.write_seal()
    document = json.loads(path.read_text(encoding="utf-8"))
    name = next(iter(document["chains"]))
    document["chains"][name]["seq"] += 1
    document["head"] = heads._digest(document["chains"])
    path.write_text(json.dumps(document), encoding="utf-8")

    problems = verification.verify().problems
    assert [(p.model, "horodatage RFC 3161 invalide" in p.message) for p in problems] == [
        (path.name, True)
    ]


def test_without_an_authority_nothing_is_sent(controller, settings):
    settings.JOURNAL_TSA_URL = ""
    ClaimFactory(actor=controller)
    path = heads.write_seal()
    assert not timestamps.answer_path(path).exists()
    assert verification.verify().timestamps_checked == 0
