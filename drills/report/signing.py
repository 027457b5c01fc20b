"""Signing a bundle's manifest with an SSH key, and checking it against an allowed-signers file.

    sign_manifest(bundle, key)          ssh-keygen -Y sign: writes SHA256SUMS.sig next to SHA256SUMS
    check_signature(bundle, signers)    ssh-keygen -Y find-principals + -Y verify: who signed, or why not
    signing_key(path)                   the --sign-key argument checked before anything starts

The manifest covers every other file, so one signature over it covers the bundle; the signature
file is the one file the manifest does not list. No new service: OpenSSH's own signature format
(``ssh-keygen -Y``, OpenSSH >= 8.2), the namespace ``drills-bundle`` so a signature made for
anything else (a git commit, a file) is never accepted for a bundle, and the allowed-signers format
git uses (``principal key-type key``, one per line). Every call has a timeout and never prompts
(stdin closed: a key with a passphrase needs ssh-agent).
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from drills.errors import UsageError
from drills.report.evidence import MANIFEST

__all__ = [
    "ANNOTATIONS_NAMESPACE",
    "NAMESPACE",
    "SignatureCheck",
    "check_file_signature",
    "check_signature",
    "sign_file",
    "sign_manifest",
    "signing_key",
]

NAMESPACE = "drills-bundle"  # a run's manifest
ANNOTATIONS_NAMESPACE = "drills-annotations"  # what people record after the run: a key allowed for this one
# (allowed_signers: namespaces="drills-annotations") cannot vouch for a run's evidence
TIMEOUT_S = 30.0


def _ssh_keygen() -> str:
    found = shutil.which("ssh-keygen")
    if found is None:
        raise UsageError("signing needs ssh-keygen (OpenSSH >= 8.2) and it is not on PATH "
                         "(hint: apt-get install openssh-client)")
    return found


def _run(args: list[str], stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    try:
        return subprocess.run([_ssh_keygen(), *args], input=stdin if stdin is not None else b"",
                              capture_output=True, timeout=TIMEOUT_S, check=False)  # fmt: skip
    except subprocess.TimeoutExpired as exc:
        raise UsageError(f"ssh-keygen {args[0]} {args[1]} did not answer within {TIMEOUT_S:g} s") from exc


def _last_line(data: bytes) -> str:
    lines = [ln.strip() for ln in data.decode(errors="replace").splitlines() if ln.strip()]
    return lines[-1] if lines else "no message"


def signing_key(path: Path) -> Path:
    """The private key named by --sign-key, checked before a drill starts: it exists and signs (a key
    with a passphrase and no agent fails here, not after the drill)."""
    if not path.is_file():
        raise UsageError(f"--sign-key {path}: no such key file (an SSH private key, e.g. ssh-keygen -t ed25519)")
    with tempfile.TemporaryDirectory() as tmp:
        probe = Path(tmp) / "probe"
        probe.write_text("drills: can this key sign?\n")
        sign_file(probe, path, namespace="drills-key-check")
    return path


def sign_file(path: Path, key: Path, namespace: str = NAMESPACE) -> Path:
    """Sign ``path`` with ``key`` for ``namespace``; returns ``<path>.sig``. UsageError when it cannot."""
    if not path.is_file():
        raise UsageError(f"{path}: nothing to sign (no such file)")
    sig = path.with_name(path.name + ".sig")
    sig.unlink(missing_ok=True)  # ssh-keygen refuses to overwrite
    done = _run(["-Y", "sign", "-f", str(key), "-n", namespace, str(path)])
    if done.returncode != 0 or not sig.is_file():
        raise UsageError(f"--sign-key {key}: ssh-keygen could not sign {path}: {_last_line(done.stderr)}")
    return sig


def sign_manifest(bundle: Path, key: Path) -> Path:
    """Sign the bundle's SHA256SUMS with ``key``; returns SHA256SUMS.sig. UsageError when it cannot."""
    if not (bundle / MANIFEST).is_file():
        raise UsageError(f"{bundle}: no {MANIFEST} to sign")
    return sign_file(bundle / MANIFEST, key)


@dataclass(frozen=True)
class SignatureCheck:
    ok: bool
    sentence: str  # "signed by ci@drills (allowed in FILE)" or why the signature is not accepted


def check_signature(bundle: Path, signers: Path) -> SignatureCheck:
    """Is SHA256SUMS signed, for drills bundles, by a key ``signers`` allows? Never raises for a bad
    or missing signature (that is the answer); UsageError for an unreadable signers file."""
    return check_file_signature(bundle / MANIFEST, signers)


def check_file_signature(path: Path, signers: Path, namespace: str = NAMESPACE) -> SignatureCheck:
    """Is ``path`` signed (``<path>.sig``), for ``namespace``, by a key ``signers`` allows for it?"""
    if not signers.is_file():
        raise UsageError(f"--signers {signers}: no such allowed-signers file")
    sig = path.with_name(path.name + ".sig")
    if not sig.is_file():
        return SignatureCheck(False, f"not signed: no {sig.name} (--signers asks for a signature)")
    if not path.is_file():
        return SignatureCheck(False, f"bad signature: {path.name} is missing")
    found = _run(["-Y", "find-principals", "-s", str(sig), "-f", str(signers)])
    principals = [p for p in found.stdout.decode(errors="replace").split() if p]
    if found.returncode != 0 or not principals:
        return SignatureCheck(False, f"bad signature: {sig.name} was not made by a key {signers} allows "
                                     f"({_last_line(found.stderr)})")
    data = path.read_bytes()
    for principal in principals:
        done = _run(["-Y", "verify", "-f", str(signers), "-I", principal, "-n", namespace, "-s", str(sig)], data)
        if done.returncode == 0:
            return SignatureCheck(True, f"signed by {principal} (a key {signers} allows), over {path.name} as it is")
    return SignatureCheck(False, f"bad signature: {sig.name} does not match {path.name} as it is, for "
                                 f"{', '.join(principals)} ({_last_line(done.stderr)})")
