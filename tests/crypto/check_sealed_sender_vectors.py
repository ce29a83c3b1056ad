#!/usr/bin/env python3
# Independent re-derivation of the vectors in docs/protocol.md C3 §8 with pyca/cryptography
# and a pure-Python HChaCha20 (a second implementation, sharing no code with crypto/ or
# libsodium). Every value it computes must appear in the document; exits non-zero otherwise.
# Usage: python3 check_sealed_sender_vectors.py docs/protocol.md [--print]
#        (CTest runs it, label crypto)
import hashlib, hmac, os, re, struct, sys
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
from cryptography.hazmat.primitives import serialization as s

results = {}
def out(name, value):
    results[name] = value.hex()

raw = lambda k: k.public_key().public_bytes(s.Encoding.Raw, s.PublicFormat.Raw)
pat = lambda a, step=1: bytes((a + i*step) % 256 for i in range(32))
x = lambda b: X25519PrivateKey.from_private_bytes(b)
ed = lambda b: Ed25519PrivateKey.from_private_bytes(b)
dh = lambda k, pub: k.exchange(X25519PublicKey.from_public_bytes(pub))
def hkdf(salt, ikm, info, n):
    prk = hmac.new(salt or bytes(32), ikm, hashlib.sha256).digest()
    okm, t, i = b'', b'', 1
    while len(okm) < n:
        t = hmac.new(prk, t + info + bytes([i]), hashlib.sha256).digest(); okm += t; i += 1
    return okm[:n]

# XChaCha20-Poly1305-IETF (draft-irtf-cfrg-xchacha §2): HChaCha20 subkey from the first 16
# nonce bytes, then ChaCha20-Poly1305 (RFC 8439) with nonce 0x00000000 ‖ last 8 nonce bytes.
def hchacha20(key, nonce16):
    st = list(struct.unpack('<4I', b'expand 32-byte k') + struct.unpack('<8I', key) + struct.unpack('<4I', nonce16))
    def qr(a, b, c, d):
        rot = lambda v, n: ((v << n) | (v >> (32 - n))) & 0xffffffff
        st[a] = (st[a] + st[b]) & 0xffffffff; st[d] = rot(st[d] ^ st[a], 16)
        st[c] = (st[c] + st[d]) & 0xffffffff; st[b] = rot(st[b] ^ st[c], 12)
        st[a] = (st[a] + st[b]) & 0xffffffff; st[d] = rot(st[d] ^ st[a], 8)
        st[c] = (st[c] + st[d]) & 0xffffffff; st[b] = rot(st[b] ^ st[c], 7)
    for _ in range(10):
        qr(0, 4, 8, 12); qr(1, 5, 9, 13); qr(2, 6, 10, 14); qr(3, 7, 11, 15)
        qr(0, 5, 10, 15); qr(1, 6, 11, 12); qr(2, 7, 8, 13); qr(3, 4, 9, 14)
    return struct.pack('<8I', *(st[0:4] + st[12:16]))
def xaead(key, nonce, ad, pt):
    return ChaCha20Poly1305(hchacha20(key, nonce[:16])).encrypt(b'\0' * 4 + nonce[16:], pt, ad)

def addr(u, r, d):
    return bytes([len(u)]) + u + bytes([len(r)]) + r + d.to_bytes(4, 'big')
def certificate(acc, sig, ik, address):
    body = b'\x01' + address + raw(acc) + raw(sig) + raw(ik)
    return body + acc.sign(b'parley-device-certificate-v1' + body)
def content(cert, message):  # §2
    return len(cert).to_bytes(2, 'big') + cert + bytes(454 - len(cert)) + message

def seal(labels, e, ik_s, ik_r_pub, plaintext, prefix=''):  # §3, §4
    E = raw(e)
    dh_e = dh(e, ik_r_pub)
    okm_e = hkdf(b'', dh_e, labels[0] + E + ik_r_pub, 88)
    head = b'\x01' + E
    c_e = xaead(okm_e[32:64], okm_e[64:88], head, raw(ik_s))
    dh_s = dh(ik_s, ik_r_pub)
    okm_s = hkdf(okm_e[:32], dh_s, labels[1] + E + raw(ik_s) + ik_r_pub + c_e, 56)
    c_s = xaead(okm_s[:32], okm_s[32:56], head + c_e, plaintext)
    if prefix:
        out(prefix + 'E', E); out(prefix + 'DH_e', dh_e); out(prefix + 'okm_e', okm_e)
        out(prefix + 'c_e', c_e); out(prefix + 'DH_s', dh_s); out(prefix + 'okm_s', okm_s)
    return head + c_e + c_s

aAcc, aSig, IKA = ed(pat(0x00)), ed(pat(0x20)), x(pat(0x40))
bAcc, bSig, IKB = ed(pat(0x80)), ed(pat(0xa0)), x(pat(0xc0))
cAcc, cSig, IKC = ed(pat(0x0f, 7)), ed(pat(0x1e, 7)), x(pat(0x2d, 7))
certA = certificate(aAcc, aSig, IKA, addr(b'alice', b'relay.example', 1))
out('Alice certificate', certA)

# §8.2 sealed envelope, Alice → Bob.
msg = b'parley sealed sender test message'
env = seal((b'parley-sealed-ephemeral-v1', b'parley-sealed-static-v1'), x(pat(0x10, 3)), IKA,
           raw(IKB), content(certA, msg), 'envelope ')
out('envelope', env)

# §8.3 multi-recipient, Alice → Bob and Carol.
out('Carol account', raw(cAcc)); out('Carol signing', raw(cSig)); out('IK_C', raw(IKC))
mmsg = b'parley multi-recipient test message'
kb = pat(0x3c, 7)
okm_b = hkdf(b'', kb, b'parley-sealed-body-v1', 88)
out('body okm', okm_b)
head = b'\x01' + okm_b[:32]
body = head + xaead(okm_b[32:64], okm_b[64:88], head, content(certA, mmsg))
out('body', body)
digest = hashlib.sha256(body).digest()
out('body digest', digest)
labels = (b'parley-sealed-key-ephemeral-v1', b'parley-sealed-key-static-v1')
for name, e, ik in (('Bob', x(pat(0x4b, 7)), IKB), ('Carol', x(pat(0x5a, 7)), IKC)):
    out('E for ' + name, raw(e))
    out('sealed key ' + name, seal(labels, e, IKA, raw(ik), kb + digest))

if '--print' in sys.argv:
    for name, value in results.items():
        print(name, '=', value)
doc = open(sys.argv[1]).read()
flat = re.sub(r'\s+', '', doc)
missing = [name for name, value in results.items() if value not in flat]
for name in results:
    print(('ok      ' if name not in missing else 'MISSING ') + name)
sys.exit(1 if missing else 0)
