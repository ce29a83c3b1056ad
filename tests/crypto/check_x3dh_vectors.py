#!/usr/bin/env python3
# Independent re-derivation of the vectors in docs/protocol.md C1 §5 with pyca/cryptography
# (a second implementation, sharing no code with crypto/). Every value it computes must
# appear in the document; exits non-zero otherwise.
# Usage: python3 check_x3dh_vectors.py docs/protocol.md   (CTest runs it, label crypto)
import hashlib, hmac, os, re, sys
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives import serialization as s

results = {}
def out(name, value):
    results[name] = value

raw = lambda k: k.public_key().public_bytes(s.Encoding.Raw, s.PublicFormat.Raw)
pat = lambda a, step=1: bytes((a + i*step) % 256 for i in range(32))
x = lambda b: X25519PrivateKey.from_private_bytes(b)
ed = lambda b: Ed25519PrivateKey.from_private_bytes(b)
def hkdf(salt, ikm, info, n):
    prk = hmac.new(salt, ikm, hashlib.sha256).digest()
    out, t, i = b'', b'', 1
    while len(out) < n:
        t = hmac.new(prk, t + info + bytes([i]), hashlib.sha256).digest(); out += t; i += 1
    return out[:n]
def addr(u, r, d=None):
    b = bytes([len(u)]) + u + bytes([len(r)]) + r
    return b + (d.to_bytes(4, 'big') if d is not None else b'')
aAcc, aSig, IKA, EKA = ed(pat(0)), ed(pat(0x20)), x(pat(0x40)), x(pat(0x60))
bAcc, bSig, IKB, SPK, OPK = ed(pat(0x80)), ed(pat(0xa0)), x(pat(0xc0)), x(pat(0xe0)), x(pat(0xff, -1))
A = addr(b'alice', b'relay.example', 1); B = addr(b'bob', b'relay.example:8443', 7)
body = b'\x01' + A + raw(aAcc) + raw(aSig) + raw(IKA)
cert = body + aAcc.sign(b'parley-device-certificate-v1' + body)
out('cert', cert.hex())
spkbody = b'\x01' + (1).to_bytes(4,'big') + raw(SPK) + (1700000000).to_bytes(8,'big')
spk = spkbody + bSig.sign(b'parley-signed-prekey-v1' + spkbody)
out('spk', spk.hex())
lbody = b'\x01' + addr(b'bob', b'relay.example:8443') + raw(bAcc) + (3).to_bytes(8,'big') + b'\x01' + (7).to_bytes(4,'big') + raw(bSig) + raw(IKB)
dl = lbody + bAcc.sign(b'parley-device-list-v1' + lbody)
bcbody = b'\x01' + B + raw(bAcc) + raw(bSig) + raw(IKB)
bcert = bcbody + bAcc.sign(b'parley-device-certificate-v1' + bcbody)
bundle = b'\x01' + len(dl).to_bytes(2,'big') + dl + len(bcert).to_bytes(2,'big') + bcert + spk + b'\x01' + (42).to_bytes(4,'big') + raw(OPK)
out('bundle', bundle.hex())
pub = lambda k: X25519PublicKey.from_public_bytes(raw(k))
dh1 = IKA.exchange(pub(SPK)); dh2 = EKA.exchange(pub(IKB)); dh3 = EKA.exchange(pub(SPK)); dh4 = EKA.exchange(pub(OPK))
out('sk_opk', hkdf(bytes(32), b'\xff'*32 + dh1+dh2+dh3+dh4, b'parley-x3dh-v1', 32).hex())
out('sk', hkdf(bytes(32), b'\xff'*32 + dh1+dh2+dh3, b'parley-x3dh-v1', 32).hex())
out('ad', (b'\x01' + A + raw(IKA) + B + raw(IKB)).hex())
hdr = lambda opk: b'\x01' + len(cert).to_bytes(2,'big') + cert + raw(EKA) + (1).to_bytes(4,'big') + (b'\x01' + (42).to_bytes(4,'big') if opk else b'\x00')
out('hdr_opk', hdr(True).hex()); out('hdr', hdr(False).hex())
idin = lambda opk: b'parley-x3dh-initial-message-id-v1' + A + raw(aAcc) + raw(IKA) + raw(EKA) + (1).to_bytes(4,'big') + (b'\x01' + (42).to_bytes(4,'big') if opk else b'\x00')
out('id_opk', hashlib.sha256(idin(True)).hexdigest()); out('id', hashlib.sha256(idin(False)).hexdigest())

doc = open(sys.argv[1]).read()
flat = re.sub(r'\s+', '', doc)
missing = [name for name, value in results.items() if value not in flat]
for name, value in results.items():
    print(('ok      ' if name not in missing else 'MISSING ') + name)
sys.exit(1 if missing else 0)
