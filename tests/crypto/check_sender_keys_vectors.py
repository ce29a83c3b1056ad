#!/usr/bin/env python3
# Independent re-derivation of the vectors in docs/protocol.md C4 §7 with pyca/cryptography
# and a pure-Python HChaCha20 (a second implementation, sharing no code with crypto/). Every
# value it computes must appear in the document; exits non-zero otherwise.
# Usage: python3 check_sender_keys_vectors.py docs/protocol.md   (CTest runs it, label crypto)
import hashlib, hmac, os, re, struct, sys
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
from cryptography.hazmat.primitives import serialization as s

results = {}
def out(name, value):
    results[name] = value

pat = lambda a, step=1: bytes((a + i*step) % 256 for i in range(32))
u32 = lambda v: struct.pack('>I', v)
def hkdf(salt, ikm, info, n):
    prk = hmac.new(salt or bytes(32), ikm, hashlib.sha256).digest()
    o, t, i = b'', b'', 1
    while len(o) < n:
        t = hmac.new(prk, t + info + bytes([i]), hashlib.sha256).digest(); o += t; i += 1
    return o[:n]

# HChaCha20 (draft-irtf-cfrg-xchacha §2.2) and XChaCha20-Poly1305-IETF on top of the
# ChaCha20-Poly1305 of RFC 8439: subkey = HChaCha20(key, nonce[0:16]),
# nonce' = 4 zero bytes ‖ nonce[16:24].
def hchacha20(key, nonce16):
    rotl = lambda v, c: ((v << c) & 0xffffffff) | (v >> (32 - c))
    x = [0x61707865, 0x3320646e, 0x79622d32, 0x6b206574]
    x += list(struct.unpack('<8I', key)) + list(struct.unpack('<4I', nonce16))
    def qr(a, b, c, d):
        x[a] = (x[a] + x[b]) & 0xffffffff; x[d] = rotl(x[d] ^ x[a], 16)
        x[c] = (x[c] + x[d]) & 0xffffffff; x[b] = rotl(x[b] ^ x[c], 12)
        x[a] = (x[a] + x[b]) & 0xffffffff; x[d] = rotl(x[d] ^ x[a], 8)
        x[c] = (x[c] + x[d]) & 0xffffffff; x[b] = rotl(x[b] ^ x[c], 7)
    for _ in range(10):
        qr(0, 4, 8, 12); qr(1, 5, 9, 13); qr(2, 6, 10, 14); qr(3, 7, 11, 15)
        qr(0, 5, 10, 15); qr(1, 6, 11, 12); qr(2, 7, 8, 13); qr(3, 4, 9, 14)
    return struct.pack('<8I', *(x[0:4] + x[12:16]))
def xchacha_seal(key, nonce, plaintext, ad):
    return ChaCha20Poly1305(hchacha20(key, nonce[:16])).encrypt(bytes(4) + nonce[16:], plaintext, ad)
# XChaCha self-check: draft-irtf-cfrg-xchacha-03 §2.2.1 HChaCha20 test vector.
assert hchacha20(bytes(range(32)), bytes.fromhex('000000090000004a0000000031415927')).hex() == \
    '82413b4227b27bfed30e42508a877d73a0f9e4d58a74a853c12ec41326d3ecdc'

def pad(m, block=64):  # sodium_pad: ISO/IEC 7816-4 to the next multiple of block
    m = m + b'\x80'
    return m + bytes((-len(m)) % block)

group = pat(0xa0)[:16]
key_id = 0x0a0b0c0d
ck0 = pat(0x10)
signer = Ed25519PrivateKey.from_private_bytes(pat(0x40))
spk = signer.public_key().public_bytes(s.Encoding.Raw, s.PublicFormat.Raw)
alice = bytes([5]) + b'alice' + bytes([13]) + b'relay.example' + u32(1)

out('distribution', b'\x01' + group + u32(key_id) + u32(0) + ck0 + spk)

def message(ck, iteration, plaintext, name):
    seed = hmac.new(ck, b'\x01', hashlib.sha256).digest()
    keys = hkdf(b'', seed, b'parley-sender-key-message-keys-v1', 56)
    header = b'\x01' + group + u32(key_id) + u32(iteration)
    ad = header + alice
    ct = xchacha_seal(keys[:32], keys[32:], pad(plaintext), ad)
    sig = signer.sign(b'parley-sender-key-message-v1' + header + ct)
    out(name, header + ct + sig)
    return seed, keys, ad, hmac.new(ck, b'\x02', hashlib.sha256).digest()

seed0, keys0, ad0, ck1 = message(ck0, 0, b'Hello, group!', 'message0')
seed1, _, _, ck2 = message(ck1, 1, b'Second message, a little longer than the first one, '
                           b'to need two padding blocks.', 'message1')
out('seed0', seed0); out('keys0', keys0); out('associatedData0', ad0); out('chainKey1', ck1)
out('senderState', b'\x01' + group + alice + u32(key_id) + u32(2) + ck2 + pat(0x40)
    + struct.pack('>Q', 1700000000))
# Receiver after message 1 only: chain at 2, floor 0, the key of iteration 0 kept.
out('receiverState', b'\x01' + group + alice + b'\x01' + struct.pack('>H', 0) + u32(key_id)
    + spk + u32(2) + ck2 + u32(0) + struct.pack('>H', 1) + u32(0) + seed0)

doc = open(sys.argv[1]).read()
flat = re.sub(r'[^0-9a-f]', '', doc.lower())
bad = [n for n, v in results.items() if v.hex() not in flat]
for n, v in results.items():
    print(('ok   ' if n not in bad else 'MISS ') + n + ' = ' + v.hex())
sys.exit(1 if bad else 0)
